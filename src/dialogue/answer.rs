//! Answering a question from retrieved facts: plan which facts answer it, let the model
//! word them under a constraint, keep what the guard supports, else word them from the
//! sentence templates.

use std::time::Instant;

use serde::Serialize;

use super::compose::compose;
use super::guard::{self, GuardInput};
use super::{CitationOut, Prompts};
use crate::knowledge::{Graph, Retrieval};
use crate::llm::{ChatMessage, Constraint, GenerateRequest, LlmBackend, Role};
use crate::text::Lang;

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
}

pub struct AnswerInput<'a> {
    pub graph: &'a Graph,
    /// The planned facts (see [`super::plan()`]); not empty.
    pub plan: &'a Retrieval,
    pub question: &'a str,
    pub history: &'a [super::Turn],
    pub bot_name: &'a str,
    pub max_tokens: u32,
    /// The conversation's key, so a model that queues takes conversations in turn.
    pub conversation: &'a str,
}

/// Answer from `retrieval`: plan the facts, let the model word them under the plan's
/// constraint, keep the sentences the guard supports, and when none states the answer in
/// the member's language, word it from the templates. `retrieval` must have found
/// something.
pub async fn answer(
    llm: &dyn LlmBackend,
    prompts: &Prompts,
    input: AnswerInput<'_>,
) -> AnswerOutcome {
    let started = Instant::now();
    let lang = Lang::detect(input.question);
    let plan = input.plan;
    // The plan worded by the templates: what the model is asked to say in its own words,
    // and the reply when its words do not pass.
    let (composed, composed_citations) = compose(input.graph, plan, lang, &prompts.answers);
    let draft = guard::strip_citations(&composed);
    let guard_input = GuardInput {
        graph: input.graph,
        retrieval: plan,
        member_message: input.question,
        secret_sentences: &prompts.secret_sentences,
        words: true,
        draft: &draft,
    };
    let mut messages = vec![ChatMessage::new(
        Role::System,
        prompts.system(input.bot_name, plan, lang.is_zh(), &draft),
    )];
    for turn in input.history.iter().rev().take(2).rev() {
        messages.push(ChatMessage::new(Role::User, turn.user.clone()));
        messages.push(ChatMessage::new(Role::Assistant, turn.bot.clone()));
    }
    messages.push(ChatMessage::new(Role::User, input.question.to_string()));
    let generated = llm
        .generate(GenerateRequest {
            messages,
            max_tokens: input.max_tokens,
            constraint: Some(constraint(plan)),
            cache_prefix: prompts.system_head(input.bot_name, lang.is_zh()),
            conversation: input.conversation.to_string(),
        })
        .await;
    if let Ok(g) = &generated {
        tracing::debug!(
            prompt_tokens = g.prompt_tokens,
            cached_tokens = g.cached_tokens,
            generated_tokens = g.generated_tokens,
            first_token_ms = g.first_token_ms,
            total_ms = g.total_ms,
            "generated"
        );
    }
    match generated {
        Ok(g) => match accept(g.text.trim(), &guard_input, lang) {
            Some((reply, citations)) => {
                return AnswerOutcome {
                    reply,
                    grounded: true,
                    fallback: Fallback::None,
                    citations,
                    generate_ms: started.elapsed().as_secs_f64() * 1000.0,
                };
            }
            None => tracing::info!(
                "the model's reply does not state the answer; wording it from the facts"
            ),
        },
        Err(e) => {
            tracing::warn!(error = %crate::text::chain(&e), "generation failed; answering from the facts");
        }
    }
    AnswerOutcome {
        reply: composed,
        grounded: true,
        fallback: Fallback::Extractive,
        citations: composed_citations,
        generate_ms: started.elapsed().as_secs_f64() * 1000.0,
    }
}

