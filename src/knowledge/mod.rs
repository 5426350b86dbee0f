//! The knowledge graph: format v1 files parsed and validated into a serving [`Graph`],
//! stored behind the [`KnowledgeStore`] swap point, linked and retrieved for questions.

mod graph;
mod lexical;
mod link;
mod load;
mod model;
mod neo4j_store;
mod neo4j_sync;
mod parse;
mod retrieve;
mod segment;
mod sled_store;
pub mod text;

pub use graph::{Fact, FactKind, Graph, PackStats};
pub use lexical::Hit;
pub use link::{Link, Linker};
pub use load::{fingerprint, knowledge_files, LoadReport, LoadedPack, PackLoader};
pub use model::{Attr, Entity, FileKnowledge, Intent, Passage, Problem, Relation, Route, Source};
pub use neo4j_store::Neo4jKnowledge;
pub use neo4j_sync::{cypher_name, Neo4jOptions, Neo4jSync, SyncSummary};
pub use parse::parse_file;
pub use retrieve::{
    retrieve, retrieve_with, subjects, LinkedEntity, Retrieval, RetrieveOptions, ScoredFact,
};
pub use segment::Segment;
pub use sled_store::{PackFiles, SledKnowledge};

use std::sync::Arc;

/// Everything that can go wrong with knowledge.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    #[error("knowledge folder {path}: {source}")]
    Folder {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{}", render_problems(.0))]
    Invalid(Vec<Problem>),
    #[error("knowledge storage: {0}")]
    Storage(String),
}

fn render_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Where the serving graph lives. The embedded [`SledKnowledge`] is the default.
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

#[cfg(test)]
mod tests;
