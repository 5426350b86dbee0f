//! `herald chat`: the bot in the terminal (one reply per line when piped).

use std::sync::Arc;

use herald_console::{ConsoleAdapter, ConsoleOptions};
use herald_platform::Platform;

use crate::config::Config;
use crate::engine::{self, EngineOptions};

use super::run::{engine_options, shutdown_on_signal, spawn_reload, start_unless_stopped};

pub(super) async fn chat(config: Config) -> anyhow::Result<i32> {
    let (_stop_all, mut stop) = shutdown_on_signal();
    let Some(app) = start_unless_stopped(&config, &mut stop).await? else {
        return Ok(0);
    };
    let console: Arc<dyn Platform> = Arc::new(ConsoleAdapter::new(ConsoleOptions {
        show_sources: config.console.as_ref().is_some_and(|c| c.show_sources),
        interactive: None,
    }));
    spawn_reload(&config, &app, &stop);
    let opts = EngineOptions {
        stop_when_sources_end: true,
        ..engine_options(&config)
    };
    engine::run(app.bot.clone(), app.log.clone(), vec![console], opts, stop).await?;
    Ok(0)
}
