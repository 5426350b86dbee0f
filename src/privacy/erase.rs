//! `/forgetme`: a member erased from every store.

use serde::Serialize;

use crate::engagement::Speaker;

use super::MemberStores;

/// What `/forgetme` erased.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Erased {
    pub events: usize,
    pub conversations: usize,
    pub sent: usize,
    pub posts: usize,
    pub tickets: usize,
    /// Moderation audit entries.
    pub moderation: usize,
    /// Questions waiting for the team's answer.
    pub waiting: usize,
}

/// Erase `who`'s events, the events and the bot's messages in their private chats, their
/// conversation memory, their authorship of posts and their tickets. A store that fails is
/// logged and the others are still erased; the data folder is flushed before this returns.
pub fn erase(stores: MemberStores<'_>, who: &Speaker) -> Erased {
    let MemberStores {
        log,
        memory,
        posts,
        tickets,
        audit,
        askers,
    } = stores;
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
    match tickets.forget_member(&who.member) {
        Ok(n) => erased.tickets = n,
        Err(e) => {
            tracing::error!(error = %crate::text::chain(&e), "could not erase a member's tickets")
        }
    }
    match audit.forget_member(&who.member) {
        Ok(n) => erased.moderation = n,
        Err(e) => {
            tracing::error!(error = %crate::text::chain(&e), "could not erase a member's moderation record")
        }
    }
    match askers.forget_member(&who.member) {
        Ok(n) => erased.waiting = n,
        Err(e) => {
            tracing::error!(error = %crate::text::chain(&e), "could not erase a member's waiting questions")
        }
    }
    if let Err(e) = log.flush() {
        tracing::error!(error = %crate::text::chain(&e), "could not flush the data folder");
    }
    tracing::info!(?erased, "a member asked to be forgotten");
    erased
}
