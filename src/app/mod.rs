//! Wiring: the components built from the config — the data folder, the knowledge store,
//! the model backend, the engagement log, the posts, the metrics and the bot — once, and
//! handed to whatever runs them (the engine, the HTTP server, the jobs). The adapters the
//! config enables are built in [`platforms`]. The only module that reads the whole
//! [`Config`]; every component gets its own options.

mod community;
pub mod platforms;

pub use community::{moderation_options, CommunityError};

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::bot::{Bot, BotOptions, Parts};
use crate::config::{Config, LlmConfig, Neo4jConfig};
use crate::data::{open_data, prefix_cache_dir, DataError};
use crate::dialogue::{Memory, PromptError, Prompts};
use crate::engagement::{EngagementError, EngagementLog};
use crate::http::HttpParts;
use crate::knowledge::{
    KnowledgeError, KnowledgeStore, Neo4jOptions, RetrieveOptions, SledKnowledge,
};
use crate::llm::{
    FallbackChain, LlamaBackend, LlamaOptions, LlmBackend, OpenAiBackend, OpenAiOptions,
};
use crate::manage;
use crate::metrics::{Metered, Metrics};
use crate::posts::{target_ref, PostStore, PostsError, PostsSetup};
use crate::team::TicketStore;

/// What can stop the components from being put together (the knowledge and the model are
/// already loaded by then).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Data(#[from] DataError),
    #[error("prompts: {0}")]
    Prompts(#[from] PromptError),
    #[error("conversation memory")]
    Memory(#[source] sled::Error),
    #[error(transparent)]
    Log(#[from] EngagementError),
    #[error(transparent)]
    Posts(#[from] PostsError),
    #[error(transparent)]
    Tickets(#[from] crate::team::TicketError),
    #[error(transparent)]
    Community(#[from] CommunityError),
}

/// Every component, built once. Clone what a task needs; nothing reaches through the bot.
pub struct App {
    pub db: sled::Db,
    pub knowledge: Arc<dyn KnowledgeStore>,
    /// The model backend as the bot uses it (counted for `/metrics`).
    pub llm: Arc<dyn LlmBackend>,
    pub log: EngagementLog,
    pub posts: PostStore,
    pub posts_setup: PostsSetup,
    pub tickets: TicketStore,
    /// Moderation, when `[moderation] enabled = true`.
    pub moderator: Option<crate::moderation::Moderator>,
    /// The moderation audit, strikes and join times (open even when moderation is off).
    pub audit: crate::moderation::AuditLog,
    /// Members waiting for the team's answer to a gap.
    pub askers: crate::learning::Askers,
    pub memory: Memory,
    pub metrics: Arc<Metrics>,
    /// What the managers' commands work with (the dashboard's forms run them too).
    pub manage: manage::Context,
    pub bot: Arc<Bot>,
}

impl App {
    /// Open the data folder, load the knowledge and the model, and build the rest.
    pub fn start(config: &Config) -> anyhow::Result<App> {
        let db = open_data(&config.data.dir)?;
        let knowledge = open_knowledge(config, &db)?;
        let llm = llm_backend(&config.llm, Some(prefix_cache_dir(&config.data.dir)))?;
        App::assemble(config, db, knowledge, llm).context("starting the bot")
    }

    /// Build the components around a data folder, a knowledge store and a model backend
    /// that the caller made (tests build them on temporary folders).
    pub fn assemble(
        config: &Config,
        db: sled::Db,
        knowledge: Arc<dyn KnowledgeStore>,
        llm: Arc<dyn LlmBackend>,
    ) -> Result<App, AppError> {
        let prompts = Arc::new(Prompts::load(&config.dialogue.prompts)?);
        let memory = Memory::open(&db, config.dialogue.memory_turns).map_err(AppError::Memory)?;
        let log = EngagementLog::open(&db, &config.engagement.member_key)?;
        let posts = PostStore::open(&db).map_err(PostsError::from)?;
        let posts_setup = PostsSetup::from_config(&config.posts)?;
        let tickets = TicketStore::open(&db)?;
        let audit = crate::moderation::AuditLog::open(&db).map_err(CommunityError::from)?;
        let askers = crate::learning::Askers::open(&db).map_err(AppError::Memory)?;
        let moderator = community::moderator(&config.moderation, &audit, &config.data.dir)?;
        let metrics = Arc::new(Metrics::for_backend(llm.as_ref()));
        let llm: Arc<dyn LlmBackend> = Arc::new(Metered::new(llm, metrics.clone()));
        let manage = manage::Context {
            posts: posts.clone(),
            setup: posts_setup.clone(),
            log: log.clone(),
            llm: llm.clone(),
            prompts: prompts.clone(),
            bot_name: config.dialogue.bot_name.clone(),
            tickets: tickets.clone(),
            moderator: moderator.clone(),
            audit: audit.clone(),
            gap_ids: crate::learning::GapIds::open(&db).map_err(AppError::Memory)?,
            knowledge: Some(knowledge.clone()),
            knowledge_dir: config.knowledge.dir.clone(),
            learning_folder: config.learning.folder.clone(),
            askers: askers.clone(),
            notify_askers: config.learning.notify_askers,
        };
        let bot = Bot::new(
            Parts {
                knowledge: knowledge.clone(),
                llm: llm.clone(),
                prompts,
                memory: memory.clone(),
                log: log.clone(),
                manage: manage.clone(),
                metrics: metrics.clone(),
            },
            bot_options(config),
        );
        Ok(App {
            db,
            knowledge,
            llm,
            log,
            posts,
            posts_setup,
            tickets,
            moderator,
            audit,
            askers,
            memory,
            metrics,
            manage,
            bot: Arc::new(bot),
        })
    }

    /// What the HTTP server's handlers use.
    pub fn http_parts(&self) -> HttpParts {
        HttpParts {
            bot: self.bot.clone(),
            log: self.log.clone(),
            posts: self.posts.clone(),
            metrics: self.metrics.clone(),
            knowledge: self.knowledge.clone(),
            llm_name: self.llm.name().to_string(),
        }
    }
}

impl App {
    /// What the dashboard's pages read and its forms change.
    pub fn dashboard_parts(
        &self,
        config: &Config,
        adapters: Vec<Arc<dyn herald_platform::Platform>>,
    ) -> crate::dashboard::DashboardParts {
        crate::dashboard::DashboardParts {
            manage: self.manage.clone(),
            knowledge: self.knowledge.clone(),
            metrics: self.metrics.clone(),
            adapters,
            model_host: match config.llm.backend.as_str() {
                "openai" if config.llm.fallback == "llama" => format!(
                    "OpenAI-compatible server at {}, the local model as fallback",
                    config.llm.base_url
                ),
                "openai" => format!("OpenAI-compatible server at {}", config.llm.base_url),
                _ => "llama.cpp, on this machine".to_string(),
            },
            model: match config.llm.backend.as_str() {
                "openai" => config.llm.api_model.clone(),
                _ => config
                    .llm
                    .model
                    .file_name()
                    .map(|f| f.to_string_lossy().into_owned())
                    .unwrap_or_default(),
            },
            retrieve: retrieve_options(config),
            intent_threshold: config.router.threshold,
        }
    }
}

/// The dashboard's login options from `[dashboard]` (its keys, else `[http] keys`) and
/// whether the bot is served over https (`[posts] public_url`).
pub fn dashboard_options(config: &Config) -> crate::dashboard::DashboardOptions {
    let d = &config.dashboard;
    let keys = if d.keys.is_empty() {
        config
            .http
            .as_ref()
            .map(|h| h.keys.clone())
            .unwrap_or_default()
    } else {
        d.keys.clone()
    };
    crate::dashboard::DashboardOptions {
        keys,
        session_ttl: Duration::from_secs_f64(d.session_hours.max(0.01) * 3600.0),
        login_attempts: d.login_attempts,
        secure_cookie: config.posts.public_url.starts_with("https://"),
    }
}

/// The bot's options from the `[dialogue]`, `[router]`, `[knowledge]` and `[llm]` sections.
pub fn bot_options(config: &Config) -> BotOptions {
    let d = &config.dialogue;
    BotOptions {
        bot_name: d.bot_name.clone(),
        max_message_chars: d.max_message_chars,
        support_entity: d.support_entity.clone(),
        recommend_kinds: d.recommend_kinds.clone(),
        intent_threshold: config.router.threshold,
        retrieve: retrieve_options(config),
        max_tokens: config.llm.max_tokens,
        team: team_chat(config),
        welcome: config.welcome.enabled.then(|| crate::bot::WelcomeOptions {
            suggestions: config.welcome.suggestions,
            join_check: config.welcome.join_check,
            check_within: Duration::from_secs_f64(config.welcome.check_minutes.max(0.0) * 60.0),
        }),
    }
}

/// The managers' chat: `[posts] report_target`, when set (checked by `PostsSetup`).
pub fn team_chat(config: &Config) -> Option<herald_platform::ChatRef> {
    let name = &config.posts.report_target;
    (!name.is_empty())
        .then(|| target_ref(&config.posts.targets, name).ok())
        .flatten()
}

/// The retrieval budget of `[knowledge]`.
pub fn retrieve_options(config: &Config) -> RetrieveOptions {
    let k = &config.knowledge;
    RetrieveOptions {
        max_facts: k.max_facts,
        max_chars: k.max_fact_chars,
        min_coverage: k.min_coverage,
    }
}

/// The knowledge store `[knowledge] backend` names, loaded from the knowledge folder.
fn open_knowledge(config: &Config, db: &sled::Db) -> anyhow::Result<Arc<dyn KnowledgeStore>> {
    let dir = config.knowledge.dir.clone();
    let opened = match config.knowledge.backend.as_str() {
        "sled" => {
            SledKnowledge::open(db, dir).map(|(s, r)| (Arc::new(s) as Arc<dyn KnowledgeStore>, r))
        }
        "neo4j" => {
            let n = config.neo4j.as_ref().context(
                "knowledge.backend = \"neo4j\" needs a [neo4j] section (uri, user, password or HERALD_NEO4J_PASSWORD)",
            )?;
            let opts = neo4j_options(n);
            let open = crate::knowledge::Neo4jKnowledge::open(
                db,
                dir,
                &opts,
                Duration::from_millis(n.query_timeout_ms.max(1)),
                Duration::from_millis(n.retry_sync_ms.max(100)),
            );
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(open))
                .map(|(s, r)| (Arc::new(s) as Arc<dyn KnowledgeStore>, r))
        }
        other => anyhow::bail!(
            "knowledge.backend {other:?} is not supported (expected \"sled\" or \"neo4j\")"
        ),
    };
    let (store, report) = match opened {
        Ok(x) => x,
        Err(KnowledgeError::Invalid(problems)) => {
            let lines: Vec<String> = problems.iter().map(|p| p.to_string()).collect();
            anyhow::bail!("the knowledge folder has problems:\n{}", lines.join("\n"));
        }
        Err(e) => return Err(e.into()),
    };
    tracing::info!(
        entities = report.stats.entities,
        relations = report.stats.relations,
        passages = report.stats.passages,
        intents = report.stats.intents,
        ms = report.millis,
        "knowledge loaded"
    );
    Ok(store)
}

/// The connection options of `[neo4j]`.
pub fn neo4j_options(n: &Neo4jConfig) -> Neo4jOptions {
    Neo4jOptions {
        uri: n.uri.clone(),
        user: n.user.clone(),
        password: n.password.clone(),
        database: n.database.clone(),
        pool_size: n.pool_size,
    }
}

/// The model backend `[llm]` asks for (with its fallback).
///
/// `prefix_dir` keeps the local model's evaluated prompt heads between processes.
pub fn llm_backend(
    c: &LlmConfig,
    prefix_dir: Option<PathBuf>,
) -> anyhow::Result<Arc<dyn LlmBackend>> {
    let local = || -> anyhow::Result<Arc<dyn LlmBackend>> {
        Ok(Arc::new(LlamaBackend::load(LlamaOptions {
            model: c.model.clone(),
            threads: c.threads,
            context: c.context,
            parallel: match c.parallel {
                0 => crate::llm::default_parallel(crate::llm::cores(), c.context),
                n => n,
            },
            temperature: c.temperature,
            prompt_cache: c.prompt_cache,
            prefix_dir: prefix_dir.clone(),
            ..LlamaOptions::default()
        })?))
    };
    match c.backend.as_str() {
        "llama" => local(),
        "openai" => {
            let server: Arc<dyn LlmBackend> = Arc::new(OpenAiBackend::new(OpenAiOptions {
                base_url: c.base_url.clone(),
                model: c.api_model.clone(),
                api_key: c.api_key.clone(),
                timeout: Duration::from_millis(c.timeout_ms.max(1)),
                retries: c.retries,
                temperature: c.temperature,
                stream: c.stream,
                ..OpenAiOptions::default()
            }));
            match c.fallback.as_str() {
                "" => Ok(server),
                "llama" => Ok(Arc::new(FallbackChain::new(vec![server, local()?]))),
                other => anyhow::bail!(
                    "llm.fallback {other:?} is not supported (expected \"llama\" or \"\")"
                ),
            }
        }
        other => anyhow::bail!(
            "llm.backend {other:?} is not supported (expected \"llama\" or \"openai\")"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_dashboard_takes_its_own_keys_else_the_apis_and_is_secure_over_https() {
        let mut c = Config::default();
        assert!(dashboard_options(&c).keys.is_empty(), "no keys anywhere");
        c.http = Some(crate::config::HttpConfig {
            keys: vec!["api".into()],
            ..Default::default()
        });
        assert_eq!(dashboard_options(&c).keys, vec!["api".to_string()]);
        c.dashboard.keys = vec!["manager".into()];
        c.dashboard.session_hours = 2.0;
        let o = dashboard_options(&c);
        assert_eq!(o.keys, vec!["manager".to_string()]);
        assert_eq!(o.session_ttl, Duration::from_secs(7200));
        assert!(!o.secure_cookie);
        c.posts.public_url = "https://bot.example.com".into();
        assert!(dashboard_options(&c).secure_cookie);
    }
}
