//! The contract between herald's core and its platform adapters.
//!
//! # Layout
//!
//! - [`Inbound`]: what an adapter hands the core: a member's [`Incoming`] message, a rating
//!   or reaction on one of the bot's messages, a member joining.
//! - [`Outgoing`]: what the core wants said, formatted and split by the adapter; [`Sent`] is
//!   what the platform made of it (its message ids, so ratings can be traced back).
//! - [`Platform`]: the trait every adapter implements: listen until cancelled, send, typing.
//! - [`StateStore`]: a small key-value store the core lends adapters for what must survive a
//!   restart (Telegram's update offset); [`MemoryState`] when nothing needs to.
//! - [`split_message`], [`split_utf16`]: cut long text on paragraph and sentence boundaries.
//! - [`MenuCommand`], [`Backoff`]: the command menu and the retry pacing adapters share.
//! - [`Mention`]: a person the reader can tap (a ticket's member), linked by the adapter.
//! - [`MessageSignals`]: what a message carries besides its text (forwarded, mentions,
//!   hidden links, whose message it answers), for moderation.
//! - [`ModAction`]: what a moderator does (delete, mute until, ban…), carried out by
//!   [`Platform::moderate`]; [`Button`]: a button under a message, pressed as
//!   [`Inbound::Button`].
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

impl PlatformKind {
    /// The platform a config or command line names (`telegram`, `discord`, `console`,
    /// `http`): the inverse of [`PlatformKind::as_str`].
    pub fn from_name(name: &str) -> Option<PlatformKind> {
        [
            PlatformKind::Console,
            PlatformKind::Telegram,
            PlatformKind::Discord,
            PlatformKind::Http,
        ]
        .into_iter()
        .find(|k| k.as_str() == name)
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
    /// The sender is one of this platform's configured managers (may run manager commands).
    pub manager: bool,
    /// The message this one replies to, when it is a reply (links replies to posts).
    pub reply_to: Option<String>,
    /// The group's or channel's name, where the platform sends it with the message (reports
    /// name channels by it); `None` for private chats.
    pub chat_title: Option<String>,
    /// What the message carries besides its text, for moderation.
    pub signals: MessageSignals,
}

/// What a message carries besides its text: adapters fill in what their platform sends, and
/// leave the rest at its default.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MessageSignals {
    /// Forwarded from a channel or another chat.
    pub forwarded: bool,
    /// People the message mentions (`@name`, a text mention, `<@id>`); an everyone/here
    /// ping counts as [`MessageSignals::EVERYONE`].
    pub mentions: usize,
    /// Link targets the platform lists or the text hides (Telegram text links); links
    /// written out in the text are found there too.
    pub links: Vec<String>,
    /// The author of the message this one replies to (a manager's `/mute` acts on them).
    pub reply_to_user: Option<String>,
    /// The text of the message this one replies to, when the platform sends it.
    pub reply_to_text: Option<String>,
    /// The sender's roles (Discord role ids), for trusted roles.
    pub roles: Vec<String>,
    /// The sender's language as their app reports it (`en`, `zh-hans`), when known.
    pub language: Option<String>,
}

impl MessageSignals {
    /// What an everyone/here ping counts as among [`MessageSignals::mentions`].
    pub const EVERYONE: usize = 100;
}

/// What a moderator does to a member in a chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModAction {
    /// Remove one message.
    Delete { message_id: String },
    /// The member may read but not post until `until_ms` (Unix milliseconds).
    Mute { until_ms: u64 },
    /// Lift a mute.
    Unmute,
    /// Remove the member and keep them out.
    Ban,
    /// Let a banned member back in (they must join again).
    Unban,
    /// Remove the member; they may join again (a join check not passed).
    Kick,
}

impl ModAction {
    pub fn name(&self) -> &'static str {
        match self {
            ModAction::Delete { .. } => "delete",
            ModAction::Mute { .. } => "mute",
            ModAction::Unmute => "unmute",
            ModAction::Ban => "ban",
            ModAction::Unban => "unban",
            ModAction::Kick => "kick",
        }
    }
}

/// A button under a message. Pressing it comes back as [`Inbound::Button`] with `data`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Button {
    pub label: String,
    /// What the press says, at most 48 bytes (adapters add their own prefix).
    pub data: String,
}

