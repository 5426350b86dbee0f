//! The generated pack both benchmarks measure: 100k entities, 500k relations, 20k
//! passages in 120 files, the same every run (a fixed xorshift seed), and its questions.
#![allow(dead_code)]

pub mod eval;
pub mod serve;

use std::fmt::Write as _;
use std::path::Path;
use std::time::Duration;

pub const ENTITIES: usize = 100_000;
pub const RELATIONS_PER_ENTITY: usize = 5;
pub const PASSAGES: usize = 20_000;
pub const FILES: usize = 100;

/// A small deterministic generator (xorshift), so every run builds the same pack.
pub struct Rng(pub u64);
impl Rng {
    pub fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Pronounceable made-up words: unique names that do not collide with English.
pub fn word(mut n: usize) -> String {
    pub const SYL: &[&str] = &[
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

pub fn entity_name(i: usize) -> String {
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

pub fn generate(dir: &Path) {
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

pub fn questions(n: usize) -> Vec<String> {
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

pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}
