//! The bot: one message in, one reply out. Routes the message, answers, recommends or
//! hands off, keeps conversation memory and logs every step to the engagement log.

use std::sync::{Arc, RwLock};
use std::time::Instant;

use minijinja::context;
use serde::Serialize;

use herald_platform::Incoming;

use crate::config::Config;
use crate::dialogue::{self, CitationOut, Fallback, Memory, Prompts, Turn};
use crate::engagement::{EngagementLog, EventKind};
use crate::knowledge::text::{has_cjk, normalize, terms};
use crate::knowledge::{FactKind, Graph, KnowledgeStore, Retrieval, RetrieveOptions, Route};
use crate::llm::LlmBackend;
use crate::metrics::{Metered, Metrics};
use crate::posts::Posts;
use crate::privacy::{Erased, Export};

/// The route of `/forgetme`'s reply: neither logged nor remembered.
pub const PRIVACY_ROUTE: &str = "privacy";
use crate::router::{self, Command, IntentClassifier, ManagerCommand, Routed};

/// The reply to one message: the shape of `herald ask --json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reply {
    pub intent: Option<String>,
    pub route: String,
    pub confidence: f32,
    pub reply: String,
    pub answered: bool,
    pub grounded: bool,
    pub fallback: Fallback,
    pub citations: Vec<CitationOut>,
    /// Set when the message was flagged for the team (`complaint`, `handoff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flagged: Option<String>,
    pub timings_ms: Timings,
    /// Entities the reply was about, for the log (not part of the JSON contract).
    #[serde(skip)]
    pub entities: Vec<String>,
    /// Pictures to send after the text (the report's charts).
    #[serde(skip)]
    pub images: Vec<herald_platform::Image>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    pub route: f64,
    pub retrieve: f64,
    pub generate: f64,
    pub total: f64,
}

/// Everything the bot needs, passed in so tests can build one on a temporary folder.
pub struct Bot {
    config: Config,
    knowledge: Arc<dyn KnowledgeStore>,
    llm: Arc<dyn LlmBackend>,
    prompts: Prompts,
    memory: Memory,
    log: EngagementLog,
    posts: Posts,
    /// The classifier trained on the graph it belongs to; retrained after a reload.
    classifier: RwLock<(Arc<Graph>, Arc<IntentClassifier>)>,
    bot_names: Vec<String>,
    metrics: Arc<Metrics>,
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error(transparent)]
    Prompt(#[from] dialogue::PromptError),
    #[error("data folder: {0}")]
    Storage(String),
    #[error("{0}")]
    Posts(String),
}

impl Bot {
    pub fn new(
        config: Config,
        db: &sled::Db,
        knowledge: Arc<dyn KnowledgeStore>,
        llm: Arc<dyn LlmBackend>,
    ) -> Result<Bot, BotError> {
        let prompts = Prompts::load(&config.dialogue.prompts)?;
        let memory = Memory::open(db, config.dialogue.memory_turns)
            .map_err(|e| BotError::Storage(e.to_string()))?;
        let log = EngagementLog::open(db, &config.engagement.member_key)
            .map_err(|e| BotError::Storage(e.to_string()))?;
        let posts = Posts::open(db, &config.posts).map_err(|e| BotError::Posts(e.to_string()))?;
        let graph = knowledge.snapshot();
        let classifier = Arc::new(IntentClassifier::train(&graph.intents));
        let bot_names = vec![
            config.dialogue.bot_name.clone(),
            format!("{}_bot", config.dialogue.bot_name),
        ];
        let metrics = Arc::new(Metrics::default());
        let llm: Arc<dyn LlmBackend> = Arc::new(Metered::new(llm, metrics.clone()));
        Ok(Bot {
            config,
            knowledge,
            llm,
            metrics,
            prompts,
            memory,
            log,
            posts,
            classifier: RwLock::new((graph, classifier)),
            bot_names,
        })
    }

    pub fn knowledge(&self) -> &Arc<dyn KnowledgeStore> {
        &self.knowledge
    }

    /// The model backend's name (a chain shows its members in order).
    pub fn llm_name(&self) -> &str {
        self.llm.name()
    }

    /// The counters `/metrics` shows.
    pub fn metrics(&self) -> &Metrics {
        &self.metrics
    }

    pub fn log(&self) -> &EngagementLog {
        &self.log
    }

