//! The engagement log's storage: chunked events read back in order (also the one-event
//! values written before chunking), buffered events reach sled without a reader, and the
//! stored rollups give the same report as the events that are left — after several
//! catch-ups, after `/forgetme`-style erasure and after retention; likewise the gap and
//! interaction rows `/gaps` and `/recommend` read.

use crate::support;

use herald::analytics::gaps::gap_groups;
use herald::analytics::recommend::Interactions;
use herald::analytics::{report, Report};
use herald::engagement::{EngagementLog, Event, EventKind};
use support::events::{best_times_of, gap_groups_of, interactions_of, report_of};
use support::synthetic::{gap_events, generate, DAY_MS, START_MS};

fn open(dir: &std::path::Path) -> (sled::Db, EngagementLog) {
    let db = support::reopen(dir);
    let log = EngagementLog::open(&db, "k").expect("log");
    (db, log)
}

/// Sentiment sums are added in a different order when folded in slices: compare them to
/// nine places, everything else exactly.
fn comparable(mut r: Report) -> serde_json::Value {
    for c in std::iter::once(&mut r.overall).chain(r.channels.iter_mut()) {
        for n in [&mut c.current, &mut c.previous] {
            n.sentiment = (n.sentiment * 1e9).round() / 1e9;
        }
    }
    serde_json::to_value(r).expect("json")
}

fn stored_report(log: &EngagementLog, now: u64, days: u64) -> Report {
    let (from, to) = report::span(now, days, chrono_tz::UTC);
    report::build(
        &log.rollup(from, to).expect("rollup"),
        now,
        days,
        chrono_tz::UTC,
    )
}

/// A private chat with one member, and a second group, on top of the synthetic log.
fn with_private_chat(mut events: Vec<Event>) -> Vec<Event> {
    for d in 40..68u64 {
        let at = START_MS + d * DAY_MS + 9 * 3_600_000;
        for (chat, member, text) in [
            ("private:alice", "alice", "this is terrible, nothing works"),
            ("-200", "alice", "thanks, great help"),
            ("-200", "bob", "hello there"),
        ] {
            events.push(Event {
                at_ms: at,
                platform: "telegram".into(),
                chat: chat.into(),
                member: member.into(),
                kind: EventKind::Message {
                    message_id: format!("{d}"),
                    text: text.into(),
                    addressed: true,
                },
            });
        }
        events.push(Event {
            at_ms: at + 1000,
            platform: "telegram".into(),
            chat: "private:alice".into(),
            member: "alice".into(),
            kind: EventKind::Reply {
                in_reply_to: format!("{d}"),
                intent: None,
                route: "answer".into(),
                answered: d % 2 == 0,
                grounded: true,
                fallback: "none".into(),
                latency_ms: 5000.0 + d as f64,
                sources: Vec::new(),
                entities: vec!["refunds".into(), format!("plan-{}", d % 3)],
            },
        });
        // What /gaps and /recommend read: unanswered questions and the entities of answers.
        for (member, question, entities) in [
            (
                "alice",
                "where is the refund form?",
                vec!["refunds".to_string()],
            ),
            (
                "bob",
                "Where is the refund form",
                vec!["plan-1".to_string()],
            ),
        ] {
            events.push(Event {
                at_ms: at + 1500,
                platform: "telegram".into(),
                chat: "-200".into(),
                member: member.into(),
                kind: EventKind::Gap {
                    question: question.into(),
                },
            });
            if member == "bob" {
                events.push(Event {
                    at_ms: at + 1600,
                    platform: "telegram".into(),
                    chat: "-200".into(),
                    member: member.into(),
                    kind: EventKind::Reply {
                        in_reply_to: format!("b{d}"),
                        intent: None,
                        route: "answer".into(),
                        answered: true,
                        grounded: true,
                        fallback: "none".into(),
                        latency_ms: 3000.0,
                        sources: Vec::new(),
                        entities,
                    },
                });
            }
        }
        // Bob likes an answer about plan-2 (an interaction), not one about plan-0 (none).
        for (positive, entity) in [(true, "plan-2"), (false, "plan-0")] {
            events.push(Event {
                at_ms: at + 1700,
                platform: "telegram".into(),
                chat: "-200".into(),
                member: "bob".into(),
                kind: EventKind::Rating {
                    message_id: format!("a{d}"),
                    positive,
                    sources: Vec::new(),
                    route: "answer".into(),
                    entities: vec![entity.into()],
                },
            });
        }
        // Alice reacts to a post, then changes her mind (last set counts).
        for n in [3, 1] {
            events.push(Event {
                at_ms: at + 2000 + n,
                platform: "telegram".into(),
                chat: "-100".into(),
                member: "alice".into(),
                kind: EventKind::Reaction {
                    message_id: "1".into(),
                    reactions: vec!["👍".to_string(); n as usize],
                    sources: Vec::new(),
                    post: Some("p1".into()),
                },
            });
        }
    }
    // Three more topics nobody could answer, before the retention cutoff below.
    events.extend(gap_events(START_MS + 45 * DAY_MS));
    events.sort_by_key(|e| e.at_ms);
    events
}

