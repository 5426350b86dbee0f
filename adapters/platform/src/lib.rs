//! The contract between herald's core and its platform adapters.
//!
//! # Layout
//!
//! - [`Incoming`]: a member's message, converted from the platform's event by the adapter.
//! - [`Outgoing`]: what the core wants said, formatted and split by the adapter.
//! - [`Platform`]: the trait every adapter implements: listen until cancelled, send, capabilities.
//!
//! This crate knows no SDK and depends on nothing from the core, so adapters stay swappable
//! and no platform type can leak into the engine.

use std::fmt;

use tokio::sync::{mpsc, watch};

/// Which platform a message came from or goes to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PlatformKind {
    Console,
    Telegram,
    Discord,
    Http,
}

impl PlatformKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PlatformKind::Console => "console",
            PlatformKind::Telegram => "telegram",
            PlatformKind::Discord => "discord",
            PlatformKind::Http => "http",
        }
    }
}

impl fmt::Display for PlatformKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a conversation happens: the platform plus its own chat/channel id.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ChatRef {
    pub platform: PlatformKind,
    /// The platform's chat, channel or thread id, as text.
    pub chat: String,
    /// A private (one-to-one) chat rather than a group or server channel.
    pub private: bool,
}

/// A member's message, in platform-neutral form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Incoming {
    pub chat: ChatRef,
    /// The platform's user id, as text. The core only ever stores a keyed hash of it.
    pub user: String,
    /// The platform's message id, used to reply to it.
    pub message_id: String,
    pub text: String,
    /// The bot was addressed (mention, reply to the bot, command, or a private chat).
    /// In groups a message that does not address the bot is only logged.
    pub addressed: bool,
}

/// A reply or post to send.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub chat: ChatRef,
    /// Reply to this message id, when the platform supports replies.
    pub reply_to: Option<String>,
    pub text: String,
    /// Sources shown under the text, numbered as in the text's `[n]` markers.
    pub citations: Vec<Citation>,
}

/// One numbered source of an answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Citation {
    pub id: usize,
    /// `file:line` of the fact.
    pub source: String,
    pub fact: String,
}

/// What a platform can show, so the core and the formatter know the limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Capabilities {
    pub max_message_len: usize,
    pub markup: bool,
    pub reactions: bool,
    pub buttons: bool,
}

/// A platform's failures, as the core sees them.
#[derive(Debug, thiserror::Error)]
pub enum PlatformError {
    #[error("{platform}: could not send: {reason}")]
    Send {
        platform: PlatformKind,
        reason: String,
    },
    #[error("{platform}: could not receive: {reason}")]
    Receive {
        platform: PlatformKind,
        reason: String,
    },
    #[error("the engine stopped taking messages")]
    EngineGone,
}

/// One platform the bot lives on.
///
/// Receiving and sending are separate methods so the engine can send from many tasks while
/// one task listens.
#[async_trait::async_trait]
pub trait Platform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    fn capabilities(&self) -> Capabilities;

    /// Receive messages into `tx` until `shutdown` turns true or the source ends.
    async fn listen(
        &self,
        tx: mpsc::Sender<Incoming>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError>;

    async fn send(&self, out: Outgoing) -> Result<(), PlatformError>;
}

/// Split `text` into pieces of at most `max` characters, on paragraph, then sentence, then
/// word boundaries, so that long answers arrive readable and in order.
pub fn split_message(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut out = Vec::new();
    let mut rest = text.trim();
    while rest.chars().count() > max {
        let cut = best_cut(rest, max);
        let (head, tail) = rest.split_at(cut);
        let head = head.trim_end();
        if !head.is_empty() {
            out.push(head.to_string());
        }
        rest = tail.trim_start();
    }
    if !rest.is_empty() {
        out.push(rest.to_string());
    }
    out
}

/// Byte index at which to cut `s` so that the head has at most `max` characters.
fn best_cut(s: &str, max: usize) -> usize {
    let limit = s.char_indices().nth(max).map(|(i, _)| i).unwrap_or(s.len());
    let window = &s[..limit];
    let at_least = limit / 3;
    for sep in ["\n\n", "\n", ". ", "。", "! ", "? ", "！", "？", " "] {
        if let Some(pos) = window.rfind(sep) {
            let end = pos + sep.len();
            if end > at_least {
                return end;
            }
        }
    }
    limit
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_short_text_whole() {
        assert_eq!(split_message("hello", 10), vec!["hello"]);
    }

    #[test]
    fn split_prefers_paragraphs_then_sentences() {
        let text = "First paragraph here.\n\nSecond one is longer. It has two sentences.";
        let parts = split_message(text, 30);
        assert_eq!(parts[0], "First paragraph here.");
        assert!(parts.iter().all(|p| p.chars().count() <= 30), "{parts:?}");
        assert_eq!(
            parts.join(" ").replace("  ", " ").len(),
            text.replace("\n\n", " ").len()
        );
    }

    #[test]
    fn split_handles_multibyte_without_panicking() {
        let text = "耶加雪菲".repeat(100);
        let parts = split_message(&text, 7);
        assert!(parts.iter().all(|p| p.chars().count() <= 7));
        assert_eq!(parts.concat(), text);
    }
}
