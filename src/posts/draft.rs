//! Drafting: the generator half. The model writes candidates from `prompts/post.j2` and
//! the facts about the entities the brief names; the grounding guard checks each; the judge
//! scores them. A plain extractive candidate is added when no generated one is grounded, so
//! a manager always has something true to approve.

use crate::dialogue::guard::{self, GuardInput};
use crate::dialogue::Prompts;
use crate::knowledge::{Graph, LinkedEntity, Retrieval, ScoredFact};
use crate::llm::{ChatMessage, Constraint, GenerateRequest, LlmBackend, Role};
use crate::text::normalize;

use super::judge::{reasons, Features, Judge};
use super::store::Variant;

/// Styles the variants cycle through, so they differ in what the judge looks at.
const STYLES: &[&str] = &[
    "friendly, ending with a question to the readers",
    "short and direct, one or two sentences",
    "warm and lively, with one emoji",
    "informative, naming the key facts",
];

/// Facts about the entities the text names: what a post may claim.
pub fn facts_for(graph: &Graph, text: &str) -> Retrieval {
    let mut linked: Vec<LinkedEntity> = Vec::new();
    for l in graph.link(&normalize(text)) {
        if linked.iter().any(|x| x.id == l.id) {
            continue;
        }
        if let Some(e) = graph.entity(&l.id) {
            linked.push(LinkedEntity {
                id: e.id.clone(),
                name: e.name.clone(),
                alias: Some(l.alias.clone()),
            });
        }
    }
    let mut facts = Vec::new();
    for l in &linked {
        for f in graph.facts_of(&l.id).into_iter().take(8) {
            facts.push(ScoredFact::new(f, 1.0, "entity", false));
        }
    }
    Retrieval { linked, facts }
}

/// Claims of `text` that the graph does not support, worded for a manager.
pub fn warnings(graph: &Graph, brief: &str, text: &str) -> Vec<String> {
    let facts = facts_for(graph, &format!("{brief}\n{text}"));
    let report = guard::check(
        text,
        &GuardInput {
            words: false,
            graph,
            retrieval: &facts,
            member_message: "",
            secret_sentences: &[],
            draft: "",
        },
    );
    report
        .unsupported
        .iter()
        .map(|u| format!("{:?} \"{}\" is not in the knowledge", u.kind, u.text).to_lowercase())
        .collect()
}

/// Score a text with the judge at its best hour.
pub fn score(graph: &Graph, judge: &Judge, text: &str, brief: &str, edited: bool) -> Variant {
    let entities = facts_for(graph, text).linked.len();
    let f = Features::text_only(text, entities);
    let (best_hour, score) = judge.best_hour(&f);
    Variant {
        text: text.to_string(),
        score,
        best_hour,
        reasons: reasons(&f),
        warnings: warnings(graph, brief, text),
        edited,
    }
}

pub struct DraftInput<'a> {
    pub llm: &'a dyn LlmBackend,
    pub prompts: &'a Prompts,
    pub graph: &'a Graph,
    pub judge: &'a Judge,
    pub bot_name: &'a str,
    pub brief: &'a str,
    pub variants: usize,
}

/// Generate, guard, score and rank the variants of a brief: grounded ones first, then by
/// predicted engagement.
pub async fn draft(input: DraftInput<'_>) -> Vec<Variant> {
    let facts = facts_for(input.graph, input.brief);
    let fact_lines: Vec<String> = facts.facts.iter().map(|f| f.text.clone()).collect();
    let mut out: Vec<Variant> = Vec::new();
    for i in 0..input.variants.max(1) {
        let style = STYLES[i % STYLES.len()];
        let prompt = input
            .prompts
            .post(input.bot_name, input.brief, style, &fact_lines);
        // A post may repeat the brief's numbers and the facts', nothing else of that
        // shape, and never a phrase of its own (the repeated-paragraph drafts).
        let mut values = fact_lines.clone();
        values.push(input.brief.to_string());
        let req = GenerateRequest {
            messages: vec![ChatMessage::new(Role::User, prompt)],
            max_tokens: 160,
            constraint: Some(Constraint {
                values,
                max_sentences: 4,
                no_repeat_ngram: 6,
                ..Constraint::default()
            }),
            ..GenerateRequest::default()
        };
        let text = match input.llm.generate(req).await {
            Ok(g) => clean(&g.text),
            Err(e) => {
                tracing::warn!(error = %crate::text::chain(&e), "post variant not generated");
                continue;
            }
        };
        if text.is_empty() || out.iter().any(|v| v.text == text) {
            continue;
        }
        out.push(score(input.graph, input.judge, &text, input.brief, false));
    }
    if !out.iter().any(|v| v.warnings.is_empty()) {
        if let Some(text) = extractive(&facts) {
            if !out.iter().any(|v| v.text == text) {
                out.push(score(input.graph, input.judge, &text, input.brief, false));
            }
        }
    }
    rank(&mut out);
    out
}

/// Grounded first, then by score.
pub fn rank(variants: &mut [Variant]) {
    variants.sort_by(|a, b| {
        a.warnings
            .is_empty()
            .cmp(&b.warnings.is_empty())
            .reverse()
            .then(b.score.total_cmp(&a.score))
    });
}

/// A post made only of facts: true by construction.
fn extractive(facts: &Retrieval) -> Option<String> {
    let mut lines: Vec<String> = facts
        .facts
        .iter()
        .filter(|f| !f.passage)
        .take(3)
        .map(|f| {
            let t = f.text.trim();
            if t.ends_with(['.', '!', '?', '。']) {
                t.to_string()
            } else {
                format!("{t}.")
            }
        })
        .collect();
    if lines.is_empty() {
        return None;
    }
    lines.push("What do you think?".into());
    Some(lines.join(" "))
}

/// Model output as a post: no surrounding quotes, no "Post:" label, no trailing chatter.
fn clean(raw: &str) -> String {
    let mut t = raw.trim();
    for label in ["Post:", "post:", "Here is the post:", "Here's the post:"] {
        if let Some(rest) = t.strip_prefix(label) {
            t = rest.trim();
        }
    }
    let t = t.trim_matches(|c| c == '"' || c == '“' || c == '”').trim();
    t.chars().take(1500).collect::<String>().trim().to_string()
}
