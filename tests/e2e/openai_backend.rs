//! herald's openai backend against a scriptable OpenAI-compatible server: answers flow
//! through the same grounding guard and citations; a slow or failing server still gets the
//! member an answer from the facts, within the deadline; a chain falls back to the local model.

use crate::support;

use std::sync::Arc;
use std::time::{Duration, Instant};

use herald::llm::{
    FallbackChain, LlamaBackend, LlamaOptions, LlmBackend, OpenAiBackend, OpenAiOptions,
};
use support::fake_openai::{Behaviour, FakeOpenAi};

fn backend(fake: &FakeOpenAi, timeout_ms: u64, retries: u32) -> Arc<OpenAiBackend> {
    backend_with(fake, timeout_ms, retries, false)
}

fn backend_with(
    fake: &FakeOpenAi,
    timeout_ms: u64,
    retries: u32,
    stream: bool,
) -> Arc<OpenAiBackend> {
    Arc::new(OpenAiBackend::new(OpenAiOptions {
        base_url: fake.base_url.clone(),
        model: "served-model".into(),
        api_key: "sk-test".into(),
        timeout: Duration::from_millis(timeout_ms),
        retries,
        retry_base: Duration::from_millis(20),
        stream,
        ..OpenAiOptions::default()
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grounded_server_answer_is_used_with_its_citation() {
    let fake = FakeOpenAi::start(vec![Behaviour::Reply(
        "Colombia Huila is 16.00 USD [1].".into(),
    )])
    .await;
    let t = support::bot_with(backend(&fake, 5_000, 0));
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    assert_eq!(reply.fallback.as_str(), "none", "{reply:?}");
    assert!(reply.reply.contains("16.00"));
    assert!(reply.citations.iter().any(|c| c.fact.contains("16.00 USD")));
    // The server got herald's prompt: the system message carries the facts.
    let req = &fake.requests()[0];
    assert_eq!(req["model"], "served-model");
    assert_eq!(req["messages"][0]["role"], "system");
    assert!(req["messages"][0]["content"]
        .to_string()
        .contains("16.00 USD"));
    assert_eq!(req["messages"].as_array().map(|m| m.len()), Some(2));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invented_price_from_the_server_is_replaced_by_the_facts() {
    let fake = FakeOpenAi::start(vec![
        Behaviour::Reply("Colombia Huila is 9.99 USD.".into()),
        Behaviour::Reply("It costs 9.99 USD.".into()),
    ])
    .await;
    let t = support::bot_with(backend(&fake, 5_000, 0));
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    assert_eq!(reply.fallback.as_str(), "extractive");
    assert!(
        reply.reply.contains("16.00") && !reply.reply.contains("9.99"),
        "{}",
        reply.reply
    );
    // One request: the server cannot be constrained, so the guard drops its sentence and
    // the plan is worded from the templates, as a sentence.
    assert_eq!(fake.requests().len(), 1);
    assert!(!reply.reply.contains(" — "), "a row: {}", reply.reply);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_server_times_out_and_the_member_gets_the_facts_within_the_deadline() {
    let fake = FakeOpenAi::start(vec![
        Behaviour::Slow(Duration::from_secs(30), "too late".into()),
        Behaviour::Slow(Duration::from_secs(30), "too late".into()),
    ])
    .await;
    let t = support::bot_with(backend(&fake, 400, 1));
    let started = Instant::now();
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    let took = started.elapsed();
    assert_eq!(reply.fallback.as_str(), "extractive");
    assert!(reply.reply.contains("16.00"));
    // Two attempts of 400 ms plus one 20 ms backoff, and some slack for the rest.
    assert!(took < Duration::from_millis(2_000), "{took:?}");
    assert_eq!(fake.requests().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_retried_then_answered() {
    let fake = FakeOpenAi::start(vec![
        Behaviour::Status(500),
        Behaviour::Reply("Colombia Huila is 16.00 USD [1].".into()),
    ])
    .await;
    let t = support::bot_with(backend(&fake, 5_000, 2));
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    assert_eq!(reply.fallback.as_str(), "none", "{reply:?}");
    assert_eq!(fake.requests().len(), 2);

    // Still failing after the retry: the member gets the facts, nothing hangs.
    let fake = FakeOpenAi::start(vec![Behaviour::Status(500); 5]).await;
    let t = support::bot_with(backend(&fake, 5_000, 1));
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    assert_eq!(reply.fallback.as_str(), "extractive");
    assert!(reply.reply.contains("16.00"));
    assert_eq!(
        fake.requests().len(),
        2,
        "one try and one retry, then the facts"
    );
    let metrics = t.app.metrics.render();
    assert!(
        metrics.contains("herald_llm_errors_total{backend=\"openai:served-model\"} 1\n"),
        "the failure shows in /metrics:\n{metrics}"
    );

    // A refusal (401) is not retried.
    let fake = FakeOpenAi::start(vec![Behaviour::Status(401), Behaviour::Status(401)]).await;
    let b = backend(&fake, 5_000, 3);
    let err = b
        .generate(herald::llm::GenerateRequest {
            messages: vec![herald::llm::ChatMessage::new(herald::llm::Role::User, "hi")],
            max_tokens: 8,
            constraint: None,
            cache_prefix: String::new(),
            conversation: String::new(),
        })
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("401"), "{err}");
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chain_falls_back_to_the_local_model_when_the_server_is_down() {
    let fake = FakeOpenAi::start(vec![Behaviour::Status(503), Behaviour::Status(503)]).await;
    let local = LlamaBackend::load(LlamaOptions {
        model: support::model_path(),
        ..LlamaOptions::default()
    })
    .expect("model loads");
    let chain = FallbackChain::new(vec![backend(&fake, 5_000, 0), Arc::new(local)]);
    assert!(
        chain.name().starts_with("openai:served-model > "),
        "{}",
        chain.name()
    );
    let g = chain
        .generate(herald::llm::GenerateRequest {
            messages: vec![herald::llm::ChatMessage::new(
                herald::llm::Role::User,
                "Say hello.",
            )],
            max_tokens: 8,
            constraint: None,
            cache_prefix: String::new(),
            conversation: String::new(),
        })
        .await
        .expect("the local model answered");
    assert!(g.generated_tokens > 0 && !g.text.is_empty());
    assert_eq!(fake.requests().len(), 1);
    assert_eq!(g.failed, vec!["openai:served-model".to_string()]);
    assert!(!g.backend.starts_with("openai"), "{}", g.backend);

    // Through the bot: the server's failure is counted under its own name even though
    // the member got a model answer.
    let fake = FakeOpenAi::start(vec![Behaviour::Status(503)]).await;
    let local = LlamaBackend::load(LlamaOptions {
        model: support::model_path(),
        ..LlamaOptions::default()
    })
    .expect("model loads");
    let chain = FallbackChain::new(vec![backend(&fake, 5_000, 0), Arc::new(local)]);
    let t = support::bot_with(Arc::new(chain));
    t.bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    let metrics = t.app.metrics.render();
    assert!(
        metrics.contains("herald_llm_errors_total{backend=\"openai:served-model\"} 1\n"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("herald_llm_errors_total{backend=\"llama"),
        "the local model did not fail:\n{metrics}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_ask_uses_the_configured_server_and_key() {
    let fake = FakeOpenAi::start(vec![Behaviour::Reply(
        "Colombia Huila is 16.00 USD [1].".into(),
    )])
    .await;
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[llm]\nbackend = \"openai\"\nbase_url = \"{}\"\napi_model = \"served-model\"\ntimeout_ms = 5000\n",
            fake.base_url
        ),
    )
    .expect("config");
    let mut cmd = support::herald();
    cmd.arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("db"))
        .args(["ask", "--json", "how much is the huila?"])
        .env("HERALD_LLM_API_KEY", "sk-from-env");
    let out = tokio::task::spawn_blocking(move || cmd.output().expect("herald runs"))
        .await
        .expect("join");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let reply: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    assert_eq!(reply["fallback"], "none", "{stdout}");
    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    assert_eq!(requests[0]["_authorization"], "Bearer sk-from-env");
    assert_eq!(requests[0]["model"], "served-model");

    std::fs::write(&config, "[llm]\nbackend = \"gpt\"\n").expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("db2"))
        .args(["ask", "hi"])
        .output()
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("\"openai\""));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_gathers_the_tokens_and_a_stall_mid_answer_hits_the_deadline() {
    let streaming = |fake: &FakeOpenAi, timeout_ms: u64, retries: u32| {
        backend_with(fake, timeout_ms, retries, true)
    };
    let fake = FakeOpenAi::start(vec![Behaviour::Reply(
        "Colombia Huila is 16.00 USD [1].".into(),
    )])
    .await;
    let b = streaming(&fake, 5_000, 0);
    let g = b
        .generate(herald::llm::GenerateRequest {
            messages: vec![herald::llm::ChatMessage::new(herald::llm::Role::User, "hi")],
            max_tokens: 32,
            constraint: None,
            cache_prefix: String::new(),
            conversation: String::new(),
        })
        .await
        .expect("streamed answer");
    assert_eq!(g.text, "Colombia Huila is 16.00 USD [1].");
    assert_eq!(g.generated_tokens, 6, "from the usage chunk");
    assert!(
        g.first_token_ms < g.total_ms,
        "first token {} ms before the end {} ms",
        g.first_token_ms,
        g.total_ms
    );
    let sent = &fake.requests()[0];
    assert_eq!(sent["stream"], true);
    assert_eq!(sent["stream_options"]["include_usage"], true);

    // Through the bot: the streamed reply is guarded and cited like any other.
    let fake = FakeOpenAi::start(vec![Behaviour::Reply(
        "Colombia Huila is 16.00 USD [1].".into(),
    )])
    .await;
    let t = support::bot_with(streaming(&fake, 5_000, 0));
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    assert_eq!(reply.fallback.as_str(), "none", "{reply:?}");
    assert!(reply.reply.contains("16.00"));

    // A server that sends one word and stalls: the deadline ends the attempt, the retry
    // stalls too, the member gets the facts within (retries + 1) x deadline.
    let fake = FakeOpenAi::start(vec![
        Behaviour::Stall("Colombia Huila is 16.00 USD [1].".into()),
        Behaviour::Stall("Colombia Huila is 16.00 USD [1].".into()),
    ])
    .await;
    let t = support::bot_with(streaming(&fake, 400, 1));
    let started = Instant::now();
    let reply = t
        .bot
        .handle(&support::msg("c", "how much is the huila?"))
        .await
        .expect("reply");
    let took = started.elapsed();
    assert_eq!(reply.fallback.as_str(), "extractive");
    assert!(reply.reply.contains("16.00"));
    assert_eq!(fake.requests().len(), 2);
    assert!(took < Duration::from_millis(2_000), "took {took:?}");
    assert!(
        took >= Duration::from_millis(800),
        "both attempts waited: {took:?}"
    );
}
