//! Generation against llama.cpp itself, on the same model and threads (2):
//!
//! 1. **One request**: herald's decode and prompt speed (`LlamaBackend` as `herald run`
//!    builds it) against `llama-bench` (tg128, pp512), interleaved run by run.
//! 2. **Bursts** of 1, 2, 4, 8 and 16 requests at once, each a distinct question of the
//!    sample eval set with the facts retrieved for it (fresh facts every request), greedy,
//!    64 tokens at most, no constraint (the server cannot apply one): herald against
//!    `llama-server --parallel 8 --cont-batching` (the same sequences as herald's default
//!    here), interleaved burst by burst. `llama-batched-bench` gives llama.cpp's pure decode
//!    speed at the same batch sizes.
//! 3. **The HTTP API**: 8 distinct questions one after another against the same 8 at once,
//!    through herald's whole answer path, with how many answers the model still words.
//! 4. **Time to first token** over distinct questions with their facts, with and without the
//!    shared-prefix cache (two backends, one after the other: two models alive in one
//!    process slow each other).
//!
//! Decode speed excludes prompt processing: one request's is from its first token to its
//! end; a burst's is herald's own count of reply tokens over the time of the steps that
//! decoded them (what llama-batched-bench reports as S_TG), next to llama-batched-bench at
//! the same number of sequences. End to end is all tokens over the burst's wall time, for
//! both herald and the server. Every request carries a line no other has right after the
//! instructions, so neither side finds its facts in a cache. The server is reached over
//! loopback HTTP, herald in-process: the HTTP hop is a millisecond against seconds.
//!
//! Needs llama.cpp's tools: `scripts/bench --bench generation` builds them once.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::llm::{ChatMessage, GenerateRequest, LlamaBackend, LlamaOptions, LlmBackend, Role};

mod peers;
mod support;
use peers::{LlamaServer, Tools};

const THREADS: i32 = 2;
const BURST_TOKENS: u32 = 64;
const STORY: &str = "Write a long story about a lighthouse keeper and her cat.";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn model_path() -> PathBuf {
    let path = std::env::var_os("HERALD_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(
        path.is_file(),
        "model {} missing: run scripts/bench or scripts/setup",
        path.display()
    );
    path
}

fn herald_backend(prompt_cache: bool) -> Arc<LlamaBackend> {
    Arc::new(
        LlamaBackend::load(LlamaOptions {
            model: model_path(),
            threads: THREADS,
            prompt_cache,
            ..LlamaOptions::default()
        })
        .expect("model loads"),
    )
}

/// One finished request, as either side reports it.
#[derive(Clone, Copy, Debug)]
pub struct Done {
    pub tokens: usize,
    /// From the request's start: its first token, and its end.
    pub first: Duration,
    pub end: Duration,
}

/// A burst's figures.
struct Burst {
    wall: Duration,
    tokens: usize,
    /// Herald: tokens per second of its decode steps (its own counters), as
    /// llama-batched-bench measures; the server: 0 (it has no such counter).
    decode_tps: f64,
    latencies: Vec<Duration>,
}

fn burst(done: &[Done], wall: Duration, decode_tps: f64) -> Burst {
    let tokens = done.iter().map(|d| d.tokens).sum();
    let mut latencies: Vec<Duration> = done.iter().map(|d| d.end).collect();
    latencies.sort();
    Burst {
        wall,
        tokens,
        decode_tps,
        latencies,
    }
}

async fn herald_generate(llm: &LlamaBackend, req: GenerateRequest) -> Done {
    let t = Instant::now();
    let g = llm.generate(req).await.expect("herald generates");
    let end = t.elapsed();
    Done {
        tokens: g.generated_tokens,
        first: end.saturating_sub(Duration::from_secs_f64(
            (g.total_ms - g.first_token_ms) / 1000.0,
        )),
        end,
    }
}

static TICKET: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// `req` with a line no other request has, right after the instructions: its facts and
/// question are evaluated, never found in a cache (the instructions are).
fn fresh(req: &GenerateRequest) -> GenerateRequest {
    let n = TICKET.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let mut req = req.clone();
    let head = req.cache_prefix.clone();
    let first = req.messages.first_mut().expect("a system message");
    assert!(
        first.content.starts_with(&head),
        "the head starts the prompt"
    );
    first.content = first
        .content
        .replacen(&head, &format!("{head}Ticket {n}.\n"), 1);
    req
}

