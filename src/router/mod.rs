//! The intent router: commands parsed deterministically, free text classified by a char
//! n-gram model trained at load time on the pack's intent examples.

mod classifier;
mod command;
mod signals;

pub use classifier::{Classification, IntentClassifier};
pub use command::{help_text, parse_command, CommandLine, CommandSpec};
pub use signals::{asks_for_person, greets_and_asks_nothing, is_greeting, voices_complaint};

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
        /// A hand-off intent the text is near but not nearly a copy of ("I think I left my
        /// scarf in the shop" near "I left my jacket in the shop"): taken for a statement
        /// the knowledge has nothing for, so it reaches the team rather than small talk.
        near_handoff: Option<String>,
    },
}

/// Similarity above which a message is taken as one of the pack's examples, whatever it says.
pub const NEAR_COPY: f32 = 0.75;

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
    if asks_for_person(text) {
        return Routed::Text {
            intent: None,
            route: Some(Route::Handoff),
            confidence: 1.0,
            near_handoff: None,
        };
    }
    // A greeting alone is small talk whether or not the pack has greeting examples.
    if is_greeting(text) {
        return Routed::Text {
            intent: Some("greet".into()),
            route: Some(Route::Smalltalk),
            confidence: 1.0,
            near_handoff: None,
        };
    }
    // Said unhappily in the member's own words, it is a complaint whatever the nearest
    // example is ("… honestly fed up with this" is nearer "thanks so much" than any
    // complaint a pack lists).
    if voices_complaint(text) {
        return Routed::Text {
            intent: Some("complaint".into()),
            route: Some(Route::Complaint),
            confidence: 1.0,
            near_handoff: None,
        };
    }
    // "hiya everyone, first time here!": a greeting with news, when no intent of the pack
    // is sure of the message (a lost phone after a "hi" still reaches its intent).
    let greeting = || Routed::Text {
        intent: Some("greet".into()),
        route: Some(Route::Smalltalk),
        confidence: 1.0,
        near_handoff: None,
    };
    let greets = greets_and_asks_nothing(text);
    match classifier.classify(text) {
        Some(c) if greets && c.confidence < threshold => greeting(),
        // The nearest hand-off example is only char n-grams away: "Are there showers?" is
        // near "is there a person I can speak to". A message that asks for no one is a
        // hand-off only when it is nearly one of the pack's own examples.
        Some(c) if c.route == Route::Handoff && c.confidence < NEAR_COPY => Routed::Text {
            intent: None,
            route: None,
            confidence: c.confidence,
            near_handoff: (c.confidence >= threshold).then_some(c.intent),
        },
        Some(c) if c.confidence >= threshold => Routed::Text {
            intent: Some(c.intent),
            route: Some(c.route),
            confidence: c.confidence,
            near_handoff: None,
        },
        Some(c) => Routed::Text {
            intent: None,
            route: None,
            confidence: c.confidence,
            near_handoff: None,
        },
        None if greets => greeting(),
        None => Routed::Text {
            intent: None,
            route: None,
            confidence: 0.0,
            near_handoff: None,
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{Intent, Source};

    fn lost_property() -> IntentClassifier {
        IntentClassifier::train(&[Intent {
            name: "lost_property".into(),
            route: Route::Handoff,
            examples: vec!["I left my jacket in the shower block".into()],
            source: Source {
                file: "intents.toml".into(),
                line: 1,
            },
        }])
    }

    #[test]
    fn text_near_a_handoff_example_is_held_as_a_possible_handoff() {
        let c = lost_property();
        let Routed::Text {
            route: taken,
            near_handoff,
            ..
        } = route(
            "my son left his coat by the shower block yesterday",
            &c,
            0.35,
            &[],
        )
        else {
            panic!("text")
        };
        assert_eq!(taken, None, "not a near copy: the knowledge is asked first");
        assert_eq!(near_handoff.as_deref(), Some("lost_property"));
        let Routed::Text { near_handoff, .. } = route("zebra quantum xylophone", &c, 0.35, &[])
        else {
            panic!("text")
        };
        assert_eq!(near_handoff, None);
    }

    #[test]
    fn a_greeting_with_news_is_small_talk_unless_an_intent_is_sure() {
        let c = lost_property();
        let Routed::Text { route: taken, .. } =
            route("hiya everyone, first time here this year!", &c, 0.35, &[])
        else {
            panic!("text")
        };
        assert_eq!(taken, Some(Route::Smalltalk));
        let Routed::Text {
            route: taken,
            intent,
            ..
        } = route(
            "hi all, I left my jacket in the shower block",
            &c,
            0.35,
            &[],
        )
        else {
            panic!("text")
        };
        assert_eq!(taken, Some(Route::Handoff), "{intent:?}");
    }
}
