//! The engagement log's ingest rate (target ≥ 200k events/s) against raw sled inserts of the
//! same bytes; a 30-day report over 10M events (target < 2 s; `HERALD_BENCH_EVENTS` sets the
//! size) against one read of the raw log, with `/gaps` and `/recommend`'s data over the same
//! log; and the analyses over a synthetic log: best times,
//! gap groups, daily series and the Holt-Winters fit.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::analytics::besttime::best_times;
use herald::analytics::gaps::gap_groups;
use herald::analytics::recommend::{Interactions, Recommender};
use herald::analytics::{daily_counts, holt_winters};
use herald::engagement::asked::Asked;
use herald::engagement::{EngagementLog, Event, EventKind};

#[path = "../tests/e2e/support/synthetic.rs"]
#[allow(dead_code)]
mod synthetic;

const N: usize = 200_000;

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event {
            at_ms: synthetic::START_MS + i as u64 * 1000,
            platform: "telegram".into(),
            chat: "-100123".into(),
            member: format!("{:016x}", i % 5000),
            kind: EventKind::Message {
                message_id: i.to_string(),
                text: "how much is the huila roast this week?".into(),
                addressed: i % 3 == 0,
            },
        })
        .collect()
}

/// One event of the big log: three member messages to one answer, spread over 90 days;
/// answers name one of 40 products, and one event in 1000 is a question nobody could answer.
fn big_event(i: usize, span: u64) -> Event {
    Event {
        at_ms: synthetic::START_MS + i as u64 * span,
        platform: "telegram".into(),
        chat: format!("-100{}", i % 7),
        member: format!("{:016x}", i % 20_000),
        kind: if i % 1000 == 5 {
            EventKind::Gap {
                question: synthetic::GAPS[(i / 1000) % synthetic::GAPS.len()].0.into(),
            }
        } else if i.is_multiple_of(4) {
            EventKind::Reply {
                in_reply_to: i.to_string(),
                intent: None,
                route: "answer".into(),
                answered: !i.is_multiple_of(40),
                grounded: true,
                fallback: "none".into(),
                latency_ms: 500.0 + (i % 1000) as f64,
                sources: Vec::new(),
                entities: vec![format!("product-{}", (i / 7) % 40)],
            }
        } else {
            EventKind::Message {
                message_id: i.to_string(),
                text: if i % 10 == 1 {
                    "this is broken and awful".into()
                } else {
                    "how much is the huila?".into()
                },
                addressed: true,
            }
        },
    }
}

