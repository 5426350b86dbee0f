//! llama.cpp in-process through `llama-cpp-2`. One worker thread owns the model and its
//! context, so the async runtime never blocks on inference; requests queue on a channel.
//! The KV cache of the previous prompt is kept and its common prefix with the next prompt
//! reused, so the shared system prompt is processed once.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Instant;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::context::LlamaContext;
use llama_cpp_2::llama_backend::LlamaBackend as LlamaRuntime;
use llama_cpp_2::llama_batch::LlamaBatch;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::{LlamaChatMessage, LlamaChatTemplate, LlamaModel};
use llama_cpp_2::sampling::LlamaSampler;
use llama_cpp_2::token::LlamaToken;
use tokio::sync::oneshot;

use llama_cpp_2::token::data::LlamaTokenData;
use llama_cpp_2::token::data_array::LlamaTokenDataArray;

use super::constraint::{first_sentences, sentence_ends, Decoding};
use super::lookup;
use super::prefix::{self, PrefixStore};
use super::{GenerateRequest, Generation, LlmBackend, LlmError};

/// The most tokens guessed per step: a batch of nine costs about two single steps here.
const GUESS: usize = 8;

#[derive(Clone, Debug)]
pub struct LlamaOptions {
    pub model: PathBuf,
    pub threads: i32,
    pub context: u32,
    pub temperature: f32,
    pub prompt_cache: bool,
    /// Check guesses copied from the prompt several tokens per step (greedy decoding only);
    /// see `llm::lookup`.
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
            temperature: 0.0,
            prompt_cache: true,
            prompt_lookup: true,
            prefix_dir: None,
        }
    }
}

type Job = (
    GenerateRequest,
    oneshot::Sender<Result<Generation, LlmError>>,
);

pub struct LlamaBackend {
    name: String,
    jobs: mpsc::Sender<Job>,
}

impl LlamaBackend {
    /// Load the model on a new worker thread; returns once it is loaded (or failed).
    pub fn load(opts: LlamaOptions) -> Result<LlamaBackend, LlmError> {
        let path = opts.model.display().to_string();
        if !opts.model.is_file() {
            return Err(LlmError::ModelMissing { path });
        }
        if !looks_like_gguf(&opts.model) {
            return Err(LlmError::ModelLoad {
                path,
                reason: "not a GGUF file".into(),
            });
        }
        let name = opts
            .model
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| "local".into());
        let (jobs, rx) = mpsc::channel::<Job>();
        let (ready_tx, ready_rx) = mpsc::channel();
        std::thread::Builder::new()
            .name("llama-worker".into())
            .spawn(move || worker(opts, rx, ready_tx))
            .map_err(|e| LlmError::ModelLoad {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(LlamaBackend { name, jobs }),
            Ok(Err(e)) => Err(e),
            Err(_) => Err(LlmError::WorkerGone),
        }
    }
}

#[async_trait::async_trait]
impl LlmBackend for LlamaBackend {
    fn name(&self) -> &str {
        &self.name
    }

    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .send((req, tx))
            .map_err(|_| LlmError::WorkerGone)?;
        let mut g = rx.await.map_err(|_| LlmError::WorkerGone)??;
        g.backend = self.name.clone();
        Ok(g)
    }
}

/// llama.cpp's runtime, initialised once per process (llama.cpp allows no second one);
/// shared with anything else in the process that calls llama.cpp, such as benchmarks.
pub fn runtime() -> Result<&'static LlamaRuntime, LlmError> {
    static RUNTIME: std::sync::OnceLock<Option<LlamaRuntime>> = std::sync::OnceLock::new();
    RUNTIME
        .get_or_init(|| {
            llama_cpp_2::send_logs_to_tracing(llama_cpp_2::LogOptions::default());
            LlamaRuntime::init().ok()
        })
        .as_ref()
        .ok_or_else(|| LlmError::Generate("llama.cpp failed to initialise".into()))
}

fn worker(
    opts: LlamaOptions,
    jobs: mpsc::Receiver<Job>,
    ready: mpsc::Sender<Result<(), LlmError>>,
) {
    let path = opts.model.display().to_string();
    let load_err = |reason: String| LlmError::ModelLoad {
        path: path.clone(),
        reason,
    };
    let setup = (|| {
        let rt = runtime()?;
        let model = LlamaModel::load_from_file(rt, &opts.model, &LlamaModelParams::default())
            .map_err(|e| load_err(e.to_string()))?;
        let template = model.chat_template(None).ok();
        Ok::<_, LlmError>((rt, model, template))
    })();
    let (rt, model, template) = match setup {
        Ok(x) => x,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(opts.context.max(256)))
        .with_n_batch(opts.context.max(256))
        .with_n_threads(opts.threads.max(1))
        .with_n_threads_batch(opts.threads.max(1));
    let mut ctx = match model.new_context(rt, params) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(load_err(e.to_string())));
            return;
        }
    };
    let _ = ready.send(Ok(()));
    let vocab = model.vocab();
    let piece_bytes: Vec<Vec<u8>> = (0..vocab.n_tokens())
        .map(|id| vocab.token_to_piece(LlamaToken(id), false, None))
        .collect();
    let heads = opts
        .prefix_dir
        .clone()
        .filter(|_| opts.prompt_cache)
        .map(|dir| PrefixStore::new(dir, &opts.model));
    let mut engine = Engine {
        model: &model,
        template,
        cached: Vec::new(),
        piece_bytes,
        heads,
        opts: &opts,
    };
    while let Ok((req, reply)) = jobs.recv() {
        let result = engine.generate(&mut ctx, &req);
        if result.is_err() {
            // After a failed decode the cache's state is unknown: start clean.
            ctx.clear_kv_cache();
            engine.cached.clear();
        }
        let _ = reply.send(result);
    }
}

