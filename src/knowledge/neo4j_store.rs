//! The knowledge graph in a Bolt graph database, with a local copy to fall back on.
//!
//! The folder is loaded into the embedded store as usual (that is the "last synced local
//! copy", persisted in sled) and mirrored into the database by [`Neo4jSync`] on start and on
//! every reload. Linking and scoring run on the local copy; the neighbourhood of the linked
//! entities comes from the database with one parameterised Cypher query. When the database
//! is unreachable or slower than the deadline, the neighbourhood comes from the local copy
//! instead, the miss is counted, and a failed sync is tried again on the next reload — so
//! members keep getting the same answers while the database is away.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use tokio::runtime::{Handle, RuntimeFlavor};

use super::error::KnowledgeError;
use super::graph::Graph;
use super::load::LoadReport;
use super::neo4j_sync::{Neo4jOptions, Neo4jSync, SyncSummary};
use super::retrieve::{retrieve, retrieve_with, subjects, Retrieval, RetrieveOptions};
use super::sled_store::{PackFiles, SledKnowledge};
use super::store::KnowledgeStore;

/// The store; cheap to share (the retry task holds a weak handle to the same state).
pub struct Neo4jKnowledge {
    inner: Arc<Inner>,
}

struct Inner {
    local: SledKnowledge,
    db: Neo4jSync,
    /// Each database call's deadline.
    timeout: Duration,
    /// For calls made outside any runtime (e.g. from a plain thread).
    runtime: Handle,
    fallbacks: AtomicU64,
    /// The last call to the database worked.
    reachable: AtomicBool,
    /// The last sync failed: the retry task tries again.
    pending: AtomicBool,
}

impl Neo4jKnowledge {
    /// Load `dir` into the local store on `db` and mirror it into the graph database. An
    /// unreachable database is not an error: it is synced on a later reload.
    pub async fn open(
        db: &sled::Db,
        dir: std::path::PathBuf,
        opts: &Neo4jOptions,
        timeout: Duration,
        retry_every: Duration,
    ) -> Result<(Neo4jKnowledge, LoadReport), KnowledgeError> {
        let (local, report) = SledKnowledge::open(db, dir)?;
        let inner = Arc::new(Inner {
            local,
            db: Neo4jSync::lazy(opts).await?,
            timeout,
            runtime: Handle::current(),
            fallbacks: AtomicU64::new(0),
            reachable: AtomicBool::new(false),
            pending: AtomicBool::new(false),
        });
        let (_, files) = inner.local.reload_files()?;
        inner.push(&files).await;
        tokio::spawn(retry_syncs(Arc::downgrade(&inner), retry_every));
        Ok((Neo4jKnowledge { inner }, report))
    }

    /// Retrievals whose neighbourhood came from the local copy because the database failed.
    pub fn fallbacks(&self) -> u64 {
        self.inner.fallbacks.load(Ordering::Relaxed)
    }

    /// The last call to the database worked.
    pub fn reachable(&self) -> bool {
        self.inner.reachable.load(Ordering::Relaxed)
    }

    /// The last sync failed and waits for the database to come back.
    pub fn sync_pending(&self) -> bool {
        self.inner.pending.load(Ordering::Relaxed)
    }
}

/// While the store lives: when a sync failed, try again every `every`, so a database that
/// comes back is brought up to date without waiting for a file to change.
async fn retry_syncs(inner: std::sync::Weak<Inner>, every: Duration) {
    loop {
        tokio::time::sleep(every).await;
        let Some(inner) = inner.upgrade() else { return };
        if !inner.pending.load(Ordering::Relaxed) {
            continue;
        }
        let local = inner.clone();
        let files = match tokio::task::spawn_blocking(move || local.local.reload_files()).await {
            Ok(Ok((_, files))) => files,
            _ => continue,
        };
        inner.push(&files).await;
    }
}

impl Inner {
    /// Mirror `files` into the database; failures are logged and left for the next reload.
    async fn push(&self, files: &PackFiles) -> Option<SyncSummary> {
        match tokio::time::timeout(self.timeout * 10, self.db.sync(files, |_, _| {})).await {
            Ok(Ok(summary)) => {
                self.reachable.store(true, Ordering::Relaxed);
                self.pending.store(false, Ordering::Relaxed);
                if summary.writes > 0 {
                    tracing::info!(
                        created = summary.created,
                        updated = summary.updated,
                        deleted = summary.deleted,
                        "knowledge synced to the graph database"
                    );
                }
                Some(summary)
            }
            Ok(Err(e)) => {
                self.reachable.store(false, Ordering::Relaxed);
                self.pending.store(true, Ordering::Relaxed);
                tracing::warn!(error = %crate::text::chain(&e), "graph database sync failed; serving the local copy, will retry on the next reload");
                None
            }
            Err(_) => {
                self.reachable.store(false, Ordering::Relaxed);
                self.pending.store(true, Ordering::Relaxed);
                tracing::warn!("graph database sync timed out; serving the local copy, will retry on the next reload");
                None
            }
        }
    }

    /// Run `f` to completion from synchronous code: on the runtime's own thread via
    /// `block_in_place`, or on the stored runtime from a plain thread. `None` on a
    /// current-thread runtime, which cannot block.
    fn block<F: std::future::Future>(&self, f: F) -> Option<F::Output> {
        match Handle::try_current() {
            Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => {
                Some(tokio::task::block_in_place(|| h.block_on(f)))
            }
            Ok(_) => None,
            Err(_) => Some(self.runtime.block_on(f)),
        }
    }
}

impl KnowledgeStore for Neo4jKnowledge {
    fn snapshot(&self) -> Arc<Graph> {
        self.inner.local.snapshot()
    }

    fn reload(&self) -> Result<LoadReport, KnowledgeError> {
        let this = &self.inner;
        let (report, files) = this.local.reload_files()?;
        // The sync compares content hashes, so an unchanged folder costs one query; a sync
        // that failed before is completed here.
        let _ = this.block(this.push(&files));
        Ok(report)
    }

    fn fallbacks(&self) -> u64 {
        Neo4jKnowledge::fallbacks(self)
    }

    fn retrieve(
        &self,
        question: &str,
        context: &[String],
        opts: &RetrieveOptions,
    ) -> Result<Retrieval, KnowledgeError> {
        let this = &self.inner;
        let g = this.local.snapshot();
        let ids = subjects(&g, question, context);
        if ids.is_empty() {
            // Nothing to expand: passages and summaries are searched locally either way.
            return Ok(retrieve(&g, question, context, opts));
        }
        let asked = this
            .block(async { tokio::time::timeout(this.timeout, this.db.neighbours(&ids)).await });
        match asked {
            Some(Ok(Ok(near))) => {
                this.reachable.store(true, Ordering::Relaxed);
                Ok(retrieve_with(&g, question, context, opts, &|id| {
                    near.get(id).cloned().unwrap_or_default()
                }))
            }
            other => {
                let why = match other {
                    Some(Ok(Err(e))) => e.to_string(),
                    Some(Err(_)) => format!("no answer within {} ms", this.timeout.as_millis()),
                    _ => "cannot block on this runtime".into(),
                };
                if this.reachable.swap(false, Ordering::Relaxed) {
                    tracing::warn!(error = %why, "graph database unavailable; answering from the local copy");
                }
                this.fallbacks.fetch_add(1, Ordering::Relaxed);
                Ok(retrieve(&g, question, context, opts))
            }
        }
    }
}