fn bench(c: &mut Criterion) {
    let evs = events(N);
    // One timed pass each, on fresh folders, up to everything on disk: the rate a busy
    // community (or an import) writes at, against raw sled inserts of the same bytes.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let log = EngagementLog::open(&db, "k").expect("log");
    let t = Instant::now();
    for e in &evs {
        log.append(e).expect("append");
    }
    log.flush().expect("flush");
    let ingest = N as f64 / t.elapsed().as_secs_f64();
    assert_eq!(log.events().count(), N);
    let raw_dir = tempfile::tempdir().expect("tempdir");
    let raw = sled::open(raw_dir.path()).expect("sled");
    let tree = raw.open_tree("events").expect("tree");
    let bytes: Vec<Vec<u8>> = evs
        .iter()
        .map(|e| serde_json::to_vec(e).expect("json"))
        .collect();
    let t = Instant::now();
    for b in &bytes {
        let id = raw.generate_id().expect("id");
        tree.insert(id.to_be_bytes(), b.as_slice()).expect("insert");
    }
    raw.flush().expect("flush");
    let baseline = N as f64 / t.elapsed().as_secs_f64();
    println!(
        "analytics: ingest {ingest:.0} events/s (append one by one, then flush); raw sled inserts of pre-serialised events, one per key, {baseline:.0}/s (log/raw = {:.2})",
        ingest / baseline
    );

    // A 30-day report over a big log: 10M events over 90 days in 7 channels, appended,
    // folded into the rollups (what `herald run` does hourly and every report does first),
    // then the report read from the rollups, against reading the raw log.
    let big: usize = std::env::var("HERALD_BENCH_EVENTS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000_000);
    let report_dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(report_dir.path()).expect("sled");
        let log = EngagementLog::open(&db, "k").expect("log");
        let span = 90 * 86_400_000u64 / big as u64;
        let t = Instant::now();
        for start in (0..big).step_by(100_000) {
            for i in start..(start + 100_000).min(big) {
                log.append(&big_event(i, span)).expect("append");
            }
        }
        log.flush().expect("flush");
        let appended = t.elapsed();
        let t = Instant::now();
        let folded = log.catch_up().expect("fold");
        let fold = t.elapsed();
        assert_eq!(folded, big);
        let end = synthetic::START_MS + 90 * 86_400_000;
        let (from, to) = herald::analytics::report::span(end, 30, chrono_tz::UTC);
        let runs = 5;
        let t = Instant::now();
        let mut messages = 0;
        for _ in 0..runs {
            let rollup = log.rollup(from, to).expect("rollup");
            let r = herald::analytics::report::build(&rollup, end, 30, chrono_tz::UTC);
            messages = r.overall.current.messages;
        }
        let report = t.elapsed() / runs;
        assert!(messages > big as u64 / 5, "{messages}");
        // `/gaps 30d` and what `/recommend` reads, from the gap and interaction rows.
        let t = Instant::now();
        let mut groups = 0;
        for _ in 0..runs {
            groups = gap_groups(log.gaps_since(from).expect("gaps")).len();
        }
        let gaps = t.elapsed() / runs;
        assert_eq!(groups, 3, "six wordings of three topics");
        let t = Instant::now();
        let mut members = 0;
        for _ in 0..runs {
            let data = Interactions::from_pairs(log.interactions().expect("interactions"));
            let model = Recommender::train(&data);
            members = data.by_member.len();
            std::hint::black_box(model.popular(&["product-1".to_string()], 1));
        }
        let recommend = t.elapsed() / runs;
        assert_eq!(members, 5000);
        // The baseline: only reading the events of the log once (what the report did before
        // the rollups, before counting anything).
        let t = Instant::now();
        let read = log.events().count();
        let scan = t.elapsed();
        assert_eq!(read, big);
        println!(
            "analytics: {big} events appended in {:.1} s ({:.0}/s), folded into rollups in {:.1} s ({:.0}/s); 30-day report from the rollups {:.3} s, against {:.1} s to read the raw log once (ratio {:.4})",
            appended.as_secs_f64(),
            big as f64 / appended.as_secs_f64(),
            fold.as_secs_f64(),
            big as f64 / fold.as_secs_f64(),
            report.as_secs_f64(),
            scan.as_secs_f64(),
            report.as_secs_f64() / scan.as_secs_f64()
        );
        println!(
            "analytics: over the same {big} events, /gaps 30d from the gap rows {:.3} s (ratio {:.4}); /recommend's interactions loaded and the model trained {:.3} s (ratio {:.4})",
            gaps.as_secs_f64(),
            gaps.as_secs_f64() / scan.as_secs_f64(),
            recommend.as_secs_f64(),
            recommend.as_secs_f64() / scan.as_secs_f64()
        );
    }

    let s = synthetic::generate(1, 365);
    println!("analytics: synthetic year = {} events", s.events.len());
    let mut g = c.benchmark_group("analytics");
    let year = herald::engagement::Rollup::of(&s.events);
    g.bench_function("fold a synthetic year into rollups", |b| {
        b.iter(|| herald::engagement::Rollup::of(&s.events))
    });
    g.bench_function("best times from the rollups, one year", |b| {
        b.iter(|| best_times(&year.published(), chrono_tz::UTC, 2))
    });
    g.bench_function("gap groups, 16 questions", |b| {
        b.iter(|| gap_groups(Asked::of(synthetic::gap_events(0)).gap_rows()))
    });
    g.bench_function("daily series + Holt-Winters, one year", |b| {
        b.iter(|| {
            let y = daily_counts(
                s.events.iter().cloned(),
                |e| matches!(e.kind, EventKind::Message { .. }),
                chrono_tz::UTC,
                synthetic::START_MS,
                365,
            );
            holt_winters(&y, 7, 14)
        })
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