struct Engine<'m> {
    model: &'m LlamaModel,
    template: Option<LlamaChatTemplate>,
    /// Tokens whose KV entries are in the context, position = index.
    cached: Vec<LlamaToken>,
    /// Each token's bytes by token id (a token may hold part of a multi-byte character).
    piece_bytes: Vec<Vec<u8>>,
    /// Saved prompt heads on disk, when configured.
    heads: Option<PrefixStore>,
    opts: &'m LlamaOptions,
}

impl Engine<'_> {
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

    fn generate(
        &mut self,
        ctx: &mut LlamaContext,
        req: &GenerateRequest,
    ) -> Result<Generation, LlmError> {
        let started = Instant::now();
        let prompt = self.render(req)?;
        let vocab = self.model.vocab();
        let tokens = vocab.tokenize(prompt.as_bytes(), true, true);
        let n_ctx = ctx.n_ctx();
        let max_new = req.max_tokens as usize;
        if tokens.len() + max_new > n_ctx as usize {
            return Err(LlmError::PromptTooLong {
                tokens: tokens.len() + max_new,
                context: n_ctx,
            });
        }

        // Reuse the KV cache for the common prefix; keep at least the last prompt token
        // to decode, since its logits start the answer.
        let mut common = 0;
        if self.opts.prompt_cache {
            common = self
                .cached
                .iter()
                .zip(&tokens)
                .take_while(|(a, b)| a == b)
                .count();
            common = common.min(tokens.len().saturating_sub(1));
        }
        ctx.clear_kv_cache_seq(Some(0), Some(common as u32), None)
            .map_err(|e| LlmError::Generate(e.to_string()))?;
        self.cached.truncate(common);

        // The shared head: from memory when the last prompt had it, else from disk, else
        // evaluated and saved for the next process.
        let head = self.head_len(&prompt, &req.cache_prefix, &tokens);
        let mut save_head = false;
        if let Some(store) = self.heads.as_ref().filter(|_| head > common) {
            ctx.clear_kv_cache();
            self.cached.clear();
            if store.load(ctx, &tokens[..head]) {
                self.cached.extend_from_slice(&tokens[..head]);
                common = head;
            } else {
                common = 0;
                save_head = true;
            }
        }

        let reused = common;
        let mut batch = LlamaBatch::new((ctx.n_batch() as usize).max(1), 1);
        if save_head {
            self.feed(ctx, &mut batch, &tokens[..head], 0, false)?;
            if let Some(store) = &self.heads {
                store.save(ctx, &tokens[..head]);
            }
            common = head;
        }
        self.feed(ctx, &mut batch, &tokens[common..], common, true)?;
        let mut pos = tokens.len();

        let mut sampler = if self.opts.temperature <= 0.0 {
            None
        } else {
            Some(LlamaSampler::chain_simple([
                LlamaSampler::top_p(0.9, 1),
                LlamaSampler::temp(self.opts.temperature),
                LlamaSampler::dist(rand_seed()),
            ]))
        };
        let mut decoding = Decoding::new(req.constraint.as_ref());
        let mut first_token_ms = 0.0;
        // What the reply has written; each token is also in the KV cache once its step
        // has been decoded.
        let mut written: Vec<LlamaToken> = Vec::new();
        let mut steps = 0;
        let logits = ctx.get_logits_ith(batch.n_tokens() - 1);
        let mut next = self.pick(logits, &decoding, sampler.as_mut());
        // Each step decodes the chosen token with a guess of the ones after it (greedy
        // only: a sampled token is no guess to check); the model's own choices at each
        // position decide how much of the guess is kept.
        while let Some(token) = next.take() {
            if written.is_empty() {
                first_token_ms = started.elapsed().as_secs_f64() * 1000.0;
            }
            if vocab.is_eog(token) {
                break;
            }
            decoding.push(token.0, &self.piece_bytes[token.0 as usize]);
            written.push(token);
            if written.len() >= max_new || decoding.done() {
                // Its logits would choose a token nobody reads.
                break;
            }
            let guess = if sampler.is_none() && self.opts.prompt_lookup {
                lookup::guess(&tokens, &written, GUESS.min(max_new - written.len()))
            } else {
                Vec::new()
            };
            batch.clear();
            for (j, &t) in std::iter::once(&token).chain(&guess).enumerate() {
                batch
                    .add(t, (pos + j) as i32, &[0], true)
                    .map_err(|e| LlmError::Generate(e.to_string()))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            steps += 1;
            self.cached.push(token);
            pos += 1;
            // Keep the guess while the model would have chosen it; its first refusal is
            // the model's own next token.
            let mut kept = 0;
            while kept < guess.len() {
                let g = guess[kept];
                let choice = self.pick(ctx.get_logits_ith(kept as i32), &decoding, None);
                if choice != Some(g) || vocab.is_eog(g) {
                    next = choice;
                    break;
                }
                decoding.push(g.0, &self.piece_bytes[g.0 as usize]);
                written.push(g);
                self.cached.push(g);
                pos += 1;
                kept += 1;
                if written.len() >= max_new || decoding.done() {
                    break;
                }
            }
            if kept < guess.len() {
                // The refused part of the guess is in the cache at positions from `pos`.
                ctx.clear_kv_cache_seq(Some(0), Some(pos as u32), None)
                    .map_err(|e| LlmError::Generate(e.to_string()))?;
            }
            if written.len() >= max_new || decoding.done() {
                break;
            }
            if kept == guess.len() {
                // No guess, or all of it kept: the last logits choose the next token.
                let last = ctx.get_logits_ith(kept as i32);
                next = self.pick(last, &decoding, sampler.as_mut());
            }
        }
        let generated = written.len();
        let bytes: Vec<u8> = written
            .iter()
            .flat_map(|t| self.piece_bytes[t.0 as usize].iter().copied())
            .collect();
        tracing::debug!(generated, steps, "decoded");
        let max_sentences = req.constraint.as_ref().map_or(0, |c| c.max_sentences);
        let full = String::from_utf8_lossy(&bytes);
        let mut text = first_sentences(full.trim(), max_sentences);
        if max_sentences > 0 && generated >= max_new {
            // Cut off mid-sentence by the token limit: keep the sentences that ended.
            if let Some(&end) = sentence_ends(text).last() {
                text = &text[..end];
            }
        }
        let text = text.to_string();
        Ok(Generation {
            text,
            prompt_tokens: tokens.len(),
            cached_tokens: reused,
            generated_tokens: generated,
            first_token_ms,
            total_ms: started.elapsed().as_secs_f64() * 1000.0,
            ..Generation::default()
        })
    }
}

