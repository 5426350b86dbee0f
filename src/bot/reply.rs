//! What the bot answers: the shape of `herald ask --json`.

use serde::Serialize;

use herald_platform::Image;

use crate::dialogue::{CitationOut, Fallback};
use crate::manage::Forward;

/// The route of `/forgetme`'s reply: neither logged nor remembered.
pub const PRIVACY_ROUTE: &str = "privacy";

/// The reply to one message: the shape of `herald ask --json`.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Reply {
    pub intent: Option<String>,
    pub route: String,
    pub confidence: f32,
    pub reply: String,
    pub answered: bool,
    pub grounded: bool,
    pub fallback: Fallback,
    pub citations: Vec<CitationOut>,
    /// Set when the message was flagged for the team (`complaint`, `handoff`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub flagged: Option<String>,
    pub timings_ms: Timings,
    /// Entities the reply was about, for the log (not part of the JSON contract).
    #[serde(skip)]
    pub entities: Vec<String>,
    /// Pictures to send after the text (the report's charts).
    #[serde(skip)]
    pub images: Vec<Image>,
    /// Messages for other chats: a ticket's notice to the team, a manager's answer to a
    /// member.
    #[serde(skip)]
    pub forwards: Vec<Forward>,
    /// Platform actions a manager's command asked for (a mute, a pardon's unban).
    #[serde(skip)]
    pub sanctions: Vec<crate::moderation::Sanction>,
    /// Buttons under the reply (a teach offer).
    #[serde(skip)]
    pub buttons: Vec<herald_platform::Button>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Timings {
    pub route: f64,
    pub retrieve: f64,
    pub generate: f64,
    pub total: f64,
}
