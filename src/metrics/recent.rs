//! The last warnings and errors the process logged, kept in memory for the dashboard's
//! Health page: a `tracing` layer feeds a small ring, process-wide like the subscriber it
//! sits in.

use std::collections::VecDeque;
use std::fmt::Write as _;
use std::sync::{Mutex, OnceLock};

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::Context;
use tracing_subscriber::Layer;

/// How many entries are kept; older ones fall off.
const KEPT: usize = 50;

/// One logged warning or error.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct LoggedError {
    pub at_ms: u64,
    /// `ERROR` or `WARN`.
    pub level: &'static str,
    /// Where it was logged (the module path).
    pub target: String,
    /// The message and its fields, as the log line shows them.
    pub text: String,
}

/// The ring of recent warnings and errors.
#[derive(Default)]
pub struct RecentErrors {
    ring: Mutex<VecDeque<LoggedError>>,
}

impl RecentErrors {
    pub fn push(&self, e: LoggedError) {
        if let Ok(mut ring) = self.ring.lock() {
            if ring.len() == KEPT {
                ring.pop_front();
            }
            ring.push_back(e);
        }
    }

    /// Newest first.
    pub fn newest(&self, n: usize) -> Vec<LoggedError> {
        self.ring
            .lock()
            .map(|r| r.iter().rev().take(n).cloned().collect())
            .unwrap_or_default()
    }
}

/// The process's ring (what [`layer`] fills).
pub fn recent_errors() -> &'static RecentErrors {
    static RING: OnceLock<RecentErrors> = OnceLock::new();
    RING.get_or_init(RecentErrors::default)
}

/// A layer that keeps every WARN and ERROR event in [`recent_errors`].
pub fn layer() -> RecentLayer {
    RecentLayer
}

pub struct RecentLayer;

impl<S: Subscriber> Layer<S> for RecentLayer {
    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let level = *event.metadata().level();
        if level > Level::WARN {
            return;
        }
        let mut text = Fields::default();
        event.record(&mut text);
        recent_errors().push(LoggedError {
            at_ms: crate::clock::now_ms(),
            level: if level == Level::ERROR {
                "ERROR"
            } else {
                "WARN"
            },
            target: event.metadata().target().to_string(),
            text: text.0,
        });
    }
}

/// "message key=value …", like the log line.
#[derive(Default)]
struct Fields(String);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if !self.0.is_empty() {
            self.0.push(' ');
        }
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, "{}={value:?}", field.name());
        }
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            if !self.0.is_empty() {
                self.0.push(' ');
            }
            self.0.push_str(value);
        } else {
            self.record_debug(field, &value);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tracing_subscriber::layer::SubscriberExt;

    #[test]
    fn warnings_and_errors_are_kept_newest_first_and_info_is_not() {
        let subscriber = tracing_subscriber::registry().with(layer());
        tracing::subscriber::with_default(subscriber, || {
            tracing::info!("not kept");
            tracing::warn!(platform = "telegram", "first problem");
            tracing::error!(error = "refused", "second problem");
        });
        let seen = recent_errors().newest(10);
        let mine: Vec<&LoggedError> = seen
            .iter()
            .filter(|e| e.text.contains("problem") || e.text.contains("not kept"))
            .collect();
        assert_eq!(mine.len(), 2, "{seen:?}");
        assert_eq!(mine[0].level, "ERROR");
        assert_eq!(mine[0].text, "second problem error=\"refused\"");
        assert_eq!(mine[1].text, "first problem platform=\"telegram\"");
        let ring = RecentErrors::default();
        for i in 0..(KEPT + 5) {
            ring.push(LoggedError {
                at_ms: i as u64,
                level: "WARN",
                target: String::new(),
                text: i.to_string(),
            });
        }
        let kept = ring.newest(100);
        assert_eq!(kept.len(), KEPT);
        assert_eq!(kept[0].at_ms, (KEPT + 4) as u64);
    }
}
