use super::*;
use crate::text::sentiment::compound as sentiment;
use chrono::{DateTime, Utc};

/// A small deterministic generator, so the synthetic history is the same every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// Posts where a question at 18:00 does best and, unlike the prior's belief, emoji hurt.
fn history(n: usize, seed: u64) -> Vec<Example> {
    let mut r = Lcg(seed);
    (0..n)
        .map(|_| {
            let hour = 8 + (r.next() * 14.0) as u32;
            let question = r.next() < 0.5;
            let emoji = (r.next() * 3.0) as usize;
            let chars = 60 + (r.next() * 300.0) as usize;
            let at18 = hour == 18;
            let engagement = 2.0
                + 2.0 * question as u8 as f64
                + 3.0 * at18 as u8 as f64
                + 8.0 * (question && at18) as u8 as f64
                - 1.0 * emoji.min(2) as f64
                + r.next() * 2.0;
            Example {
                features: Features {
                    chars,
                    question,
                    emoji,
                    hour,
                    ..Features::default()
                },
                engagement: engagement.max(0.0).round(),
            }
        })
        .collect()
}

#[test]
fn a_judge_trained_on_history_ranks_a_question_at_six_first() {
    let judge = Judge::train(&history(240, 7), 20);
    assert!(judge.trained());
    let tz = chrono_tz::UTC;
    let at18 = DateTime::parse_from_rfc3339("2026-12-01T18:00:00Z")
        .expect("time")
        .with_timezone(&Utc);
    let drafts = [
        "Our latte art workshop is on Saturday. Bring a friend.",
        "Our latte art workshop is on Saturday. Will you bring a friend?",
        "Latte art workshop on Saturday! ☕🎉 Bring a friend.",
    ];
    let mut scored: Vec<(f64, &str)> = drafts
        .iter()
        .map(|d| (judge.predict(&Features::of(d, 1, at18, tz)), *d))
        .collect();
    scored.sort_by(|a, b| b.0.total_cmp(&a.0));
    assert_eq!(scored[0].1, drafts[1], "{scored:?}");
    // And it knows when: the question's best hour is 18.
    let (hour, _) = judge.best_hour(&Features::text_only(drafts[1], 1));
    assert_eq!(hour, 18);
}

#[test]
fn held_out_accuracy_beats_the_prior() {
    let judge = Judge::train(&history(240, 11), 20);
    let e = judge.evaluation.expect("evaluated");
    assert_eq!(e.trained_on + e.held_out, 240);
    assert!(e.held_out >= 40, "{e:?}");
    assert!(
        e.model_accuracy > e.prior_accuracy + 0.05,
        "model {:.3} vs prior {:.3}",
        e.model_accuracy,
        e.prior_accuracy
    );
    assert!(e.model_accuracy > 0.75, "{e:?}");
}

#[test]
fn too_few_posts_use_the_prior() {
    let judge = Judge::train(&history(10, 3), 20);
    assert!(!judge.trained());
    assert!(judge.evaluation.is_none());
    assert_eq!(judge.measured, 10);
    let f = Features::text_only(
        "Join our cupping on Friday, what would you like to taste?",
        1,
    );
    assert_eq!(judge.predict(&f), prior(&f));
}

#[test]
fn the_prior_prefers_questions_and_evenings() {
    let base = Features::text_only(
        "Our new Huila roast is in the stores this week, come by.",
        1,
    );
    let question = Features::text_only(
        "Our new Huila roast is in the stores this week, tried it?",
        1,
    );
    assert!(prior(&question) > prior(&base));
    let evening = Features {
        hour: 18,
        ..base.clone()
    };
    let night = Features {
        hour: 2,
        ..base.clone()
    };
    assert!(prior(&evening) > prior(&base) && prior(&base) > prior(&night));
}

#[test]
fn features_and_reasons_describe_the_text() {
    let f = Features::text_only(
        "New: the Huila roast ☕! Love it? See https://example.com #coffee",
        1,
    );
    assert!(f.question);
    assert_eq!(f.emoji, 1);
    assert_eq!(f.links, 1);
    assert_eq!(f.hashtags, 1);
    assert!(f.sentiment > 0.0);
    let r = reasons(&f).join(", ");
    for part in [
        "asks a question",
        "1 emoji",
        "1 link(s)",
        "1 hashtag(s)",
        "positive tone",
    ] {
        assert!(r.contains(part), "{r}");
    }
    assert!(sentiment("Sorry, the store is closed today") < 0.0);
    assert!(sentiment("欢迎来参加，我们很开心") > 0.0);
    assert_eq!(sentiment("The store opens at 9"), 0.0);
}