/// Everything an adapter hands to the core.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Inbound {
    /// A member's message.
    Message(Incoming),
    /// A member pressed a rating button under one of the bot's messages.
    Rating {
        chat: ChatRef,
        user: String,
        /// The bot's message that was rated.
        message_id: String,
        positive: bool,
    },
    /// A member changed their reactions on a message (the core keeps those on its own).
    Reaction {
        chat: ChatRef,
        user: String,
        message_id: String,
        /// The reactions now set by this member (emoji, or a platform name for custom ones).
        reactions: Vec<String>,
    },
    /// A member joined a group or server.
    MemberJoined {
        chat: ChatRef,
        user: String,
        /// Their language as their app reports it, when the platform says.
        language: Option<String>,
    },
    /// Someone pressed one of the [`Button`]s the core put under a message.
    Button {
        chat: ChatRef,
        user: String,
        /// The message the button is under.
        message_id: String,
        data: String,
        /// The presser is one of this platform's configured managers.
        manager: bool,
    },
}

impl Inbound {
    pub fn chat(&self) -> &ChatRef {
        match self {
            Inbound::Message(m) => &m.chat,
            Inbound::Rating { chat, .. }
            | Inbound::Reaction { chat, .. }
            | Inbound::MemberJoined { chat, .. }
            | Inbound::Button { chat, .. } => chat,
        }
    }
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
    /// An answer members may rate: adapters that can show buttons add 👍/👎 under it.
    pub rateable: bool,
    /// A stable key for this send (at most 16 characters). Platforms that deduplicate
    /// (see [`Capabilities::idempotent_sends`]) turn a repeat with the same key into a no-op
    /// returning the first message, so a send cut short by a crash can be repeated safely.
    pub idempotency_key: Option<String>,
    /// Pictures sent after the text (charts), in order.
    pub images: Vec<Image>,
    /// Someone the reader can tap to reach, shown after the text (a ticket names the member
    /// who asked for a person). Adapters link it when it is on their platform.
    pub mention: Option<Mention>,
    /// Buttons under the message (a join check, a teach offer), in one row.
    pub buttons: Vec<Button>,
}

/// A person on a platform, to be shown as a link the reader can tap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mention {
    /// The platform the person is on.
    pub platform: PlatformKind,
    /// Their user id there.
    pub user: String,
    /// The link's text.
    pub label: String,
}

impl Mention {
    /// The mention as plain text, for a platform that cannot link it: the label and where
    /// the person is (`the member (telegram user 42)`).
    pub fn plain(&self) -> String {
        format!("{} ({} user {})", self.label, self.platform, self.user)
    }
}

/// A PNG picture with a file name and a caption.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Image {
    pub name: String,
    pub png: Vec<u8>,
    pub caption: String,
}

impl Outgoing {
    /// Plain text to `chat`, not a reply, not rateable (posts, notices).
    pub fn text(chat: ChatRef, text: impl Into<String>) -> Outgoing {
        Outgoing {
            chat,
            reply_to: None,
            text: text.into(),
            citations: Vec::new(),
            rateable: false,
            idempotency_key: None,
            images: Vec::new(),
            mention: None,
            buttons: Vec::new(),
        }
    }
}

/// What the platform made of an [`Outgoing`]: the ids of the messages it became (one per
/// piece when it was split), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Sent {
    pub message_ids: Vec<String>,
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
    /// A send repeated with the same [`Outgoing::idempotency_key`] posts nothing new.
    pub idempotent_sends: bool,
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
    #[error("{platform}: {reason}")]
    Config {
        platform: PlatformKind,
        reason: String,
    },
    #[error("{platform} cannot {what}")]
    Unsupported {
        platform: PlatformKind,
        what: &'static str,
    },
    #[error("{platform}: could not {action}: {reason}")]
    Moderate {
        platform: PlatformKind,
        action: &'static str,
        reason: String,
    },
    /// A message or an action for a platform this process does not run.
    #[error("{platform} is not running (enable it in the config)")]
    NotRunning { platform: PlatformKind },
}

/// Where adapters keep the little state that must survive a restart. The core lends one
/// backed by its data folder; tests and stateless adapters use [`MemoryState`].
pub trait StateStore: Send + Sync {
    fn load(&self, key: &str) -> Option<String>;
    fn save(&self, key: &str, value: &str) -> Result<(), String>;
}

