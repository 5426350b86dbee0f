//! What manager commands work with: the components they are given ([`Context`]), what one
//! call brings ([`Call`]) and what a command answers ([`Done`]).

use std::sync::Arc;

use chrono::{DateTime, Utc};

use herald_platform::Image;

use crate::dialogue::Prompts;
use crate::engagement::EngagementLog;
use crate::knowledge::Graph;
use crate::llm::LlmBackend;
use crate::posts::{PostStore, PostsSetup};

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
}

/// One command's call: the graph being served, who asked and when.
#[derive(Clone, Copy)]
pub struct Call<'a> {
    pub graph: &'a Graph,
    /// The manager's pseudonym (kept as a draft's author).
    pub author: &'a str,
    pub now: DateTime<Utc>,
}

/// What a command answers: text, and pictures to send after it (the report's charts).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Done {
    pub text: String,
    pub images: Vec<Image>,
}

impl From<String> for Done {
    fn from(text: String) -> Done {
        Done {
            text,
            images: Vec::new(),
        }
    }
}
