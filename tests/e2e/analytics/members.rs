//! What the log says about members and posts: recommendations by what similar members
//! asked, strongly negative messages flagged, kinds of posts that work, and alerts.

use super::*;

/// Members in four taste groups of five items each; one item is liked across groups.
fn tastes(
    seed: u64,
) -> (
    herald::analytics::recommend::Interactions,
    Vec<(String, String)>,
) {
    use herald::analytics::recommend::Interactions;
    let mut r = support::synthetic::Lcg(seed);
    let mut data = Interactions::default();
    let mut held = Vec::new();
    for m in 0..240 {
        let member = format!("m{m}");
        let group = m % 4;
        let mut liked: Vec<usize> = (0..5).map(|i| group * 5 + i).collect();
        // Each member touches 4 of their group's 5 items…
        let skip = (r.next() * 5.0) as usize;
        liked.remove(skip);
        // …and often the one item everybody likes.
        if r.next() < 0.6 && group != 0 {
            liked.push(0);
        }
        // Hold one group item out.
        let out = liked.remove((r.next() * 3.0) as usize);
        held.push((member.clone(), format!("e{out}")));
        for i in liked {
            data.add(&member, &format!("e{i}"));
        }
    }
    (data, held)
}

#[test]
fn collaborative_filtering_beats_popularity_on_held_out_tastes() {
    use herald::analytics::recommend::{hit_rate, Recommender};
    let (data, held) = tastes(17);
    let rec = Recommender::train(&data);
    let candidates: Vec<String> = (0..20).map(|i| format!("e{i}")).collect();
    let history = |m: &str| data.history(m);
    let cf = hit_rate(&held, 5, |m| {
        rec.recommend(&history(m), &candidates, 5)
            .into_iter()
            .map(|p| p.entity)
            .collect()
    });
    let popular = hit_rate(&held, 5, |m| {
        let h = history(m);
        rec.popular(&candidates, 20)
            .into_iter()
            .map(|p| p.entity)
            .filter(|e| !h.contains(e))
            .collect()
    });
    eprintln!("hit rate at 5: collaborative {cf:.3}, popularity {popular:.3}");
    assert!(
        cf > popular + 0.2,
        "collaborative {cf} vs popularity {popular}"
    );
    assert!(cf > 0.8, "{cf}");
    // A member the log has never seen gets the most popular items.
    let fresh = rec.recommend(&Default::default(), &candidates, 3);
    assert_eq!(fresh[0].entity, "e0");
    assert!(fresh.iter().all(|p| p.because_of.is_none()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn recommend_uses_what_similar_members_asked_about_and_cites_it() {
    let t = support::bot();
    let ask = |user: &str, text: &str| {
        let mut m = support::msg(user, text);
        m.user = user.to_string();
        m
    };
    for user in ["b", "c"] {
        t.bot.handle(&ask(user, "how much is the huila?")).await;
        t.bot
            .handle(&ask(user, "how much is the cold brew kit?"))
            .await;
    }
    t.bot
        .handle(&ask("d", "how much is the yirgacheffe?"))
        .await;
    t.bot.handle(&ask("a", "how much is the huila?")).await;
    let r = t.bot.handle(&ask("a", "/recommend")).await.expect("reply");
    assert_eq!(r.route, "recommend");
    let mut lines = r.reply.lines();
    assert_eq!(
        lines.next(),
        Some("Members who asked about Colombia Huila also liked:"),
        "{}",
        r.reply
    );
    assert!(
        lines.next().is_some_and(|l| l.contains("Cold Brew")),
        "{}",
        r.reply
    );
    assert!(
        r.citations[0].source.contains("products.toml"),
        "{:?}",
        r.citations
    );
    assert!(
        !r.reply.contains("Colombia Huila —"),
        "already asked about: {}",
        r.reply
    );
    // Someone new gets what is popular.
    let r = t.bot.handle(&ask("z", "/recommend")).await.expect("reply");
    assert!(r.reply.starts_with("Popular with members:"), "{}", r.reply);
    // Words that match a product still choose by content.
    let r = t
        .bot
        .handle(&ask("a", "what do you recommend for a dark roast?"))
        .await
        .expect("reply");
    assert!(r.reply.starts_with("You might like:"), "{}", r.reply);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn strongly_negative_messages_are_flagged_for_the_team() {
    let t = support::bot();
    let said = |text: &str, addressed: bool| {
        let mut m = support::msg("g", text);
        m.addressed = addressed;
        m.chat.private = false;
        m
    };
    t.bot
        .handle(&said(
            "honestly the coffee today was terrible and the barista rude",
            false,
        ))
        .await;
    t.bot
        .handle(&said("the store opens at 9 I think", false))
        .await;
    t.bot.handle(&said("太难喝了，非常失望", true)).await;
    let flags: Vec<(String, String)> = t
        .app
        .log
        .events()
        .filter_map(|e| match e.kind {
            EventKind::Flag { reason, text } => Some((reason, text)),
            _ => None,
        })
        .collect();
    assert_eq!(flags.len(), 2, "{flags:?}");
    assert!(flags[0].1.contains("terrible"), "{flags:?}");
    assert!(flags[1].1.contains("失望"), "{flags:?}");
    assert!(
        flags
            .iter()
            .all(|(r, _)| r == "negative" || r == "complaint"),
        "{flags:?}"
    );
}

#[test]
fn clusters_separate_the_planted_kinds_of_posts_and_say_which_works() {
    use herald::analytics::clusters::{cluster, render};
    use herald::analytics::features::{Example, Features};
    let mut r = support::synthetic::Lcg(23);
    let mut examples = Vec::new();
    for i in 0..60 {
        // Kind A: short, a question, evenings: engaging. Kind B: long, no question, mornings.
        // One post in three is of the engaging kind.
        let a = i % 3 == 0;
        let features = Features {
            chars: if a {
                70 + (r.next() * 40.0) as usize
            } else {
                380 + (r.next() * 200.0) as usize
            },
            question: a,
            hour: if a {
                18 + (r.next() * 3.0) as u32
            } else {
                8 + (r.next() * 3.0) as u32
            },
            ..Features::default()
        };
        let engagement = if a {
            10.0 + r.next() * 4.0
        } else {
            3.0 + r.next() * 2.0
        };
        examples.push(Example {
            features,
            engagement,
        });
    }
    let clusters = cluster(&examples).expect("enough posts");
    assert_eq!(clusters.len(), 2, "{clusters:#?}");
    for c in &clusters {
        let kinds: std::collections::HashSet<bool> = c.members.iter().map(|i| i % 3 == 0).collect();
        assert_eq!(kinds.len(), 1, "a cluster mixes the kinds: {c:?}");
    }
    assert_eq!(
        clusters[0].description,
        "short posts with a question, evenings"
    );
    assert_eq!(clusters[1].description, "long posts, no question, mornings");
    assert!(
        clusters[0].vs_median > 1.5 && clusters[1].vs_median < 1.0,
        "{clusters:?}"
    );
    let text = render(&clusters);
    assert!(
        text.contains("- short posts with a question, evenings: "),
        "{text}"
    );
    assert!(cluster(&examples[..5]).is_none());
}

#[test]
fn alerts_name_the_spike_the_complaints_and_the_answer_rate_drop() {
    use herald::engagement::Event;
    use support::synthetic::DAY_MS;
    let s = generate(11, 60);
    let mut events = s.events.clone();
    let day = |d: u64| START_MS + d * DAY_MS;
    // Day 50: ten complaints. Day 55: no question answered.
    for i in 0..10 {
        events.push(Event {
            at_ms: day(50) + 36_000_000 + i,
            platform: "telegram".into(),
            chat: "-100".into(),
            member: format!("c{i}"),
            kind: EventKind::Flag {
                reason: "complaint".into(),
                text: "cold coffee".into(),
            },
        });
    }
    for e in events.iter_mut() {
        if (day(55)..day(56)).contains(&e.at_ms) {
            if let EventKind::Reply { answered, .. } = &mut e.kind {
                *answered = false;
            }
        }
    }
    events.sort_by_key(|e| e.at_ms);
    let at = |d: u64| alerts_of(&events, day(d) + 3_600_000, chrono_tz::UTC);
    let spike = at(s.anomaly_day as u64 + 1);
    assert!(
        spike.iter().any(|a| a.starts_with("Unusual activity on")),
        "{spike:?}"
    );
    let quiet = at(40);
    assert!(quiet.is_empty(), "{quiet:?}");
    let complaints = at(51);
    assert!(
        complaints
            .iter()
            .any(|a| a.contains("A spike of complaints") && a.contains("10 complaints")),
        "{complaints:?}"
    );
    let rate = at(56);
    assert!(
        rate.iter()
            .any(|a| a.contains("The answer rate dropped") && a.contains("0% of")),
        "{rate:?}"
    );
    // Too little history: nothing to compare with, no alert.
    assert!(at(3).is_empty());
}
