//! The engine with many conversations at once: every message answered exactly once, each
//! conversation in order. The platform here is a scripted source that records what is sent
//! (the real adapters come with their own fake servers).

mod support;

use std::sync::{Arc, Mutex};

use herald::engine::{self, EngineOptions};
use herald_platform::{Capabilities, Incoming, Outgoing, Platform, PlatformError, PlatformKind};
use tokio::sync::{mpsc, watch};

struct Scripted {
    messages: Vec<Incoming>,
    sent: Mutex<Vec<Outgoing>>,
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
        }
    }

    async fn listen(
        &self,
        tx: mpsc::Sender<Incoming>,
        _stop: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        for m in &self.messages {
            tx.send(m.clone())
                .await
                .map_err(|_| PlatformError::EngineGone)?;
        }
        Ok(())
    }

    async fn send(&self, out: Outgoing) -> Result<(), PlatformError> {
        self.sent.lock().unwrap().push(out);
        Ok(())
    }
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
    let platform = Arc::new(Scripted {
        messages,
        sent: Mutex::new(Vec::new()),
    });
    let (_stop_tx, stop) = watch::channel(false);
    let opts = EngineOptions {
        concurrency: 4,
        stop_when_sources_end: true,
        ..EngineOptions::default()
    };
    engine::run(
        t.bot.clone(),
        vec![platform.clone() as Arc<dyn Platform>],
        opts,
        stop,
    )
    .await;

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
