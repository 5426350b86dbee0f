//! Conversion of event JSON shaped like the gateway's (fields as Discord documents them, plus
//! fields serenity does not know, which must be ignored).

use serde_json::{json, Value};
use serenity::all::{CommandInteraction, ComponentInteraction, Member, Message, Reaction};

use super::*;

const BOT: u64 = 900;
const GUILD: u64 = 7000;
const CHANNEL: u64 = 7001;

fn me() -> Identity {
    Identity {
        id: BOT,
        name: "herald".into(),
    }
}

fn user(id: u64, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
           "global_name": null, "avatar": null, "bot": bot, "public_flags": 0})
}

fn msg(fields: Value) -> Value {
    let mut m = json!({
        "id": "5001", "channel_id": CHANNEL.to_string(), "guild_id": GUILD.to_string(),
        "author": user(42, false), "content": "hello", "timestamp": "2026-11-28T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "flags": 0, "components": [],
        "member": {"roles": ["300"], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0},
        "some_field_discord_added_later": {"x": 1}
    });
    for (k, v) in fields.as_object().expect("object").iter() {
        m[k] = v.clone();
    }
    m
}

fn parse_msg(v: Value) -> Message {
    serde_json::from_value(v).expect("message parses")
}

fn rules() -> Rules {
    Rules {
        managers: vec![77],
        manager_roles: vec![300],
        ..Rules::default()
    }
}

fn incoming(i: Inbound) -> Incoming {
    match i {
        Inbound::Message(m) => m,
        other => panic!("not a message: {other:?}"),
    }
}

#[test]
fn a_dm_is_addressed_and_private() {
    let m = parse_msg(msg(
        json!({"guild_id": null, "member": null, "content": "how much is the huila?"}),
    ));
    let i = incoming(message(&m, &me(), &Rules::default()).expect("kept"));
    assert!(i.addressed && i.chat.private);
    assert_eq!(i.chat.chat, CHANNEL.to_string());
    assert_eq!(i.text, "how much is the huila?");
    assert_eq!(i.message_id, "5001");
    assert!(!i.manager);
}

#[test]
fn a_guild_message_without_mention_is_kept_unaddressed() {
    let m = parse_msg(msg(json!({"content": "anyone here?"})));
    let i = incoming(message(&m, &me(), &Rules::default()).expect("logged"));
    assert!(!i.addressed && !i.chat.private);
}

#[test]
fn a_mention_addresses_the_bot_and_is_removed_from_the_text() {
    for mention in [format!("<@{BOT}>"), format!("<@!{BOT}>")] {
        let m = parse_msg(msg(json!({
            "content": format!("{mention} how much is the huila?"),
            "mentions": [user(BOT, true)]
        })));
        let i = incoming(message(&m, &me(), &Rules::default()).expect("kept"));
        assert!(i.addressed);
        assert_eq!(i.text, "how much is the huila?");
    }
}

#[test]
fn a_reply_to_the_bot_addresses_it() {
    let m = parse_msg(msg(json!({
        "type": 19,
        "content": "and the ethiopia?",
        "message_reference": {"message_id": "4000", "channel_id": CHANNEL.to_string()},
        "referenced_message": msg(json!({"id": "4000", "author": user(BOT, true), "content": "16.00 USD"}))
    })));
    let i = incoming(message(&m, &me(), &Rules::default()).expect("kept"));
    assert!(i.addressed);
}

#[test]
fn own_bot_webhook_system_and_empty_messages_are_skipped() {
    let cases = [
        (json!({"author": user(BOT, true)}), Skip::Own),
        (json!({"author": user(55, true)}), Skip::Bot),
        (json!({"webhook_id": "123"}), Skip::Webhook),
        (json!({"type": 7, "content": ""}), Skip::System),
        (
            json!({"content": "", "attachments": [{"id": "1", "filename": "a.png", "size": 10,
                "url": "https://cdn/a.png", "proxy_url": "https://cdn/a.png"}]}),
            Skip::Empty,
        ),
        (
            json!({"content": "", "embeds": [{"title": "link preview", "type": "rich"}]}),
            Skip::Empty,
        ),
        (
            json!({"content": format!("<@{BOT}>"), "mentions": [user(BOT, true)]}),
            Skip::Empty,
        ),
    ];
    for (fields, why) in cases {
        let m = parse_msg(msg(fields.clone()));
        assert_eq!(
            message(&m, &me(), &Rules::default()).map(|_| ()),
            Err(why),
            "{fields}"
        );
    }
}

#[test]
fn servers_outside_the_allow_list_are_skipped_but_dms_are_not() {
    let r = Rules {
        guilds: vec![1],
        ..Rules::default()
    };
    let m = parse_msg(msg(json!({})));
    assert_eq!(message(&m, &me(), &r).map(|_| ()), Err(Skip::NotAllowed));
    let dm = parse_msg(msg(json!({"guild_id": null, "member": null})));
    assert!(message(&dm, &me(), &r).is_ok());
}

#[test]
fn huge_content_is_clipped() {
    let m = parse_msg(msg(
        json!({"guild_id": null, "content": "é".repeat(10_000)}),
    ));
    let i = incoming(message(&m, &me(), &Rules::default()).expect("kept"));
    assert_eq!(i.text.chars().count(), MAX_TEXT_CHARS);
}

