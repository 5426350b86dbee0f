//! One request while it runs in its sequence: its prompt, how much of it the cache holds,
//! the tokens it has written, its constraint and sampler, and how each next token is
//! chosen. Nothing here knows about the other sequences.

use std::time::Instant;

use llama_cpp_2::model::LlamaModel;
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::oneshot;

use super::super::constraint::{first_sentences, sentence_ends, Decoding};
use super::super::{GenerateRequest, Generation, LlmError};

/// A request as it arrives at the worker.
pub(super) struct Job {
    pub(super) req: GenerateRequest,
    pub(super) reply: oneshot::Sender<Result<Generation, LlmError>>,
    pub(super) arrived: Instant,
}

pub(super) struct Running {
    pub(super) job: Job,
    /// The sequence (and KV stream) it runs in.
    pub(super) seq: usize,
    pub(super) prompt: Vec<LlamaToken>,
    /// Prompt tokens in the cache.
    pub(super) fed: usize,
    /// Prompt tokens whose state was reused, not evaluated.
    pub(super) reused: usize,
    /// Where the prompt is split for evaluation.
    pub(super) chunks: super::chunks::Chunks,
    /// Save the sequence's state to disk once `fed` reaches the head's end.
    pub(super) save_head: bool,
    pub(super) max_new: usize,
    pub(super) decoding: Decoding,
    pub(super) sampler: Option<LlamaSampler>,
    /// What the reply has written; all but `next` are in the cache.
    pub(super) written: Vec<LlamaToken>,
    /// The last token written, still to be decoded (its logits choose the one after).
    pub(super) next: Option<LlamaToken>,
    pub(super) first_token_ms: f64,
}

/// What a step did to a request.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Progress {
    Continue,
    Finished,
}

impl Running {
    /// The position of the next token to feed.
    pub(super) fn pos(&self) -> usize {
        self.prompt.len() + self.written.len() - usize::from(self.next.is_some())
    }

    pub(super) fn conversation(&self) -> &str {
        &self.job.req.conversation
    }

    pub(super) fn cancelled(&self) -> bool {
        self.job.reply.is_closed()
    }

    /// Take the chosen token (`None`: nothing allowed): the end of the reply, or one more
    /// token written.
    pub(super) fn accept(
        &mut self,
        model: &LlamaModel,
        piece_bytes: &[Vec<u8>],
        token: Option<LlamaToken>,
    ) -> Progress {
        self.next = None;
        if self.written.is_empty() && self.first_token_ms == 0.0 {
            self.first_token_ms = self.job.arrived.elapsed().as_secs_f64() * 1000.0;
        }
        let Some(token) = token.filter(|&t| !model.vocab().is_eog(t)) else {
            return Progress::Finished;
        };
        self.decoding.push(token.0, &piece_bytes[token.0 as usize]);
        self.written.push(token);
        if self.written.len() >= self.max_new || self.decoding.done() {
            // Its logits would choose a token nobody reads.
            return Progress::Finished;
        }
        self.next = Some(token);
        Progress::Continue
    }

    /// The finished reply, cut to whole sentences as the constraint asks.
    pub(super) fn generation(&self, piece_bytes: &[Vec<u8>]) -> Generation {
        let bytes: Vec<u8> = self
            .written
            .iter()
            .flat_map(|t| piece_bytes[t.0 as usize].iter().copied())
            .collect();
        let constraint = self.job.req.constraint.as_ref();
        let max_sentences = constraint.map_or(0, |c| c.max_sentences);
        let full = String::from_utf8_lossy(&bytes);
        let mut text = first_sentences(full.trim(), max_sentences);
        if max_sentences > 0 && self.written.len() >= self.max_new {
            // Cut off mid-sentence by the token limit: keep the sentences that ended.
            if let Some(&end) = sentence_ends(text).last() {
                text = &text[..end];
            }
        }
        Generation {
            text: text.to_string(),
            prompt_tokens: self.prompt.len(),
            cached_tokens: self.reused,
            generated_tokens: self.written.len(),
            first_token_ms: self.first_token_ms,
            total_ms: self.job.arrived.elapsed().as_secs_f64() * 1000.0,
            ..Generation::default()
        }
    }
}

/// The next token: the most likely one the constraint allows (greedy), or a draw among
/// the 40 most likely allowed ones. The end of the generation is allowed only where the
/// constraint may end. `None` when nothing is allowed.
pub(super) fn pick(
    model: &LlamaModel,
    piece_bytes: &[Vec<u8>],
    logits: &[f32],
    decoding: &Decoding,
    sampler: Option<&mut LlamaSampler>,
) -> Option<LlamaToken> {
    let vocab = model.vocab();
    let ok = |id: usize| {
        let token = LlamaToken(id as i32);
        if vocab.is_eog(token) {
            decoding.may_end()
        } else {
            decoding.allows(id as i32, &piece_bytes[id])
        }
    };
    // Most steps take the single best token: find it in one pass before sorting.
    let best = (0..logits.len()).max_by(|&a, &b| logits[a].total_cmp(&logits[b]))?;
    if sampler.is_none() && ok(best) {
        return Some(LlamaToken(best as i32));
    }
    let mut order: Vec<usize> = (0..logits.len()).collect();
    order.sort_unstable_by(|&a, &b| logits[b].total_cmp(&logits[a]));
    let allowed = order.into_iter().filter(|&id| ok(id));
    match sampler {
        None => allowed.map(|id| LlamaToken(id as i32)).next(),
        Some(chain) => {
            let top: Vec<LlamaTokenData> = allowed
                .take(40)
                .map(|id| LlamaTokenData::new(LlamaToken(id as i32), logits[id], 0.0))
                .collect();
            if top.is_empty() {
                return None;
            }
            let mut data = LlamaTokenDataArray::new(top, true);
            data.apply_sampler(chain);
            data.selected_token()
        }
    }
}

/// A sampler for `temperature` (none for greedy decoding).
pub(super) fn sampler(temperature: f32) -> Option<LlamaSampler> {
    (temperature > 0.0).then(|| {
        LlamaSampler::chain_simple([
            LlamaSampler::top_p(0.9, 1),
            LlamaSampler::temp(temperature),
            LlamaSampler::dist(rand_seed()),
        ])
    })
}

fn rand_seed() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}
