//! The scheduler at 100k scheduled posts: memory and start-up (open the store, first tick),
//! the cost of one tick when nothing is due (against a tick on an empty schedule), and
//! publishing throughput through the real Telegram adapter against the fake Bot API server
//! (against the same adapter sending directly, to show the cost of exactly-once records).

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use criterion::{criterion_group, criterion_main, Criterion};

use herald::config::{PostTarget, PostsConfig};
use herald::engagement::EngagementLog;
use herald::posts::{Post, PostStore, PostsSetup, Schedule, Scheduler};
use herald_platform::{ChatRef, MemoryState, Outgoing, Platform, PlatformKind};
use herald_telegram::{SendLimits, TelegramAdapter, TelegramOptions};

#[path = "../tests/e2e/support/multipart.rs"]
#[allow(dead_code)]
mod multipart;

#[path = "../tests/e2e/support/telegram_html.rs"]
#[allow(dead_code)]
mod telegram_html;

#[path = "../tests/e2e/support/fake_telegram.rs"]
#[allow(dead_code, unused_imports)]
mod fake_telegram;

const POSTS: u64 = 100_000;
const NOW_MS: u64 = 1_800_000_000_000;

fn setup() -> PostsSetup {
    let mut c = PostsConfig::default();
    c.targets.insert(
        "news".into(),
        PostTarget {
            platform: "telegram".into(),
            chat: "-100500".into(),
        },
    );
    PostsSetup::from_config(&c).expect("setup")
}

/// `n` approved posts, one job each, due from `first_ms` one minute apart.
fn fill(store: &PostStore, n: u64, first_ms: u64) {
    for i in 0..n {
        let id = store.next_id().expect("id");
        let at = first_ms + i * 60_000;
        store
            .put(&Post {
                id: id.clone(),
                brief: "bench".into(),
                variants: Vec::new(),
                edit: None,
                approved: Some(format!(
                    "Post number {i}: the Huila roast is back, tried it?"
                )),
                author: "m".into(),
                created_ms: at,
                schedule: Some(Schedule {
                    when: "bench".into(),
                    cron: None,
                    first_ms: at,
                    targets: vec!["news".into()],
                }),
                cancelled: false,
            })
            .expect("put");
        store.add_job(at, &id, at).expect("job");
    }
    store.flush().expect("flush");
}

fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| s.split_whitespace().nth(1)?.parse::<u64>().ok())
        .map_or(0, |pages| pages * 4)
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Runtime::new().expect("runtime");
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("db");
    {
        let db = sled::open(&path).expect("sled");
        let t = Instant::now();
        fill(
            &PostStore::open(&db).expect("store"),
            POSTS,
            NOW_MS + 3_600_000,
        );
        println!(
            "posts: wrote {POSTS} scheduled posts in {:.1} s",
            t.elapsed().as_secs_f64()
        );
    }
    // Start-up: open the data folder and run the first tick (which reconciles).
    let before = rss_kib();
    let t = Instant::now();
    let db = sled::open(&path).expect("sled");
    let store = PostStore::open(&db).expect("store");
    let log = EngagementLog::open(&db, "k").expect("log");
    let adapters: Vec<Arc<dyn Platform>> = Vec::new();
    let scheduler = Scheduler::new(store.clone(), log.clone(), setup(), &adapters);
    let now = Utc
        .timestamp_millis_opt(NOW_MS as i64)
        .single()
        .expect("now");
    rt.block_on(scheduler.tick(now)).expect("tick");
    println!(
        "posts: start-up with {} jobs (open + first tick) {:.0} ms, resident memory +{} MiB",
        store.jobs_len(),
        t.elapsed().as_secs_f64() * 1000.0,
        rss_kib().saturating_sub(before) / 1024
    );

    let empty_dir = tempfile::tempdir().expect("tempdir");
    let empty_db = sled::open(empty_dir.path()).expect("sled");
    let empty = Scheduler::new(
        PostStore::open(&empty_db).expect("store"),
        EngagementLog::open(&empty_db, "k").expect("log"),
        setup(),
        &adapters,
    );
    let mut g = c.benchmark_group("posts_tick");
    g.bench_function("empty schedule", |b| {
        b.iter(|| rt.block_on(empty.tick(now)).expect("tick"))
    });
    g.bench_function("100k scheduled, none due", |b| {
        b.iter(|| rt.block_on(scheduler.tick(now)).expect("tick"))
    });
    g.finish();

    // Publishing throughput against the fake Telegram server.
    let (direct, scheduled) = rt.block_on(throughput(100));
    println!(
        "posts: publishing {scheduled:.0} posts/s through the scheduler vs {direct:.0} sends/s directly ({:.2}x)",
        direct / scheduled
    );
}

async fn throughput(n: u64) -> (f64, f64) {
    let fake = fake_telegram::FakeTelegram::start().await;
    let adapter = TelegramAdapter::new(
        TelegramOptions {
            token: fake_telegram::TOKEN.into(),
            api_url: Some(fake.url.parse().expect("url")),
            // The fake has no limits; Telegram's own would measure Telegram, not herald.
            limits: SendLimits {
                per_chat_per_sec: 100_000,
                per_chat_per_min: 1_000_000,
                per_group_per_min: 1_000_000,
                overall_per_sec: 100_000,
            },
            ..TelegramOptions::default()
        },
        Arc::new(MemoryState::default()),
    )
    .expect("adapter");
    let adapter: Arc<dyn Platform> = Arc::new(adapter);
    let chat = ChatRef {
        platform: PlatformKind::Telegram,
        chat: "-100500".into(),
        private: false,
    };
    let t = Instant::now();
    for i in 0..n {
        adapter
            .send(Outgoing::text(chat.clone(), format!("direct {i}")))
            .await
            .expect("send");
    }
    let direct = n as f64 / t.elapsed().as_secs_f64();

    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let store = PostStore::open(&db).expect("store");
    fill(&store, n, NOW_MS - 3_600_000 + 1);
    let scheduler = Scheduler::new(
        store,
        EngagementLog::open(&db, "k").expect("log"),
        PostsSetup {
            max_lateness: Duration::from_secs(10 * 86_400),
            ..setup()
        },
        &[adapter],
    );
    let end = Utc
        .timestamp_millis_opt((NOW_MS + n * 60_000) as i64)
        .single()
        .expect("time");
    let t = Instant::now();
    let report = scheduler.tick(end).await.expect("tick");
    let scheduled = report.published.len() as f64 / t.elapsed().as_secs_f64();
    assert_eq!(report.published.len() as u64, n, "{:?}", report.problems);
    (direct, scheduled)
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
