//! The dialogue core: from a routed question to a grounded, cited reply — prompt rendering,
//! generation, the grounding guard, the extractive fallback and conversation memory.

pub mod answer;
pub mod guard;
mod memory;
mod prompt;

pub use answer::{answer, extractive, AnswerOutcome, Fallback};
pub use memory::{Memory, Turn};
pub use prompt::{PromptError, Prompts};

use serde::Serialize;

/// One numbered source of a reply, as in `herald ask --json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CitationOut {
    pub id: usize,
    pub source: String,
    pub fact: String,
}
