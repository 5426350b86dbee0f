//! Counters a team watches, in Prometheus text format (`GET /metrics`): messages by platform
//! and route, answer latency, tokens generated, grounding fallbacks, knowledge gaps, LLM
//! errors. Plain atomics and one small lock; no registry crate needed for a handful of series.
//! The same figures, read as numbers ([`Metrics::health`]), and the last warnings and errors
//! ([`recent`]) make the dashboard's Health page.

pub mod recent;

pub use recent::{recent_errors, LoggedError};

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::llm::{BackendStats, GenerateRequest, Generation, LlmBackend, LlmError};

/// Upper bounds (seconds) of the answer latency histogram.
const BUCKETS: &[f64] = &[0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

#[derive(Default)]
pub struct Metrics {
    /// (platform, route) → messages answered.
    messages: Mutex<BTreeMap<(String, String), u64>>,
    /// Cumulative counts per bucket, then +Inf.
    latency_buckets: [AtomicU64; 11],
    /// Microseconds, summed.
    latency_sum_us: AtomicU64,
    extractive: AtomicU64,
    gaps: AtomicU64,
    tokens: AtomicU64,
    /// Microseconds spent in model calls that succeeded (tokens per second = tokens / this).
    generate_us: AtomicU64,
    /// backend name → failed calls (a chain's members counted one by one).
    llm_errors: Mutex<BTreeMap<String, u64>>,
    unaddressed: AtomicU64,
    /// (rule, observed) → cases moderation opened.
    moderated: Mutex<BTreeMap<(String, bool), u64>>,
    /// The model backend's queue and batch figures, when it has them (name, figures).
    llm: Option<(String, Arc<BackendStats>)>,
}

impl Metrics {
    /// Counters that also show `llm`'s queue and batches, when it has them.
    pub fn for_backend(llm: &dyn LlmBackend) -> Metrics {
        Metrics {
            llm: llm.stats().map(|s| (llm.name().to_string(), s)),
            ..Metrics::default()
        }
    }

    /// Count one reply.
    pub fn reply(&self, platform: &str, route: &str, seconds: f64, extractive: bool, gap: bool) {
        if let Ok(mut m) = self.messages.lock() {
            *m.entry((platform.to_string(), route.to_string()))
                .or_default() += 1;
        }
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                self.latency_buckets[i].fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latency_buckets[BUCKETS.len()].fetch_add(1, Ordering::Relaxed);
        self.latency_sum_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        if extractive {
            self.extractive.fetch_add(1, Ordering::Relaxed);
        }
        if gap {
            self.gaps.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Count one failed call of the named model backend.
    pub fn llm_error(&self, backend: &str) {
        if let Ok(mut m) = self.llm_errors.lock() {
            *m.entry(backend.to_string()).or_default() += 1;
        }
    }

    /// Count a group message that did not address the bot (logged only).
    pub fn unaddressed(&self) {
        self.unaddressed.fetch_add(1, Ordering::Relaxed);
    }

    /// Count a moderation case (`observed`: logged only).
    pub fn moderated(&self, rule: &str, observed: bool) {
        if let Ok(mut m) = self.moderated.lock() {
            *m.entry((rule.to_string(), observed)).or_default() += 1;
        }
    }

    /// The figures as numbers, for a person to read.
    pub fn health(&self) -> Health {
        let replies = self.latency_buckets[BUCKETS.len()].load(Ordering::Relaxed);
        let sum_s = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let tokens = self.tokens.load(Ordering::Relaxed);
        let generate_s = self.generate_us.load(Ordering::Relaxed) as f64 / 1e6;
        let (queued, active) = self
            .llm
            .as_ref()
            .map_or((0, 0), |(_, s)| (s.queued(), s.active()));
        Health {
            replies,
            mean_latency_ms: if replies == 0 {
                0.0
            } else {
                sum_s * 1000.0 / replies as f64
            },
            p90_latency_le_s: quantile_bound(&self.latency_buckets, replies, 0.9),
            tokens,
            tokens_per_second: if generate_s > 0.0 {
                tokens as f64 / generate_s
            } else {
                0.0
            },
            llm_errors: self
                .llm_errors
                .lock()
                .map(|m| m.values().sum())
                .unwrap_or(0),
            gaps: self.gaps.load(Ordering::Relaxed),
            fallbacks: self.extractive.load(Ordering::Relaxed),
            model_queued: queued,
            model_active: active,
        }
    }

    pub fn render(&self) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, value: u64| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} counter\n{name} {value}"
            );
        };
        counter(
            "herald_grounding_fallbacks_total",
            "Replies composed from the facts because the model's reply failed the guard or the model failed.",
            self.extractive.load(Ordering::Relaxed),
        );
        counter(
            "herald_knowledge_gaps_total",
            "Questions the knowledge could not answer.",
            self.gaps.load(Ordering::Relaxed),
        );
        counter(
            "herald_llm_tokens_total",
            "Tokens generated by the model backend.",
            self.tokens.load(Ordering::Relaxed),
        );
        counter(
            "herald_unaddressed_messages_total",
            "Group messages logged without a reply.",
            self.unaddressed.load(Ordering::Relaxed),
        );
        let _ = writeln!(
            out,
            "# HELP herald_llm_errors_total Model backend calls that failed (timeouts, server errors), by backend.\n# TYPE herald_llm_errors_total counter"
        );
        if let Ok(m) = self.llm_errors.lock() {
            for (backend, n) in m.iter() {
                let _ = writeln!(
                    out,
                    "herald_llm_errors_total{{backend=\"{}\"}} {n}",
                    escape(backend)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP herald_moderation_total Messages moderation acted on (observed: only logged), by rule.\n# TYPE herald_moderation_total counter"
        );
        if let Ok(m) = self.moderated.lock() {
            for ((rule, observed), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "herald_moderation_total{{rule=\"{}\",observed=\"{observed}\"}} {n}",
                    escape(rule)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP herald_messages_total Messages answered, by platform and route.\n# TYPE herald_messages_total counter"
        );
        if let Ok(m) = self.messages.lock() {
            for ((platform, route), n) in m.iter() {
                let _ = writeln!(
                    out,
                    "herald_messages_total{{platform=\"{}\",route=\"{}\"}} {n}",
                    escape(platform),
                    escape(route)
                );
            }
        }
        let _ = writeln!(
            out,
            "# HELP herald_answer_seconds Time from message to reply.\n# TYPE herald_answer_seconds histogram"
        );
        for (i, le) in BUCKETS.iter().enumerate() {
            let _ = writeln!(
                out,
                "herald_answer_seconds_bucket{{le=\"{le}\"}} {}",
                self.latency_buckets[i].load(Ordering::Relaxed)
            );
        }
        let count = self.latency_buckets[BUCKETS.len()].load(Ordering::Relaxed);
        let _ = writeln!(out, "herald_answer_seconds_bucket{{le=\"+Inf\"}} {count}");
        let sum = self.latency_sum_us.load(Ordering::Relaxed) as f64 / 1e6;
        let _ = writeln!(out, "herald_answer_seconds_sum {sum}");
        let _ = writeln!(out, "herald_answer_seconds_count {count}");
        if let Some((name, stats)) = &self.llm {
            stats.render(name, &mut out);
        }
        out
    }
}

/// Health figures since the process started.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize)]
pub struct Health {
    pub replies: u64,
    pub mean_latency_ms: f64,
    /// The histogram bucket 90 % of replies fit in (seconds); `None` before any reply, or
    /// when the slowest tenth took longer than the last bucket.
    pub p90_latency_le_s: Option<f64>,
    pub tokens: u64,
    /// Generated tokens per second of model time (calls that succeeded).
    pub tokens_per_second: f64,
    pub llm_errors: u64,
    pub gaps: u64,
    pub fallbacks: u64,
    /// Requests waiting for, and being served by, the local model now.
    pub model_queued: u64,
    pub model_active: u64,
}

/// The smallest bucket bound holding `q` of `count` observations.
fn quantile_bound(buckets: &[AtomicU64; 11], count: u64, q: f64) -> Option<f64> {
    if count == 0 {
        return None;
    }
    let need = (count as f64 * q).ceil() as u64;
    BUCKETS
        .iter()
        .enumerate()
        .find(|(i, _)| buckets[*i].load(Ordering::Relaxed) >= need)
        .map(|(_, le)| *le)
}

fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// Counts tokens and failures of the backend it wraps.
pub struct Metered {
    inner: Arc<dyn LlmBackend>,
    metrics: Arc<Metrics>,
}

impl Metered {
    pub fn new(inner: Arc<dyn LlmBackend>, metrics: Arc<Metrics>) -> Metered {
        Metered { inner, metrics }
    }
}

#[async_trait::async_trait]
impl LlmBackend for Metered {
    fn name(&self) -> &str {
        self.inner.name()
    }

    async fn generate(&self, req: GenerateRequest) -> Result<Generation, LlmError> {
        let started = std::time::Instant::now();
        let result = self.inner.generate(req).await;
        match &result {
            Ok(g) => {
                self.metrics
                    .generate_us
                    .fetch_add(started.elapsed().as_micros() as u64, Ordering::Relaxed);
                self.metrics
                    .tokens
                    .fetch_add(g.generated_tokens as u64, Ordering::Relaxed);
                for b in &g.failed {
                    self.metrics.llm_error(b);
                }
            }
            Err(LlmError::Exhausted(failures)) => {
                for (b, _) in failures {
                    self.metrics.llm_error(b);
                }
            }
            Err(_) => self.metrics.llm_error(self.inner.name()),
        }
        result
    }

    fn stats(&self) -> Option<Arc<BackendStats>> {
        self.inner.stats()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histogram_buckets_are_cumulative() {
        let m = Metrics::default();
        m.reply("telegram", "answer", 0.2, true, false);
        m.reply("http", "answer", 3.0, false, true);
        let text = m.render();
        assert!(text.contains("herald_answer_seconds_bucket{le=\"0.1\"} 0"));
        assert!(text.contains("herald_answer_seconds_bucket{le=\"0.25\"} 1"));
        assert!(text.contains("herald_answer_seconds_bucket{le=\"5\"} 2"));
        assert!(text.contains("herald_answer_seconds_bucket{le=\"+Inf\"} 2"));
        assert!(text.contains("herald_answer_seconds_count 2"));
        let h = m.health();
        assert_eq!((h.replies, h.gaps, h.fallbacks), (2, 1, 1));
        assert!((h.mean_latency_ms - 1600.0).abs() < 1e-6, "{h:?}");
        // One reply in 0.25 s, one in 5 s: 90 % of two is both, so the 5 s bucket.
        assert_eq!(h.p90_latency_le_s, Some(5.0));
        assert_eq!(Metrics::default().health().p90_latency_le_s, None);
        assert!(text.contains("herald_messages_total{platform=\"telegram\",route=\"answer\"} 1"));
        assert!(text.contains("herald_grounding_fallbacks_total 1"));
        assert!(text.contains("herald_knowledge_gaps_total 1"));
    }
}
