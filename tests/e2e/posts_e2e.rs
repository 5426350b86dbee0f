//! Posts end to end: a real `herald run` (real model, real teloxide and serenity clients)
//! against the fake Telegram and Discord servers. A manager drafts, approves and schedules;
//! the post lands in every target once, also when the process is killed mid-send.

use crate::support;

use std::path::Path;
use std::process::{Child, Stdio};
use std::time::Duration;

use serde_json::{json, Value};

use support::fake_discord::{self, FakeDiscord, CHANNEL, GUILD};
use support::fake_telegram::{self, group_chat, member, FakeTelegram};

const MANAGER: i64 = 77;
const MEMBER: i64 = 88;
const GROUP: i64 = -100_500;
const OPS: i64 = -100_900;

const DISCORD_MANAGER: u64 = 42;

fn config(dir: &Path, tg: &FakeTelegram, dc: &FakeDiscord, port: u16) -> std::path::PathBuf {
    let path = dir.join("config.toml");
    support::write_run_config(
        &path,
        &format!(
            r#"
[telegram]
api_url = "{tg}"
poll_timeout_secs = 1
retry_base_ms = 50
managers = [{MANAGER}]

[discord]
proxy_url = "{dc}"
guilds = [{GUILD}]
retry_base_ms = 50
managers = [{DISCORD_MANAGER}]

[http]
listen = "127.0.0.1:{port}"

[posts]
timezone = "UTC"
public_url = "http://127.0.0.1:{port}"
tick_ms = 200
retry_base_ms = 200
report_target = "ops"

[posts.targets.news]
platform = "telegram"
chat = "{GROUP}"

[posts.targets.chat]
platform = "discord"
chat = "{CHANNEL}"

[posts.targets.ops]
platform = "telegram"
chat = "{OPS}"
"#,
            tg = tg.url,
            dc = dc.url
        ),
    );
    path
}

fn start(config: &Path, pack: &Path, data: &Path) -> Child {
    support::herald_run(config, pack, data)
        .env("HERALD_TELEGRAM_TOKEN", fake_telegram::TOKEN)
        .env("HERALD_DISCORD_TOKEN", fake_discord::TOKEN)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("herald runs")
}

use support::fake_telegram::shown as text;

/// Both fake platforms, a knowledge pack and a config pointing at them.
struct World {
    tg: FakeTelegram,
    dc: FakeDiscord,
    pack: tempfile::TempDir,
    dir: tempfile::TempDir,
    port: u16,
    config: std::path::PathBuf,
}

impl World {
    async fn start() -> World {
        let tg = FakeTelegram::start().await;
        let dc = FakeDiscord::start().await;
        let dir = tempfile::tempdir().expect("temp dir");
        let port = support::free_port();
        let config = config(dir.path(), &tg, &dc, port);
        World {
            tg,
            dc,
            pack: support::sample_pack(),
            dir,
            port,
            config,
        }
    }
}

/// Send a private message and wait for the reply.
async fn say(tg: &FakeTelegram, user: i64, what: &str) -> String {
    let n = tg.sent_to(user).len() + 1;
    tg.private_text(user, what);
    let sent = tg.wait_sent(user, n, 180).await;
    text(&sent[n - 1])
}

