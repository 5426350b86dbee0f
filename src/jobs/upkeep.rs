//! The engagement log's upkeep: new events folded into the rollups every minute, events
//! tickets and moderation entries past retention deleted hourly.

use std::time::Duration;

use tokio::sync::watch;

use crate::clock::now_ms;
use crate::engagement::EngagementLog;
use crate::moderation::AuditLog;
use crate::team::TicketStore;

/// How often `herald run` folds new events: a report or `/gaps` then folds at most this
/// much in the handler that asked.
const FOLD_EVERY: Duration = Duration::from_secs(60);
/// Retention runs every this many folds (hourly).
const PURGE_EVERY_FOLDS: u32 = 60;

/// The log's upkeep under `herald run`, now and until shutdown: every minute fold new events
/// into the rollups (so a report, `/gaps` or `/recommend` has little left to do) and, with
/// a retention, hourly delete events older than it. Off the async workers: both read and
/// write sled.
pub async fn run(
    log: EngagementLog,
    tickets: TicketStore,
    audit: AuditLog,
    askers: crate::learning::Askers,
    spam: Option<crate::moderation::SpamFilter>,
    retention: Option<Duration>,
    mut shutdown: watch::Receiver<bool>,
) {
    for round in 0u32.. {
        let log = log.clone();
        let tickets = tickets.clone();
        let audit = audit.clone();
        let askers = askers.clone();
        let spam = spam.clone();
        let purge = retention.filter(|_| round.is_multiple_of(PURGE_EVERY_FOLDS));
        let done = tokio::task::spawn_blocking(move || {
            if let Some(keep) = purge {
                let cutoff = now_ms().saturating_sub(keep.as_millis() as u64);
                match log.purge_before(cutoff) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "events past retention deleted"),
                    Err(e) => tracing::error!(error = %crate::text::chain(&e), "retention: could not delete old events"),
                }
                if let Err(e) = askers.purge_before(cutoff) {
                    tracing::error!(error = %e, "retention: could not delete old waiting questions");
                }
                // The team's spam samples are members' messages too.
                match spam.as_ref().map(|s| s.forget_before(cutoff)) {
                    Some(Ok(n)) if n > 0 => {
                        tracing::info!(deleted = n, "spam samples past retention deleted")
                    }
                    Some(Err(e)) => {
                        tracing::error!(error = %e, "retention: could not delete old spam samples")
                    }
                    _ => {}
                }
                match tickets.purge_before(cutoff) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "tickets past retention deleted"),
                    Err(e) => tracing::error!(error = %crate::text::chain(&e), "retention: could not delete old tickets"),
                }
            }
            // Mutes that are over no longer need the member's id; entries past retention go.
            let cutoff = purge.map_or(0, |keep| now_ms().saturating_sub(keep.as_millis() as u64));
            match audit.upkeep(cutoff, now_ms()) {
                Ok(0) => {}
                Ok(n) => tracing::info!(deleted = n, "moderation entries past retention deleted"),
                Err(e) => tracing::error!(error = %crate::text::chain(&e), "moderation audit upkeep failed"),
            }
            // Retention folds first; without it, this is the fold.
            match log.catch_up() {
                Ok(0) => {}
                Ok(n) => tracing::debug!(folded = n, "events folded into the rollups"),
                Err(e) => tracing::error!(error = %crate::text::chain(&e), "rollups: new events not folded"),
            }
        })
        .await;
        if let Err(e) = done {
            tracing::error!(error = %crate::text::chain(&e), "engagement log upkeep failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLD_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
