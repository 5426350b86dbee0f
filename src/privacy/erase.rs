//! `/forgetme`: a member erased from every store.

use serde::Serialize;

use crate::dialogue::Memory;
use crate::engagement::{EngagementLog, Speaker};
use crate::posts::PostStore;

/// What `/forgetme` erased.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Erased {
    pub events: usize,
    pub conversations: usize,
    pub sent: usize,
    pub posts: usize,
}

/// Erase `who`'s events, the events and the bot's messages in their private chats, their
/// conversation memory, and their authorship of posts. A store that fails is logged and the
/// others are still erased; the data folder is flushed before this returns.
pub fn erase(log: &EngagementLog, memory: &Memory, posts: &PostStore, who: &Speaker) -> Erased {
    let chats = who.private_chats();
    let mut erased = Erased::default();
    match log.erase_member(&who.member, &chats) {
        Ok((events, sent)) => {
            erased.events = events;
            erased.sent = sent;
        }
        Err(e) => {
            tracing::error!(error = %crate::text::chain(&e), "could not erase a member's events")
        }
    }
    match memory.forget_member(&who.member, &chats) {
        Ok(n) => erased.conversations = n,
        Err(e) => {
            tracing::error!(error = %crate::text::chain(&e), "could not erase a member's memory")
        }
    }
    match posts.forget_author(&who.member) {
        Ok(n) => erased.posts = n,
        Err(e) => tracing::error!(error = %crate::text::chain(&e), "could not erase a post author"),
    }
    if let Err(e) = log.flush() {
        tracing::error!(error = %crate::text::chain(&e), "could not flush the data folder");
    }
    tracing::info!(?erased, "a member asked to be forgotten");
    erased
}
