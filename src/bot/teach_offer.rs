//! The team's normal answers become knowledge: when a manager replies in a group to a
//! member's question the bot could not answer, the bot offers a "Teach" button under the
//! manager's reply; a manager's press runs `/teach` for that question with the reply's text.

use minijinja::context;

use herald_platform::{Button, ChatRef, Incoming, Outgoing};

use crate::knowledge::Route;

use super::core::Bot;
use super::reply::Reply;
use super::state::MessageKey;
use super::welcome::Followup;

/// Unanswered questions remembered to recognise a manager's reply to one.
const REMEMBERED: usize = 512;
const TEACH_PREFIX: &str = "teach:";

fn key(chat: &ChatRef, message_id: &str) -> MessageKey {
    (
        chat.platform.as_str().to_string(),
        chat.chat.clone(),
        message_id.to_string(),
    )
}

impl Bot {
    /// A question in a group the bot could not answer: a manager's reply to it may teach it.
    pub(super) fn remember_unanswered(&self, msg: &Incoming, question: &str) {
        if self.manage.notify_askers && msg.chat.platform != herald_platform::PlatformKind::Http {
            let who = self.log.speaker(&msg.chat, &msg.user);
            let asker = crate::learning::Asker {
                member: who.member,
                platform: msg.chat.platform.as_str().to_string(),
                chat: msg.chat.chat.clone(),
                private: msg.chat.private,
                user: msg.user.clone(),
                message_id: msg.message_id.clone(),
                question: question.to_string(),
                at_ms: crate::clock::now_ms(),
            };
            if let Err(e) = self
                .manage
                .askers
                .add(&crate::text::normalize(question), &asker)
            {
                tracing::error!(error = %e, "could not keep who asked");
            }
        }
        if msg.chat.private {
            return;
        }
        if let Ok(mut q) = self.offers.unanswered.lock() {
            q.push_back((key(&msg.chat, &msg.message_id), question.to_string()));
            while q.len() > REMEMBERED {
                q.pop_front();
            }
        }
    }

    /// A manager's reply (not a command) to an unanswered question: the offer to teach it.
    pub(super) fn teach_offer(&self, msg: &Incoming, text: &str, zh: bool) -> Option<Reply> {
        if !msg.manager || msg.chat.private || text.starts_with('/') || text.is_empty() {
            return None;
        }
        let replied = msg.reply_to.as_ref()?;
        let question = self
            .offers
            .unanswered
            .lock()
            .ok()?
            .iter()
            .rev()
            .find(|(k, _)| *k == key(&msg.chat, replied))
            .map(|(_, q)| q.clone())?;
        let id = self
            .offers
            .next
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed)
            + 1;
        self.offers
            .offers
            .lock()
            .ok()?
            .insert(id, (question.clone(), text.to_string()));
        let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
        r.route = "manage".into();
        r.reply = self
            .prompts
            .reply("teach_offer", zh, context! { question => question });
        r.buttons = vec![Button {
            label: if zh {
                "📚 存入知识库"
            } else {
                "📚 Teach"
            }
            .into(),
            data: format!("{TEACH_PREFIX}{id}"),
        }];
        Some(r)
    }

    /// A press on a teach offer: a manager's press teaches the answer; anyone else's is
    /// ignored.
    pub(super) async fn teach_pressed(
        &self,
        chat: &ChatRef,
        user: &str,
        data: &str,
        manager: bool,
    ) -> Vec<Followup> {
        let Some(id) = data
            .strip_prefix(TEACH_PREFIX)
            .and_then(|n| n.parse::<u64>().ok())
        else {
            return Vec::new();
        };
        if !manager {
            return Vec::new();
        }
        let Some((question, answer)) = self
            .offers
            .offers
            .lock()
            .ok()
            .and_then(|mut o| o.remove(&id))
        else {
            return Vec::new();
        };
        let who = self.log.speaker(chat, user);
        let graph = self.knowledge.snapshot();
        let call = crate::manage::Call {
            graph: &graph,
            author: &who.member,
            who: &who,
            now: chrono::Utc::now(),
            target: None,
        };
        let text = match crate::manage::teach_question(&self.manage, &call, &question, &answer) {
            Ok(done) => done.text,
            Err(e) => e.reply(),
        };
        vec![Followup::Send(Outgoing::text(chat.clone(), text))]
    }
}
