//! How busy a model backend that serves many requests at once is: queue, running
//! sequences, batch sizes, speed and time to first token. The backend writes, `/metrics`
//! reads; plain atomics so neither waits for the other.

use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Debug, Default)]
pub struct BackendStats {
    /// Requests waiting for a free sequence.
    queued: AtomicU64,
    /// Requests being processed (prompt or reply).
    active: AtomicU64,
    /// Sequences the backend runs at once at most.
    sequences: AtomicU64,
    /// Tokens in the last decode step.
    batch_tokens: AtomicU64,
    steps: AtomicU64,
    batch_tokens_sum: AtomicU64,
    /// Reply tokens decoded, and the time the steps that decoded them took.
    decoded: AtomicU64,
    decode_us: AtomicU64,
    /// Decode speed over the recent steps (tokens/s, as f64 bits).
    recent_tps: AtomicU64,
    prompt_tokens: AtomicU64,
    cached_tokens: AtomicU64,
    first_token_us_sum: AtomicU64,
    first_token_count: AtomicU64,
    wait_us_sum: AtomicU64,
    finished: AtomicU64,
    cancelled: AtomicU64,
}

impl BackendStats {
    pub(crate) fn set_sequences(&self, n: usize) {
        self.sequences.store(n as u64, Ordering::Relaxed);
    }

    pub(crate) fn set_load(&self, queued: usize, active: usize) {
        self.queued.store(queued as u64, Ordering::Relaxed);
        self.active.store(active as u64, Ordering::Relaxed);
    }

    /// One decode step of `tokens` tokens, `writing` of them reply tokens of different
    /// requests, that took `seconds`.
    pub(crate) fn step(&self, tokens: usize, writing: usize, seconds: f64) {
        self.batch_tokens.store(tokens as u64, Ordering::Relaxed);
        self.steps.fetch_add(1, Ordering::Relaxed);
        self.batch_tokens_sum
            .fetch_add(tokens as u64, Ordering::Relaxed);
        if writing == 0 {
            return;
        }
        self.decoded.fetch_add(writing as u64, Ordering::Relaxed);
        self.decode_us
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        // An average over roughly the last 32 steps: what the team sees "now".
        let now = writing as f64 / seconds.max(1e-6);
        let old = f64::from_bits(self.recent_tps.load(Ordering::Relaxed));
        let new = if old == 0.0 {
            now
        } else {
            old + (now - old) / 32.0
        };
        self.recent_tps.store(new.to_bits(), Ordering::Relaxed);
    }

    /// A request's prompt is in the cache and its first token chosen.
    pub(crate) fn first_token(&self, prompt: usize, cached: usize, seconds: f64) {
        self.prompt_tokens
            .fetch_add(prompt as u64, Ordering::Relaxed);
        self.cached_tokens
            .fetch_add(cached as u64, Ordering::Relaxed);
        self.first_token_us_sum
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
        self.first_token_count.fetch_add(1, Ordering::Relaxed);
    }

    /// A request got its sequence after waiting `seconds` in the queue.
    pub(crate) fn admitted(&self, seconds: f64) {
        self.wait_us_sum
            .fetch_add((seconds * 1e6) as u64, Ordering::Relaxed);
    }

