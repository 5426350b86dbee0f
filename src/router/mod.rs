//! The intent router: commands parsed deterministically, free text classified by a char
//! n-gram model trained at load time on the pack's intent examples.

mod classifier;
mod command;

pub use classifier::{Classification, IntentClassifier};
pub use command::{help_text, parse_command, CommandLine, CommandSpec};

use crate::knowledge::Route;

/// What a message is, before any knowledge is looked at.
#[derive(Clone, Debug, PartialEq)]
pub enum Routed {
    /// A slash command addressed to this bot, not yet interpreted.
    Command(CommandLine),
    /// Free text: the classifier's best intent, when confident enough.
    Text {
        intent: Option<String>,
        route: Option<Route>,
        confidence: f32,
    },
}

/// Route one message. `bot_names` are stripped when the message starts with a mention.
pub fn route(
    text: &str,
    classifier: &IntentClassifier,
    threshold: f32,
    bot_names: &[String],
) -> Routed {
    let text = strip_mention(text.trim(), bot_names);
    if let Some(cmd) = parse_command(text, bot_names) {
        return Routed::Command(cmd);
    }
    match classifier.classify(text) {
        Some(c) if c.confidence >= threshold => Routed::Text {
            intent: Some(c.intent),
            route: Some(c.route),
            confidence: c.confidence,
        },
        Some(c) => Routed::Text {
            intent: None,
            route: None,
            confidence: c.confidence,
        },
        None => Routed::Text {
            intent: None,
            route: None,
            confidence: 0.0,
        },
    }
}

/// Drop a leading `@botname` (and the punctuation after it).
pub fn strip_mention<'a>(text: &'a str, bot_names: &[String]) -> &'a str {
    let Some(rest) = text.strip_prefix('@') else {
        return text;
    };
    for name in bot_names {
        if rest.len() >= name.len() && rest[..name.len()].eq_ignore_ascii_case(name) {
            let after = &rest[name.len()..];
            if after.is_empty() || !after.starts_with(|c: char| c.is_alphanumeric() || c == '_') {
                return after.trim_start_matches([',', ':', ' ']).trim();
            }
        }
    }
    text
}
