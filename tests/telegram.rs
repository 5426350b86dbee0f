//! Telegram end to end: the real teloxide client (inside `TelegramAdapter`) against the fake
//! Bot API server in `tests/support/fake_telegram.rs`, the real engine, bot and local model.
//! Each case asserts what was sent to which chat.

mod support;

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::sync::watch;

use herald::engagement::EventKind;
use herald::engine::{self, EngineOptions};
use herald_platform::{ChatRef, MemoryState, Outgoing, Platform, PlatformKind, StateStore};
use herald_telegram::{Backoff, Mode, TelegramAdapter, TelegramOptions, WebhookOptions, RATE_UP};
use support::fake_telegram::{
    bot_user, group_chat, member, message, FakeTelegram, Fault, BOT_USERNAME, CHANNEL_ID,
    CHANNEL_USERNAME, TOKEN,
};

fn options(fake: &FakeTelegram) -> TelegramOptions {
    TelegramOptions {
        token: TOKEN.into(),
        api_url: Some(fake.url.parse().expect("fake url")),
        commands: herald::platforms::menu(),
        poll_timeout: Duration::from_secs(1),
        backoff: Backoff {
            base: Duration::from_millis(50),
            max: Duration::from_secs(1),
            attempts: 6,
        },
        ..TelegramOptions::default()
    }
}

