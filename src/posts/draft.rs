//! Drafting: the generator half. The model writes candidates from `prompts/post.j2` and
//! the facts about the entities the brief names; the grounding guard checks each; the judge
//! scores them. Posts worded from the facts by the sentence templates fill in when the model
//! writes too few, so a manager gets the variants asked for and always something true.

use crate::dialogue::guard::{self, GuardInput};
use crate::dialogue::{sentences, Prompts};
use crate::knowledge::{Graph, LinkedEntity, Retrieval, ScoredFact};
use crate::llm::{ChatMessage, Constraint, GenerateRequest, LlmBackend, Role};
use crate::text::{is_cjk, normalize, Lang};

use super::judge::{reasons, Features, Judge};
use super::store::Variant;

/// Styles the variants cycle through, so they differ in what the judge looks at.
/// Six, so that three variants get two tries each before the templates fill in.
const STYLES: &[&str] = &[
    "friendly, ending with a question to the readers",
    "short and direct, one or two sentences",
    "warm and lively, with one emoji",
    "informative, naming the key facts",
    "an invitation, saying why it is worth a look",
    "a short news item, starting with the name",
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
    Retrieval {
        linked,
        facts,
        ..Retrieval::default()
    }
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
    let mut out: Vec<String> = report
        .unsupported
        .iter()
        .map(|u| format!("{:?} \"{}\" is not in the knowledge", u.kind, u.text).to_lowercase())
        .collect();
    // A post may use any words, but a person or place the knowledge and the brief do not
    // name is made up.
    let mut sources: Vec<&str> = facts.facts.iter().map(|f| f.text.as_str()).collect();
    sources.extend(facts.linked.iter().map(|l| l.name.as_str()));
    sources.push(brief);
    for name in guard::invented_names(text, &sources) {
        let warning = format!("name \"{name}\" is not in the knowledge");
        if !out.contains(&warning) {
            out.push(warning);
        }
    }
    // Chinese a post may write: the facts', the names', the brief's characters and the
    // glue, and a few more of its own (a greeting, an exclamation); more is made up, and
    // the small model's Chinese posts are mostly that.
    let stray = guard::invented_han(graph, &facts.facts, &[brief], text);
    if stray.chars().count() > STRAY_HAN {
        out.push(format!("words \"{stray}\" are not in the knowledge"));
    }
    if text.contains('\u{FFFD}') {
        out.push("the text has a broken character".to_string());
    }
    out
}

/// Chinese characters a post may add to what the knowledge and the brief have.
const STRAY_HAN: usize = 6;

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
/// predicted engagement. Always `variants` of them (at least one) when the brief names
/// anything the knowledge has: a generation that is empty, a copy of another variant or
/// repeats itself is replaced by one in the next style, and what the model cannot fill is
/// filled with posts worded from the facts by the sentence templates.
pub async fn draft(input: DraftInput<'_>) -> Vec<Variant> {
    let wanted = input.variants.max(1);
    let facts = facts_for(input.graph, input.brief);
    let lang = Lang::detect(input.brief);
    let worded = sentences(input.graph, &facts.facts, lang, &input.prompts.answers);
    let mut out: Vec<Variant> = Vec::new();
    // Greedy decoding writes the same post for the same prompt, so each attempt is a new
    // style; the missing variants are generated together (the local model batches them),
    // two rounds of styles at most, then the templates fill in.
    let mut styles = STYLES.iter().take(wanted * 2);
    while out.len() < wanted {
        let round: Vec<&str> = styles.by_ref().take(wanted - out.len()).copied().collect();
        if round.is_empty() {
            break;
        }
        let texts = futures_util::future::join_all(
            round
                .iter()
                .map(|style| generate(&input, &facts, &worded, style, lang)),
        )
        .await;
        for text in texts.into_iter().flatten() {
            if let Some(why) = refuse(&text, &out) {
                tracing::info!(why, "post variant dropped");
                continue;
            }
            out.push(score(input.graph, input.judge, &text, input.brief, false));
        }
    }
    // Fill up with posts worded from the facts; past the number wanted, they replace
    // variants with warnings, keeping one (what the model tried, for a manager to edit).
    let mut filler = worded_posts(&worded, lang).into_iter();
    loop {
        let flagged = out.iter().filter(|v| !v.warnings.is_empty()).count();
        if out.len() >= wanted && flagged <= 1 {
            break;
        }
        let Some(text) = filler.next() else { break };
        if refuse(&text, &out).is_some() {
            continue;
        }
        if out.len() >= wanted {
            rank(&mut out);
            out.pop();
        }
        out.push(score(input.graph, input.judge, &text, input.brief, false));
    }
    rank(&mut out);
    out
}

/// One generated variant in `style`, cleaned; `None` when the backend failed.
async fn generate(
    input: &DraftInput<'_>,
    facts: &Retrieval,
    worded: &[String],
    style: &str,
    lang: Lang,
) -> Option<String> {
    let prompt = input
        .prompts
        .post(input.bot_name, input.brief, style, worded, lang.is_zh());
    // A post may repeat the brief's numbers and the facts', nothing else of that shape,
    // and never a phrase of its own (the repeated-paragraph drafts).
    let mut values: Vec<String> = facts.facts.iter().map(|f| f.text.clone()).collect();
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
        // Drafting is one conversation: its variants take turns with members' questions.
        conversation: "posts:draft".into(),
        ..GenerateRequest::default()
    };
    match input.llm.generate(req).await {
        Ok(g) => Some(clean(&g.text)),
        Err(e) => {
            tracing::warn!(error = %crate::text::chain(&e), "post variant not generated");
            None
        }
    }
}

