//! Moderation as the bot applies it: a message screened by the rules (with the domains the
//! knowledge files mention allowed), a verdict turned into a case with the member's
//! explanation, and joins remembered. The engine carries out what comes back.

use std::sync::Arc;

use herald_platform::{ChatRef, Incoming, Outgoing};

use crate::knowledge::Graph;
use crate::moderation::{link_hosts, notice, Sanction, Verdict};
use crate::text::Lang;

use super::core::Bot;

/// What the engine does about a message moderation acted on.
#[derive(Clone, Debug, PartialEq)]
pub struct Moderated {
    /// The audit entry (its failures are noted there).
    pub entry: u64,
    pub sanctions: Vec<Sanction>,
    /// The member's explanation, for the chat it happened in.
    pub notice: Option<Outgoing>,
}

impl Bot {
    /// Moderation's verdict on `msg`, when a rule applies to it. Nothing is done yet: the
    /// engine first asks the platform whether the author administers the chat.
    pub fn screen(&self, msg: &Incoming) -> Option<Verdict> {
        let m = self.manage.moderator.as_ref()?;
        // The moderator checks coverage and exemptions first; this only saves the keyed
        // hash and the hosts for messages it will not judge.
        if msg.chat.private {
            return None;
        }
        let who = self.log.speaker(&msg.chat, &msg.user);
        let hosts = self.pack_hosts();
        m.screen(msg, &who.member, crate::clock::now_ms(), &hosts)
    }

    /// The model classifier's verdict on a message the rules let through, when it is on
    /// and the message is worth asking about. A failing model removes nothing.
    pub async fn classify(&self, msg: &Incoming) -> Option<Verdict> {
        let m = self.manage.moderator.as_ref()?;
        if !m.worth_asking(msg) {
            return None;
        }
        match crate::moderation::classify(self.llm.as_ref(), &msg.text).await {
            Ok(reason) => reason.map(|reason| Verdict {
                rule: crate::moderation::Rule::Classifier,
                reason,
                at_least: None,
            }),
            Err(e) => {
                tracing::warn!(error = %crate::text::chain(&e), "moderation: the classifier failed; message kept");
                None
            }
        }
    }

    /// Act on a verdict: the strike counted, the audit written, the explanation made.
    /// `None` in observe mode (logged, nothing to do: the message is handled as usual).
    pub fn sanction(&self, msg: &Incoming, verdict: &Verdict) -> Option<Moderated> {
        let m = self.manage.moderator.as_ref()?;
        let who = self.log.speaker(&msg.chat, &msg.user);
        let case = match m.sanction(msg, &who.member, verdict, crate::clock::now_ms()) {
            Ok(c) => c,
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "moderation: could not write the audit; nothing done");
                return None;
            }
        };
        tracing::info!(entry = case.entry.id, rule = %case.entry.rule, action = %case.entry.action, observed = case.entry.observed, "moderation");
        self.metrics
            .moderated(&case.entry.rule, case.entry.observed);
        if case.sanctions.is_empty() {
            return None;
        }
        let zh = Lang::detect(&msg.text).is_zh()
            || msg
                .signals
                .language
                .as_deref()
                .is_some_and(|l| l.starts_with("zh"));
        let notice = notice(&self.prompts, &case, m.options().new_member_hours, zh);
        Some(Moderated {
            entry: case.entry.id,
            sanctions: case.sanctions,
            notice,
        })
    }

    /// The platform refused part of a case: noted on its audit entry.
    pub fn sanction_failed(&self, entry: u64, reason: &str) {
        if let Some(m) = &self.manage.moderator {
            m.failed(entry, reason);
        }
    }

    /// A member joined `chat`: moderation holds their links for a while.
    pub fn remember_join(&self, chat: &ChatRef, user: &str) {
        if let Some(m) = &self.manage.moderator {
            let who = self.log.speaker(chat, user);
            m.joined(chat, &who.member, crate::clock::now_ms());
        }
    }

    /// The domains the knowledge files mention (the community's own sites), worked out
    /// once per graph.
    fn pack_hosts(&self) -> Arc<Vec<String>> {
        let graph = self.knowledge.snapshot();
        if let Ok(cached) = self.pack_hosts.read() {
            if let Some((g, hosts)) = cached.as_ref() {
                if Arc::ptr_eq(g, &graph) {
                    return hosts.clone();
                }
            }
        }
        let hosts = Arc::new(hosts_of(&graph));
        if let Ok(mut cached) = self.pack_hosts.write() {
            *cached = Some((graph, hosts.clone()));
        }
        hosts
    }
}

fn hosts_of(graph: &Graph) -> Vec<String> {
    let mut text = String::new();
    for e in graph.entities() {
        for a in &e.attrs {
            text.push_str(&a.value);
            text.push('\n');
        }
    }
    for p in graph.passages() {
        text.push_str(&p.body);
        text.push('\n');
    }
    link_hosts(&text, &[])
}
