//! The engine with many conversations at once: every message answered exactly once, each
//! conversation in order. The platform here is a scripted source that records what is sent
//! (the real adapters come with their own fake servers). Also: ratings and reactions on the
//! bot's answers are traced back to the knowledge those answers cited.

use crate::support;

use std::sync::{Arc, Mutex};

use herald::engagement::EventKind;
use herald::engine::{self, EngineOptions};
use herald_platform::{
    Capabilities, ChatRef, Inbound, Incoming, Outgoing, Platform, PlatformError, PlatformKind, Sent,
};
use tokio::sync::{mpsc, watch, Notify};

/// Builds the signals to play from the replies sent so far.
type SignalsFrom = fn(&[Outgoing]) -> Vec<Inbound>;

/// A platform that plays `messages`, then — once `wait_for_sent` replies are out — the
/// `signals` built from what was sent.
struct Scripted {
    messages: Vec<Incoming>,
    sent: Mutex<Vec<Outgoing>>,
    typing: Mutex<Vec<String>>,
    /// "typing c1" and "sent c1", in the order they happened.
    order: Mutex<Vec<String>>,
    after: Option<(usize, SignalsFrom)>,
    progress: Notify,
}

impl Scripted {
    fn new(messages: Vec<Incoming>) -> Scripted {
        Scripted {
            messages,
            sent: Mutex::new(Vec::new()),
            typing: Mutex::new(Vec::new()),
            order: Mutex::new(Vec::new()),
            after: None,
            progress: Notify::new(),
        }
    }
}

#[async_trait::async_trait]
impl Platform for Scripted {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Console
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_message_len: 4096,
            markup: false,
            reactions: false,
            buttons: false,
            idempotent_sends: false,
        }
    }

    async fn listen(
        &self,
        tx: mpsc::Sender<Inbound>,
        _stop: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        for m in &self.messages {
            tx.send(Inbound::Message(m.clone()))
                .await
                .map_err(|_| PlatformError::EngineGone)?;
        }
        if let Some((n, signals)) = self.after {
            let notified = self.progress.notified();
            tokio::pin!(notified);
            loop {
                notified.as_mut().enable();
                if self.sent.lock().unwrap().len() >= n {
                    break;
                }
                notified.as_mut().await;
                notified.set(self.progress.notified());
            }
            let signals = signals(&self.sent.lock().unwrap());
            for s in signals {
                tx.send(s).await.map_err(|_| PlatformError::EngineGone)?;
            }
        }
        Ok(())
    }

    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError> {
        self.order
            .lock()
            .unwrap()
            .push(format!("sent {}", out.chat.chat));
        let mut sent = self.sent.lock().unwrap();
        sent.push(out);
        self.progress.notify_waiters();
        Ok(Sent {
            message_ids: vec![format!("bot-{}", sent.len())],
        })
    }

    async fn typing(&self, chat: &ChatRef) -> Result<(), PlatformError> {
        self.typing.lock().unwrap().push(chat.chat.clone());
        self.order
            .lock()
            .unwrap()
            .push(format!("typing {}", chat.chat));
        Ok(())
    }
}

