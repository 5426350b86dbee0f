//! herald's integration tests, in one binary (linking a test binary is most of a test
//! run's build): the real local model, the real `herald` binary, the real teloxide and
//! serenity clients against fake platform servers on loopback, a real Bolt server, the
//! official `openai` Python client. Shared set-up lives in [`support`]; each module is one
//! area, named as before the binaries were merged (`cargo test --test e2e telegram::`).

// Test helpers are `pub` for the test modules that share them, not for another crate.
#![allow(unreachable_pub)]

mod support;

mod analytics;
mod answers;
mod architecture;
mod batching;
mod cli;
mod control;
mod dashboard;
mod decoding;
mod discord;
mod drafting;
mod engine;
mod eval;
mod guard_set;
mod http_api;
mod moderation_set;
mod neo4j;
mod openai_backend;
mod openai_client;
mod posts;
mod posts_e2e;
mod privacy;
mod prompt_head;
mod rollups;
mod spam_corpus;
mod telegram;