    pub(crate) fn finished(&self, cancelled: bool) {
        if cancelled {
            self.cancelled.fetch_add(1, Ordering::Relaxed);
        } else {
            self.finished.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// Requests waiting now.
    pub fn queued(&self) -> u64 {
        self.queued.load(Ordering::Relaxed)
    }

    /// Requests being processed now.
    pub fn active(&self) -> u64 {
        self.active.load(Ordering::Relaxed)
    }

    /// Reply tokens decoded so far, and the seconds the steps that decoded them took.
    pub fn decoded(&self) -> (u64, f64) {
        (
            self.decoded.load(Ordering::Relaxed),
            self.decode_us.load(Ordering::Relaxed) as f64 / 1e6,
        )
    }

    /// Requests finished, and requests whose caller stopped waiting.
    pub fn done(&self) -> (u64, u64) {
        (
            self.finished.load(Ordering::Relaxed),
            self.cancelled.load(Ordering::Relaxed),
        )
    }

    /// Prometheus text for these numbers, labelled with the backend's name.
    pub fn render(&self, backend: &str, out: &mut String) {
        let label = format!(
            "{{backend=\"{}\"}}",
            backend.replace(['"', '\\', '\n'], "_")
        );
        let get = |a: &AtomicU64| a.load(Ordering::Relaxed);
        let seconds = |a: &AtomicU64| get(a) as f64 / 1e6;
        let _ = writeln!(
            out,
            "# HELP herald_llm_first_token_seconds Time from a request's arrival to its first token, queue included.\n# TYPE herald_llm_first_token_seconds summary\nherald_llm_first_token_seconds_sum{label} {:.3}\nherald_llm_first_token_seconds_count{label} {}",
            seconds(&self.first_token_us_sum),
            get(&self.first_token_count)
        );
        let mut series = |name: &str, kind: &str, help: &str, value: String| {
            let _ = writeln!(
                out,
                "# HELP {name} {help}\n# TYPE {name} {kind}\n{name}{label} {value}"
            );
        };
        series(
            "herald_llm_queue_length",
            "gauge",
            "Model requests waiting for a free sequence.",
            get(&self.queued).to_string(),
        );
        series(
            "herald_llm_active_sequences",
            "gauge",
            "Model requests being processed at once.",
            get(&self.active).to_string(),
        );
        series(
            "herald_llm_sequences_max",
            "gauge",
            "Sequences the model runs at once at most ([llm] parallel).",
            get(&self.sequences).to_string(),
        );
        series(
            "herald_llm_batch_tokens",
            "gauge",
            "Tokens in the last decode step.",
            get(&self.batch_tokens).to_string(),
        );
        series(
            "herald_llm_batch_tokens_total",
            "counter",
            "Tokens decoded in all steps (divide by steps for the mean batch).",
            get(&self.batch_tokens_sum).to_string(),
        );
        series(
            "herald_llm_decode_steps_total",
            "counter",
            "Decode steps run.",
            get(&self.steps).to_string(),
        );
        series(
            "herald_llm_tokens_per_second",
            "gauge",
            "Reply tokens decoded per second of decoding, over the recent steps.",
            format!("{:.1}", f64::from_bits(get(&self.recent_tps))),
        );
        series(
            "herald_llm_decode_seconds_total",
            "counter",
            "Time spent in steps that decoded reply tokens.",
            format!("{:.3}", seconds(&self.decode_us)),
        );
        series(
            "herald_llm_prompt_tokens_total",
            "counter",
            "Prompt tokens of finished prompts.",
            get(&self.prompt_tokens).to_string(),
        );
        series(
            "herald_llm_cached_prompt_tokens_total",
            "counter",
            "Prompt tokens whose state was reused instead of evaluated.",
            get(&self.cached_tokens).to_string(),
        );
        series(
            "herald_llm_queue_wait_seconds_total",
            "counter",
            "Time requests waited for a free sequence, summed.",
            format!("{:.3}", seconds(&self.wait_us_sum)),
        );
        series(
            "herald_llm_requests_cancelled_total",
            "counter",
            "Requests whose caller stopped waiting; their sequence was freed.",
            get(&self.cancelled).to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_the_load_and_a_smoothed_speed() {
        let s = BackendStats::default();
        s.set_sequences(8);
        s.set_load(3, 8);
        s.step(8, 8, 0.1);
        s.step(8, 8, 0.1);
        s.first_token(500, 60, 0.25);
        let mut out = String::new();
        s.render("m\"x", &mut out);
        assert!(
            out.contains("herald_llm_queue_length{backend=\"m_x\"} 3"),
            "{out}"
        );
        assert!(out.contains("herald_llm_active_sequences{backend=\"m_x\"} 8"));
        assert!(out.contains("herald_llm_tokens_per_second{backend=\"m_x\"} 80.0"));
        assert!(out.contains("herald_llm_batch_tokens_total{backend=\"m_x\"} 16"));
        assert!(out.contains("herald_llm_first_token_seconds_count{backend=\"m_x\"} 1"));
        // A slower step moves the recent speed by a 32nd of the difference.
        s.step(1, 1, 0.1);
        let mut out = String::new();
        s.render("m", &mut out);
        assert!(
            out.contains("herald_llm_tokens_per_second{backend=\"m\"} 77.8"),
            "{out}"
        );
    }
}
