//! The labelled moderation set (`eval/moderation/labelled.txt`) through the default rules:
//! precision and recall of removals per language, and the share of normal messages removed.
//! The README's figures come from this test's output.

use herald::moderation::{check, Facts, ModerationOptions};

use crate::support;

struct Item {
    spam: bool,
    zh: bool,
    new_member: bool,
    forwarded: bool,
    mentions: usize,
    text: String,
}

fn items() -> Vec<Item> {
    let path = support::repo().join("eval/moderation/labelled.txt");
    let text = std::fs::read_to_string(&path).expect("the labelled set");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let mut parts = l.splitn(4, '|');
            let (label, lang, flags, body) = (
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
                parts.next().unwrap_or_default(),
            );
            assert!(
                matches!(label, "S" | "N") && matches!(lang, "en" | "zh") && !body.is_empty(),
                "labelled.txt:{}: not label|lang|flags|text: {l}",
                i + 1
            );
            let flags: Vec<&str> = flags.split(',').collect();
            Item {
                spam: label == "S",
                zh: lang == "zh",
                new_member: flags.contains(&"n"),
                forwarded: flags.contains(&"f"),
                mentions: flags
                    .iter()
                    .find_map(|f| f.strip_prefix('m').and_then(|n| n.parse().ok()))
                    .unwrap_or(0),
                text: body.to_string(),
            }
        })
        .collect()
}

#[derive(Default, Debug)]
struct Score {
    spam: usize,
    normal: usize,
    caught: usize,
    wrongly: usize,
}

impl Score {
    fn precision(&self) -> f64 {
        self.caught as f64 / (self.caught + self.wrongly).max(1) as f64
    }
    fn recall(&self) -> f64 {
        self.caught as f64 / self.spam.max(1) as f64
    }
    fn false_positive_rate(&self) -> f64 {
        self.wrongly as f64 / self.normal.max(1) as f64
    }
}

#[test]
fn the_default_rules_catch_spam_and_almost_never_remove_a_members_message() {
    // The community names its own shop, as the README tells it to.
    let opts = ModerationOptions {
        allowed_domains: vec!["lantern-coffee.com".into()],
        ..ModerationOptions::default()
    };
    let mut by_lang = [Score::default(), Score::default()];
    let mut misses = Vec::new();
    for it in items() {
        let facts = Facts {
            text: &it.text,
            links: &[],
            forwarded: it.forwarded,
            mentions: it.mentions,
            new_member: it.new_member,
            also_allowed: &[],
        };
        let verdict = check(&opts, &facts);
        let s = &mut by_lang[usize::from(it.zh)];
        match (it.spam, &verdict) {
            (true, Some(_)) => s.caught += 1,
            (false, Some(v)) => {
                s.wrongly += 1;
                misses.push(format!(
                    "REMOVED  {} ({}: {})",
                    it.text,
                    v.rule.key(),
                    v.reason
                ));
            }
            (true, None) => misses.push(format!("MISSED   {}", it.text)),
            (false, None) => {}
        }
        if it.spam {
            s.spam += 1;
        } else {
            s.normal += 1;
        }
    }
    let all = Score {
        spam: by_lang.iter().map(|s| s.spam).sum(),
        normal: by_lang.iter().map(|s| s.normal).sum(),
        caught: by_lang.iter().map(|s| s.caught).sum(),
        wrongly: by_lang.iter().map(|s| s.wrongly).sum(),
    };
    for (name, s) in [("en", &by_lang[0]), ("zh", &by_lang[1]), ("all", &all)] {
        println!(
            "{name}: {} spam, {} normal; precision {:.3}, recall {:.3}, normal removed {:.2} % ({})",
            s.spam,
            s.normal,
            s.precision(),
            s.recall(),
            s.false_positive_rate() * 100.0,
            s.wrongly
        );
    }
    for m in &misses {
        println!("{m}");
    }
    for s in &by_lang {
        assert!(
            s.spam >= 200 && s.normal >= 200,
            "at least 200 of each: {s:?}"
        );
        assert!(
            s.false_positive_rate() <= 0.01,
            "normal messages removed: {s:?}\n{misses:#?}"
        );
        assert!(s.precision() >= 0.98, "precision: {s:?}");
        assert!(s.recall() >= 0.85, "recall: {s:?}");
    }
}