/// A manager drafts, approves and schedules a post for both platforms; returns its text.
async fn publish_flow(tg: &FakeTelegram, when: &str) -> String {
    let draft = say(
        tg,
        MANAGER,
        "/draft announce the Huila roast, friendly, with a question at the end",
    )
    .await;
    assert!(draft.starts_with("Draft p1:"), "{draft}");
    assert!(draft.contains("1. [predicted"), "{draft}");
    assert!(draft.contains("why:"), "{draft}");
    let approved = say(tg, MANAGER, "/approve p1").await;
    assert!(approved.starts_with("Approved p1:"), "{approved}");
    let post = approved
        .lines()
        .nth(1)
        .expect("the approved text follows")
        .to_string();
    let scheduled = say(tg, MANAGER, &format!("/schedule p1 {when} news,chat")).await;
    assert!(scheduled.starts_with("Scheduled p1"), "{scheduled}");
    post
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_manager_drafts_approves_and_schedules_and_members_engage() {
    let World {
        tg,
        dc,
        pack,
        dir,
        port,
        config,
    } = World::start().await;
    let child = start(&config, pack.path(), &dir.path().join("db"));
    dc.wait_connected(60).await;

    // A member is refused, politely, and nothing is drafted.
    let refused = say(&tg, MEMBER, "/draft announce a free coffee day").await;
    assert!(refused.contains("for the community managers"), "{refused}");

    let post = publish_flow(&tg, "now").await;
    assert!(!post.trim().is_empty());
    // Lands once in the Telegram group (HTML-escaped for Telegram) and the Discord channel.
    let in_tg = tg.wait_sent(GROUP, 1, 30).await;
    assert_eq!(text(&in_tg[0]), post);
    let in_dc = dc.wait_messages(CHANNEL, 1, 30).await;
    assert_eq!(in_dc[0]["content"].as_str().unwrap_or_default(), post);
    assert!(in_dc[0]["nonce"]
        .as_str()
        .is_some_and(|n| n.starts_with('k')));

    // Members react and reply to it on both platforms.
    let tg_post = in_tg[0]["_sent_id"].as_i64().expect("sent id");
    tg.push(
        "message_reaction",
        json!({"chat": group_chat(GROUP), "message_id": tg_post, "user": member(5),
               "date": 1_700_000_000, "old_reaction": [],
               "new_reaction": [{"type": "emoji", "emoji": "🔥"}]}),
    );
    let original = fake_telegram::message(
        tg_post,
        group_chat(GROUP),
        fake_telegram::bot_user(),
        json!({"text": post}),
    );
    tg.group_text(
        GROUP,
        6,
        "Sounds great, see you there",
        json!({"reply_to_message": original}),
    );
    let dc_post = in_dc[0]["id"].as_str().expect("id").to_string();
    dc.dispatch(
        "MESSAGE_REACTION_ADD",
        json!({"user_id": "42", "channel_id": CHANNEL.to_string(), "message_id": dc_post,
               "guild_id": GUILD.to_string(), "emoji": {"id": null, "name": "👍"},
               "message_author_id": fake_discord::BOT_ID.to_string(), "burst": false, "type": 0}),
    );
    // The reply to the post is answered in the group (it addresses the bot); wait for that.
    tg.wait_sent(GROUP, 2, 120).await;
    let mut posted = String::new();
    for _ in 0..20 {
        posted = say(&tg, MANAGER, "/posted").await;
        if posted.contains("2 reactions, 1 replies") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    assert!(
        posted.contains("2 reactions, 1 replies, 0 clicks"),
        "{posted}"
    );
    assert!(
        posted.contains("to chat, news") || posted.contains("to news, chat"),
        "{posted}"
    );

    // Discord managers have the same commands as slash commands; members are refused.
    dc.slash(43, "queue", json!([]));
    dc.wait_messages(CHANNEL, 2, 60).await;
    dc.slash(DISCORD_MANAGER, "queue", json!([]));
    let replies = dc.wait_messages(CHANNEL, 3, 60).await;
    let content = |m: &Value| m["content"].as_str().unwrap_or_default().to_string();
    assert!(
        content(&replies[1]).contains("for the community managers"),
        "{}",
        content(&replies[1])
    );
    assert_eq!(content(&replies[2]), "Nothing is scheduled.");

    // A post with a link, at a time a few seconds ahead: it waits, then goes out with the
    // link rewritten; following it counts a click and redirects.
    let draft = say(
        &tg,
        MANAGER,
        "/draft invite everyone to taste the Huila roast",
    )
    .await;
    assert!(draft.starts_with("Draft p2:"), "{draft}");
    let edited = say(
        &tg,
        MANAGER,
        "/edit p2 Huila tasting on Friday, details at https://example.com/tasting — who is coming?",
    )
    .await;
    assert!(
        edited.contains("⚠") && edited.contains("https://example.com/tasting"),
        "{edited}"
    );
    say(&tg, MANAGER, "/approve p2").await;
    let before = tg.sent_to(GROUP).len();
    // Timed from when the command is sent: the slot is at least 4 s after that, however
    // slow the bot is to confirm.
    let asked = std::time::Instant::now();
    let scheduled = say(&tg, MANAGER, "/schedule p2 in 4s news").await;
    assert!(scheduled.starts_with("Scheduled p2"), "{scheduled}");
    if asked.elapsed() < Duration::from_secs(3) {
        tokio::time::sleep(Duration::from_secs(3) - asked.elapsed()).await;
        assert_eq!(tg.sent_to(GROUP).len(), before, "published too early");
    }
    let sent = tg.wait_sent(GROUP, before + 1, 30).await;
    assert!(
        asked.elapsed() >= Duration::from_secs(4),
        "{:?}",
        asked.elapsed()
    );
    let published = text(&sent[before]);
    let prefix = format!("http://127.0.0.1:{port}/r/");
    let start = published
        .find(&prefix)
        .unwrap_or_else(|| panic!("{published}"));
    let link: String = published[start..]
        .chars()
        .take_while(|c| !c.is_whitespace())
        .collect();
    assert!(!published.contains("example.com"), "{published}");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("client");
    let response = client.get(&link).send().await.expect("click");
    assert_eq!(response.status().as_u16(), 302);
    assert_eq!(
        response.headers()["location"].to_str().expect("location"),
        "https://example.com/tasting"
    );
    let missing = client
        .get(format!("{prefix}nothing-here"))
        .send()
        .await
        .expect("unknown link");
    assert_eq!(missing.status().as_u16(), 404);
    // The post reaches the platform before the scheduler has written its delivery record
    // (that follows the platform's answer): ask again until the record is there.
    let mut posted = String::new();
    for _ in 0..30 {
        posted = say(&tg, MANAGER, "/posted").await;
        if posted.contains("0 reactions, 0 replies, 1 clicks") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert!(
        posted.contains("0 reactions, 0 replies, 1 clicks"),
        "{posted}"
    );

    // The report: a text summary, then its charts as pictures, on both platforms.
    let report = say(&tg, MANAGER, "/report 7d").await;
    assert!(report.starts_with("Report for the last 7 days"), "{report}");
    tg.wait_for(60, "two charts in the manager's chat", |calls| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "sendPhoto" && c.body["chat_id"] == json!(MANAGER))
            .count()
            >= 2
    })
    .await;
    let photos = tg.photos_to(MANAGER);
    assert_eq!(photos[0]["photo"]["filename"], "activity.png");
    assert_eq!(photos[1]["photo"]["filename"], "hours.png");
    assert!(photos
        .iter()
        .all(|p| p["photo"]["png"] == json!(true)
            && p["photo"]["bytes"].as_u64().unwrap_or(0) > 5_000));
    assert!(photos[0]["caption"]
        .as_str()
        .is_some_and(|c| c.contains("forecast")));
    let has_charts = |m: &Value| {
        m["_request"]["_files"]
            .as_array()
            .is_some_and(|f| f.len() == 2)
    };
    dc.slash(
        DISCORD_MANAGER,
        "report",
        json!([{"name": "period", "type": 3, "value": "30d"}]),
    );
    dc.wait_until(60, "the report with its charts", |v| {
        v.channels
            .get(&CHANNEL)
            .is_some_and(|ms| ms.iter().any(has_charts))
    })
    .await;
    let with_files = dc
        .messages(CHANNEL)
        .into_iter()
        .find(|m| has_charts(m))
        .expect("charts attached");
    let files = with_files["_request"]["_files"]
        .as_array()
        .expect("files")
        .clone();
    assert!(files.iter().all(|f| f["png"] == json!(true)), "{files:?}");
    assert_eq!(files[0]["filename"], "activity.png");

    support::stop_ok(child).await;
    // Exactly one copy each, no report to the managers' channel.
    assert_eq!(
        dc.messages(CHANNEL)
            .iter()
            .filter(|m| m["_request"]["content"].as_str() == Some(post.as_str()))
            .count(),
        1,
        "the post went out once"
    );
    assert!(tg.sent_to(OPS).is_empty());
}

/// Kill -9 while the Discord send is in flight (the fake took the message but has not
/// answered), start again: every target has exactly one copy.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_crash_mid_publishing_leaves_exactly_one_copy_per_target() {
    let World {
        tg,
        dc,
        pack,
        dir,
        port: _,
        config,
    } = World::start().await;
    let data = dir.path().join("db");
    let mut child = start(&config, pack.path(), &data);
    dc.wait_connected(60).await;

    dc.fail_next("/channels/7001/messages", fake_discord::Fault::Hold);
    let post = publish_flow(&tg, "now").await;
    // Telegram went first and is done; Discord has the message but no answer yet.
    assert_eq!(text(&tg.wait_sent(GROUP, 1, 30).await[0]), post);
    dc.wait_messages(CHANNEL, 1, 30).await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();

    let mut child = start(&config, pack.path(), &data);
    dc.wait_until(60, "the interrupted send is repeated", |v| {
        v.calls
            .iter()
            .filter(|c| c.method == "POST" && c.path.ends_with("/channels/7001/messages"))
            .count()
            >= 2
    })
    .await;
    // The repeat carried the same nonce, so Discord returned the first message.
    let posts: Vec<Value> = dc
        .calls()
        .into_iter()
        .filter(|c| c.method == "POST" && c.path.ends_with("/channels/7001/messages"))
        .map(|c| c.body)
        .collect();
    assert_eq!(posts[0]["nonce"], posts[1]["nonce"]);
    // Let the restarted scheduler run a few more ticks, then count.
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(dc.messages(CHANNEL).len(), 1);
    assert_eq!(tg.sent_to(GROUP).len(), 1);
    let posted = say(&tg, MANAGER, "/posted").await;
    assert!(posted.contains("published"), "{posted}");
    assert!(!posted.contains("uncertain"), "{posted}");

    // Now Telegram's send is cut short: the platform cannot say whether it arrived, so the
    // restarted bot does not send again and tells the managers.
    tg.fail_next(&format!("sendMessage@{GROUP}"), fake_telegram::Fault::Hold);
    let draft = say(&tg, MANAGER, "/draft remind everyone about the Huila roast").await;
    assert!(draft.starts_with("Draft p2:"), "{draft}");
    say(&tg, MANAGER, "/approve p2").await;
    tg.private_text(MANAGER, "/schedule p2 now news");
    // The fake took the post but holds its answer: the bot is mid-send.
    tg.wait_sent(GROUP, 2, 30).await;
    child.kill().expect("SIGKILL");
    let _ = child.wait();
    let child = start(&config, pack.path(), &data);
    let report = tg.wait_sent(OPS, 1, 60).await;
    assert!(
        text(&report[0]).contains("please check news"),
        "{}",
        text(&report[0])
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(tg.sent_to(GROUP).len(), 2, "p1 once and p2 once");
    support::stop_ok(child).await;
}
