//! The plan of an answer: which of the retrieved facts answer the question, decided before
//! anything is generated. The model is shown only these, the guard checks against them and
//! the fallback words them; fewer, sharper facts are what a small model copies well.

use crate::knowledge::{Retrieval, ScoredFact};
use crate::text::{normalize, terms};

/// Facts one answer states at most.
const MAX_PLANNED: usize = 3;

/// The facts that answer `retrieval`'s question, as a retrieval of their own (numbered from
/// 1 in the prompt and in citations):
/// - the facts the question asks for (an attribute or relation its words name), if any;
/// - else the best fact alone (a passage, a summary), unless the question asks about
///   something that fact does not mention ("does Quill support PHP templates?" is not
///   answered by Quill's summary): then nothing, and the bot says it does not know.
pub fn plan(retrieval: &Retrieval, question: &str) -> Retrieval {
    let asked: Vec<&ScoredFact> = retrieval.facts.iter().filter(|f| f.asked).collect();
    // An FAQ passage that ranks above every asked-for fact answers the question as asked
    // ("How long does shipping take?" → its passage, not the dispatch attribute alone).
    let passage_first = retrieval.facts.first().is_some_and(|top| {
        top.passage && asked.iter().all(|a| a.score < top.score) && title_asks(top, question)
    });
    let chosen: Vec<&ScoredFact> = if passage_first {
        retrieval.facts.first().into_iter().collect()
    } else if !asked.is_empty() {
        asked.into_iter().take(MAX_PLANNED).collect()
    } else {
        // Without an asked-for attribute, the best fact is the answer ("tell me about X"
        // gets X's summary, not its price list too).
        retrieval
            .facts
            .first()
            .filter(|top| top.via != "entity" || mentions_what_is_asked(top, retrieval, question))
            .into_iter()
            .collect()
    };
    Retrieval {
        linked: retrieval.linked.clone(),
        facts: chosen.into_iter().cloned().collect(),
    }
}

/// Words that ask without saying about what.
const ASKING: &[&str] = &[
    "tell",
    "more",
    "info",
    "information",
    "detail",
    "details",
    "explain",
    "describe",
    "say",
    "anything",
    "something",
    "know",
    "thing",
];

/// Does `top` (an entity's fact, picked because the question names the entity) mention
/// anything the question asks beyond the entity's own name? A question with nothing
/// beyond the name ("what is the search plugin?") is answered by any of its facts.
fn mentions_what_is_asked(top: &ScoredFact, retrieval: &Retrieval, question: &str) -> bool {
    let mut named: Vec<String> = Vec::new();
    for l in &retrieval.linked {
        named.extend(terms(&normalize(&l.name)));
        if let Some(a) = &l.alias {
            named.extend(terms(&normalize(a)));
        }
    }
    let asked: Vec<String> = terms(&normalize(question))
        .into_iter()
        .filter(|t| !named.contains(t) && !ASKING.contains(&t.as_str()))
        .collect();
    if asked.is_empty() {
        return true;
    }
    let said = terms(&normalize(&top.text));
    asked.iter().any(|t| said.contains(t))
}

/// Is a passage's title (its question) the member's question: most of the question's
/// words are in it? "where is the roastery?" is not "How long does shipping take?", though
/// that passage mentions the roastery.
fn title_asks(passage: &ScoredFact, question: &str) -> bool {
    let title = passage.text.split(" — ").next().unwrap_or_default();
    let title_terms = terms(&normalize(title));
    let asked = terms(&normalize(question));
    let said = asked.iter().filter(|t| title_terms.contains(t)).count();
    !asked.is_empty() && said * 5 >= asked.len() * 4
}
