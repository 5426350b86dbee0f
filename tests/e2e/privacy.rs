//! Members' data rights, end to end: a real `herald run` on the fake Telegram server logs two
//! members; `herald export-user` shows what is stored about one (scrubbed of e-mail and
//! phone); after `/forgetme` a scan of every sled tree finds nothing of them, while the other
//! member's data stays. Retention deletes old events only.

use crate::support;

use std::path::Path;
use std::process::{Child, Stdio};

use herald::engagement::{EngagementLog, Event, EventKind};
use serde_json::{json, Value};
use support::fake_telegram::{self, bot_user, group_chat, member, message, FakeTelegram};

const ALICE: i64 = 5_550_123;
const BOB: i64 = 5_550_456;
const GROUP: i64 = -100_777;
const KEY: &str = "privacy-test-key";

fn start(config: &Path, pack: &Path, data: &Path) -> Child {
    support::herald_run(config, pack, data)
        .env("HERALD_TELEGRAM_TOKEN", fake_telegram::TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("herald runs")
}

fn export(config: &Path, pack: &Path, data: &Path, user: i64) -> Value {
    let out = support::herald()
        .arg("--config")
        .arg(config)
        .arg("--knowledge")
        .arg(pack)
        .arg("--data")
        .arg(data)
        .args(["export-user", "telegram", &user.to_string()])
        .output()
        .expect("export-user runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("export is JSON")
}

/// Every key and value of every tree, with the tree's name.
fn entries(data: &Path) -> Vec<(String, Vec<u8>, Vec<u8>)> {
    let db = sled::open(data).expect("data folder");
    let mut all = Vec::new();
    for name in db.tree_names() {
        let tree = db.open_tree(&name).expect("tree");
        for kv in tree.iter() {
            let (k, v) = kv.expect("entry");
            all.push((
                String::from_utf8_lossy(&name).into_owned(),
                k.to_vec(),
                v.to_vec(),
            ));
        }
    }
    all
}

/// Every key and value of every tree, as lossy text.
fn dump(data: &Path) -> String {
    entries(data)
        .into_iter()
        .map(|(tree, k, v)| {
            format!(
                "{tree}\t{}\t{}\n",
                String::from_utf8_lossy(&k),
                String::from_utf8_lossy(&v)
            )
        })
        .collect()
}

/// Every key and value of every tree, as bytes: members are also stored in binary (the
/// rollups keep 64-bit forms of pseudonyms), which a text dump cannot show.
fn raw(data: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for (_, k, v) in entries(data) {
        all.extend_from_slice(&k);
        all.push(0);
        all.extend_from_slice(&v);
        all.push(0);
    }
    all
}

/// The binary forms of a member that could be stored: their 64-bit rollup form and their
/// raw platform id as an integer, each in both byte orders.
fn binary_forms(user: i64, pseudonym: &str) -> Vec<Vec<u8>> {
    let bits = herald::engagement::rollup::member_bits(pseudonym);
    vec![
        bits.to_le_bytes().to_vec(),
        bits.to_be_bytes().to_vec(),
        user.to_le_bytes().to_vec(),
        user.to_be_bytes().to_vec(),
    ]
}

/// `herald report` on the stopped bot's folder: folds the log into the rollups, so the
/// binary member forms are there to be looked for.
fn fold(config: &Path, pack: &Path, data: &Path) {
    let out = support::herald()
        .arg("--config")
        .arg(config)
        .arg("--knowledge")
        .arg(pack)
        .arg("--data")
        .arg(data)
        .args(["report", "--since", "7d"])
        .output()
        .expect("report runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

fn pseudonym(user: i64) -> String {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    EngagementLog::open(&db, KEY)
        .expect("log")
        .member_id("telegram", &user.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forgetme_erases_a_member_from_every_tree_and_export_shows_what_is_kept() {
    let tg = FakeTelegram::start().await;
    let run = support::RunSetup::new(&format!(
            "[telegram]\napi_url = \"{}\"\npoll_timeout_secs = 1\nretry_base_ms = 50\n\n[engagement]\nmember_key = \"{KEY}\"\n",
            tg.url
        ));
    let (pack, config) = (&run.pack, &run.config);
    let data = &run.data;
    let child = start(config, pack.path(), data);

    // Alice: a question with contact details, a gap, a group question, a rating, a reaction.
    tg.private_text(
        ALICE,
        "how much is the huila? write me at alice.zebra@example.com or +1 415 555 0199",
    );
    let answer = tg.wait_sent(ALICE, 1, 90).await;
    tg.private_text(ALICE, "what do you know about quasar zebra llamas?");
    tg.wait_sent(ALICE, 2, 90).await;
    tg.group_text(
        GROUP,
        ALICE,
        "@lantern_bot what are your opening hours? ping alice.zebra@example.com",
        json!({"entities": [{"type": "mention", "offset": 0, "length": 12}]}),
    );
    let in_group = tg.wait_sent(GROUP, 1, 90).await;
    let answer_id = answer[0]["_sent_id"].as_i64().expect("id");
    let rated = message(
        answer_id,
        json!({"id": ALICE, "type": "private", "first_name": "Alice"}),
        bot_user(),
        json!({"text": "16.00 USD"}),
    );
    tg.push(
        "callback_query",
        json!({"id": "cb-a", "from": member(ALICE), "message": rated, "chat_instance": "x",
               "data": herald_telegram::RATE_UP}),
    );
    tg.push(
        "message_reaction",
        json!({"chat": group_chat(GROUP), "message_id": in_group[0]["_sent_id"], "user": member(ALICE),
               "date": 1_700_000_000, "old_reaction": [],
               "new_reaction": [{"type": "emoji", "emoji": "🔥"}]}),
    );
    // Bob: one question.
    tg.private_text(BOB, "how much is the huila?");
    tg.wait_sent(BOB, 1, 90).await;
    tg.wait_for(20, "the rating is acknowledged", |calls| {
        calls
            .iter()
            .any(|c| c.method == "answerCallbackQuery" && c.body["callback_query_id"] == "cb-a")
    })
    .await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    support::stop_ok(child).await;

    let alice = pseudonym(ALICE);
    let bob = pseudonym(BOB);
    // Raw platform ids are never stored, and contact details are scrubbed everywhere.
    fold(config, pack.path(), data);
    let before = dump(data);
    for never in [
        ALICE.to_string(),
        BOB.to_string(),
        "alice.zebra@example.com".into(),
        "415 555".into(),
    ] {
        assert!(!before.contains(&never), "{never} is stored:\n{before}");
    }
    assert!(before.contains(&alice) && before.contains(&bob));
    // In binary: the rollups hold both members' 64-bit forms (the scan can see them), never a
    // raw id as an integer.
    let bytes = raw(data);
    for (user, name) in [(ALICE, &alice), (BOB, &bob)] {
        let forms = binary_forms(user, name);
        assert!(
            contains(&bytes, &forms[0]) || contains(&bytes, &forms[1]),
            "the scan does not see {user}'s rollup form"
        );
        for raw_id in &forms[2..] {
            assert!(
                !contains(&bytes, raw_id),
                "{user}'s id is stored as an integer"
            );
        }
    }
    assert!(before.contains("[email]") && before.contains("[phone]"));

    // What a data request gets.
    let exported = export(config, pack.path(), data, ALICE);
    assert_eq!(exported["member"], json!(alice));
    let events = exported["events"].as_array().expect("events");
    let kinds: Vec<&str> = events.iter().filter_map(|e| e["type"].as_str()).collect();
    for kind in ["message", "reply", "gap", "rating", "reaction"] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    assert!(events
        .iter()
        .all(|e| e["member"] == json!(alice) || e["chat"] == json!(format!("private:{alice}"))));
    let text = exported.to_string();
    assert!(text.contains("write me at [email] or [phone]"), "{text}");
    assert!(!exported["conversations"]
        .as_array()
        .expect("conversations")
        .is_empty());
    assert!(!text.contains(&bob));

    // Alice asks to be forgotten.
    let child = start(config, pack.path(), data);
    tg.private_text(ALICE, "/forgetme");
    let replies = tg.wait_sent(ALICE, 3, 90).await;
    let confirm = replies[2]["text"].as_str().unwrap_or_default();
    assert!(confirm.contains("erased everything"), "{confirm}");
    support::stop_ok(child).await;

    fold(config, pack.path(), data);
    let after = dump(data);
    for gone in [alice.as_str(), "zebra", "quasar", "[email]", "[phone]"] {
        assert!(!after.contains(gone), "{gone} is still stored:\n{after}");
    }
    assert!(after.contains(&bob), "Bob's data must stay");
    let bytes = raw(data);
    for form in binary_forms(ALICE, &alice) {
        assert!(
            !contains(&bytes, &form),
            "Alice is still stored in binary: {form:?}"
        );
    }
    let bob_forms = binary_forms(BOB, &bob);
    assert!(contains(&bytes, &bob_forms[0]) || contains(&bytes, &bob_forms[1]));
    let exported = export(config, pack.path(), data, ALICE);
    assert_eq!(exported["events"], json!([]));
    assert_eq!(exported["conversations"], json!([]));
    let exported = export(config, pack.path(), data, BOB);
    assert!(!exported["events"].as_array().expect("events").is_empty());
}

#[test]
fn retention_deletes_only_events_older_than_the_cutoff() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    let log = EngagementLog::open(&db, KEY).expect("log");
    let day = 86_400_000u64;
    let now = 400 * day;
    for age in [380u64, 370, 366, 364, 10, 0] {
        log.append(&Event {
            at_ms: now - age * day,
            platform: "telegram".into(),
            chat: "-1".into(),
            member: "m".into(),
            kind: EventKind::Feedback {
                text: format!("{age} days old"),
            },
        })
        .expect("append");
    }
    assert_eq!(log.purge_before(now - 365 * day).expect("purge"), 3);
    let left: Vec<String> = log
        .events()
        .map(|e| match e.kind {
            EventKind::Feedback { text } => text,
            _ => String::new(),
        })
        .collect();
    assert_eq!(left, ["364 days old", "10 days old", "0 days old"]);
    assert_eq!(log.purge_before(now - 365 * day).expect("again"), 0);
}

#[test]
fn export_user_refuses_an_unknown_platform() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = support::herald()
        .arg("--data")
        .arg(dir.path())
        .args(["export-user", "myspace", "1"])
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("unknown platform \"myspace\""), "{err}");
}
