//! The scheduler and the manager commands with an injected clock: nothing sleeps. Sends go
//! to a recording platform; the real adapters are exercised in `tests/posts_e2e.rs`.

use crate::support;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};
use herald::config::{PostTarget, PostsConfig};
use herald::dialogue::Prompts;
use herald::engagement::EngagementLog;
use herald::knowledge::Graph;
use herald::llm::{GenerateRequest, Generation, LlmBackend, LlmError};
use herald::manage::{Call, Context, ManagerCommand};
use herald::posts::{Delivery, Post, PostStore, PostsSetup, Schedule, Scheduler};
use herald_platform::{
    Capabilities, ChatRef, Inbound, Outgoing, Platform, PlatformError, PlatformKind, Sent,
};
use tokio::sync::{mpsc, watch};

/// A platform that records what it was asked to send. `idempotent` makes a repeated
/// idempotency key return the first message, as Discord's enforced nonces do.
struct Recorder {
    kind: PlatformKind,
    idempotent: bool,
    sent: Mutex<Vec<Outgoing>>,
    failures: Mutex<VecDeque<String>>,
}

impl Recorder {
    fn new(kind: PlatformKind, idempotent: bool) -> Arc<Recorder> {
        Arc::new(Recorder {
            kind,
            idempotent,
            sent: Mutex::new(Vec::new()),
            failures: Mutex::new(VecDeque::new()),
        })
    }

    fn texts(&self, chat: &str) -> Vec<String> {
        self.sent
            .lock()
            .expect("recorder")
            .iter()
            .filter(|o| o.chat.chat == chat)
            .map(|o| o.text.clone())
            .collect()
    }

    fn fail_next(&self, n: usize) {
        let mut f = self.failures.lock().expect("recorder");
        for i in 0..n {
            f.push_back(format!("scripted failure {i}"));
        }
    }
}

#[async_trait::async_trait]
impl Platform for Recorder {
    fn kind(&self) -> PlatformKind {
        self.kind
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_message_len: 4096,
            markup: false,
            reactions: true,
            buttons: false,
            idempotent_sends: self.idempotent,
        }
    }

    async fn listen(
        &self,
        _tx: mpsc::Sender<Inbound>,
        _shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        Ok(())
    }

    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError> {
        if let Some(reason) = self.failures.lock().expect("recorder").pop_front() {
            return Err(PlatformError::Send {
                platform: self.kind,
                reason,
            });
        }
        let mut sent = self.sent.lock().expect("recorder");
        if self.idempotent {
            if let Some(i) = sent.iter().position(|o| {
                o.idempotency_key.is_some() && o.idempotency_key == out.idempotency_key
            }) {
                return Ok(Sent {
                    message_ids: vec![format!("m{i}")],
                });
            }
        }
        sent.push(out);
        Ok(Sent {
            message_ids: vec![format!("m{}", sent.len() - 1)],
        })
    }
}

/// An LLM the scheduler tests never call.
struct NoModel;

#[async_trait::async_trait]
impl LlmBackend for NoModel {
    fn name(&self) -> &str {
        "none"
    }
    async fn generate(&self, _req: GenerateRequest) -> Result<Generation, LlmError> {
        Err(LlmError::Unavailable("not in these tests".into()))
    }
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s)
        .expect("test time")
        .with_timezone(&Utc)
}

struct World {
    _dir: tempfile::TempDir,
    /// What the manager commands work with: the posts, their setup, the log.
    ctx: Context,
    telegram: Arc<Recorder>,
    discord: Arc<Recorder>,
    graph: Graph,
}

fn config(quiet: &str) -> PostsConfig {
    let mut c = PostsConfig {
        timezone: "Europe/Berlin".into(),
        quiet_hours: quiet.into(),
        max_lateness_minutes: 60,
        send_attempts: 3,
        retry_base_ms: 60_000,
        ..PostsConfig::default()
    };
    for (name, platform, chat) in [
        ("news", "telegram", "@lantern_news"),
        ("chat", "discord", "7001"),
        ("ops", "telegram", "-100900"),
    ] {
        c.targets.insert(
            name.into(),
            PostTarget {
                platform: platform.into(),
                chat: chat.into(),
            },
        );
    }
    c.report_target = "ops".into();
    c
}

