//! Menus by role: members' menu and `/help` hold only members' commands; managers get every
//! command in their private chat, group administrators in their groups with
//! `managers_from_admins` (asked with `getChatAdministrators`, cached); `/whoami` tells a
//! member the ids the config needs.

use super::*;

use herald::bot::MEMBER_COMMANDS;

const MANAGER: i64 = 1901;
const ADMIN: i64 = 1902;
const MEMBER: i64 = 1903;
const GROUP: i64 = -100_190;
const OTHER_GROUP: i64 = -100_191;

fn names(call: &Value) -> Vec<String> {
    call["commands"]
        .as_array()
        .expect("commands")
        .iter()
        .filter_map(|c| c["command"].as_str().map(str::to_string))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn members_see_their_commands_and_managers_and_group_admins_see_all() {
    let fake = FakeTelegram::start().await;
    fake.set_admins(GROUP, &[ADMIN]);
    let t = support::bot();
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER as u64];
    opts.managers_from_admins = true;
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));

    fake.wait_for(20, "three menus", |calls| {
        calls
            .iter()
            .filter(|c| c.ok && c.method == "setMyCommands")
            .count()
            >= 3
    })
    .await;
    let menus = fake.ok_calls("setMyCommands");
    let members: Vec<String> = MEMBER_COMMANDS.iter().map(|c| c.name.to_string()).collect();
    let all: Vec<String> = herald::bot::command_table()
        .iter()
        .map(|c| c.name.to_string())
        .collect();
    let by_scope = |scope: Value| {
        menus
            .iter()
            .find(|m| m["scope"] == scope)
            .map(names)
            .unwrap_or_else(|| panic!("no menu for {scope}: {menus:#?}"))
    };
    assert_eq!(
        by_scope(Value::Null),
        members,
        "the default menu is the members'"
    );
    assert!(!members.contains(&"draft".to_string()));
    assert_eq!(
        by_scope(json!({"type": "chat", "chat_id": MANAGER})),
        all,
        "a manager's private chat shows every command"
    );
    assert_eq!(by_scope(json!({"type": "all_chat_administrators"})), all);

    // /help follows the same roles.
    fake.private_text(MEMBER, "/help");
    fake.private_text(MANAGER, "/help");
    let member_help = text(&fake.wait_sent(MEMBER, 1, 30).await[0]);
    let manager_help = text(&fake.wait_sent(MANAGER, 1, 30).await[0]);
    assert!(
        member_help.contains("/forgetme") && !member_help.contains("/draft"),
        "{member_help}"
    );
    assert!(
        manager_help.contains("/draft") && manager_help.contains("/reply"),
        "{manager_help}"
    );

    // /whoami gives the ids the config needs.
    fake.private_text(MEMBER, "/whoami");
    let whoami = text(&fake.wait_sent(MEMBER, 2, 30).await[1]);
    assert!(
        whoami.contains(&format!("user id is {MEMBER}"))
            && whoami.contains(&format!("chat's id is {MEMBER}"))
            && whoami.contains("managers under [telegram]"),
        "{whoami}"
    );
    group_command(&fake, GROUP, MEMBER, "/whoami");
    let whoami = text(&fake.wait_sent(GROUP, 1, 30).await[0]);
    assert!(
        whoami.contains(&format!("chat's id is {GROUP}")),
        "{whoami}"
    );

    // A group's administrator is a manager there, and only there; others are refused.
    let admin_queue = group_command(&fake, GROUP, ADMIN, "/queue");
    let member_queue = group_command(&fake, GROUP, MEMBER, "/queue");
    let admin_tickets = group_command(&fake, GROUP, ADMIN, "/tickets");
    group_command(&fake, OTHER_GROUP, ADMIN, "/queue");
    let in_group = fake.wait_sent(GROUP, 4, 30).await;
    // Different members' conversations run side by side: find each answer by what it replies to.
    let answer = |asked: i64| {
        in_group
            .iter()
            .find(|m| reply_to(m) == Some(asked))
            .map(text)
            .unwrap_or_else(|| panic!("{asked} not answered: {in_group:#?}"))
    };
    let refused = |s: &str| s.contains("for the community managers");
    assert!(!refused(&answer(admin_queue)), "{}", answer(admin_queue));
    assert!(refused(&answer(member_queue)), "{}", answer(member_queue));
    assert!(
        answer(admin_tickets).contains("No ticket is open"),
        "{}",
        answer(admin_tickets)
    );
    let other = text(&fake.wait_sent(OTHER_GROUP, 1, 30).await[0]);
    assert!(refused(&other), "{other}");
    // One question per group: the second admin command in GROUP used the cache, and
    // ordinary messages ask nothing.
    let asked: Vec<Value> = fake
        .ok_calls("getChatAdministrators")
        .iter()
        .map(|c| c["chat_id"].clone())
        .collect();
    assert_eq!(asked, [json!(GROUP), json!(OTHER_GROUP)]);
    run.stop().await;
}

/// Reports name a group by the title Telegram sends with its messages, not by its id.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reports_name_groups_by_their_title() {
    let fake = FakeTelegram::start().await;
    let t = support::bot();
    let mut opts = options(&fake);
    opts.managers = vec![MANAGER as u64];
    let run = serve(&t.app, opts, Arc::new(MemoryState::default()));
    let group = -100_300;
    group_command(&fake, group, MEMBER, "/help");
    fake.wait_sent(group, 1, 30).await;
    fake.private_text(MANAGER, "/report 7d");
    let report = text(&fake.wait_sent(MANAGER, 1, 60).await[0]);
    run.stop().await;
    // The fake's groups are titled as `support::fake_telegram::group_chat` says.
    let title = support::fake_telegram::group_chat(group)["title"]
        .as_str()
        .expect("title")
        .to_string();
    assert!(report.contains(&format!("telegram {title}:")), "{report}");
    assert!(!report.contains(&group.to_string()), "{report}");
}
