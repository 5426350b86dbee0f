//! The dialogue core: from a routed question to a grounded, cited reply — the answer's
//! plan, prompt rendering, constrained generation, the sentence guard, the templated
//! fallback in the member's language, and conversation memory.

pub mod answer;
mod asked;
mod cite;
mod claims;
mod compose;
mod error;
pub mod guard;
mod memory;
mod patterns;
mod plan;
mod polarity;
mod prompt;

pub use answer::{accept, answer, AnswerOutcome, Fallback};
pub use compose::{compose, sentences, AnswerTemplates};
pub use memory::{Memory, Turn};
pub use plan::plan;
pub use prompt::{PromptError, Prompts};

use serde::Serialize;

/// One numbered source of a reply, as in `herald ask --json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CitationOut {
    pub id: usize,
    pub source: String,
    pub fact: String,
}
