//! What a post is made of, for the models that learn from engagement: length, question,
//! emoji, links, hashtags, named entities, tone, and when it went out. The posts' judge
//! predicts from these; [`super::clusters`] groups posts by them.

use chrono::{DateTime, Datelike, Timelike, Utc};
use chrono_tz::Tz;

/// What the models look at in one post.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Features {
    pub chars: usize,
    pub question: bool,
    pub emoji: usize,
    pub links: usize,
    pub hashtags: usize,
    pub entities: usize,
    /// -1 (negative) .. 1 (positive), from the English + Chinese lexicon analyser.
    pub sentiment: f64,
    /// Local hour of day, 0..24.
    pub hour: u32,
    pub weekend: bool,
}

impl Features {
    /// `entities` is how many knowledge-graph entities the text names (the caller links).
    pub fn of(text: &str, entities: usize, at: DateTime<Utc>, tz: Tz) -> Features {
        let local = at.with_timezone(&tz);
        let mut f = Features::text_only(text, entities);
        f.hour = local.hour();
        f.weekend = local.weekday().num_days_from_monday() >= 5;
        f
    }

    pub fn text_only(text: &str, entities: usize) -> Features {
        let lower = text.to_lowercase();
        Features {
            chars: text.chars().count(),
            question: text.contains('?') || text.contains('？'),
            emoji: text.chars().filter(|c| is_emoji(*c)).count(),
            links: lower.matches("http://").count() + lower.matches("https://").count(),
            hashtags: text
                .split_whitespace()
                .filter(|w| w.len() > 1 && w.starts_with('#'))
                .count(),
            entities,
            sentiment: crate::text::sentiment::compound(text),
            hour: 12,
            weekend: false,
        }
    }
}

fn is_emoji(c: char) -> bool {
    matches!(c as u32, 0x1F300..=0x1FAFF | 0x2600..=0x27BF | 0x1F000..=0x1F2FF)
}

/// One measured post: its features and the engagement it got.
#[derive(Clone, Debug)]
pub struct Example {
    pub features: Features,
    pub engagement: f64,
}
