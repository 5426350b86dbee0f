//! `/v1/chat/completions` throughput and latency for answers from the knowledge graph, at 1,
//! 4 and 16 concurrent clients, over real TCP: on the local model, and through the openai
//! backend pointed at a second herald. Baseline in the same run: the bot called directly
//! (`Bot::handle`, no HTTP), so the ratio is what the API layer costs.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::knowledge::SledKnowledge;
use herald::llm::{LlamaBackend, LlamaOptions, LlmBackend, OpenAiBackend, OpenAiOptions};
use herald::{App, Bot, Config, Incoming};
use herald_platform::{ChatRef, PlatformKind};

mod support;
use support::serve::serve;

const QUESTION: &str = "how much is the huila?";

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn bot(llm: Arc<dyn LlmBackend>, data: &tempfile::TempDir) -> App {
    let mut c = Config::default();
    c.knowledge.dir = repo().join("knowledge");
    c.data.dir = data.path().to_path_buf();
    c.dialogue.prompts = repo().join("prompts");
    // No conversation memory: the relay's requests all reach the first herald as one API
    // user, and a remembered answer to the same question would make that path look faster.
    c.dialogue.memory_turns = 0;
    let db = herald::data::open_data(data.path()).expect("data");
    let (store, _) = SledKnowledge::open(&db, c.knowledge.dir.clone()).expect("pack");
    App::assemble(&c, db, Arc::new(store), llm).expect("bot")
}

fn local_model() -> Arc<dyn LlmBackend> {
    let model = std::env::var_os("HERALD_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    Arc::new(
        LlamaBackend::load(LlamaOptions {
            model,
            ..LlamaOptions::default()
        })
        .expect("model"),
    )
}

static NEXT: AtomicU64 = AtomicU64::new(0);

/// `clients` requests at once, each as its own end user; returns when all are answered.
async fn batch_http(client: &reqwest::Client, base: &str, clients: usize) {
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let (client, url) = (client.clone(), format!("{base}/chat/completions"));
        let user = format!("u{}", NEXT.fetch_add(1, Ordering::Relaxed));
        tasks.push(tokio::spawn(async move {
            let body = serde_json::json!({"model": "herald", "user": user,
                "messages": [{"role": "user", "content": QUESTION}]});
            let r = client.post(url).json(&body).send().await.expect("request");
            assert!(r.status().is_success());
            let v: serde_json::Value = r.json().await.expect("json");
            assert!(v["choices"][0]["message"]["content"]
                .to_string()
                .contains("16.00"));
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
}

async fn batch_direct(bot: &Arc<Bot>, clients: usize) {
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let bot = bot.clone();
        let user = format!("u{}", NEXT.fetch_add(1, Ordering::Relaxed));
        tasks.push(tokio::spawn(async move {
            let msg = Incoming {
                chat: ChatRef {
                    platform: PlatformKind::Http,
                    chat: "bench".into(),
                    private: true,
                },
                user,
                message_id: "1".into(),
                text: QUESTION.into(),
                addressed: true,
                manager: false,
                reply_to: None,
                chat_title: None,
                signals: Default::default(),
            };
            let r = bot.handle(&msg).await.expect("reply");
            assert!(r.reply.contains("16.00"));
        }));
    }
    for t in tasks {
        t.await.expect("client");
    }
}

fn http(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let (da, db_) = (
        tempfile::tempdir().expect("tmp"),
        tempfile::tempdir().expect("tmp"),
    );
    let local = bot(local_model(), &da);
    let base = rt.block_on(serve(&local));
    let local = local.bot.clone();
    // A second herald whose model is the first herald's API.
    let relay_llm: Arc<dyn LlmBackend> = Arc::new(OpenAiBackend::new(OpenAiOptions {
        base_url: base.clone(),
        model: "herald".into(),
        timeout: Duration::from_secs(120),
        ..OpenAiOptions::default()
    }));
    let relay = bot(relay_llm, &db_);
    let relay_base = rt.block_on(serve(&relay));
    let client = reqwest::Client::new();

    let mut g = c.benchmark_group("chat_completions");
    g.sample_size(10)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(20));
    for clients in [1usize, 4, 16] {
        g.throughput(criterion::Throughput::Elements(clients as u64));
        g.bench_function(format!("direct_bot/{clients}"), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    rt.block_on(batch_direct(&local, clients));
                }
                t.elapsed()
            })
        });
        g.bench_function(format!("http_local_model/{clients}"), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    rt.block_on(batch_http(&client, &base, clients));
                }
                t.elapsed()
            })
        });
        g.bench_function(format!("http_openai_backend_to_herald/{clients}"), |b| {
            b.iter_custom(|iters| {
                let t = Instant::now();
                for _ in 0..iters {
                    rt.block_on(batch_http(&client, &relay_base, clients));
                }
                t.elapsed()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, http);
criterion_main!(benches);
