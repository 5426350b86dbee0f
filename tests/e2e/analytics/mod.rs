//! The analysis recovers the structure planted in synthetic logs: the forecast's error on
//! held-out days, the anomaly day, the best hour to post, and the gap groups.

use crate::support;

use herald::analytics::forecast::mape;
use herald::analytics::{anomalies, daily_counts, holt_winters};
use herald::engagement::{EngagementLog, EventKind};
use support::events::{alerts_of, best_times_of, gap_groups_of, report_of};
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
    // The robust fit does not learn the spike as the weekday's pattern: the same weekday a
    // week later is not a "drop".
    assert!(
        !flagged.contains(&(s.anomaly_day + 7)),
        "{flagged:?} (planted {})",
        s.anomaly_day
    );
}

#[test]
fn best_time_returns_the_planted_hour_with_its_evidence() {
    let s = generate(3, 84);
    let stats = best_times_of(&s.events, chrono_tz::UTC, 2);
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
    let berlin = best_times_of(&s.events, chrono_tz::Europe::Berlin, 2);
    assert_eq!((berlin[0].weekday.as_str(), berlin[0].hour), ("Tue", 19));
}

#[test]
fn gaps_are_grouped_by_meaning_and_ranked_by_how_often_asked() {
    let groups = gap_groups_of(gap_events(START_MS), 0);
    let counts: Vec<usize> = groups.iter().map(|g| g.count).collect();
    assert_eq!(counts, vec![9, 5, 2], "{groups:#?}");
    assert_eq!(groups[0].example, GAPS[0].0);
    assert_eq!(groups[0].questions.len(), 3);
    assert_eq!(groups[1].example, "what is the wifi password");
    assert_eq!(groups[0].members, 4);
    // Only the period asked for.
    let later = gap_groups_of(gap_events(START_MS), START_MS + 11 * 60_000);
    assert_eq!(later.iter().map(|g| g.count).sum::<usize>(), 16 - 10);
    // The groups do not depend on which wording came first. Asked in the opposite order,
    // "Where to park at the store?" comes first and "is there parking near the store"
    // shares one word in four with it: it belongs through "where can I park near…".
    let end = START_MS + 60 * 60_000;
    let reversed = gap_events(START_MS)
        .into_iter()
        .map(|mut e| {
            e.at_ms = end - (e.at_ms - START_MS);
            e
        })
        .collect::<Vec<_>>();
    let again = gap_groups_of(reversed, 0);
    let shape = |gs: &[herald::analytics::GapGroup]| {
        gs.iter()
            .map(|g| (g.example.clone(), g.count, g.questions.clone(), g.members))
            .collect::<Vec<_>>()
    };
    assert_eq!(shape(&again), shape(&groups), "{again:#?}");
}

#[test]
fn herald_kb_gaps_prints_the_groups_from_the_data_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(dir.path()).expect("sled");
        let log = EngagementLog::open(&db, "k").expect("log");
        let now = herald::clock::now_ms();
        let events = gap_events(now - 3_600_000);
        log.append_all(&events[..5]).expect("batch");
        for e in &events[5..] {
            log.append(e).expect("append");
        }
        assert_eq!(
            log.events().collect::<Vec<_>>(),
            events,
            "in order, as given"
        );
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

/// Decode a PNG: (width, height, distinct colours).
pub(crate) fn png_facts(bytes: &[u8]) -> (u32, u32, usize) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size()];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let px = info.color_type.samples();
    let colours: std::collections::HashSet<&[u8]> = buf[..info.buffer_size()].chunks(px).collect();
    (info.width, info.height, colours.len())
}

