//! Alerts for the managers: once a day, the last complete day is compared with what the
//! weekly model expected from the four weeks before it — member messages (spike or drop),
//! complaints and negative messages (spike), and the answer rate (drop).

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;

use super::forecast::{daily_counts, holt_winters};
use crate::engagement::{Event, EventKind};

/// Days of history the expectation is learned from.
const HISTORY: usize = 28;

/// Alerts about the day before the day of `now_ms` (local), worded for the managers.
pub fn check(events: &[Event], now_ms: u64, tz: Tz) -> Vec<String> {
    let Some(today) = Utc
        .timestamp_millis_opt(now_ms as i64)
        .single()
        .map(|t| t.with_timezone(&tz).date_naive())
    else {
        return Vec::new();
    };
    let Some(first) = today
        .checked_sub_days(chrono::Days::new(HISTORY as u64 + 1))
        .and_then(|d| d.and_hms_opt(0, 0, 0))
    else {
        return Vec::new();
    };
    let start = crate::posts::when::resolve(tz, first)
        .timestamp_millis()
        .max(0) as u64;
    let days = HISTORY + 1;
    let series = |keep: &dyn Fn(&Event) -> bool| daily_counts(events.iter(), keep, tz, start, days);
    let day_name = today
        .pred_opt()
        .map(|d| d.format("%a %Y-%m-%d").to_string())
        .unwrap_or_default();
    let mut out = Vec::new();

    let messages = series(&|e| matches!(e.kind, EventKind::Message { .. }));
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
    let complaints = series(
        &|e| matches!(&e.kind, EventKind::Flag { reason, .. } if reason == "complaint" || reason == "negative"),
    );
    if let Some((actual, expected, band)) = surprise(&complaints) {
        if actual > expected + band && actual >= 3.0 {
            out.push(format!(
                "A spike of complaints on {day_name}: {actual:.0} complaints or negative messages, about {expected:.0} expected."
            ));
        }
    }
    let asked = series(&|e| matches!(&e.kind, EventKind::Reply { route, .. } if route == "answer"));
    let answered = series(
        &|e| matches!(&e.kind, EventKind::Reply { route, answered: true, .. } if route == "answer"),
    );
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

/// Check once a day (looked at hourly) and tell the managers through the posts' report
/// target; the day last checked is kept in the data folder, so a restart does not repeat it.
pub async fn run(
    bot: std::sync::Arc<crate::Bot>,
    adapters: Vec<std::sync::Arc<dyn herald_platform::Platform>>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    let posts = bot.posts();
    let tz = posts.setup().tz;
    let reporter = crate::posts::Scheduler::new(
        posts.store().clone(),
        bot.log().clone(),
        posts.setup().clone(),
        &adapters,
    );
    loop {
        let now = crate::engagement::now_ms();
        let today = Utc
            .timestamp_millis_opt(now as i64)
            .single()
            .map(|t| t.with_timezone(&tz).date_naive().to_string())
            .unwrap_or_default();
        if posts.store().meta("alerts_day").as_deref() != Some(today.as_str()) {
            let events: Vec<Event> = bot.log().events().collect();
            let alerts = check(&events, now, tz);
            reporter.report(&alerts).await;
            if let Err(e) = posts.store().set_meta("alerts_day", &today) {
                tracing::error!(error = %e, "could not remember the alert check");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(std::time::Duration::from_secs(3600)) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}
