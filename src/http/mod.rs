//! The bot as an OpenAI-compatible server (axum): `POST /v1/chat/completions` (plain and
//! SSE streaming) and `GET /v1/models` answer through the same router, retrieval, grounding
//! guard and citations as a chat message; `GET /healthz`, `GET /readyz` for supervisors and
//! `GET /metrics` for Prometheus.
//! Every failure is an OpenAI-style JSON error with the right status.

mod completions;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde_json::json;
use tokio::sync::watch;

use herald_platform::Platform;

use crate::bot::Bot;
use crate::config::HttpConfig;

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub bot: Arc<Bot>,
    /// Bearer keys accepted; empty means no authentication (loopback demos only).
    pub keys: Arc<Vec<String>>,
    /// The model id shown in `/v1/models` and responses.
    pub model: Arc<str>,
    pub limiter: Arc<RateLimiter>,
    /// The platform adapters `/readyz` reports on.
    pub adapters: Arc<Vec<Arc<dyn Platform>>>,
}

impl HttpState {
    pub fn new(bot: Arc<Bot>, config: &HttpConfig) -> HttpState {
        HttpState {
            model: config.model_name.as_str().into(),
            keys: Arc::new(config.keys.clone()),
            limiter: Arc::new(RateLimiter::per_minute(config.rate_per_minute)),
            adapters: Arc::new(Vec::new()),
            bot,
        }
    }

    /// Report these adapters' connection state in `/readyz`.
    pub fn with_adapters(mut self, adapters: Vec<Arc<dyn Platform>>) -> HttpState {
        self.adapters = Arc::new(adapters);
        self
    }
}

/// A token bucket per key: `per_minute` requests a minute, bursts up to the same number.
pub struct RateLimiter {
    per_minute: u32,
    buckets: Mutex<HashMap<String, (f64, Instant)>>,
}

impl RateLimiter {
    /// `0` means no limit.
    pub fn per_minute(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Take one request for `key`, or say how many seconds until one is allowed.
    pub fn take(&self, key: &str) -> Result<(), u64> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let cap = f64::from(self.per_minute);
        let rate = cap / 60.0;
        let now = Instant::now();
        let Ok(mut buckets) = self.buckets.lock() else {
            return Ok(());
        };
        let (tokens, at) = buckets.entry(key.to_string()).or_insert((cap, now));
        *tokens = (*tokens + now.duration_since(*at).as_secs_f64() * rate).min(cap);
        *at = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            Ok(())
        } else {
            Err(((1.0 - *tokens) / rate).ceil().max(1.0) as u64)
        }
    }
}

/// An error as OpenAI clients expect it: `{"error": {"message", "type", "code"}}`.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub kind: &'static str,
    pub message: String,
    /// Seconds, sent as `Retry-After` (429).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = json!({"error": {"message": self.message, "type": self.kind, "code": self.status.as_u16()}});
        let mut resp = (self.status, Json(body)).into_response();
        if let Some(s) = self.retry_after {
            if let Ok(v) = s.to_string().parse() {
                resp.headers_mut().insert("retry-after", v);
            }
        }
        resp
    }
}

/// The key a request carries, when it is one of the configured ones.
pub fn authorize(state: &HttpState, headers: &HeaderMap) -> Result<String, ApiError> {
    if state.keys.is_empty() {
        return Ok("anonymous".into());
    }
    let given = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .unwrap_or("");
    let ok = state.keys.iter().any(|k| {
        k.len() == given.len()
            && k.bytes()
                .zip(given.bytes())
                .fold(0u8, |acc, (a, b)| acc | (a ^ b))
                == 0
    });
    if ok {
        Ok(given.to_string())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            "missing or invalid API key: send Authorization: Bearer <key> with a key from http.keys",
        ))
    }
}

pub fn router(state: HttpState, max_body_bytes: usize) -> axum::Router {
    axum::Router::new()
        .route("/v1/chat/completions", post(completions::create))
        .route("/v1/models", get(models))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .route("/r/{token}", get(click))
        .fallback(|| async {
            ApiError::new(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                "no such route",
            )
        })
        .layer(DefaultBodyLimit::max(max_body_bytes))
        .with_state(state)
}

async fn models(State(s): State<HttpState>, headers: HeaderMap) -> Result<Response, ApiError> {
    authorize(&s, &headers)?;
    Ok(Json(json!({
        "object": "list",
        "data": [{"id": &*s.model, "object": "model", "created": unix_now(), "owned_by": "herald"}]
    }))
    .into_response())
}

/// Prometheus text format, version 0.0.4. Open like `/healthz`: scrapers rarely carry keys,
/// and the counters hold no member data.
async fn metrics(State(s): State<HttpState>) -> Response {
    let mut body = s.bot.metrics().render();
    body.push_str(&format!(
        "# HELP herald_knowledge_fallbacks_total Retrievals answered from the local copy because the graph database failed.\n# TYPE herald_knowledge_fallbacks_total counter\nherald_knowledge_fallbacks_total {}\n",
        s.bot.knowledge().fallbacks()
    ));
    (
        [("content-type", "text/plain; version=0.0.4; charset=utf-8")],
        body,
    )
        .into_response()
}

/// Ready when knowledge is loaded and every adapter is connected (the model is loaded before
/// the server starts). 503 with the same body otherwise, so a supervisor sees why.
async fn ready(State(s): State<HttpState>) -> Response {
    let stats = s.bot.knowledge().snapshot().stats(0);
    let knowledge = stats.entities + stats.passages > 0;
    let adapters: Vec<_> = s
        .adapters
        .iter()
        .map(|a| json!({"platform": a.kind().as_str(), "connected": a.connected()}))
        .collect();
    let ready = knowledge && s.adapters.iter().all(|a| a.connected());
    let body = json!({
        "ready": ready,
        "model": &*s.model,
        "llm": s.bot.llm_name(),
        "entities": stats.entities,
        "passages": stats.passages,
        "adapters": adapters,
    });
    let status = if ready {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (status, Json(body)).into_response()
}

/// A link of a post: count the click, then redirect to the original address.
async fn click(
    State(state): State<HttpState>,
    axum::extract::Path(token): axum::extract::Path<String>,
) -> Response {
    let Some(link) = state.bot.posts().store().link(&token) else {
        return ApiError::new(
            StatusCode::NOT_FOUND,
            "invalid_request_error",
            "no such link",
        )
        .into_response();
    };
    let web = herald_platform::ChatRef {
        platform: herald_platform::PlatformKind::Http,
        chat: "web".into(),
        private: false,
    };
    let event = crate::engagement::EventKind::Click {
        post: link.post.clone(),
        url: link.url.clone(),
    };
    if let Err(e) = state.bot.log().record(&web, "web", event) {
        tracing::error!(error = %e, "could not write the engagement log");
    }
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, link.url)],
    )
        .into_response()
}

pub fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Serve until `shutdown` turns true; in-flight requests are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .await
}
