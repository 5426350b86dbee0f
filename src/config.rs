//! Configuration: one section per subsystem, every key optional with a sensible default,
//! unknown keys refused by name. Secrets may come from the environment instead.

use std::path::PathBuf;

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read config {path}: {source}")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}:{line}: {message}")]
    Invalid {
        path: String,
        line: usize,
        message: String,
    },
    #[error("{var} names {path}, which cannot be read: {source}")]
    SecretFile {
        var: String,
        path: String,
        #[source]
        source: std::io::Error,
    },
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub knowledge: KnowledgeConfig,
    pub data: DataConfig,
    pub llm: LlmConfig,
    pub router: RouterConfig,
    pub dialogue: DialogueConfig,
    pub engagement: EngagementConfig,
    pub engine: EngineConfig,
    /// Drafting, approving, scheduling and publishing posts.
    pub posts: PostsConfig,
    /// Rules for members' messages in groups, the ladder, the audit log.
    pub moderation: ModerationConfig,
    /// Greeting new members, and the join check.
    pub welcome: WelcomeConfig,
    /// The knowledge loop: `/teach` answers unanswered questions into the knowledge folder.
    pub learning: LearningConfig,
    /// The terminal adapter; leave the section out to disable it under `herald run`.
    pub console: Option<ConsoleConfig>,
    /// Telegram; leave the section out (or `enabled = false`) to disable it.
    pub telegram: Option<TelegramConfig>,
    /// The Discord adapter; leave out to disable.
    pub discord: Option<DiscordConfig>,
    /// The OpenAI-compatible HTTP API and health endpoints; leave out to disable.
    pub http: Option<HttpConfig>,
    /// The managers' web pages under `[http]` (`/dashboard`).
    pub dashboard: DashboardConfig,
    /// A Bolt graph database (Neo4j, Aura, ArcadeDB) that `herald kb sync` keeps in step
    /// with the knowledge folder.
    pub neo4j: Option<Neo4jConfig>,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Neo4jConfig {
    /// `host:port`, `bolt://host:port` or `neo4j://host:port`.
    pub uri: String,
    pub user: String,
    /// Env `HERALD_NEO4J_PASSWORD` overrides (preferred).
    pub password: String,
    /// Database name; empty for the server's default.
    pub database: String,
    /// Connections in the pool.
    pub pool_size: usize,
    /// Each query's deadline while answering; past it the local copy answers.
    pub query_timeout_ms: u64,
    /// How often a failed sync is tried again.
    pub retry_sync_ms: u64,
}

