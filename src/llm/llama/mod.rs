//! llama.cpp in-process through `llama-cpp-2`, serving many requests at once. One worker
//! thread owns the model and a context with a sequence per concurrent request (`parallel`),
//! so the async runtime never blocks on inference; requests arrive on a channel and are
//! decoded together in batches (see `worker`).

mod chunks;
mod lookup;
mod options;
mod prefix;
mod queue;
mod running;
mod worker;

use std::num::NonZeroU32;
use std::path::Path;
use std::sync::{mpsc, Arc};
use std::time::Instant;

use llama_cpp_2::context::params::LlamaContextParams;
use llama_cpp_2::llama_backend::LlamaBackend as LlamaRuntime;
use llama_cpp_2::model::params::LlamaModelParams;
use llama_cpp_2::model::LlamaModel;
use tokio::sync::oneshot;

pub use self::options::{cores, default_parallel, LlamaOptions};
use self::running::Job;
use self::worker::Worker;
use super::stats::BackendStats;
use super::{GenerateRequest, Generation, LlmBackend, LlmError};

pub struct LlamaBackend {
    name: String,
    jobs: mpsc::Sender<Job>,
    stats: Arc<BackendStats>,
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
        let stats = Arc::new(BackendStats::default());
        let worker_stats = stats.clone();
        std::thread::Builder::new()
            .name("llama-worker".into())
            .spawn(move || worker(opts, rx, ready_tx, worker_stats))
            .map_err(|e| LlmError::ModelLoad {
                path: path.clone(),
                reason: e.to_string(),
            })?;
        match ready_rx.recv() {
            Ok(Ok(())) => Ok(LlamaBackend { name, jobs, stats }),
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

    /// Queued behind at most the requests already waiting; dropping the future frees the
    /// request's sequence at the next step.
    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError> {
        let (reply, rx) = oneshot::channel();
        let job = Job {
            req,
            reply,
            arrived: Instant::now(),
        };
        self.jobs.send(job).map_err(|_| LlmError::WorkerGone)?;
        let mut g = rx.await.map_err(|_| LlmError::WorkerGone)??;
        g.backend = self.name.clone();
        Ok(g)
    }

    fn stats(&self) -> Option<Arc<BackendStats>> {
        Some(self.stats.clone())
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
    stats: Arc<BackendStats>,
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
        Ok::<_, LlmError>((rt, model))
    })();
    let (rt, model) = match setup {
        Ok(x) => x,
        Err(e) => {
            let _ = ready.send(Err(e));
            return;
        }
    };
    let parallel = opts.parallel.max(1);
    let per_seq = opts.context.max(256);
    // A KV stream per sequence (llama.cpp's non-unified cache): each request attends only
    // to its own tokens, which beats one shared stream when prompts share little.
    let params = LlamaContextParams::default()
        .with_n_ctx(NonZeroU32::new(per_seq * parallel as u32))
        .with_n_batch(per_seq.max(512))
        .with_n_seq_max(parallel as u32)
        .with_kv_unified(false)
        .with_n_threads(opts.threads.max(1))
        .with_n_threads_batch(opts.threads.max(1));
    let ctx = match model.new_context(rt, params) {
        Ok(c) => c,
        Err(e) => {
            let _ = ready.send(Err(load_err(e.to_string())));
            return;
        }
    };
    stats.set_sequences(parallel);
    let _ = ready.send(Ok(()));
    Worker::new(&model, ctx, &opts, stats).run(jobs);
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
