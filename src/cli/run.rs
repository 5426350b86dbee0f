//! `herald run`: every enabled adapter, the HTTP server and the jobs, until SIGINT/SIGTERM.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use tokio::sync::watch;

use herald_platform::Platform;

use crate::app::{platforms, App};
use crate::clock::days_ms;
use crate::config::{Config, HttpConfig};
use crate::dashboard::{self, DashboardError, DashboardState};
use crate::engine::{self, EngineOptions};
use crate::http::{self, HttpState};
use crate::jobs;
use crate::posts::Scheduler;

pub(super) async fn run(config: Config) -> anyhow::Result<i32> {
    // Signals first: a service manager may stop herald while the model is still loading.
    let (stop_all, mut stop) = shutdown_on_signal();
    if !any_adapter(&config) {
        anyhow::bail!("no adapter is enabled: add a [console], [telegram], [discord] or [http] section to the config (see config.example.toml)");
    }
    let Some(app) = start_unless_stopped(&config, &mut stop).await? else {
        return Ok(0);
    };
    let adapters = platforms::enabled(&config, &app.db)?;
    let control = super::control::serve(&config.data.dir, admin_stores(&app), stop.clone()).await?;
    let server = match &config.http {
        Some(h) => Some(start_http(&app, &config, h, adapters.clone(), stop.clone()).await?),
        None => None,
    };
    spawn_jobs(&config, &app, &adapters, &stop);
    warn_if_no_team(&config, &adapters);
    tracing::info!(
        adapters = adapters.len(),
        "herald is running; stop it with Ctrl-C or SIGTERM"
    );
    let result = engine::run(
        app.bot.clone(),
        app.log.clone(),
        adapters,
        engine_options(&config),
        stop,
    )
    .await;
    // The engine also ends when an adapter cannot work (a refused token): stop the rest.
    let _ = stop_all.send(true);
    if let Some(server) = server {
        let _ = server.await;
    }
    let _ = control.await;
    tracing::info!("herald stopped");
    result?;
    Ok(0)
}

/// The loops beside the engine: upkeep and reload always, alerts and the scheduler when
/// the config gives them somewhere to send.
fn spawn_jobs(
    config: &Config,
    app: &App,
    adapters: &[Arc<dyn Platform>],
    stop: &watch::Receiver<bool>,
) {
    let retention = (config.engagement.retention_days > 0)
        .then(|| Duration::from_millis(days_ms(config.engagement.retention_days)));
    tokio::spawn(jobs::upkeep::run(
        app.log.clone(),
        app.tickets.clone(),
        app.audit.clone(),
        app.askers.clone(),
        app.moderator.as_ref().map(|m| m.spam_filter().clone()),
        retention,
        stop.clone(),
    ));
    spawn_reload(config, app, stop);
    let scheduler = || {
        Scheduler::new(
            app.posts.clone(),
            app.log.clone(),
            app.posts_setup.clone(),
            adapters,
        )
    };
    if !config.posts.report_target.is_empty() {
        tokio::spawn(jobs::alerts::run(
            app.posts.clone(),
            app.log.clone(),
            scheduler(),
            app.posts_setup.tz,
            stop.clone(),
        ));
    }
    if !config.posts.targets.is_empty() {
        let every = Duration::from_millis(config.posts.tick_ms.max(50));
        tokio::spawn(jobs::publish::run(scheduler(), every, stop.clone()));
    }
}

/// Whether the config enables anything to serve (checked before the model loads).
fn any_adapter(config: &Config) -> bool {
    config.console.is_some()
        || config.telegram.as_ref().is_some_and(|t| t.enabled)
        || config.discord.as_ref().is_some_and(|d| d.enabled)
        || config.http.is_some()
}

/// What the control socket's admin commands use: the running process's own stores, and
/// the graph it serves.
fn admin_stores(app: &App) -> super::admin::AdminStores {
    super::admin::AdminStores {
        log: app.log.clone(),
        posts: app.posts.clone(),
        setup: app.posts_setup.clone(),
        memory: app.memory.clone(),
        tickets: app.tickets.clone(),
        audit: app.audit.clone(),
        askers: app.askers.clone(),
        knowledge: Some(app.knowledge.clone()),
    }
}

/// Hand-offs and complaints need a managers' chat on a running platform to reach anyone.
fn warn_if_no_team(config: &Config, adapters: &[Arc<dyn Platform>]) {
    match crate::app::team_chat(config) {
        None => tracing::warn!(
            "no [posts] report_target: hand-offs and complaints are logged but reach no one, and members are told to use the support contact instead; set report_target to a [posts.targets] entry for the managers' chat"
        ),
        Some(team) if !adapters.iter().any(|a| a.kind() == team.platform) => tracing::warn!(
            platform = %team.platform,
            "the managers' chat ([posts] report_target) is on a platform that is not enabled: tickets cannot be delivered"
        ),
        Some(_) => {}
    }
}

