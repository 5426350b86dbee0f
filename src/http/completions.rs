//! `POST /v1/chat/completions`: the last user message goes through the bot like a chat
//! message; the reply comes back as an OpenAI chat completion, whole or as SSE chunks, with
//! the citations and grounding outcome in an extra `herald` field.

use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;
use serde_json::{json, Value};

use herald_platform::{ChatRef, Incoming, PlatformKind};

use super::error::ApiError;
use super::state::{authorize, HttpState};
use crate::bot::Reply;
use crate::clock::now_secs;

#[derive(Debug, Deserialize)]
struct ChatRequest {
    #[serde(default)]
    model: Option<String>,
    messages: Vec<RequestMessage>,
    #[serde(default)]
    stream: bool,
    /// OpenAI's end-user id: keeps each user's conversation memory apart.
    #[serde(default)]
    user: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RequestMessage {
    role: String,
    #[serde(default)]
    content: Value,
}

/// The text of a message's content: a string, or the text parts of a list.
fn content_text(content: &Value) -> String {
    match content {
        Value::String(s) => s.clone(),
        Value::Array(parts) => parts
            .iter()
            .filter_map(|p| p["text"].as_str())
            .collect::<Vec<_>>()
            .join("\n"),
        _ => String::new(),
    }
}

static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "invalid_request_error", message)
}

pub(super) async fn create(
    State(s): State<HttpState>,
    headers: HeaderMap,
    body: String,
) -> Result<Response, ApiError> {
    let key = authorize(&s, &headers)?;
    if let Err(wait) = s.limiter.take(&key) {
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limit_error",
            format!("this key is over its rate limit (http.rate_per_minute); retry in {wait} s"),
        );
        e.retry_after = Some(wait);
        return Err(e);
    }
    let req: ChatRequest = serde_json::from_str(&body)
        .map_err(|e| bad_request(format!("the body is not a chat completion request: {e}")))?;
    let question = req
        .messages
        .iter()
        .rev()
        .find(|m| m.role == "user")
        .map(|m| content_text(&m.content))
        .filter(|t| !t.trim().is_empty())
        .ok_or_else(|| bad_request("messages must contain a user message with text"))?;
    let n = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    // Conversations are kept per key and end user, like a private chat.
    let key_tag = blake3::hash(key.as_bytes()).to_hex()[..12].to_string();
    let msg = Incoming {
        chat: ChatRef {
            platform: PlatformKind::Http,
            chat: format!("key-{key_tag}"),
            private: true,
        },
        user: req.user.clone().unwrap_or_else(|| "api".into()),
        message_id: n.to_string(),
        text: question,
        addressed: true,
        manager: false,
        reply_to: None,
        chat_title: None,
        signals: Default::default(),
    };
    let reply = s.parts.bot.handle(&msg).await.ok_or_else(|| {
        ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "server_error",
            "the bot gave no reply",
        )
    })?;
    let id = format!("chatcmpl-herald-{n}");
    let model = req.model.unwrap_or_else(|| s.model.to_string());
    if req.stream {
        return Ok(stream(id, model, reply).into_response());
    }
    Ok(Json(json!({
        "id": id,
        "object": "chat.completion",
        "created": now_secs(),
        "model": model,
        "choices": [{
            "index": 0,
            "message": {"role": "assistant", "content": &reply.reply},
            "finish_reason": "stop"
        }],
        "herald": extra(&reply),
    }))
    .into_response())
}

/// The documented extra field: what a chat member would see as sources, and how the answer
/// was made.
fn extra(reply: &Reply) -> Value {
    json!({
        "citations": reply.citations,
        "answered": reply.answered,
        "grounded": reply.grounded,
        "fallback": reply.fallback.as_str(),
        "route": reply.route,
        "intent": reply.intent,
    })
}

/// The reply as SSE chunks. The whole reply is checked before the first chunk leaves, so a
/// streamed answer is exactly as grounded as a plain one.
fn stream(
    id: String,
    model: String,
    reply: Reply,
) -> Sse<impl futures_core::Stream<Item = Result<Event, Infallible>>> {
    let created = now_secs();
    let chunk = |delta: Value, finish: Option<&str>, extra: Option<Value>| {
        let mut c = json!({
            "id": id, "object": "chat.completion.chunk", "created": created, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]
        });
        if let Some(e) = extra {
            c["herald"] = e;
        }
        Event::default().data(c.to_string())
    };
    let mut events = vec![chunk(
        json!({"role": "assistant", "content": ""}),
        None,
        None,
    )];
    for piece in pieces(&reply.reply) {
        events.push(chunk(json!({"content": piece}), None, None));
    }
    events.push(chunk(json!({}), Some("stop"), Some(extra(&reply))));
    events.push(Event::default().data("[DONE]"));
    Sse::new(tokio_stream_iter(events))
}

/// Word-sized pieces (whitespace kept), so clients render the reply progressively.
fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current = String::new();
    for c in text.chars() {
        current.push(c);
        if c.is_whitespace() && current.chars().count() >= 12 {
            out.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

fn tokio_stream_iter(
    events: Vec<Event>,
) -> impl futures_core::Stream<Item = Result<Event, Infallible>> {
    futures_util::stream::iter(events.into_iter().map(Ok))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_rebuild_the_text() {
        let t = "Colombia Huila is 16.00 USD for a 250 g bag [1].";
        assert_eq!(pieces(t).concat(), t);
        assert!(pieces(t).len() > 1);
        assert_eq!(pieces("").len(), 0);
    }

    #[test]
    fn content_parts_are_joined() {
        assert_eq!(content_text(&json!("hi")), "hi");
        assert_eq!(
            content_text(
                &json!([{"type": "text", "text": "a"}, {"type": "image_url"}, {"type": "text", "text": "b"}])
            ),
            "a\nb"
        );
        assert_eq!(content_text(&json!(null)), "");
    }
}
