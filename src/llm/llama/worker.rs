//! The batching loop: one llama.cpp context with a sequence (and KV stream) per running
//! request. Each step decodes one batch holding the next token of every request that is
//! writing and a chunk of the prompt of newcomers; requests join between steps, leave
//! when done or when their caller stops waiting, and beyond `parallel` wait in a fair
//! queue. llama-server's continuous batching, in-process.
//!
//! Why a sequence keeps its cache after its request: the next request in it shares the
//! instructions (and often more), so only the rest is evaluated. A fresh sequence copies
//! the instructions' state from another one (`copy_kv_cache_seq`) or loads it from disk.

use std::sync::mpsc;
use std::sync::Arc;
use std::time::Instant;

use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::token::LlamaToken;

use super::super::constraint::Decoding;
use super::super::stats::BackendStats;
use super::super::{GenerateRequest, LlmError};
use super::chunks::{Chunks, CHUNK};
use super::lookup;
use super::options::LlamaOptions;
use super::prefix::{self, PrefixStore};
use super::queue::FairQueue;
use super::running::{pick, sampler, Job, Progress, Running};

/// The most tokens guessed per step: a batch of nine costs about two single steps here.
const GUESS: usize = 8;

/// Prompt tokens evaluated per step while others are writing: a newcomer's prompt is
/// spread over a few steps instead of stalling every reply for its whole length (~1.6 s
/// for 450 tokens on two cores).
const PREFILL_WHILE_WRITING: usize = 4 * CHUNK;

/// What one sequence's KV stream holds: these tokens at positions 0.. (none half-written).
#[derive(Default)]
struct Seq {
    cached: Vec<LlamaToken>,
    busy: bool,
}

pub(super) struct Worker<'m> {
    pub(super) model: &'m LlamaModel,
    pub(super) ctx: LlamaContext<'m>,
    pub(super) template: Option<LlamaChatTemplate>,
    /// Each token's bytes by token id (a token may hold part of a multi-byte character).
    pub(super) piece_bytes: Vec<Vec<u8>>,
    pub(super) heads: Option<PrefixStore>,
    pub(super) opts: &'m LlamaOptions,
    pub(super) stats: Arc<BackendStats>,
    /// Tokens one step may hold.
    pub(super) n_batch: usize,
    /// Tokens one sequence may hold (prompt and reply).
    pub(super) n_ctx_seq: usize,
    seqs: Vec<Seq>,
    running: Vec<Running>,
    queue: FairQueue<Job>,
}

