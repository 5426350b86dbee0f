//! Moderation on Discord with the real serenity client: a new member's link deleted and
//! explained with a `<@id>` mention, a flood timed out until a time, and a manager's
//! `/pardon` lifting the timeout, and a server administrator exempt as Discord says.

use super::*;

const MANAGER: u64 = 77;

/// The calls to a path, as the fake recorded them.
fn calls_to(fake: &FakeDiscord, method: &str, path: &str) -> Vec<Value> {
    fake.calls()
        .into_iter()
        .filter(|c| c.method == method && c.path == path && c.status < 300)
        .map(|c| c.body)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_new_members_link_is_deleted_and_a_flood_timed_out_until_a_time() {
    let fake = FakeDiscord::start().await;
    let t = support::bot_configured(support::local_model(), |c| c.moderation.enabled = true);
    let mut opts = options(&fake);
    opts.rules.managers = vec![MANAGER];
    let run = serve(&t.app, &fake, opts).await;
    let (newbie, flooder) = (901u64, 902u64);

    let mut joined = json!({"roles": [], "joined_at": "2026-11-30T10:00:00+00:00",
        "deaf": false, "mute": false, "flags": 0, "user": user(newbie, false)});
    joined["guild_id"] = json!(GUILD.to_string());
    fake.dispatch("GUILD_MEMBER_ADD", joined);
    // The join is taken before the next message is screened; give the gateway a turn by
    // waiting for a message of the bot's own (the greeting is off, so a DM answer).
    fake.dm(flooder, "/whoami");
    fake.wait_messages(dm_channel(flooder), 1, 30).await;

    let link = fake.guild_message(
        newbie,
        "cheap beans at https://cheap-beans.xyz/deal",
        json!({}),
    );
    let deleted = format!("/channels/{CHANNEL}/messages/{link}");
    fake.wait_until(30, "the link deleted", |v| {
        v.calls
            .iter()
            .any(|c| c.method == "DELETE" && c.path == deleted)
    })
    .await;
    let told = fake.wait_messages(CHANNEL, 1, 30).await;
    let said = content(&told[0]);
    assert!(
        said.contains("new members cannot post links") && said.contains(&format!("<@{newbie}>")),
        "{said}"
    );
    assert_eq!(request(&told[0])["allowed_mentions"]["parse"], json!([]));

    for i in 0..6 {
        fake.guild_message(flooder, &format!("so much coffee {i}"), json!({}));
    }
    let member_path = format!("/guilds/{GUILD}/members/{flooder}");
    fake.wait_until(30, "the flooder timed out", |v| {
        v.calls
            .iter()
            .any(|c| c.method == "PATCH" && c.path == member_path)
    })
    .await;
    let timeout = &calls_to(&fake, "PATCH", &member_path)[0];
    let until = timeout["communication_disabled_until"]
        .as_str()
        .and_then(|t| chrono::DateTime::parse_from_rfc3339(t).ok())
        .expect("an end time");
    let left = until.timestamp() - chrono::Utc::now().timestamp();
    assert!((540..=660).contains(&left), "{timeout}");

    // The manager pardons the flooder (entry m2): the timeout is lifted.
    fake.guild_message(MANAGER, &format!("<@{BOT_ID}> /pardon m2"), json!({}));
    fake.wait_until(30, "the timeout lifted", |v| {
        v.calls
            .iter()
            .filter(|c| c.method == "PATCH" && c.path == member_path)
            .count()
            >= 2
    })
    .await;
    let lifted = &calls_to(&fake, "PATCH", &member_path)[1];
    assert_eq!(
        lifted["communication_disabled_until"],
        Value::Null,
        "{lifted}"
    );
    run.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_administrator_is_exempt_as_discord_says() {
    let fake = FakeDiscord::start().await;
    let t = support::bot_configured(support::local_model(), |c| c.moderation.enabled = true);
    let run = serve(&t.app, &fake, options(&fake)).await;
    let (admin, member) = (911u64, 912u64);
    fake.set_admin(admin);
    let offer = "Guaranteed profit 30% weekly! DM me to join my investment plan";
    let by_admin = fake.guild_message(admin, offer, json!({}));
    let by_member = fake.guild_message(member, offer, json!({}));
    let deleted = |id: u64| format!("/channels/{CHANNEL}/messages/{id}");
    fake.wait_until(30, "the member's offer deleted", |v| {
        v.calls
            .iter()
            .any(|c| c.method == "DELETE" && c.path == deleted(by_member))
    })
    .await;
    let calls = fake.calls();
    assert!(
        !calls
            .iter()
            .any(|c| c.method == "DELETE" && c.path == deleted(by_admin)),
        "the administrator's message stays"
    );
    // Discord was asked about each author, only because a rule would act.
    let asked = |id: u64| {
        calls
            .iter()
            .any(|c| c.method == "GET" && c.path == format!("/guilds/{GUILD}/members/{id}"))
    };
    assert!(asked(admin) && asked(member));
    assert!(calls
        .iter()
        .any(|c| c.method == "GET" && c.path == format!("/guilds/{GUILD}/roles")));
    let audit = t.app.audit.all();
    assert_eq!(audit.len(), 1, "{audit:?}");
    run.stop().await;
}
