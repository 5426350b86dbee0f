//! The community-care sections: `[moderation]` and `[welcome]`.

use std::path::PathBuf;

use serde::Deserialize;

/// The spam classifier's default threshold, chosen on held-out data (5-fold over the
/// shipped corpus): about 1 normal message in 250 removed, 86 % of spam caught by the
/// classifier alone (README, "Moderation").
pub const DEFAULT_SPAM_THRESHOLD: f64 = 0.8;
/// The same for Chinese messages, where the corpus is 400 messages written for herald:
/// no normal message of it removed in 5-fold.
pub const DEFAULT_SPAM_THRESHOLD_ZH: f64 = 0.9;

/// Moderation of members' messages in groups; off unless `enabled = true`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ModerationConfig {
    pub enabled: bool,
    /// `act`, or `observe`: log and report what would be done, and do nothing.
    pub mode: String,
    /// Group chats moderated, as `platform:chat` (`telegram:-1001234`); empty: every group.
    pub chats: Vec<String>,
    /// Links, invites and forwarded posts from members who joined less than this long ago
    /// are removed.
    pub new_member_hours: u64,
    /// More than this many messages in `flood_seconds` is a flood…
    pub flood_messages: usize,
    pub flood_seconds: u64,
    /// …and mutes for this long (at least).
    pub mute_minutes: u64,
    /// The same text this many times in `repeat_minutes` (or in two chats) is removed.
    pub repeat_limit: usize,
    pub repeat_minutes: u64,
    /// A message mentioning this many people (or everyone) is removed; 0: never.
    pub max_mentions: usize,
    /// The community's own word and pattern lists (one entry per line; `/regex/`).
    pub word_lists: Vec<PathBuf>,
    /// Use herald's built-in spam, insult and weak-signal lists too.
    pub builtin_lists: bool,
    /// This many different weak signals (money, crypto, "contact me", 兼职, 私聊…) in one
    /// message from a member who joined in the last `new_member_hours` make it spam…
    pub suspect_new: usize,
    /// …and this many from anyone else; 0: never.
    pub suspect_any: usize,
    /// Ask the model (`[llm]`) about messages the rules let through that carry a link or a
    /// weak signal; its verdict and reason go to the audit.
    pub classifier: bool,
    /// Judge messages with herald's trained spam classifier (the shipped corpus and the
    /// community's samples), on top of the rules.
    pub spam_model: bool,
    /// The classifier's score, 0 to 1, from which a message is removed as spam. Higher
    /// removes less; observe mode logs each score…
    pub spam_threshold: f64,
    /// …and a Chinese message (the Chinese corpus is smaller, so it asks for more).
    pub spam_threshold_zh: f64,
    /// The community's spam and normal samples (what managers mark with `/spam` and
    /// `/notspam`), one per line; relative to the data folder. Reviewable by hand.
    pub samples: PathBuf,
    /// Domains anyone may link to (sub-domains too). Domains the knowledge files mention
    /// are allowed as well.
    pub allowed_domains: Vec<String>,
    /// What each strike does: `warn`, `mute 10m` (h, d), `ban`; the last repeats.
    pub ladder: Vec<String>,
    /// Strikes are forgotten after this many days without one.
    pub reset_after_days: u64,
    /// Never moderated, as `platform:user` (managers and chat administrators never are).
    pub trusted: Vec<String>,
    /// Discord role ids never moderated.
    pub trusted_roles: Vec<String>,
}

impl Default for ModerationConfig {
    fn default() -> Self {
        ModerationConfig {
            enabled: false,
            mode: "act".into(),
            chats: Vec::new(),
            new_member_hours: 24,
            flood_messages: 5,
            flood_seconds: 10,
            mute_minutes: 10,
            repeat_limit: 3,
            repeat_minutes: 60,
            max_mentions: 5,
            word_lists: Vec::new(),
            builtin_lists: true,
            suspect_new: 2,
            suspect_any: 3,
            classifier: false,
            spam_model: true,
            spam_threshold: DEFAULT_SPAM_THRESHOLD,
            spam_threshold_zh: DEFAULT_SPAM_THRESHOLD_ZH,
            samples: PathBuf::from("moderation/samples.txt"),
            allowed_domains: Vec::new(),
            ladder: vec![
                "warn".into(),
                "mute 10m".into(),
                "mute 1d".into(),
                "ban".into(),
            ],
            reset_after_days: 30,
            trusted: Vec::new(),
            trusted_roles: Vec::new(),
        }
    }
}

/// Greeting new members, and the Telegram join check.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WelcomeConfig {
    pub enabled: bool,
    /// Questions suggested in the greeting: the most asked answered ones.
    pub suggestions: usize,
    /// New members may not post until they press a button (Telegram; the bot must be an
    /// administrator that can restrict members).
    pub join_check: bool,
    /// Not pressed within this many minutes (fractions allowed): removed (they may join
    /// again).
    pub check_minutes: f64,
}

impl Default for WelcomeConfig {
    fn default() -> Self {
        WelcomeConfig {
            enabled: false,
            suggestions: 3,
            join_check: false,
            check_minutes: 5.0,
        }
    }
}

/// The knowledge loop: `/gaps` and `/teach`.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LearningConfig {
    /// Where `/teach` writes, inside the knowledge folder.
    pub folder: String,
    /// Members who asked a taught question get the new answer in their chat.
    pub notify_askers: bool,
}

impl Default for LearningConfig {
    fn default() -> Self {
        LearningConfig {
            folder: "learned".into(),
            notify_askers: false,
        }
    }
}
