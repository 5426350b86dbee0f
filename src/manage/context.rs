//! What manager commands work with: the components they are given ([`Context`]), what one
//! call brings ([`Call`]) and what a command answers ([`Done`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use herald_platform::{Image, Outgoing};

use crate::dialogue::Prompts;
use crate::engagement::{EngagementLog, Speaker};
use crate::knowledge::Graph;
use crate::llm::LlmBackend;
use crate::moderation::{AuditLog, Moderator, Sanction, Target};
use crate::posts::{PostStore, PostsSetup};
use crate::team::TicketStore;

/// The components manager commands read and change, passed in when the bot is built.
#[derive(Clone)]
pub struct Context {
    pub posts: PostStore,
    /// The checked `[posts]` section: timezone, targets, quiet hours, variants.
    pub setup: PostsSetup,
    pub log: EngagementLog,
    pub llm: Arc<dyn LlmBackend>,
    pub prompts: Arc<Prompts>,
    pub bot_name: String,
    /// Hand-offs and complaints waiting for a manager's `/reply`.
    pub tickets: TicketStore,
    /// Moderation, when enabled (`/modlog`, `/pardon`, `/warn`, `/mute`, `/ban`).
    pub moderator: Option<Moderator>,
    /// The moderation audit (always open, so erasure reaches it when moderation is off).
    pub audit: AuditLog,
    /// Stable ids of unanswered-question groups, and which were taught.
    pub gap_ids: crate::learning::GapIds,
    /// The knowledge being served, reloaded after `/teach` (`None`: nothing to teach to).
    pub knowledge: Option<Arc<dyn crate::knowledge::KnowledgeStore>>,
    /// The knowledge folder, and the folder inside it `/teach` writes to.
    pub knowledge_dir: std::path::PathBuf,
    pub learning_folder: String,
    /// Members waiting for an answer to a gap (`[learning] notify_askers`).
    pub askers: crate::learning::Askers,
    pub notify_askers: bool,
}

/// One command's call: the graph being served, who asked and when.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub graph: &'a Graph,
    /// The manager's pseudonym (kept as a draft's author).
    pub author: &'a str,
    /// The manager as logged (what they did goes to the log under them).
    pub who: &'a Speaker,
    pub now: DateTime<Utc>,
    /// The member whose message the command replies to (`/mute` as a reply).
    pub target: Option<&'a Target>,
}

/// What a command answers: text, pictures to send after it (the report's charts), and
/// messages for other chats (`/reply`'s answer to a member).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Done {
    pub text: String,
    pub images: Vec<Image>,
    pub forwards: Vec<Forward>,
    /// Platform actions for the engine (a mute, a pardon's unban).
    pub sanctions: Vec<Sanction>,
}

/// A message for another chat than the one the command came from.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub out: Outgoing,
    /// Told to the chat the command came from when the message cannot be delivered (`None`:
    /// a failure is only logged).
    pub on_failure: Option<String>,
}

impl From<String> for Done {
    fn from(text: String) -> Done {
        Done {
            text,
            images: Vec::new(),
            forwards: Vec::new(),
            sanctions: Vec::new(),
        }
    }
}
