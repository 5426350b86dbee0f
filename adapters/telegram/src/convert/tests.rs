//! Captured-shape update JSON → what herald makes of it.

use serde_json::{json, Value};

use super::*;

const ME: u64 = 4242;

fn me() -> Identity {
    Identity {
        id: ME,
        username: "lantern_bot".into(),
    }
}

fn user(id: u64, is_bot: bool) -> Value {
    json!({"id": id, "is_bot": is_bot, "first_name": "Ann", "username": format!("u{id}")})
}

fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Ann"})
}

fn group_chat(id: i64) -> Value {
    json!({"id": id, "type": "supergroup", "title": "Coffee lovers"})
}

fn message(chat: Value, from: Value, extra: Value) -> Value {
    let mut m = json!({"message_id": 7, "date": 1_700_000_000, "chat": chat, "from": from});
    if let (Some(m), Some(extra)) = (m.as_object_mut(), extra.as_object()) {
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
    }
    m
}

fn update(kind: &str, body: Value) -> Update {
    // From text, as teloxide reads Telegram's responses (its update parser needs borrowed
    // keys, which a `serde_json::Value` cannot lend).
    let raw = json!({"update_id": 100, kind: body}).to_string();
    serde_json::from_str(&raw).expect("teloxide reads the update")
}

fn take(u: &Update) -> Result<Inbound, Skip> {
    take_with(u, &[], &[])
}

fn take_with(u: &Update, allowed: &[i64], managers: &[u64]) -> Result<Inbound, Skip> {
    let me = me();
    convert(
        u,
        &Rules {
            me: &me,
            allowed_chats: allowed,
            managers,
        },
    )
}

fn incoming(r: Result<Inbound, Skip>) -> Incoming {
    match r {
        Ok(Inbound::Message(m)) => m,
        other => panic!("expected a message, got {other:?}"),
    }
}

#[test]
fn private_text_is_addressed() {
    let u = update(
        "message",
        message(
            private_chat(5),
            user(5, false),
            json!({"text": "how much is the huila?"}),
        ),
    );
    let m = incoming(take(&u));
    assert!(m.addressed && m.chat.private);
    assert_eq!(m.chat.chat, "5");
    assert_eq!(m.user, "5");
    assert_eq!(m.message_id, "7");
    assert_eq!(m.text, "how much is the huila?");
    assert!(!m.manager);
}

#[test]
fn managers_are_marked() {
    let u = update(
        "message",
        message(private_chat(5), user(5, false), json!({"text": "/help"})),
    );
    assert!(incoming(take_with(&u, &[], &[5])).manager);
}

#[test]
fn group_text_without_mention_is_only_logged() {
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": "nice weather"}),
        ),
    );
    let m = incoming(take(&u));
    assert!(!m.addressed && !m.chat.private);
}

#[test]
fn group_mention_is_addressed_and_removed_from_the_text() {
    let text = "@Lantern_Bot how much is the huila?";
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": text, "entities": [{"type": "mention", "offset": 0, "length": 12}]}),
        ),
    );
    let m = incoming(take(&u));
    assert!(m.addressed);
    assert_eq!(m.text, "how much is the huila?");
}

#[test]
fn mention_offsets_count_utf16_units() {
    // "😀 " is 3 UTF-16 units: the mention starts at 3, not at byte 5.
    let text = "😀 @lantern_bot hours?";
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": text, "entities": [{"type": "mention", "offset": 3, "length": 12}]}),
        ),
    );
    let m = incoming(take(&u));
    assert!(m.addressed);
    assert_eq!(m.text, "😀 hours?");
}

#[test]
fn invalid_entity_offsets_do_not_panic() {
    for (offset, length) in [(1, 12), (500, 3), (0, 9999), (usize::MAX - 1, 5)] {
        let u = update(
            "message",
            message(
                group_chat(-100),
                user(5, false),
                json!({"text": "😀@lantern_bot hi", "entities": [{"type": "mention", "offset": offset, "length": length}]}),
            ),
        );
        let m = incoming(take(&u));
        assert!(!m.addressed, "a mention we cannot place is not a mention");
    }
}

#[test]
fn text_mention_of_the_bot_is_addressed() {
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": "Lantern what time?", "entities": [{"type": "text_mention", "offset": 0, "length": 7, "user": user(ME, true)}]}),
        ),
    );
    assert!(incoming(take(&u)).addressed);
}

#[test]
fn reply_to_the_bot_is_addressed() {
    let bot_msg = message(
        group_chat(-100),
        user(ME, true),
        json!({"text": "16.00 USD"}),
    );
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": "and the bag size?", "reply_to_message": bot_msg}),
        ),
    );
    assert!(incoming(take(&u)).addressed);
}

#[test]
fn commands_for_this_bot_or_no_bot_are_addressed() {
    let cmd = |text: &str| {
        let u = update(
            "message",
            message(
                group_chat(-100),
                user(5, false),
                json!({"text": text, "entities": [{"type": "bot_command", "offset": 0, "length": text.split(' ').next().unwrap().len()}]}),
            ),
        );
        incoming(take(&u))
    };
    let m = cmd("/help@lantern_bot");
    assert!(m.addressed);
    assert_eq!(m.text, "/help");
    let m = cmd("/ask@LANTERN_BOT is it open?");
    assert_eq!(m.text, "/ask is it open?");
    assert!(cmd("/help").addressed);
    let other = cmd("/help@other_bot");
    assert!(!other.addressed, "meant for another bot");
}

