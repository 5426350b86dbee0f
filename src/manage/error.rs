//! Everything a manager command can fail with, and the one place each failure becomes the
//! text the manager reads (as poise's `on_error` and axum's `IntoResponse` do).

use crate::engagement::EngagementError;
use crate::posts::{StoreError, WhenError};
use crate::team::TicketError;

/// Where to look for post ids, added to "which post?" replies.
const NO_POST: &str = "/queue lists scheduled posts, /posted published ones";

#[derive(Debug, thiserror::Error)]
pub enum CommandError {
    /// The arguments do not have the command's shape: its usage line.
    #[error("{0}")]
    Usage(&'static str),
    #[error("Which post? Give its id, e.g. p1 ({NO_POST}).")]
    WhichPost,
    #[error("There is no post {0} ({NO_POST}).")]
    NoPost(String),
    #[error("\"{0}\" is not a period; use 7d, 30d or 90d.")]
    Period(String),
    #[error("\"{0}\" is not a variant number; use the number /draft showed before it.")]
    Variant(String),
    #[error(transparent)]
    When(#[from] WhenError),
    /// The command is well formed but cannot be done as asked; the text says why and what
    /// to do instead.
    #[error("{0}")]
    Refused(String),
    #[error("I could not write a draft just now: the model wrote nothing I could show, and the brief names nothing I know to write from. Try again, or name a product, event or place from the knowledge in the brief.")]
    NoDraft,
    /// The posts' store failed while `doing` (e.g. "save post p1").
    #[error("Could not {doing}: {source}")]
    Posts {
        doing: String,
        #[source]
        source: StoreError,
    },
    /// The tickets could not be read or written.
    #[error("Sorry, the tickets could not be read or written; nothing was sent.")]
    Tickets(#[from] TicketError),
    /// The engagement log could not be read, so `what` could not be made.
    #[error("Sorry, the data folder could not be read, so {what} could not be made.")]
    Log {
        what: &'static str,
        #[source]
        source: EngagementError,
    },
}

impl CommandError {
    /// A store failure while doing something, for `map_err`.
    pub(crate) fn posts(doing: impl Into<String>) -> impl FnOnce(StoreError) -> CommandError {
        let doing = doing.into();
        move |source| CommandError::Posts { doing, source }
    }

    /// A log failure while making `what`, for `map_err`.
    pub(crate) fn log(what: &'static str) -> impl FnOnce(EngagementError) -> CommandError {
        move |source| CommandError::Log { what, source }
    }

    /// The reply the manager reads. Failures of the data folder are also logged here, with
    /// their cause, so an operator sees them once whatever the command.
    pub fn reply(&self) -> String {
        if let Some(source) = std::error::Error::source(self) {
            if matches!(
                self,
                CommandError::Posts { .. } | CommandError::Log { .. } | CommandError::Tickets(_)
            ) {
                tracing::error!(error = %source, "manager command failed: {self}");
            }
        }
        self.to_string()
    }
}