/// The reply a member gets from the model's `text`, or `None` when it must be worded from
/// the plan instead: the sentences the guard supports, if what is left is a sentence in the
/// member's language that states the planned answer without talking about itself. With
/// its citations.
pub fn accept(text: &str, input: &GuardInput, lang: Lang) -> Option<(String, Vec<CitationOut>)> {
    let plan = input.retrieval;
    let (kept, report) = guard::keep_supported(text, input);
    if !report.unsupported.is_empty() {
        tracing::info!(unsupported = ?report.unsupported, "sentences failed the grounding guard");
    }
    let quoted: String = plan
        .facts
        .iter()
        .map(|f| f.text.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let good = reads_as_sentence(&kept)
        && !talks_about_itself(&kept)
        && lang.written_in(&kept, &quoted)
        && guard::states_asked(&kept, plan, input.member_message);
    good.then(|| cite(&kept, plan, &report.supporting))
}

/// A finished sentence, not a bare value ("18.50 USD", "2026-12-12"): at least two words
/// besides the value ("It is 12."), or four Chinese characters, ending with a stop.
fn reads_as_sentence(reply: &str) -> bool {
    let clean = guard::strip_citations(reply);
    let words = clean
        .split_whitespace()
        .filter(|w| w.chars().any(char::is_alphabetic))
        .count();
    let han = clean.chars().filter(|&c| crate::text::is_cjk(c)).count();
    let enough =
        words >= 3 || (words >= 2 && clean.chars().any(|c| c.is_ascii_digit())) || han >= 4;
    // A finished sentence ends with a stop ("… held at the 2026-12-12" was cut short).
    let finished = clean
        .trim_end()
        .trim_end_matches([')', '"', '\'', '”', '’', '）', '」'])
        .ends_with(['.', '!', '。', '！']);
    enough && finished && !has_junk(&clean)
}

/// Three or more stops and dashes in a row ("；；；－；"), an ellipsis aside: what a small
/// model writes when it has lost the thread. Brackets, quotes and slashes do not count.
fn has_junk(text: &str) -> bool {
    let mut run = 0;
    let mut last = ' ';
    for c in text.chars().filter(|c| !c.is_whitespace()) {
        if ",.;:!?-–—，。；：！？、－".contains(c) {
            run = if c == last && c == '.' { run } else { run + 1 };
            if run >= 3 {
                return true;
            }
        } else {
            run = 0;
        }
        last = c;
    }
    false
}

/// A reply that talks about the answer or the facts instead of giving it ("The answer
/// is: 12", "According to fact [1]") is not what a member should read.
fn talks_about_itself(reply: &str) -> bool {
    static META: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(the answer|answer:|in plain words|own friendly words|the facts?\b|fact \[|instructions)|答案是",
        )
        .unwrap()
    });
    META.is_match(reply)
}

/// What a reply may write: the facts' own numbers, dates, e-mails and URLs and nothing
/// else of that shape, citation markers `[n]` for the facts, no hedge, no question, no
/// repeated phrase, one paragraph of at most two sentences.
fn constraint(retrieval: &Retrieval) -> Constraint {
    let values: Vec<String> = retrieval.facts.iter().map(|f| f.text.clone()).collect();
    let quoted: Vec<&str> = retrieval.facts.iter().map(|f| f.text.as_str()).collect();
    Constraint {
        values,
        max_sentences: 2,
        no_repeat_ngram: 6,
        banned_words: super::claims::banned_hedges(&quoted),
        no_questions: true,
        one_paragraph: true,
        citations: retrieval.facts.len(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bare_values_and_talk_about_the_answer_are_not_replies() {
        assert!(!reads_as_sentence("18.50 USD [1]"));
        assert!(!reads_as_sentence("2026-12-12 [1]"));
        assert!(reads_as_sentence("The Huila costs 16.00 USD. [1]"));
        assert!(reads_as_sentence("耶加雪菲的价格是 18.50 USD。"));
        assert!(!reads_as_sentence(
            "它的许可证是什么！[2.0] 羽毛符；；；－；；！"
        ));
        assert!(reads_as_sentence("Wait... it opens at 9:00 (Tue–Sat)."));
        assert!(!reads_as_sentence(
            "The workshop is a 2026-12-12 event held at the 2026-12-12 [1]"
        ));
        assert!(talks_about_itself("The answer is 12. [1]"));
        assert!(talks_about_itself("According to the facts, it is 12."));
        assert!(!talks_about_itself("The workshop has 12 seats."));
    }
}
