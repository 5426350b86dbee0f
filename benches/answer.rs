//! Answer latency over the repository's eval sets: a member's question through the bot's
//! whole answer path (route, retrieve, plan, constrained generation with the worded answer,
//! sentence guard, templates) against what a user would otherwise run on the same model: the
//! same retrieval, the facts listed in the prompt, one unconstrained generation of up to 96
//! tokens and nothing after it (the generation step of herald's answer path before the
//! dialogue core, without its guard and retries, so a floor under that path's time).
//!
//! Both sides use the same loaded model, threads and in-memory prompt cache; per-question
//! p50/p95 come from one pass that interleaves the sides question by question (which goes
//! first alternates), criterion's estimates from a loop over the same questions.
//!
//! Only questions the sets expect answered are timed, without follow-ups (the baseline has
//! no conversation memory); unknowns and routes never reach the model on either side.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use serde::Deserialize;

use herald::knowledge::RetrieveOptions;
use herald::llm::{ChatMessage, GenerateRequest, Role};
use herald::text::Lang;
use herald::{App, Config};
use herald_platform::{ChatRef, Incoming, PlatformKind};

mod support;
use support::percentile;

/// The old answer path's token cap (`[llm] max_tokens` before the dialogue core).
const BASELINE_MAX_TOKENS: u32 = 96;

#[derive(Deserialize)]
struct EvalFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    before: Vec<String>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_path() -> PathBuf {
    let path = std::env::var_os("HERALD_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(
        path.is_file(),
        "model {} missing: run scripts/test or scripts/setup",
        path.display()
    );
    path
}

/// The questions of an eval set that expect an answer and stand alone.
fn questions(set: &str) -> Vec<String> {
    let path = repo().join(set);
    let text = std::fs::read_to_string(&path).expect("eval set");
    let file: EvalFile = toml::from_str(&text).expect("eval set parses");
    file.case
        .into_iter()
        .filter(|c| !c.expect.is_empty() && c.before.is_empty())
        .map(|c| c.q)
        .collect()
}

fn start(pack: &str, data: &Path) -> App {
    let toml = format!(
        "[knowledge]\ndir = {:?}\n[data]\ndir = {:?}\n[llm]\nmodel = {:?}\nthreads = 2\n\
         [dialogue]\nprompts = {:?}\n",
        repo().join(pack),
        data,
        model_path(),
        repo().join("prompts"),
    );
    let config = Config::parse("bench.toml", &toml).expect("bench config");
    App::start(&config).expect("the bot starts")
}

/// A member's question through the bot, in a chat of its own (no memory carried over).
async fn herald_answer(app: &App, q: &str, chat: usize) -> bool {
    let msg = Incoming {
        chat: ChatRef {
            platform: PlatformKind::Console,
            chat: format!("bench-{chat}"),
            private: true,
        },
        user: format!("bench-{chat}"),
        message_id: "1".into(),
        text: q.to_string(),
        addressed: true,
        manager: false,
        reply_to: None,
    };
    app.bot
        .handle(&msg)
        .await
        .map(|r| r.answered)
        .unwrap_or(false)
}

/// The baseline: retrieve, list the facts in the prompt, generate once, unconstrained.
async fn plain_answer(app: &App, prompts: &herald::dialogue::Prompts, q: &str) -> usize {
    let retrieval = app
        .knowledge
        .retrieve(q, &[], &RetrieveOptions::default())
        .expect("retrieve");
    let chinese = Lang::detect(q).is_zh();
    let system = prompts.system("Herald", &retrieval, chinese, "");
    let g = app
        .llm
        .generate(GenerateRequest {
            messages: vec![
                ChatMessage::new(Role::System, system),
                ChatMessage::new(Role::User, q),
            ],
            max_tokens: BASELINE_MAX_TOKENS,
            ..GenerateRequest::default()
        })
        .await
        .expect("generate");
    g.generated_tokens
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn bench_set(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, pack: &str, set: &str) {
    let data = tempfile::tempdir().expect("temp dir");
    let app = start(pack, &data.path().join("data"));
    let prompts = herald::dialogue::Prompts::load(&repo().join("prompts")).expect("prompts load");
    let qs = questions(set);
    let chat = AtomicUsize::new(0);
    let next_chat = || chat.fetch_add(1, Ordering::Relaxed);

    // Warm both sides once (page cache, prompt state on disk, allocator).
    rt.block_on(async {
        for q in &qs {
            herald_answer(&app, q, next_chat()).await;
            plain_answer(&app, &prompts, q).await;
        }
    });

    // One interleaved pass for per-question percentiles.
    let (mut ours, mut plain) = (Vec::new(), Vec::new());
    let (mut answered, mut plain_tokens) = (0usize, 0usize);
    rt.block_on(async {
        for (i, q) in qs.iter().enumerate() {
            for side in [i % 2, 1 - i % 2] {
                let t = Instant::now();
                if side == 0 {
                    answered += usize::from(herald_answer(&app, q, next_chat()).await);
                    ours.push(t.elapsed());
                } else {
                    plain_tokens += plain_answer(&app, &prompts, q).await;
                    plain.push(t.elapsed());
                }
            }
        }
    });
    ours.sort();
    plain.sort();
    let (o50, o95) = (ms(percentile(&ours, 0.5)), ms(percentile(&ours, 0.95)));
    let (p50, p95) = (ms(percentile(&plain, 0.5)), ms(percentile(&plain, 0.95)));
    println!(
        "{name}: {} questions ({answered} answered by herald); herald p50 {o50:.0} ms, p95 {o95:.0} ms; \
         plain generation p50 {p50:.0} ms, p95 {p95:.0} ms ({:.1} tokens each); herald/plain at p50 = {:.2}",
        qs.len(),
        plain_tokens as f64 / qs.len().max(1) as f64,
        o50 / p50.max(f64::EPSILON),
    );

    let mut group = c.benchmark_group(format!("answer/{name}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    // Flat sampling: every sample answers the same number of questions, so a sample is
    // not cheap or dear by which questions it drew.
    group.sampling_mode(criterion::SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(30));
    let cursor = AtomicUsize::new(0);
    let next_q = || &qs[cursor.fetch_add(1, Ordering::Relaxed) % qs.len()];
    group.bench_function("herald", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    herald_answer(&app, next_q(), next_chat()).await;
                }
                t.elapsed()
            })
        })
    });
    group.bench_function("plain generation (baseline)", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let t = Instant::now();
                for _ in 0..iters {
                    plain_answer(&app, &prompts, next_q()).await;
                }
                t.elapsed()
            })
        })
    });
    group.finish();
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    bench_set(c, &rt, "sample", "knowledge", "eval/sample.toml");
    bench_set(
        c,
        &rt,
        "quill",
        "examples/quill/knowledge",
        "eval/quill.toml",
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
