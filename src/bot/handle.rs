//! [`Bot::handle`]: one message in, one reply out. Who is speaking is worked out here,
//! once; the message is logged, routed (command or free text) and handed to its route.

use std::sync::Arc;
use std::time::Instant;

use minijinja::context;

use herald_platform::Incoming;

use crate::dialogue::Fallback;
use crate::engagement::{EventKind, Speaker};
use crate::knowledge::{Graph, Route};
use crate::router::{self, Routed};
use crate::text::{normalize, Lang};

use super::answer::looks_like_question;
use super::core::Bot;
use super::reply::{Reply, PRIVACY_ROUTE};

/// A statement at least this negative is a complaint: "really not impressed" is −0.40,
/// "the class was cancelled" −0.25.
const COMPLAINT_MOOD: f64 = -0.35;

impl Bot {
    /// Handle one message. Returns `None` when the bot should stay silent (a group message
    /// that does not address it): such messages are only logged.
    pub async fn handle(&self, msg: &Incoming) -> Option<Reply> {
        let started = Instant::now();
        let who = self.log.speaker(&msg.chat, &msg.user);
        let limit = self.opts.max_message_chars.max(1);
        let kept = || msg.text.chars().filter(|c| !c.is_control() || *c == '\n');
        let truncated = kept().count() > limit;
        let text = kept().take(limit).collect::<String>().trim().to_string();
        if let Some(title) = &msg.chat_title {
            if let Err(e) = self.log.remember_chat_name(&msg.chat, title) {
                tracing::warn!(error = %crate::text::chain(&e), "could not keep the chat's name");
            }
        }
        self.record(
            &who,
            EventKind::Message {
                message_id: msg.message_id.clone(),
                text: text.clone(),
                addressed: msg.addressed,
            },
        );
        if let Some(post) = msg
            .reply_to
            .as_ref()
            .and_then(|r| self.log.sent_info(&msg.chat, r))
            .and_then(|info| info.post)
        {
            self.record(
                &who,
                EventKind::PostReply {
                    post,
                    message_id: msg.message_id.clone(),
                },
            );
        }
        if let Some(offer) = self.teach_offer(msg, &text, Lang::detect(&text).is_zh()) {
            return Some(offer);
        }
        if !msg.addressed {
            self.flag_if_negative(&who, &text);
            self.metrics.unaddressed();
            return None;
        }
        let zh = Lang::detect(&text).is_zh();
        let graph = self.knowledge.snapshot();
        let mut reply = if text.is_empty() {
            self.fixed(None, Route::Smalltalk, 0.0, "empty", zh)
        } else {
            let classifier = self.classifier(&graph);
            let t = Instant::now();
            let routed = router::route(
                &text,
                &classifier,
                self.opts.intent_threshold,
                &self.bot_names,
            );
            let route_ms = t.elapsed().as_secs_f64() * 1000.0;
            let mut r = match routed {
                Routed::Command(line) => self.command(line, &who, msg, &graph, zh).await,
                Routed::Text {
                    intent,
                    route,
                    confidence,
                    near_handoff,
                } => {
                    let routed = Classified {
                        intent,
                        route,
                        confidence,
                        near_handoff,
                    };
                    self.text(&text, routed, &who, msg, &graph).await
                }
            };
            r.timings_ms.route = route_ms;
            r
        };
        if truncated {
            let note = self.prompts.reply("truncated", zh, context! { limit });
            reply.reply = format!("{}\n\n{note}", reply.reply);
        }
        reply.timings_ms.total = started.elapsed().as_secs_f64() * 1000.0;
        self.metrics.reply(
            msg.chat.platform.as_str(),
            &reply.route,
            reply.timings_ms.total / 1000.0,
            reply.fallback == Fallback::Extractive,
            reply.fallback == Fallback::Unknown,
        );
        if reply.route == PRIVACY_ROUTE {
            // The member was just erased; logging the confirmation would store them again.
            return Some(reply);
        }
        if reply.flagged.is_none() {
            self.flag_if_negative(&who, &text);
        }
        if reply.route == "answer" && !reply.answered {
            self.remember_unanswered(msg, &text);
        }
        self.record(
            &who,
            EventKind::Reply {
                in_reply_to: msg.message_id.clone(),
                intent: reply.intent.clone(),
                route: reply.route.clone(),
                answered: reply.answered,
                grounded: reply.grounded,
                fallback: reply.fallback.as_str().to_string(),
                latency_ms: reply.timings_ms.total,
                sources: reply.citations.iter().map(|c| c.source.clone()).collect(),
                entities: reply.entities.clone(),
            },
        );
        Some(reply)
    }