/// Run the engine on `platform` until its script ends and every reply is out.
async fn play(app: &herald::App, platform: &Arc<Scripted>, opts: EngineOptions) {
    let (_stop_tx, stop) = watch::channel(false);
    let opts = EngineOptions {
        stop_when_sources_end: true,
        ..opts
    };
    engine::run(
        app.bot.clone(),
        app.log.clone(),
        vec![platform.clone() as Arc<dyn Platform>],
        opts,
        stop,
    )
    .await
    .expect("engine");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_conversations_are_each_answered_once_and_in_order() {
    let t = support::bot();
    let mut messages = Vec::new();
    for step in 0..3 {
        for chat in 0..30 {
            // A slow model answer first in some conversations: if order were not kept,
            // the quick replies behind it would overtake it.
            let text = match step {
                0 if chat % 10 == 0 => "how much is the huila?",
                0 => "thanks",
                1 => "hello",
                _ => "/help",
            };
            let mut m = support::msg(&format!("c{chat}"), text);
            m.message_id = format!("{chat}-{step}");
            messages.push(m);
        }
    }
    let platform = Arc::new(Scripted::new(messages));
    play(&t.app, &platform, EngineOptions::default()).await;

    let sent = platform.sent.lock().unwrap();
    assert_eq!(sent.len(), 90, "every message answered exactly once");
    for chat in 0..30 {
        let replies: Vec<&Outgoing> = sent
            .iter()
            .filter(|o| o.chat.chat == format!("c{chat}"))
            .collect();
        let ids: Vec<&str> = replies
            .iter()
            .map(|o| o.reply_to.as_deref().unwrap())
            .collect();
        assert_eq!(
            ids,
            [
                format!("{chat}-0"),
                format!("{chat}-1"),
                format!("{chat}-2")
            ],
            "conversation c{chat} out of order"
        );
        if chat % 10 == 0 {
            assert!(replies[0].text.contains("16.00"), "{}", replies[0].text);
            assert!(!replies[0].citations.is_empty());
        } else {
            assert!(
                replies[0].text.starts_with("You're welcome"),
                "{}",
                replies[0].text
            );
        }
        assert!(replies[1].text.starts_with("Hi!"));
        assert!(replies[2].text.contains("/help"));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_whose_question_waits_its_turn_sees_typing_while_waiting() {
    let t = support::bot();
    let messages: Vec<Incoming> = (0..4)
        .map(|chat| support::msg(&format!("c{chat}"), "how much is the huila?"))
        .collect();
    let platform = Arc::new(Scripted::new(messages));
    // One message at a time: the last one waits behind three answers from the model.
    let opts = EngineOptions {
        concurrency: 1,
        typing_after: std::time::Duration::from_millis(20),
        ..EngineOptions::default()
    };
    play(&t.app, &platform, opts).await;
    let order = platform.order.lock().unwrap().clone();
    let position = |event: &str| order.iter().position(|e| e == event);
    for chat in 0..4 {
        let sent = position(&format!("sent c{chat}")).expect("every question answered");
        let typing = position(&format!("typing c{chat}")).expect("typing shown");
        assert!(typing < sent, "{order:?}");
    }
    // The waiting member saw the bot at work before the first answer went out.
    assert!(
        position("typing c3") < position("sent c0"),
        "typing only after the wait: {order:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ratings_and_reactions_are_linked_to_the_cited_knowledge() {
    let t = support::bot();
    let mut question = support::msg("c1", "how much is the huila?");
    question.message_id = "q1".into();
    let mut hello = support::msg("c2", "/help");
    hello.message_id = "q2".into();
    let mut platform = Scripted::new(vec![question, hello]);
    platform.after = Some((2, |sent| {
        let answer = sent.iter().position(|o| o.chat.chat == "c1").unwrap();
        let chat = sent[answer].chat.clone();
        let id = format!("bot-{}", answer + 1);
        vec![
            Inbound::Rating {
                chat: chat.clone(),
                user: "user-c1".into(),
                message_id: id.clone(),
                positive: false,
            },
            Inbound::Reaction {
                chat: chat.clone(),
                user: "user-c1".into(),
                message_id: id,
                reactions: vec!["🔥".into()],
            },
            // Reactions on members' own messages are not the bot's business.
            Inbound::Reaction {
                chat: chat.clone(),
                user: "user-c1".into(),
                message_id: "q1".into(),
                reactions: vec!["👍".into()],
            },
            Inbound::MemberJoined {
                chat,
                user: "newcomer".into(),
                language: None,
            },
        ]
    }));
    let platform = Arc::new(platform);
    let opts = EngineOptions {
        typing_after: std::time::Duration::ZERO,
        ..EngineOptions::default()
    };
    play(&t.app, &platform, opts).await;

    let sent = platform.sent.lock().unwrap();
    let answer = sent.iter().find(|o| o.chat.chat == "c1").unwrap();
    assert!(answer.rateable, "answers carry rating buttons");
    assert!(
        !sent.iter().find(|o| o.chat.chat == "c2").unwrap().rateable,
        "/help is not an answer to rate"
    );
    let cited: Vec<String> = answer.citations.iter().map(|c| c.source.clone()).collect();
    assert!(!cited.is_empty());
    assert!(
        platform.typing.lock().unwrap().contains(&"c1".to_string()),
        "typing shown while the model answered"
    );

    let events: Vec<_> = t.app.log.events().collect();
    let ratings: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Rating {
                positive, sources, ..
            } => Some((*positive, sources.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(ratings, vec![(false, cited.clone())]);
    // The rating also carries what the answer was about (a 👍 on it feeds /recommend).
    let answered: Vec<&Vec<String>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Reply {
                in_reply_to,
                entities,
                ..
            } if in_reply_to == "q1" => Some(entities),
            _ => None,
        })
        .collect();
    let rated: Vec<&Vec<String>> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Rating { entities, .. } => Some(entities),
            _ => None,
        })
        .collect();
    assert!(!answered[0].is_empty(), "the answer is about the Huila");
    assert_eq!(rated, answered);
    let reactions: Vec<_> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Reaction {
                reactions, sources, ..
            } => Some((reactions.clone(), sources.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(reactions, vec![(vec!["🔥".to_string()], cited)]);
    assert_eq!(
        events
            .iter()
            .filter(|e| matches!(e.kind, EventKind::Joined))
            .count(),
        1
    );
}
