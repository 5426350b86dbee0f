//! The analysis recovers the structure planted in synthetic logs: the forecast's error on
//! held-out days, the anomaly day, the best hour to post, and the gap groups.

mod support;

use herald::analytics::forecast::mape;
use herald::analytics::{anomalies, best_times, daily_counts, gap_groups, holt_winters};
use herald::engagement::{EngagementLog, EventKind};
use support::synthetic::{gap_events, generate, GAPS, START_MS};

const HOLDOUT: usize = 14;

#[test]
fn the_forecast_predicts_held_out_days_within_ten_percent() {
    let s = generate(42, 140);
    let series = daily_counts(
        s.events.iter().cloned(),
        |e| matches!(e.kind, EventKind::Message { .. }),
        chrono_tz::UTC,
        START_MS,
        s.days,
    );
    assert_eq!(
        series, s.daily,
        "daily counts equal a direct count over the log"
    );
    // Fit on the days before the holdout (the anomaly day is inside the fit).
    let (train, test) = series.split_at(s.days - HOLDOUT);
    let f = holt_winters(train, 7, HOLDOUT).expect("two seasons of data");
    let error = mape(test, &f.forecast);
    eprintln!("MAPE on {HOLDOUT} held-out days: {error:.3}; naive model comparison below");
    assert!(
        error < 0.10,
        "MAPE {error:.3} ({:?} vs {test:?})",
        f.forecast
    );
    let inside = test
        .iter()
        .zip(f.lower.iter().zip(&f.upper))
        .filter(|(a, (lo, hi))| **lo <= **a && **a <= **hi)
        .count();
    assert!(
        inside >= HOLDOUT * 8 / 10,
        "{inside} of {HOLDOUT} inside the intervals"
    );
    // A naive forecast (the same weekday last week) does worse: the trend matters.
    let naive: Vec<f64> = (0..HOLDOUT)
        .map(|h| train[train.len() - 7 + h % 7])
        .collect();
    assert!(
        error < mape(test, &naive),
        "{error} vs naive {}",
        mape(test, &naive)
    );
}

#[test]
fn the_planted_anomaly_day_is_flagged_and_little_else() {
    let s = generate(7, 120);
    let f = holt_winters(&s.daily, 7, 0).expect("fit");
    let flagged = anomalies(&s.daily, &f, 7, 4.0);
    eprintln!("flagged {flagged:?}, planted {}", s.anomaly_day);
    assert!(
        flagged.contains(&s.anomaly_day),
        "{flagged:?} (planted {})",
        s.anomaly_day
    );
    assert!(flagged.len() <= 3, "{flagged:?}");
}

#[test]
fn best_time_returns_the_planted_hour_with_its_evidence() {
    let s = generate(3, 84);
    let stats = best_times(&s.events, chrono_tz::UTC, 2);
    let top = &stats[0];
    assert_eq!(
        (top.weekday.as_str(), top.hour),
        ("Tue", s.best.1),
        "{stats:?}"
    );
    assert!(top.posts >= 2);
    assert!(top.mean > 2.0 * stats[1].mean, "{stats:?}");
    let text = herald::analytics::besttime::render(&stats, chrono_tz::UTC, 3);
    assert!(text.contains("1. Tue 18:00–18:59"), "{text}");
    // In Berlin the same posts went out an hour later (winter time).
    let berlin = best_times(&s.events, chrono_tz::Europe::Berlin, 2);
    assert_eq!((berlin[0].weekday.as_str(), berlin[0].hour), ("Tue", 19));
}

#[test]
fn gaps_are_grouped_by_meaning_and_ranked_by_how_often_asked() {
    let groups = gap_groups(gap_events(START_MS).into_iter(), 0);
    let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, vec![9, 5, 2], "{groups:#?}");
    assert_eq!(groups[0].example, GAPS[0].0);
    assert_eq!(groups[0].questions.len(), 3);
    assert_eq!(groups[1].example, "what is the wifi password");
    assert_eq!(groups[0].members, 4);
    // Only the period asked for.
    let later = gap_groups(gap_events(START_MS).into_iter(), START_MS + 11 * 60_000);
    assert_eq!(later.iter().map(|g| g.count).sum::<usize>(), 16 - 10);
}

#[test]
fn herald_kb_gaps_prints_the_groups_from_the_data_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(dir.path()).expect("sled");
        let log = EngagementLog::open(&db, "k").expect("log");
        let now = herald::engagement::now_ms();
        for e in gap_events(now - 3_600_000) {
            log.append(&e).expect("append");
        }
        log.flush().expect("flush");
    }
    let out = support::herald()
        .arg("--data")
        .arg(dir.path())
        .args(["kb", "gaps"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        text.contains("16 unanswered question(s) in 3 group(s)"),
        "{text}"
    );
    assert!(
        text.contains("1. \"where can I park near the store?\" — asked 9 time(s) by 4 member(s)"),
        "{text}"
    );
    let json = support::herald()
        .arg("--data")
        .arg(dir.path())
        .args(["kb", "gaps", "--json", "--since", "7d"])
        .output()
        .expect("runs");
    let v: serde_json::Value = serde_json::from_slice(&json.stdout).expect("json");
    assert_eq!(v[0]["count"], 9);
    let bad = support::herald()
        .arg("--data")
        .arg(dir.path())
        .args(["kb", "gaps", "--since", "forever"])
        .output()
        .expect("runs");
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("is not a period"));
}