fn world(quiet: &str) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = sled::open(dir.path()).expect("sled");
    World {
        ctx: Context {
            posts: PostStore::open(&db).expect("posts"),
            setup: PostsSetup::from_config(&config(quiet)).expect("[posts]"),
            log: EngagementLog::open(&db, "k").expect("log"),
            llm: Arc::new(NoModel),
            prompts: Arc::new(Prompts::load(&support::repo().join("prompts")).expect("prompts")),
            bot_name: "Lantern".into(),
            tickets: herald::team::TicketStore::open(&db).expect("tickets"),
            moderator: None,
            audit: herald::moderation::AuditLog::open(&db).expect("audit"),
            gap_ids: herald::learning::GapIds::open(&db).expect("gap ids"),
            knowledge: None,
            knowledge_dir: dir.path().join("knowledge"),
            learning_folder: "learned".into(),
            askers: herald::learning::Askers::open(&db).expect("askers"),
            notify_askers: false,
        },
        telegram: Recorder::new(PlatformKind::Telegram, false),
        discord: Recorder::new(PlatformKind::Discord, true),
        graph: Graph::default(),
        _dir: dir,
    }
}

impl World {
    fn scheduler(&self) -> Scheduler {
        let adapters: Vec<Arc<dyn Platform>> = vec![self.telegram.clone(), self.discord.clone()];
        Scheduler::new(
            self.ctx.posts.clone(),
            self.ctx.log.clone(),
            self.ctx.setup.clone(),
            &adapters,
        )
    }

    /// `/name args` from a manager at `now`: the reply they read.
    async fn cmd(&self, name: &str, args: &str, now: DateTime<Utc>) -> String {
        let who = herald::engagement::Speaker {
            platform: PlatformKind::Telegram,
            chat: "ops".into(),
            member: "m1".into(),
        };
        let call = Call {
            graph: &self.graph,
            author: "m1",
            who: &who,
            now,
            target: None,
        };
        let parsed = ManagerCommand::parse(name, args).expect("a manager command");
        match parsed {
            Ok(cmd) => cmd.apply(&self.ctx, &call).await,
            Err(e) => Err(e),
        }
        .map_or_else(|e| e.reply(), |done| done.text)
    }

    /// An approved post, as `/draft` + `/edit` + `/approve` leave it.
    async fn approved(&self, text: &str, now: DateTime<Utc>) -> String {
        let id = self.ctx.posts.next_id().expect("id");
        let post = Post {
            id: id.clone(),
            brief: "test".into(),
            variants: Vec::new(),
            edit: None,
            approved: None,
            author: "m1".into(),
            created_ms: now.timestamp_millis() as u64,
            schedule: None,
            cancelled: false,
        };
        self.ctx.posts.put(&post).expect("put");
        let r = self.cmd("edit", &format!("{id} {text}"), now).await;
        assert!(r.starts_with(&format!("Edited {id}")), "{r}");
        let r = self.cmd("approve", &id, now).await;
        assert!(r.starts_with(&format!("Approved {id}")), "{r}");
        id
    }

    async fn schedule(&self, args: &str, now: DateTime<Utc>) -> String {
        self.cmd("schedule", args, now).await
    }

    fn news(&self) -> Vec<String> {
        self.telegram.texts("@lantern_news")
    }

    fn chat(&self) -> Vec<String> {
        self.discord.texts("7001")
    }
}

const NOW: &str = "2026-11-28T12:00:00Z"; // Saturday, 13:00 in Berlin