    /// Free text: the classifier's route, corrected by what the text names and asks.
    async fn text(
        &self,
        text: &str,
        routed: Classified,
        who: &Speaker,
        msg: &Incoming,
        graph: &Arc<Graph>,
    ) -> Reply {
        let Classified {
            mut intent,
            route,
            confidence,
            near_handoff,
        } = routed;
        let zh = Lang::detect(text).is_zh();
        let names_entity = !graph.link(&normalize(text)).is_empty();
        let route = match route {
            // A greeting with a question about something named ("hi, how much is X?") is a
            // question, whatever its greeting says.
            Some(Route::Smalltalk | Route::Feedback)
                if names_entity && looks_like_question(text) =>
            {
                Route::Answer
            }
            // "How should I store coffee beans?" reads like asking for a recommendation,
            // but a passage that answers the whole question is the better reply.
            Some(Route::Recommend) if looks_like_question(text) && self.a_passage_answers(text) => {
                Route::Answer
            }
            Some(r) => r,
            None if names_entity || looks_like_question(text) => Route::Answer,
            None => {
                let found = self
                    .knowledge
                    .retrieve(text, &[], &self.opts.retrieve)
                    .map(|r| r.found());
                if found.unwrap_or(false) {
                    Route::Answer
                } else if near_handoff.is_some() {
                    // "I think I left my scarf in the shop": no question, nothing known,
                    // near a hand-off example; the team, not small talk.
                    intent = near_handoff.clone();
                    Route::Handoff
                } else {
                    Route::Smalltalk
                }
            }
        };
        // A negative message that asks nothing is a complaint, whatever the
        // classifier made of it: its examples may not cover the member's words or language,
        // and "I'm Herald, I answer questions" is no reply to "my order broke, so
        // disappointed".
        // That holds for a statement naming something the pack knows too ("my Saturday
        // class was cancelled again, unacceptable" is no question about the class).
        // And the other way: a neutral question the classifier put near a complaint
        // example ("can I try a bike out before buying it?") is a question.
        let route = match route {
            Route::Smalltalk | Route::Feedback | Route::Answer
                if !looks_like_question(text) && self.mood(text) <= COMPLAINT_MOOD =>
            {
                Route::Complaint
            }
            Route::Complaint
                if confidence < crate::router::NEAR_COPY
                    && looks_like_question(text)
                    && self.mood(text) >= 0.0 =>
            {
                Route::Answer
            }
            r => r,
        };
        match route {
            // A question near a hand-off example stays a question: "Are there showers at
            // the workshop?" is near "is there a person I can speak to", and "I don't know"
            // (with the gap recorded) is its honest reply.
            Route::Answer => self.question(text, intent, confidence, who, graph).await,
            Route::Smalltalk => self.smalltalk(intent, confidence, zh),
            Route::Complaint | Route::Handoff => {
                self.flag(who, msg, route, intent, confidence, text, zh)
            }
            Route::Recommend => self.recommend(text, intent, confidence, graph, zh, who),
            Route::Feedback => {
                self.record(
                    who,
                    EventKind::Feedback {
                        text: text.to_string(),
                    },
                );
                self.fixed(intent, Route::Feedback, confidence, "feedback", zh)
            }
        }
    }

    /// Does a passage match (nearly) the whole question? Its lexical score is then at
    /// least 1.5 + 1.5 × 0.8 (see `knowledge::retrieve`).
    fn a_passage_answers(&self, text: &str) -> bool {
        self.knowledge
            .retrieve(text, &[], &self.opts.retrieve)
            .ok()
            .and_then(|r| r.facts.first().map(|f| f.passage && f.score >= 2.7))
            .unwrap_or(false)
    }
}

/// What the router made of free text (`Routed::Text`).
struct Classified {
    intent: Option<String>,
    route: Option<Route>,
    confidence: f32,
    near_handoff: Option<String>,
}
