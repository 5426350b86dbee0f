//! Hot reload: the knowledge folder is watched and reloaded when its files change; a bad
//! edit is reported with `path:line` and the graph being served stays as it was.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tokio::sync::watch;

use crate::knowledge::{fingerprint, KnowledgeError, KnowledgeStore};

/// Reload `store` from `dir` when the folder's files change, checking every `every`, until
/// shutdown. The folder's state is taken when this is called, so an edit made right after
/// is seen.
pub fn watch(
    store: Arc<dyn KnowledgeStore>,
    dir: PathBuf,
    every: Duration,
    shutdown: watch::Receiver<bool>,
) -> impl std::future::Future<Output = ()> {
    let last = fingerprint(&dir);
    watch_loop(store, dir, last, every, shutdown)
}

async fn watch_loop(
    store: Arc<dyn KnowledgeStore>,
    dir: PathBuf,
    mut last: Vec<(PathBuf, u64, Option<SystemTime>)>,
    every: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
        let now = fingerprint(&dir);
        if now == last {
            continue;
        }
        last = now;
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.reload()).await {
            Ok(Ok(report)) => tracing::info!(
                entities = report.stats.entities,
                passages = report.stats.passages,
                parsed = report.parsed,
                ms = report.millis,
                "knowledge reloaded"
            ),
            Ok(Err(KnowledgeError::Invalid(problems))) => {
                for p in &problems {
                    tracing::warn!("{p}");
                }
                tracing::warn!(
                    problems = problems.len(),
                    "knowledge edit rejected; still serving the previous graph"
                );
            }
            Ok(Err(e)) => {
                tracing::warn!(error = %crate::text::chain(&e), "knowledge reload failed; still serving the previous graph")
            }
            Err(e) => tracing::error!(error = %crate::text::chain(&e), "knowledge reload panicked"),
        }
    }
}
