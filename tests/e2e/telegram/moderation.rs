//! Moderation over the fake Bot API with the real teloxide client: a new member's link
//! removed and explained while an established member's stays, a flood muted with an end
//! time, the ladder climbing, managers and chat administrators exempt, `/modlog`,
//! `/pardon` lifting a mute, a manager's `/mute` as a reply, observe mode doing nothing,
//! and the trained classifier learning from `/spam` and `/notspam`.

use super::*;

const GROUP: i64 = -100_700;
const MANAGER: u64 = 1777;

fn moderated(observe: bool) -> impl FnOnce(&mut herald::Config) {
    move |c: &mut herald::Config| {
        c.moderation.enabled = true;
        if observe {
            c.moderation.mode = "observe".into();
        }
    }
}

/// Calls of `method` about `user`.
fn calls_for(fake: &FakeTelegram, method: &str, user: i64) -> Vec<Value> {
    fake.ok_calls(method)
        .into_iter()
        .filter(|b| b["user_id"] == json!(user))
        .collect()
}

fn deleted(fake: &FakeTelegram) -> Vec<i64> {
    fake.ok_calls("deleteMessage")
        .iter()
        .filter_map(|b| b["message_id"].as_i64())
        .collect()
}

/// Seconds from now until a restriction's end.
fn mute_left(restrict: &Value) -> i64 {
    restrict["until_date"].as_i64().expect("an end time") - chrono::Utc::now().timestamp()
}

/// A group message that starts by mentioning the bot.
fn addressed(fake: &FakeTelegram, user: i64, text: &str) -> i64 {
    let len = BOT_USERNAME.len() as i64 + 1;
    fake.group_text(
        GROUP,
        user,
        text,
        json!({"entities": [{"type": "mention", "offset": 0, "length": len}]}),
    )
}

/// The first message to the group that starts with `start`, once it is sent (other
/// messages, such as a flood's explanation, may come in between).
async fn said(fake: &FakeTelegram, start: &str) -> String {
    fake.wait_for(30, start, |calls| {
        calls.iter().any(|c| {
            c.ok && c.method == "sendMessage"
                && c.body["chat_id"] == json!(GROUP)
                && text(&c.body).starts_with(start)
        })
    })
    .await;
    fake.sent_to(GROUP)
        .iter()
        .map(text)
        .find(|t| t.starts_with(start))
        .unwrap_or_default()
}