#[tokio::test]
async fn a_one_off_post_goes_out_once_at_its_time_to_every_target() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("The Huila roast is back this week.", now).await;
    let r = w
        .schedule(&format!("{id} 2026-12-01 18:00 news,chat"), now)
        .await;
    assert!(r.contains("Tue 2026-12-01 18:00 CET"), "{r}");
    assert!(r.contains("news, chat"), "{r}");
    let s = w.scheduler();
    let due = utc("2026-12-01T17:00:00Z");
    let report = s.tick(due - Duration::seconds(1)).await.expect("tick");
    assert!(report.published.is_empty());
    assert!(w.news().is_empty() && w.chat().is_empty());
    let report = s.tick(due).await.expect("tick");
    assert_eq!(report.published.len(), 2, "{report:?}");
    for _ in 0..3 {
        s.tick(due + Duration::minutes(5)).await.expect("tick");
    }
    assert_eq!(w.news(), vec!["The Huila roast is back this week."]);
    assert_eq!(w.chat(), vec!["The Huila roast is back this week."]);
    // Sends carry a stable key; the report target got nothing.
    assert!(w.telegram.texts("-100900").is_empty());
    let queue = w.cmd("queue", "", due).await;
    assert_eq!(queue, "Nothing is scheduled.");
}

#[tokio::test]
async fn relative_times_and_default_targets() {
    let w = world("");
    let now = utc(NOW);
    let id = w
        .approved("Cupping on Friday, what shall we taste?", now)
        .await;
    let r = w.schedule(&format!("{id} in 2h"), now).await;
    // No targets named: every target but the report channel.
    assert!(r.contains("to chat, news"), "{r}");
    let queue = w.cmd("queue", "", now).await;
    assert!(
        queue.contains(&format!("{id} — Sat 2026-11-28 15:00 CET → chat, news")),
        "{queue}"
    );
    let s = w.scheduler();
    s.tick(now + Duration::minutes(119)).await.expect("tick");
    assert!(w.news().is_empty());
    s.tick(now + Duration::minutes(120)).await.expect("tick");
    assert_eq!(w.news().len(), 1);
    assert_eq!(w.chat().len(), 1);
}

#[tokio::test]
async fn a_recurring_post_fires_once_per_slot_across_dst() {
    let w = world("");
    let now = utc("2026-03-26T12:00:00Z"); // Thursday before the spring change
    let id = w.approved("Good morning! The stores open at 9.", now).await;
    let r = w.schedule(&format!("{id} every day 9:00 news"), now).await;
    assert!(r.contains("repeat (0 9 * * *"), "{r}");
    let s = w.scheduler();
    // Tick every 10 minutes for four days: Fri, Sat, Sun (DST starts), Mon.
    let mut t = now;
    while t < utc("2026-03-30T12:00:00Z") {
        s.tick(t).await.expect("tick");
        t += Duration::minutes(10);
    }
    assert_eq!(w.news().len(), 4, "{:?}", w.news());
    let slots: Vec<u64> = w
        .ctx
        .posts
        .deliveries(&id)
        .into_iter()
        .map(|(_, slot, _)| slot)
        .collect();
    // 9:00 local each day: 08:00Z in winter, 07:00Z from Sunday.
    let expect: Vec<u64> = [
        "2026-03-27T08:00:00Z",
        "2026-03-28T08:00:00Z",
        "2026-03-29T07:00:00Z",
        "2026-03-30T07:00:00Z",
    ]
    .iter()
    .map(|s| utc(s).timestamp_millis() as u64)
    .collect();
    assert_eq!(slots, expect);
}

