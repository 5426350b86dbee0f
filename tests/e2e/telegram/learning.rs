//! The knowledge loop over the fake Bot API: a question the pack cannot answer shows up in
//! `/gaps` with an id, a manager's `/teach` writes it into the knowledge folder, the same
//! question is then answered citing the new file, and the gap leaves the list; an answer
//! that would not load is refused with its `path:line` and nothing is written.

use super::*;

const TEAM: i64 = -100_800;
const MANAGER: u64 = 1777;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_taught_gap_is_answered_with_a_citation_and_leaves_the_list() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), |c| c.learning.notify_askers = true);
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let member = 3001;

    let asked = fake.private_text(member, "Do you have a loyalty card?");
    let first = fake.wait_sent(member, 1, 60).await;
    assert!(
        text(&first[0]).contains("don't know"),
        "{}",
        text(&first[0])
    );
    fake.private_text(member, "Can I bring my dog to the café?");
    fake.wait_sent(member, 2, 60).await;

    group_command(&fake, TEAM, MANAGER as i64, "/gaps");
    let listed = text(&fake.wait_sent(TEAM, 1, 30).await[0]);
    let id_of = |question: &str| {
        listed
            .lines()
            .find(|l| l.contains(question))
            .and_then(|l| l.split(' ').next())
            .map(str::to_string)
            .unwrap_or_else(|| panic!("{question:?} not in /gaps:\n{listed}"))
    };
    let (loyalty, dog) = (id_of("loyalty card"), id_of("bring my dog"));
    assert!(
        loyalty.starts_with('g') && dog.starts_with('g') && loyalty != dog,
        "{listed}"
    );

    // An answer that would start a second passage is refused, and nothing is written.
    let learned = t.knowledge.path().join("learned");
    group_command(
        &fake,
        TEAM,
        MANAGER as i64,
        &format!("/teach {dog} Dogs are welcome on the terrace.\n## and inside?"),
    );
    let refused = text(&fake.wait_sent(TEAM, 2, 30).await[1]);
    assert!(
        refused.starts_with("Not taught, nothing was written")
            && refused.contains(&format!("learned/{dog}-can-i-bring-my-dog-to.md:")),
        "{refused}"
    );
    assert!(!learned.exists(), "nothing written for a refused answer");

    group_command(
        &fake,
        TEAM,
        MANAGER as i64,
        &format!("/teach {loyalty} Yes: every tenth coffee is free with the Lantern card, ask for one at the till."),
    );
    let taught = text(&fake.wait_sent(TEAM, 3, 30).await[2]);
    let file = format!("learned/{loyalty}-do-you-have-a-loyalty-card.md");
    assert!(
        taught.contains(&format!("Taught {loyalty}: wrote {file}"))
            && taught.ends_with("1 member(s) who asked get it now."),
        "{taught}"
    );
    // The member who asked is told, as a reply to their question, with the source.
    let told = fake.wait_sent(member, 3, 30).await.remove(2);
    assert!(
        text(&told).starts_with(
            "You asked “Do you have a loyalty card?”. The team has answered:\nYes: every tenth coffee"
        ),
        "{}",
        text(&told)
    );
    assert_eq!(reply_to(&told), Some(asked));
    assert!(told["text"].as_str().unwrap_or_default().contains(&file));
    let written = std::fs::read_to_string(t.knowledge.path().join(&file)).expect("the lesson");
    assert!(
        written.contains("## Do you have a loyalty card?\nYes: every tenth coffee is free"),
        "{written}"
    );

    // Asked again: answered from the new passage, citing it.
    fake.private_text(member, "Do you have a loyalty card?");
    let again = fake.wait_sent(member, 4, 60).await;
    let html = again[3]["text"].as_str().unwrap_or_default().to_string();
    assert!(html.contains("tenth coffee"), "{html}");
    assert!(
        html.contains(&file),
        "the answer cites the new file: {html}"
    );

    // The taught gap left the list; the other is still there with the same id.
    group_command(&fake, TEAM, MANAGER as i64, "/gaps");
    let listed = text(&fake.wait_sent(TEAM, 4, 30).await[3]);
    assert!(!listed.contains("loyalty card"), "{listed}");
    assert!(
        listed.contains(&format!("{dog} · \"Can I bring my dog")),
        "{listed}"
    );
    run.stop().await;
}

/// A group message that mentions the bot first.
fn asks(fake: &FakeTelegram, chat: i64, user: i64, text: &str) -> i64 {
    let len = BOT_USERNAME.len() as i64 + 1;
    fake.group_text(
        chat,
        user,
        &format!("@{BOT_USERNAME} {text}"),
        json!({"entities": [{"type": "mention", "offset": 0, "length": len}]}),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_managers_reply_to_an_unanswered_question_becomes_knowledge_with_one_press() {
    let fake = FakeTelegram::start().await;
    let t = support::bot_configured(support::local_model(), |_| {});
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let (group, asker) = (-100_801i64, 3101i64);

    let question = asks(&fake, group, asker, "Do you sell gift cards?");
    let unknown = fake.wait_sent(group, 1, 60).await;
    assert!(
        text(&unknown[0]).contains("don't know"),
        "{}",
        text(&unknown[0])
    );

    // The manager answers the member in the group, as they would anyway.
    let answer = "Yes, gift cards from 10 to 100 USD, at the till or in the web shop.";
    let reply = fake.group_text(
        group,
        MANAGER as i64,
        answer,
        json!({"reply_to_message": message(question, group_chat(group), member(asker), json!({"text": "Do you sell gift cards?"}))}),
    );
    let offer = fake.wait_sent(group, 2, 30).await.remove(1);
    assert!(
        text(&offer).contains("Do you sell gift cards?"),
        "{}",
        text(&offer)
    );
    assert_eq!(reply_to(&offer), Some(reply));
    let data = offer["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
        .as_str()
        .expect("a teach button")
        .to_string();
    let offer_id = offer["_sent_id"].as_i64().expect("id");

    // A member's press does nothing; the manager's teaches.
    fake.press(group, asker, offer_id, &data);
    fake.press(group, MANAGER as i64, offer_id, &data);
    let taught = fake.wait_sent(group, 3, 30).await.remove(2);
    let file = "learned/g1-do-you-sell-gift-cards.md";
    assert!(
        text(&taught).starts_with(&format!("Taught g1: wrote {file}")),
        "{}",
        text(&taught)
    );
    assert_eq!(fake.sent_to(group).len(), 3, "one teach for two presses");

    asks(&fake, group, asker, "Do you sell gift cards?");
    let again = fake.wait_sent(group, 4, 60).await.remove(3);
    let html = again["text"].as_str().unwrap_or_default();
    assert!(
        html.contains("10 to 100 USD") && html.contains(file),
        "{html}"
    );
    run.stop().await;
}
