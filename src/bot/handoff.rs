//! Complaints and hand-offs: a reply with the support contact, and a flag for the team.

use crate::engagement::{EventKind, Speaker};
use crate::knowledge::Route;

use super::core::Bot;
use super::reply::Reply;

impl Bot {
    /// Flag the message for the team and answer with the support contact.
    pub(super) fn flag(
        &self,
        who: &Speaker,
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
        let key = if route == Route::Complaint {
            "complaint"
        } else {
            "handoff"
        };
        let mut r = self.fixed(intent, route, confidence, key, zh);
        r.flagged = Some(reason);
        r
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
