//! Complaints and hand-offs: a ticket for the team, posted to the managers' chat with the
//! member's words, the last turns, the mood and a way to reach them; the member is told
//! what happens next (and no person is promised when no team chat is configured).

use herald_platform::{Incoming, PlatformKind};

use crate::engagement::{EventKind, Speaker};
use crate::knowledge::Route;
use crate::manage::Forward;
use crate::team::{ticket_notice, Exchange, NewTicket};

use super::core::Bot;
use super::reply::Reply;

/// Exchanges of the member's conversation shown with a ticket.
const TURNS_SHOWN: usize = 3;

impl Bot {
    /// Flag the message, open a ticket for the team, and answer with what happens next.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn flag(
        &self,
        who: &Speaker,
        msg: &Incoming,
        route: Route,
        intent: Option<String>,
        confidence: f32,
        text: &str,
        zh: bool,
    ) -> Reply {
        let reason = route.to_string();
        self.record(
            who,
            EventKind::Flag {
                reason: reason.clone(),
                text: text.to_string(),
            },
        );
        tracing::info!(%reason, platform = %who.platform, "message flagged for the team");
        let notice = self.open_ticket(who, msg, &reason, text, zh);
        let key = match (route == Route::Complaint, notice.is_some()) {
            (true, true) => "complaint",
            (true, false) => "complaint_no_team",
            (false, true) => "handoff",
            (false, false) => "handoff_no_team",
        };
        let mut r = self.fixed(intent, route, confidence, key, zh);
        r.flagged = Some(reason);
        r.forwards.extend(notice);
        r
    }

    /// Store a ticket and make its notice for the team's chat; `None` when no team chat is
    /// configured or the ticket could not be stored (then nobody would see it).
    fn open_ticket(
        &self,
        who: &Speaker,
        msg: &Incoming,
        reason: &str,
        text: &str,
        zh: bool,
    ) -> Option<Forward> {
        let team = self.opts.team.clone()?;
        // An API caller gets one response per request: a manager's answer could never
        // reach them, so no ticket promises one.
        if msg.chat.platform == PlatformKind::Http {
            return None;
        }
        let opened = self.manage.tickets.open_ticket(NewTicket {
            reason: reason.to_string(),
            member: who.member.clone(),
            chat: msg.chat.clone(),
            user: msg.user.clone(),
            message_id: msg.message_id.clone(),
            text: crate::text::redact::scrub(text),
            zh,
            at_ms: crate::clock::now_ms(),
        });
        let ticket = match opened {
            Ok(t) => t,
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "could not open a ticket");
                return None;
            }
        };
        self.record(
            who,
            EventKind::Ticket {
                ticket: ticket.id,
                action: "opened".into(),
            },
        );
        let turns = self.memory.turns(&who.conversation());
        let turns: Vec<Exchange> = turns[turns.len().saturating_sub(TURNS_SHOWN)..]
            .iter()
            .map(|t| Exchange {
                member: t.user.clone(),
                bot: t.bot.clone(),
            })
            .collect();
        let mood = self.mood(text);
        Some(Forward {
            out: ticket_notice(team, &ticket, text, &turns, mood),
            on_failure: None,
        })
    }

    /// "<support entity's name> (<e-mail>, <phone>)", from the pack's support entity.
    pub(super) fn support_line(&self) -> String {
        let g = self.knowledge.snapshot();
        let wanted = &self.opts.support_entity;
        let entity = if wanted.is_empty() {
            g.entities().find(|e| e.kind == "support")
        } else {
            g.entity(wanted)
        };
        let Some(e) = entity else {
            return String::new();
        };
        let contacts: Vec<&str> = e
            .attrs
            .iter()
            .filter(|a| matches!(a.key.as_str(), "email" | "phone" | "url" | "website"))
            .map(|a| a.value.as_str())
            .collect();
        if contacts.is_empty() {
            e.name.clone()
        } else {
            format!("{} ({})", e.name, contacts.join(", "))
        }
    }
}