#[test]
fn captions_are_read_as_text() {
    let u = update(
        "message",
        message(
            private_chat(5),
            user(5, false),
            json!({"photo": [{"file_id": "a", "file_unique_id": "b", "width": 1, "height": 1}], "caption": "is this the huila?"}),
        ),
    );
    assert_eq!(incoming(take(&u)).text, "is this the huila?");
}

#[test]
fn stickers_and_service_messages_are_skipped() {
    let sticker = update(
        "message",
        message(
            private_chat(5),
            user(5, false),
            json!({"sticker": {"file_id": "a", "file_unique_id": "b", "type": "regular", "width": 1, "height": 1, "is_animated": false, "is_video": false}}),
        ),
    );
    assert_eq!(take(&sticker), Err(Skip::NoText));
    let joined = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"new_chat_members": [user(6, false)]}),
        ),
    );
    assert_eq!(take(&joined), Err(Skip::NoText));
}

#[test]
fn edited_messages_and_channel_posts_are_skipped() {
    let m = message(
        private_chat(5),
        user(5, false),
        json!({"text": "hi", "edit_date": 1_700_000_100}),
    );
    assert_eq!(take(&update("edited_message", m)), Err(Skip::Edited));
    let post = json!({"message_id": 1, "date": 1_700_000_000, "chat": {"id": -1001, "type": "channel", "title": "News"}, "text": "we open at 8"});
    assert_eq!(take(&update("channel_post", post)), Err(Skip::Channel));
}

#[test]
fn other_bots_are_never_answered() {
    let u = update(
        "message",
        message(
            private_chat(5),
            user(99, true),
            json!({"text": "@lantern_bot ping"}),
        ),
    );
    assert_eq!(take(&u), Err(Skip::FromBot));
}

#[test]
fn automatic_forwards_from_the_channel_are_skipped() {
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(777000, false),
            json!({"text": "channel news", "is_automatic_forward": true, "sender_chat": {"id": -1001, "type": "channel", "title": "News"}}),
        ),
    );
    assert_eq!(take(&u), Err(Skip::AutomaticForward));
}

#[test]
fn forwarded_posts_in_a_group_are_only_logged() {
    let u = update(
        "message",
        message(
            group_chat(-100),
            user(5, false),
            json!({"text": "look at this", "forward_origin": {"type": "channel", "date": 1, "chat": {"id": -1001, "type": "channel", "title": "News"}, "message_id": 3}}),
        ),
    );
    assert!(!incoming(take(&u)).addressed);
}

#[test]
fn allow_list_drops_other_chats() {
    let u = update(
        "message",
        message(private_chat(5), user(5, false), json!({"text": "hi"})),
    );
    assert_eq!(take_with(&u, &[-100], &[]), Err(Skip::NotAllowed));
    assert!(take_with(&u, &[5], &[]).is_ok());
}

#[test]
fn rating_buttons_become_ratings() {
    let bot_msg = message(
        private_chat(5),
        user(ME, true),
        json!({"text": "16.00 USD"}),
    );
    let press = |data: &str| {
        update(
            "callback_query",
            json!({"id": "q1", "from": user(5, false), "message": bot_msg, "chat_instance": "x", "data": data}),
        )
    };
    assert_eq!(
        take(&press(RATE_DOWN)),
        Ok(Inbound::Rating {
            chat: ChatRef {
                platform: PlatformKind::Telegram,
                chat: "5".into(),
                private: true
            },
            user: "5".into(),
            message_id: "7".into(),
            positive: false,
        })
    );
    assert!(matches!(
        take(&press(RATE_UP)),
        Ok(Inbound::Rating { positive: true, .. })
    ));
    assert_eq!(take(&press("something else")), Err(Skip::Foreign));
}

#[test]
fn reactions_and_joins_are_read() {
    let r = update(
        "message_reaction",
        json!({"chat": group_chat(-100), "message_id": 9, "user": user(5, false), "date": 1_700_000_000,
               "old_reaction": [], "new_reaction": [{"type": "emoji", "emoji": "🔥"}]}),
    );
    assert_eq!(
        take(&r),
        Ok(Inbound::Reaction {
            chat: ChatRef {
                platform: PlatformKind::Telegram,
                chat: "-100".into(),
                private: false
            },
            user: "5".into(),
            message_id: "9".into(),
            reactions: vec!["🔥".into()],
        })
    );
    let join = update(
        "chat_member",
        json!({"chat": group_chat(-100), "from": user(6, false), "date": 1_700_000_000,
               "old_chat_member": {"status": "left", "user": user(6, false)},
               "new_chat_member": {"status": "member", "user": user(6, false)}}),
    );
    assert!(matches!(take(&join), Ok(Inbound::MemberJoined { ref user, .. }) if user == "6"));
    let leave = update(
        "chat_member",
        json!({"chat": group_chat(-100), "from": user(6, false), "date": 1_700_000_000,
               "old_chat_member": {"status": "member", "user": user(6, false)},
               "new_chat_member": {"status": "left", "user": user(6, false)}}),
    );
    assert_eq!(take(&leave), Err(Skip::Kind));
}

#[test]
fn unknown_update_kinds_are_skipped() {
    let raw = json!({"update_id": 5, "brand_new_thing": {"x": 1}}).to_string();
    let u: Update = serde_json::from_str(&raw).expect("teloxide keeps unknown updates");
    assert_eq!(take(&u), Err(Skip::Unknown));
}

#[test]
fn missing_fields_fail_to_parse_not_panic() {
    let raw = json!({"update_id": 5, "message": {"message_id": 1}}).to_string();
    // teloxide either rejects it or keeps it as an unknown update; neither panics.
    if let Ok(u) = serde_json::from_str::<Update>(&raw) {
        assert!(take(&u).is_err());
    }
}
