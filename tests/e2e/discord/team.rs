//! Hand-offs on Discord: a member's `/human` in a DM becomes a ticket in the team's channel
//! with a `<@id>` mention the managers can click (and that pings nobody), and a manager's
//! `/reply` there reaches the member's DM as a reply to their message.

use super::*;

const MANAGER: u64 = 77;
const MEMBER: u64 = 88;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_reaches_the_team_channel_and_the_answer_the_members_dm() {
    let fake = FakeDiscord::start().await;
    let t = support::bot_configured(
        support::local_model(),
        support::team_chat("discord", CHANNEL.to_string()),
    );
    let mut opts = options(&fake);
    opts.rules.managers = vec![MANAGER];
    let run = serve(&t.app, &fake, opts).await;

    let asked = fake.dm(MEMBER, "/human the grinder I bought is broken");
    let notice = fake.wait_messages(CHANNEL, 1, 60).await;
    let said = content(&notice[0]);
    assert!(
        said.contains("Ticket t1")
            && said.contains("the grinder I bought is broken")
            && said.contains(&format!("<@{MEMBER}>")),
        "{said}"
    );
    assert_eq!(request(&notice[0])["allowed_mentions"]["parse"], json!([]));
    let to_member = fake.wait_messages(dm_channel(MEMBER), 1, 30).await;
    assert!(
        content(&to_member[0]).contains("asked a person from the team"),
        "{}",
        content(&to_member[0])
    );

    fake.guild_message(
        MANAGER,
        &format!("<@{BOT_ID}> /reply t1 A new grinder is on its way."),
        json!({"mentions": [user(BOT_ID, true)]}),
    );
    let answer = fake.wait_messages(dm_channel(MEMBER), 2, 30).await;
    assert_eq!(
        content(&answer[1]),
        "A reply from the team:\nA new grinder is on its way."
    );
    assert_eq!(
        request(&answer[1])["message_reference"]["message_id"],
        asked.to_string()
    );
    let confirmed = fake.wait_messages(CHANNEL, 2, 30).await;
    assert!(
        content(&confirmed[1]).contains("closed it"),
        "{}",
        content(&confirmed[1])
    );
    run.stop().await;
}