impl Engine<'_> {
    /// How many of `tokens` are the request's shared head (0 when it has none worth a
    /// file); always leaves the last prompt token to evaluate.
    fn head_len(&self, prompt: &str, head: &str, tokens: &[LlamaToken]) -> usize {
        if self.heads.is_none() {
            return 0;
        }
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

    /// Evaluate `tokens` at positions from `start`, in batches; with `logits_last` the
    /// last one's logits are kept (they choose the first generated token).
    fn feed(
        &mut self,
        ctx: &mut LlamaContext,
        batch: &mut LlamaBatch,
        tokens: &[LlamaToken],
        start: usize,
        logits_last: bool,
    ) -> Result<(), LlmError> {
        let n_batch = (ctx.n_batch() as usize).max(1);
        let mut pos = start;
        for chunk in tokens.chunks(n_batch) {
            batch.clear();
            for (i, &t) in chunk.iter().enumerate() {
                let last = logits_last && pos + i == start + tokens.len() - 1;
                batch
                    .add(t, (pos + i) as i32, &[0], last)
                    .map_err(|e| LlmError::Generate(e.to_string()))?;
            }
            ctx.decode(batch)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            pos += chunk.len();
            self.cached.extend_from_slice(chunk);
        }
        Ok(())
    }

    /// The next token: the most likely one the constraint allows (greedy), or a draw among
    /// the 40 most likely allowed ones. The end of the generation is allowed only where
    /// the constraint may end. `None` when nothing is allowed.
    fn pick(
        &self,
        logits: &[f32],
        decoding: &Decoding<'_>,
        sampler: Option<&mut LlamaSampler>,
    ) -> Option<LlamaToken> {
        let vocab = self.model.vocab();
        let ok = |id: usize| {
            let token = LlamaToken(id as i32);
            if vocab.is_eog(token) {
                decoding.may_end()
            } else {
                decoding.allows(id as i32, &self.piece_bytes[id])
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
}

fn rand_seed() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0)
}

/// Is there a GGUF file at `path` (checks the magic, not the whole file)?
pub(super) fn looks_like_gguf(path: &Path) -> bool {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path)
        .and_then(|mut f| f.read_exact(&mut magic))
        .map(|_| &magic == b"GGUF")
        .unwrap_or(false)
}
