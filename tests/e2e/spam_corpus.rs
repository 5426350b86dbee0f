//! The trained spam classifier on messages it never learned from: 5-fold over the shipped
//! corpus, alone and together with the default rules (what a community runs), and each
//! public corpus held out whole (trained on the others). The README's moderation figures
//! come from this output; CI asserts the targets.

use herald::moderation::{
    check, held_out, kfold, parse_samples, tally, Facts, ModerationOptions, Sample, Scored, Tally,
    CORPUS, DEFAULT_SPAM_THRESHOLD, DEFAULT_SPAM_THRESHOLD_ZH,
};

fn threshold(zh: bool) -> f64 {
    if zh {
        DEFAULT_SPAM_THRESHOLD_ZH
    } else {
        DEFAULT_SPAM_THRESHOLD
    }
}

fn corpus(name: &str) -> Vec<Sample> {
    let (_, text) = CORPUS
        .iter()
        .find(|(n, _)| *n == name)
        .unwrap_or_else(|| panic!("{name} is not in the shipped corpus"));
    let (ok, bad) = parse_samples(name, text);
    assert!(bad.is_empty(), "{bad:?}");
    ok
}

fn line(what: &str, zh: bool, t: &Tally) {
    println!(
        "{what} [{}]: {} spam, {} normal; recall {:.3}, precision {:.3}, normal removed {:.2} % ({})",
        if zh { "zh" } else { "en" },
        t.spam,
        t.normal,
        t.recall(),
        t.precision(),
        t.false_positive_rate() * 100.0,
        t.wrongly
    );
}

/// The tally at the default threshold, printed with the curve around it.
fn report(what: &str, scored: &Scored, zh: bool) -> Tally {
    let t = tally(scored, zh, threshold(zh));
    line(what, zh, &t);
    for th in [0.5, 0.7, 0.8, 0.9, 0.95] {
        let x = tally(scored, zh, th);
        println!(
            "    at {th}: recall {:.3}, normal removed {:.2} %",
            x.recall(),
            x.false_positive_rate() * 100.0
        );
    }
    t
}

/// The default rules' verdicts (an established member, no link list), in `all`'s order.
fn rules(all: &[Sample]) -> Vec<bool> {
    let opts = ModerationOptions::default();
    all.iter()
        .map(|s| {
            check(
                &opts,
                &Facts {
                    text: &s.text,
                    links: &[],
                    forwarded: false,
                    mentions: 0,
                    new_member: false,
                    also_allowed: &[],
                },
            )
            .is_some()
        })
        .collect()
}

#[test]
fn five_fold_on_the_shipped_corpus_meets_the_targets_per_language() {
    let all: Vec<Sample> = CORPUS.iter().flat_map(|(n, _)| corpus(n)).collect();
    let scored = kfold(&all, 5);
    let by_rules = rules(&all);
    for zh in [false, true] {
        let alone = report("5-fold, shipped corpus, classifier alone", &scored, zh);
        let mut both = Tally::default();
        for ((spam, is_zh, score), ruled) in scored.iter().zip(&by_rules) {
            if *is_zh != zh {
                continue;
            }
            let removed = *ruled || *score >= threshold(zh);
            if *spam {
                both.spam += 1;
                both.caught += usize::from(removed);
            } else {
                both.normal += 1;
                both.wrongly += usize::from(removed);
            }
        }
        line("5-fold, shipped corpus, rules and classifier", zh, &both);
        assert!(alone.false_positive_rate() <= 0.01, "{alone:?}");
        assert!(both.false_positive_rate() <= 0.01, "{both:?}");
        assert!(both.recall() >= 0.85, "{both:?}");
    }
}

#[test]
fn each_public_corpus_held_out_whole() {
    let names: Vec<&str> = CORPUS.iter().map(|(n, _)| *n).collect();
    for held in &names {
        let train: Vec<Sample> = names
            .iter()
            .filter(|n| *n != held)
            .flat_map(|n| corpus(n))
            .collect();
        let test = corpus(held);
        let scored = held_out(&train, &test);
        for zh in [false, true] {
            if test.iter().any(|s| s.zh == zh) {
                report(&format!("{held} held out"), &scored, zh);
            }
        }
    }
    // The community-chat set, never trained on: a floor against regressions, not the
    // target (a model that never saw chat-like spam misses most of it; see the README).
    let train: Vec<Sample> = names
        .iter()
        .filter(|n| !n.starts_with("eval/"))
        .flat_map(|n| corpus(n))
        .collect();
    let scored = held_out(&train, &corpus("eval/moderation/labelled.txt"));
    let en = tally(&scored, false, DEFAULT_SPAM_THRESHOLD);
    assert!(en.false_positive_rate() <= 0.01, "{en:?}");
    assert!(en.recall() >= 0.15, "{en:?}");
}
