//! The manager commands' answers: cancel, quiet hours, bad input of every kind, and
//! `/posted` with engagement and the judge.

use super::*;

#[tokio::test]
async fn cancel_stops_a_scheduled_post() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("Tasting tonight!", now).await;
    w.schedule(&format!("{id} in 1h news"), now).await;
    let r = w.cmd("cancel", &id, now).await;
    assert_eq!(r, format!("Cancelled {id}; it will not be published."));
    w.scheduler()
        .tick(now + Duration::hours(2))
        .await
        .expect("tick");
    assert!(w.news().is_empty());
    let r = w.schedule(&format!("{id} in 1h news"), now).await;
    assert!(r.contains("was cancelled"), "{r}");
}

#[tokio::test]
async fn quiet_hours_refuse_with_the_next_allowed_time() {
    let w = world("22:00-08:00");
    let now = utc(NOW);
    let id = w.approved("Late night news.", now).await;
    let r = w
        .schedule(&format!("{id} 2026-11-28 23:30 news"), now)
        .await;
    assert!(r.contains("inside quiet hours (22:00-08:00)"), "{r}");
    assert!(r.contains("Sun 2026-11-29 08:00 CET"), "{r}");
    assert!(
        r.contains(&format!("/schedule {id} 2026-11-29 08:00")),
        "{r}"
    );
    assert!(w.ctx.posts.jobs().is_empty());
    // The suggestion works.
    let r = w
        .schedule(&format!("{id} 2026-11-29 08:00 news"), now)
        .await;
    assert!(r.starts_with(&format!("Scheduled {id}")), "{r}");
}

#[tokio::test]
async fn bad_input_gets_a_clear_reply_and_stores_nothing() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("Open until 18:00 today.", now).await;
    let cases = [
        (format!("{id} someday news"), "can't read \"someday news\""),
        (
            format!("{id} 2026-11-01 10:00 news"),
            "2026-11-01 10:00 is in the past",
        ),
        (
            format!("{id} tomorrow 9:00 twitter"),
            "Unknown target(s): twitter (known: chat, news, ops)",
        ),
        ("p999 now news".to_string(), "There is no post p999"),
        (id.to_string(), "Usage: /schedule"),
        (format!("{id} cron 0 25 * * *"), "hour"),
    ];
    for (args, expect) in &cases {
        let r = w.schedule(args, now).await;
        assert!(r.contains(expect), "{args}: {r}");
    }
    assert!(w.ctx.posts.jobs().is_empty());
    assert!(w
        .ctx
        .posts
        .get(&id)
        .expect("get")
        .expect("post")
        .schedule
        .is_none());

    // Unapproved drafts cannot be scheduled.
    let raw = w.ctx.posts.next_id().expect("id");
    w.ctx
        .posts
        .put(&Post {
            id: raw.clone(),
            brief: "b".into(),
            variants: Vec::new(),
            edit: None,
            approved: None,
            author: "m".into(),
            created_ms: 0,
            schedule: None::<Schedule>,
            cancelled: false,
        })
        .expect("put");
    let r = w.schedule(&format!("{raw} now news"), now).await;
    assert!(r.contains(&format!("Approve post {raw} first")), "{r}");

    // Too long for Discord, fine for Telegram: the error names the platform and its limit.
    let long = "Coffee. ".repeat(300);
    let id3 = w.approved(long.trim(), now).await;
    let r = w.schedule(&format!("{id3} now chat"), now).await;
    assert!(r.contains("discord takes at most 2000"), "{r}");
    assert!(r.contains(&format!("/edit {id3}")), "{r}");
    let r = w.schedule(&format!("{id3} now news"), now).await;
    assert!(r.starts_with(&format!("Scheduled {id3}")), "{r}");

    // Other commands: unknown ids, missing arguments, bad variant numbers.
    for (name, args, expect) in [
        ("edit", "p404 new text".to_string(), "There is no post p404"),
        ("edit", id.clone(), "Usage: /edit <id> <text>"),
        ("approve", format!("{id} seven"), "is not a variant number"),
        ("approve", format!("{id} 4"), "has variants 1 to 0"),
        ("cancel", String::new(), "Which post?"),
        ("draft", "  ".to_string(), "Usage: /draft <brief>"),
    ] {
        let r = w.cmd(name, &args, now).await;
        assert!(r.contains(expect), "/{name} {args}: {r}");
    }
    // Editing a scheduled post is refused until it is cancelled.
    let r = w.cmd("edit", &format!("{id3} shorter"), now).await;
    assert!(r.contains("is scheduled; /cancel"), "{r}");
}

#[tokio::test]
async fn posted_lists_engagement_and_the_judge() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("What is your favourite roast?", now).await;
    w.schedule(&format!("{id} now news"), now).await;
    w.scheduler().tick(now).await.expect("tick");
    let chat = ChatRef {
        platform: PlatformKind::Telegram,
        chat: "@lantern_news".into(),
        private: false,
    };
    // Two members react (one changes their mind: the last set counts), one replies.
    for (user, set) in [
        ("u1", vec!["👍"]),
        ("u2", vec!["🔥"]),
        ("u1", vec!["👍", "❤"]),
    ] {
        w.ctx
            .log
            .record_signal(&Inbound::Reaction {
                chat: chat.clone(),
                user: user.into(),
                message_id: "m0".into(),
                reactions: set.into_iter().map(String::from).collect(),
            })
            .expect("reaction");
    }
    let e = w.ctx.log.post_engagement().expect("engagement");
    assert_eq!(e[&id].reactions, 3);
    let r = w.cmd("posted", "", now).await;
    assert!(
        r.contains(&format!("{id} — What is your favourite roast?")),
        "{r}"
    );
    assert!(
        r.contains("to news: 3 reactions, 0 replies, 0 clicks"),
        "{r}"
    );
    assert!(
        r.contains("Judge: heuristic prior (1 measured post(s)"),
        "{r}"
    );
}
