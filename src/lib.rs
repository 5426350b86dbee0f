//! herald: a community bot for Discord and Telegram that answers members from a knowledge
//! graph kept as plain files, with citations, and never invents what it says.
//!
//! # Layout
//!
//! Layers, each using only the layers below it (`tests/e2e/architecture.rs` checks it;
//! `ARCHITECTURE.md` says why):
//!
//! - **L0, plain helpers**: [`clock`] (every time helper), [`text`] (folding, sentiment,
//!   redaction), [`lexicon`] (word forms, relatives and the Chinese–English bridge),
//!   [`config`], [`data`] (the sled data folder).
//! - **L1, one job each**: [`knowledge`] (the graph from the knowledge files, linking,
//!   retrieval, the [`knowledge::KnowledgeStore`] swap point), [`llm`] (the
//!   [`llm::LlmBackend`] swap point), [`engagement`] (the event log), [`dialogue`] (prompts,
//!   the grounding guard, memory), [`router`] (commands split, intents classified).
//! - **L2, built on those**: [`posts`] (drafts, judge, schedule, exactly-once publishing),
//!   [`analytics`] (pure functions over engagement data), [`privacy`] (erasure and export
//!   across stores), [`metrics`] (the counters `/metrics` shows), [`team`] (tickets that
//!   hand a member over to the people behind the bot), [`moderation`] (rules, the ladder,
//!   the audit log), [`learning`] (gap ids, and the team's answers as knowledge files).
//! - **L3, what serves**: [`manage`] (the managers' commands), [`bot`] (one message in, one
//!   reply out), [`jobs`] (scheduler loop, alerts, upkeep, reload), [`engine`] (adapters in,
//!   replies out), [`http`] (the OpenAI-compatible API), [`dashboard`] (the managers' web
//!   pages, whose forms run the [`manage`] commands).
//! - **L4, the edges**: [`app`] (components built from the config), [`cli`].
//!
//! Platform adapters live in their own crates under `adapters/` and know only
//! `herald-platform`; this crate uses their options structs and knows no platform SDK.

pub mod analytics;
pub mod app;
pub mod bot;
pub mod cli;
pub mod clock;
pub mod config;
pub mod dashboard;
pub mod data;
pub mod dialogue;
pub mod engagement;
pub mod engine;
pub mod http;
pub mod jobs;
pub mod knowledge;
pub mod learning;
pub mod lexicon;
pub mod llm;
pub mod manage;
pub mod metrics;
pub mod moderation;
pub mod posts;
pub mod privacy;
pub mod router;
pub mod team;
pub mod text;

pub use app::App;
pub use bot::{Bot, Reply};
pub use config::Config;
pub use herald_platform::{Incoming, Outgoing, Platform};
