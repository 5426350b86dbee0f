//! Retrieval on a generated pack of 100k entities, 500k relations and 20k passages:
//! route + link + retrieve + prompt render per question (p50/p99, against a naive
//! substring linker in the same run), cold load time, and reload after a one-file change.

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};

use herald::dialogue::Prompts;
use herald::knowledge::text::normalize;
use herald::knowledge::{retrieve, Graph, PackLoader, RetrieveOptions};
use herald::router::{route, IntentClassifier};

const ENTITIES: usize = 100_000;
const RELATIONS_PER_ENTITY: usize = 5;
const PASSAGES: usize = 20_000;
const FILES: usize = 100;

/// A small deterministic generator (xorshift), so every run builds the same pack.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pronounceable made-up words: unique names that do not collide with English.
fn word(mut n: usize) -> String {
    const SYL: &[&str] = &[
        "ba", "ko", "ri", "mu", "te", "la", "zo", "fi", "ne", "du", "sa", "vo", "pi", "ge", "ha",
        "lu",
    ];
    let mut w = String::new();
    loop {
        w.push_str(SYL[n % SYL.len()]);
        n /= SYL.len();
        if n == 0 {
            break;
        }
    }
    w
}

fn entity_name(i: usize) -> String {
    format!(
        "{} {}",
        capital(&word(i + 4096)),
        capital(&word(i * 7 + 11))
    )
}

fn capital(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
        .unwrap_or_default()
}

fn generate(dir: &Path) {
    let mut rng = Rng(0x9E3779B97F4A7C15);
    let per_file = ENTITIES / FILES;
    for f in 0..FILES {
        let mut out = String::new();
        for i in f * per_file..(f + 1) * per_file {
            let summary: Vec<String> = (0..8).map(|_| word(rng.below(5000))).collect();
            let _ = writeln!(
                out,
                "[[entity]]\nid = \"e{i}\"\nkind = \"product\"\nname = \"{}\"\naliases = [\"{}\"]\nsummary = \"{}.\"\nattrs = {{ price = \"{}.{:02} USD\", weight = \"{} g\", roast = \"{}\" }}\n",
                entity_name(i),
                word(i + 1_000_000),
                summary.join(" "),
                5 + rng.below(40),
                rng.below(100),
                100 + rng.below(900),
                ["light", "medium", "dark"][rng.below(3)]
            );
            for _ in 0..RELATIONS_PER_ENTITY {
                let _ = writeln!(
                    out,
                    "[[relation]]\nfrom = \"e{i}\"\nrel = \"{}\"\nto = \"e{}\"\n",
                    ["pairs_with", "similar_to", "sold_at", "made_by", "part_of"][rng.below(5)],
                    rng.below(ENTITIES)
                );
            }
        }
        std::fs::write(dir.join(format!("entities-{f:03}.toml")), out).expect("write pack");
    }
    let per_md = PASSAGES / 20;
    for f in 0..20 {
        let mut out = String::new();
        for p in 0..per_md {
            let about = rng.below(ENTITIES);
            let title: Vec<String> = (0..5).map(|_| word(rng.below(5000))).collect();
            let body: Vec<String> = (0..30).map(|_| word(rng.below(5000))).collect();
            let _ = writeln!(
                out,
                "## {} {}?\n{} (see e{about}).\n",
                title.join(" "),
                f * per_md + p,
                body.join(" ")
            );
        }
        std::fs::write(dir.join(format!("faq-{f:02}.md")), out).expect("write pack");
    }
    std::fs::write(
        dir.join("intents.toml"),
        "[[intent]]\nname = \"ask_price\"\nroute = \"answer\"\nexamples = [\"how much is the x\", \"price of x\"]\n\n[[intent]]\nname = \"greet\"\nroute = \"smalltalk\"\nexamples = [\"hello\", \"hi\"]\n",
    )
    .expect("write pack");
}

fn questions(n: usize) -> Vec<String> {
    let mut rng = Rng(42);
    (0..n)
        .map(|k| match k % 3 {
            0 => format!("how much is the {}?", entity_name(rng.below(ENTITIES))),
            1 => format!(
                "how heavy is a bag of {}",
                word(rng.below(ENTITIES) + 1_000_000)
            ),
            _ => format!(
                "tell me about {} {} {}",
                word(rng.below(5000)),
                word(rng.below(5000)),
                word(rng.below(5000))
            ),
        })
        .collect()
}

/// What a simple bot does: look for every name in the question, one by one.
fn naive_link(names: &[String], question: &str) -> usize {
    let q = normalize(question);
    names.iter().filter(|n| q.contains(n.as_str())).count()
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
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
        prompts.system("Herald", &r, false, false).len()
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
