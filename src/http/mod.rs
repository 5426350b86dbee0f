//! The bot as an OpenAI-compatible server (axum): `POST /v1/chat/completions` (plain and
//! SSE streaming) and `GET /v1/models` answer through the same router, retrieval, grounding
//! guard and citations as a chat message; `GET /healthz`, `GET /readyz` for supervisors and
//! `GET /metrics` for Prometheus.
//! Every failure is an OpenAI-style JSON error with the right status.

mod completions;
mod error;
mod state;

pub use error::ApiError;
pub use state::{authorize, HttpParts, HttpState, RateLimiter};

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Json;
use serde_json::json;
use tokio::sync::watch;

/// The API's routes on `state`; bodies over `max_body_bytes` are refused (413).
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
        "data": [{"id": &*s.model, "object": "model", "created": crate::clock::now_secs(), "owned_by": "herald"}]
    }))
    .into_response())
}

/// Prometheus text format, version 0.0.4. Open like `/healthz`: scrapers rarely carry keys,
/// and the counters hold no member data.
async fn metrics(State(s): State<HttpState>) -> Response {
    let mut body = s.parts.metrics.render();
    body.push_str(&format!(
        "# HELP herald_knowledge_fallbacks_total Retrievals answered from the local copy because the graph database failed.\n# TYPE herald_knowledge_fallbacks_total counter\nherald_knowledge_fallbacks_total {}\n",
        s.parts.knowledge.fallbacks()
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
    let stats = s.parts.knowledge.snapshot().stats(0);
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
        "llm": s.parts.llm_name,
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
    let Some(link) = state.parts.posts.link(&token) else {
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
    let log = &state.parts.log;
    if let Err(e) = log.record(&log.speaker(&web, "web"), event) {
        tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
    }
    (
        StatusCode::FOUND,
        [(axum::http::header::LOCATION, link.url)],
    )
        .into_response()
}

/// Serve until `shutdown` turns true; in-flight requests are finished first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    // The peer's address goes with each request (the dashboard limits failed logins by it).
    let app = app.into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(async move {
            let _ = shutdown.wait_for(|s| *s).await;
        })
        .await
}
