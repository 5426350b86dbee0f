//! The scheduler loop: publish what is due, report problems to the managers.

use std::time::Duration;

use chrono::Utc;
use tokio::sync::watch;

use crate::posts::Scheduler;

/// Tick every `every` until shutdown; the first tick runs at once, so start-up reconciles
/// interrupted sends before anything new goes out.
pub async fn run(scheduler: Scheduler, every: Duration, mut shutdown: watch::Receiver<bool>) {
    loop {
        match scheduler.tick(Utc::now()).await {
            Ok(report) => scheduler.report(&report.problems).await,
            Err(e) => tracing::error!(error = %crate::text::chain(&e), "scheduler tick failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
