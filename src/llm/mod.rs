//! The language model behind the [`LlmBackend`] swap point. The default,
//! [`LlamaBackend`], runs a GGUF model in-process on its own thread, many requests batched
//! together; [`OpenAiBackend`] calls any OpenAI-compatible server; [`FallbackChain`] tries
//! several in order.

pub mod constraint;
mod llama;
mod openai;
mod stats;

pub use constraint::Constraint;
pub use llama::{cores, default_parallel, runtime as llama_runtime, LlamaBackend, LlamaOptions};
pub use openai::{FallbackChain, OpenAiBackend, OpenAiOptions};
pub use stats::BackendStats;

/// Model failures, as the dialogue core sees them.
#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error(
        "model file {path} is missing; run scripts/setup to fetch it (or set llm.model / --model)"
    )]
    ModelMissing { path: String },
    #[error("model file {path} could not be loaded ({reason}); it may be corrupt: delete it and run scripts/setup")]
    ModelLoad { path: String, reason: String },
    #[error("the prompt and its reply need {tokens} tokens but the context holds {context} per request ([llm] context)")]
    PromptTooLong { tokens: usize, context: u32 },
    #[error("generation failed: {0}")]
    Generate(String),
    #[error("the model worker has stopped")]
    WorkerGone,
    #[error("the model server is unavailable: {0}")]
    Unavailable(String),
    /// Every backend of a [`FallbackChain`] failed: (backend, reason) in the order tried.
    #[error("every model backend failed: {}", .0.iter().map(|(b, e)| format!("{b}: {e}")).collect::<Vec<_>>().join("; "))]
    Exhausted(Vec<(String, String)>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
    Assistant,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::System => "system",
            Role::User => "user",
            Role::Assistant => "assistant",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChatMessage {
    pub role: Role,
    pub content: String,
}

impl ChatMessage {
    pub fn new(role: Role, content: impl Into<String>) -> ChatMessage {
        ChatMessage {
            role,
            content: content.into(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct GenerateRequest {
    pub messages: Vec<ChatMessage>,
    pub max_tokens: u32,
    /// What the reply may write, enforced while decoding where the backend can (the local
    /// model); a remote server cannot be constrained, so the guard checks afterwards.
    pub constraint: Option<Constraint>,
    /// The fixed head of the first message (instructions that do not depend on the
    /// question): the local backend keeps its evaluated state on disk for later requests
    /// and processes. Empty: nothing worth keeping.
    pub cache_prefix: String,
    /// Whose request this is (a conversation's key): a backend that queues takes waiting
    /// requests of different conversations in turn, so a busy one cannot hold up the rest.
    /// Empty: a conversation of its own.
    pub conversation: String,
}

/// A finished generation with its costs.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Generation {
    pub text: String,
    pub prompt_tokens: usize,
    /// Prompt tokens whose KV cache was reused from the previous request.
    pub cached_tokens: usize,
    pub generated_tokens: usize,
    /// Prompt processing up to the first generated token.
    pub first_token_ms: f64,
    pub total_ms: f64,
    /// The backend that produced it (its [`LlmBackend::name`]).
    pub backend: String,
    /// Backends of a chain that failed before this one answered, in the order tried.
    pub failed: Vec<String>,
}

#[async_trait::async_trait]
pub trait LlmBackend: Send + Sync {
    /// A name for logs and `/v1/models`.
    fn name(&self) -> &str;

    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError>;

    /// Queue and batch figures, for a backend that serves many requests at once.
    fn stats(&self) -> Option<std::sync::Arc<BackendStats>> {
        None
    }
}
