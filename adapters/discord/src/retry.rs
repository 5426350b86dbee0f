//! What to do when a Discord REST call fails: wait out a rate limit, back off from a server
//! or network fault, or give up on a refusal. Kept apart from the sending so the policy can
//! be tested against the errors serenity returns.

use serenity::all::HttpError;

/// The next step after a failed call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// A 429. With serenity's rate limiter on it never reaches us (serenity waits itself);
    /// in proxy mode serenity hands it back without the body's `retry_after`, so the
    /// adapter waits its own rate-limit pause.
    RateLimited,
    /// A server error or network trouble: retry after a backoff.
    Backoff,
    /// A refusal (missing access, unknown channel, bad request): retrying cannot help.
    GiveUp,
}

pub fn classify(e: &serenity::Error) -> Next {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => match r.status_code.as_u16() {
            429 => Next::RateLimited,
            s if s >= 500 => Next::Backoff,
            408 => Next::Backoff,
            _ => Next::GiveUp,
        },
        serenity::Error::Http(HttpError::Request(_)) | serenity::Error::Io(_) => Next::Backoff,
        // The response did not parse: the call may have worked; a retry with the same nonce
        // cannot duplicate a channel message.
        serenity::Error::Json(_) => Next::Backoff,
        _ => Next::GiveUp,
    }
}

/// Whether the error says the token was refused (401): a config problem, not a fault.
pub(crate) fn unauthorized(e: &serenity::Error) -> bool {
    matches!(e, serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) if r.status_code.as_u16() == 401)
}

/// The error as a log line: serenity shows only Discord's message, the status says more.
pub fn describe(e: &serenity::Error) -> String {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => format!(
            "{} {} (Discord code {})",
            r.status_code.as_u16(),
            r.error.message,
            r.error.code
        ),
        other => other.to_string(),
    }
}
