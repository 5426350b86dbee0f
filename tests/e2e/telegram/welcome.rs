//! Welcoming new members over the fake Bot API: a greeting with the pack's questions and a
//! mention, the join check's restriction and button, the newcomer's own press lifting it
//! (another member's does nothing), and a newcomer who never presses removed in time.

use super::*;

const GROUP: i64 = -100_900;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn newcomers_are_greeted_and_must_press_the_button_or_are_removed() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), |c| {
        c.welcome.enabled = true;
        c.welcome.join_check = true;
        c.welcome.check_minutes = 0.05; // three seconds
    });
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    let (presses, idle, other) = (4001i64, 4002i64, 4003i64);

    fake.join(GROUP, presses, "en");
    let greeting = fake.wait_sent(GROUP, 1, 30).await.remove(0);
    let shown = text(&greeting);
    assert!(shown.starts_with("Welcome! I'm Herald"), "{shown}");
    // The pack's own questions, as its passages ask them.
    let first_title = t
        .app
        .knowledge
        .snapshot()
        .passages()
        .find(|p| p.title.ends_with('?'))
        .map(|p| p.title.clone())
        .expect("the sample pack has question passages");
    assert!(shown.contains(&format!("• {first_title}")), "{shown}");
    assert!(shown.contains("press the button below"), "{shown}");
    let html = greeting["text"].as_str().unwrap_or_default();
    assert!(html.contains(&format!("tg://user?id={presses}")), "{html}");
    let button = &greeting["reply_markup"]["inline_keyboard"][0][0];
    assert_eq!(
        button["callback_data"],
        json!(format!("herald:b:join:{presses}"))
    );
    let restrict = fake
        .ok_calls("restrictChatMember")
        .into_iter()
        .find(|b| b["user_id"] == json!(presses))
        .expect("restricted until they press");
    assert_ne!(restrict["permissions"]["can_send_messages"], json!(true));

    // Someone else's press does nothing; the newcomer's own lifts the restriction.
    let message = greeting["_sent_id"].as_i64().expect("message id");
    fake.press(GROUP, other, message, &format!("herald:b:join:{presses}"));
    fake.press(GROUP, presses, message, &format!("herald:b:join:{presses}"));
    fake.wait_for(30, "the restriction lifted", |calls| {
        calls.iter().any(|c| {
            c.method == "restrictChatMember"
                && c.body["user_id"] == json!(presses)
                && c.body["permissions"]["can_send_messages"] == json!(true)
        })
    })
    .await;

    // A newcomer who never presses is removed (banned, then unbanned so they may rejoin).
    fake.join(GROUP, idle, "en");
    fake.wait_for(30, "the idle newcomer removed", |calls| {
        calls
            .iter()
            .any(|c| c.method == "unbanChatMember" && c.body["user_id"] == json!(idle))
    })
    .await;
    let bans: Vec<Value> = fake.ok_calls("banChatMember");
    assert_eq!(bans.len(), 1, "only the idle newcomer: {bans:?}");
    assert_eq!(bans[0]["user_id"], json!(idle));
    run.stop().await;
}
