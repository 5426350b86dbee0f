//! Daily series from the log, a Holt-Winters forecast with weekly seasonality and prediction
//! intervals, and anomaly flags (days far from what the model expected).

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::engagement::Event;

/// Events per local day for `days` days starting at local midnight of `first_day_ms`'s day.
pub fn daily_counts<E: std::borrow::Borrow<Event>>(
    events: impl Iterator<Item = E>,
    keep: impl Fn(&Event) -> bool,
    tz: Tz,
    first_day_ms: u64,
    days: usize,
) -> Vec<f64> {
    let day_of = |ms: u64| {
        Utc.timestamp_millis_opt(ms as i64)
            .single()
            .map(|t| t.with_timezone(&tz).date_naive())
    };
    let mut out = vec![0.0; days];
    let Some(first) = day_of(first_day_ms) else {
        return out;
    };
    // Days are found by offset from the first local midnight, one date conversion per event.
    for e in events {
        let e = e.borrow();
        if !keep(e) {
            continue;
        }
        let Some(d) = day_of(e.at_ms) else { continue };
        let i = (d - first).num_days();
        if (0..days as i64).contains(&i) {
            out[i as usize] += 1.0;
        }
    }
    out
}

/// A fitted model and its forecast.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Forecast {
    pub alpha: f64,
    pub beta: f64,
    pub gamma: f64,
    /// One-step-ahead predictions for the observed days (the first season copies the data).
    pub fitted: Vec<f64>,
    pub forecast: Vec<f64>,
    /// ~95 % prediction interval.
    pub lower: Vec<f64>,
    pub upper: Vec<f64>,
    /// Root mean square of the one-step errors.
    pub sigma: f64,
}

/// Additive Holt-Winters with a season of `m` days (7: weekly), smoothing parameters picked
/// by grid search on the one-step-ahead squared error. Needs two full seasons of data.
/// The final fit is robust: a day more than 4 robust standard deviations from its prediction
/// updates level, trend and season as if it had been only that far off, so a spike neither
/// inflates the forecast nor teaches the season to expect it again a week later.
pub fn holt_winters(y: &[f64], m: usize, horizon: usize) -> Option<Forecast> {
    if m < 2 || y.len() < 2 * m {
        return None;
    }
    let mut best: Option<(f64, f64, f64, f64)> = None;
    for a in [0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.8] {
        for b in [0.0, 0.02, 0.05, 0.1, 0.2] {
            for g in [0.05, 0.1, 0.2, 0.3, 0.5] {
                let (_, sse, _) = run(y, m, a, b, g, 0, None);
                if best.is_none_or(|(s, ..)| sse < s) {
                    best = Some((sse, a, b, g));
                }
            }
        }
    }
    let (_, alpha, beta, gamma) = best?;
    let (plain, ..) = run(y, m, alpha, beta, gamma, 0, None);
    let mut abs: Vec<f64> = y[m..]
        .iter()
        .zip(&plain[m..])
        .map(|(a, f)| (a - f).abs())
        .collect();
    abs.sort_by(f64::total_cmp);
    let scale = 1.4826 * abs.get(abs.len() / 2).copied().unwrap_or(0.0);
    let clip = (scale > 0.0).then_some(4.0 * scale);
    let (fitted, _, forecast) = run(y, m, alpha, beta, gamma, horizon, clip);
    let errors: Vec<f64> = y[m..]
        .iter()
        .zip(&fitted[m..])
        .map(|(a, f)| a - f)
        .collect();
    let sigma = (errors.iter().map(|e| e * e).sum::<f64>() / errors.len() as f64).sqrt();
    // The interval widens with the horizon as the level's uncertainty accumulates.
    let width = |h: usize| 1.96 * sigma * (1.0 + (h as f64 - 1.0) * alpha * alpha).sqrt();
    let lower = forecast
        .iter()
        .enumerate()
        .map(|(i, f)| (f - width(i + 1)).max(0.0))
        .collect();
    let upper = forecast
        .iter()
        .enumerate()
        .map(|(i, f)| f + width(i + 1))
        .collect();
    Some(Forecast {
        alpha,
        beta,
        gamma,
        fitted,
        forecast,
        lower,
        upper,
        sigma,
    })
}

/// (one-step fitted values, their squared error, the forecast `horizon` days on). With
/// `clip`, the states learn from each day's error clipped to ±`clip`.
fn run(
    y: &[f64],
    m: usize,
    a: f64,
    b: f64,
    g: f64,
    horizon: usize,
    clip: Option<f64>,
) -> (Vec<f64>, f64, Vec<f64>) {
    let mean = |s: &[f64]| s.iter().sum::<f64>() / s.len() as f64;
    let mut level = mean(&y[..m]);
    let mut trend = (mean(&y[m..2 * m]) - level) / m as f64;
    let mut season: Vec<f64> = y[..m].iter().map(|v| v - level).collect();
    let mut fitted = y[..m].to_vec();
    let mut sse = 0.0;
    for (t, &obs) in y.iter().enumerate().skip(m) {
        let s = season[t % m];
        let f = level + trend + s;
        fitted.push(f);
        sse += (obs - f) * (obs - f);
        let obs = match clip {
            Some(c) => f + (obs - f).clamp(-c, c),
            None => obs,
        };
        let prev = level;
        level = a * (obs - s) + (1.0 - a) * (level + trend);
        trend = b * (level - prev) + (1.0 - b) * trend;
        season[t % m] = g * (obs - level) + (1.0 - g) * s;
    }
    let n = y.len();
    let forecast = (1..=horizon)
        .map(|h| (level + h as f64 * trend + season[(n + h - 1) % m]).max(0.0))
        .collect();
    (fitted, sse, forecast)
}

/// Days (indexes) whose value is more than `z` robust standard deviations (1.4826 × the
/// median absolute one-step error) from what the model expected. The first season has no
/// expectation and is never flagged.
pub fn anomalies(y: &[f64], f: &Forecast, m: usize, z: f64) -> Vec<usize> {
    let errors: Vec<f64> = y
        .iter()
        .zip(&f.fitted)
        .skip(m)
        .map(|(a, p)| a - p)
        .collect();
    if errors.is_empty() {
        return Vec::new();
    }
    let median = |v: &mut Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    let mut abs: Vec<f64> = errors.iter().map(|e| e.abs()).collect();
    let scale = (1.4826 * median(&mut abs)).max(1e-9);
    errors
        .iter()
        .enumerate()
        .filter(|(_, e)| e.abs() > z * scale)
        .map(|(i, _)| i + m)
        .collect()
}

/// Mean absolute percentage error of `forecast` against `actual` (days with 0 skipped).
pub fn mape(actual: &[f64], forecast: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = actual
        .iter()
        .zip(forecast)
        .filter(|(a, _)| **a != 0.0)
        .map(|(a, f)| (*a, *f))
        .collect();
    if pairs.is_empty() {
        return 0.0;
    }
    pairs.iter().map(|(a, f)| ((a - f) / a).abs()).sum::<f64>() / pairs.len() as f64
}
