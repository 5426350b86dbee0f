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
    let t = support::bot_configured(support::local_model(), |_| {});
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let member = 3001;

    fake.private_text(member, "Do you have a loyalty card?");
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
        taught.contains(&format!("Taught {loyalty}: wrote {file}")),
        "{taught}"
    );
    let written = std::fs::read_to_string(t.knowledge.path().join(&file)).expect("the lesson");
    assert!(
        written.contains("## Do you have a loyalty card?\nYes: every tenth coffee is free"),
        "{written}"
    );

    // Asked again: answered from the new passage, citing it.
    fake.private_text(member, "Do you have a loyalty card?");
    let again = fake.wait_sent(member, 3, 60).await;
    let html = again[2]["text"].as_str().unwrap_or_default().to_string();
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
