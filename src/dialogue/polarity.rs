//! Does a sentence say the opposite of a fact? "Yes, you can pay cash at the café" carries
//! no number and no name for the rest of the guard to check, yet the fact says "card and
//! phone only, no cash". A small model flips a "no" into a friendly "yes" more often than
//! it invents a number, and that is the wrong answer a member acts on.

use std::collections::HashSet;

use crate::text::{is_stopword, normalize, stem, terms};

/// Words that turn an English statement around.
const NEGATORS: &[&str] = &[
    "no", "not", "never", "without", "nothing", "none", "nor", "cannot", "neither", "nobody",
];

/// Characters that turn a Chinese statement around (不可以, 没有, 无, 禁止, 别, 非).
const NEGATORS_ZH: &[char] = &['不', '没', '无', '禁', '别', '非'];

/// Is `word` (lower case, without the punctuation around it) a negation: "no", "never",
/// or a contraction ending in n't ("aren't", "don't", "can't")?
fn is_negator(word: &str) -> bool {
    NEGATORS.contains(&word) || word.ends_with("n't") || word.ends_with("n’t")
}

/// Does `sentence` negate anything at all? A sentence that does ("You can't pay cash")
/// is not read as affirming what a fact denies; working out what it negates would need a
/// parser, and a miss here only lets through a sentence the rest of the guard checks.
fn negates(sentence: &str) -> bool {
    let lower = sentence.to_lowercase();
    lower.chars().any(|c| NEGATORS_ZH.contains(&c)) || words(&lower).any(is_negator)
}

/// The words of one clause, lower case, trimmed of punctuation, apostrophes kept.
fn words(clause: &str) -> impl Iterator<Item = &str> {
    clause
        .split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’'))
        .filter(|w| !w.is_empty())
}

/// What `text` denies: after each negation, the next content words of its clause (at
/// most two, within six words). "card and phone only, no cash" denies {cash}; "never
/// wear gloves on the lathes" denies {wear, glove}; "no, the landlord …" denies nothing,
/// the clause ends at the comma.
fn denied(text: &str) -> Vec<Vec<String>> {
    let lower = text.to_lowercase();
    let mut out = Vec::new();
    for clause in lower.split([',', '.', ';', ':', '!', '?', '(', ')', '—', '–', '/']) {
        let ws: Vec<&str> = words(clause).collect();
        for (i, w) in ws.iter().enumerate() {
            if !is_negator(w) {
                continue;
            }
            let phrase: Vec<String> = ws[i + 1..]
                .iter()
                .take(6)
                .take_while(|w| !is_negator(w))
                .map(|w| normalize(w))
                .filter(|w| !w.is_empty() && !is_stopword(w) && w.chars().all(char::is_alphabetic))
                .map(|w| stem(&w).to_string())
                .take(2)
                .collect();
            if !phrase.is_empty() {
                out.push(phrase);
            }
        }
    }
    out
}

/// The value of a fact's text ("Café — payment: card and phone only, no cash" → "card
/// and phone only, no cash"); a passage is all value.
fn value_of(text: &str) -> &str {
    text.split_once(" — ")
        .and_then(|(_, rest)| rest.split_once(": "))
        .map_or(text, |(_, value)| value)
}

/// Yes or no, when `text` starts with one: "Yes, …", "No, the landlord …", "false".
fn stance(text: &str) -> Option<bool> {
    let lower = text.trim().to_lowercase();
    let first = words(&lower).next().unwrap_or("");
    if [
        "yes",
        "yeah",
        "yep",
        "true",
        "sure",
        "absolutely",
        "certainly",
    ]
    .contains(&first)
        || lower.starts_with("是的")
        || lower.starts_with("可以")
    {
        return Some(true);
    }
    if ["no", "nope", "false", "not", "never"].contains(&first)
        || lower.starts_with('不')
        || lower.starts_with("没有")
    {
        return Some(false);
    }
    None
}

/// The fact `sentence` contradicts, quoted, if any: it affirms what a fact denies ("you
/// can pay cash" against "no cash"), or it opens with a yes where every asked fact's value
/// opens with a no, or the other way round. `facts` are the texts of the facts the
/// sentence may draw on, `asked` the values among them the question asked for.
pub(super) fn contradiction(sentence: &str, facts: &[&str], asked: &[&str]) -> Option<String> {
    if let Some(says) = stance(sentence) {
        let stances: Vec<Option<bool>> = asked.iter().map(|v| stance(v)).collect();
        if !stances.is_empty() && stances.iter().all(|s| *s == Some(!says)) {
            return asked.first().map(|v| v.to_string());
        }
    }
    if negates(sentence) {
        return None;
    }
    let said: HashSet<String> = terms(&normalize(sentence)).into_iter().collect();
    facts.iter().find_map(|fact| {
        denied(value_of(fact))
            .into_iter()
            .find(|phrase| phrase.iter().all(|w| said.contains(w)))
            .map(|phrase| format!("not {}", phrase.join(" ")))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_fact_denies_is_the_words_after_its_negation() {
        assert_eq!(denied("card and phone only, no cash"), [["cash"]]);
        assert_eq!(
            denied("Never wear gloves on the lathes"),
            [["wear", "glove"]]
        );
        assert_eq!(denied("steel toe caps aren't needed"), [["needed"]]);
        assert!(denied("no, the landlord only allows assistance dogs").is_empty());
        assert!(denied("10% off when you show your fob").is_empty());
        // "keep" alone would deny keeping the beans at all.
        assert_eq!(
            denied("Do not keep them in the fridge."),
            [["keep", "fridge"]]
        );
    }

    #[test]
    fn a_sentence_that_affirms_what_a_fact_denies_is_caught() {
        let facts = ["Furnace Café — payment: card and phone only, no cash"];
        assert!(contradiction("Yes, you can pay cash at the café.", &facts, &[]).is_some());
        assert!(contradiction("You can't pay cash at the café.", &facts, &[]).is_none());
        assert!(contradiction("You can pay by card or phone.", &facts, &[]).is_none());
        let rules = ["Never wear gloves on the lathes or the table saw."];
        assert!(contradiction("Wear gloves on the lathe.", &rules, &[]).is_some());
        assert!(contradiction("Wear closed-toe shoes.", &rules, &[]).is_none());
    }

    #[test]
    fn a_yes_against_a_no_is_caught() {
        let asked = ["no, the landlord only allows assistance dogs"];
        let facts = ["Quays — dogs: no, the landlord only allows assistance dogs"];
        assert!(contradiction("Yes, dogs are welcome.", &facts, &asked).is_some());
        assert!(contradiction("No, only assistance dogs.", &facts, &asked).is_none());
        assert!(contradiction("Yes, 30 racks.", &facts, &["yes, 30 racks"]).is_none());
        assert_eq!(stance("可以带狗。"), Some(true));
        assert_eq!(stance("The café opens at 8."), None);
    }
}
