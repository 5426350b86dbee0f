//! The engagement log's ingest rate (target ≥ 200k events/s) against raw sled inserts of the
//! same bytes, and the analyses over a synthetic log: best times, gap groups, daily series
//! and the Holt-Winters fit.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::analytics::{best_times, daily_counts, gap_groups, holt_winters};
use herald::engagement::{EngagementLog, Event, EventKind};

#[path = "../tests/support/synthetic.rs"]
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

fn bench(c: &mut Criterion) {
    let evs = events(N);
    // One timed pass each, on fresh folders: the rate a busy community writes at.
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let log = EngagementLog::open(&db, "k").expect("log");
    let t = Instant::now();
    for e in &evs {
        log.append(e).expect("append");
    }
    let ingest = N as f64 / t.elapsed().as_secs_f64();
    let batch_dir = tempfile::tempdir().expect("tempdir");
    let batch_db = sled::open(batch_dir.path()).expect("sled");
    let batch_log = EngagementLog::open(&batch_db, "k").expect("log");
    let t = Instant::now();
    for chunk in evs.chunks(1000) {
        batch_log.append_all(chunk).expect("append_all");
    }
    let batched = N as f64 / t.elapsed().as_secs_f64();
    assert_eq!(batch_log.events().count(), N);
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
    let baseline = N as f64 / t.elapsed().as_secs_f64();
    println!(
        "analytics: ingest {ingest:.0} events/s one by one, {batched:.0}/s in batches of 1000; raw sled inserts of pre-serialised events {baseline:.0}/s (log/raw = {:.2})",
        ingest / baseline
    );

    // A 30-day report over a big log: read from sled (as `herald report` does) and from
    // events already in memory.
    let big = 2_000_000usize;
    let report_dir = tempfile::tempdir().expect("tempdir");
    {
        let db = sled::open(report_dir.path()).expect("sled");
        let log = EngagementLog::open(&db, "k").expect("log");
        let span = 90 * 86_400_000u64 / big as u64;
        for chunk in (0..big).collect::<Vec<_>>().chunks(100_000) {
            let evs: Vec<Event> = chunk
                .iter()
                .map(|i| Event {
                    at_ms: synthetic::START_MS + *i as u64 * span,
                    platform: "telegram".into(),
                    chat: format!("-100{}", i % 7),
                    member: format!("{:016x}", i % 20_000),
                    kind: if i % 4 == 0 {
                        EventKind::Reply {
                            in_reply_to: i.to_string(),
                            intent: None,
                            route: "answer".into(),
                            answered: i % 40 != 0,
                            grounded: true,
                            fallback: "none".into(),
                            latency_ms: 900.0,
                            sources: Vec::new(),
                            entities: Vec::new(),
                        }
                    } else {
                        EventKind::Message {
                            message_id: i.to_string(),
                            text: "how much is the huila?".into(),
                            addressed: true,
                        }
                    },
                })
                .collect();
            log.append_all(&evs).expect("append");
        }
        let end = synthetic::START_MS + 90 * 86_400_000;
        let t = Instant::now();
        let events: Vec<Event> = log.events().collect();
        let read = t.elapsed();
        let t = Instant::now();
        let r = herald::analytics::build_report(&events, end, 30, chrono_tz::UTC);
        let build = t.elapsed();
        assert!(r.overall.current.messages > 0);
        println!(
            "analytics: 30-day report over {big} events: read from sled {:.2} s, build {:.2} s (per 10M, linear: {:.1} s + {:.1} s)",
            read.as_secs_f64(),
            build.as_secs_f64(),
            read.as_secs_f64() * 10_000_000.0 / big as f64,
            build.as_secs_f64() * 10_000_000.0 / big as f64
        );
    }

    let s = synthetic::generate(1, 365);
    println!("analytics: synthetic year = {} events", s.events.len());
    let mut g = c.benchmark_group("analytics");
    g.bench_function("best times, one year", |b| {
        b.iter(|| best_times(&s.events, chrono_tz::UTC, 2))
    });
    g.bench_function("gap groups, 16 questions", |b| {
        b.iter(|| gap_groups(synthetic::gap_events(0).into_iter(), 0))
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
