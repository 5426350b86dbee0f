use herald_platform::{ChatRef, Incoming, ModAction, PlatformKind};

use super::*;

fn group() -> ChatRef {
    ChatRef {
        platform: PlatformKind::Telegram,
        chat: "-100".into(),
        private: false,
    }
}

fn msg(id: u32, text: &str) -> Incoming {
    Incoming {
        chat: group(),
        user: "42".into(),
        message_id: id.to_string(),
        text: text.into(),
        addressed: false,
        manager: false,
        reply_to: None,
        chat_title: None,
        signals: Default::default(),
    }
}

fn moderator(opts: ModerationOptions) -> (tempfile::TempDir, Moderator) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::open(dir.path()).unwrap();
    let m = Moderator::new(opts, AuditLog::open(&db).unwrap());
    (dir, m)
}

const SPAM: &str = "guaranteed profit, DM me for details";

#[test]
fn each_offence_climbs_the_ladder_and_a_quiet_month_resets_it() {
    let (_d, m) = moderator(ModerationOptions::default());
    let mut steps = Vec::new();
    for i in 0..5u32 {
        let now = 1_000_000 + u64::from(i) * 120_000;
        let v = scr(&m, &msg(i, SPAM), "mem", now).expect("spam found");
        let case = m.sanction(&msg(i, SPAM), "mem", &v, now).unwrap();
        assert_eq!(
            case.sanctions[0].action,
            ModAction::Delete {
                message_id: i.to_string()
            }
        );
        steps.push((case.step, case.entry.strike));
    }
    assert_eq!(
        steps,
        vec![
            (Step::Warn, 1),
            (Step::Mute { minutes: 10 }, 2),
            (Step::Mute { minutes: 1440 }, 3),
            (Step::Ban, 4),
            (Step::Ban, 5),
        ]
    );
    let later = 1_000_000 + 31 * DAY_MS + 600_000;
    let v = scr(&m, &msg(9, SPAM), "mem", later).unwrap();
    let case = m.sanction(&msg(9, SPAM), "mem", &v, later).unwrap();
    assert_eq!((case.step, case.entry.strike), (Step::Warn, 1));
}

#[test]
fn a_flood_mutes_at_once_and_the_mute_ends_when_configured() {
    let (_d, m) = moderator(ModerationOptions::default());
    for i in 0..5u32 {
        assert_eq!(
            scr(&m, &msg(i, &format!("hi {i}")), "mem", u64::from(i) * 100),
            None
        );
    }
    let v = scr(&m, &msg(6, "hi 6"), "mem", 600).expect("the sixth in 10 s");
    assert_eq!(v.rule, Rule::Flood);
    let case = m.sanction(&msg(6, "hi 6"), "mem", &v, 600).unwrap();
    assert_eq!(case.step, Step::Mute { minutes: 10 });
    assert_eq!(
        case.sanctions[1].action,
        ModAction::Mute {
            until_ms: 600 + 600_000
        }
    );
    assert_eq!(
        case.entry.user.as_deref(),
        Some("42"),
        "kept to lift the mute"
    );
}

#[test]
fn managers_trusted_members_and_private_chats_are_never_judged() {
    let (_d, m) = moderator(ModerationOptions {
        trusted: vec!["telegram:7".into()],
        trusted_roles: vec!["555".into()],
        chats: vec!["telegram:-100".into()],
        ..ModerationOptions::default()
    });
    let mut manager = msg(1, SPAM);
    manager.manager = true;
    assert_eq!(scr(&m, &manager, "a", 0), None);
    let mut trusted = msg(2, SPAM);
    trusted.user = "7".into();
    assert_eq!(scr(&m, &trusted, "b", 0), None);
    let mut role = msg(3, SPAM);
    role.signals.roles = vec!["555".into()];
    assert_eq!(scr(&m, &role, "c", 0), None);
    let mut private = msg(4, SPAM);
    private.chat.private = true;
    assert_eq!(scr(&m, &private, "d", 0), None);
    let mut elsewhere = msg(5, SPAM);
    elsewhere.chat.chat = "-200".into();
    assert_eq!(scr(&m, &elsewhere, "e", 0), None, "not a listed chat");
    assert!(scr(&m, &msg(6, SPAM), "f", 0).is_some());
}

#[test]
fn observe_mode_writes_the_audit_and_does_nothing() {
    let (_d, m) = moderator(ModerationOptions {
        observe: true,
        ..ModerationOptions::default()
    });
    let v = scr(&m, &msg(1, SPAM), "mem", 0).unwrap();
    let case = m.sanction(&msg(1, SPAM), "mem", &v, 0).unwrap();
    assert!(case.sanctions.is_empty());
    let logged = m.audit().recent(10);
    assert_eq!(logged.len(), 1);
    assert!(logged[0].observed && logged[0].user.is_none());
    assert_eq!(logged[0].action, "delete + warn");
}

#[test]
fn a_pardon_lifts_mutes_and_bans_and_clears_strikes() {
    let (_d, m) = moderator(ModerationOptions {
        ladder: vec![Step::Mute { minutes: 10 }, Step::Ban],
        ..ModerationOptions::default()
    });
    let v = scr(&m, &msg(1, SPAM), "mem", 0).unwrap();
    m.sanction(&msg(1, SPAM), "mem", &v, 0).unwrap();
    let v = scr(&m, &msg(2, SPAM), "mem", 1000).unwrap();
    let banned = m.sanction(&msg(2, SPAM), "mem", &v, 1000).unwrap();
    assert!(banned.entry.banned);
    let p = m.pardon("telegram", "mem", 2000).unwrap();
    assert_eq!(p.entries, 2);
    let lifted: Vec<&ModAction> = p.lifts.iter().map(|s| &s.action).collect();
    assert_eq!(lifted, vec![&ModAction::Unmute, &ModAction::Unban]);
    assert!(m
        .audit()
        .all()
        .iter()
        .all(|e| e.pardoned && e.user.is_none()));
    assert_eq!(m.audit().strikes("telegram", "mem").unwrap().count, 0);
    assert_eq!(
        m.pardon("telegram", "mem", 3000).unwrap(),
        Pardon::default()
    );
}

#[test]
fn a_new_members_link_waits_for_their_first_day() {
    let (_d, m) = moderator(ModerationOptions::default());
    let link = "my shop: https://beans-deal.xyz";
    assert_eq!(scr(&m, &msg(1, link), "old", 0), None, "never seen joining");
    m.joined(&group(), "new", 10 * HOUR_MS);
    let v = scr(&m, &msg(2, link), "new", 11 * HOUR_MS).unwrap();
    assert_eq!(v.rule, Rule::NewMemberLink);
    assert_eq!(
        scr(&m, &msg(3, link), "new", 35 * HOUR_MS),
        None,
        "a day later"
    );
}

fn scr(m: &Moderator, msg: &Incoming, member: &str, now: u64) -> Option<Verdict> {
    m.screen(msg, member, now, &[])
}

#[test]
fn a_huge_or_garbled_message_is_screened_without_panic() {
    let (_d, m) = moderator(ModerationOptions::default());
    let huge = "WIN a free prize ".repeat(6_000) + &"\u{0}\u{7}\u{1b}[2J\u{202e}".repeat(2_000);
    assert!(huge.len() > 100_000);
    let v = scr(&m, &msg(1, &huge), "mem", 0).expect("prize spam, however long");
    assert_eq!(v.rule, Rule::Spam);
    assert_eq!(scr(&m, &msg(2, "\u{0}\u{1}\u{2}\u{3}"), "mem", 1), None);
}