    /// Drafts, approvals and the schedule.
    pub fn posts(&self) -> &Posts {
        &self.posts
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Forget the conversation `msg` belongs to (`/forget`, and one-shot `herald ask`).
    pub fn forget_conversation(&self, msg: &Incoming) {
        if let Err(e) = self.memory.forget(&self.conversation_key(msg)) {
            tracing::error!(error = %e, "could not clear conversation memory");
        }
    }

    /// `platform:chat:member`, with the chat as logged (private chats pseudonymised), so no
    /// raw platform id is stored.
    fn conversation_key(&self, msg: &Incoming) -> String {
        format!(
            "{}:{}:{}",
            msg.chat.platform,
            self.log.chat_id(&msg.chat),
            self.log.member_id(msg.chat.platform.as_str(), &msg.user)
        )
    }

    /// `/forgetme`: erase the member's events, conversation memory, feedback, and the
    /// bot's messages in their private chats; their posts lose the author.
    pub fn forget_member(&self, msg: &Incoming) -> Erased {
        let (member, chats) =
            crate::privacy::member_keys(&self.log, msg.chat.platform, &msg.user, Some(&msg.chat));
        let mut erased = Erased::default();
        match self.log.erase_member(&member, &chats) {
            Ok((events, sent)) => {
                erased.events = events;
                erased.sent = sent;
            }
            Err(e) => tracing::error!(error = %e, "could not erase a member's events"),
        }
        match self.memory.forget_member(&member, &chats) {
            Ok(n) => erased.conversations = n,
            Err(e) => tracing::error!(error = %e, "could not erase a member's memory"),
        }
        match self.posts.store().forget_author(&member) {
            Ok(n) => erased.posts = n,
            Err(e) => tracing::error!(error = %e, "could not erase a post author"),
        }
        if let Err(e) = self.log.flush() {
            tracing::error!(error = %e, "could not flush the data folder");
        }
        tracing::info!(?erased, "a member asked to be forgotten");
        erased
    }

    /// Everything stored about one platform user (`herald export-user`).
    pub fn export_member(&self, platform: herald_platform::PlatformKind, user: &str) -> Export {
        crate::privacy::export(&self.log, &self.memory, self.posts.store(), platform, user)
    }

    /// A strongly negative message (sentiment ≤ −0.5) that was not already flagged as a
    /// complaint is flagged `negative` for the team, whatever it was routed to.
    fn flag_if_negative(&self, msg: &Incoming, text: &str) {
        let score = crate::analytics::sentiment::compound(text);
        if score <= -0.5 {
            self.record(
                msg,
                EventKind::Flag {
                    reason: "negative".into(),
                    text: text.to_string(),
                },
            );
        }
    }

    /// The classifier for the graph being served now.
    fn classifier(&self, graph: &Arc<Graph>) -> Arc<IntentClassifier> {
        if let Ok(cached) = self.classifier.read() {
            if Arc::ptr_eq(&cached.0, graph) {
                return cached.1.clone();
            }
        }
        let fresh = Arc::new(IntentClassifier::train(&graph.intents));
        if let Ok(mut cached) = self.classifier.write() {
            *cached = (graph.clone(), fresh.clone());
        }
        fresh
    }

    fn retrieve_options(&self) -> RetrieveOptions {
        let k = &self.config.knowledge;
        RetrieveOptions {
            max_facts: k.max_facts,
            max_chars: k.max_fact_chars,
            min_coverage: k.min_coverage,
        }
    }

    fn record(&self, msg: &Incoming, kind: EventKind) {
        if let Err(e) = self.log.record(&msg.chat, &msg.user, kind) {
            tracing::error!(error = %e, "could not write the engagement log");
        }
    }

    /// Handle one message. Returns `None` when the bot should stay silent (a group message
    /// that does not address it): such messages are only logged.
    pub async fn handle(&self, msg: &Incoming) -> Option<Reply> {
        let started = Instant::now();
        let limit = self.config.dialogue.max_message_chars.max(1);
        let cleaned: String = msg
            .text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .take(limit)
            .collect();
        let truncated = msg
            .text
            .chars()
            .filter(|c| !c.is_control() || *c == '\n')
            .count()
            > limit;
        let text = cleaned.trim().to_string();
        self.record(
            msg,
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
                msg,
                EventKind::PostReply {
                    post,
                    message_id: msg.message_id.clone(),
                },
            );
        }
        if !msg.addressed {
            self.flag_if_negative(msg, &text);
            self.metrics.unaddressed();
            return None;
        }
        let chinese = has_cjk(&text);
        let conversation = self.conversation_key(msg);
        let graph = self.knowledge.snapshot();
        let mut reply = if text.is_empty() {
            self.fixed(None, Route::Smalltalk, 0.0, "empty", chinese)
        } else {
            let classifier = self.classifier(&graph);
            let t = Instant::now();
            let routed = router::route(
                &text,
                &classifier,
                self.config.router.threshold,
                &self.bot_names,
            );
            let route_ms = t.elapsed().as_secs_f64() * 1000.0;
            let mut r = match routed {
                Routed::Command(cmd) => {
                    self.command(cmd, msg, &conversation, &graph, chinese).await
                }
                Routed::Text {
                    intent,
                    route,
                    confidence,
                } => {
                    self.text(&text, intent, route, confidence, msg, &conversation, &graph)
                        .await
                }
            };
            r.timings_ms.route = route_ms;
            r
        };
        if truncated {
            let note = self.prompts.reply("truncated", chinese, context! { limit });
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
        if reply.flagged.is_none() && reply.route != PRIVACY_ROUTE {
            self.flag_if_negative(msg, &text);
        }
        if reply.route == PRIVACY_ROUTE {
            // The member was just erased; logging the confirmation would store them again.
            return Some(reply);
        }
        self.record(
            msg,
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

    async fn command(
        &self,
        cmd: Command,
        msg: &Incoming,
        conversation: &str,
        graph: &Arc<Graph>,
        zh: bool,
    ) -> Reply {
        let intent = Some(format!("/{}", command_name(&cmd)));
        let mut r = match cmd {
            Command::Start | Command::Help => {
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "greet", zh);
                r.reply = format!(
                    "{}\n\n{}",
                    r.reply,
                    router::help_text(&self.config.dialogue.bot_name)
                );
                r
            }
            Command::Ask(q) if q.trim().is_empty() => {
                self.fixed(None, Route::Smalltalk, 1.0, "empty", zh)
            }
            Command::Ask(q) => self.question(&q, None, 1.0, msg, conversation, graph).await,
            Command::Human(text) => self.flag(msg, Route::Handoff, None, 1.0, &text, zh),
            Command::Recommend(topic) => self.recommend(&topic, None, 1.0, graph, zh, msg),
            Command::Forget => {
                if let Err(e) = self.memory.forget(conversation) {
                    tracing::error!(error = %e, "could not clear conversation memory");
                }
                self.fixed(None, Route::Smalltalk, 1.0, "forget", zh)
            }
            Command::ForgetMe => {
                let erased = self.forget_member(msg);
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                r.reply = self.prompts.reply(
                    "forgetme",
                    zh,
                    context! { events => erased.events, conversations => erased.conversations },
                );
                r.route = PRIVACY_ROUTE.into();
                r
            }
            Command::Manager(cmd) if !msg.manager => {
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                r.reply = self
                    .prompts
                    .reply("managers_only", zh, context! { name => cmd.name() });
                r.route = "manage".into();
                r
            }
            Command::Manager(cmd) => {
                let ctx = crate::posts::commands::CommandContext {
                    llm: self.llm.as_ref(),
                    prompts: &self.prompts,
                    graph,
                    log: &self.log,
                    bot_name: &self.config.dialogue.bot_name,
                    author: self.log.member_id(msg.chat.platform.as_str(), &msg.user),
                    now: chrono::Utc::now(),
                };
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                match &cmd {
                    ManagerCommand::Report(period) => match self.posts.report(period, &ctx) {
                        Ok((text, images)) => {
                            r.reply = text;
                            r.images = images;
                        }
                        Err(e) => r.reply = e,
                    },
                    _ => r.reply = self.posts.handle(&cmd, &ctx).await,
                }
                r.route = "manage".into();
                r
            }
            Command::Unknown(name) => {
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                r.reply = self.prompts.reply("unknown_command", zh, context! { name });
                r
            }
        };
        r.intent = intent;
        r
    }

    #[allow(clippy::too_many_arguments)]
    async fn text(
        &self,
        text: &str,
        intent: Option<String>,
        route: Option<Route>,
        confidence: f32,
        msg: &Incoming,
        conversation: &str,
        graph: &Arc<Graph>,
    ) -> Reply {
        let zh = has_cjk(text);
        let names_entity = !graph.link(&normalize(text)).is_empty();
        let route = match route {
            // "hi, how much is the huila?" is a question, whatever its greeting says.
            Some(Route::Smalltalk | Route::Feedback)
                if names_entity && looks_like_question(text) =>
            {
                Route::Answer
            }
            Some(r) => r,
            None if names_entity || looks_like_question(text) => Route::Answer,
            None => {
                let found = self
                    .knowledge
                    .retrieve(text, &[], &self.retrieve_options())
                    .map(|r| r.found());
                if found.unwrap_or(false) {
                    Route::Answer
                } else {
                    Route::Smalltalk
                }
            }
        };
        match route {
            Route::Answer => {
                self.question(text, intent, confidence, msg, conversation, graph)
                    .await
            }
            Route::Smalltalk => {
                let key = intent
                    .as_deref()
                    .filter(|i| self.prompts.has_reply(i))
                    .unwrap_or("smalltalk")
                    .to_string();
                self.fixed(intent, Route::Smalltalk, confidence, &key, zh)
            }
            Route::Complaint | Route::Handoff => {
                self.flag(msg, route, intent, confidence, text, zh)
            }
            Route::Recommend => self.recommend(text, intent, confidence, graph, zh, msg),
            Route::Feedback => {
                self.record(
                    msg,
                    EventKind::Feedback {
                        text: text.to_string(),
                    },
                );
                self.fixed(intent, Route::Feedback, confidence, "feedback", zh)
            }
        }
    }

    /// A question: retrieve (with the conversation's entities for follow-ups) and answer.
    async fn question(
        &self,
        text: &str,
        intent: Option<String>,
        confidence: f32,
        msg: &Incoming,
        conversation: &str,
        graph: &Arc<Graph>,
    ) -> Reply {
        let zh = has_cjk(text);
        let history = self.memory.turns(conversation);
        let context: Vec<String> = history
            .last()
            .map(|t| t.entities.clone())
            .unwrap_or_default();
        let t = Instant::now();
        let retrieval = match self
            .knowledge
            .retrieve(text, &context, &self.retrieve_options())
        {
            Ok(r) => r,
            Err(e) => {
                tracing::error!(error = %e, "retrieval failed");
                Retrieval::default()
            }
        };
        let retrieve_ms = t.elapsed().as_secs_f64() * 1000.0;
        let mut reply = if !retrieval.found() {
            self.record(
                msg,
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
                    retrieval: &retrieval,
                    question: text,
                    history: &history,
                    bot_name: &self.config.dialogue.bot_name,
                    max_tokens: self.config.llm.max_tokens,
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
        if let Err(e) = self.memory.push(conversation, turn) {
            tracing::error!(error = %e, "could not store conversation memory");
        }
        reply
    }

    fn fixed(
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
                bot_name => self.config.dialogue.bot_name.clone(),
                support => if matches!(key, "complaint" | "handoff") { self.support_line() } else { String::new() },
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
        }
    }

    /// Complaints and hand-offs: a reply with the support contact, and a flag for the team.
    fn flag(
        &self,
        msg: &Incoming,
        route: Route,
        intent: Option<String>,
        confidence: f32,
        text: &str,
        zh: bool,
    ) -> Reply {
        let reason = route.to_string();
        self.record(
            msg,
            EventKind::Flag {
                reason: reason.clone(),
                text: text.to_string(),
            },
        );
        tracing::info!(%reason, platform = %msg.chat.platform, "message flagged for the team");
        let key = if route == Route::Complaint {
            "complaint"
        } else {
            "handoff"
        };
        let mut r = self.fixed(intent, route, confidence, key, zh);
        r.flagged = Some(reason);
        r
    }

    /// "Lantern Hill customer care (care@…, +1 …)", from the pack's support entity.
    fn support_line(&self) -> String {
        let g = self.knowledge.snapshot();
        let wanted = &self.config.dialogue.support_entity;
        let entity = if wanted.is_empty() {
            g.entities().find(|e| e.kind == "support")
        } else {
            g.entity(wanted)
        };
        let Some(e) = entity else {
            return String::new();
        };
        let contacts: Vec<&str> = e
            .attrs
            .iter()
            .filter(|a| matches!(a.key.as_str(), "email" | "phone" | "url" | "website"))
            .map(|a| a.value.as_str())
            .collect();
        if contacts.is_empty() {
            e.name.clone()
        } else {
            format!("{} ({})", e.name, contacts.join(", "))
        }
    }

    /// A grounded recommendation among entities of recommendable kinds, each with its
    /// summary cited: ranked by how often the member's words occur in their facts; when the
    /// words match none, by what members who asked about the same things also asked about
    /// (collaborative filtering over the log), or by popularity for a member new to the log.
    #[allow(clippy::too_many_arguments)]
    fn recommend(
        &self,
        text: &str,
        intent: Option<String>,
        confidence: f32,
        g: &Graph,
        zh: bool,
        msg: &Incoming,
    ) -> Reply {
        let kinds = &self.config.dialogue.recommend_kinds;
        let asked = terms(&normalize(text));
        let named: Vec<String> = g.link(&normalize(text)).into_iter().map(|l| l.id).collect();
        let mut candidates: Vec<(usize, usize, &crate::knowledge::Entity)> = Vec::new();
        for (order, e) in g.entities().enumerate() {
            if !kinds.contains(&e.kind) || named.contains(&e.id) {
                continue;
            }
            let mut text = e.summary.clone().unwrap_or_default();
            for a in &e.attrs {
                text.push_str(&format!(" {} {}", a.key, a.value));
            }
            let words = terms(&normalize(&text));
            // How often the member's words occur: "dark roast" prefers the dark roast to
            // a medium-dark one that mentions "dark" once.
            let score = asked
                .iter()
                .map(|t| words.iter().filter(|w| *w == t).count())
                .sum::<usize>();
            candidates.push((score, order, e));
        }
        candidates.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let mut intro = self.prompts.reply("recommend", zh, context! {});
        if candidates.iter().all(|c| c.0 == 0) {
            if let Some((order, line)) = self.collaborative(&candidates, msg, g, zh) {
                candidates.sort_by_key(|c| {
                    order
                        .iter()
                        .position(|id| *id == c.2.id)
                        .unwrap_or(usize::MAX)
                });
                intro = line;
            }
        }
        let mut lines = vec![intro];
        let mut citations = Vec::new();
        for (_, _, e) in candidates.into_iter().take(3) {
            let facts = g.facts_of(&e.id);
            let summary = facts
                .iter()
                .find(|f| f.kind == FactKind::Summary)
                .or(facts.first());
            if let Some(f) = summary {
                let id = citations.len() + 1;
                lines.push(format!("• {} [{id}]", f.text));
                citations.push(CitationOut {
                    id,
                    source: f.source.to_string(),
                    fact: f.text.clone(),
                });
            }
        }
        let answered = !citations.is_empty();
        Reply {
            intent,
            route: Route::Recommend.to_string(),
            confidence,
            reply: if answered {
                lines.join("\n")
            } else {
                self.prompts.reply("unknown", zh, context! {})
            },
            answered,
            grounded: true,
            fallback: if answered {
                Fallback::None
            } else {
                Fallback::Unknown
            },
            citations,
            flagged: None,
            timings_ms: Timings::default(),
            entities: Vec::new(),
            images: Vec::new(),
        }
    }
}

impl Bot {
    /// Candidates in collaborative-filtering order and the one-line reason, or `None` when
    /// the log has nothing to go on.
    fn collaborative(
        &self,
        candidates: &[(usize, usize, &crate::knowledge::Entity)],
        msg: &Incoming,
        g: &Graph,
        zh: bool,
    ) -> Option<(Vec<String>, String)> {
        use crate::analytics::recommend::{Interactions, Recommender};
        let data = match self.log.interactions() {
            Ok(pairs) => Interactions::from_pairs(pairs),
            Err(e) => {
                tracing::error!(error = %e, "recommend: interactions not read");
                return None;
            }
        };
        if data.by_member.is_empty() {
            return None;
        }
        let member = self.log.member_id(msg.chat.platform.as_str(), &msg.user);
        let history = data.history(&member);
        let ids: Vec<String> = candidates.iter().map(|c| c.2.id.clone()).collect();
        let picks = Recommender::train(&data).recommend(&history, &ids, 3);
        let first = picks.first()?;
        let line = match first.because_of.as_deref().and_then(|id| g.entity(id)) {
            Some(e) => {
                self.prompts
                    .reply("recommend_similar", zh, context! { name => e.name.clone() })
            }
            None => self.prompts.reply("recommend_popular", zh, context! {}),
        };
        Some((picks.into_iter().map(|p| p.entity).collect(), line))
    }
}

fn command_name(cmd: &Command) -> &str {
    match cmd {
        Command::Start => "start",
        Command::Help => "help",
        Command::Ask(_) => "ask",
        Command::Human(_) => "human",
        Command::Recommend(_) => "recommend",
        Command::Forget => "forget",
        Command::ForgetMe => "forgetme",
        Command::Manager(p) => p.name(),
        Command::Unknown(n) => n,
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
