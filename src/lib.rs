//! herald: a community bot for Discord and Telegram that answers members from a knowledge
//! graph kept as plain files, with citations, and never invents what it says.
//!
//! # Layout
//!
//! - [`knowledge`]: knowledge files (format v1) parsed, validated and indexed into a
//!   [`knowledge::Graph`]; entity linking, lexical search and retrieval; the
//!   [`knowledge::KnowledgeStore`] swap point with the embedded [`knowledge::SledKnowledge`].
//! - [`router`]: commands and the intent classifier.
//! - [`llm`]: the [`llm::LlmBackend`] swap point and the in-process [`llm::LlamaBackend`].
//! - [`dialogue`]: prompts, the grounding guard, the extractive fallback, memory.
//! - [`bot`]: one message in, one reply out, logged — the business logic.
//! - [`engine`]: adapters in, replies out, conversations in order, hot reload.
//! - [`engagement`]: the event log every later analysis reads.
//! - [`posts`]: drafts by the model ranked by a judge trained on engagement, approval, and a
//!   scheduler that publishes each post exactly once per target and slot.
//! - [`analytics`]: knowledge gaps, best times to post, forecasts and anomalies from the log.
//! - [`privacy`]: scrubbing, `/forgetme`, `herald export-user`, retention.
//! - [`http`]: the OpenAI-compatible API and health endpoints (axum); [`metrics`] for `/metrics`.
//! - [`config`], [`data`], [`cli`]: the edges; [`platforms`] builds the enabled adapters.
//!
//! Platform adapters live in their own crates under `adapters/` and know only
//! `herald-platform`; this crate uses their options structs and knows no platform SDK.

pub mod analytics;
pub mod bot;
pub mod cli;
pub mod config;
pub mod data;
pub mod dialogue;
pub mod engagement;
pub mod engine;
pub mod http;
pub mod knowledge;
pub mod llm;
pub mod metrics;
pub mod platforms;
pub mod posts;
pub mod privacy;
pub mod router;

pub use bot::{Bot, Reply};
pub use config::Config;
pub use herald_platform::{Incoming, Outgoing, Platform};
