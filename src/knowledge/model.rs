//! The knowledge pack's data: entities, relations, passages and intents, each with its source.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where a piece of knowledge was written: `file:line`, cited in answers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Source {
    pub file: String,
    pub line: usize,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file, self.line)
    }
}

/// One scalar attribute of an entity or relation, rendered as text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attr {
    pub key: String,
    pub value: String,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Entity {
    pub id: String,
    pub kind: String,
    pub name: String,
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub attrs: Vec<Attr>,
    pub source: Source,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Relation {
    pub from: String,
    pub rel: String,
    pub to: String,
    pub attrs: Vec<Attr>,
    pub source: Source,
}

/// A `## ` section of a markdown file: a question or title and its answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Passage {
    pub title: String,
    pub body: String,
    pub about: Vec<String>,
    pub source: Source,
}

/// What the router does with a message of an intent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Route {
    Answer,
    Smalltalk,
    Complaint,
    Handoff,
    Recommend,
    Feedback,
}

impl Route {
    pub const ALL: [Route; 6] = [
        Route::Answer,
        Route::Smalltalk,
        Route::Complaint,
        Route::Handoff,
        Route::Recommend,
        Route::Feedback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Answer => "answer",
            Route::Smalltalk => "smalltalk",
            Route::Complaint => "complaint",
            Route::Handoff => "handoff",
            Route::Recommend => "recommend",
            Route::Feedback => "feedback",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl fmt::Display for Route {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Intent {
    pub name: String,
    pub route: Route,
    pub examples: Vec<String>,
    pub source: Source,
}

/// Words members use when they ask for an attribute or relation (`[[attribute]]`): how a
/// pack teaches the bot its own keys ("capacity" ← "how much water", "容量").
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AttributeWords {
    /// The attribute key or relation name the words point at.
    pub key: String,
    pub words: Vec<String>,
    /// How an answer states it, a minijinja template over `subject` and `value` (for a
    /// relation, `object`); the built-in sentences of `prompts/answers.toml` otherwise.
    #[serde(default)]
    pub sentence: Option<String>,
    #[serde(default)]
    pub sentence_zh: Option<String>,
    pub source: Source,
}

/// Everything parsed out of one knowledge file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct FileKnowledge {
    pub entities: Vec<Entity>,
    pub relations: Vec<Relation>,
    pub passages: Vec<Passage>,
    pub intents: Vec<Intent>,
    /// Stored packs from before this element read as having none.
    #[serde(default)]
    pub attributes: Vec<AttributeWords>,
}

/// A problem in a knowledge file, reported as `path:line: message`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub line: usize,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}