#[test]
fn report_numbers_match_a_direct_count_over_the_log() {
    let s = generate(5, 70);
    let end = START_MS + 70 * support::synthetic::DAY_MS;
    let r = report_of(&s.events, end, 30, chrono_tz::UTC);
    let start = end - 30 * support::synthetic::DAY_MS;
    let period: Vec<_> = s
        .events
        .iter()
        .filter(|e| (start..end).contains(&e.at_ms))
        .collect();
    let count =
        |f: &dyn Fn(&EventKind) -> bool| period.iter().filter(|e| f(&e.kind)).count() as u64;
    let n = &r.overall.current;
    assert_eq!(
        n.messages,
        count(&|k| matches!(k, EventKind::Message { .. }))
    );
    assert_eq!(n.new_members, count(&|k| matches!(k, EventKind::Joined)));
    assert_eq!(
        n.questions,
        count(&|k| matches!(k, EventKind::Reply { route, .. } if route == "answer"))
    );
    assert_eq!(
        n.answered,
        count(&|k| matches!(k, EventKind::Reply { answered: true, .. }))
    );
    assert_eq!(
        n.thumbs_up,
        count(&|k| matches!(k, EventKind::Rating { positive: true, .. }))
    );
    assert_eq!(
        n.thumbs_down,
        count(&|k| matches!(
            k,
            EventKind::Rating {
                positive: false,
                ..
            }
        ))
    );
    assert_eq!(
        n.posts,
        count(&|k| matches!(k, EventKind::Published { .. }))
    );
    let members: std::collections::HashSet<&str> = period
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Message { .. }))
        .map(|e| e.member.as_str())
        .collect();
    assert_eq!(n.active_members, members.len() as u64);
    let reactions = period
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Reaction { .. }))
        .count() as u64;
    // Every synthetic reaction is on a post published in the same hour, so in the period
    // except for the last posts' reactions after the end: none here (days end at midnight).
    assert_eq!(n.post_engagement, reactions);
    // Against the audience: per post, per 100 members who wrote.
    let per_100 = reactions as f64 / n.posts as f64 * 100.0 / members.len() as f64;
    assert!((n.engagement_per_100_members - per_100).abs() < 1e-9);
    assert!(
        n.answer_rate() > 0.85 && n.answer_rate() < 0.95,
        "{}",
        n.answer_rate()
    );
    // The previous period is counted the same way; activity grows, so the change is up.
    assert!(r.overall.previous.messages > 0 && r.overall.previous.messages < n.messages);
    assert_eq!(r.daily_messages.len(), 30);
    assert_eq!(r.daily_messages.iter().sum::<f64>() as u64, n.messages);
    let text = herald::analytics::report::render(&r, chrono_tz::UTC);
    assert!(text.contains("Report for the last 30 days"), "{text}");
    assert!(
        text.contains(&format!("messages {} (+", n.messages)),
        "{text}"
    );
    assert!(text.contains("Forecast: about"), "{text}");
    assert!(text.contains("per 100 active members"), "{text}");
    // Engagement by the day its post went out, and its forecast.
    assert_eq!(
        r.daily_engagement.iter().sum::<f64>() as u64,
        n.post_engagement
    );
    assert!(text.contains("Post engagement: about"), "{text}");
    // Every synthetic message says "hello": neutral.
    assert!(text.contains("member sentiment +0.00"), "{text}");
    assert_eq!(n.negative_messages, 0);
    assert!(text.contains("telegram -100:"), "{text}");
}

#[test]
fn charts_are_pngs_of_the_expected_size_and_not_blank() {
    let s = generate(9, 60);
    let f = holt_winters(&s.daily, 7, 14).expect("fit");
    let first = chrono::NaiveDate::from_ymd_opt(2026, 1, 5).expect("date");
    let png =
        herald::analytics::charts::activity(&s.daily, Some(&f), &[], first, "Messages per day")
            .expect("chart");
    let (w, h, colours) = png_facts(&png);
    assert_eq!((w, h), (900, 420));
    assert!(colours > 20, "{colours} colours: blank?");
    let stats = best_times_of(&s.events, chrono_tz::UTC, 1);
    let png = herald::analytics::charts::hours(&stats, "Engagement by hour").expect("chart");
    let (w, h, colours) = png_facts(&png);
    assert_eq!((w, h), (900, 420));
    assert!(colours > 20, "{colours} colours: blank?");
    // An empty log still draws (axes, title), without panicking.
    let empty =
        herald::analytics::charts::activity(&[], None, &[], first, "nothing").expect("chart");
    assert_eq!(png_facts(&empty).0, 900);
}

#[test]
fn herald_report_writes_the_summary_charts_and_numbers() {
    let dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(dir.path().join("db")).expect("sled");
        let log = EngagementLog::open(&db, "k").expect("log");
        // The synthetic log moved so that it ends now.
        let s = generate(2, 40);
        let shift = herald::clock::now_ms() - (START_MS + 40 * support::synthetic::DAY_MS);
        let moved: Vec<_> = s
            .events
            .into_iter()
            .map(|mut e| {
                e.at_ms += shift;
                e
            })
            .collect();
        log.append_all(&moved).expect("append");
        log.flush().expect("flush");
    }
    let out_dir = dir.path().join("out");
    let out = support::herald()
        .arg("--data")
        .arg(dir.path().join("db"))
        .args(["report", "--since", "14d", "--out"])
        .arg(&out_dir)
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("Report for the last 14 days"), "{stdout}");
    for name in ["activity.png", "hours.png"] {
        let bytes = std::fs::read(out_dir.join(name)).expect(name);
        let (w, _, colours) = png_facts(&bytes);
        assert_eq!(w, 900);
        assert!(colours > 20, "{name}");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out_dir.join("report.json")).expect("json"))
            .expect("valid");
    assert_eq!(json["days"], 14);
    assert!(json["overall"]["current"]["messages"].as_u64().unwrap_or(0) > 0);
    let txt = std::fs::read_to_string(out_dir.join("report.txt")).expect("txt");
    assert!(txt.starts_with("Report for the last 14 days"));
}

mod members;
mod reports;
