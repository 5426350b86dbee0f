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

use super::{GenerateRequest, Generation, LlmBackend, LlmError};

#[derive(Clone, Debug)]
pub struct LlamaOptions {
    pub model: PathBuf,
    pub threads: i32,
    pub context: u32,
    pub temperature: f32,
    pub prompt_cache: bool,
}

impl Default for LlamaOptions {
    fn default() -> Self {
        LlamaOptions {
            model: PathBuf::from("models/SmolLM2-135M-Instruct.Q4_1.gguf"),
            threads: 2,
            context: 2048,
            temperature: 0.0,
            prompt_cache: true,
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
    let mut engine = Engine {
        model: &model,
        template,
        cached: Vec::new(),
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

        let n_batch = ctx.n_batch() as usize;
        let mut batch = LlamaBatch::new(n_batch.max(1), 1);
        let mut pos = common;
        for chunk in tokens[common..].chunks(n_batch.max(1)) {
            batch.clear();
            for (i, &t) in chunk.iter().enumerate() {
                let last = pos + i == tokens.len() - 1;
                batch
                    .add(t, (pos + i) as i32, &[0], last)
                    .map_err(|e| LlmError::Generate(e.to_string()))?;
            }
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            pos += chunk.len();
            self.cached.extend_from_slice(chunk);
        }

        let mut sampler = if self.opts.temperature <= 0.0 {
            LlamaSampler::greedy()
        } else {
            LlamaSampler::chain_simple([
                LlamaSampler::top_k(40),
                LlamaSampler::top_p(0.9, 1),
                LlamaSampler::temp(self.opts.temperature),
                LlamaSampler::dist(rand_seed()),
            ])
        };
        let mut first_token_ms = 0.0;
        let mut bytes: Vec<u8> = Vec::new();
        let mut generated = 0;
        let mut logits_at = batch.n_tokens() - 1;
        while generated < max_new {
            let token = sampler.sample(ctx, logits_at);
            sampler.accept(token);
            if generated == 0 {
                first_token_ms = started.elapsed().as_secs_f64() * 1000.0;
            }
            if vocab.is_eog(token) {
                break;
            }
            bytes.extend(vocab.token_to_piece(token, false, None));
            generated += 1;
            batch.clear();
            batch
                .add(token, pos as i32, &[0], true)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            ctx.decode(&mut batch)
                .map_err(|e| LlmError::Generate(e.to_string()))?;
            self.cached.push(token);
            pos += 1;
            logits_at = 0;
        }
        Ok(Generation {
            text: String::from_utf8_lossy(&bytes).trim().to_string(),
            prompt_tokens: tokens.len(),
            cached_tokens: common,
            generated_tokens: generated,
            first_token_ms,
            total_ms: started.elapsed().as_secs_f64() * 1000.0,
            ..Generation::default()
        })
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
