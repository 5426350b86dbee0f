//! Members' data rights across every store: `/forgetme` erases a member from the log, the
//! conversation memory and the posts ([`erase`]); `herald export-user` gathers what is
//! stored about one ([`export`]). Scrubbing contact details is `crate::text::redact`;
//! retention is the log's own (`crate::jobs::upkeep`). Long docs: `src/docs/privacy.md`.

mod erase;
mod export;

pub use erase::{erase, Erased};
pub use export::{export, Export};
