//! The knowledge graph: format v1 files parsed and validated into a serving [`Graph`],
//! stored behind the [`KnowledgeStore`] swap point, linked and retrieved for questions.

mod asker;
mod candidate;
mod choose;
mod error;
mod graph;
mod key_hint;
mod lexical;
mod link;
mod load;
mod model;
mod named;
mod naming;
mod neo4j_store;
mod neo4j_sync;
mod owners;
mod parse;
mod question_text;
mod retrieve;
mod score;
mod segment;
mod sled_store;
mod store;
mod value;
mod wants;
mod words;

pub use error::KnowledgeError;
pub use graph::{Fact, FactKind, Graph, PackStats};
pub use lexical::Hit;
pub use link::{Link, Linker};
pub use load::{fingerprint, knowledge_files, LoadReport, LoadedPack, PackLoader};
pub use model::{
    Attr, AttributeWords, Entity, FileKnowledge, Intent, Passage, Problem, Relation, Route, Source,
};
pub use neo4j_store::Neo4jKnowledge;
pub use neo4j_sync::{cypher_name, quoted_name, Neo4jOptions, Neo4jSync, SyncSummary};
pub use parse::parse_file;
pub use retrieve::{
    retrieve, retrieve_with, subjects, LinkedEntity, Retrieval, RetrieveOptions, ScoredFact,
};
pub use score::Fit;
pub use segment::Segment;
pub use sled_store::{PackFiles, SledKnowledge};
pub use store::KnowledgeStore;
pub use value::{type_value, unit_after, unit_type, Typed, ValueType};
pub use wants::{wanted, Asked, Want};
pub use words::{closeness, terms_of, Term};

#[cfg(test)]
mod tests;
