//! Discord end to end: the real serenity client (inside `DiscordAdapter`) against the fake
//! REST API and gateway in `tests/e2e/support/fake_discord.rs`, the real engine, bot and local
//! model. Each case asserts what was sent where.

use crate::support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use herald::engagement::EventKind;
use herald::engine::{self, EngineOptions};
use herald_discord::{Backoff, DiscordAdapter, DiscordOptions, Shards, RATE_UP};
use herald_platform::{ChatRef, Outgoing, Platform, PlatformError, PlatformKind};
use support::fake_discord::{dm_channel, user, FakeDiscord, Fault, BOT_ID, CHANNEL, GUILD, TOKEN};

fn options(fake: &FakeDiscord) -> DiscordOptions {
    DiscordOptions {
        token: TOKEN.into(),
        proxy_url: Some(fake.url.clone()),
        commands: herald::app::platforms::menu(),
        rules: herald_discord::Rules {
            guilds: vec![GUILD],
            ..Default::default()
        },
        backoff: Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_secs(1),
            attempts: 6,
        },
        rate_limit_wait: Duration::from_millis(100),
        ..DiscordOptions::default()
    }
}

/// The engine serving one Discord adapter, until stopped.
struct Running {
    adapter: Arc<DiscordAdapter>,
    stop: watch::Sender<bool>,
    engine: tokio::task::JoinHandle<Result<(), PlatformError>>,
}

impl Running {
    async fn stop(self) {
        let _ = self.stop.send(true);
        tokio::time::timeout(Duration::from_secs(30), self.engine)
            .await
            .expect("engine stops within 30 s")
            .expect("engine task")
            .expect("no adapter failed");
    }
}

async fn serve(app: &herald::App, fake: &FakeDiscord, opts: DiscordOptions) -> Running {
    let adapter = Arc::new(DiscordAdapter::new(opts).expect("adapter"));
    let (stop, rx) = watch::channel(false);
    let engine = tokio::spawn(engine::run(
        app.bot.clone(),
        app.log.clone(),
        vec![adapter.clone() as Arc<dyn Platform>],
        EngineOptions {
            concurrency: 4,
            ..EngineOptions::default()
        },
        rx,
    ));
    fake.wait_connected(20).await;
    Running {
        adapter,
        stop,
        engine,
    }
}

fn content(m: &Value) -> String {
    m["content"].as_str().unwrap_or_default().to_string()
}

fn request(m: &Value) -> &Value {
    &m["_request"]
}