/// A [`StateStore`] that forgets everything when the process ends.
#[derive(Debug, Default)]
pub struct MemoryState(std::sync::Mutex<std::collections::HashMap<String, String>>);

impl StateStore for MemoryState {
    fn load(&self, key: &str) -> Option<String> {
        self.0.lock().ok()?.get(key).cloned()
    }

    fn save(&self, key: &str, value: &str) -> Result<(), String> {
        self.0
            .lock()
            .map_err(|_| "state lock poisoned".to_string())?
            .insert(key.to_string(), value.to_string());
        Ok(())
    }
}

/// One platform the bot lives on.
///
/// Receiving and sending are separate methods so the engine can send from many tasks while
/// one task listens.
#[async_trait::async_trait]
pub trait Platform: Send + Sync {
    fn kind(&self) -> PlatformKind;

    fn capabilities(&self) -> Capabilities;

    /// Receive messages and signals into `tx` until `shutdown` turns true or the source
    /// ends.
    async fn listen(
        &self,
        tx: mpsc::Sender<Inbound>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError>;

    /// Deliver `out` (formatted and split for the platform), retrying what is worth
    /// retrying, and say which messages it became.
    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError>;

    /// Show that the bot is writing in `chat`. The engine calls it again every few seconds
    /// while a slow answer is being made. Platforms without such a signal ignore it.
    async fn typing(&self, _chat: &ChatRef) -> Result<(), PlatformError> {
        Ok(())
    }

    /// Whether the platform is reachable right now (for `/readyz`): the adapter knows who
    /// it is and its last receive worked. Sources that cannot lose a connection say yes.
    fn connected(&self) -> bool {
        true
    }

    /// Carry out a moderator's action on `user` in `chat`. Platforms that cannot say
    /// [`PlatformError::Unsupported`].
    async fn moderate(
        &self,
        _chat: &ChatRef,
        _user: &str,
        action: &ModAction,
    ) -> Result<(), PlatformError> {
        Err(PlatformError::Unsupported {
            platform: self.kind(),
            what: action.name(),
        })
    }

    /// Whether `user` administers `chat` on the platform (exempt from moderation). Asked
    /// only when a rule would act, so adapters may call the platform (and cache).
    async fn is_admin(&self, _chat: &ChatRef, _user: &str) -> bool {
        false
    }
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

/// Split like [`split_message`] so that every piece fits in `max` UTF-16 code units, the unit
/// Telegram and Discord count (emoji and other astral characters count twice).
pub fn split_utf16(text: &str, max: usize) -> Vec<String> {
    split_within(text, max.max(2), max.max(2))
}

fn split_within(text: &str, chars: usize, max16: usize) -> Vec<String> {
    let mut out = Vec::new();
    for piece in split_message(text, chars) {
        if utf16_len(&piece) <= max16 {
            out.push(piece);
        } else {
            // Only astral characters (two units each) make a piece longer in UTF-16 than
            // in chars; half the char budget always fits.
            out.extend(split_within(&piece, (chars / 2).max(1), max16));
        }
    }
    out
}

/// Length in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// A command for the menu members see (Telegram's `setMyCommands`, Discord's slash
/// commands), from the router's command table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuCommand {
    pub name: String,
    /// `<required>` or `[optional]` argument, or empty.
    pub args: String,
    pub description: String,
    /// Only managers may run it: adapters show it to managers alone where the platform
    /// allows (Telegram command scopes, Discord default permissions). The core still checks
    /// who runs it.
    pub managers_only: bool,
}

/// Exponential backoff: `base`, doubling, at most `max`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Backoff {
    pub base: std::time::Duration,
    pub max: std::time::Duration,
    /// Attempts in all before a send is given up (the first try included).
    pub attempts: u32,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: std::time::Duration::from_secs(1),
            max: std::time::Duration::from_secs(30),
            attempts: 8,
        }
    }
}

impl Backoff {
    /// The wait before retry number `n` (1 for the first retry).
    pub fn delay(&self, n: u32) -> std::time::Duration {
        let factor = 1u32 << n.saturating_sub(1).min(16);
        self.base.saturating_mul(factor).min(self.max)
    }
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
