//! Everything that can go wrong with knowledge: the folder, its files, the stores.

use super::model::Problem;

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
    #[error("knowledge storage: the data folder could not be read or written")]
    Storage(#[from] sled::Error),
    #[error("knowledge storage: a parsed file could not be encoded")]
    Encode(#[from] serde_json::Error),
    /// The graph database failed while `doing` something.
    #[error("graph database: {doing}")]
    GraphDb {
        doing: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The graph database cannot take the pack as it is, or does not answer.
    #[error("graph database: {0}")]
    Graph(String),
}

fn render_problems(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(|p| p.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}
