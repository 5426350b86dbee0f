//! What moderation is told: the rules' limits, the word lists, the escalation ladder and who
//! is exempt, checked once when herald starts.

use std::fmt;

use super::words::WordList;

/// One rung of the escalation ladder.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Step {
    Warn,
    Mute { minutes: u64 },
    Ban,
}

impl Step {
    /// `warn`, `ban`, or `mute <n>` with `m`, `h` or `d` (`mute 10m`, `mute 1d`).
    pub fn parse(text: &str) -> Result<Step, String> {
        let t = text.trim().to_lowercase();
        let mut words = t.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("warn"), None, _) => Ok(Step::Warn),
            (Some("ban"), None, _) => Ok(Step::Ban),
            (Some("mute"), Some(d), None) => parse_minutes(d)
                .map(|minutes| Step::Mute { minutes })
                .ok_or_else(|| format!("{text:?}: a mute's length is like 10m, 2h or 1d")),
            _ => Err(format!(
                "{text:?} is not a step: use warn, mute 10m (or h, d), or ban"
            )),
        }
    }
}

/// `10m`, `2h`, `1d`, or a bare number of minutes.
pub fn parse_minutes(d: &str) -> Option<u64> {
    let d = d.trim();
    let (n, unit) = match d.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => (&d[..i], &d[i..]),
        None => (d, "m"),
    };
    let n: u64 = n.parse().ok()?;
    let per = match unit {
        "m" | "min" | "mins" | "minutes" => 1,
        "h" | "hour" | "hours" => 60,
        "d" | "day" | "days" => 60 * 24,
        _ => return None,
    };
    (n > 0).then_some(n * per)
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Step::Warn => f.write_str("warn"),
            Step::Ban => f.write_str("ban"),
            Step::Mute { minutes } => write!(f, "mute {}", minutes_text(*minutes)),
        }
    }
}

/// `10 min`, `3 h`, `1 day`, `2 days`.
pub fn minutes_text(minutes: u64) -> String {
    if minutes >= 60 * 24 && minutes.is_multiple_of(60 * 24) {
        let d = minutes / (60 * 24);
        format!("{d} day{}", if d == 1 { "" } else { "s" })
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        format!("{} h", minutes / 60)
    } else {
        format!("{minutes} min")
    }
}

pub use crate::config::{DEFAULT_SPAM_THRESHOLD, DEFAULT_SPAM_THRESHOLD_ZH};

/// The checked `[moderation]` section.
#[derive(Clone, Debug)]
pub struct ModerationOptions {
    /// Log what would be done, and do nothing.
    pub observe: bool,
    /// Group chats moderated, as `platform:chat` (empty: every group chat).
    pub chats: Vec<String>,
    pub new_member_hours: u64,
    pub flood_messages: usize,
    pub flood_seconds: u64,
    pub mute_minutes: u64,
    /// The same text this many times within `repeat_minutes` (or in two chats) is removed.
    pub repeat_limit: usize,
    pub repeat_minutes: u64,
    /// A message mentioning this many people is removed.
    pub max_mentions: usize,
    /// Built in and the community's own lists, merged.
    pub words: WordList,
    /// Insults; a hit counts when the message's sentiment is not positive.
    pub abuse: WordList,
    /// Weaker signals: `suspect_new` different ones from a new member, `suspect_any` from
    /// anyone, make a message spam (0: never).
    pub suspect: WordList,
    pub suspect_new: usize,
    pub suspect_any: usize,
    /// Ask the model about messages the rules let through that carry a link or a weak
    /// signal.
    pub classifier: bool,
    /// Judge messages with the trained spam classifier ([`super::SpamFilter`]).
    pub spam_model: bool,
    /// The classifier's score (0 to 1) from which a message is spam…
    pub spam_threshold: f64,
    /// …and a Chinese one (the Chinese corpus is small, so its scores are less sure).
    pub spam_threshold_zh: f64,
    /// Domains new members may link to (the community's own; sub-domains count).
    pub allowed_domains: Vec<String>,
    pub ladder: Vec<Step>,
    /// Strikes are forgotten after this many quiet days.
    pub reset_after_days: u64,
    /// Exempt users, as `platform:user`.
    pub trusted: Vec<String>,
    /// Exempt role ids (Discord).
    pub trusted_roles: Vec<String>,
}

impl ModerationOptions {
    /// The spam classifier's threshold for `text`'s language.
    pub fn spam_threshold_for(&self, text: &str) -> f64 {
        if crate::text::Lang::detect(text).is_zh() {
            self.spam_threshold_zh
        } else {
            self.spam_threshold
        }
    }
}

impl Default for ModerationOptions {
    fn default() -> Self {
        ModerationOptions {
            observe: false,
            chats: Vec::new(),
            new_member_hours: 24,
            flood_messages: 5,
            flood_seconds: 10,
            mute_minutes: 10,
            repeat_limit: 3,
            repeat_minutes: 60,
            max_mentions: 5,
            words: WordList::builtin_spam(),
            abuse: WordList::builtin_abuse(),
            suspect: WordList::builtin_suspect(),
            suspect_new: 2,
            suspect_any: 3,
            classifier: false,
            spam_model: true,
            spam_threshold: DEFAULT_SPAM_THRESHOLD,
            spam_threshold_zh: DEFAULT_SPAM_THRESHOLD_ZH,
            allowed_domains: Vec::new(),
            ladder: vec![
                Step::Warn,
                Step::Mute { minutes: 10 },
                Step::Mute { minutes: 60 * 24 },
                Step::Ban,
            ],
            reset_after_days: 30,
            trusted: Vec::new(),
            trusted_roles: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_parse_and_order() {
        assert_eq!(Step::parse("warn"), Ok(Step::Warn));
        assert_eq!(Step::parse("Mute 10m"), Ok(Step::Mute { minutes: 10 }));
        assert_eq!(Step::parse("mute 1d"), Ok(Step::Mute { minutes: 1440 }));
        assert_eq!(Step::parse("mute 2h"), Ok(Step::Mute { minutes: 120 }));
        assert_eq!(Step::parse(" ban "), Ok(Step::Ban));
        assert!(Step::parse("mute forever")
            .unwrap_err()
            .contains("10m, 2h or 1d"));
        assert!(Step::parse("kick").unwrap_err().contains("not a step"));
        assert!(Step::Warn < Step::Mute { minutes: 1 });
        assert!(Step::Mute { minutes: 10 } < Step::Mute { minutes: 11 });
        assert!(Step::Mute { minutes: 100_000 } < Step::Ban);
        assert_eq!(Step::Mute { minutes: 1440 }.to_string(), "mute 1 day");
        assert_eq!(minutes_text(10), "10 min");
        assert_eq!(parse_minutes("0"), None);
    }
}
