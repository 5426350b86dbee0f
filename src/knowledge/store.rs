//! The [`KnowledgeStore`] swap point: where the serving graph lives.

use std::sync::Arc;

use super::error::KnowledgeError;
use super::graph::Graph;
use super::load::LoadReport;
use super::retrieve::{retrieve, Retrieval, RetrieveOptions};

/// Where the serving graph lives. The embedded [`super::SledKnowledge`] is the default.
pub trait KnowledgeStore: Send + Sync {
    /// The graph being served now (a cheap handle; a reload swaps in a new one).
    fn snapshot(&self) -> Arc<Graph>;

    /// Re-read the knowledge folder. On error the serving graph stays as it was.
    fn reload(&self) -> Result<LoadReport, KnowledgeError>;

    /// Facts for a question, ranked and budgeted.
    fn retrieve(
        &self,
        question: &str,
        context: &[String],
        opts: &RetrieveOptions,
    ) -> Result<Retrieval, KnowledgeError> {
        Ok(retrieve(&self.snapshot(), question, context, opts))
    }

    /// Retrievals served from a local copy because the store's database failed (`/metrics`).
    fn fallbacks(&self) -> u64 {
        0
    }
}
