//! A scriptable OpenAI-compatible server on loopback, for herald's openai backend: each
//! `/v1/chat/completions` request takes the next scripted behaviour (a reply, an error
//! status, or a delay) and every request body is recorded.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{json, Value};

#[derive(Clone, Debug)]
pub enum Behaviour {
    Reply(String),
    /// An error status with an OpenAI-style error body.
    Status(u16),
    /// Answer `then` only after this long.
    Slow(Duration, String),
    /// When streaming: send the first word, then nothing more (a server that stalls
    /// mid-answer).
    Stall(String),
}

#[derive(Default)]
struct Inner {
    script: Mutex<VecDeque<Behaviour>>,
    requests: Mutex<Vec<Value>>,
}

pub struct FakeOpenAi {
    /// The API base to configure (`…/v1`).
    pub base_url: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeOpenAi {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeOpenAi {
    pub async fn start(script: Vec<Behaviour>) -> FakeOpenAi {
        let inner = Arc::new(Inner {
            script: Mutex::new(script.into()),
            ..Inner::default()
        });
        let app = axum::Router::new()
            .route("/v1/chat/completions", post(complete))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake OpenAI server");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOpenAi {
            base_url: format!("http://{addr}/v1"),
            inner,
            server,
        }
    }

    pub fn requests(&self) -> Vec<Value> {
        self.inner.requests.lock().expect("requests").clone()
    }
}

/// The request body is recorded with the `Authorization` header added as `_authorization`.
async fn complete(
    State(inner): State<Arc<Inner>>,
    headers: axum::http::HeaderMap,
    body: String,
) -> Response {
    let mut body: Value = serde_json::from_str(&body).unwrap_or(json!({}));
    body["_authorization"] = json!(headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or(""));
    inner.requests.lock().expect("requests").push(body.clone());
    let next = inner.script.lock().expect("script").pop_front();
    let mut stall = false;
    let text = match next {
        Some(Behaviour::Reply(t)) => t,
        Some(Behaviour::Stall(t)) => {
            stall = true;
            t
        }
        Some(Behaviour::Slow(d, t)) => {
            tokio::time::sleep(d).await;
            t
        }
        Some(Behaviour::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let err = json!({"error": {"message": "scripted failure", "type": "server_error", "param": null, "code": null}});
            return (status, axum::Json(err)).into_response();
        }
        None => {
            let err = json!({"error": {"message": "the script is over", "type": "server_error", "param": null, "code": null}});
            return (StatusCode::SERVICE_UNAVAILABLE, axum::Json(err)).into_response();
        }
    };
    let model = body["model"].as_str().unwrap_or("fake").to_string();
    if body["stream"] == json!(true) {
        let usage = body["stream_options"]["include_usage"] == json!(true);
        return stream(model, text, stall, usage);
    }
    axum::Json(json!({
        "id": "chatcmpl-fake", "object": "chat.completion", "created": 1_700_000_000u32,
        "model": model,
        "choices": [{"index": 0, "finish_reason": "stop",
                     "message": {"role": "assistant", "content": text}}],
        "usage": {"prompt_tokens": 100, "completion_tokens": 12, "total_tokens": 112}
    }))
    .into_response()
}

/// Server-sent events as OpenAI streams them: a role chunk, one chunk per word, a finish
/// chunk, the usage chunk when asked for, `[DONE]`. Words 10 ms apart.
fn stream(model: String, text: String, stall: bool, usage: bool) -> Response {
    let chunk = |delta: Value, finish: Value| {
        json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 1_700_000_000u32,
               "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        Value::Null,
    )];
    let words: Vec<String> = text.split_inclusive(' ').map(str::to_string).collect();
    let n = words.len();
    for w in words {
        events.push(chunk(json!({"content": w}), Value::Null));
    }
    events.push(chunk(json!({}), json!("stop")));
    if usage {
        events.push(
            json!({"id": "chatcmpl-fake", "object": "chat.completion.chunk",
            "created": 1_700_000_000u32, "model": model, "choices": [],
            "usage": {"prompt_tokens": 100, "completion_tokens": n, "total_tokens": 100 + n}}),
        );
    }
    let mut lines: Vec<String> = events
        .into_iter()
        .map(|e| format!("data: {e}\n\n"))
        .collect();
    lines.push("data: [DONE]\n\n".to_string());
    let body =
        futures_util::stream::unfold((lines.into_iter(), 0usize), move |(mut it, i)| async move {
            if stall && i == 2 {
                std::future::pending::<()>().await;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
            let line = it.next()?;
            Some((Ok::<_, std::convert::Infallible>(line), (it, i + 1)))
        });
    Response::builder()
        .header("content-type", "text/event-stream")
        .body(axum::body::Body::from_stream(body))
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}