fn chat(channel: u64, private: bool) -> ChatRef {
    ChatRef {
        platform: PlatformKind::Discord,
        chat: channel.to_string(),
        private,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dm_is_answered_with_the_fact_as_a_reply_with_buttons_and_no_pings() {
    let fake = FakeDiscord::start().await;
    let t = support::bot();
    let run = serve(&t.app, &fake, options(&fake)).await;
    let asked = fake.dm(42, "how much is the huila?");
    let sent = fake.wait_messages(dm_channel(42), 1, 60).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let answer = &sent[0];
    assert!(content(answer).contains("16.00"), "{}", content(answer));
    assert!(content(answer).contains("**Sources**"), "citations shown");
    let req = request(answer);
    assert_eq!(req["message_reference"]["message_id"], asked.to_string());
    assert_eq!(req["message_reference"]["fail_if_not_exists"], false);
    assert_eq!(req["allowed_mentions"]["parse"], json!([]));
    assert_eq!(req["enforce_nonce"], true);
    let buttons = &req["components"][0]["components"];
    assert_eq!(buttons[0]["custom_id"], RATE_UP);
    assert_eq!(buttons.as_array().map(Vec::len), Some(2));

    // Slash commands were registered for the allowed server from the router's table, and
    // typing was shown while the model worked.
    let calls = fake.calls();
    let registered = calls
        .iter()
        .find(|c| {
            c.method == "PUT" && c.path == format!("/applications/901/guilds/{GUILD}/commands")
        })
        .expect("guild commands registered");
    let names: Vec<&str> = registered
        .body
        .as_array()
        .expect("list")
        .iter()
        .filter_map(|c| c["name"].as_str())
        .collect();
    let table: Vec<&str> = herald::bot::command_table()
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, table);
    // Managers' commands are hidden from members who cannot manage the server.
    for c in registered.body.as_array().expect("list") {
        let name = c["name"].as_str().unwrap_or_default();
        let managers_only = herald::manage::MANAGER_COMMANDS
            .iter()
            .any(|m| m.name == name);
        let want = if managers_only {
            json!("32")
        } else {
            Value::Null
        };
        assert_eq!(c["default_member_permissions"], want, "/{name}");
    }
    let ask = &registered.body.as_array().expect("list")[2];
    assert_eq!(ask["options"][0]["name"], "question");
    assert_eq!(ask["options"][0]["required"], true);
    // Every option of every command is one Discord accepts (a bad one refuses the whole
    // list): valid names, and required options before optional ones.
    let valid = regex::Regex::new(r"^[-_a-z0-9]{1,32}$").expect("regex");
    for c in registered.body.as_array().expect("list") {
        let options = c["options"].as_array().cloned().unwrap_or_default();
        let mut optional_seen = false;
        for o in &options {
            let name = o["name"].as_str().unwrap_or_default();
            assert!(valid.is_match(name), "{}: option {name:?}", c["name"]);
            let required = o["required"] == true;
            assert!(
                !(required && optional_seen),
                "{}: required after optional",
                c["name"]
            );
            optional_seen |= !required;
        }
        let spec = herald::bot::command_table()
            .into_iter()
            .find(|s| c["name"] == s.name)
            .expect("in the table");
        assert_eq!(
            options.len(),
            spec.args.split_whitespace().count(),
            "{}",
            c["name"]
        );
    }
    assert!(
        calls
            .iter()
            .any(|c| c.path == format!("/channels/{}/typing", dm_channel(42))),
        "typing shown"
    );
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_a_server_only_mentions_and_replies_to_the_bot_are_answered() {
    let fake = FakeDiscord::start().await;
    let t = support::bot();
    let run = serve(&t.app, &fake, options(&fake)).await;

    fake.guild_message(42, "how much is the huila?", json!({}));
    let mention = fake.guild_message(
        43,
        &format!("<@{BOT_ID}> how much is the huila?"),
        json!({"mentions": [user(BOT_ID, true)]}),
    );
    let sent = fake.wait_messages(CHANNEL, 1, 60).await;
    assert_eq!(
        request(&sent[0])["message_reference"]["message_id"],
        mention.to_string(),
        "the mention is answered, the plain message is not"
    );
    assert!(content(&sent[0]).contains("16.00"));

    // A reply to the bot's answer addresses it without a mention.
    let bot_msg = sent[0].clone();
    let reply = fake.guild_message(
        44,
        "and how much is the huila again?",
        json!({"type": 19, "message_reference": {"message_id": bot_msg["id"], "channel_id": CHANNEL.to_string()},
               "referenced_message": bot_msg}),
    );
    let sent = fake.wait_messages(CHANNEL, 2, 60).await;
    assert_eq!(
        request(&sent[1])["message_reference"]["message_id"],
        reply.to_string()
    );
    // Other bots, webhooks and messages without text get nothing.
    fake.guild_message(
        45,
        &format!("<@{BOT_ID}> how much is the huila?"),
        json!({"author": user(46, true), "mentions": [user(BOT_ID, true)]}),
    );
    fake.guild_message(
        45,
        &format!("<@{BOT_ID}> how much is the huila?"),
        json!({"webhook_id": "99", "mentions": [user(BOT_ID, true)]}),
    );
    fake.guild_message(
        45,
        "",
        json!({"attachments": [{"id": "1", "filename": "a.png", "size": 1, "url": "http://x/a.png", "proxy_url": "http://x/a.png"}]}),
    );
    // Then a message that is answered, from the same member in the same channel: once its
    // answer is out, the three before it have been through the gateway and the engine.
    let sentinel = fake.guild_message(
        45,
        &format!("<@{BOT_ID}> /help"),
        json!({"mentions": [user(BOT_ID, true)]}),
    );
    let sent = fake.wait_messages(CHANNEL, 3, 60).await;
    run.stop().await;
    assert_eq!(
        request(&sent[2])["message_reference"]["message_id"],
        sentinel.to_string(),
        "only the last message is answered"
    );
    assert_eq!(
        fake.messages(CHANNEL).len(),
        3,
        "{:?}",
        fake.messages(CHANNEL)
    );
    let logged = t
        .app
        .log
        .events()
        .filter(|e| matches!(e.kind, EventKind::Message { .. }))
        .count();
    assert!(
        logged >= 3,
        "the unaddressed message is logged too: {logged}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slash_command_is_deferred_then_answered_by_follow_up_and_rated() {
    let fake = FakeDiscord::start().await;
    let t = support::bot();
    let run = serve(&t.app, &fake, options(&fake)).await;
    let id = fake.slash(
        42,
        "ask",
        json!([{"name": "question", "type": 3, "value": "how much is the huila?"}]),
    );
    let sent = fake.wait_messages(CHANNEL, 1, 60).await;
    let calls = fake.calls();
    let defer = calls
        .iter()
        .position(|c| c.path == format!("/interactions/{id}/itoken-{id}/callback"))
        .expect("deferred");
    assert_eq!(calls[defer].body["type"], 5, "deferred channel message");
    let follow = calls
        .iter()
        .position(|c| c.method == "POST" && c.path == format!("/webhooks/901/itoken-{id}"))
        .expect("followed up");
    assert!(defer < follow);
    assert!(content(&sent[0]).contains("16.00"), "{}", content(&sent[0]));
    assert_eq!(request(&sent[0])["allowed_mentions"]["parse"], json!([]));

    // 👍 on the answer is recorded with the sources it cited.
    let answer_id: u64 = sent[0]["id"].as_str().expect("id").parse().expect("number");
    fake.press(42, CHANNEL, answer_id, RATE_UP);
    fake.wait_until(20, "the button acknowledged", |v| {
        v.calls
            .iter()
            .any(|c| c.path.ends_with("/callback") && c.body["type"] == 6)
    })
    .await;
    let ratings = support::ratings(&t.app.log, 10).await;
    run.stop().await;
    assert_eq!(ratings.len(), 1, "{ratings:?}");
    assert!(ratings[0].0);
    assert!(
        ratings[0].1.iter().any(|s| s.contains("products.toml")),
        "{:?}",
        ratings[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_text_is_split_in_order_and_everyone_never_pings() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(options(&fake)).expect("adapter");
    let sentence = "The @everyone workshop starts at nine. ";
    let text = sentence.repeat(150);
    let sent = adapter
        .send(Outgoing {
            reply_to: Some("5".into()),
            rateable: true,
            idempotency_key: None,
            images: Vec::new(),
            mention: None,
            buttons: Vec::new(),
            ..Outgoing::text(chat(CHANNEL, false), text.clone())
        })
        .await
        .expect("sent");
    let landed = fake.messages(CHANNEL);
    assert_eq!(sent.message_ids.len(), landed.len());
    assert!(landed.len() >= 3, "{}", landed.len());
    let joined: Vec<String> = landed.iter().map(content).collect();
    assert_eq!(
        joined.join(" ").split_whitespace().collect::<Vec<_>>(),
        text.split_whitespace().collect::<Vec<_>>(),
        "in order, nothing lost"
    );
    for (i, m) in landed.iter().enumerate() {
        assert!(content(m).encode_utf16().count() <= 2000);
        let req = request(m);
        assert_eq!(req["allowed_mentions"]["parse"], json!([]), "piece {i}");
        assert_eq!(
            req["message_reference"].is_null(),
            i > 0,
            "only the first piece replies"
        );
        assert_eq!(
            req["components"].is_null(),
            i + 1 < landed.len(),
            "buttons under the last piece only"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_lost_responses_deliver_exactly_once() {
    let fake = FakeDiscord::start().await;
    let adapter = DiscordAdapter::new(options(&fake)).expect("adapter");
    let path = format!("/channels/{CHANNEL}/messages");
    fake.fail_next(&path, Fault::Status(429));
    fake.fail_next(&path, Fault::Status(500));
    adapter
        .send(Outgoing::text(chat(CHANNEL, false), "first"))
        .await
        .expect("sent after a 429 and a 500");
    let attempts: Vec<u16> = fake
        .calls()
        .iter()
        .filter(|c| c.path == path)
        .map(|c| c.status)
        .collect();
    assert_eq!(attempts, vec![429, 500, 200]);

    // The message is created but the response is lost: the retry carries the same nonce
    // and Discord hands back the first message instead of posting again.
    fake.fail_next(&path, Fault::LostResponse);
    let sent = adapter
        .send(Outgoing::text(chat(CHANNEL, false), "second"))
        .await
        .expect("sent");
    let landed: Vec<String> = fake.messages(CHANNEL).iter().map(content).collect();
    assert_eq!(landed, vec!["first", "second"]);
    assert_eq!(
        sent.message_ids,
        vec![fake.messages(CHANNEL)[1]["id"]
            .as_str()
            .unwrap_or("")
            .to_string()]
    );

    // A refusal (403: missing access) is final, not retried.
    fake.fail_next(&path, Fault::Status(403));
    let before = fake.calls().len();
    let err = adapter
        .send(Outgoing::text(chat(CHANNEL, false), "third"))
        .await
        .expect_err("refused");
    assert!(err.to_string().contains("403"), "{err}");
    assert_eq!(fake.calls().len(), before + 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_gateway_close_the_session_resumes_and_keeps_answering() {
    let fake = FakeDiscord::start().await;
    let t = support::bot();
    let run = serve(&t.app, &fake, options(&fake)).await;
    fake.dm(42, "how much is the huila?");
    fake.wait_messages(dm_channel(42), 1, 60).await;

    fake.close(4000);
    // Sent while the shard reconnects: replayed on RESUME, not lost.
    fake.dm(43, "how much is the huila?");
    let sent = fake.wait_messages(dm_channel(43), 1, 60).await;
    assert!(content(&sent[0]).contains("16.00"));
    let ops: Vec<u64> = fake.ops().iter().filter_map(|o| o["op"].as_u64()).collect();
    assert_eq!(
        ops.iter().filter(|o| **o == 2).count(),
        1,
        "identified once: {ops:?}"
    );
    assert!(ops.contains(&6), "resumed: {ops:?}");
    assert!(run.adapter.connected());

    fake.dm(44, "how much is the huila?");
    fake.wait_messages(dm_channel(44), 1, 60).await;
    run.stop().await;
    assert_eq!(fake.messages(dm_channel(43)).len(), 1, "answered once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_dms_at_once_are_all_answered_once() {
    let fake = FakeDiscord::start().await;
    let t = support::bot();
    let run = serve(&t.app, &fake, options(&fake)).await;
    let members: Vec<u64> = (1000..1030).collect();
    for m in &members {
        fake.dm(*m, "how much is the huila?");
    }
    fake.wait_until(240, "30 answers", |v| {
        members.iter().all(|m| {
            v.channels
                .get(&dm_channel(*m))
                .is_some_and(|c| !c.is_empty())
        })
    })
    .await;
    // Stopping answers what the engine holds and waits for every reply: any second answer
    // would be out by then.
    run.stop().await;
    for m in &members {
        let sent = fake.messages(dm_channel(*m));
        assert_eq!(sent.len(), 1, "member {m}: {sent:?}");
        assert!(content(&sent[0]).contains("16.00"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_events_do_no_harm_and_a_refused_members_intent_is_dropped() {
    let fake = FakeDiscord::start().await;
    fake.refuse_members_intent();
    let adapter = Arc::new(DiscordAdapter::new(options(&fake)).expect("adapter"));
    let (tx, mut rx) = mpsc::channel(16);
    let (stop, stop_rx) = watch::channel(false);
    let listening = {
        let adapter = adapter.clone();
        tokio::spawn(async move { adapter.listen(tx, stop_rx).await })
    };
    fake.wait_until(20, "a second IDENTIFY without the members intent", |v| {
        let identifies: Vec<&Value> = v.ops.iter().filter(|o| o["op"] == 2).collect();
        identifies.len() >= 2
            && identifies
                .last()
                .and_then(|o| o["d"]["intents"].as_u64())
                .is_some_and(|i| i & 2 == 0)
    })
    .await;
    fake.wait_connected(10).await;

    // Malformed interactions, a component nobody knows, an unknown event kind, an
    // embeds-only message: nothing reaches the engine, the connection survives.
    fake.dispatch("INTERACTION_CREATE", json!({"id": "1", "type": 2}));
    fake.dispatch("INTERACTION_CREATE", json!("garbage"));
    fake.dispatch("SOMETHING_NEW", json!({"x": 1}));
    fake.guild_message(
        42,
        "",
        json!({"embeds": [{"title": "preview", "type": "rich"}], "mentions": [user(BOT_ID, true)]}),
    );
    fake.press(42, CHANNEL, 5, "not-ours");
    let huge = "é".repeat(50_000);
    fake.dm(42, &huge);
    fake.dm(42, "still there?");
    // serenity hands each event to its own task, so the two may arrive in either order.
    let mut got = Vec::new();
    while got.len() < 2 {
        match tokio::time::timeout(Duration::from_secs(20), rx.recv()).await {
            Ok(Some(herald_platform::Inbound::Message(m))) => got.push(m),
            Ok(Some(other)) => panic!("unexpected {other:?}"),
            Ok(None) | Err(_) => panic!("the adapter stopped delivering: {got:?}"),
        }
    }
    got.sort_by_key(|m| m.text.len());
    assert_eq!(got[0].text, "still there?");
    assert_eq!(got[1].text.chars().count(), herald_discord::MAX_TEXT_CHARS);
    assert!(rx.try_recv().is_err(), "nothing else was delivered");
    let _ = stop.send(true);
    let result = tokio::time::timeout(Duration::from_secs(20), listening)
        .await
        .expect("listen ends on shutdown")
        .expect("task");
    assert!(result.is_ok(), "{result:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_token_stops_the_adapter_with_a_config_error() {
    let fake = FakeDiscord::start().await;
    fake.refuse_token();
    let adapter = DiscordAdapter::new(options(&fake)).expect("adapter");
    let (tx, _rx) = mpsc::channel(1);
    let (_stop, stop_rx) = watch::channel(false);
    let err = tokio::time::timeout(Duration::from_secs(10), adapter.listen(tx, stop_rx))
        .await
        .expect("gives up at once")
        .expect_err("refused");
    assert!(matches!(err, PlatformError::Config { .. }), "{err:?}");
    assert!(err.to_string().contains("HERALD_DISCORD_TOKEN"), "{err}");

    let no_token = DiscordAdapter::new(DiscordOptions::default()).err();
    assert!(
        no_token.is_some_and(|e| e.to_string().contains("HERALD_DISCORD_TOKEN")),
        "an empty token is refused before connecting"
    );
    let bad_shards = DiscordAdapter::new(DiscordOptions {
        shards: Shards::Range {
            first: 2,
            last: 1,
            total: 4,
        },
        ..options(&fake)
    });
    assert!(bad_shards.is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_serves_discord_from_the_config() {
    let fake = FakeDiscord::start().await;
    let run = support::RunSetup::new(&format!(
        "[discord]\nproxy_url = \"{}\"\nguilds = [{GUILD}]\nretry_base_ms = 50\n",
        fake.url
    ));
    let mut cmd = run.command();
    cmd.env("HERALD_DISCORD_TOKEN", TOKEN);
    let mut child = cmd.spawn().expect("herald starts");
    fake.wait_connected(60).await;
    fake.dm(42, "how much is the huila?");
    let sent = fake.wait_messages(dm_channel(42), 1, 90).await;
    let status = support::stop(&mut child);
    assert!(status.success(), "{status:?}");
    assert!(content(&sent[0]).contains("16.00"), "{}", content(&sent[0]));
}

mod moderation;
mod team;
