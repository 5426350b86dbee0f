//! Screening cost per message (target: under 200 µs): the rules alone against the rules
//! with the trained spam classifier, in the same run over the same messages (the shipped
//! corpus's chat messages, every 25th), and with 500 team samples for the near-copy check;
//! and how long `/spam` takes to retrain the classifier.

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};

use herald::moderation::{check, shipped, Facts, ModerationOptions, Sample, SpamFilter};

fn messages() -> Vec<Sample> {
    shipped()
        .into_iter()
        .filter(|s| !s.text.starts_with("Subject:"))
        .step_by(25)
        .collect()
}

fn facts(text: &str) -> Facts<'_> {
    Facts {
        text,
        links: &[],
        forwarded: false,
        mentions: 0,
        new_member: false,
        also_allowed: &[],
    }
}

fn screening(c: &mut Criterion) {
    let opts = ModerationOptions::default();
    let msgs = messages();
    let filter = SpamFilter::builtin();
    let taught = SpamFilter::builtin();
    let marks: Vec<(String, bool)> = msgs
        .iter()
        .take(500)
        .enumerate()
        .map(|(i, s)| (format!("{} {i}", s.text), s.spam))
        .collect();
    let marks: Vec<(&str, bool)> = marks.iter().map(|(t, s)| (t.as_str(), *s)).collect();
    taught.learn_all(&marks, 1).expect("no file to write");
    println!(
        "{} messages per iteration; times below are per message",
        msgs.len()
    );
    let mut g = c.benchmark_group("screen");
    // Each side screens every message once per iteration; the time is per message.
    let mut per_message = |name: &str, screen: &dyn Fn(&str)| {
        g.bench_function(name, |b| {
            b.iter_custom(|iters| {
                let t = std::time::Instant::now();
                for _ in 0..iters {
                    for s in &msgs {
                        screen(&s.text);
                    }
                }
                t.elapsed() / msgs.len() as u32
            })
        });
    };
    per_message("rules alone", &|text| {
        std::hint::black_box(check(&opts, &facts(text)));
    });
    per_message("rules and classifier", &|text| {
        std::hint::black_box(check(&opts, &facts(text)));
        std::hint::black_box(filter.judge(text));
    });
    per_message("rules and classifier, 500 team samples", &|text| {
        std::hint::black_box(check(&opts, &facts(text)));
        std::hint::black_box(taught.judge(text));
    });
    let huge = "free ".repeat(20_000) + &"\u{7}".repeat(1000);
    g.bench_function("a 100 KB message, rules and classifier", |b| {
        b.iter(|| {
            std::hint::black_box(check(&opts, &facts(&huge)));
            std::hint::black_box(filter.judge(&huge))
        })
    });
    g.finish();
    let mut g = c.benchmark_group("learn");
    g.sample_size(10);
    g.bench_function("/spam retrains on the corpus and the samples", |b| {
        b.iter_batched(
            SpamFilter::builtin,
            |f| f.learn("cheap followers and likes, message me", true, 1),
            BatchSize::LargeInput,
        )
    });
    g.finish();
}

criterion_group!(benches, screening);
criterion_main!(benches);
