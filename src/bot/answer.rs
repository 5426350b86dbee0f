//! Questions: retrieve (with the conversation's entities for follow-ups), answer through
//! the dialogue core, remember the turn; an honest "I don't know" logged as a gap when the
//! knowledge has nothing.

use std::sync::Arc;
use std::time::Instant;

use crate::dialogue::{self, Fallback, Turn};
use crate::engagement::{EventKind, Speaker};
use crate::knowledge::{Graph, Retrieval, Route};
use crate::text::{normalize, Lang};

use super::core::Bot;
use super::reply::{Reply, Timings};

impl Bot {
    /// Answer `text` as a question from `who`.
    pub(super) async fn question(
        &self,
        text: &str,
        intent: Option<String>,
        confidence: f32,
        who: &Speaker,
        graph: &Arc<Graph>,
    ) -> Reply {
        let zh = Lang::detect(text).is_zh();
        let conversation = who.conversation();
        let history = self.memory.turns(&conversation);
        let context: Vec<String> = history
            .last()
            .map(|t| t.entities.clone())
            .unwrap_or_default();
        let t = Instant::now();
        let retrieval = match self.knowledge.retrieve(text, &context, &self.opts.retrieve) {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "retrieval failed");
                Retrieval::default()
            }
        };
        let retrieve_ms = t.elapsed().as_secs_f64() * 1000.0;
        let plan = dialogue::plan(&retrieval, text);
        let mut reply = if plan.facts.is_empty() {
            self.record(
                who,
                EventKind::Gap {
                    question: text.to_string(),
                },
            );
            let mut r = self.fixed(intent, Route::Answer, confidence, "unknown", zh);
            r.answered = false;
            r.fallback = Fallback::Unknown;
            r
        } else {
            let outcome = dialogue::answer(
                self.llm.as_ref(),
                &self.prompts,
                dialogue::answer::AnswerInput {
                    graph,
                    plan: &plan,
                    question: text,
                    history: &history,
                    bot_name: &self.opts.bot_name,
                    max_tokens: self.opts.max_tokens,
                    conversation: &conversation,
                },
            )
            .await;
            Reply {
                intent,
                route: Route::Answer.to_string(),
                confidence,
                reply: outcome.reply,
                answered: true,
                grounded: outcome.grounded,
                fallback: outcome.fallback,
                citations: outcome.citations,
                flagged: None,
                timings_ms: Timings {
                    generate: outcome.generate_ms,
                    ..Timings::default()
                },
                entities: retrieval.entity_ids(),
                images: Vec::new(),
                forwards: Vec::new(),
                sanctions: Vec::new(),
                buttons: Vec::new(),
            }
        };
        reply.timings_ms.retrieve = retrieve_ms;
        // A follow-up keeps the subject until the member names another one.
        let entities = if retrieval.linked.is_empty() {
            context
        } else {
            retrieval.entity_ids()
        };
        let turn = Turn {
            user: text.to_string(),
            bot: reply.reply.clone(),
            entities,
        };
        if let Err(e) = self.memory.push(&conversation, turn) {
            tracing::error!(error = %crate::text::chain(&e), "could not store conversation memory");
        }
        reply
    }
}

/// A question mark, or a question word at the start, in English or Chinese.
pub fn looks_like_question(text: &str) -> bool {
    let t = text.trim();
    if t.ends_with('?') || t.ends_with('？') {
        return true;
    }
    let first = normalize(t).split(' ').next().unwrap_or("").to_string();
    const WORDS: &[&str] = &[
        "what", "whats", "how", "when", "where", "who", "why", "which", "is", "are", "do", "does",
        "can", "could", "will", "should", "and", "tell",
    ];
    WORDS.contains(&first.as_str())
        || ["吗", "么", "多少", "几", "哪", "什么", "怎么", "呢"]
            .iter()
            .any(|w| t.contains(w))
}