async fn herald_burst(llm: &LlamaBackend, reqs: &[GenerateRequest]) -> Burst {
    let stats = llm.stats().expect("the local model counts its steps");
    let (tokens0, secs0) = stats.decoded();
    let t = Instant::now();
    let done =
        futures_util::future::join_all(reqs.iter().map(|r| herald_generate(llm, fresh(r)))).await;
    let wall = t.elapsed();
    let (tokens1, secs1) = stats.decoded();
    let tps = (tokens1 - tokens0) as f64 / (secs1 - secs0).max(1e-9);
    burst(&done, wall, tps)
}

async fn server_burst(server: &LlamaServer, reqs: &[GenerateRequest]) -> Burst {
    let reqs: Vec<GenerateRequest> = reqs.iter().map(fresh).collect();
    let t = Instant::now();
    let done = futures_util::future::join_all(reqs.iter().map(|r| server.generate(r))).await;
    burst(&done, t.elapsed(), 0.0)
}

fn story() -> GenerateRequest {
    GenerateRequest {
        messages: vec![ChatMessage::new(Role::User, STORY)],
        max_tokens: 128,
        ..GenerateRequest::default()
    }
}

/// Decode speed of one request (tokens after the first per second after the first).
fn decode_tps(d: &Done) -> f64 {
    d.tokens.saturating_sub(1) as f64 / (d.end - d.first).as_secs_f64().max(1e-9)
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Ten samples of one run each: a run here takes seconds, and the interleaved passes
/// above each group are what the ratios come from.
fn quick(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>) {
    g.sample_size(10)
        .sampling_mode(criterion::SamplingMode::Flat)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(1));
}

