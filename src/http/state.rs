//! What the handlers share: the components ([`HttpParts`]), the keys and their rate
//! limits, the adapters `/readyz` reports on.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Instant;

use axum::http::{HeaderMap, StatusCode};

use herald_platform::Platform;

use crate::bot::Bot;
use crate::config::HttpConfig;
use crate::engagement::EngagementLog;
use crate::knowledge::KnowledgeStore;
use crate::metrics::Metrics;
use crate::posts::PostStore;

use super::error::ApiError;

/// The components the handlers use, passed in by whoever builds the server.
#[derive(Clone)]
pub struct HttpParts {
    /// Answers chat completions like chat messages.
    pub bot: Arc<Bot>,
    /// Records link clicks.
    pub log: EngagementLog,
    /// Where posts' counted links (`/r/<token>`) are kept.
    pub posts: PostStore,
    pub metrics: Arc<Metrics>,
    /// `/readyz` reports whether knowledge is loaded; `/metrics` its fallbacks.
    pub knowledge: Arc<dyn KnowledgeStore>,
    /// The model backend's name, for `/readyz`.
    pub llm_name: String,
}

/// What the handlers share.
#[derive(Clone)]
pub struct HttpState {
    pub parts: HttpParts,
    /// Bearer keys accepted; empty means no authentication (loopback demos only).
    pub keys: Arc<Vec<String>>,
    /// The model id shown in `/v1/models` and responses.
    pub model: Arc<str>,
    pub limiter: Arc<RateLimiter>,
    /// The platform adapters `/readyz` reports on.
    pub adapters: Arc<Vec<Arc<dyn Platform>>>,
}

impl HttpState {
    pub fn new(parts: HttpParts, config: &HttpConfig) -> HttpState {
        HttpState {
            model: config.model_name.as_str().into(),
            keys: Arc::new(config.keys.clone()),
            limiter: Arc::new(RateLimiter::per_minute(config.rate_per_minute)),
            adapters: Arc::new(Vec::new()),
            parts,
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