async fn wait_method(fake: &FakeTelegram, method: &'static str, n: usize) {
    fake.wait_for(30, method, |calls| {
        calls.iter().filter(|c| c.ok && c.method == method).count() >= n
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_members_link_is_removed_and_explained_floods_are_muted_and_the_ladder_climbs() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), moderated(false));
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let (newbie, old, flooder, admin) = (2001i64, 2002i64, 2003i64, 2004i64);
    fake.set_admins(GROUP, &[admin]);

    // An established member (never seen joining) may link; they get their answer.
    let kept = addressed(
        &fake,
        old,
        "@lantern_bot how much is the huila? I saw https://cheap-beans.xyz/deal",
    );
    fake.wait_for(60, "the established member's answer", |calls| {
        calls.iter().any(|c| {
            c.method == "sendMessage" && c.body["reply_parameters"]["message_id"] == json!(kept)
        })
    })
    .await;

    // A new member's link is removed, and they are told why, with a mention.
    fake.join(GROUP, newbie, "en");
    let link = fake.group_text(
        GROUP,
        newbie,
        "cheap beans at https://cheap-beans.xyz/deal",
        json!({}),
    );
    wait_method(&fake, "deleteMessage", 1).await;
    assert_eq!(deleted(&fake), vec![link]);
    let told = fake.wait_sent(GROUP, 2, 30).await;
    let notice = told.last().expect("the explanation");
    let shown = text(notice);
    assert!(
        shown.contains("new members cannot post links in their first 24 hours (cheap-beans.xyz)")
            && shown.contains("warning 1 of 4"),
        "{shown}"
    );
    assert!(
        notice["text"]
            .as_str()
            .is_some_and(|h| h.contains(&format!("tg://user?id={newbie}"))),
        "{notice}"
    );
    assert!(
        calls_for(&fake, "restrictChatMember", newbie).is_empty(),
        "a warning only"
    );

    // The second offence mutes for 10 minutes, the third for a day.
    fake.group_text(GROUP, newbie, "again: www.cheap-beans.xyz", json!({}));
    wait_method(&fake, "restrictChatMember", 1).await;
    let first = calls_for(&fake, "restrictChatMember", newbie);
    assert!((540..=660).contains(&mute_left(&first[0])), "{}", first[0]);
    assert_ne!(
        first[0]["permissions"]["can_send_messages"],
        json!(true),
        "{}",
        first[0]
    );
    fake.group_text(GROUP, newbie, "last try t.me/cheapbeans", json!({}));
    wait_method(&fake, "restrictChatMember", 2).await;
    let second = calls_for(&fake, "restrictChatMember", newbie);
    assert!(
        (86_000..=86_500).contains(&mute_left(&second[1])),
        "{}",
        second[1]
    );

    // Six messages in ten seconds: the sixth is removed and its author muted at once.
    let mut flood = Vec::new();
    for i in 0..6 {
        flood.push(fake.group_text(GROUP, flooder, &format!("see you there {i}"), json!({})));
    }
    fake.wait_for(30, "the flooder muted", |calls| {
        calls
            .iter()
            .any(|c| c.method == "restrictChatMember" && c.body["user_id"] == json!(flooder))
    })
    .await;
    let mute = &calls_for(&fake, "restrictChatMember", flooder)[0];
    assert!((540..=660).contains(&mute_left(mute)), "{mute}");
    assert!(deleted(&fake).contains(&flood[5]));
    assert!(
        !deleted(&fake).contains(&flood[4]),
        "five in ten seconds are allowed"
    );

    // Managers and chat administrators are exempt: answered, not removed.
    let asked = addressed(
        &fake,
        MANAGER as i64,
        "@lantern_bot guaranteed profit, DM me for details",
    );
    let by_admin = addressed(&fake, admin, "@lantern_bot guaranteed profit, DM me");
    fake.wait_for(60, "both answered", |calls| {
        [asked, by_admin].iter().all(|id| {
            calls.iter().any(|c| {
                c.method == "sendMessage" && c.body["reply_parameters"]["message_id"] == json!(id)
            })
        })
    })
    .await;
    assert!(!deleted(&fake).contains(&asked) && !deleted(&fake).contains(&by_admin));
    assert!(
        fake.count("getChatAdministrators") >= 1,
        "the admin was looked up"
    );

    // The manager reads the log and pardons the new member: the day's mute is lifted.
    group_command(&fake, GROUP, MANAGER as i64, "/modlog");
    let modlog = said(&fake, "Moderation log").await;
    assert!(
        modlog.contains("m3 ·")
            && modlog.contains("new_member_link (t.me)")
            && modlog.contains("flood (6 messages in 10 s)")
            && modlog.contains("delete + mute 1 day"),
        "{modlog}"
    );
    group_command(&fake, GROUP, MANAGER as i64, "/pardon m3");
    // Both of its mutes (ten minutes, a day) are lifted.
    wait_method(&fake, "restrictChatMember", 5).await;
    let lifted = calls_for(&fake, "restrictChatMember", newbie);
    assert_eq!(lifted.len(), 4, "{lifted:?}");
    assert!(lifted[2..]
        .iter()
        .all(|r| r["permissions"]["can_send_messages"] == json!(true)));
    let pardoned = said(&fake, "Pardoned:").await;
    assert!(
        pardoned.contains("Pardoned: 3 entries cleared, strikes reset, 2 mute(s) or ban(s) lifted"),
        "{pardoned}"
    );

    // A manager's /mute as a reply to a member's message: removed, muted 30 minutes.
    let rude = fake.group_text(GROUP, old, "whatever", json!({}));
    fake.group_text(
        GROUP,
        MANAGER as i64,
        "/mute 30m",
        json!({
            "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
            "reply_to_message": message(rude, group_chat(GROUP), member(old), json!({"text": "whatever"}))
        }),
    );
    fake.wait_for(30, "the manual mute", |calls| {
        calls
            .iter()
            .any(|c| c.method == "restrictChatMember" && c.body["user_id"] == json!(old))
    })
    .await;
    let manual = &calls_for(&fake, "restrictChatMember", old)[0];
    assert!((1_700..=1_900).contains(&mute_left(manual)), "{manual}");
    wait_method(&fake, "deleteMessage", 5).await;
    assert!(deleted(&fake).contains(&rude));
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn observe_mode_logs_what_it_would_do_and_does_nothing() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), moderated(true));
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    let newbie = 2101i64;
    fake.join(GROUP, newbie, "zh-hans");
    fake.group_text(GROUP, newbie, "兼职刷单日结300，加微信 abc12345", json!({}));
    for i in 0..6 {
        fake.group_text(GROUP, newbie, &format!("快来 {i}"), json!({}));
    }
    let audit = t.app.audit.clone();
    support::wait_until(30, "two observed entries", || {
        audit.all().iter().filter(|e| e.observed).count() >= 2
    })
    .await;
    let entries = audit.all();
    assert_eq!(entries[0].rule, "words");
    assert!(entries.iter().any(|e| e.rule == "flood"));
    assert!(entries.iter().all(|e| e.observed && e.user.is_none()));
    // Nothing was done, and nobody was told.
    for method in ["deleteMessage", "restrictChatMember", "banChatMember"] {
        assert_eq!(fake.count(method), 0, "{method} called in observe mode");
    }
    assert!(fake.sent_to(GROUP).is_empty());
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_model_classifier_removes_what_it_calls_spam_and_is_asked_only_about_suspects() {
    use crate::support::fake_openai::{Behaviour, FakeOpenAi};
    let model = FakeOpenAi::start(vec![Behaviour::Reply(
        "SPAM: invites members to a private money offer".into(),
    )])
    .await;
    let llm = Arc::new(herald::llm::OpenAiBackend::new(
        herald::llm::OpenAiOptions {
            base_url: model.base_url.clone(),
            model: "served-model".into(),
            api_key: "sk-test".into(),
            ..herald::llm::OpenAiOptions::default()
        },
    ));
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(llm, |c| {
        c.moderation.enabled = true;
        c.moderation.classifier = true;
        // The model's path alone: the trained classifier would catch the offer first.
        c.moderation.spam_model = false;
    });
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    let member = 2201i64;

    // Nothing suspect: the model is not asked.
    fake.group_text(
        GROUP,
        member,
        "see you all at the cupping on Saturday",
        json!({}),
    );
    // Two weak signals from an established member: the rules keep it, the model does not.
    let offer = fake.group_text(
        GROUP,
        member,
        "anyone want to earn extra? message me",
        json!({}),
    );
    wait_method(&fake, "deleteMessage", 1).await;
    assert_eq!(deleted(&fake), vec![offer]);
    assert_eq!(
        model.requests().len(),
        1,
        "asked about the suspect message only"
    );
    let asked = model.requests()[0]["messages"][0]["content"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        asked.contains("«anyone want to earn extra? message me»"),
        "{asked}"
    );
    let notice = said(&fake, "Your message was removed").await;
    assert!(
        notice.contains("the moderation model judged it spam or abuse (invites members to a private money offer)"),
        "{notice}"
    );
    let entry = &t.app.audit.all()[0];
    assert_eq!(
        (entry.rule.as_str(), entry.reason.as_str()),
        ("classifier", "invites members to a private money offer")
    );
    run.stop().await;
}

