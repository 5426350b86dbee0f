//! What a local model is loaded with, and how many requests it serves at once by default.

use std::path::PathBuf;

#[derive(Clone, Debug)]
pub struct LlamaOptions {
    pub model: PathBuf,
    pub threads: i32,
    /// Tokens one request may hold, prompt and reply together.
    pub context: u32,
    /// Requests decoded together at most; more wait their turn. The KV cache holds
    /// `context` tokens for each.
    pub parallel: usize,
    pub temperature: f32,
    pub prompt_cache: bool,
    /// Check guesses copied from the prompt several tokens per step (greedy decoding, a
    /// request running alone); see `lookup`. Off by default: on this project's CPU
    /// measurements the guesses cost more than they save (a story decodes 12 % slower).
    pub prompt_lookup: bool,
    /// Where the evaluated heads of prompts are kept between processes (see
    /// `GenerateRequest::cache_prefix`); `None` keeps them in memory only.
    pub prefix_dir: Option<PathBuf>,
}

impl Default for LlamaOptions {
    fn default() -> Self {
        LlamaOptions {
            model: PathBuf::from("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
            threads: 2,
            context: 2048,
            parallel: default_parallel(cores(), 2048),
            temperature: 0.0,
            prompt_cache: true,
            prompt_lookup: false,
            prefix_dir: None,
        }
    }
}

/// The CPU cores this process may use.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// How many requests to decode together by default: four per core (a decode step is
/// bound by reading the weights, so eight sequences on two cores cost little more than
/// one), at most 16, and no more than keeps the KV cache within 32k tokens.
pub fn default_parallel(cores: usize, context: u32) -> usize {
    let by_memory = (32_768 / context.max(256)) as usize;
    (cores * 4).clamp(1, 16).min(by_memory).max(1)
}