/// Watch the knowledge folder when `[knowledge] reload` is on (`herald run` and `chat`).
pub(super) fn spawn_reload(config: &Config, app: &App, stop: &watch::Receiver<bool>) {
    if config.knowledge.reload {
        let every = Duration::from_millis(config.knowledge.reload_interval_ms.max(50));
        tokio::spawn(jobs::reload::watch(
            app.knowledge.clone(),
            config.knowledge.dir.clone(),
            every,
            stop.clone(),
        ));
    }
}

pub(super) fn engine_options(config: &Config) -> EngineOptions {
    EngineOptions {
        concurrency: config.engine.concurrency,
        queue: config.engine.queue,
        stop_when_sources_end: false,
        typing_after: Duration::from_millis(config.engine.typing_after_ms),
    }
}

/// The shutdown signal: true once SIGINT or SIGTERM arrives. The handlers are installed
/// before this returns, so a signal at any later instant (even while the model loads) stops
/// herald cleanly instead of killing it.
pub(super) fn shutdown_on_signal() -> (watch::Sender<bool>, watch::Receiver<bool>) {
    let (tx, rx) = watch::channel(false);
    let signalled = tx.clone();
    #[cfg(unix)]
    let signals = {
        use tokio::signal::unix::{signal, SignalKind};
        (
            signal(SignalKind::interrupt()),
            signal(SignalKind::terminate()),
        )
    };
    tokio::spawn(async move {
        #[cfg(unix)]
        match signals {
            (Ok(mut int), Ok(mut term)) => {
                tokio::select! {
                    _ = int.recv() => {}
                    _ = term.recv() => {}
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %crate::text::chain(&e), "cannot listen for SIGINT/SIGTERM; only Ctrl-C stops herald");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
        tracing::info!("shutting down");
        let _ = signalled.send(true);
    });
    (tx, rx)
}

/// Load the knowledge and the model off the async workers, unless a stop comes first (then
/// `None`: nothing is served).
///
/// A stop during the load still waits for the load to end before returning: leaving the
/// process while llama.cpp is mid-load runs its exit handlers under the loading thread,
/// which can crash the exit (CI saw a stop during the load end in a failed status).
pub(super) async fn start_unless_stopped(
    config: &Config,
    stop: &mut watch::Receiver<bool>,
) -> anyhow::Result<Option<App>> {
    tracing::info!("herald is starting: loading the knowledge and the model");
    let owned = config.clone();
    let mut load = tokio::task::spawn_blocking(move || App::start(&owned));
    tokio::select! {
        app = &mut load => Ok(Some(app.context("loading stopped unexpectedly")??)),
        _ = stop.wait_for(|s| *s) => {
            tracing::info!("stopping once the model has finished loading");
            // Whatever the load ends in, nothing is served: a load error is only logged.
            match load.await {
                Ok(Ok(app)) => drop(app),
                Ok(Err(e)) => tracing::warn!(error = %format!("{e:#}"), "loading failed while stopping"),
                Err(e) => tracing::warn!(error = %e, "loading stopped unexpectedly"),
            }
            tracing::info!("herald stopped before it was ready");
            Ok(None)
        }
    }
}

/// Bind and serve the HTTP API until `stop`. Refuses to serve without keys off loopback.
async fn start_http(
    app: &App,
    config: &Config,
    h: &HttpConfig,
    adapters: Vec<Arc<dyn Platform>>,
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
    let mut router = http::router(
        HttpState::new(app.http_parts(), h).with_adapters(adapters.clone()),
        h.max_body_bytes,
    );
    if config.dashboard.enabled {
        // Without a key nobody could log in: say how to add one, and serve the API alone.
        match DashboardState::new(
            app.dashboard_parts(config, adapters),
            crate::app::dashboard_options(config),
        ) {
            Ok(state) => {
                router = dashboard::router(state).merge(router);
                tracing::info!(url = %format!("http://{local}/dashboard"), "dashboard served");
            }
            Err(DashboardError::NoKeys) => {
                tracing::warn!("{}; /dashboard is not served", DashboardError::NoKeys)
            }
            Err(e) => return Err(e.into()),
        }
    }
    tracing::info!(%local, "HTTP API listening");
    Ok(tokio::spawn(async move {
        if let Err(e) = http::serve(listener, router, stop).await {
            tracing::error!(error = %crate::text::chain(&e), "HTTP API stopped");
        }
    }))
}
