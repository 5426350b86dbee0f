//! The Neo4j backend against the embedded one on the same generated pack (100k entities,
//! 500k relations, 20k passages): retrieval latency p50/p99 per backend side by side, and
//! `kb sync` for the full pack and for a one-file change.
//!
//! Needs a Bolt server: `source scripts/common.sh; ensure_arcadedb; ARCADEDB_HEAP=4g
//! start_arcadedb; cargo bench --bench graph_db; stop_arcadedb` (the same variables as the
//! tests: HERALD_TEST_BOLT_URI, HERALD_TEST_BOLT_PASSWORD, HERALD_TEST_BOLT_DB).

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::knowledge::{
    KnowledgeStore, Neo4jKnowledge, Neo4jOptions, Neo4jSync, RetrieveOptions, SledKnowledge,
};

mod support;
use support::{generate, percentile, questions};

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: start a Bolt server first (see the top of benches/graph_db.rs)")
    })
}

fn latencies(store: &dyn KnowledgeStore, qs: &[String]) -> Vec<Duration> {
    let opts = RetrieveOptions::default();
    let mut lat: Vec<Duration> = qs
        .iter()
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(store.retrieve(q, &[], &opts).expect("retrieve"));
            t.elapsed()
        })
        .collect();
    lat.sort();
    lat
}

fn bench(c: &mut Criterion) {
    let opts = Neo4jOptions {
        uri: env("HERALD_TEST_BOLT_URI"),
        user: "root".into(),
        password: env("HERALD_TEST_BOLT_PASSWORD"),
        database: env("HERALD_TEST_BOLT_DB"),
        pool_size: 4,
    };
    let tmp = tempfile::tempdir().expect("temp dir");
    let dir = tmp.path().join("knowledge");
    std::fs::create_dir(&dir).expect("folder");
    generate(&dir);
    let rt = tokio::runtime::Runtime::new().expect("runtime");

    let db_a = herald::data::open_data(&tmp.path().join("a")).expect("data");
    let (sled, _) = SledKnowledge::open(&db_a, dir.clone()).expect("pack loads");
    let (_, files) = sled.reload_files().expect("files");

    let sync = rt.block_on(Neo4jSync::connect(&opts)).expect("Bolt server");
    let started = Instant::now();
    let full = rt
        .block_on(sync.sync(&files, |_, _| {}))
        .expect("full sync");
    let full_s = started.elapsed().as_secs_f64();
    println!(
        "kb sync, full pack: {:.1} s ({} files, {} writes)",
        full_s,
        full.created + full.updated,
        full.writes
    );
    let started = Instant::now();
    let again = rt
        .block_on(sync.sync(&files, |_, _| {}))
        .expect("no-op sync");
    println!(
        "kb sync, nothing changed: {:.1} ms ({} writes)",
        started.elapsed().as_secs_f64() * 1000.0,
        again.writes
    );
    let first = dir.join("entities-000.toml");
    let text = std::fs::read_to_string(&first).expect("read");
    std::fs::write(&first, text.replacen("USD", "EUR", 1)).expect("write");
    let (_, files) = sled.reload_files().expect("files");
    let started = Instant::now();
    let one = rt
        .block_on(sync.sync(&files, |_, _| {}))
        .expect("one-file sync");
    println!(
        "kb sync, one file changed: {:.0} ms ({} writes)",
        started.elapsed().as_secs_f64() * 1000.0,
        one.writes
    );

    let db_b = herald::data::open_data(&tmp.path().join("b")).expect("data");
    let (neo, _) = rt
        .block_on(Neo4jKnowledge::open(
            &db_b,
            dir.clone(),
            &opts,
            Duration::from_secs(5),
            Duration::from_secs(60),
        ))
        .expect("neo4j store");
    let qs = questions(1000);
    let a = latencies(&sled, &qs);
    let b = latencies(&neo, &qs);
    assert_eq!(
        neo.fallbacks(),
        0,
        "every neighbourhood came from the database"
    );
    println!(
        "retrieve p50/p99: sled {:.0}/{:.0} µs, neo4j {:.0}/{:.0} µs (ratio at p50 {:.1})",
        percentile(&a, 0.5).as_secs_f64() * 1e6,
        percentile(&a, 0.99).as_secs_f64() * 1e6,
        percentile(&b, 0.5).as_secs_f64() * 1e6,
        percentile(&b, 0.99).as_secs_f64() * 1e6,
        percentile(&b, 0.5).as_secs_f64() / percentile(&a, 0.5).as_secs_f64()
    );

    let mut group = c.benchmark_group("graph_db_100k");
    group.sample_size(20);
    let ro = RetrieveOptions::default();
    let mut i = 0;
    group.bench_function("sled_retrieve", |bch| {
        bch.iter(|| {
            i = (i + 1) % qs.len();
            sled.retrieve(&qs[i], &[], &ro).expect("retrieve")
        })
    });
    group.bench_function("neo4j_retrieve", |bch| {
        bch.iter(|| {
            i = (i + 1) % qs.len();
            neo.retrieve(&qs[i], &[], &ro).expect("retrieve")
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(5));
    targets = bench
}
criterion_main!(benches);