#[tokio::test]
async fn missed_slots_after_downtime_are_late_within_the_limit_else_skipped() {
    let w = world("");
    let now = utc("2026-11-30T07:00:00Z"); // Monday 08:00 Berlin
    let id = w
        .approved("Daily special: ask us about the Huila.", now)
        .await;
    w.schedule(&format!("{id} every day 9:00 news"), now).await;
    let s = w.scheduler();
    s.tick(utc("2026-11-30T08:00:00Z")).await.expect("monday"); // on time
    assert_eq!(w.news().len(), 1);
    // Down until Thursday 09:20 local: Tue and Wed are skipped, Thu is 20 min late.
    let report = s.tick(utc("2026-12-03T08:20:00Z")).await.expect("thursday");
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("skipped 2 slot(s)")),
        "{report:?}"
    );
    s.tick(utc("2026-12-03T08:21:00Z")).await.expect("tick");
    assert_eq!(w.news().len(), 2);
    // A one-off missed by three hours is skipped and reported, not sent.
    let id2 = w.approved("Flash sale at noon!", now).await;
    w.schedule(&format!("{id2} 2026-12-04 12:00 chat"), now)
        .await;
    let report = s.tick(utc("2026-12-04T14:00:00Z")).await.expect("tick");
    assert!(w.chat().is_empty());
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains(&id2) && p.contains("skipped")),
        "{report:?}"
    );
    match w.ctx.posts.deliveries(&id2).as_slice() {
        [(_, _, Delivery::Skipped { .. })] => {}
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn failures_are_retried_with_backoff_then_reported() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("New beans on Monday.", now).await;
    w.schedule(&format!("{id} now chat"), now).await;
    w.discord.fail_next(2);
    let s = w.scheduler();
    s.tick(now).await.expect("first try");
    s.tick(now + Duration::seconds(59))
        .await
        .expect("too early");
    assert!(w.chat().is_empty());
    s.tick(now + Duration::seconds(60))
        .await
        .expect("second try, 1 min later");
    assert!(w.chat().is_empty());
    // The pause doubled: the third try waits two more minutes.
    s.tick(now + Duration::seconds(179))
        .await
        .expect("too early");
    assert!(w.chat().is_empty());
    s.tick(now + Duration::seconds(180))
        .await
        .expect("third try");
    assert_eq!(w.chat().len(), 1);
    match w.ctx.posts.deliveries(&id).as_slice() {
        [(_, _, Delivery::Published { attempts: 3, .. })] => {}
        other => panic!("{other:?}"),
    }
    // Out of attempts: reported to the managers, not retried.
    let id2 = w.approved("Another one.", now).await;
    w.schedule(&format!("{id2} now chat"), now).await;
    w.discord.fail_next(3);
    let mut problems = Vec::new();
    for m in [0, 1, 3, 10, 60] {
        problems.extend(
            s.tick(now + Duration::minutes(m))
                .await
                .expect("tick")
                .problems,
        );
    }
    assert_eq!(w.chat().len(), 1);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].contains("after 3 attempt(s)"), "{problems:?}");
}

#[tokio::test]
async fn an_interrupted_send_is_reconciled_not_repeated() {
    let w = world("");
    let now = utc(NOW);
    let id = w.approved("Workshop on Saturday, who is in?", now).await;
    w.schedule(&format!("{id} now news,chat"), now).await;
    let slot = now.timestamp_millis() as u64;
    // Both sends went out, then the process died before recording them.
    let s = w.scheduler();
    s.tick(now).await.expect("tick");
    for target in ["news", "chat"] {
        w.ctx
            .posts
            .set_delivery(
                &id,
                target,
                slot,
                &Delivery::Publishing {
                    attempt: 1,
                    key: herald::posts::scheduler::idempotency_key(&id, target, slot),
                    started_ms: slot,
                },
            )
            .expect("set");
    }
    w.ctx.posts.add_job(slot, &id, slot).expect("job");
    let report = s
        .tick(now + Duration::seconds(5))
        .await
        .expect("restart tick");
    // Discord deduplicates: asked again with the same key, it returns the first message.
    assert_eq!(w.chat().len(), 1);
    // Telegram cannot: not re-sent, reported for a person to check.
    assert_eq!(w.news().len(), 1);
    assert!(
        report
            .problems
            .iter()
            .any(|p| p.contains("please check news")),
        "{report:?}"
    );
    let states: Vec<Delivery> = w
        .ctx
        .posts
        .deliveries(&id)
        .into_iter()
        .map(|(_, _, d)| d)
        .collect();
    assert!(
        matches!(states[0], Delivery::Published { .. }),
        "{states:?}"
    );
    assert!(
        matches!(states[1], Delivery::Uncertain { .. }),
        "{states:?}"
    );
}

mod commands;