/// Member messages and the distinct members who wrote them in `[from, to)`, counted here
/// from the events themselves, not by the code that builds reports.
fn counted(events: &[Event], from: u64, to: u64) -> (u64, u64) {
    let messages: Vec<&Event> = events
        .iter()
        .filter(|e| (from..to).contains(&e.at_ms))
        .filter(|e| matches!(e.kind, EventKind::Message { .. }))
        .collect();
    let members: std::collections::HashSet<&str> =
        messages.iter().map(|e| e.member.as_str()).collect();
    (messages.len() as u64, members.len() as u64)
}

/// The stored report's numbers for its period and the one before equal a direct count.
fn assert_counts(r: &Report, events: &[Event], when: &str) {
    let before = r.start_ms - (r.end_ms - r.start_ms);
    let n = &r.overall;
    assert_eq!(
        (n.current.messages, n.current.active_members),
        counted(events, r.start_ms, r.end_ms),
        "{when}: this period"
    );
    assert_eq!(
        (n.previous.messages, n.previous.active_members),
        counted(events, before, r.start_ms),
        "{when}: the period before"
    );
    assert_eq!(
        (n.today.messages, n.today.active_members),
        counted(events, r.end_ms, r.now_ms + 1),
        "{when}: today so far"
    );
}

/// `/gaps` and `/recommend` from the stored rows equal the same over `events`.
fn assert_asked_rows_match(log: &EngagementLog, events: &[Event], when: &str) {
    for since in [0, START_MS + 60 * DAY_MS] {
        let stored = gap_groups(log.gaps_since(since).expect("gaps"));
        let direct = gap_groups_of(events.iter().cloned(), since);
        assert!(!direct.is_empty(), "{when}: the log has gaps");
        assert_eq!(stored, direct, "{when}: gap groups since {since}");
    }
    let stored = Interactions::from_pairs(log.interactions().expect("interactions"));
    assert_eq!(
        stored.by_member,
        interactions_of(events.iter()).by_member,
        "{when}: interactions"
    );
}

