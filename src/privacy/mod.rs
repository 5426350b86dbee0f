//! Members' data rights across every store: `/forgetme` erases a member from the log, the
//! conversation memory, the posts and the tickets ([`erase`]); `herald export-user` gathers what is
//! stored about one ([`export`]). Scrubbing contact details is `crate::text::redact`;
//! retention is the log's own (`crate::jobs::upkeep`). Long docs: `src/docs/privacy.md`.

mod erase;
mod export;

pub use erase::{erase, Erased};
pub use export::{export, Export};

use crate::dialogue::Memory;
use crate::engagement::EngagementLog;
use crate::posts::PostStore;
use crate::team::TicketStore;

/// Every store that holds something about a member.
#[derive(Clone, Copy)]
pub struct MemberStores<'a> {
    pub log: &'a EngagementLog,
    pub memory: &'a Memory,
    pub posts: &'a PostStore,
    pub tickets: &'a TicketStore,
    /// The moderation audit, strikes and join times.
    pub audit: &'a crate::moderation::AuditLog,
    /// Members waiting for the team's answer to their question.
    pub askers: &'a crate::learning::Askers,
}
