//! What can go wrong loading the prompt folder: a template that does not parse or render,
//! named by its file (and key).

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("prompt template {path}: {message}")]
    Template { path: String, message: String },
}
