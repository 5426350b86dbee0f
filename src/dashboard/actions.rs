//! The forms: each checks the session and its CSRF token, runs the managers' command it
//! stands for (`/teach`, `/approve`, `/schedule`, `/cancel`, `/pardon`) through
//! [`crate::manage`], delivers what the command sends to other chats, and goes back to its
//! page with the command's answer shown once (post, redirect, get).

use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};

use herald_platform::PlatformError;

use crate::manage::{Done, ManagerCommand};

use super::session::{csrf_ok, Flash, Session};
use super::state::{manager_call, DashboardState};
use super::view::Frame;

/// A form's fields (`application/x-www-form-urlencoded`), first value of each name.
pub(super) struct Form(Vec<(String, String)>);

impl Form {
    pub(super) fn parse(body: &[u8]) -> Form {
        Form(url::form_urlencoded::parse(body).into_owned().collect())
    }

    pub(super) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Why a form was refused (nothing was done).
pub(super) enum Refused {
    NotLoggedIn,
    Ended,
    /// The form did not carry the session's token; the session's own token, for the page.
    Csrf(String),
}

impl Refused {
    /// The 403 page, with a way back (to the login when there is no session).
    pub(super) fn respond(self, st: &DashboardState, back: &str) -> Response {
        let (message, csrf) = match &self {
            Refused::NotLoggedIn => ("You are not logged in (or your session ended): log in again.", None),
            Refused::Ended => ("Your session has ended: log in again.", None),
            Refused::Csrf(token) => (
                "Refused: the form did not carry this session's security token. Nothing was changed. Reload the page and send it again.",
                Some(token.as_str()),
            ),
        };
        let frame = Frame {
            title: "Refused",
            path: "",
            csrf,
            flash: None,
        };
        let back = if csrf.is_some() {
            back
        } else {
            "/dashboard/login"
        };
        st.0.views
            .error(StatusCode::FORBIDDEN, frame, message, back)
    }
}

/// The session a form was sent from, when its CSRF token is that session's.
pub(super) fn checked(
    st: &DashboardState,
    headers: &HeaderMap,
    form: &Form,
) -> Result<(String, Session), Refused> {
    let id = super::state::session_id(headers).ok_or(Refused::NotLoggedIn)?;
    let session = st.0.sessions.peek(id).ok_or(Refused::Ended)?;
    if !csrf_ok(&session, form.get("csrf")) {
        tracing::warn!("dashboard: a form without this session's CSRF token was refused");
        return Err(Refused::Csrf(session.csrf));
    }
    Ok((id.to_string(), session))
}

/// Run `/name args` as the dashboard's manager, deliver what it sends elsewhere, and say
/// how it went.
async fn run(st: &DashboardState, name: &str, args: &str) -> Flash {
    let cmd = match ManagerCommand::parse(name, args) {
        Some(Ok(cmd)) => cmd,
        Some(Err(e)) => {
            return Flash {
                ok: false,
                text: e.reply(),
            }
        }
        None => {
            return Flash {
                ok: false,
                text: format!("/{name} is not a manager command."),
            }
        }
    };
    let graph = st.0.parts.knowledge.snapshot();
    let who = st.manager();
    let call = manager_call(&graph, &who);
    match cmd.apply(&st.0.parts.manage, &call).await {
        Ok(done) => {
            let problems = deliver(st, &done).await;
            let mut text = done.text;
            for p in &problems {
                text.push_str(&format!("\n{p}"));
            }
            Flash {
                ok: problems.is_empty(),
                text,
            }
        }
        Err(e) => Flash {
            ok: false,
            text: e.reply(),
        },
    }
}

/// Send a command's messages for other chats and carry out its platform actions through
/// the running adapters; what failed, in words.
async fn deliver(st: &DashboardState, done: &Done) -> Vec<String> {
    let mut problems = Vec::new();
    let adapter = |kind| st.0.parts.adapters.iter().find(|a| a.kind() == kind);
    for f in &done.forwards {
        let result = match adapter(f.out.chat.platform) {
            Some(a) => a.send(f.out.clone()).await.map(drop),
            None => Err(PlatformError::NotRunning {
                platform: f.out.chat.platform,
            }),
        };
        if let Err(e) = result {
            tracing::error!(error = %crate::text::chain(&e), "dashboard: message for a chat not delivered");
            problems.push(f.on_failure.clone().unwrap_or_else(|| {
                format!(
                    "A message to a {} chat was not delivered: {e}",
                    f.out.chat.platform
                )
            }));
        }
    }
    for s in &done.sanctions {
        let result = match adapter(s.chat.platform) {
            Some(a) => a.moderate(&s.chat, &s.user, &s.action).await,
            None => Err(PlatformError::NotRunning {
                platform: s.chat.platform,
            }),
        };
        if let Err(e) = result {
            problems.push(format!("Could not {} there: {e}", s.action.name()));
        }
    }
    problems
}

/// Check, run, remember the answer for the page, go back to it.
async fn form_command(
    st: &DashboardState,
    headers: &HeaderMap,
    body: &[u8],
    back: &str,
    command: Build,
) -> Response {
    let form = Form::parse(body);
    let (id, _) = match checked(st, headers, &form) {
        Ok(x) => x,
        Err(refused) => return refused.respond(st, back),
    };
    let flash = match command(&form) {
        Ok((name, args)) => run(st, name, &args).await,
        Err(problem) => Flash {
            ok: false,
            text: problem,
        },
    };
    st.0.sessions.flash(&id, flash);
    Redirect::to(back).into_response()
}

/// A required field, trimmed, or what is missing.
fn field<'a>(form: &'a Form, name: &str, what: &str) -> Result<&'a str, String> {
    form.get(name)
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .ok_or_else(|| format!("Nothing was changed: the form has no {what}."))
}