impl<'m> Worker<'m> {
    pub(super) fn new(
        model: &'m LlamaModel,
        ctx: LlamaContext<'m>,
        opts: &'m LlamaOptions,
        stats: Arc<BackendStats>,
    ) -> Worker<'m> {
        let vocab = model.vocab();
        let piece_bytes = (0..vocab.n_tokens())
            .map(|id| vocab.token_to_piece(LlamaToken(id), false, None))
            .collect();
        let heads = opts
            .prefix_dir
            .clone()
            .filter(|_| opts.prompt_cache)
            .map(|dir| PrefixStore::new(dir, &opts.model));
        let parallel = opts.parallel.max(1);
        let n_batch = ctx.n_batch() as usize;
        let n_ctx_seq = ctx.n_ctx() as usize / parallel;
        Worker {
            template: model.chat_template(None).ok(),
            model,
            ctx,
            piece_bytes,
            heads,
            opts,
            stats,
            n_batch,
            n_ctx_seq,
            seqs: (0..parallel).map(|_| Seq::default()).collect(),
            running: Vec::new(),
            queue: FairQueue::default(),
        }
    }

    /// Serve until every sender is gone and nothing is left to do.
    pub(super) fn run(mut self, jobs: mpsc::Receiver<Job>) {
        loop {
            if self.running.is_empty() && self.queue.is_empty() {
                self.stats.set_load(0, 0);
                match jobs.recv() {
                    Ok(job) => self.enqueue(job),
                    Err(_) => return,
                }
            }
            while let Ok(job) = jobs.try_recv() {
                self.enqueue(job);
            }
            self.drop_cancelled();
            self.admit();
            self.stats.set_load(self.queue.len(), self.running.len());
            if self.running.is_empty() {
                continue;
            }
            if let Err(e) = self.step() {
                self.fail_all(e);
            }
        }
    }

    fn enqueue(&mut self, job: Job) {
        let key = job.req.conversation.clone();
        self.queue.push(key, job);
    }

    /// Forget requests whose caller stopped waiting; their sequences are free again (what
    /// they evaluated stays cached for the next request).
    fn drop_cancelled(&mut self) {
        for _ in self.queue.drain_unless(|j| !j.reply.is_closed()) {
            self.stats.finished(true);
        }
        let mut i = 0;
        while i < self.running.len() {
            if self.running[i].cancelled() {
                let r = self.running.swap_remove(i);
                self.release(&r);
                self.stats.finished(true);
                tracing::debug!(seq = r.seq, "request cancelled; sequence freed");
            } else {
                i += 1;
            }
        }
    }

    /// Give free sequences to waiting requests, fairly.
    fn admit(&mut self) {
        while self.seqs.iter().any(|s| !s.busy) {
            let running = &self.running;
            let Some(job) = self
                .queue
                .pop(|key| running.iter().filter(|r| r.conversation() == key).count())
            else {
                return;
            };
            self.stats.admitted(job.arrived.elapsed().as_secs_f64());
            match self.start(&job.req) {
                Ok(start) => {
                    self.seqs[start.seq].busy = true;
                    let decoding = Decoding::new(job.req.constraint.clone());
                    self.running.push(Running {
                        seq: start.seq,
                        prompt: start.prompt,
                        fed: start.cached,
                        reused: start.cached,
                        chunks: start.chunks,
                        save_head: start.save_head,
                        max_new: job.req.max_tokens as usize,
                        decoding,
                        sampler: sampler(self.opts.temperature),
                        written: Vec::new(),
                        next: None,
                        first_token_ms: 0.0,
                        job,
                    });
                }
                Err(e) => {
                    self.stats.finished(false);
                    let _ = job.reply.send(Err(e));
                }
            }
        }
    }

    /// Prepare a free sequence for `req`: its prompt's tokens, and as much of them cached
    /// as this or another sequence, or a saved head, already holds.
    fn start(&mut self, req: &GenerateRequest) -> Result<Start, LlmError> {
        let text = self.render(req)?;
        let prompt = self.model.vocab().tokenize(text.as_bytes(), true, true);
        let wanted = prompt.len() + req.max_tokens as usize;
        if prompt.is_empty() || wanted > self.n_ctx_seq {
            return Err(LlmError::PromptTooLong {
                tokens: wanted,
                context: self.n_ctx_seq as u32,
            });
        }
        // The lowest free sequence: llama.cpp batches neighbouring sequences in one pass.
        let seq = self
            .seqs
            .iter()
            .position(|s| !s.busy)
            .ok_or(LlmError::WorkerGone)?;
        // Keep at least the last prompt token to decode: its logits start the reply.
        let usable = prompt.len() - 1;
        let shared = |cached: &[LlamaToken]| common_prefix(cached, &prompt).min(usable);
        let head = if self.opts.prompt_cache {
            self.head_len(&text, &req.cache_prefix, &prompt)
        } else {
            0
        };
        // Only whole chunks are reused (see `Chunks`): a prompt is then split the same
        // way whatever ran before, and gets the same reply alone or beside others.
        let chunks = Chunks { head };
        let reusable = |cached: &[LlamaToken]| {
            if self.opts.prompt_cache {
                chunks.floor(shared(cached))
            } else {
                0
            }
        };
        let mut cached = reusable(&self.seqs[seq].cached);
        let donor = (0..self.seqs.len())
            .filter(|&s| s != seq)
            .map(|s| (reusable(&self.seqs[s].cached), s))
            .max()
            .filter(|&(n, _)| n > cached);
        let mut save_head = false;
        if let Some((n, src)) = donor {
            // Another stream holds more of this prompt (the instructions, often the same
            // facts): llama.cpp copies whole streams, so copy it and cut the rest.
            self.ctx
                .copy_kv_cache_seq(src as i32, seq as i32, None, None)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            self.seqs[seq].cached = self.seqs[src].cached.clone();
            cached = n;
        }
        self.truncate(seq, cached)?;
        if cached < head {
            self.truncate(seq, 0)?;
            cached = 0;
            let loaded = self
                .heads
                .as_ref()
                .is_some_and(|store| store.load(&mut self.ctx, seq as i32, &prompt[..head]));
            if loaded {
                self.seqs[seq].cached = prompt[..head].to_vec();
                cached = head;
            } else {
                save_head = self.heads.is_some();
            }
        }
        Ok(Start {
            seq,
            prompt,
            cached,
            chunks,
            save_head,
        })
    }

    /// Keep the first `n` tokens of `seq`'s stream.
    fn truncate(&mut self, seq: usize, n: usize) -> Result<(), LlmError> {
        self.ctx
            .clear_kv_cache_seq(Some(seq as u32), Some(n as u32), None)
            .map_err(|e| LlmError::Generate(e.to_string()))?;
        self.seqs[seq].cached.truncate(n);
        Ok(())
    }

    fn release(&mut self, r: &Running) {
        self.seqs[r.seq].busy = false;
    }

    /// One step: a decode of every writer's next token together, then prompt chunks, each
    /// decoded on its own (llama.cpp splits a batch of unequal sequences into equal parts,
    /// which would split a chunk differently with the load).
    fn step(&mut self) -> Result<(), LlmError> {
        self.running.sort_by_key(|r| r.seq);
        let mut finished = Vec::new();
        let writers: Vec<usize> = (0..self.running.len())
            .filter(|&i| self.running[i].next.is_some())
            .collect();
        if !writers.is_empty() {
            let lone = self.running.len() == 1;
            // Sized for what it holds: a batch allocates per token slot, every step.
            let mut batch = LlamaBatch::new(writers.len() * (1 + GUESS), 1);
            let mut feeds = Vec::with_capacity(writers.len());
            for &i in &writers {
                let r = &self.running[i];
                let Some(token) = r.next else { continue };
                // Guesses only for a request alone: beside others, a sequence with more
                // tokens than they have is a pass of its own.
                let guess = if lone && r.sampler.is_none() && self.opts.prompt_lookup {
                    lookup::guess(
                        &r.prompt,
                        &r.written,
                        GUESS.min(r.max_new - r.written.len()),
                    )
                } else {
                    Vec::new()
                };
                let at = batch.n_tokens() as usize;
                for (j, &t) in std::iter::once(&token).chain(&guess).enumerate() {
                    batch
                        .add(t, (r.pos() + j) as i32, &[r.seq as i32], true)
                        .map_err(|e| LlmError::Generate(e.to_string()))?;
                }
                feeds.push((i, at, guess));
            }
            self.decode(&mut batch, writers.len())?;
            for (i, at, guess) in feeds {
                if self.after_token(i, at, &guess)? == Progress::Finished {
                    finished.push(i);
                }
            }
        }
        // While others write, a few chunks per step; else as many as the batch holds.
        let mut budget = if writers.is_empty() {
            self.n_batch
        } else {
            PREFILL_WHILE_WRITING
        };
        for i in 0..self.running.len() {
            let r = &self.running[i];
            if r.fed == r.prompt.len() {
                continue;
            }
            let n = r.chunks.next(r.fed).min(r.prompt.len()) - r.fed;
            if n > budget {
                break;
            }
            let mut batch = LlamaBatch::new(n, 1);
            for (k, &t) in r.prompt[r.fed..r.fed + n].iter().enumerate() {
                let pos = r.fed + k;
                batch
                    .add(t, pos as i32, &[r.seq as i32], pos + 1 == r.prompt.len())
                    .map_err(|e| LlmError::Generate(e.to_string()))?;
            }
            self.decode(&mut batch, 0)?;
            budget -= n;
            if self.after_prompt(i, n)? == Progress::Finished {
                finished.push(i);
            }
        }
        finished.sort_unstable();
        let done: Vec<Running> = finished
            .into_iter()
            .rev()
            .map(|i| self.running.swap_remove(i))
            .collect();
        // The load first: a caller woken by its reply sees itself gone.
        self.stats.set_load(self.queue.len(), self.running.len());
        for r in done {
            self.release(&r);
            self.stats.finished(false);
            let g = r.generation(&self.piece_bytes);
            tracing::debug!(seq = r.seq, generated = g.generated_tokens, "decoded");
            let _ = r.job.reply.send(Ok(g));
        }
        Ok(())
    }

    fn decode(&mut self, batch: &mut LlamaBatch, writing: usize) -> Result<(), LlmError> {
        let started = Instant::now();
        self.ctx
            .decode(batch)
            .map_err(|e| LlmError::Generate(e.to_string()))?;
        self.stats.step(
            batch.n_tokens() as usize,
            writing,
            started.elapsed().as_secs_f64(),
        );
        Ok(())
    }

    /// `n` prompt tokens of request `i` are in the cache; the last one's logits choose its
    /// first token.
    fn after_prompt(&mut self, i: usize, n: usize) -> Result<Progress, LlmError> {
        let r = &mut self.running[i];
        let seq = &mut self.seqs[r.seq];
        seq.cached.extend_from_slice(&r.prompt[r.fed..r.fed + n]);
        r.fed += n;
        if r.save_head && r.fed == r.chunks.head {
            if let Some(store) = &self.heads {
                store.save(&self.ctx, r.seq as i32, &r.prompt[..r.fed]);
            }
        }
        if r.fed < r.prompt.len() {
            return Ok(Progress::Continue);
        }
        let progress = self.choose(i, n - 1);
        let r = &self.running[i];
        self.stats
            .first_token(r.prompt.len(), r.reused, r.first_token_ms / 1000.0);
        Ok(progress)
    }

    /// Request `i`'s written token (and `guess` after it) were decoded from batch index
    /// `at`: keep the guess while the model would have chosen it; the first refusal, or
    /// the last logits, give the next token.
    fn after_token(
        &mut self,
        i: usize,
        at: usize,
        guess: &[LlamaToken],
    ) -> Result<Progress, LlmError> {
        let r = &mut self.running[i];
        let seq = r.seq;
        if let Some(t) = r.next.take() {
            self.seqs[seq].cached.push(t);
        }
        let mut progress = Progress::Continue;
        let mut kept = 0;
        let mut decided = false;
        for (j, &g) in guess.iter().enumerate() {
            let logits = self.ctx.get_logits_ith((at + j) as i32);
            let choice = pick(self.model, &self.piece_bytes, logits, &r.decoding, None);
            if choice != Some(g) || self.model.vocab().is_eog(g) {
                progress = r.accept(self.model, &self.piece_bytes, choice);
                decided = true;
                break;
            }
            kept += 1;
            progress = r.accept(self.model, &self.piece_bytes, Some(g));
            // A kept guess is already in the cache.
            r.next = None;
            self.seqs[seq].cached.push(g);
            if progress == Progress::Finished {
                decided = true;
                break;
            }
        }
        if kept < guess.len() {
            // The refused (or unread) part of the guess sits in the cache after what was kept.
            let keep = self.seqs[seq].cached.len();
            self.ctx
                .clear_kv_cache_seq(Some(seq as u32), Some(keep as u32), None)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
        }
        if !decided {
            progress = self.choose(i, at + kept);
        }
        Ok(progress)
    }

    /// Choose request `i`'s next token from the logits at batch index `at`, and take it.
    fn choose(&mut self, i: usize, at: usize) -> Progress {
        let r = &mut self.running[i];
        let logits = self.ctx.get_logits_ith(at as i32);
        let token = pick(
            self.model,
            &self.piece_bytes,
            logits,
            &r.decoding,
            r.sampler.as_mut(),
        );
        r.accept(self.model, &self.piece_bytes, token)
    }

    /// After a failed decode the cache's state is unknown: fail what runs, start clean.
    fn fail_all(&mut self, e: LlmError) {
        tracing::error!(error = %e, running = self.running.len(), "decode failed");
        self.ctx.clear_kv_cache();
        for s in &mut self.seqs {
            s.cached.clear();
            s.busy = false;
        }
        for r in self.running.drain(..) {
            self.stats.finished(false);
            let _ = r.job.reply.send(Err(LlmError::Generate(e.to_string())));
        }
    }

    fn render(&self, req: &GenerateRequest) -> Result<String, LlmError> {
        if let Some(t) = &self.template {
            let msgs: Result<Vec<_>, _> = req
                .messages
                .iter()
                .map(|m| LlamaChatMessage::new(m.role.as_str().into(), m.content.replace('\0', "")))
                .collect();
            let msgs = msgs.map_err(|e| LlmError::Generate(e.to_string()))?;
            if let Ok(text) = self.model.apply_chat_template(t, &msgs, true) {
                return Ok(text);
            }
        }
        // No usable template in the model: ChatML, which most small chat models speak.
        let mut out = String::new();
        for m in &req.messages {
            out.push_str(&format!(
                "<|im_start|>{}\n{}<|im_end|>\n",
                m.role.as_str(),
                m.content
            ));
        }
        out.push_str("<|im_start|>assistant\n");
        Ok(out)
    }

    /// How many of `tokens` are the request's shared head (0 when it has none worth
    /// keeping); always leaves the last prompt token to evaluate.
    fn head_len(&self, prompt: &str, head: &str, tokens: &[LlamaToken]) -> usize {
        let vocab = self.model.vocab();
        let n = prefix::head_len(prompt, head, tokens, |s| {
            vocab.tokenize(s.as_bytes(), true, true)
        })
        .min(tokens.len().saturating_sub(1));
        if n >= prefix::MIN_TOKENS {
            n
        } else {
            0
        }
    }
}

/// What `start` prepared.
struct Start {
    seq: usize,
    prompt: Vec<LlamaToken>,
    cached: usize,
    chunks: Chunks,
    save_head: bool,
}

fn common_prefix(a: &[LlamaToken], b: &[LlamaToken]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}