fn generation(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let tools = Tools::find();
    let model = model_path();
    let questions = peers::questions(&repo());
    assert!(
        questions.len() >= 16,
        "the sample eval set has too few questions"
    );

    // llama.cpp's pure decode at each batch size, once, for reference.
    let batched = tools.batched_bench(&model, THREADS, &[1, 2, 4, 8, 16]);
    println!("\nllama-batched-bench (pp 400, tg 64, 2 threads): decode tok/s by sequences");
    for (n, tps) in &batched {
        println!("  {n:>2}: {tps:.1}");
    }

    let llm = herald_backend(true);
    let requests = peers::requests(&repo(), &questions);
    // Warm: the instructions' state is evaluated once, as in a running bot.
    rt.block_on(herald_burst(&llm, &requests[..1]));

    // 1. One request, interleaved with llama-bench.
    let (mut ours, mut theirs, mut our_pp, mut their_pp) = (vec![], vec![], vec![], vec![]);
    for round in 0..6 {
        let mut run_ours = || {
            let d = rt.block_on(herald_generate(&llm, story()));
            ours.push(decode_tps(&d));
            let q = &requests[round % requests.len()];
            let t = Instant::now();
            let g = rt.block_on(llm.generate(GenerateRequest {
                max_tokens: 1,
                ..fresh(q)
            }));
            let g = g.expect("prompt");
            let _ = t;
            our_pp.push((g.prompt_tokens - g.cached_tokens) as f64 / (g.first_token_ms / 1000.0));
        };
        if round % 2 == 0 {
            run_ours();
        }
        let (pp, tg) = tools.llama_bench(&model, THREADS);
        their_pp.push(pp);
        theirs.push(tg);
        if round % 2 == 1 {
            run_ours();
        }
    }
    let (ours, theirs) = (median(ours), median(theirs));
    let (our_pp, their_pp) = (median(our_pp), median(their_pp));
    println!(
        "\none request, medians of 6 interleaved runs: decode herald {ours:.1} tok/s, llama-bench tg128 {theirs:.1} tok/s (ratio {:.2}); prompt herald {our_pp:.1} tok/s, llama-bench pp512 {their_pp:.1} tok/s (ratio {:.2})",
        ours / theirs,
        our_pp / their_pp
    );
    let mut g = c.benchmark_group("one_request");
    quick(&mut g);
    g.bench_function("decode_100_tokens/herald", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| {
                    let d = rt.block_on(herald_generate(&llm, story()));
                    Duration::from_secs_f64(100.0 / decode_tps(&d))
                })
                .sum()
        })
    });
    g.bench_function("decode_100_tokens/llama-bench", |b| {
        b.iter_custom(|iters| {
            (0..iters)
                .map(|_| Duration::from_secs_f64(100.0 / tools.llama_bench(&model, THREADS).1))
                .sum()
        })
    });
    g.finish();

    // 2. Bursts, interleaved with llama-server.
    let server = rt.block_on(LlamaServer::start(&tools, &model, THREADS, 8));
    rt.block_on(server_burst(&server, &requests[..1]));
    let sizes = [1usize, 2, 4, 8, 16];
    let mut table: Vec<(usize, Vec<Burst>, Vec<Burst>)> =
        sizes.iter().map(|&n| (n, vec![], vec![])).collect();
    let mut next = 0;
    for round in 0..2 {
        for row in table.iter_mut() {
            let n = row.0;
            let reqs: Vec<GenerateRequest> = (0..n)
                .map(|k| requests[(next + k) % requests.len()].clone())
                .collect();
            next += n;
            if round % 2 == 0 {
                row.1.push(rt.block_on(herald_burst(&llm, &reqs)));
                row.2.push(rt.block_on(server_burst(&server, &reqs)));
            } else {
                row.2.push(rt.block_on(server_burst(&server, &reqs)));
                row.1.push(rt.block_on(herald_burst(&llm, &reqs)));
            }
        }
    }
    println!("\nbursts ({BURST_TOKENS} tokens at most, 2 rounds interleaved; tok/s end to end = all tokens / burst wall time)");
    println!("  n | herald decode tok/s | llama-batched-bench decode tok/s | herald e2e tok/s | server e2e tok/s | herald/server e2e | herald p95 / alone p50 | server p95 / alone p50");
    let alone = |side: usize| -> f64 {
        let row = &table[0];
        let bursts = if side == 0 { &row.1 } else { &row.2 };
        median(
            bursts
                .iter()
                .map(|b| b.latencies[0].as_secs_f64())
                .collect(),
        )
    };
    let (alone_h, alone_s) = (alone(0), alone(1));
    for (n, h, s) in &table {
        let dec = |b: &[Burst]| median(b.iter().map(|b| b.decode_tps).collect());
        let e2e = |b: &[Burst]| {
            median(
                b.iter()
                    .map(|b| b.tokens as f64 / b.wall.as_secs_f64())
                    .collect(),
            )
        };
        let p95 = |b: &[Burst]| {
            let mut all: Vec<Duration> = b.iter().flat_map(|b| b.latencies.clone()).collect();
            all.sort();
            support::percentile(&all, 0.95).as_secs_f64()
        };
        let reference = batched
            .iter()
            .find(|(b, _)| b == n)
            .map_or(0.0, |(_, tps)| *tps);
        println!(
            "  {n:>2} | {:.1} | {:.1} | {:.1} | {:.1} | {:.2} | {:.2} | {:.2}",
            dec(h),
            reference,
            e2e(h),
            e2e(s),
            e2e(h) / e2e(s),
            p95(h) / alone_h,
            p95(s) / alone_s
        );
    }
    let mut g = c.benchmark_group("burst");
    quick(&mut g);
    for n in [1usize, 8] {
        let reqs = |i: u64| -> Vec<GenerateRequest> {
            (0..n)
                .map(|k| requests[(i as usize * n + k) % requests.len()].clone())
                .collect()
        };
        // Time per 100 tokens, end to end, from criterion's estimate.
        g.bench_function(format!("{n}/herald"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|i| {
                        let r = rt.block_on(herald_burst(&llm, &reqs(i)));
                        r.wall.mul_f64(100.0 / r.tokens.max(1) as f64)
                    })
                    .sum()
            })
        });
        g.bench_function(format!("{n}/llama-server"), |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|i| {
                        let r = rt.block_on(server_burst(&server, &reqs(i)));
                        r.wall.mul_f64(100.0 / r.tokens.max(1) as f64)
                    })
                    .sum()
            })
        });
    }
    g.finish();
    drop(server);

    // 3. The HTTP API.
    peers::api(c, &rt, llm.clone(), &questions);

    // 4. Time to first token, with the shared-prefix cache, then without.
    let mut g = c.benchmark_group("first_token");
    quick(&mut g);
    let ttft = |g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
                name: &str,
                llm: &LlamaBackend| {
        let mut i = 0;
        let mut seen = Vec::new();
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        i += 1;
                        let q = &requests[i % requests.len()];
                        let d = rt.block_on(herald_generate(
                            llm,
                            GenerateRequest {
                                max_tokens: 1,
                                ..fresh(q)
                            },
                        ));
                        seen.push(d.first);
                        d.first
                    })
                    .sum()
            })
        });
        seen.sort();
        println!(
            "\nfirst token {name}: p50 {:.0} ms, p95 {:.0} ms over {} requests",
            support::percentile(&seen, 0.5).as_secs_f64() * 1000.0,
            support::percentile(&seen, 0.95).as_secs_f64() * 1000.0,
            seen.len()
        );
    };
    ttft(&mut g, "with_prefix_cache", &llm);
    drop(llm);
    let cold = herald_backend(false);
    ttft(&mut g, "without_prefix_cache", &cold);
    g.finish();
}

criterion_group!(benches, generation);
criterion_main!(benches);
