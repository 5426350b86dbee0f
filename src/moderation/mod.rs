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
//! - `spam`: the trained spam classifier ([`SpamFilter`]): `tokens` (what it sees of a
//!   message), `logistic` (the model), `samples` (labelled lines and near-copies),
//!   `measure` (how it does on held-out messages).
//! - `moderator`: [`Moderator`], which ties them together; `notice`: what the member is
//!   told.

mod audit;
mod classify;
mod logistic;
mod measure;
mod moderator;
mod notice;
mod options;
mod recent;
mod rules;
mod samples;
mod spam;
mod tokens;
mod words;

pub use audit::{AuditEntry, AuditError, AuditLog, Strikes};
pub use classify::{classify, verdict};
pub use logistic::Score as SpamScore;
pub use measure::{held_out, kfold, tally, Scored, Tally};
pub use moderator::{Case, Moderator, Pardon, Sanction, Target};
pub use notice::notice;
pub use options::{
    minutes_text, parse_minutes, ModerationOptions, Step, DEFAULT_SPAM_THRESHOLD,
    DEFAULT_SPAM_THRESHOLD_ZH,
};
pub use rules::{allowed_host, check, link_hosts, Facts, Rule, Verdict};
pub use samples::{parse as parse_samples, Sample, SampleError, SampleFile};
pub use spam::{shipped, Judgement, SpamFilter, CORPUS};
pub use words::{fold, ListError, WordList};
