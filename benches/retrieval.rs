//! Retrieval on a generated pack of 100k entities, 500k relations and 20k passages:
//! route + link + retrieve + prompt render per question (p50/p99, against a naive
//! substring linker in the same run), cold load time, and reload after a one-file change.

// Shared helpers are `pub` for this benchmark, not for another crate.
#![allow(unreachable_pub)]

use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::dialogue::Prompts;
use herald::knowledge::{retrieve, Graph, PackLoader, RetrieveOptions};
use herald::router::{route, IntentClassifier};
use herald::text::normalize;

mod support;
use support::{generate, percentile, questions};

/// What a simple bot does: look for every name in the question, one by one.
fn naive_link(names: &[String], question: &str) -> usize {
    let q = normalize(question);
    names.iter().filter(|n| q.contains(n.as_str())).count()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("temp dir");
    generate(tmp.path());

    let started = Instant::now();
    let mut loader = PackLoader::default();
    let pack = loader.load(tmp.path()).expect("generated pack loads");
    let cold = started.elapsed();
    let g: std::sync::Arc<Graph> = pack.graph;
    println!(
        "pack: {} entities, {} relations, {} passages; cold load {:.2} s",
        g.entities().count(),
        g.relations().count(),
        g.passages().count(),
        cold.as_secs_f64()
    );

    let prompts =
        Prompts::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("prompts")).expect("prompts");
    let classifier = IntentClassifier::train(&g.intents);
    let opts = RetrieveOptions::default();
    let qs = questions(3000);
    let one = |q: &str| {
        let _ = route(q, &classifier, 0.35, &[]);
        let r = retrieve(&g, q, &[], &opts);
        prompts.system("Herald", &r, false, "").len()
    };

    // Per-question latencies for p50/p99 (criterion reports means).
    let mut lat: Vec<Duration> = qs
        .iter()
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(one(q));
            t.elapsed()
        })
        .collect();
    lat.sort();
    let names: Vec<String> = g.entities().map(|e| normalize(&e.name)).collect();
    let mut naive: Vec<Duration> = qs
        .iter()
        .take(300)
        .map(|q| {
            let t = Instant::now();
            std::hint::black_box(naive_link(&names, q));
            t.elapsed()
        })
        .collect();
    naive.sort();
    println!(
        "route+link+retrieve+render: p50 {:.1} µs, p99 {:.1} µs; naive substring linking alone: p50 {:.1} µs (ratio herald/naive at p50: {:.4})",
        percentile(&lat, 0.5).as_secs_f64() * 1e6,
        percentile(&lat, 0.99).as_secs_f64() * 1e6,
        percentile(&naive, 0.5).as_secs_f64() * 1e6,
        percentile(&lat, 0.5).as_secs_f64() / percentile(&naive, 0.5).as_secs_f64()
    );

    let mut group = c.benchmark_group("retrieval_100k");
    let mut i = 0;
    group.bench_function("route_link_retrieve_render", |b| {
        b.iter(|| {
            i = (i + 1) % qs.len();
            one(&qs[i])
        })
    });
    group.sample_size(10);
    group.bench_function("naive_substring_link", |b| {
        b.iter(|| {
            i = (i + 1) % qs.len();
            naive_link(&names, &qs[i])
        })
    });

    // Reload after a one-file change: the changed file is parsed, the rest come from cache.
    let changed = tmp.path().join("faq-07.md");
    let original = std::fs::read_to_string(&changed).expect("read");
    let mut flip = false;
    group.bench_function("reload_one_file_changed", |b| {
        b.iter(|| {
            flip = !flip;
            let text = if flip {
                format!("{original}\n## Extra?\nYes.\n")
            } else {
                original.clone()
            };
            std::fs::write(&changed, text).expect("write");
            let pack = loader.load(tmp.path()).expect("reload");
            assert_eq!(pack.report.parsed, 1);
            pack.report.stats.passages
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(Duration::from_secs(5)).warm_up_time(Duration::from_secs(1));
    targets = bench
}
criterion_main!(benches);