/// Why a candidate may not be shown beside `shown`, if it may not.
fn refuse(text: &str, shown: &[Variant]) -> Option<&'static str> {
    if text.trim().is_empty() {
        return Some("empty");
    }
    let key = normalize(text);
    if shown.iter().any(|v| normalize(&v.text) == key) {
        return Some("the same as another variant");
    }
    if repeats_itself(text) {
        return Some("repeats itself");
    }
    None
}

/// Whether a post says something twice: the same run of [`REPEAT_WORDS`] words (CJK
/// characters count as words) in two places, or two sentences made of mostly the same
/// words ("It is a light roast single origin. It is a light roasted single origin."). The
/// local model's decoding bans repeated token runs, which a paraphrase slips past; a remote
/// model has no such ban.
pub fn repeats_itself(text: &str) -> bool {
    let words = post_words(text);
    let mut seen = std::collections::HashSet::new();
    if words
        .windows(REPEAT_WORDS)
        .any(|w| !seen.insert(w.to_vec()))
    {
        return true;
    }
    let sentences: Vec<std::collections::HashSet<String>> = text
        .split_inclusive(['.', '!', '?', '\n', '。', '！', '？'])
        .map(|s| {
            post_words(s)
                .into_iter()
                .collect::<std::collections::HashSet<_>>()
        })
        .filter(|w| w.len() >= 3)
        .collect();
    sentences.iter().enumerate().any(|(i, a)| {
        sentences[i + 1..].iter().any(|b| {
            let shared = a.intersection(b).count();
            shared * 10 >= a.len().max(b.len()) * 7
        })
    })
}

/// Runs of this many words may appear only once in a post.
const REPEAT_WORDS: usize = 5;

fn post_words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut word = String::new();
    for c in normalize(text).chars() {
        if is_cjk(c) {
            if !word.is_empty() {
                out.push(std::mem::take(&mut word));
            }
            out.push(c.to_string());
        } else if c.is_alphanumeric() {
            word.push(c);
        } else if !word.is_empty() {
            out.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        out.push(word);
    }
    out
}

/// Posts worded from the facts alone, true by construction: up to three fact sentences
/// and a closing line, one post per closing.
fn worded_posts(worded: &[String], lang: Lang) -> Vec<String> {
    let body: Vec<&str> = worded
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .take(3)
        .collect();
    if body.is_empty() {
        return Vec::new();
    }
    let closings: &[&str] = if lang.is_zh() {
        &[
            "你觉得怎么样？",
            "欢迎告诉我们你的想法！",
            "期待见到你！",
            "",
        ]
    } else {
        &[
            "What do you think?",
            "Tell us what you think!",
            "We hope to see you soon!",
            "",
        ]
    };
    closings
        .iter()
        .map(|c| {
            let mut post = String::new();
            for part in body.iter().copied().chain((!c.is_empty()).then_some(*c)) {
                // Chinese sentences follow each other without a space; anything after a
                // Latin full stop gets one ("… notes. 耶加雪菲…").
                if post.chars().last().is_some_and(|l| l.is_ascii()) {
                    post.push(' ');
                }
                post.push_str(part);
            }
            post
        })
        .collect()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_post_that_says_a_sentence_twice_repeats_itself() {
        let looped =
            "Ethiopia Yirgacheffe is a light roast single origin with floral and citrus notes. \
                      The price is 18.50 USD. The price is 18.50 USD.";
        assert!(repeats_itself(looped));
        let phrase = "Meet the light roast single origin with floral notes, a light roast single origin with floral notes!";
        assert!(repeats_itself(phrase));
        assert!(repeats_itself(
            "新品上市，价格是十八元。新品上市，价格是十八元。"
        ));
        assert!(!repeats_itself(
            "Our new lot is here! The Yirgacheffe is a light roast with floral notes, 18.50 USD a bag. Will you try it?"
        ));
        assert!(repeats_itself(
            "It is a light roast single roast Ethiopian. It is a light roasted single roast Ethiopian."
        ));
        // Short sentences may repeat ("Yes! Yes!" is a style, not a loop).
        assert!(!repeats_itself("Yes! Yes! The kit costs 32.00 USD."));
    }

    #[test]
    fn worded_posts_differ_and_keep_the_facts() {
        let worded = vec![
            "The Cold Brew Kit costs 32.00 USD.".to_string(),
            "The Cold Brew Kit makes 1 liter.".to_string(),
        ];
        let posts = worded_posts(&worded, Lang::En);
        assert!(posts.len() >= 3, "{posts:?}");
        let distinct: std::collections::HashSet<&String> = posts.iter().collect();
        assert_eq!(distinct.len(), posts.len(), "{posts:?}");
        assert!(posts.iter().all(|p| p
            .starts_with("The Cold Brew Kit costs 32.00 USD. The Cold Brew Kit makes 1 liter.")));
        let zh = worded_posts(&["冷萃套装的价格是 32.00 USD。".to_string()], Lang::Zh);
        assert!(
            zh[0].starts_with("冷萃套装的价格是 32.00 USD。") && zh[0].ends_with('？'),
            "{zh:?}"
        );
        assert!(worded_posts(&[], Lang::En).is_empty());
    }

    #[test]
    fn a_copy_or_a_loop_is_refused_beside_the_shown_variants() {
        let shown = vec![Variant {
            text: "Try the new lot!".into(),
            score: 0.0,
            best_hour: 9,
            reasons: vec![],
            warnings: vec![],
            edited: false,
        }];
        assert_eq!(refuse("  ", &shown), Some("empty"));
        assert_eq!(
            refuse("try the NEW lot!", &shown),
            Some("the same as another variant")
        );
        assert_eq!(
            refuse("A new lot. A new lot is in. A new lot is in.", &shown),
            Some("repeats itself")
        );
        assert_eq!(refuse("A new lot is in: 18.50 USD a bag.", &shown), None);
    }
}
