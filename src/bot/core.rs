//! The bot's parts and options, and the little every route shares: the classifier for
//! the graph being served, recording events, the retrieval budget.

use std::sync::{Arc, RwLock};

use herald_platform::ChatRef;

use crate::dialogue::{Memory, Prompts};
use crate::engagement::{EngagementLog, EventKind, Speaker};
use crate::knowledge::{Graph, KnowledgeStore, RetrieveOptions};
use crate::llm::LlmBackend;
use crate::manage;
use crate::metrics::Metrics;
use crate::router::IntentClassifier;

/// How the bot behaves: the `[dialogue]`, `[router]` and retrieval settings it needs.
#[derive(Clone, Debug)]
pub struct BotOptions {
    /// The bot's name, used in prompts and replies, and (with `_bot`) stripped from
    /// mentions and commands.
    pub bot_name: String,
    /// Longer messages are cut to this many characters (with a note in the reply).
    pub max_message_chars: usize,
    /// Entity id of the support contact named in complaint replies; empty: the first
    /// entity of kind `support`.
    pub support_entity: String,
    /// Entity kinds offered as recommendations.
    pub recommend_kinds: Vec<String>,
    /// Classifier confidence below which the intent is not trusted.
    pub intent_threshold: f32,
    pub retrieve: RetrieveOptions,
    /// Tokens generated per answer at most.
    pub max_tokens: u32,
    /// The managers' chat, where hand-offs and complaints are posted as tickets (`[posts]
    /// report_target`); `None`: no person is promised.
    pub team: Option<ChatRef>,
    /// Greeting new members (`[welcome]`); `None`: they are not greeted.
    pub welcome: Option<WelcomeOptions>,
}

impl Default for BotOptions {
    fn default() -> Self {
        BotOptions {
            bot_name: "Herald".into(),
            max_message_chars: 2000,
            support_entity: String::new(),
            recommend_kinds: vec!["product".into()],
            intent_threshold: 0.35,
            retrieve: RetrieveOptions::default(),
            max_tokens: 48,
            team: None,
            welcome: None,
        }
    }
}

/// How new members are greeted (`[welcome]`).
#[derive(Clone, Debug, PartialEq)]
pub struct WelcomeOptions {
    /// Questions suggested in the greeting.
    pub suggestions: usize,
    /// New members must press a button before they may post (Telegram).
    pub join_check: bool,
    /// How long they have to press it.
    pub check_within: std::time::Duration,
}

/// The components the bot works with, built by the caller (`crate::app` from the config,
/// tests on temporary folders).
pub struct Parts {
    pub knowledge: Arc<dyn KnowledgeStore>,
    /// The model, already wrapped in whatever counts its calls.
    pub llm: Arc<dyn LlmBackend>,
    pub prompts: Arc<Prompts>,
    pub memory: Memory,
    pub log: EngagementLog,
    /// What the managers' commands work with.
    pub manage: manage::Context,
    pub metrics: Arc<Metrics>,
}

/// One message in, one reply out. See the module docs.
pub struct Bot {
    pub(super) opts: BotOptions,
    pub(super) knowledge: Arc<dyn KnowledgeStore>,
    pub(super) llm: Arc<dyn LlmBackend>,
    pub(super) prompts: Arc<Prompts>,
    pub(super) memory: Memory,
    pub(super) log: EngagementLog,
    pub(super) manage: manage::Context,
    pub(super) metrics: Arc<Metrics>,
    /// The classifier trained on the graph it belongs to; retrained after a reload.
    classifier: RwLock<(Arc<Graph>, Arc<IntentClassifier>)>,
    pub(super) bot_names: Vec<String>,
    /// The domains the knowledge files mention, for the graph they came from.
    pub(super) pack_hosts: HostsCache,
    /// Newcomers who have not passed the join check yet.
    pub(super) pending_checks: super::state::Pending,
    /// Unanswered questions in groups and the teach offers made on them.
    pub(super) offers: super::state::Offers,
}

pub(super) type HostsCache = RwLock<Option<(Arc<Graph>, Arc<Vec<String>>)>>;

impl Bot {
    pub fn new(parts: Parts, opts: BotOptions) -> Bot {
        let graph = parts.knowledge.snapshot();
        let classifier = Arc::new(IntentClassifier::train(&graph.intents));
        let bot_names = vec![opts.bot_name.clone(), format!("{}_bot", opts.bot_name)];
        Bot {
            opts,
            knowledge: parts.knowledge,
            llm: parts.llm,
            prompts: parts.prompts,
            memory: parts.memory,
            log: parts.log,
            manage: parts.manage,
            metrics: parts.metrics,
            classifier: RwLock::new((graph, classifier)),
            bot_names,
            pack_hosts: RwLock::new(None),
            pending_checks: Default::default(),
            offers: Default::default(),
        }
    }

    /// Forget the conversation `who` is in (`/forget`, and one-shot `herald ask`).
    pub fn forget_conversation(&self, who: &Speaker) {
        if let Err(e) = self.memory.forget(&who.conversation()) {
            tracing::error!(error = %crate::text::chain(&e), "could not clear conversation memory");
        }
    }

    /// The classifier for the graph being served now.
    pub(super) fn classifier(&self, graph: &Arc<Graph>) -> Arc<IntentClassifier> {
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

    /// Log an event; a failing log is reported, never the member's problem.
    pub(super) fn record(&self, who: &Speaker, kind: EventKind) {
        if let Err(e) = self.log.record(who, kind) {
            tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
        }
    }

    /// A strongly negative message (sentiment ≤ −0.5) that was not already flagged as a
    /// complaint is flagged `negative` for the team, whatever it was routed to.
    pub(super) fn flag_if_negative(&self, who: &Speaker, text: &str) {
        if self.mood(text) <= -0.5 {
            self.record(
                who,
                EventKind::Flag {
                    reason: "negative".into(),
                    text: text.to_string(),
                },
            );
        }
    }

    /// The sentiment of a member's words with the pack's own names left out: a product,
    /// place or event called "Dark Bitter Roast" or "冷萃" says nothing about the member's
    /// mood. Names are found by the same linker answers use.
    pub(super) fn mood(&self, text: &str) -> f64 {
        let graph = self.knowledge.snapshot();
        let mut rest = text.to_string();
        let mut aliases: Vec<String> = graph
            .link(&crate::text::normalize(text))
            .into_iter()
            .map(|l| l.alias)
            .collect();
        // Longest first, so a name is not cut by a shorter alias inside it.
        aliases.sort_by_key(|a| std::cmp::Reverse(a.chars().count()));
        aliases.dedup();
        for alias in aliases {
            if let Ok(re) = regex::Regex::new(&format!("(?i){}", regex::escape(&alias))) {
                rest = re.replace_all(&rest, " ").into_owned();
            }
        }
        crate::text::sentiment::compound(&rest)
    }
}
