//! Does a reply answer the question, rather than talk around it? (The guard decides
//! whether what it says is true; this decides whether it says what was asked.)

use std::collections::HashSet;

use super::guard::numbers_in;
use crate::knowledge::Retrieval;
use crate::text::{normalize, terms};

/// Does the reply answer from the facts, rather than talk around them?
///
/// When retrieval found a fact the question points at ("how much" → the price), the reply
/// must state its value (its numbers, or its words when it has none). Otherwise it must
/// carry something of the best fact that the question did not already say: one of its
/// numbers when it has any ("within 30 days"), else two of its words. "No, I'm afraid of
/// the consequences" is grounded — it claims nothing — but it is no answer.
pub fn states_asked(reply: &str, retrieval: &Retrieval, question: &str) -> bool {
    let asked: Vec<&str> = retrieval
        .facts
        .iter()
        .filter(|f| f.asked)
        .map(|f| f.value.as_str())
        .collect();
    let reply_numbers = numbers_in(reply);
    let has_number = |n: &f64| reply_numbers.iter().any(|r| (r - n).abs() < 1e-9);
    if !asked.is_empty() {
        let reply_norm = normalize(reply);
        return asked.iter().any(|value| {
            let wanted = numbers_in(value);
            if wanted.is_empty() {
                reply_norm.contains(&normalize(value))
            } else {
                wanted.iter().all(has_number)
            }
        });
    }
    let Some(top) = retrieval.facts.first() else {
        return true;
    };
    // What the best fact says first is its answer ("Yes, to Canada and the EU."); the
    // rest is detail a short right answer may leave out.
    let first = first_sentence(&top.value);
    let top_text = if first.is_empty() {
        top.text.as_str()
    } else {
        first
    };
    let numbers = numbers_in(top_text);
    if !numbers.is_empty() {
        return numbers.iter().any(has_number);
    }
    let said: HashSet<String> = terms(&normalize(question)).into_iter().collect();
    let new: HashSet<String> = terms(&normalize(top_text))
        .into_iter()
        .filter(|t| !said.contains(t))
        .collect();
    let reply_terms: HashSet<String> = terms(&normalize(reply)).into_iter().collect();
    new.intersection(&reply_terms).count() >= new.len().min(2)
}

/// The first sentence of `text` (up to a '.', '!' or '?' before a space, or a Chinese stop).
fn first_sentence(text: &str) -> &str {
    let ends = crate::llm::constraint::sentence_ends(text);
    match ends.first() {
        Some(&end) => text[..end].trim(),
        None => text.trim(),
    }
}
