//! The generation benchmark's peers and inputs: llama.cpp's own tools (llama-bench,
//! llama-batched-bench, llama-server), the requests a bot on the sample pack sends, and
//! herald's HTTP API one question after another or all at once.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::Criterion;
use serde::Deserialize;

use herald::knowledge::{KnowledgeStore, RetrieveOptions, SledKnowledge};
use herald::llm::{ChatMessage, GenerateRequest, LlamaBackend, Role};
use herald::text::Lang;
use herald::{App, Config};

use super::{Done, BURST_TOKENS};

/// Where llama.cpp's tools are (`scripts/bench` builds them).
pub struct Tools {
    dir: PathBuf,
}

impl Tools {
    pub fn find() -> Tools {
        let dir = std::env::var_os("HERALD_LLAMA_TOOLS")
            .map(PathBuf::from)
            .unwrap_or_else(|| {
                PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| "/root".into()))
                    .join(".cache/herald/llama.cpp/build/bin")
            });
        for tool in ["llama-bench", "llama-batched-bench", "llama-server"] {
            assert!(
                dir.join(tool).is_file(),
                "{} missing: run `scripts/bench --bench generation`, which builds llama.cpp's tools once (or set HERALD_LLAMA_TOOLS)",
                dir.join(tool).display()
            );
        }
        Tools { dir }
    }

    fn run(&self, tool: &str, args: &[String]) -> String {
        let out = Command::new(self.dir.join(tool))
            .args(args)
            .stderr(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("{tool} does not run: {e}"));
        assert!(out.status.success(), "{tool} failed: {:?}", out.status);
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// llama-bench, one repetition: (pp512 tok/s, tg128 tok/s).
    pub fn llama_bench(&self, model: &Path, threads: i32) -> (f64, f64) {
        let args: Vec<String> = [
            "-m",
            &model.display().to_string(),
            "-t",
            &threads.to_string(),
        ]
        .into_iter()
        .map(String::from)
        .chain(["-p", "512", "-n", "128", "-r", "1", "-o", "json"].map(String::from))
        .collect();
        #[derive(Deserialize)]
        struct Row {
            n_prompt: u32,
            avg_ts: f64,
        }
        let rows: Vec<Row> =
            serde_json::from_str(&self.run("llama-bench", &args)).expect("llama-bench json");
        let pick = |prompt: bool| {
            rows.iter()
                .find(|r| (r.n_prompt > 0) == prompt)
                .map(|r| r.avg_ts)
                .expect("llama-bench row")
        };
        (pick(true), pick(false))
    }

    /// llama-batched-bench's decode tok/s at each number of sequences (400-token prompts,
    /// 64 tokens each).
    pub fn batched_bench(&self, model: &Path, threads: i32, sizes: &[usize]) -> Vec<(usize, f64)> {
        let npl: Vec<String> = sizes.iter().map(|n| n.to_string()).collect();
        let args: Vec<String> = [
            "-m",
            &model.display().to_string(),
            "-t",
            &threads.to_string(),
            "-tb",
            &threads.to_string(),
            "-c",
            "16384",
            "-b",
            "2048",
            "-ub",
            "512",
            "-npp",
            "400",
            "-ntg",
            "64",
            "-npl",
            &npl.join(","),
            "--output-format",
            "jsonl",
        ]
        .into_iter()
        .map(String::from)
        .collect();
        #[derive(Deserialize)]
        struct Row {
            pl: usize,
            speed_tg: f64,
        }
        self.run("llama-batched-bench", &args)
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| {
                let r: Row = serde_json::from_str(l).expect("batched-bench json");
                (r.pl, r.speed_tg)
            })
            .collect()
    }
}

/// llama-server with continuous batching, stopped on drop.
pub struct LlamaServer {
    child: Child,
    url: String,
    client: reqwest::Client,
}

