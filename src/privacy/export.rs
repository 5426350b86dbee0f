//! `herald export-user`: everything stored about one member, for a data request.

use serde::Serialize;

use herald_platform::PlatformKind;

use super::MemberStores;

/// Everything stored about one member, for a data request.
#[derive(Clone, Debug, Serialize)]
pub struct Export {
    pub platform: String,
    pub user: String,
    /// The pseudonym the member is stored under.
    pub member: String,
    pub events: Vec<crate::engagement::Event>,
    pub conversations: Vec<(String, Vec<crate::dialogue::Turn>)>,
    /// Posts this member (a manager) drafted.
    pub posts_authored: Vec<String>,
    /// Tickets this member opened (hand-offs and complaints).
    pub tickets: Vec<crate::team::Ticket>,
    /// What moderation did about this member.
    pub moderation: Vec<crate::moderation::AuditEntry>,
    /// Questions waiting for the team's answer.
    pub waiting: Vec<crate::learning::Asker>,
}

/// Everything stored about one platform user. Needs only the data folder, not the bot.
pub fn export(stores: MemberStores<'_>, platform: PlatformKind, user: &str) -> Export {
    let MemberStores {
        log,
        memory,
        posts,
        tickets,
        audit,
        askers,
    } = stores;
    let who = log.member(platform, user);
    let chats = who.private_chats();
    let member = who.member;
    Export {
        platform: platform.as_str().to_string(),
        user: user.to_string(),
        events: log.events_of(&member, &chats),
        conversations: memory.conversations_of(&member, &chats),
        posts_authored: posts.authored_by(&member),
        tickets: tickets.of_member(&member),
        moderation: audit.of_member(&member),
        waiting: askers.of_member(&member),
        member,
    }
}
