//! Hand-offs reach the team: a member's `/human` or complaint becomes a ticket in the
//! managers' chat (the member's words, the turn before, the mood and a tappable mention), a
//! manager's `/reply` reaches the member's chat and closes the ticket.

use super::*;

const TEAM: i64 = -100_500;
const MANAGER: u64 = 1777;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hand_off_becomes_a_ticket_for_the_team_and_the_managers_reply_reaches_the_member() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(
        support::local_model(),
        support::team_chat("telegram", TEAM.to_string()),
    );
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let member = 1601;

    fake.private_text(member, "how much is the huila?");
    fake.wait_sent(member, 1, 60).await;
    let asked = fake.private_text(member, "/human my bag of beans arrived torn");
    let to_member = fake.wait_sent(member, 2, 60).await;
    assert!(
        text(&to_member[1]).contains("asked a person from the team"),
        "{}",
        text(&to_member[1])
    );

    let notice = fake.wait_sent(TEAM, 1, 30).await;
    let html = notice[0]["text"].as_str().expect("notice text");
    for part in [
        "Ticket t1",
        "my bag of beans arrived torn",
        "member: how much is the huila?",
        "Mood:",
        "/reply t1",
        &format!("<a href=\"tg://user?id={member}\">the member</a>"),
    ] {
        assert!(
            html.contains(part),
            "{part:?} missing from the notice:\n{html}"
        );
    }
    assert_eq!(notice[0]["parse_mode"], "HTML");

    // A member cannot answer tickets; a manager can, from the team's chat.
    group_command(&fake, TEAM, 1888, "/reply t1 hello");
    let refused = fake.wait_sent(TEAM, 2, 30).await;
    assert!(
        text(&refused[1]).contains("for the community managers"),
        "{}",
        text(&refused[1])
    );
    group_command(
        &fake,
        TEAM,
        MANAGER as i64,
        "/reply t1 We are sending you a new bag today.",
    );
    let to_member = fake.wait_sent(member, 3, 30).await;
    assert_eq!(
        text(&to_member[2]),
        "A reply from the team:\nWe are sending you a new bag today."
    );
    assert_eq!(reply_to(&to_member[2]), Some(asked));
    let to_team = fake.wait_sent(TEAM, 3, 30).await;
    assert!(
        text(&to_team[2]).contains("closed it"),
        "{}",
        text(&to_team[2])
    );

    // The ticket is closed: a second answer is refused, and says what is open.
    group_command(&fake, TEAM, MANAGER as i64, "/reply t1 again");
    let to_team = fake.wait_sent(TEAM, 4, 30).await;
    assert!(
        text(&to_team[3]).contains("already answered")
            && text(&to_team[3]).contains("No ticket is open"),
        "{}",
        text(&to_team[3])
    );
    group_command(&fake, TEAM, MANAGER as i64, "/reply t9 hi");
    let to_team = fake.wait_sent(TEAM, 5, 30).await;
    assert!(
        text(&to_team[4]).contains("no ticket t9"),
        "{}",
        text(&to_team[4])
    );

    // A second ticket, then /forgetme: the member's tickets go with the rest of their data.
    fake.private_text(member, "/human one more thing");
    fake.wait_sent(TEAM, 6, 30).await;
    assert_eq!(t.app.tickets.open_ones().len(), 1);
    fake.private_text(member, "/forgetme");
    fake.wait_sent(member, 5, 30).await;
    assert!(t.app.tickets.all().is_empty(), "{:?}", t.app.tickets.all());
    run.stop().await;

    // The member's own events went with /forgetme; the manager's answer stays logged.
    let tickets: Vec<(u64, String)> = t
        .app
        .log
        .events()
        .filter_map(|e| match e.kind {
            EventKind::Ticket { ticket, action } => Some((ticket, action)),
            _ => None,
        })
        .collect();
    assert_eq!(tickets, [(1, "answered".to_string())]);
    let answers = fake
        .sent_to(member)
        .iter()
        .filter(|m| text(m).starts_with("A reply from the team"))
        .count();
    assert_eq!(answers, 1, "the member got the answer once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_team_chat_no_person_is_promised_and_nothing_is_posted_elsewhere() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let run = serve(&t.app, options(&fake), Arc::new(MemoryState::default()));
    let member = 1602;
    fake.private_text(member, "/human please");
    fake.private_text(member, "My order arrived broken and the bag was torn");
    let sent = fake.wait_sent(member, 2, 60).await;
    run.stop().await;
    for m in &sent {
        let said = text(m);
        assert!(!said.contains("asked a person"), "{said}");
        assert!(!said.contains("flagged this for the team"), "{said}");
        assert!(said.contains("care@lanternhill.coffee"), "{said}");
    }
    let elsewhere: Vec<Value> = fake
        .ok_calls("sendMessage")
        .into_iter()
        .filter(|m| m["chat_id"] != json!(member))
        .collect();
    assert!(elsewhere.is_empty(), "{elsewhere:#?}");
}
