//! The OpenAI-compatible API in-process (tower `oneshot`, no network): the real bot and
//! model behind `/v1/chat/completions`, auth, errors as OpenAI-style JSON, health.

use crate::support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

use herald::config::HttpConfig;
use herald::http::{router, HttpState};

const KEY: &str = "sk-herald-test";

fn app(t: &support::TestBot) -> axum::Router {
    let config = HttpConfig {
        keys: vec![KEY.into()],
        max_body_bytes: 4096,
        ..HttpConfig::default()
    };
    router(
        HttpState::new(t.app.http_parts(), &config),
        config.max_body_bytes,
    )
}

async fn call(
    app: &axum::Router,
    method: &str,
    path: &str,
    key: Option<&str>,
    body: String,
) -> (StatusCode, String) {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/json");
    if let Some(k) = key {
        req = req.header("authorization", format!("Bearer {k}"));
    }
    let resp = app
        .clone()
        .oneshot(req.body(Body::from(body)).expect("request"))
        .await
        .expect("response");
    let status = resp.status();
    let bytes = resp.into_body().collect().await.expect("body").to_bytes();
    (status, String::from_utf8_lossy(&bytes).into_owned())
}

fn ask(text: &str, stream: bool) -> String {
    json!({"model": "herald", "stream": stream, "messages": [
        {"role": "system", "content": "ignored: herald has its own prompt"},
        {"role": "user", "content": text}
    ]})
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_answer_with_the_fact_and_its_citations() {
    let t = support::bot();
    let app = app(&t);
    let (status, body) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some(KEY),
        ask("how much is the huila?", false),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["object"], "chat.completion");
    assert_eq!(v["choices"][0]["message"]["role"], "assistant");
    assert_eq!(v["choices"][0]["finish_reason"], "stop");
    let content = v["choices"][0]["message"]["content"]
        .as_str()
        .expect("content");
    assert!(content.contains("16.00"), "{content}");
    let facts: Vec<&str> = v["herald"]["citations"]
        .as_array()
        .expect("citations")
        .iter()
        .filter_map(|c| c["fact"].as_str())
        .collect();
    crate::answers::assert_numbers_cited(content, &facts);
    assert!(v["herald"]["citations"][0]["source"]
        .as_str()
        .unwrap_or("")
        .contains("products.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn streaming_sends_the_same_checked_reply_in_chunks() {
    let t = support::bot();
    let app = app(&t);
    let (status, body) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some(KEY),
        ask("/help", true),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let events: Vec<&str> = body
        .lines()
        .filter_map(|l| l.strip_prefix("data: "))
        .collect();
    assert_eq!(events.last(), Some(&"[DONE]"));
    let chunks: Vec<Value> = events[..events.len() - 1]
        .iter()
        .map(|e| serde_json::from_str(e).expect("chunk json"))
        .collect();
    assert!(chunks.len() >= 3, "{body}");
    assert_eq!(chunks[0]["choices"][0]["delta"]["role"], "assistant");
    let text: String = chunks
        .iter()
        .filter_map(|c| c["choices"][0]["delta"]["content"].as_str())
        .collect();
    assert!(text.contains("/forget"), "{text}");
    let last = chunks.last().expect("last");
    assert_eq!(last["choices"][0]["finish_reason"], "stop");
    assert_eq!(last["herald"]["route"], "smalltalk");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_bad_requests_and_limits_get_openai_style_errors() {
    let t = support::bot();
    let app = app(&t);
    for key in [None, Some("sk-wrong")] {
        let (status, body) =
            call(&app, "POST", "/v1/chat/completions", key, ask("hi", false)).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        let v: Value = serde_json::from_str(&body).expect("json");
        assert!(
            v["error"]["message"]
                .as_str()
                .unwrap_or("")
                .contains("API key"),
            "{body}"
        );
    }
    let (status, _) = call(&app, "GET", "/v1/models", None, String::new()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, body) = call(&app, "GET", "/v1/models", Some(KEY), String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("\"herald\""), "{body}");

    let (status, body) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some(KEY),
        "{not json".into(),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("invalid_request_error"), "{body}");
    let only_system = json!({"messages": [{"role": "system", "content": "x"}]}).to_string();
    let (status, body) = call(&app, "POST", "/v1/chat/completions", Some(KEY), only_system).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("user message"), "{body}");
    let (status, _) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some(KEY),
        ask(&"x".repeat(10_000), false),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, body) = call(&app, "GET", "/nope", Some(KEY), String::new()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("error"), "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_key_is_held_to_its_rate_limit() {
    let t = support::bot();
    let config = HttpConfig {
        keys: vec![KEY.into(), "sk-other".into()],
        rate_per_minute: 2,
        ..HttpConfig::default()
    };
    let app = router(
        HttpState::new(t.app.http_parts(), &config),
        config.max_body_bytes,
    );
    for _ in 0..2 {
        let (status, _) = call(
            &app,
            "POST",
            "/v1/chat/completions",
            Some(KEY),
            ask("/help", false),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, body) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some(KEY),
        ask("/help", false),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(body.contains("rate_limit_error"), "{body}");
    // Another key has its own budget.
    let (status, _) = call(
        &app,
        "POST",
        "/v1/chat/completions",
        Some("sk-other"),
        ask("/help", false),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_and_readiness_need_no_key() {
    let t = support::bot();
    let app = app(&t);
    let (status, body) = call(&app, "GET", "/healthz", None, String::new()).await;
    assert_eq!((status, body.trim()), (StatusCode::OK, "ok"));
    let (status, body) = call(&app, "GET", "/metrics", None, String::new()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        body.contains("# TYPE herald_answer_seconds histogram"),
        "{body}"
    );
    assert!(
        body.contains("\nherald_knowledge_fallbacks_total 0\n"),
        "the embedded store never falls back: {body}"
    );
    // The local model's queue and batches, idle: nothing waits, nothing runs, and the
    // sequences it may run at once are said.
    let model = t.app.llm.name().to_string();
    for (series, value) in [
        ("herald_llm_queue_length", "0"),
        ("herald_llm_active_sequences", "0"),
        (
            "herald_llm_sequences_max",
            &herald::llm::LlamaOptions::default().parallel.to_string(),
        ),
    ] {
        let line = format!("\n{series}{{backend=\"{model}\"}} {value}\n");
        assert!(body.contains(&line), "no {line:?} in {body}");
    }
    let (status, body) = call(&app, "GET", "/readyz", None, String::new()).await;
    assert_eq!(status, StatusCode::OK);
    let v: Value = serde_json::from_str(&body).expect("json");
    assert_eq!(v["ready"], true);
    assert_eq!(v["entities"], 14);
}
