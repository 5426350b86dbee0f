//! Answering a question from retrieved facts: generate, check, generate once more under a
//! stricter instruction, and if the model still strays, answer straight from the facts.

use std::time::Instant;

use serde::Serialize;

use super::guard::{self, GuardInput};
use super::{CitationOut, Prompts};
use crate::knowledge::{Graph, Retrieval};
use crate::llm::{ChatMessage, GenerateRequest, LlmBackend, Role};
use crate::text::has_cjk;

/// How the reply was made, as in `herald ask --json`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Fallback {
    /// The model's reply passed the guard.
    None,
    /// The model's reply failed the guard (or the model failed); composed from the facts.
    Extractive,
    /// Nothing relevant was known.
    Unknown,
}

impl Fallback {
    pub fn as_str(self) -> &'static str {
        match self {
            Fallback::None => "none",
            Fallback::Extractive => "extractive",
            Fallback::Unknown => "unknown",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct AnswerOutcome {
    pub reply: String,
    pub grounded: bool,
    pub fallback: Fallback,
    pub citations: Vec<CitationOut>,
    pub generate_ms: f64,
    /// Generation attempts made (0 when the model was not asked).
    pub attempts: u32,
}

pub struct AnswerInput<'a> {
    pub graph: &'a Graph,
    pub retrieval: &'a Retrieval,
    pub question: &'a str,
    pub history: &'a [super::Turn],
    pub bot_name: &'a str,
    pub max_tokens: u32,
}

/// Answer from `retrieval` with the model, guarded. `retrieval` must have found something.
pub async fn answer(
    llm: &dyn LlmBackend,
    prompts: &Prompts,
    input: AnswerInput<'_>,
) -> AnswerOutcome {
    let started = Instant::now();
    let chinese = has_cjk(input.question);
    let guard_input = GuardInput {
        graph: input.graph,
        retrieval: input.retrieval,
        member_message: input.question,
        secret_sentences: &prompts.secret_sentences,
    };
    let mut attempts = 0;
    for strict in [false, true] {
        let mut messages = vec![ChatMessage::new(
            Role::System,
            prompts.system(input.bot_name, input.retrieval, chinese, strict),
        )];
        for turn in input.history.iter().rev().take(2).rev() {
            messages.push(ChatMessage::new(Role::User, turn.user.clone()));
            messages.push(ChatMessage::new(Role::Assistant, turn.bot.clone()));
        }
        messages.push(ChatMessage::new(Role::User, input.question.to_string()));
        attempts += 1;
        let generation = match llm
            .generate(GenerateRequest {
                messages,
                max_tokens: input.max_tokens,
            })
            .await
        {
            Ok(g) => g,
            Err(e) => {
                tracing::warn!(error = %crate::text::chain(&e), "generation failed; answering from the facts");
                break;
            }
        };
        let text = generation.text.trim();
        if text.is_empty() {
            continue;
        }
        let report = guard::check(text, &guard_input);
        if !guard::states_asked(text, input.retrieval, input.question) {
            tracing::info!(strict, "reply does not state what was asked");
            continue;
        }
        if report.grounded() {
            let (reply, citations) = cite(text, input.retrieval, &report.supporting);
            return AnswerOutcome {
                reply,
                grounded: true,
                fallback: Fallback::None,
                citations,
                generate_ms: started.elapsed().as_secs_f64() * 1000.0,
                attempts,
            };
        }
        tracing::info!(strict, unsupported = ?report.unsupported, "reply failed the grounding guard");
    }
    let (reply, citations) = extractive(input.retrieval);
    AnswerOutcome {
        reply,
        grounded: true,
        fallback: Fallback::Extractive,
        citations,
        generate_ms: started.elapsed().as_secs_f64() * 1000.0,
        attempts,
    }
}

/// Keep the reply's valid `[n]` markers (dropping ones that point nowhere), or cite the
/// facts that supported its claims, or the top fact; return the reply and its citations.
fn cite(text: &str, retrieval: &Retrieval, supporting: &[usize]) -> (String, Vec<CitationOut>) {
    let n = retrieval.facts.len();
    let markers = guard::citation_markers(text);
    let valid: Vec<usize> = markers
        .iter()
        .copied()
        .filter(|&m| (1..=n).contains(&m))
        .collect();
    let mut reply = text.to_string();
    for m in markers.iter().filter(|m| !valid.contains(m)) {
        reply = reply.replace(&format!("[{m}]"), "");
    }
    let mut ids = valid;
    if ids.is_empty() {
        ids = if supporting.is_empty() {
            vec![1]
        } else {
            supporting.to_vec()
        };
        let marks: String = ids.iter().map(|i| format!("[{i}]")).collect();
        reply = format!("{} {marks}", reply.trim_end());
    }
    let citations = ids
        .into_iter()
        .filter_map(|id| {
            retrieval.facts.get(id - 1).map(|f| CitationOut {
                id,
                source: f.source.clone(),
                fact: f.text.clone(),
            })
        })
        .collect();
    (reply.trim().to_string(), citations)
}

/// An answer composed straight from the best facts: the top one and any close behind it.
pub fn extractive(retrieval: &Retrieval) -> (String, Vec<CitationOut>) {
    let Some(top) = retrieval.facts.first() else {
        return (String::new(), Vec::new());
    };
    let mut lines = Vec::new();
    let mut citations = Vec::new();
    for (i, f) in retrieval.facts.iter().enumerate().take(3) {
        if i > 0 && f.score < top.score - 0.3 {
            break;
        }
        let id = i + 1;
        // A passage answers in its body; its heading is the question it answers.
        let text = match f.text.split_once(" — ") {
            Some((_, body)) if f.passage => body,
            _ => f.text.as_str(),
        };
        lines.push(format!("{text} [{id}]"));
        citations.push(CitationOut {
            id,
            source: f.source.clone(),
            fact: f.text.clone(),
        });
    }
    (lines.join("\n"), citations)
}