impl Default for Neo4jConfig {
    fn default() -> Self {
        Neo4jConfig {
            uri: "127.0.0.1:7687".into(),
            user: "neo4j".into(),
            password: String::new(),
            database: String::new(),
            pool_size: 4,
            query_timeout_ms: 2000,
            retry_sync_ms: 10_000,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HttpConfig {
    /// Address to listen on; loopback by default.
    pub listen: String,
    /// Bearer keys accepted (env `HERALD_HTTP_KEYS`, comma-separated, overrides); empty means
    /// no authentication, which is only refused off loopback.
    pub keys: Vec<String>,
    /// Request bodies larger than this are refused (413).
    pub max_body_bytes: usize,
    /// The model id `/v1/models` lists.
    pub model_name: String,
    /// Chat completions per key and minute (bursts up to the same number); 0 = no limit.
    pub rate_per_minute: u32,
}

impl Default for HttpConfig {
    fn default() -> Self {
        HttpConfig {
            listen: "127.0.0.1:8787".into(),
            keys: Vec::new(),
            max_body_bytes: 64 * 1024,
            model_name: "herald".into(),
            rate_per_minute: 120,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct KnowledgeConfig {
    /// The knowledge folder (format v1 files, read recursively).
    pub dir: PathBuf,
    /// `sled` (embedded, default) or `neo4j` (mirrored into the `[neo4j]` database, which
    /// then gives the neighbourhoods; the local copy answers when it is away).
    pub backend: String,
    /// Watch the folder and reload on change while running.
    pub reload: bool,
    /// How often to look for changes.
    pub reload_interval_ms: u64,
    /// Facts handed to the model at most.
    pub max_facts: usize,
    /// Characters of fact text handed to the model at most.
    pub max_fact_chars: usize,
    /// Share of a question a passage must match (0..1) to count as relevant.
    pub min_coverage: f32,
    /// The compiled lexicon (`herald lexicon build`; scripts/setup makes it): English word
    /// forms, synonyms and classes, and the Chinese–English bridge.
    pub lexicon: PathBuf,
}

impl Default for KnowledgeConfig {
    fn default() -> Self {
        KnowledgeConfig {
            dir: PathBuf::from("knowledge"),
            backend: "sled".into(),
            reload: true,
            reload_interval_ms: 1000,
            max_facts: 6,
            max_fact_chars: 1200,
            min_coverage: 0.5,
            lexicon: PathBuf::from(crate::lexicon::DEFAULT_PATH),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DataConfig {
    /// The sled folder: conversation memory, engagement log, the parsed-file cache.
    pub dir: PathBuf,
}

impl Default for DataConfig {
    fn default() -> Self {
        DataConfig {
            dir: PathBuf::from("data"),
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LlmConfig {
    /// `llama` (a GGUF model in-process) or `openai` (any OpenAI-compatible server).
    pub backend: String,
    /// The GGUF model file.
    pub model: PathBuf,
    /// Threads for generation and prompt processing.
    pub threads: i32,
    /// Tokens one request may hold (prompt and reply), for each of `parallel`.
    pub context: u32,
    /// `llama`: requests decoded together; more wait, conversations in turn. 0: 4 per core.
    pub parallel: usize,
    /// Tokens generated per reply at most.
    pub max_tokens: u32,
    /// 0 is greedy (deterministic); higher samples more freely.
    pub temperature: f32,
    /// Keep the KV cache of the shared prompt prefix between requests, and the
    /// instructions' evaluated state in `<data.dir>/prompt-cache/` between runs.
    pub prompt_cache: bool,
    /// `openai`: the server's API base, e.g. `http://127.0.0.1:8080/v1`.
    pub base_url: String,
    /// `openai`: the model name the server knows.
    pub api_model: String,
    /// `openai`: the bearer key (env `HERALD_LLM_API_KEY` overrides).
    pub api_key: String,
    /// `openai`: each attempt's deadline.
    pub timeout_ms: u64,
    /// `openai`: extra attempts after a server error or timeout.
    pub retries: u32,
    /// `openai`: `llama` to fall back to the local model when the server fails; `""` for
    /// none (the answer is then composed from the facts).
    pub fallback: String,
    /// `openai`: receive the answer as a token stream (measures time to first token; a
    /// server that stalls mid-answer hits the same deadline).
    pub stream: bool,
}

impl Default for LlmConfig {
    fn default() -> Self {
        LlmConfig {
            backend: "llama".into(),
            model: PathBuf::from("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
            threads: 2,
            context: 2048,
            parallel: 0,
            max_tokens: 48,
            temperature: 0.0,
            prompt_cache: true,
            base_url: "http://127.0.0.1:8080/v1".into(),
            api_model: "default".into(),
            api_key: String::new(),
            timeout_ms: 20_000,
            retries: 1,
            fallback: String::new(),
            stream: false,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RouterConfig {
    /// Classifier confidence (0..1) below which the intent is not trusted.
    pub threshold: f32,
}

impl Default for RouterConfig {
    fn default() -> Self {
        RouterConfig { threshold: 0.35 }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DialogueConfig {
    /// The bot's name, used in prompts and replies.
    pub bot_name: String,
    /// The prompt templates folder.
    pub prompts: PathBuf,
    /// Turns of conversation remembered per member and chat.
    pub memory_turns: usize,
    /// Longer messages are cut to this many characters (with a note in the reply).
    pub max_message_chars: usize,
    /// Entity id of the support contact named in complaint replies; empty: the first
    /// entity of kind `support`.
    pub support_entity: String,
    /// Entity kinds offered as recommendations.
    pub recommend_kinds: Vec<String>,
}

impl Default for DialogueConfig {
    fn default() -> Self {
        DialogueConfig {
            bot_name: "Herald".into(),
            prompts: PathBuf::from("prompts"),
            memory_turns: 6,
            max_message_chars: 2000,
            support_entity: String::new(),
            recommend_kinds: vec!["product".into()],
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngagementConfig {
    /// Secret key for pseudonymous member ids (env `HERALD_MEMBER_KEY`); when empty, a
    /// random key is created once and kept in the data folder.
    pub member_key: String,
    /// Events older than this many days are deleted (checked at start and hourly under
    /// `herald run`); 0 keeps them forever.
    pub retention_days: u64,
}

impl Default for EngagementConfig {
    fn default() -> Self {
        EngagementConfig {
            member_key: String::new(),
            retention_days: 365,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostsConfig {
    /// IANA timezone schedules are read and shown in, e.g. `Europe/Berlin`.
    pub timezone: String,
    /// Variants `/draft` generates.
    pub variants: usize,
    /// No post goes out in this local window, e.g. `22:00-08:00`; empty for none.
    pub quiet_hours: String,
    /// A slot missed while herald was down is published this late at most, else skipped
    /// and reported.
    pub max_lateness_minutes: u64,
    /// How often the scheduler looks for due posts.
    pub tick_ms: u64,
    /// Tries per target before a post is reported as failed.
    pub send_attempts: u32,
    /// First pause between tries; doubles each time.
    pub retry_base_ms: u64,
    /// Measured posts needed before the judge is trained on them (the prior scores until then).
    pub min_training_posts: usize,
    /// When set (e.g. `https://bot.example.com`), links in posts become `<public_url>/r/<id>`
    /// on the HTTP server, which counts the click and redirects. Needs `[http]`.
    pub public_url: String,
    /// A target that failure and skip reports go to; empty logs them only.
    pub report_target: String,
    /// Named places posts go to: `[posts.targets.news] platform = "telegram", chat = "@news"`.
    pub targets: std::collections::BTreeMap<String, PostTarget>,
}

impl Default for PostsConfig {
    fn default() -> Self {
        PostsConfig {
            timezone: "UTC".into(),
            variants: 3,
            quiet_hours: String::new(),
            max_lateness_minutes: 60,
            tick_ms: 1000,
            send_attempts: 5,
            retry_base_ms: 30_000,
            min_training_posts: 20,
            public_url: String::new(),
            report_target: String::new(),
            targets: Default::default(),
        }
    }
}

/// One place posts go: a Telegram channel or group (`@name` or id) or a Discord channel id.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostTarget {
    /// `telegram`, `discord` or `console`.
    pub platform: String,
    pub chat: String,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Messages handled at once (the model batches `[llm] parallel` of them; the rest wait).
    pub concurrency: usize,
    /// Messages waiting at most before adapters are slowed down.
    pub queue: usize,
    /// Show "typing…" when an answer takes longer than this many milliseconds.
    pub typing_after_ms: u64,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            concurrency: 32,
            queue: 256,
            typing_after_ms: 300,
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ConsoleConfig {
    /// Show the sources under each answer.
    pub show_sources: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TelegramConfig {
    pub enabled: bool,
    /// The bot token from @BotFather (env `HERALD_TELEGRAM_TOKEN` overrides).
    pub token: String,
    /// A self-hosted Bot API server; empty for api.telegram.org.
    pub api_url: String,
    /// Only these chat ids are served when the list is not empty.
    pub allowed_chats: Vec<i64>,
    /// User ids allowed to run manager commands.
    pub managers: Vec<u64>,
    /// A group's administrators are managers in that group (checked with
    /// `getChatAdministrators`, cached for ten minutes).
    pub managers_from_admins: bool,
    /// `polling` (no public address needed) or `webhook`.
    pub mode: TelegramMode,
    pub webhook: Option<TelegramWebhookConfig>,
    /// 👍/👎 buttons under answers.
    pub feedback_buttons: bool,
    /// Long-polling timeout in seconds (at most 15).
    pub poll_timeout_secs: u64,
    /// Attempts to deliver a message before giving up (429s are always waited out).
    pub send_attempts: u32,
    /// First wait before a retry; doubles up to 30 s.
    pub retry_base_ms: u64,
    /// Messages per second in one chat (Telegram allows about 1).
    pub per_chat_per_sec: u32,
    /// Messages per minute in one group or channel (Telegram allows 20).
    pub per_group_per_min: u32,
    /// Messages per second overall (Telegram allows about 30).
    pub overall_per_sec: u32,
}

impl Default for TelegramConfig {
    fn default() -> Self {
        TelegramConfig {
            enabled: true,
            token: String::new(),
            api_url: String::new(),
            allowed_chats: Vec::new(),
            managers: Vec::new(),
            managers_from_admins: false,
            mode: TelegramMode::Polling,
            webhook: None,
            feedback_buttons: true,
            poll_timeout_secs: 10,
            send_attempts: 8,
            retry_base_ms: 1000,
            per_chat_per_sec: 1,
            per_group_per_min: 20,
            overall_per_sec: 30,
        }
    }
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiscordConfig {
    pub enabled: bool,
    /// The bot token from the Developer Portal (env `HERALD_DISCORD_TOKEN` overrides).
    pub token: String,
    /// A REST proxy (`http://host:port`, e.g. a shared rate-limit proxy); serenity's own
    /// rate limiter is then off and herald retries 429s itself. Empty for discord.com.
    pub proxy_url: String,
    /// Only these servers are served (and get slash commands at once); empty = all, with
    /// global slash commands.
    pub guilds: Vec<u64>,
    /// User ids allowed to run manager commands.
    pub managers: Vec<u64>,
    /// Role ids whose members may run manager commands.
    pub manager_roles: Vec<u64>,
    /// `auto` (Discord's recommendation) or `first-last/total`, e.g. `0-1/4`.
    pub shards: String,
    /// Ask for the privileged guild members intent (member joins); without it the bot
    /// still runs and says so.
    pub members_intent: bool,
    /// 👍/👎 buttons under answers.
    pub feedback_buttons: bool,
    /// Attempts to deliver a message before giving up.
    pub send_attempts: u32,
    /// First wait before a retry; doubles up to 30 s.
    pub retry_base_ms: u64,
}

impl Default for DiscordConfig {
    fn default() -> Self {
        DiscordConfig {
            enabled: true,
            token: String::new(),
            proxy_url: String::new(),
            guilds: Vec::new(),
            managers: Vec::new(),
            manager_roles: Vec::new(),
            shards: "auto".into(),
            members_intent: true,
            feedback_buttons: true,
            send_attempts: 8,
            retry_base_ms: 1000,
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TelegramMode {
    #[default]
    Polling,
    Webhook,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramWebhookConfig {
    /// Address the webhook server binds, e.g. `0.0.0.0:8443`.
    pub listen: String,
    /// Public HTTPS URL Telegram posts to (behind your reverse proxy).
    pub url: String,
    /// Checked on every request (env `HERALD_TELEGRAM_WEBHOOK_SECRET` overrides).
    #[serde(default)]
    pub secret_token: String,
}

impl Config {
    pub fn parse(path: &str, text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError::Invalid {
            path: path.to_string(),
            line: e
                .span()
                .map(|s| text[..s.start.min(text.len())].matches('\n').count() + 1)
                .unwrap_or(1),
            message: e.message().to_string(),
        })
    }
}

mod community;
mod dashboard;
mod load;

pub use community::{
    LearningConfig, ModerationConfig, WelcomeConfig, DEFAULT_SPAM_THRESHOLD,
    DEFAULT_SPAM_THRESHOLD_ZH,
};
pub use dashboard::DashboardConfig;

#[cfg(test)]
mod tests;
