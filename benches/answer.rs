//! Answer latency over the repository's eval sets: a member's question through the bot's
//! whole answer path (route, retrieve, plan, constrained generation with the worded answer,
//! sentence guard, templates) against what a user would otherwise run on the same model: the
//! same retrieval, the facts listed in the prompt, one unconstrained generation of up to 96
//! tokens and nothing after it (the generation step of herald's answer path before the
//! dialogue core, without its guard and retries, so a floor under that path's time).
//!
//! The bot and the baseline use the same loaded model, threads and in-memory prompt cache;
//! per-question p50/p95 come from one pass that interleaves the two question by question
//! (which goes first alternates), criterion's estimates from a loop over the same questions.
//! Then the bot with prompt lookup off (`LlamaOptions::prompt_lookup`), on its own model,
//! shows what the guesses copied from the prompt buy.
//!
//! Every question of a set that stands alone is timed (follow-ups are left out: the
//! baseline has no conversation memory). Herald answers unknowns and routes (hand-offs,
//! small talk) without the model, the baseline generates for every question, as a plain
//! retrieval-and-generate bot does; the answered questions alone are reported too.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::knowledge::RetrieveOptions;
use herald::knowledge::SledKnowledge;
use herald::llm::{ChatMessage, GenerateRequest, LlamaBackend, LlamaOptions, Role};
use herald::text::Lang;
use herald::{App, Config};
use herald_platform::{ChatRef, Incoming, PlatformKind};

mod support;
use support::percentile;

/// The old answer path's token cap (`[llm] max_tokens` before the dialogue core).
const BASELINE_MAX_TOKENS: u32 = 96;

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

/// The questions of an eval set that stand alone, each with whether it expects an answer.
fn questions(set: &str) -> Vec<(String, bool)> {
    support::eval::standalone_questions(&repo().join(set))
}

