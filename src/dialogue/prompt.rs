//! Prompt templates (`prompts/`): the system prompt with its numbered facts block, the post
//! prompt, the fixed replies and the answer sentences. Built-in copies are used when the folder lacks a file.

use std::collections::HashMap;
use std::path::Path;

use minijinja::{context, Environment};
use serde::Deserialize;

use super::compose::AnswerTemplates;
pub use super::error::PromptError;
use crate::knowledge::Retrieval;

const DEFAULT_SYSTEM: &str = include_str!("../../prompts/system.j2");
const DEFAULT_REPLIES: &str = include_str!("../../prompts/replies.toml");
const DEFAULT_POST: &str = include_str!("../../prompts/post.j2");

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RepliesFile {
    replies: HashMap<String, String>,
}

pub struct Prompts {
    env: Environment<'static>,
    /// Sentence templates for answers worded from the facts (`answers.toml`).
    pub answers: AnswerTemplates,
    /// Sentences of the system prompt that must never reach a member.
    pub secret_sentences: Vec<String>,
}

impl Prompts {
    /// Load `dir/system.j2` and `dir/replies.toml`, falling back to the built-in ones.
    pub fn load(dir: &Path) -> Result<Prompts, PromptError> {
        let read = |name: &str, default: &str| -> Result<(String, String), PromptError> {
            let path = dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(t) => Ok((path.display().to_string(), t)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                    Ok((format!("(built-in) {name}"), default.to_string()))
                }
                Err(e) => Err(PromptError::Template {
                    path: path.display().to_string(),
                    message: e.to_string(),
                }),
            }
        };
        let (system_path, system) = read("system.j2", DEFAULT_SYSTEM)?;
        let (replies_path, replies) = read("replies.toml", DEFAULT_REPLIES)?;
        let (post_path, post) = read("post.j2", DEFAULT_POST)?;
        let (answers_path, answers) = read("answers.toml", super::compose::DEFAULT_ANSWERS)?;
        let answers = AnswerTemplates::load(&answers_path, &answers)?;
        let defaults: RepliesFile =
            toml::from_str(DEFAULT_REPLIES).map_err(|e| PromptError::Template {
                path: "(built-in) replies.toml".into(),
                message: e.to_string(),
            })?;
        let file: RepliesFile = toml::from_str(&replies).map_err(|e| PromptError::Template {
            path: replies_path.clone(),
            message: e.message().to_string(),
        })?;

        let mut env = Environment::new();
        env.set_keep_trailing_newline(false);
        env.add_template_owned("system", system.clone())
            .map_err(|e| PromptError::Template {
                path: system_path,
                message: e.to_string(),
            })?;
        env.add_template_owned("post", post)
            .map_err(|e| PromptError::Template {
                path: post_path,
                message: e.to_string(),
            })?;
        // Keys missing from the admin's file keep their built-in text.
        let mut all = defaults.replies;
        all.extend(file.replies);
        for (key, text) in all {
            env.add_template_owned(format!("reply:{key}"), text)
                .map_err(|e| PromptError::Template {
                    path: format!("{replies_path} [{key}]"),
                    message: e.to_string(),
                })?;
        }
        let secret_sentences = system
            .split(['.', '\n'])
            .map(str::trim)
            .filter(|s| s.len() >= 24 && !s.contains("{{") && !s.contains("{%"))
            .map(String::from)
            .collect();
        Ok(Prompts {
            env,
            answers,
            secret_sentences,
        })
    }

    /// The system prompt with the planned facts numbered from 1 and the answer they give
    /// in plain words (`draft`, from the sentence templates; empty for none). `strict` is
    /// kept for admins' own templates.
    pub fn system(
        &self,
        bot_name: &str,
        retrieval: &Retrieval,
        chinese: bool,
        draft: &str,
    ) -> String {
        let strict = false;
        let facts: Vec<_> = retrieval
            .facts
            .iter()
            .map(|f| context! { text => f.text.clone(), source => f.source.clone() })
            .collect();
        self.env
            .get_template("system")
            .and_then(|t| t.render(context! { bot_name, facts, chinese, strict, draft }))
            .unwrap_or_else(|e| {
                tracing::error!(error = %crate::text::chain(&e), "system prompt failed to render; using a plain one");
                let mut s =
                    format!("You are {bot_name}. Answer only from these facts, citing [n].\n");
                for (i, f) in retrieval.facts.iter().enumerate() {
                    s.push_str(&format!("[{}] {}\n", i + 1, f.text));
                }
                s
            })
    }

    /// The part of [`Prompts::system`] that is the same for every question (for this bot
    /// name and language): what the template writes before the first fact or draft. The
    /// local model keeps its evaluated state (see `GenerateRequest::cache_prefix`).
    /// Found by rendering the template with two different stand-ins, so an admin's own
    /// template works too.
    pub fn system_head(&self, bot_name: &str, chinese: bool) -> String {
        let render = |mark: &str| {
            let facts = vec![context! { text => mark, source => mark }];
            self.env
                .get_template("system")
                .and_then(|t| {
                    t.render(context! { bot_name, facts, chinese, strict => false, draft => mark })
                })
                .unwrap_or_default()
        };
        let (a, b) = (render("\u{1}"), render("\u{2}"));
        let common = a
            .char_indices()
            .zip(b.chars())
            .find(|((_, x), y)| x != y)
            .map_or(a.len().min(b.len()), |((i, _), _)| i);
        a[..common].to_string()
    }

    /// The prompt that asks the model for one post (`prompts/post.j2`); `facts` are the
    /// facts about the brief's entities as sentences, `chinese` when the brief is Chinese.
    pub fn post(
        &self,
        bot_name: &str,
        brief: &str,
        style: &str,
        facts: &[String],
        chinese: bool,
    ) -> String {
        self.env
            .get_template("post")
            .and_then(|t| t.render(context! { bot_name, brief, style, facts, chinese }))
            .unwrap_or_else(|e| {
                tracing::error!(error = %crate::text::chain(&e), "post prompt failed to render; using a plain one");
                format!(
                    "Write a short post ({style}) for: {brief}\nUse only these facts:\n{}",
                    facts.join("\n")
                )
            })
    }

    /// A fixed reply by key, in Chinese when asked and available.
    pub fn reply(&self, key: &str, chinese: bool, vars: minijinja::Value) -> String {
        let name = if chinese && self.env.get_template(&format!("reply:{key}.zh")).is_ok() {
            format!("reply:{key}.zh")
        } else {
            format!("reply:{key}")
        };
        match self.env.get_template(&name).and_then(|t| t.render(vars)) {
            Ok(text) => text.trim().to_string(),
            Err(e) => {
                tracing::error!(template = %name, error = %crate::text::chain(&e), "reply template failed");
                String::new()
            }
        }
    }

    pub fn has_reply(&self, key: &str) -> bool {
        self.env.get_template(&format!("reply:{key}")).is_ok()
    }
}
