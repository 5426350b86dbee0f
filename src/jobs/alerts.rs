//! The daily alerts: once a day the last complete day is checked against the weekly model
//! ([`crate::analytics::alerts::check`]) and what is unusual goes to the managers.

use std::time::Duration;

use chrono_tz::Tz;
use tokio::sync::watch;

use crate::analytics::alerts::{check, history_start};
use crate::clock::{local_date, now_ms};
use crate::engagement::EngagementLog;
use crate::posts::{PostStore, Scheduler};

/// The data-folder key of the local day last checked, so a restart does not repeat it.
const CHECKED_DAY: &str = "alerts_day";

/// Check once a day (looked at hourly) and tell the managers through `reporter` (the posts'
/// report target) until shutdown.
pub async fn run(
    posts: PostStore,
    log: EngagementLog,
    reporter: Scheduler,
    tz: Tz,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        let now = now_ms();
        let today = local_date(now, tz);
        if posts.meta(CHECKED_DAY).as_deref() != Some(today.as_str()) {
            let log = log.clone();
            let alerts = tokio::task::spawn_blocking(move || {
                log.rollup(history_start(now), now)
                    .map(|r| check(&r, now, tz))
            })
            .await;
            let alerts = match alerts {
                Ok(Ok(alerts)) => alerts,
                Ok(Err(e)) => {
                    tracing::error!(error = %crate::text::chain(&e), "alerts: the rollups could not be read");
                    Vec::new()
                }
                Err(e) => {
                    tracing::error!(error = %crate::text::chain(&e), "alerts: the check failed");
                    Vec::new()
                }
            };
            reporter.report(&alerts).await;
            if let Err(e) = posts.set_meta(CHECKED_DAY, &today) {
                tracing::error!(error = %crate::text::chain(&e), "could not remember the alert check");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