#[test]
fn stored_rollups_give_the_report_of_the_events_through_erasure_and_retention() {
    let events = with_private_chat(generate(5, 70).events);
    let now = START_MS + 70 * DAY_MS + 3_600_000;
    let dir = tempfile::tempdir().expect("tempdir");
    let (_db, log) = open(dir.path());
    // Folded in three slices, with reports in between, like a running bot.
    for (i, slice) in events.chunks(events.len() / 3 + 1).enumerate() {
        log.append_all(slice).expect("append");
        let folded = log.catch_up().expect("catch up");
        assert_eq!(folded, slice.len(), "slice {i} folded once");
    }
    assert_eq!(log.catch_up().expect("again"), 0, "nothing is folded twice");
    for days in [7, 30] {
        let stored = stored_report(&log, now, days);
        assert!(
            stored.overall.current.messages > 50 * days,
            "{:?}",
            stored.overall
        );
        assert_counts(&stored, &events, &format!("{days} days"));
        assert_eq!(
            comparable(stored),
            comparable(report_of(&events, now, days, chrono_tz::UTC)),
            "{days} days"
        );
    }
    let channels = stored_report(&log, now, 30).channels;
    assert!(channels.iter().any(|c| c.chat == "private:alice"));
    let p1 = log.post_engagement().expect("engagement")["p1"].clone();
    assert_eq!(
        p1,
        herald::engagement::post_engagement_of(events.iter())["p1"],
        "reactions as last set"
    );
    assert_asked_rows_match(&log, &events, "folded in slices");
    let refund = &gap_groups(log.gaps_since(0).expect("gaps"))[0];
    assert_eq!((refund.count, refund.members), (56, 2), "{refund:?}");
    let pairs = Interactions::from_pairs(log.interactions().expect("interactions"));
    assert_eq!(pairs.history("alice").len(), 4, "refunds and three plans");
    assert_eq!(
        pairs.history("bob").into_iter().collect::<Vec<_>>(),
        ["plan-1", "plan-2"],
        "asked about plan-1, liked an answer about plan-2, disliked one about plan-0"
    );

    // Alice asks to be forgotten.
    let chats = vec!["private:alice".to_string()];
    let (erased, _) = log.erase_member("alice", &chats).expect("erase");
    assert_eq!(erased, 28 * 6);
    let left: Vec<Event> = log.events().collect();
    assert_eq!(left.len(), events.len() - erased);
    let stored = stored_report(&log, now, 30);
    assert!(!stored.channels.iter().any(|c| c.chat.contains("alice")));
    assert_counts(&stored, &left, "after erasure");
    assert_eq!(
        comparable(stored),
        comparable(report_of(&left, now, 30, chrono_tz::UTC))
    );
    assert_eq!(
        log.post_engagement().expect("engagement")["p1"],
        herald::engagement::post_engagement_of(left.iter())["p1"]
    );
    assert_asked_rows_match(&log, &left, "after erasure");
    let rollups = _db.open_tree("rollups").expect("tree");
    // Her 64-bit member form, in either byte order (sets store it little-endian, keys
    // big-endian).
    let alice_le = blake3::hash(b"alice").as_bytes()[..8].to_vec();
    let alice_be: Vec<u8> = alice_le.iter().rev().copied().collect();
    for kv in rollups.iter() {
        let (k, v) = kv.expect("row");
        assert!(
            !String::from_utf8_lossy(&k).contains("alice"),
            "a row keyed by Alice is left: {}",
            String::from_utf8_lossy(&k)
        );
        for bits in [&alice_le, &alice_be] {
            assert!(
                !k.windows(8)
                    .chain(v.windows(8))
                    .any(|w| w == bits.as_slice()),
                "Alice is still in a row: {}",
                String::from_utf8_lossy(&k)
            );
        }
        assert!(
            !String::from_utf8_lossy(&v).contains("where is the refund form?"),
            "Alice's question is still stored"
        );
    }

    // Retention: everything before day 50 goes, from the log and from the rollups.
    let cutoff = START_MS + 50 * DAY_MS + 7 * 60_000;
    let purged = log.purge_before(cutoff).expect("purge");
    let left: Vec<Event> = log.events().collect();
    assert!(purged > 1000 && left.iter().all(|e| e.at_ms >= START_MS + 50 * DAY_MS));
    assert_counts(&stored_report(&log, now, 30), &left, "after retention");
    assert_eq!(
        comparable(stored_report(&log, now, 30)),
        comparable(report_of(&left, now, 30, chrono_tz::UTC))
    );
    let (from, to) = report::span(now, 30, chrono_tz::UTC);
    let best = herald::analytics::best_times(
        &log.rollup(from, to).expect("rollup").published(),
        chrono_tz::UTC,
        1,
    );
    assert_eq!(
        best,
        best_times_of(&left, chrono_tz::UTC, 1),
        "best times follow retention"
    );
    // Counted directly: one post per publication kept (a post sent to several targets
    // counts once).
    let published: std::collections::HashSet<&str> = left
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Published { post, .. } => Some(post.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(
        best.iter().map(|h| h.posts).sum::<usize>(),
        published.len(),
        "every kept post is in one hour"
    );
    assert_asked_rows_match(&log, &left, "after retention");
    assert!(log
        .gaps_since(0)
        .expect("gaps")
        .iter()
        .all(|g| g.at_ms >= START_MS + 50 * DAY_MS));
}

/// Rollups written before gap and interaction rows existed (no schema mark) are folded
/// again from the log once, so `/gaps` does not lose the questions asked before an upgrade.
#[test]
fn rollups_of_an_older_schema_are_rebuilt_from_the_log() {
    let events = with_private_chat(generate(2, 70).events);
    let dir = tempfile::tempdir().expect("tempdir");
    let (db, log) = open(dir.path());
    log.append_all(&events).expect("append");
    assert_eq!(log.catch_up().expect("fold"), events.len());
    // What an older version left: buckets and posts, no gap or interaction rows, no mark.
    let rollups = db.open_tree("rollups").expect("tree");
    for kv in rollups.iter() {
        let (k, _) = kv.expect("row");
        if [b'g', b'i'].contains(&k[0]) || k.as_ref() == b"mschema" {
            rollups.remove(k).expect("remove");
        }
    }
    assert_eq!(log.catch_up().expect("fold"), events.len(), "folded again");
    assert_eq!(log.catch_up().expect("fold"), 0, "once");
    assert_asked_rows_match(&log, &events, "after the upgrade");
    let now = START_MS + 70 * DAY_MS;
    assert_eq!(
        comparable(stored_report(&log, now, 30)),
        comparable(report_of(&events, now, 30, chrono_tz::UTC)),
        "counted once, not twice"
    );
}

#[test]
fn events_stored_one_per_value_before_chunking_still_read_in_order() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = generate(1, 2).events;
    {
        // The layout of earlier versions: one JSON event per value, keyed by a rising id.
        let db = support::reopen(dir.path());
        let tree = db.open_tree("events").expect("tree");
        for e in &s[..10] {
            let id = db.generate_id().expect("id");
            tree.insert(id.to_be_bytes(), serde_json::to_vec(e).expect("json"))
                .expect("insert");
        }
        // And one damaged value: skipped, not fatal, never deleted by erasure.
        let id = db.generate_id().expect("id");
        tree.insert(id.to_be_bytes(), &b"{not json"[..])
            .expect("insert");
        db.flush().expect("flush");
    }
    let (db, log) = open(dir.path());
    log.append_all(&s[10..]).expect("append");
    assert_eq!(log.events().collect::<Vec<_>>(), s);
    log.erase_member("nobody", &[]).expect("erase");
    let raw = db.open_tree("events").expect("tree");
    assert!(raw
        .iter()
        .values()
        .any(|v| v.expect("value").as_ref() == b"{not json"));
    // The rollups count the old events too.
    let r = log.rollup(START_MS, START_MS + 2 * DAY_MS).expect("rollup");
    let messages: u64 = r.buckets.values().map(|b| b.messages).sum();
    let expected = s
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Message { .. }))
        .count() as u64;
    assert_eq!(messages, expected);
}

#[test]
fn buffered_events_reach_sled_on_their_own_and_on_flush() {
    let dir = tempfile::tempdir().expect("tempdir");
    let s = generate(2, 3).events;
    {
        let (db, log) = open(dir.path());
        log.append(&s[0]).expect("append");
        // No reader, no flush: the background writer puts it in sled within 100 ms.
        let tree = db.open_tree("events").expect("tree");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while tree.is_empty() {
            assert!(
                std::time::Instant::now() < deadline,
                "the buffered event never reached sled"
            );
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        // More than a chunk and a tail: `flush` (what `herald run` does at shutdown) writes
        // the tail.
        log.append_all(&s[1..200]).expect("append");
        log.flush().expect("flush");
    }
    let (_db, log) = open(dir.path());
    assert_eq!(log.events().collect::<Vec<_>>(), s[..200].to_vec());
}
