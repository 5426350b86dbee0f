//! Fixed replies from `prompts/replies.toml`: greetings, thanks, feedback, and the text of
//! every reply that is not an answer.

use minijinja::context;

use crate::dialogue::Fallback;
use crate::knowledge::Route;

use super::core::Bot;
use super::reply::{Reply, Timings};

impl Bot {
    /// The reply `key` of `prompts/replies.toml` (Chinese when `zh`), as a [`Reply`].
    pub(super) fn fixed(
        &self,
        intent: Option<String>,
        route: Route,
        confidence: f32,
        key: &str,
        zh: bool,
    ) -> Reply {
        let text = self.prompts.reply(
            key,
            zh,
            // Only complaints and hand-offs name the support contact; skip the lookup otherwise.
            context! {
                bot_name => self.opts.bot_name.clone(),
                support => if key.starts_with("complaint") || key.starts_with("handoff") { self.support_line() } else { String::new() },
            },
        );
        Reply {
            intent,
            route: route.to_string(),
            confidence,
            reply: text,
            answered: true,
            grounded: true,
            fallback: Fallback::None,
            citations: Vec::new(),
            flagged: None,
            timings_ms: Timings::default(),
            entities: Vec::new(),
            images: Vec::new(),
            forwards: Vec::new(),
            sanctions: Vec::new(),
            buttons: Vec::new(),
        }
    }

    /// Small talk: the intent's own reply when the prompts have one, else the generic one.
    pub(super) fn smalltalk(&self, intent: Option<String>, confidence: f32, zh: bool) -> Reply {
        let key = intent
            .as_deref()
            .filter(|i| self.prompts.has_reply(i))
            .unwrap_or("smalltalk")
            .to_string();
        self.fixed(intent, Route::Smalltalk, confidence, &key, zh)
    }
}
