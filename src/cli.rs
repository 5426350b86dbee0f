//! The command line (the contract in DESIGN.md): `run`, `chat`, `ask`, `kb check`, `kb query`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, Subcommand};
use tokio::sync::watch;

use herald_console::{ConsoleAdapter, ConsoleOptions};
use herald_platform::{ChatRef, Incoming, Platform, PlatformKind};

use crate::bot::Bot;
use crate::config::{Config, LlmConfig};
use crate::data::open_data;
use crate::engine::{self, EngineOptions};
use crate::knowledge::{
    retrieve, KnowledgeError, KnowledgeStore, PackLoader, RetrieveOptions, SledKnowledge,
};
use crate::llm::{
    FallbackChain, LlamaBackend, LlamaOptions, LlmBackend, OpenAiBackend, OpenAiOptions,
};
use crate::platforms;
use crate::router::{route, IntentClassifier, Routed};

#[derive(Parser, Debug)]
#[command(
    name = "herald",
    version,
    about = "A community bot that answers from your knowledge files, with citations"
)]
pub struct Cli {
    /// Config file (default: ./config.toml when it exists, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Knowledge folder (overrides knowledge.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Data folder for sled (overrides data.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// GGUF model file (overrides llm.model).
    #[arg(long, global = true, value_name = "PATH")]
    pub model: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run every enabled adapter until SIGINT/SIGTERM.
    Run,
    /// Talk to the bot in the terminal (one reply per line when piped).
    Chat,
    /// One message in, one reply out.
    Ask {
        /// Print the reply as one JSON object.
        #[arg(long)]
        json: bool,
        /// The message.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Check and debug the knowledge folder.
    #[command(subcommand)]
    Kb(KbCommand),
    /// The period report from the engagement log: a text summary, and with --out its charts
    /// (PNG) and numbers (JSON).
    Report {
        /// The period: 7d, 30d, 90d.
        #[arg(long, default_value = "30d")]
        since: String,
        /// Write report.txt, report.json, activity.png and hours.png into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Print everything stored about one member as JSON (for a data request).
    ExportUser {
        /// telegram, discord or console.
        platform: String,
        /// The member's user id on that platform.
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum KbCommand {
    /// Validate a knowledge folder; exit 1 with `path:line: message` for every problem.
    Check {
        /// The folder (default: knowledge.dir).
        dir: Option<PathBuf>,
    },
    /// Push the knowledge folder into the graph database of `[neo4j]`: only changed files
    /// are rewritten, removed files' nodes are deleted, all in one transaction.
    Sync {
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The questions the bot could not answer, grouped by similarity, most asked first.
    Gaps {
        #[arg(long)]
        json: bool,
        /// How far back: 7d, 30d, 90d.
        #[arg(long, default_value = "30d")]
        since: String,
    },
    /// Show what the bot would link and retrieve for a question, with scores and sources.
    Query {
        #[arg(long)]
        json: bool,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
}

impl Cli {
    /// The config with the command line's overrides applied.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::load(self.config.as_deref())?;
        if let Some(k) = &self.knowledge {
            c.knowledge.dir = k.clone();
        }
        if let Some(d) = &self.data {
            c.data.dir = d.clone();
        }
        if let Some(m) = &self.model {
            c.llm.model = m.clone();
        }
        Ok(c)
    }
}

/// Run the parsed command; returns the process exit code.
pub async fn main(cli: Cli) -> anyhow::Result<i32> {
    let config = cli.config()?;
    match cli.command {
        Command::Kb(KbCommand::Check { dir }) => {
            Ok(kb_check(dir.as_deref().unwrap_or(&config.knowledge.dir)))
        }
        Command::Kb(KbCommand::Sync { json }) => kb_sync(&config, json).await,
        Command::Kb(KbCommand::Gaps { json, since }) => {
            let days = crate::posts::commands::period_days(&since).map_err(anyhow::Error::msg)?;
            let db = open_data(&config.data.dir)?;
            let log = crate::engagement::EngagementLog::open(&db, &config.engagement.member_key)?;
            let cutoff = crate::engagement::now_ms().saturating_sub(days * 86_400_000);
            let groups = crate::analytics::gap_groups_of(log.gaps_since(cutoff)?);
            if json {
                println!("{}", serde_json::to_string(&groups)?);
            } else {
                println!("{}", crate::analytics::gaps::render(&groups, 50));
            }
            Ok(0)
        }
        Command::Report { since, out } => report(&config, &since, out.as_deref()),
        Command::ExportUser { platform, user } => {
            let platform = match platform.as_str() {
                "telegram" => PlatformKind::Telegram,
                "discord" => PlatformKind::Discord,
                "console" => PlatformKind::Console,
                other => {
                    anyhow::bail!("unknown platform \"{other}\": use telegram, discord or console")
                }
            };
            // Only the data folder: an export needs neither the knowledge nor the model.
            let db = open_data(&config.data.dir)?;
            let log = crate::engagement::EngagementLog::open(&db, &config.engagement.member_key)?;
            let memory = crate::dialogue::Memory::open(&db, config.dialogue.memory_turns)?;
            let posts = crate::posts::PostStore::open(&db)?;
            let export = crate::privacy::export(&log, &memory, &posts, platform, &user);
            println!("{}", serde_json::to_string_pretty(&export)?);
            Ok(0)
        }
        Command::Kb(KbCommand::Query { json, text }) => kb_query(&config, &text.join(" "), json),
        Command::Ask { json, text } => ask(config, &text.join(" "), json).await,
        Command::Chat => {
            let bot = start(config.clone())?;
            let console: Arc<dyn Platform> = Arc::new(ConsoleAdapter::new(ConsoleOptions {
                show_sources: config.console.as_ref().is_some_and(|c| c.show_sources),
                interactive: None,
            }));
            let (_stop_tx, stop) = watch::channel(false);
            let opts = EngineOptions {
                stop_when_sources_end: true,
                ..engine_options(&config)
            };
            let stop = shutdown_on_signal(stop, _stop_tx);
            engine::run(bot, vec![console], opts, stop).await?;
            Ok(0)
        }
        Command::Run => {
            let (bot, db) = start_with_data(config.clone())?;
            let adapters = platforms::enabled(&config, &db)?;
            if adapters.is_empty() && config.http.is_none() {
                anyhow::bail!("no adapter is enabled: add a [console], [telegram], [discord] or [http] section to the config (see config.example.toml)");
            }
            let (stop_tx, stop) = watch::channel(false);
            let stop = shutdown_on_signal(stop, stop_tx);
            let server = match &config.http {
                Some(h) => Some(start_http(bot.clone(), h, adapters.clone(), stop.clone()).await?),
                None => None,
            };
            let retention = (config.engagement.retention_days > 0)
                .then(|| std::time::Duration::from_secs(config.engagement.retention_days * 86_400));
            tokio::spawn(crate::engagement::upkeep(
                bot.log().clone(),
                retention,
                stop.clone(),
            ));
            if !config.posts.report_target.is_empty() {
                tokio::spawn(crate::analytics::alerts::run(
                    bot.clone(),
                    adapters.clone(),
                    stop.clone(),
                ));
            }
            if !config.posts.targets.is_empty() {
                let posts = bot.posts();
                let scheduler = crate::posts::Scheduler::new(
                    posts.store().clone(),
                    bot.log().clone(),
                    posts.setup().clone(),
                    &adapters,
                );
                let every = std::time::Duration::from_millis(config.posts.tick_ms.max(50));
                tokio::spawn(scheduler.run(every, stop.clone()));
            }
            tracing::info!(
                adapters = adapters.len(),
                "herald is running; stop it with Ctrl-C or SIGTERM"
            );
            let result = engine::run(bot, adapters, engine_options(&config), stop).await;
            if let Some(server) = server {
                let _ = server.await;
            }
            tracing::info!("herald stopped");
            result?;
            Ok(0)
        }
    }
}

fn engine_options(config: &Config) -> EngineOptions {
    EngineOptions {
        concurrency: config.engine.concurrency,
        queue: config.engine.queue,
        stop_when_sources_end: false,
        reload_every: config
            .knowledge
            .reload
            .then(|| Duration::from_millis(config.knowledge.reload_interval_ms.max(50))),
        typing_after: Duration::from_millis(config.engine.typing_after_ms),
    }
}

/// Turn SIGINT/SIGTERM into the shutdown signal.
fn shutdown_on_signal(
    stop: watch::Receiver<bool>,
    tx: watch::Sender<bool>,
) -> watch::Receiver<bool> {
    tokio::spawn(async move {
        let ctrl_c = tokio::signal::ctrl_c();
        #[cfg(unix)]
        {
            let mut term =
                match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                    Ok(t) => t,
                    Err(e) => {
                        tracing::warn!(error = %e, "cannot listen for SIGTERM");
                        let _ = ctrl_c.await;
                        let _ = tx.send(true);
                        return;
                    }
                };
            tokio::select! {
                _ = ctrl_c => {}
                _ = term.recv() => {}
            }
        }
        #[cfg(not(unix))]
        let _ = ctrl_c.await;
        tracing::info!("shutting down");
        let _ = tx.send(true);
    });
    stop
}

/// `herald report`: only the data folder is needed.
fn report(config: &Config, since: &str, out: Option<&Path>) -> anyhow::Result<i32> {
    let days = crate::posts::commands::period_days(since).map_err(anyhow::Error::msg)?;
    let db = open_data(&config.data.dir)?;
    let log = crate::engagement::EngagementLog::open(&db, &config.engagement.member_key)?;
    // Posts as they went out; entity counts need the knowledge, which a report does not load.
    let posts = crate::posts::Posts::open(&db, &config.posts)?;
    let full = posts
        .full_report(
            &log,
            &crate::knowledge::Graph::default(),
            crate::engagement::now_ms(),
            days,
        )
        .map_err(anyhow::Error::msg)?;
    let text = full.text;
    println!("{text}");
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut files = vec![
            ("report.txt".to_string(), format!("{text}\n").into_bytes()),
            (
                "report.json".to_string(),
                serde_json::to_vec_pretty(&full.report)?,
            ),
        ];
        files.extend(full.charts.into_iter().map(|c| (c.name, c.png)));
        for (name, bytes) in files {
            let path = dir.join(&name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(0)
}

/// Open the data folder, load the knowledge and the model, build the bot.
pub fn start(config: Config) -> anyhow::Result<Arc<Bot>> {
    start_with_data(config).map(|(bot, _)| bot)
}

/// [`start`], also handing back the data folder (adapters keep their state in it).
pub fn start_with_data(config: Config) -> anyhow::Result<(Arc<Bot>, sled::Db)> {
    let db = open_data(&config.data.dir)?;
    let opened = match config.knowledge.backend.as_str() {
        "sled" => SledKnowledge::open(&db, config.knowledge.dir.clone())
            .map(|(s, r)| (Arc::new(s) as Arc<dyn KnowledgeStore>, r)),
        "neo4j" => {
            let n = config.neo4j.as_ref().context(
                "knowledge.backend = \"neo4j\" needs a [neo4j] section (uri, user, password or HERALD_NEO4J_PASSWORD)",
            )?;
            let opts = neo4j_options(n);
            let open = crate::knowledge::Neo4jKnowledge::open(
                &db,
                config.knowledge.dir.clone(),
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
    let llm = llm_backend(&config.llm)?;
    let bot = Bot::new(config, &db, store, llm).context("starting the bot")?;
    Ok((Arc::new(bot), db))
}

/// Bind and serve the HTTP API until `stop`. Refuses to serve without keys off loopback.
async fn start_http(
    bot: Arc<Bot>,
    h: &crate::config::HttpConfig,
    adapters: Vec<Arc<dyn herald_platform::Platform>>,
    stop: watch::Receiver<bool>,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let addr: std::net::SocketAddr = h.listen.parse().with_context(|| {
        format!(
            "http.listen {:?} is not an address like 127.0.0.1:8787",
            h.listen
        )
    })?;
    if h.keys.is_empty() && !addr.ip().is_loopback() {
        anyhow::bail!("http.listen {addr} is not loopback and http.keys is empty: set keys (or HERALD_HTTP_KEYS) before exposing the API");
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("cannot listen on {addr} (http.listen)"))?;
    let local = listener.local_addr()?;
    let app = crate::http::router(
        crate::http::HttpState::new(bot, h).with_adapters(adapters),
        h.max_body_bytes,
    );
    tracing::info!(%local, "HTTP API listening");
    Ok(tokio::spawn(async move {
        if let Err(e) = crate::http::serve(listener, app, stop).await {
            tracing::error!(error = %e, "HTTP API stopped");
        }
    }))
}

/// The model backend the config asks for (with its fallback).
pub fn llm_backend(c: &LlmConfig) -> anyhow::Result<Arc<dyn LlmBackend>> {
    let local = || -> anyhow::Result<Arc<dyn LlmBackend>> {
        Ok(Arc::new(LlamaBackend::load(LlamaOptions {
            model: c.model.clone(),
            threads: c.threads,
            context: c.context,
            temperature: c.temperature,
            prompt_cache: c.prompt_cache,
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

fn kb_check(dir: &Path) -> i32 {
    match PackLoader::default().load(dir) {
        Ok(pack) => {
            let s = pack.report.stats;
            println!(
                "{}: ok — {} files, {} entities, {} relations, {} passages, {} intents",
                dir.display(),
                s.files,
                s.entities,
                s.relations,
                s.passages,
                s.intents
            );
            0
        }
        Err(KnowledgeError::Invalid(problems)) => {
            for p in &problems {
                println!("{p}");
            }
            eprintln!("{}: {} problem(s)", dir.display(), problems.len());
            1
        }
        Err(e) => {
            eprintln!("error: {e}");
            1
        }
    }
}

fn neo4j_options(n: &crate::config::Neo4jConfig) -> crate::knowledge::Neo4jOptions {
    crate::knowledge::Neo4jOptions {
        uri: n.uri.clone(),
        user: n.user.clone(),
        password: n.password.clone(),
        database: n.database.clone(),
        pool_size: n.pool_size,
    }
}

async fn kb_sync(config: &Config, json: bool) -> anyhow::Result<i32> {
    let Some(n) = &config.neo4j else {
        anyhow::bail!("kb sync needs a [neo4j] section in the config (uri, user, password or HERALD_NEO4J_PASSWORD; see config.example.toml)");
    };
    let pack = match PackLoader::default().load(&config.knowledge.dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            eprintln!("nothing was synced: the graph database keeps its previous content");
            return Ok(1);
        }
    };
    let sync = crate::knowledge::Neo4jSync::connect(&neo4j_options(n)).await?;
    let started = std::time::Instant::now();
    // A progress line on a terminal only; pipes and logs get the summary alone.
    let tty = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let summary = sync
        .sync(&pack.files, |done, total| {
            if tty {
                eprint!("\rsyncing {done}/{total} files");
            }
        })
        .await?;
    if tty {
        eprintln!();
    }
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    if json {
        let mut v = serde_json::to_value(&summary)?;
        v["ms"] = serde_json::json!(ms);
        println!("{v}");
    } else {
        println!(
            "{}: {} created, {} updated, {} deleted, {} unchanged files ({} writes) in {:.0} ms",
            n.uri,
            summary.created,
            summary.updated,
            summary.deleted,
            summary.unchanged,
            summary.writes,
            ms
        );
    }
    Ok(0)
}

fn kb_query(config: &Config, text: &str, json: bool) -> anyhow::Result<i32> {
    let pack = match PackLoader::default().load(&config.knowledge.dir) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("{e}");
            return Ok(1);
        }
    };
    let g = &pack.graph;
    let opts = RetrieveOptions {
        max_facts: config.knowledge.max_facts,
        max_chars: config.knowledge.max_fact_chars,
        min_coverage: config.knowledge.min_coverage,
    };
    let started = std::time::Instant::now();
    let r = retrieve(g, text, &[], &opts);
    let ms = started.elapsed().as_secs_f64() * 1000.0;
    let classifier = IntentClassifier::train(&g.intents);
    let (intent, route_name, confidence) =
        match route(text, &classifier, config.router.threshold, &[]) {
            Routed::Command(c) => (Some(format!("{c:?}")), Some("command".to_string()), 1.0),
            Routed::Text {
                intent,
                route,
                confidence,
            } => (intent, route.map(|r| r.to_string()), confidence),
        };
    if json {
        let out = serde_json::json!({
            "intent": intent, "route": route_name, "confidence": confidence,
            "linked": r.linked, "facts": r.facts, "retrieve_ms": ms,
        });
        println!("{}", serde_json::to_string_pretty(&out)?);
        return Ok(0);
    }
    println!(
        "intent: {} (route {}, confidence {:.2})",
        intent.as_deref().unwrap_or("-"),
        route_name.as_deref().unwrap_or("-"),
        confidence
    );
    if r.linked.is_empty() {
        println!("linked: nothing");
    }
    for l in &r.linked {
        println!(
            "linked: {} [{}] via alias {:?}",
            l.name,
            l.id,
            l.alias.as_deref().unwrap_or("")
        );
    }
    if r.facts.is_empty() {
        println!("retrieved: nothing (the bot would say it does not know)");
    }
    for (i, f) in r.facts.iter().enumerate() {
        println!(
            "[{}] {:.3} {:<9} {}  ({})",
            i + 1,
            f.score,
            f.via,
            f.text,
            f.source
        );
    }
    println!("({ms:.3} ms)");
    Ok(0)
}

async fn ask(config: Config, text: &str, json: bool) -> anyhow::Result<i32> {
    let show_sources = config.console.as_ref().is_some_and(|c| c.show_sources);
    let bot = start(config)?;
    let msg = Incoming {
        chat: ChatRef {
            platform: PlatformKind::Console,
            chat: "ask".into(),
            private: true,
        },
        user: "cli".into(),
        message_id: "1".into(),
        text: text.to_string(),
        addressed: true,
        manager: true,
        reply_to: None,
    };
    let Some(reply) = bot.handle(&msg).await else {
        return Ok(0);
    };
    // One message in, one reply out: the next `ask` starts a fresh conversation.
    bot.forget_conversation(&msg);
    bot.log().flush()?;
    if json {
        println!("{}", serde_json::to_string(&reply)?);
    } else {
        println!("{}", reply.reply);
        if show_sources || !reply.citations.is_empty() {
            for c in &reply.citations {
                println!("  [{}] {}", c.id, c.source);
            }
        }
    }
    Ok(0)
}
