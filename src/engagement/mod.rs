//! The engagement log: every message, reply, knowledge gap, flag and piece of feedback,
//! appended to sled with a pseudonymous member id. Later analytics read it; its event type
//! is kept small and stable. Events are stored in chunks ([`chunks`]) and folded into
//! per-channel quarter hours ([`rollup`], kept in sled by [`stored`]) that reports read,
//! and into what members asked ([`asked`]) that `/gaps` and `/recommend` read. Group and
//! channel names are kept beside it ([`names`]) so reports can name channels.

pub mod asked;
mod chunks;
mod error;
mod event;
mod log;
mod names;
pub mod rollup;
mod stored;

pub use error::EngagementError;
pub use event::{post_engagement_of, Event, EventKind, PostEngagement, SentInfo, Speaker};
pub use log::EngagementLog;
pub use rollup::Rollup;
