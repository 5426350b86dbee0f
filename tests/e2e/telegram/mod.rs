//! Telegram end to end: the real teloxide client (inside `TelegramAdapter`) against the fake
//! Bot API server in `tests/e2e/support/fake_telegram.rs`, the real engine, bot and local model.
//! Each case asserts what was sent to which chat.

use crate::support;

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
        commands: herald::app::platforms::menu(),
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

fn serve(app: &herald::App, opts: TelegramOptions, state: Arc<dyn StateStore>) -> Running {
    let adapter = Arc::new(TelegramAdapter::new(opts, state).expect("adapter"));
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
    Running {
        adapter,
        stop,
        engine,
    }
}

use support::fake_telegram::shown as text;

/// `/name args` in a group, marked as the bot command it is; returns the message id.
fn group_command(fake: &FakeTelegram, chat: i64, user: i64, text: &str) -> i64 {
    let len = text.split_whitespace().next().unwrap_or_default().len();
    fake.group_text(
        chat,
        user,
        text,
        json!({"entities": [{"type": "bot_command", "offset": 0, "length": len}]}),
    )
}

fn reply_to(m: &Value) -> Option<i64> {
    m["reply_parameters"]["message_id"].as_i64()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn private_question_is_answered_with_the_fact_as_a_reply_with_buttons() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
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
    let table: Vec<&str> = herald::bot::MEMBER_COMMANDS
        .iter()
        .map(|c| c.name)
        .collect();
    assert_eq!(names, table, "members see their commands only");
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

/// A question in Chinese is answered in Chinese, with the fact's value and its source.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_chinese_question_gets_a_chinese_answer() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    fake.private_text(502, "耶加雪菲多少钱？");
    let sent = fake.wait_sent(502, 1, 60).await;
    let shown = text(&sent[0]);
    let body = shown.split("Sources").next().unwrap_or_default();
    assert!(body.contains("18.50"), "{shown}");
    assert!(
        herald::text::Lang::Zh.written_in(body, "Ethiopia Yirgacheffe — price: 18.50 USD"),
        "not Chinese: {shown}"
    );
    assert!(!body.contains(" — "), "a database row: {shown}");
    assert!(
        shown.contains("products.toml"),
        "the source is shown: {shown}"
    );
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn groups_answer_mentions_replies_and_commands_only() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
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
        .app
        .log
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
    let run = serve(&t.app, options(&fake), state.clone());
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
    let run = serve(&t.app, options(&fake), state.clone());
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
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
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
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
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
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
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
    let ratings = support::ratings(&t.app.log, 0).await;
    assert_eq!(ratings.len(), 1, "{ratings:?}");
    assert!(ratings[0].0);
    assert!(
        ratings[0].1.iter().any(|s| s.contains("products.toml")),
        "{:?}",
        ratings[0].1
    );
}

mod learning;
mod moderation;
mod roles;
mod service;
mod team;
mod welcome;
