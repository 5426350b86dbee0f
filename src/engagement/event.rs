//! What the log holds: one [`Event`] per thing that happened, who it was from as a
//! [`Speaker`], what the bot remembers of its own messages ([`SentInfo`]), and engagement
//! per post counted from events ([`post_engagement_of`]).

use serde::{Deserialize, Serialize};

use herald_platform::PlatformKind;

/// One logged event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub platform: String,
    /// The chat or channel; private chats are pseudonymised like members.
    pub chat: String,
    /// Keyed hash of the platform's user id.
    pub member: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Message {
        message_id: String,
        text: String,
        addressed: bool,
    },
    Reply {
        in_reply_to: String,
        intent: Option<String>,
        route: String,
        answered: bool,
        grounded: bool,
        fallback: String,
        latency_ms: f64,
        sources: Vec<String>,
        /// Entities the answer was about (what recommendations learn from).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entities: Vec<String>,
    },
    Gap {
        question: String,
    },
    Flag {
        reason: String,
        text: String,
    },
    Feedback {
        text: String,
    },
    /// A rating button pressed under one of the bot's answers.
    Rating {
        message_id: String,
        positive: bool,
        /// What the rated answer cited, so feedback can be traced to knowledge.
        sources: Vec<String>,
        route: String,
        /// The entities the rated answer was about: a 👍 counts as the member liking them
        /// (what `/recommend` learns from). Empty in logs from before it was kept.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entities: Vec<String>,
    },
    /// A member's reactions on one of the bot's messages, as now set.
    Reaction {
        message_id: String,
        reactions: Vec<String>,
        sources: Vec<String>,
        /// Set when the message was one of the bot's posts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post: Option<String>,
    },
    /// A member replied to one of the bot's posts.
    PostReply {
        post: String,
        message_id: String,
    },
    /// A member followed a link of a post (through `/r/<token>`).
    Click {
        post: String,
        url: String,
    },
    /// A post went out to one target.
    Published {
        post: String,
        target: String,
        message_ids: Vec<String>,
    },
    /// A member joined the group or server.
    Joined,
    /// A ticket for the team changed: `opened` (by the member's hand-off or complaint) or
    /// `answered` (a manager's `/reply`, logged under the manager).
    Ticket {
        ticket: u64,
        action: String,
    },
}

/// What the bot remembers about a message it sent, to link ratings and reactions to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SentInfo {
    pub in_reply_to: Option<String>,
    pub route: String,
    pub sources: Vec<String>,
    /// The entities the answer was about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// The post this message published, if it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
}

/// What members did with one post, counted from the log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PostEngagement {
    pub reactions: u64,
    pub replies: u64,
    pub clicks: u64,
}

impl PostEngagement {
    pub fn total(&self) -> u64 {
        self.reactions + self.replies + self.clicks
    }
}

/// Who a message is from, as stored: the member's pseudonym and the chat as logged
/// (private chats pseudonymised). Worked out once where a message enters
/// ([`super::EngagementLog::speaker`]) and carried as a value, so every record, memory key
/// and erasure of one message agrees on who it was.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Speaker {
    pub platform: PlatformKind,
    pub chat: String,
    pub member: String,
}

impl Speaker {
    /// The key of this member's conversation in this chat (`platform:chat:member`).
    pub fn conversation(&self) -> String {
        format!("{}:{}:{}", self.platform, self.chat, self.member)
    }

    /// The chats, as logged, whose contents belong to this member: their private chat with
    /// the bot (on Telegram its id is the user's) and this chat when it is a private one.
    pub fn private_chats(&self) -> Vec<String> {
        let mut chats = vec![format!("{PRIVATE}{}", self.member)];
        if self.chat.starts_with(PRIVATE) && !chats.contains(&self.chat) {
            chats.push(self.chat.clone());
        }
        chats
    }
}

/// How a private chat's id starts as logged.
pub(crate) const PRIVATE: &str = "private:";

/// Engagement per post id. A member's reactions on a message count as last set (platforms
/// report the whole set on each change), replies and clicks each count once.
/// Takes owned or borrowed events, so analyses over a slice copy nothing.
pub fn post_engagement_of<E: std::borrow::Borrow<Event>>(
    events: impl Iterator<Item = E>,
) -> std::collections::HashMap<String, PostEngagement> {
    let mut out: std::collections::HashMap<String, PostEngagement> = Default::default();
    let mut reactions: std::collections::HashMap<(String, String, String), (String, u64)> =
        Default::default();
    for e in events {
        let e = e.borrow();
        match &e.kind {
            EventKind::Reaction {
                post: Some(post),
                message_id,
                reactions: set,
                ..
            } => {
                reactions.insert(
                    (e.chat.clone(), message_id.clone(), e.member.clone()),
                    (post.clone(), set.len() as u64),
                );
            }
            EventKind::PostReply { post, .. } => out.entry(post.clone()).or_default().replies += 1,
            EventKind::Click { post, .. } => out.entry(post.clone()).or_default().clicks += 1,
            _ => {}
        }
    }
    for (_, (post, n)) in reactions {
        out.entry(post).or_default().reactions += n;
    }
    out
}

/// Member texts as stored: e-mail addresses and phone numbers scrubbed.
pub(crate) fn scrubbed(kind: EventKind) -> EventKind {
    use crate::text::scrub;
    match kind {
        EventKind::Message {
            message_id,
            text,
            addressed,
        } => EventKind::Message {
            message_id,
            text: scrub(&text),
            addressed,
        },
        EventKind::Gap { question } => EventKind::Gap {
            question: scrub(&question),
        },
        EventKind::Flag { reason, text } => EventKind::Flag {
            reason,
            text: scrub(&text),
        },
        EventKind::Feedback { text } => EventKind::Feedback { text: scrub(&text) },
        other => other,
    }
}
