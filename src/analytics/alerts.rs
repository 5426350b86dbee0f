//! Alerts for the managers: once a day, the last complete day is compared with what the
//! weekly model expected from the four weeks before it — member messages (spike or drop),
//! complaints and negative messages (spike), and the answer rate (drop).

use chrono_tz::Tz;

use super::forecast::holt_winters;
use super::report::daily_from;
use crate::clock::{days_ms, ms_to_utc, resolve_local, utc_to_ms};
use crate::engagement::rollup::Bucket;
use crate::engagement::Rollup;

/// Days of history the expectation is learned from.
const HISTORY: usize = 28;

/// The first moment [`check`] reads for `now_ms`: what to load from the rollups.
pub fn history_start(now_ms: u64) -> u64 {
    now_ms.saturating_sub(days_ms(HISTORY as u64 + 3))
}

/// Alerts about the day before the day of `now_ms` (local), worded for the managers, from
/// the rollups ([`Rollup::of`] folds events).
pub fn check(rollup: &Rollup, now_ms: u64, tz: Tz) -> Vec<String> {
    let today = ms_to_utc(now_ms).with_timezone(&tz).date_naive();
    let Some(first) = today
        .checked_sub_days(chrono::Days::new(HISTORY as u64 + 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    else {
        return Vec::new();
    };
    let start = utc_to_ms(resolve_local(tz, first));
    let days = HISTORY + 1;
    let series = |count: &dyn Fn(&Bucket) -> u64| daily_from(rollup, tz, start, days, count);
    let day_name = today
        .pred_opt()
        .map(|d| d.format("%a %Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut out = Vec::new();

    let messages = series(&|b| b.messages);
    // A community new to herald has no normal yet: two active weeks first.
    if messages[..HISTORY].iter().filter(|v| **v > 0.0).count() < 14 {
        return out;
    }
    if let Some((actual, expected, band)) = surprise(&messages) {
        if actual > expected + band {
            out.push(format!(
                "Unusual activity on {day_name}: {actual:.0} member messages, about {expected:.0} expected."
            ));
        } else if actual + band < expected && expected >= 10.0 {
            out.push(format!(
                "Activity dropped on {day_name}: {actual:.0} member messages, about {expected:.0} expected."
            ));
        }
    }
    let complaints = series(&|b| b.complaints);
    if let Some((actual, expected, band)) = surprise(&complaints) {
        if actual > expected + band && actual >= 3.0 {
            out.push(format!(
                "A spike of complaints on {day_name}: {actual:.0} complaints or negative messages, about {expected:.0} expected."
            ));
        }
    }
    let asked = series(&|b| b.questions);
    let answered = series(&|b| b.answered);
    let before_asked: f64 = asked[..HISTORY].iter().sum();
    let before_rate = answered[..HISTORY].iter().sum::<f64>() / before_asked.max(1.0);
    let (day_asked, day_answered) = (asked[HISTORY], answered[HISTORY]);
    if day_asked >= 10.0 && before_asked >= 50.0 {
        let rate = day_answered / day_asked;
        // A binomial band: a drop of more than three standard errors below the usual rate.
        let se = (before_rate * (1.0 - before_rate) / day_asked)
            .sqrt()
            .max(0.02);
        if rate < before_rate - 3.0 * se {
            out.push(format!(
                "The answer rate dropped on {day_name}: {:.0}% of {day_asked:.0} questions answered, usually {:.0}%. /gaps shows what was missing.",
                rate * 100.0,
                before_rate * 100.0
            ));
        }
    }
    out
}

/// The last value, what the model expected for it from the days before, and the width a
/// normal day stays within (4 robust standard deviations, at least 3 events).
fn surprise(series: &[f64]) -> Option<(f64, f64, f64)> {
    let (history, last) = series.split_at(series.len() - 1);
    let f = holt_winters(history, 7, 1)?;
    let errors: Vec<f64> = history
        .iter()
        .zip(&f.fitted)
        .skip(7)
        .map(|(a, p)| (a - p).abs())
        .collect();
    let mut sorted = errors.clone();
    sorted.sort_by(f64::total_cmp);
    let mad = sorted.get(sorted.len() / 2).copied().unwrap_or(0.0);
    Some((last[0], f.forecast[0], (4.0 * 1.4826 * mad).max(3.0)))
}
