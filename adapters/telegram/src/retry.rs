//! What to do when a Bot API call fails: wait and retry, resend without markup, follow a
//! group that became a supergroup, or give up. Kept apart from the sending so the policy can
//! be tested against every error teloxide can return.

use std::time::Duration;

use teloxide::{ApiError, RequestError};

pub use herald_platform::Backoff;

/// The next step after a failed call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Next {
    /// Telegram said how long to wait (429).
    WaitAndRetry(Duration),
    /// Server error or network trouble: retry after a backoff.
    Backoff,
    /// The markup did not parse: send the same text as plain text.
    Plain,
    /// The group became a supergroup with this id: send there.
    Migrate(i64),
    /// A permanent refusal (blocked, chat not found, bad token…): retrying cannot help.
    GiveUp,
}

pub fn classify(e: &RequestError) -> Next {
    match e {
        RequestError::RetryAfter(s) => WaitAndRetry(s.duration()),
        RequestError::MigrateToChatId(id) => Next::Migrate(id.0),
        RequestError::Network(_) | RequestError::InvalidJson { .. } | RequestError::Io(_) => {
            Next::Backoff
        }
        RequestError::Api(ApiError::CantParseEntities(_)) => Next::Plain,
        RequestError::Api(ApiError::Unknown(description)) => unknown(description),
        RequestError::Api(_) => Next::GiveUp,
    }
}

use Next::WaitAndRetry;

/// Errors teloxide has no variant for. Telegram's client errors say what they are in their
/// first word; anything else (`Internal Server Error`, `Bad Gateway`, a proxy's text) is the
/// server's trouble and worth a retry.
fn unknown(description: &str) -> Next {
    if description.contains("can't parse entities") {
        return Next::Plain;
    }
    const PERMANENT: &[&str] = &[
        "Bad Request",
        "Forbidden",
        "Unauthorized",
        "Not Found",
        "Conflict",
    ];
    if PERMANENT.iter().any(|p| description.starts_with(p)) {
        Next::GiveUp
    } else {
        Next::Backoff
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The error teloxide makes of a response with this description.
    fn api(description: &str) -> RequestError {
        RequestError::Api(api_error(description))
    }

    fn api_error(description: &str) -> ApiError {
        serde_json::from_value(serde_json::Value::String(description.into()))
            .expect("ApiError parses any description")
    }

    #[test]
    fn server_errors_and_network_trouble_are_retried() {
        assert_eq!(classify(&api("Internal Server Error")), Next::Backoff);
        assert_eq!(classify(&api("Bad Gateway")), Next::Backoff);
        let json = RequestError::InvalidJson {
            source: std::sync::Arc::new(serde_json::from_str::<u8>("<html>").unwrap_err()),
            raw: "<html>502</html>".into(),
        };
        assert_eq!(classify(&json), Next::Backoff);
    }

    #[test]
    fn rate_limits_wait_as_told() {
        let e = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3));
        assert_eq!(classify(&e), Next::WaitAndRetry(Duration::from_secs(3)));
    }

    #[test]
    fn markup_errors_resend_plain() {
        assert_eq!(
            classify(&api(
                "Bad Request: can't parse entities: Unsupported start tag \"x\" at byte offset 3"
            )),
            Next::Plain
        );
    }

    #[test]
    fn refusals_are_final() {
        assert_eq!(
            classify(&api("Forbidden: bot was blocked by the user")),
            Next::GiveUp
        );
        assert_eq!(classify(&api("Bad Request: chat not found")), Next::GiveUp);
        assert_eq!(classify(&api("Bad Request: something new")), Next::GiveUp);
    }

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let b = Backoff {
            base: Duration::from_millis(100),
            max: Duration::from_millis(500),
            attempts: 5,
        };
        assert_eq!(b.delay(1), Duration::from_millis(100));
        assert_eq!(b.delay(2), Duration::from_millis(200));
        assert_eq!(b.delay(3), Duration::from_millis(400));
        assert_eq!(b.delay(4), Duration::from_millis(500));
        assert_eq!(b.delay(60), Duration::from_millis(500));
    }
}