/// Builds a command's name and arguments from a form's fields, or says what is missing.
type Build = fn(&Form) -> Result<(&'static str, String), String>;

/// The forms: (path, the page they return to, the command they run).
pub(super) const FORMS: &[(&str, &str, Build)] = &[
    ("/dashboard/gaps/teach", "/dashboard/gaps", teach),
    ("/dashboard/posts/approve", "/dashboard/posts", approve),
    ("/dashboard/posts/schedule", "/dashboard/posts", schedule),
    ("/dashboard/posts/cancel", "/dashboard/posts", cancel),
    (
        "/dashboard/moderation/pardon",
        "/dashboard/moderation",
        pardon,
    ),
    (
        "/dashboard/moderation/spam",
        "/dashboard/moderation",
        sample_spam,
    ),
    (
        "/dashboard/moderation/notspam",
        "/dashboard/moderation",
        sample_normal,
    ),
];

/// The handler of one of [`FORMS`].
pub(super) async fn submit(
    st: DashboardState,
    headers: HeaderMap,
    body: axum::body::Bytes,
    back: &'static str,
    build: Build,
) -> Response {
    form_command(&st, &headers, &body, back, build).await
}

/// `/teach g<N> <answer>`.
fn teach(f: &Form) -> Result<(&'static str, String), String> {
    let gap = field(f, "gap", "gap id")?;
    let answer = field(f, "answer", "answer")?;
    Ok((
        "teach",
        format!("g{} {answer}", gap.trim_start_matches('g')),
    ))
}

/// `/approve <id> [variant]` (no variant: the edit, else the best).
fn approve(f: &Form) -> Result<(&'static str, String), String> {
    let id = field(f, "id", "post id")?;
    let variant = f.get("variant").map(str::trim).unwrap_or("");
    Ok(("approve", format!("{id} {variant}")))
}

/// `/schedule <id> <when> [targets]`.
fn schedule(f: &Form) -> Result<(&'static str, String), String> {
    let id = field(f, "id", "post id")?;
    let when = field(f, "when", "time")?;
    let targets = f.get("targets").map(str::trim).unwrap_or("");
    Ok(("schedule", format!("{id} {when} {targets}")))
}

/// `/cancel <id>`.
fn cancel(f: &Form) -> Result<(&'static str, String), String> {
    Ok(("cancel", field(f, "id", "post id")?.to_string()))
}

/// `/pardon m<N>`.
fn pardon(f: &Form) -> Result<(&'static str, String), String> {
    let entry = field(f, "entry", "log entry")?;
    Ok(("pardon", format!("m{}", entry.trim_start_matches('m'))))
}

/// `/spam s<N>`: a sample moved to spam.
fn sample_spam(f: &Form) -> Result<(&'static str, String), String> {
    let n = field(f, "sample", "sample")?;
    Ok(("spam", format!("s{}", n.trim_start_matches('s'))))
}

/// `/notspam s<N>`: a sample moved to normal.
fn sample_normal(f: &Form) -> Result<(&'static str, String), String> {
    let n = field(f, "sample", "sample")?;
    Ok(("notspam", format!("s{}", n.trim_start_matches('s'))))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(path: &str, body: &str) -> Result<(&'static str, String), String> {
        let (_, _, build) = FORMS.iter().find(|(p, _, _)| *p == path).expect("a form");
        build(&Form::parse(body.as_bytes()))
    }

    #[test]
    fn each_form_becomes_its_command_or_says_what_is_missing() {
        assert_eq!(
            built(
                "/dashboard/gaps/teach",
                "csrf=t&gap=4&answer=Yes%2C+every+tenth+coffee"
            ),
            Ok(("teach", "g4 Yes, every tenth coffee".to_string()))
        );
        assert_eq!(
            built(
                "/dashboard/posts/schedule",
                "id=p3&when=tomorrow+9%3A00&targets="
            ),
            Ok(("schedule", "p3 tomorrow 9:00 ".to_string()))
        );
        assert_eq!(
            built("/dashboard/posts/approve", "id=p3&variant="),
            Ok(("approve", "p3 ".to_string()))
        );
        assert_eq!(
            built("/dashboard/moderation/pardon", "entry=m7"),
            Ok(("pardon", "m7".to_string()))
        );
        assert_eq!(
            built("/dashboard/moderation/notspam", "sample=s3"),
            Ok(("notspam", "s3".to_string()))
        );
        assert_eq!(
            built("/dashboard/moderation/spam", "sample=2"),
            Ok(("spam", "s2".to_string()))
        );
        assert_eq!(
            built("/dashboard/gaps/teach", "gap=4&answer=+++"),
            Err("Nothing was changed: the form has no answer.".to_string())
        );
        assert!(built("/dashboard/posts/cancel", "").is_err());
    }
}