/// The bot on `pack` as `herald run` builds it, with prompt lookup on or off.
fn start(pack: &str, data: &Path, prompt_lookup: bool) -> App {
    let toml = format!(
        "[knowledge]\ndir = {:?}\n[data]\ndir = {:?}\n[llm]\nmodel = {:?}\nthreads = 2\n\
         [dialogue]\nprompts = {:?}\n",
        repo().join(pack),
        data,
        model_path(),
        repo().join("prompts"),
    );
    let config = Config::parse("bench.toml", &toml).expect("bench config");
    let db = herald::data::open_data(data).expect("data folder");
    let (knowledge, _) = SledKnowledge::open(&db, repo().join(pack)).expect("the pack loads");
    let llm = LlamaBackend::load(LlamaOptions {
        model: model_path(),
        threads: config.llm.threads,
        prompt_lookup,
        prefix_dir: Some(herald::data::prefix_cache_dir(data)),
        ..LlamaOptions::default()
    })
    .expect("the model loads");
    App::assemble(&config, db, Arc::new(knowledge), Arc::new(llm)).expect("the bot starts")
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
        chat_title: None,
        signals: Default::default(),
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

/// Criterion's timing loop: `iters` calls of `one`, each answering the next question.
fn cycle<F, Fut>(rt: &tokio::runtime::Runtime, b: &mut criterion::Bencher<'_>, mut one: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future,
{
    b.iter_custom(|iters| {
        rt.block_on(async {
            let t = Instant::now();
            for _ in 0..iters {
                one().await;
            }
            t.elapsed()
        })
    })
}

/// Per-question latencies of `answer` over `qs`, sorted.
fn pass<F, Fut>(rt: &tokio::runtime::Runtime, qs: &[(String, bool)], mut answer: F) -> Vec<Duration>
where
    F: FnMut(usize) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let mut out: Vec<Duration> = rt.block_on(async {
        let mut out = Vec::new();
        for i in 0..qs.len() {
            let t = Instant::now();
            answer(i).await;
            out.push(t.elapsed());
        }
        out
    });
    out.sort();
    out
}

fn bench_set(c: &mut Criterion, rt: &tokio::runtime::Runtime, name: &str, pack: &str, set: &str) {
    let data = tempfile::tempdir().expect("temp dir");
    let prompts = herald::dialogue::Prompts::load(&repo().join("prompts")).expect("prompts load");
    let qs = questions(set);
    let chat = AtomicUsize::new(0);
    let next_chat = || chat.fetch_add(1, Ordering::Relaxed);
    let cursor = AtomicUsize::new(0);
    let next_q = || {
        qs[cursor.fetch_add(1, Ordering::Relaxed) % qs.len()]
            .0
            .as_str()
    };

    let mut group = c.benchmark_group(format!("answer/{name}"));
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    // Flat sampling: every sample answers the same number of questions, so a sample is
    // not cheap or dear by which questions it drew.
    group.sampling_mode(criterion::SamplingMode::Flat);
    group.measurement_time(Duration::from_secs(30));

    {
        let app = start(pack, &data.path().join("data"), true);
        // Warm both sides once (page cache, prompt state on disk, allocator).
        rt.block_on(async {
            for (q, _) in &qs {
                herald_answer(&app, q, next_chat()).await;
                plain_answer(&app, &prompts, q).await;
            }
        });

        // One pass interleaving the sides question by question (which goes first
        // alternates), so a slow minute of the machine hits both alike.
        let (mut ours, mut plain, mut ours_answered) = (Vec::new(), Vec::new(), Vec::new());
        let (mut answered, mut plain_tokens) = (0usize, 0usize);
        rt.block_on(async {
            for (i, (q, expects)) in qs.iter().enumerate() {
                for side in [i % 2, 1 - i % 2] {
                    let t = Instant::now();
                    if side == 0 {
                        answered += usize::from(herald_answer(&app, q, next_chat()).await);
                        ours.push(t.elapsed());
                        if *expects {
                            ours_answered.push(t.elapsed());
                        }
                    } else {
                        plain_tokens += plain_answer(&app, &prompts, q).await;
                        plain.push(t.elapsed());
                    }
                }
            }
        });
        for v in [&mut ours, &mut plain, &mut ours_answered] {
            v.sort();
        }
        let p = |v: &[Duration], q: f64| ms(percentile(v, q));
        println!(
            "{name}: {} questions, {} expecting an answer ({answered} replies marked answered)\n  \
             herald: p50 {:.0} ms, p95 {:.0} ms; questions expecting an answer: p50 {:.0} ms, p95 {:.0} ms\n  \
             plain generation: p50 {:.0} ms, p95 {:.0} ms ({:.1} tokens each)\n  \
             herald/plain at p50 = {:.2}",
            qs.len(),
            ours_answered.len(),
            p(&ours, 0.5),
            p(&ours, 0.95),
            p(&ours_answered, 0.5),
            p(&ours_answered, 0.95),
            p(&plain, 0.5),
            p(&plain, 0.95),
            plain_tokens as f64 / qs.len().max(1) as f64,
            p(&ours, 0.5) / p(&plain, 0.5).max(f64::EPSILON),
        );

        group.bench_function("herald", |b| {
            cycle(rt, b, || herald_answer(&app, next_q(), next_chat()))
        });
        group.bench_function("plain generation (baseline)", |b| {
            cycle(rt, b, || plain_answer(&app, &prompts, next_q()))
        });
    }

    // Prompt lookup off, in a bot of its own after the first is gone: two loaded models
    // in one process slow each other (their idle llama.cpp threads spin), so this side
    // runs after the others, not interleaved with them.
    {
        let off = start(pack, &data.path().join("data-no-lookup"), false);
        let ask = |i: usize| {
            let q = qs[i].0.clone();
            let chat = next_chat();
            let off = &off;
            async move {
                herald_answer(off, &q, chat).await;
            }
        };
        pass(rt, &qs, ask); // warm-up
        let times = pass(rt, &qs, ask);
        println!(
            "  herald, prompt lookup off (run after): p50 {:.0} ms, p95 {:.0} ms",
            ms(percentile(&times, 0.5)),
            ms(percentile(&times, 0.95))
        );
        group.bench_function("herald, prompt lookup off", |b| {
            cycle(rt, b, || herald_answer(&off, next_q(), next_chat()))
        });
    }
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