/// A manager's reply to `target` (by `author`, saying `said`) with `command`.
fn reply_command(fake: &FakeTelegram, command: &str, target: i64, author: i64, said: &str) -> i64 {
    let len = command.split_whitespace().next().unwrap_or_default().len();
    fake.group_text(
        GROUP,
        MANAGER as i64,
        command,
        json!({
            "entities": [{"type": "bot_command", "offset": 0, "length": len}],
            "reply_to_message": message(target, group_chat(GROUP), member(author), json!({"text": said}))
        }),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn spam_marked_by_a_manager_is_learned_and_notspam_stops_a_false_positive() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), moderated(false));
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let (seller, copier, member_a) = (2301i64, 2302i64, 2303i64);

    // Spam the shipped model does not know: it stays, until a manager says /spam.
    let pitch =
        "Hey everyone, my cousin makes handmade candles, she is doing a sale this week on her page";
    let first = fake.group_text(GROUP, seller, pitch, json!({}));
    // A member may not mark: refused, and nothing is learned.
    let len = "/spam".len();
    fake.group_text(
        GROUP,
        member_a,
        "/spam",
        json!({
            "entities": [{"type": "bot_command", "offset": 0, "length": len}],
            "reply_to_message": message(first, group_chat(GROUP), member(seller), json!({"text": pitch}))
        }),
    );
    said(&fake, "Sorry, /spam is for the community managers.").await;
    assert!(deleted(&fake).is_empty());
    assert!(t
        .app
        .moderator
        .as_ref()
        .unwrap()
        .spam_filter()
        .samples()
        .is_empty());

    reply_command(&fake, "/spam", first, seller, pitch);
    let done = said(&fake, "Done: delete + warn").await;
    assert!(done.contains("The spam classifier learned it"), "{done}");
    wait_method(&fake, "deleteMessage", 1).await;
    assert_eq!(deleted(&fake), vec![first]);

    // A near-copy from someone else is removed by itself, and the reason says why.
    let copy = fake.group_text(
        GROUP,
        copier,
        "hey all!! my cousin makes handmade candles and she is doing a big sale this week on her page",
        json!({}),
    );
    wait_method(&fake, "deleteMessage", 2).await;
    assert!(deleted(&fake).contains(&copy));
    let entry = t
        .app
        .audit
        .all()
        .into_iter()
        .find(|e| e.excerpt.contains("big sale"))
        .expect("the copier's entry");
    assert_eq!(entry.rule, "spam");
    assert!(entry.reason.contains("marked as spam"), "{}", entry.reason);
    fake.wait_for(30, "the copier told why", |calls| {
        calls.iter().any(|c| {
            c.method == "sendMessage"
                && text(&c.body).starts_with("Your message was removed: it looks like spam (")
                && text(&c.body).contains("% like a message the team marked as spam).")
        })
    })
    .await;

    // A member's raffle announcement reads like prize spam: removed…
    let raffle = "WIN a free bag of beans at our raffle this Saturday, text the barista to claim your ticket";
    let first_raffle = fake.group_text(GROUP, member_a, raffle, json!({}));
    wait_method(&fake, "deleteMessage", 3).await;
    assert!(deleted(&fake).contains(&first_raffle));
    let id = t.app.audit.all().last().expect("an entry").id;
    assert_eq!(t.app.audit.get(id).unwrap().unwrap().rule, "spam");
    // …until a manager says it is not spam: learned, and the member pardoned.
    group_command(&fake, GROUP, MANAGER as i64, &format!("/notspam m{id}"));
    let learned = said(&fake, &format!("Learned m{id}'s message as normal")).await;
    assert!(learned.contains("pardoned its author"), "{learned}");
    let again = fake.group_text(GROUP, member_a, raffle, json!({}));
    let answered_after = addressed(&fake, member_a, "@lantern_bot thanks!");
    fake.wait_for(60, "the next message handled", |calls| {
        calls.iter().any(|c| {
            c.method == "sendMessage"
                && c.body["reply_parameters"]["message_id"] == json!(answered_after)
        })
    })
    .await;
    assert!(!deleted(&fake).contains(&again), "the raffle stays now");

    // The samples are the community's file, and survive a restart.
    let samples = t.app.moderator.as_ref().unwrap().spam_filter().samples();
    assert_eq!(
        samples.iter().map(|s| s.spam).collect::<Vec<_>>(),
        vec![true, false]
    );
    let file = std::fs::read_to_string(t.data.path().join("moderation/samples.txt"))
        .expect("the samples file");
    assert!(
        file.starts_with("S|en|t") && file.contains("handmade candles"),
        "{file}"
    );
    // What the group read (printed with --nocapture).
    for m in fake.sent_to(GROUP) {
        println!("bot: {}", text(&m));
    }
    run.stop().await;
}