#[test]
fn managers_by_id_or_role() {
    let by_role = parse_msg(msg(json!({})));
    assert!(incoming(message(&by_role, &me(), &rules()).expect("kept")).manager);
    let by_id = parse_msg(msg(json!({"author": user(77, false), "member": null})));
    assert!(incoming(message(&by_id, &me(), &rules()).expect("kept")).manager);
    let nobody = parse_msg(msg(
        json!({"member": {"roles": ["1"], "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false}}),
    ));
    assert!(!incoming(message(&nobody, &me(), &rules()).expect("kept")).manager);
}

fn interaction(kind: u8, data: Value) -> Value {
    json!({
        "id": "8001", "application_id": "901", "type": kind, "data": data,
        "guild_id": GUILD.to_string(), "channel_id": CHANNEL.to_string(),
        "member": {"user": user(42, false), "roles": ["300"], "joined_at": "2026-01-01T00:00:00+00:00",
                   "deaf": false, "mute": false, "flags": 0, "permissions": "0"},
        "token": "tok-8001", "version": 1, "locale": "en-US", "app_permissions": "0",
        "entitlements": [], "authorizing_integration_owners": {"0": GUILD.to_string()},
        "context": 0, "attachment_size_limit": 8388608, "unknown_new_field": true
    })
}

#[test]
fn a_slash_command_becomes_the_routers_command_text() {
    let v = interaction(
        2,
        json!({"id": "600", "name": "ask", "type": 1,
               "options": [{"name": "question", "type": 3, "value": "how much is the huila?"}]}),
    );
    let c: CommandInteraction = serde_json::from_value(v).expect("command parses");
    let i = incoming(command(&c, &rules()).expect("kept"));
    assert_eq!(i.text, "/ask how much is the huila?");
    assert_eq!(i.message_id, format!("{INTERACTION}8001"));
    assert_eq!(i.user, "42");
    assert!(i.addressed && i.manager && !i.chat.private);

    let bare = interaction(2, json!({"id": "601", "name": "help", "type": 1}));
    let c: CommandInteraction = serde_json::from_value(bare).expect("command parses");
    assert_eq!(incoming(command(&c, &rules()).expect("kept")).text, "/help");
}

#[test]
fn malformed_interactions_are_errors_not_panics() {
    for broken in [
        json!({"id": "8001", "type": 2}),
        interaction(2, json!({"name": 5})),
        interaction(2, json!(null)),
        json!("not an object"),
    ] {
        assert!(serde_json::from_value::<CommandInteraction>(broken).is_err());
    }
}

#[test]
fn rating_buttons_become_ratings_and_other_components_are_skipped() {
    let mut v = interaction(3, json!({"custom_id": RATE_DOWN, "component_type": 2}));
    v["message"] = msg(json!({"id": "4000", "author": user(BOT, true)}));
    let c: ComponentInteraction = serde_json::from_value(v.clone()).expect("component parses");
    match component(&c, &Rules::default()).expect("kept") {
        Inbound::Rating {
            message_id,
            positive,
            user,
            ..
        } => {
            assert_eq!(message_id, "4000");
            assert_eq!(user, "42");
            assert!(!positive);
        }
        other => panic!("{other:?}"),
    }
    v["data"]["custom_id"] = json!("someone-elses-button");
    let c: ComponentInteraction = serde_json::from_value(v).expect("component parses");
    assert_eq!(
        component(&c, &Rules::default()).map(|_| ()),
        Err(Skip::Unknown)
    );
}

#[test]
fn reactions_on_the_bots_messages_only() {
    let base = json!({"user_id": "42", "channel_id": CHANNEL.to_string(), "message_id": "4000",
        "guild_id": GUILD.to_string(), "emoji": {"id": null, "name": "🔥"},
        "message_author_id": BOT.to_string(), "burst": false, "type": 0});
    let r: Reaction = serde_json::from_value(base.clone()).expect("reaction parses");
    match reaction(&r, &me(), &Rules::default()).expect("kept") {
        Inbound::Reaction { reactions, .. } => assert_eq!(reactions, vec!["🔥".to_string()]),
        other => panic!("{other:?}"),
    }
    let mut other = base.clone();
    other["message_author_id"] = json!("42");
    let r: Reaction = serde_json::from_value(other).expect("reaction parses");
    assert_eq!(
        reaction(&r, &me(), &Rules::default()).map(|_| ()),
        Err(Skip::NotOurs)
    );
    let mut own = base;
    own["user_id"] = json!(BOT.to_string());
    let r: Reaction = serde_json::from_value(own).expect("reaction parses");
    assert_eq!(
        reaction(&r, &me(), &Rules::default()).map(|_| ()),
        Err(Skip::Own)
    );
}

#[test]
fn joins_are_recorded_per_server_but_not_for_bots() {
    let v = json!({"guild_id": GUILD.to_string(), "user": user(43, false), "roles": [],
        "joined_at": "2026-11-28T10:00:00+00:00", "deaf": false, "mute": false, "flags": 0});
    let m: Member = serde_json::from_value(v.clone()).expect("member parses");
    assert_eq!(
        member_joined(&m, &Rules::default()).expect("kept"),
        Inbound::MemberJoined {
            chat: ChatRef {
                platform: PlatformKind::Discord,
                chat: GUILD.to_string(),
                private: false
            },
            user: "43".into(),
            language: None,
        }
    );
    let mut bot = v;
    bot["user"] = user(44, true);
    let m: Member = serde_json::from_value(bot).expect("member parses");
    assert_eq!(member_joined(&m, &Rules::default()), Err(Skip::Bot));
}