impl LlamaServer {
    pub async fn start(tools: &Tools, model: &Path, threads: i32, parallel: usize) -> LlamaServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(tools.dir.join("llama-server"))
            .args(["-m", &model.display().to_string()])
            .args(["-t", &threads.to_string(), "-tb", &threads.to_string()])
            .args(["--parallel", &parallel.to_string(), "--cont-batching"])
            // The same tokens per sequence as herald's default context.
            .args(["-c", &(2048 * parallel).to_string()])
            .args([
                "--host",
                "127.0.0.1",
                "--port",
                &port.to_string(),
                "--no-webui",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("llama-server starts");
        let url = format!("http://127.0.0.1:{port}");
        let client = reqwest::Client::new();
        let t = Instant::now();
        loop {
            if let Ok(r) = client.get(format!("{url}/health")).send().await {
                if r.status().is_success() {
                    break;
                }
            }
            assert!(
                t.elapsed() < Duration::from_secs(60),
                "llama-server did not start"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        LlamaServer { child, url, client }
    }

    /// The request through `/v1/chat/completions`, greedy, with the server's own timings.
    pub async fn generate(&self, req: &GenerateRequest) -> Done {
        let messages: Vec<serde_json::Value> = req
            .messages
            .iter()
            .map(|m| serde_json::json!({"role": m.role.as_str(), "content": m.content}))
            .collect();
        let body = serde_json::json!({"messages": messages, "max_tokens": req.max_tokens,
            "temperature": 0.0, "cache_prompt": true});
        let t = Instant::now();
        let v: serde_json::Value = self
            .client
            .post(format!("{}/v1/chat/completions", self.url))
            .json(&body)
            .send()
            .await
            .expect("llama-server answers")
            .json()
            .await
            .expect("json");
        let end = t.elapsed();
        let decode_ms = v["timings"]["predicted_ms"].as_f64().expect("timings");
        Done {
            tokens: v["usage"]["completion_tokens"].as_u64().expect("usage") as usize,
            first: end.saturating_sub(Duration::from_secs_f64(decode_ms / 1000.0)),
            end,
        }
    }
}

impl Drop for LlamaServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The sample eval set's questions that stand alone and expect an answer.
pub fn questions(repo: &Path) -> Vec<String> {
    crate::support::eval::standalone_questions(&repo.join("eval/sample.toml"))
        .into_iter()
        .filter(|(_, answer)| *answer)
        .map(|(q, _)| q)
        .collect()
}

/// What the bot would send the model for each question: its instructions, the facts
/// retrieved for it, the question.
pub fn requests(repo: &Path, questions: &[String]) -> Vec<GenerateRequest> {
    let data = tempfile::tempdir().expect("tmp");
    let db = herald::data::open_data(data.path()).expect("data");
    let (knowledge, _) = SledKnowledge::open(&db, repo.join("knowledge")).expect("pack");
    let prompts = herald::dialogue::Prompts::load(&repo.join("prompts")).expect("prompts");
    questions
        .iter()
        .enumerate()
        .map(|(i, q)| {
            let retrieval = knowledge
                .retrieve(q, &[], &RetrieveOptions::default())
                .expect("retrieve");
            let zh = Lang::detect(q).is_zh();
            // The facts listed (the prompt without a worded answer): the longer of the
            // bot's two prompt forms. Its first line, the instructions, is the shared head.
            let system = prompts.system("Herald", &retrieval, zh, "");
            let head = system
                .split_inclusive('\n')
                .next()
                .unwrap_or_default()
                .to_string();
            GenerateRequest {
                messages: vec![
                    ChatMessage::new(Role::System, system),
                    ChatMessage::new(Role::User, q.clone()),
                ],
                max_tokens: BURST_TOKENS,
                cache_prefix: head,
                conversation: format!("bench-{i}"),
                ..GenerateRequest::default()
            }
        })
        .collect()
}

static USER: AtomicU64 = AtomicU64::new(0);

/// 8 questions through herald's HTTP API: (seconds, answers the model worded).
async fn ask(client: &reqwest::Client, base: &str, qs: &[String], at_once: bool) -> (f64, usize) {
    let one = |q: String| {
        let (client, url) = (client.clone(), format!("{base}/chat/completions"));
        let user = format!("u{}", USER.fetch_add(1, Ordering::Relaxed));
        async move {
            let body = serde_json::json!({"model": "herald", "user": user,
                "messages": [{"role": "user", "content": q}]});
            let r = client.post(url).json(&body).send().await.expect("request");
            assert!(r.status().is_success());
            let v: serde_json::Value = r.json().await.expect("json");
            usize::from(v["herald"]["fallback"] == "none")
        }
    };
    let t = Instant::now();
    let worded = if at_once {
        futures_util::future::join_all(qs.iter().cloned().map(one))
            .await
            .into_iter()
            .sum()
    } else {
        let mut n = 0;
        for q in qs {
            n += one(q.clone()).await;
        }
        n
    };
    (t.elapsed().as_secs_f64(), worded)
}

/// The HTTP API phase: the bot on the sample pack, served on loopback.
pub fn api(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    llm: Arc<LlamaBackend>,
    questions: &[String],
) {
    let data = tempfile::tempdir().expect("tmp");
    let repo = super::repo();
    let mut config = Config::default();
    config.knowledge.dir = repo.join("knowledge");
    config.data.dir = data.path().to_path_buf();
    config.dialogue.prompts = repo.join("prompts");
    let db = herald::data::open_data(data.path()).expect("data");
    let (store, _) = SledKnowledge::open(&db, config.knowledge.dir.clone()).expect("pack");
    let app: App = App::assemble(&config, db, Arc::new(store), llm).expect("bot");
    let base = rt.block_on(crate::support::serve::serve(&app));
    let client = reqwest::Client::new();
    let eight: Vec<Vec<String>> = questions
        .chunks(8)
        .filter(|c| c.len() == 8)
        .map(<[String]>::to_vec)
        .collect();
    let mut rows = Vec::new();
    for (round, qs) in eight.iter().enumerate().take(3) {
        let first = round % 2 == 0;
        let a = rt.block_on(ask(&client, &base, qs, first));
        let b = rt.block_on(ask(&client, &base, qs, !first));
        rows.push(if first { (b, a) } else { (a, b) });
    }
    println!("\nHTTP API, 8 distinct questions (one after another | at once), interleaved:");
    for ((seq, seq_worded), (once, once_worded)) in &rows {
        println!(
            "  {seq:.2} s, {seq_worded}/8 worded by the model | {once:.2} s, {once_worded}/8 worded | {:.2}x faster",
            seq / once
        );
    }
    let mut g = c.benchmark_group("http_api_8_questions");
    super::quick(&mut g);
    for (name, at_once) in [("one_after_another", false), ("at_once", true)] {
        let mut i = 0;
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                (0..iters)
                    .map(|_| {
                        i += 1;
                        let qs = &eight[i % eight.len()];
                        Duration::from_secs_f64(rt.block_on(ask(&client, &base, qs, at_once)).0)
                    })
                    .sum()
            })
        });
    }
    g.finish();
}
