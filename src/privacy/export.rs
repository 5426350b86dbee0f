//! `herald export-user`: everything stored about one member, for a data request.

use serde::Serialize;

use herald_platform::PlatformKind;

use crate::dialogue::Memory;
use crate::engagement::EngagementLog;
use crate::posts::PostStore;

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
}

/// Everything stored about one platform user. Needs only the data folder, not the bot.
pub fn export(
    log: &EngagementLog,
    memory: &Memory,
    posts: &PostStore,
    platform: PlatformKind,
    user: &str,
) -> Export {
    let who = log.member(platform, user);
    let chats = who.private_chats();
    let member = who.member;
    Export {
        platform: platform.as_str().to_string(),
        user: user.to_string(),
        events: log.events_of(&member, &chats),
        conversations: memory.conversations_of(&member, &chats),
        posts_authored: posts.authored_by(&member),
        member,
    }
}