/// The engine serving one Telegram adapter, until dropped or stopped.
struct Running {
    adapter: Arc<TelegramAdapter>,
    stop: watch::Sender<bool>,
    engine: tokio::task::JoinHandle<Result<(), herald_platform::PlatformError>>,
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

fn serve(bot: &Arc<herald::Bot>, opts: TelegramOptions, state: Arc<dyn StateStore>) -> Running {
    let adapter = Arc::new(TelegramAdapter::new(opts, state).expect("adapter"));
    let (stop, rx) = watch::channel(false);
    let engine = tokio::spawn(engine::run(
        bot.clone(),
        vec![adapter.clone() as Arc<dyn Platform>],
        EngineOptions {
            concurrency: 4,
            ..EngineOptions::default()
        },
        rx,
    ));
    Running {
        adapter,
        stop,
        engine,
    }
}

use support::fake_telegram::shown as text;

fn reply_to(m: &Value) -> Option<i64> {
    m["reply_parameters"]["message_id"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_question_is_answered_with_the_fact_as_a_reply_with_buttons() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    let asked = fake.private_text(501, "how much is the huila?");
    let sent = fake.wait_sent(501, 1, 60).await;
    assert_eq!(sent.len(), 1, "{sent:?}");
    let answer = &sent[0];
    assert!(text(answer).contains("16.00"), "{}", text(answer));
    assert!(text(answer).contains("Sources:"), "citations shown");
    assert_eq!(answer["parse_mode"], "HTML");
    assert_eq!(reply_to(answer), Some(asked));
    let buttons = &answer["reply_markup"]["inline_keyboard"][0];
    assert_eq!(buttons[0]["callback_data"], RATE_UP);
    assert_eq!(buttons.as_array().map(Vec::len), Some(2));

    // The menu is the bot's command table; typing was shown while the model worked.
    let menus = fake.ok_calls("setMyCommands");
    assert_eq!(menus.len(), 1);
    let names: Vec<&str> = menus[0]["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str())
        .collect();
    let table: Vec<&str> = herald::router::COMMANDS.iter().map(|c| c.name).collect();
    assert_eq!(names, table);
    let typing = fake.ok_calls("sendChatAction");
    assert!(
        typing
            .iter()
            .any(|c| c["chat_id"] == json!(501) && c["action"] == "typing"),
        "{typing:?}"
    );
    assert_eq!(
        run.adapter.identity().map(|i| i.username.as_str()),
        Some(BOT_USERNAME)
    );
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_answer_mentions_replies_and_commands_only() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    let g = -100_777;
    let ignored = fake.group_text(g, 7, "how much is the huila?", json!({}));
    let mention = fake.group_text(
        g,
        7,
        "@lantern_bot what are your opening hours?",
        json!({"entities": [{"type": "mention", "offset": 0, "length": 12}]}),
    );
    let earlier = message(999, group_chat(g), bot_user(), json!({"text": "Hi!"}));
    let reply = fake.group_text(g, 8, "hello", json!({"reply_to_message": earlier}));
    let command = fake.group_text(
        g,
        9,
        "/help@lantern_bot",
        json!({"entities": [{"type": "bot_command", "offset": 0, "length": 17}]}),
    );
    let other_bot = fake.group_text(
        g,
        9,
        "/help@other_bot",
        json!({"entities": [{"type": "bot_command", "offset": 0, "length": 15}]}),
    );
    let sent = fake.wait_sent(g, 3, 60).await;
    // Give a wrongly answered message time to show up before counting.
    fake.wait_polls(2, 10).await;
    let sent_now = fake.sent_to(g);
    assert_eq!(sent_now.len(), 3, "{sent_now:#?}");
    let answered: Vec<Option<i64>> = sent.iter().map(reply_to).collect();
    for id in [mention, reply, command] {
        assert!(
            answered.contains(&Some(id)),
            "{id} not answered: {answered:?}"
        );
    }
    for id in [ignored, other_bot] {
        assert!(!answered.contains(&Some(id)), "{id} answered: {answered:?}");
    }
    let help = sent
        .iter()
        .find(|m| reply_to(m) == Some(command))
        .expect("help");
    assert!(text(help).contains("/forget"), "{}", text(help));
    // Unaddressed group messages are still logged for engagement.
    let logged = t
        .bot
        .log()
        .events()
        .filter(|e| {
            matches!(
                e.kind,
                EventKind::Message {
                    addressed: false,
                    ..
                }
            )
        })
        .count();
    assert_eq!(logged, 2);
    run.stop().await;
}

fn chat(id: i64) -> ChatRef {
    ChatRef {
        platform: PlatformKind::Telegram,
        chat: id.to_string(),
        private: id > 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_replies_are_split_in_order_and_markup_cannot_break_a_send() {
    let fake = FakeTelegram::start().await;
    let mut opts = options(&fake);
    opts.limits.per_chat_per_sec = 30;
    let adapter = TelegramAdapter::new(opts, Arc::new(MemoryState::default())).expect("adapter");

    let long: String = (0..500)
        .map(|i| format!("Line {i} of the menu <b> & more. "))
        .collect();
    let sent = adapter
        .send(Outgoing {
            reply_to: Some("77".into()),
            ..Outgoing::text(chat(601), long.clone())
        })
        .await
        .expect("sent");
    let got = fake.sent_to(601);
    assert!(got.len() >= 4, "{}", got.len());
    assert_eq!(sent.message_ids.len(), got.len());
    let shown: Vec<String> = got.iter().map(text).collect();
    assert!(shown.iter().all(|s| s.encode_utf16().count() <= 4096));
    assert_eq!(
        shown.join(" "),
        long.trim(),
        "every piece, in order, nothing lost"
    );
    assert_eq!(reply_to(&got[0]), Some(77));
    assert!(got[1..].iter().all(|m| reply_to(m).is_none()));

    // Telegram refuses the markup: the same text goes out once, as plain text.
    fake.fail_next("sendMessage", Fault::CantParse);
    adapter
        .send(Outgoing::text(chat(602), "18.50 USD <i>per bag</i> & [1]."))
        .await
        .expect("sent despite the markup error");
    let got = fake.sent_to(602);
    assert_eq!(got.len(), 1);
    assert!(got[0]["parse_mode"].is_null());
    assert_eq!(text(&got[0]), "18.50 USD <i>per bag</i> & [1].");

    // Channels (where the bot is an admin) are published to by id or by @username.
    for name in [CHANNEL_USERNAME.to_string(), CHANNEL_ID.to_string()] {
        let sent = adapter
            .send(Outgoing::text(
                ChatRef {
                    platform: PlatformKind::Telegram,
                    chat: name.clone(),
                    private: false,
                },
                "The latte art workshop is on Saturday.",
            ))
            .await
            .expect("published");
        assert_eq!(sent.message_ids.len(), 1, "{name}");
    }
    assert_eq!(fake.sent_to(CHANNEL_ID).len(), 2);
    let err = adapter
        .send(Outgoing::text(
            ChatRef {
                platform: PlatformKind::Telegram,
                chat: "not a chat".into(),
                private: false,
            },
            "x",
        ))
        .await
        .expect_err("a bad chat id is refused before any call");
    assert!(err.to_string().contains("not a Telegram chat"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limits_and_server_errors_are_retried_and_deliver_exactly_once() {
    let fake = FakeTelegram::start().await;
    let adapter =
        TelegramAdapter::new(options(&fake), Arc::new(MemoryState::default())).expect("adapter");

    fake.fail_next("sendMessage", Fault::RetryAfter(1));
    let started = std::time::Instant::now();
    adapter
        .send(Outgoing::text(chat(701), "first"))
        .await
        .expect("delivered after the 429");
    assert!(
        started.elapsed() >= Duration::from_millis(900),
        "retry_after was honoured"
    );
    assert_eq!(fake.sent_to(701).len(), 1);

    fake.fail_next("sendMessage", Fault::Status(502));
    fake.fail_next("sendMessage", Fault::Status(500));
    adapter
        .send(Outgoing::text(chat(702), "second"))
        .await
        .expect("delivered once the API is back");
    assert_eq!(fake.sent_to(702).len(), 1);
    let attempts = fake
        .calls()
        .iter()
        .filter(|c| c.method == "sendMessage" && c.body["chat_id"] == json!(702))
        .count();
    assert_eq!(attempts, 3);

    // A refusal is final: no retry storm, a clear error.
    let err = adapter
        .send(Outgoing::text(chat(703), " "))
        .await
        .expect_err("empty text is refused");
    assert!(err.to_string().contains("empty"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sends_are_paced_inside_telegrams_per_chat_limit() {
    let fake = FakeTelegram::start().await;
    let adapter = Arc::new(
        TelegramAdapter::new(options(&fake), Arc::new(MemoryState::default())).expect("adapter"),
    );
    // Four replies to one chat at once (Telegram allows about one a second there) and one to
    // another chat, which must not wait behind them.
    let mut tasks = Vec::new();
    for i in 0..4 {
        let a = adapter.clone();
        tasks.push(tokio::spawn(async move {
            a.send(Outgoing::text(chat(751), format!("reply {i}")))
                .await
        }));
    }
    let a = adapter.clone();
    tasks.push(tokio::spawn(async move {
        a.send(Outgoing::text(chat(752), "other chat")).await
    }));
    for t in tasks {
        t.await.expect("task").expect("sent");
    }
    let calls = fake.calls();
    let times: Vec<std::time::Instant> = calls
        .iter()
        .filter(|c| c.method == "sendMessage" && c.body["chat_id"] == json!(751))
        .map(|c| c.at)
        .collect();
    assert_eq!(times.len(), 4, "each sent once, no 429 retries");
    let spread = times[3].duration_since(times[0]);
    assert!(spread >= Duration::from_millis(2500), "paced: {spread:?}");
    let other = calls
        .iter()
        .find(|c| c.method == "sendMessage" && c.body["chat_id"] == json!(752))
        .expect("other chat");
    assert!(
        other.at < times[3],
        "another chat does not wait for a busy one"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polling_survives_a_bad_gateway_and_a_restart_does_not_answer_again() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let state: Arc<dyn StateStore> = Arc::new(MemoryState::default());
    fake.fail_next("getUpdates", Fault::Status(502));
    let run = serve(&t.bot, options(&fake), state.clone());
    fake.private_text(801, "/help");
    // teloxide waits 10 s after a 5xx before it returns the error.
    fake.wait_sent(801, 1, 60).await;
    run.stop().await;
    assert!(
        state.load("telegram:4242:offset").is_some(),
        "offset stored"
    );

    // The fake still holds the update (the confirming call never came): only the stored
    // offset keeps the new process from answering it again.
    let run = serve(&t.bot, options(&fake), state.clone());
    fake.wait_polls(2, 20).await;
    assert_eq!(fake.sent_to(801).len(), 1, "answered again after a restart");
    let polls = fake.ok_calls("getUpdates");
    assert!(
        polls
            .last()
            .is_some_and(|p| p["offset"].as_i64() == Some(2)),
        "{polls:?}"
    );
    fake.private_text(801, "/start");
    fake.wait_sent(801, 2, 60).await;
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_chats_at_once_are_each_answered_once() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    for chat in 0..30 {
        let text = if chat % 10 == 0 {
            "how much is the huila?"
        } else {
            "hello"
        };
        fake.private_text(1000 + chat, text);
    }
    fake.wait_for(120, "30 replies", |calls| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "sendMessage")
            .count()
            >= 30
    })
    .await;
    fake.wait_polls(2, 10).await;
    for chat in 0..30 {
        let sent = fake.sent_to(1000 + chat);
        assert_eq!(sent.len(), 1, "chat {chat}: {sent:?}");
        if chat % 10 == 0 {
            assert!(text(&sent[0]).contains("16.00"), "{}", text(&sent[0]));
        }
    }
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_answer_does_not_hold_up_other_chats_commands() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    fake.private_text(1101, "tell me about the huila and how much it costs?");
    fake.private_text(1102, "/help");
    fake.wait_sent(1101, 1, 60).await;
    let order: Vec<i64> = fake
        .ok_calls("sendMessage")
        .iter()
        .filter_map(|m| m["chat_id"].as_i64())
        .collect();
    assert_eq!(order, vec![1102, 1101], "/help waited for the model");
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rating_button_is_acknowledged_and_recorded_with_the_cited_sources() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    fake.private_text(1201, "how much is the huila?");
    let sent = fake.wait_sent(1201, 1, 60).await;
    let bot_msg_id = sent[0]["_sent_id"].as_i64().expect("id");
    let bot_msg = message(
        bot_msg_id,
        json!({"id": 1201, "type": "private", "first_name": "Ann"}),
        bot_user(),
        json!({"text": "16.00 USD"}),
    );
    fake.push(
        "callback_query",
        json!({"id": "cb-1", "from": member(1201), "message": bot_msg, "chat_instance": "x", "data": RATE_UP}),
    );
    fake.wait_for(20, "answerCallbackQuery", |calls| {
        calls
            .iter()
            .any(|c| c.method == "answerCallbackQuery" && c.body["callback_query_id"] == "cb-1")
    })
    .await;
    run.stop().await;
    let ratings = support::ratings(&t.bot, 0).await;
    assert_eq!(ratings.len(), 1, "{ratings:?}");
    assert!(ratings[0].0);
    assert!(
        ratings[0].1.iter().any(|s| s.contains("products.toml")),
        "{:?}",
        ratings[0].1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_mode_refuses_requests_without_the_secret_token() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let mut opts = options(&fake);
    opts.mode = Mode::Webhook(WebhookOptions {
        listen: "127.0.0.1:0".parse().expect("addr"),
        url: "https://bot.example.com/telegram/hook"
            .parse()
            .expect("url"),
        secret_token: "s3cret-Token_1".into(),
    });
    let run = serve(&t.bot, opts, Arc::new(MemoryState::default()));
    fake.wait_for(20, "setWebhook", |calls| {
        calls.iter().any(|c| c.ok && c.method == "setWebhook")
    })
    .await;
    let hook = &fake.ok_calls("setWebhook")[0];
    assert_eq!(hook["secret_token"], "s3cret-Token_1");
    assert!(hook["allowed_updates"]
        .to_string()
        .contains("message_reaction"));
    let addr = loop {
        if let Some(a) = run.adapter.webhook_addr() {
            break a;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let update = |id: i64, text: &str| {
        json!({"update_id": id, "message": message(id, json!({"id": 1301, "type": "private", "first_name": "Ann"}), member(1301), json!({"text": text}))})
            .to_string()
    };
    let post = |body: String, secret: Option<&str>| {
        let mut req = format!(
            "POST /telegram/hook HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n",
            body.len()
        );
        if let Some(s) = secret {
            req.push_str(&format!("X-Telegram-Bot-Api-Secret-Token: {s}\r\n"));
        }
        req.push_str("\r\n");
        req.push_str(&body);
        async move {
            use tokio::io::{AsyncReadExt, AsyncWriteExt};
            let mut s = tokio::net::TcpStream::connect(addr).await.expect("connect");
            s.write_all(req.as_bytes()).await.expect("write");
            let mut out = String::new();
            s.read_to_string(&mut out).await.expect("read");
            out.lines().next().unwrap_or_default().to_string()
        }
    };
    assert!(post(update(1, "/help"), None).await.contains("401"));
    assert!(post(update(2, "/help"), Some("wrong"))
        .await
        .contains("401"));
    assert!(post("not json".into(), Some("s3cret-Token_1"))
        .await
        .contains("400"));
    assert!(post(update(3, "/start"), Some("s3cret-Token_1"))
        .await
        .contains("200"));
    // Telegram redelivers when unsure; the same update is answered once.
    assert!(post(update(3, "/start"), Some("s3cret-Token_1"))
        .await
        .contains("200"));
    let sent = fake.wait_sent(1301, 1, 30).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(fake.sent_to(1301).len(), 1, "{sent:?}");
    assert_eq!(reply_to(&sent[0]), Some(3));
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_and_odd_updates_are_survived_without_replies_or_loops() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.bot, options(&fake), Arc::new(MemoryState::default()));
    let chat = 1401;
    let pc = json!({"id": chat, "type": "private", "first_name": "Ann"});
    // Unknown kind, missing fields, another bot, an edit, a sticker, bad offsets, a huge text.
    fake.push_raw(json!({"brand_new_update": {"x": 1}}));
    fake.push_raw(json!({"message": {"message_id": 5}}));
    fake.push(
        "message",
        message(
            fake.message_id(),
            pc.clone(),
            json!({"id": 99, "is_bot": true, "first_name": "Other"}),
            json!({"text": "/help"}),
        ),
    );
    fake.push(
        "edited_message",
        message(
            fake.message_id(),
            pc.clone(),
            member(chat),
            json!({"text": "edited", "edit_date": 1}),
        ),
    );
    fake.push(
        "message",
        message(
            fake.message_id(),
            pc.clone(),
            member(chat),
            json!({"sticker": {"file_id": "a", "file_unique_id": "b", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}}),
        ),
    );
    fake.group_text(
        -100,
        chat,
        "😀@lantern_bot hi",
        json!({"entities": [{"type": "mention", "offset": 1, "length": 400}]}),
    );
    let huge = "why ".repeat(5000);
    let huge_id = fake.private_text(chat, &huge);
    let last = fake.private_text(chat, "/start");
    let sent = fake.wait_sent(chat, 2, 60).await;
    fake.wait_polls(2, 10).await;
    let sent_now = fake.sent_to(chat);
    assert_eq!(sent_now.len(), 2, "{sent_now:#?}");
    assert_eq!(reply_to(&sent[0]), Some(huge_id));
    assert_eq!(reply_to(&sent[1]), Some(last));
    assert!(
        fake.sent_to(-100).is_empty(),
        "a mention it cannot place is not a mention"
    );
    run.stop().await;
}

/// `herald run` with a `[telegram]` section, as a service manager starts it.
fn herald_run(
    config: &std::path::Path,
    pack: &std::path::Path,
    data: &std::path::Path,
) -> std::process::Child {
    support::herald_run(config, pack, data)
        .env("HERALD_TELEGRAM_TOKEN", TOKEN)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("herald runs")
}

async fn stop_child(mut child: std::process::Child) -> (std::process::ExitStatus, String) {
    tokio::task::spawn_blocking(move || {
        let status = support::stop(&mut child);
        let mut err = String::new();
        if let Some(mut e) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut e, &mut err);
        }
        (status, err)
    })
    .await
    .expect("stop herald")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_serves_telegram_and_resumes_after_a_restart_without_answering_twice() {
    let fake = FakeTelegram::start().await;
    let pack = support::sample_pack();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    // The token comes from the environment, as a deployment would pass it.
    std::fs::write(
        &config,
        format!(
            "[telegram]\napi_url = \"{}\"\npoll_timeout_secs = 1\nretry_base_ms = 50\n",
            fake.url
        ),
    )
    .expect("config");
    let data = dir.path().join("db");

    let child = herald_run(&config, pack.path(), &data);
    fake.private_text(1501, "how much is the huila?");
    let sent = fake.wait_sent(1501, 1, 90).await;
    assert!(text(&sent[0]).contains("16.00"), "{}", text(&sent[0]));
    let (status, err) = stop_child(child).await;
    assert!(status.success(), "{status:?}\n{err}");

    let child = herald_run(&config, pack.path(), &data);
    fake.wait_polls(2, 60).await;
    assert_eq!(
        fake.sent_to(1501).len(),
        1,
        "the restarted bot answered again"
    );
    fake.private_text(1501, "/start");
    fake.wait_sent(1501, 2, 60).await;
    let (status, err) = stop_child(child).await;
    assert!(status.success(), "{status:?}\n{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn herald_run_with_a_refused_token_exits_and_says_what_to_fix() {
    let fake = FakeTelegram::start().await;
    let pack = support::sample_pack();
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    std::fs::write(&config, format!("[telegram]\napi_url = \"{}\"\n", fake.url)).expect("config");
    let mut cmd = support::herald_run(&config, pack.path(), &dir.path().join("db"));
    cmd.env("HERALD_TELEGRAM_TOKEN", "1:not-the-token");
    let out = tokio::time::timeout(
        Duration::from_secs(60),
        tokio::task::spawn_blocking(move || cmd.output().expect("herald runs")),
    )
    .await
    .expect("herald exits by itself")
    .expect("join");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("check the token"), "{err}");

    // No token at all is caught before anything starts.
    std::fs::write(&config, "[telegram]\n").expect("config");
    let out = support::herald()
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(dir.path().join("db2"))
        .arg("--model")
        .arg(support::model_path())
        .arg("run")
        .env_remove("HERALD_TELEGRAM_TOKEN")
        .output()
        .expect("herald runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("HERALD_TELEGRAM_TOKEN"), "{err}");
}

/// `/readyz` follows the adapter: not ready before it has connected, ready while polling
/// works, not ready while getUpdates fails, ready again once it recovers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn readyz_reports_whether_telegram_is_connected() {
    use tower::ServiceExt;

    async fn readyz(app: &axum::Router) -> (u16, Value) {
        let resp = app
            .clone()
            .oneshot(
                axum::http::Request::get("/readyz")
                    .body(axum::body::Body::empty())
                    .expect("request"),
            )
            .await
            .expect("response");
        let status = resp.status().as_u16();
        let bytes = http_body_util::BodyExt::collect(resp.into_body())
            .await
            .expect("body")
            .to_bytes();
        (status, serde_json::from_slice(&bytes).expect("json body"))
    }

    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let adapter = Arc::new(
        TelegramAdapter::new(options(&fake), Arc::new(MemoryState::default())).expect("adapter"),
    );
    let config = herald::config::HttpConfig::default();
    let app = herald::http::router(
        herald::http::HttpState::new(t.bot.clone(), &config)
            .with_adapters(vec![adapter.clone() as Arc<dyn Platform>]),
        config.max_body_bytes,
    );
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 503, "not connected yet: {body}");
    assert_eq!(body["adapters"][0]["platform"], "telegram");
    assert_eq!(body["adapters"][0]["connected"], false);

    let (stop, rx) = watch::channel(false);
    let engine = tokio::spawn(engine::run(
        t.bot.clone(),
        vec![adapter.clone() as Arc<dyn Platform>],
        EngineOptions::default(),
        rx,
    ));
    fake.wait_polls(1, 10).await;
    let (status, body) = readyz(&app).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["adapters"][0]["connected"], true);

    // Telegram refuses polling for a while (409: another getUpdates is running).
    for _ in 0..6 {
        fake.fail_next("getUpdates", Fault::Status(409));
    }
    fake.wait_for(10, "a refused getUpdates", |calls| {
        calls.iter().any(|c| c.method == "getUpdates" && !c.ok)
    })
    .await;
    // The adapter learns of the refusal when the response arrives, just after the fake
    // records the call; the refusals then last ~1.5 s of backoff.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(1);
    loop {
        let (status, body) = readyz(&app).await;
        if status == 503 {
            assert_eq!(body["adapters"][0]["connected"], false);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "still ready while getUpdates is refused: {body}"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (status, body) = readyz(&app).await;
        if status == 200 {
            assert_eq!(body["adapters"][0]["connected"], true);
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not ready again 20 s after polling recovered: {body}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(30), engine).await;
}
