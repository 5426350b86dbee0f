//! Moderation: rules that judge members' messages in groups (spam lists, insults, mass
//! mentions, new members' links and forwards, floods, repeats), an escalation ladder per
//! member, and an audit log of everything done — or, in observe mode, of what would have
//! been done. It decides; the engine carries out the [`Sanction`]s through the platform.
//!
//! - `options`: the checked `[moderation]` section and the ladder's [`Step`]s.
//! - `words`: the word and pattern lists (built in, and the community's files).
//! - `rules`: the rules for one message ([`check`]); `recent`: floods and repeats.
//! - `audit`: the audit log, strikes and join times in sled.
//! - `classify`: the optional model classifier for what the rules let through.
//! - `moderator`: [`Moderator`], which ties them together; `notice`: what the member is
//!   told.

mod audit;
mod classify;
mod moderator;
mod notice;
mod options;
mod recent;
mod rules;
mod words;

pub use audit::{AuditEntry, AuditError, AuditLog, Strikes};
pub use classify::{classify, verdict};
pub use moderator::{Case, Moderator, Pardon, Sanction, Target};
pub use notice::notice;
pub use options::{minutes_text, parse_minutes, ModerationOptions, Step};
pub use rules::{allowed_host, check, link_hosts, Facts, Rule, Verdict};
pub use words::{fold, ListError, WordList};
