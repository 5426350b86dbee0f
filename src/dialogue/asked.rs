//! Does a reply answer the question, rather than talk around it? (The guard decides
//! whether what it says is true; this decides whether it says what was asked.)

use std::collections::HashSet;

use super::patterns::{fold, numbers_in, same_number, NUMBER};
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
    // Full-width digits (１８．５０) say the same number.
    let reply = &fold(reply);
    let asked: Vec<(&str, &str)> = retrieval
        .facts
        .iter()
        .filter(|f| f.asked)
        .map(|f| (f.value_type, f.value.as_str()))
        .collect();
    let reply_numbers = numbers_in(reply);
    let has_number = |n: &f64| reply_numbers.iter().any(|r| (r - n).abs() < 1e-9);
    if !asked.is_empty() {
        let reply_norm = normalize(reply);
        let reply_lower = reply.to_lowercase();
        let reply_terms: HashSet<String> = terms(&reply_norm).into_iter().collect();
        // Every asked fact of the best one's kind: when the question asks for two prices
        // (a price and a bundle price tie), a reply that says one may have picked the
        // wrong one, and the composed reply states both; an e-mail answers without the
        // phone planned beside it.
        let said = |value: &str| {
            let wanted = numbers_in(value);
            if wanted.is_empty() {
                // A short value is said as written; a sentence (a summary) by two of its
                // words ("It is a floral light roast.").
                let words = terms(&normalize(value));
                if words.len() <= 3 {
                    return reply_norm.contains(&normalize(value));
                }
                return words.iter().filter(|w| reply_terms.contains(*w)).count() >= 2;
            }
            // A number inside a word ("Apache-2.0", "v1.4") is only said with it; a value
            // that is mostly words ("1 litre glass brewer and two bags of beans") is not
            // said by its number alone.
            let words: Vec<String> = terms(&normalize(value))
                .into_iter()
                .filter(|t| !t.chars().any(|c| c.is_ascii_digit()))
                .collect();
            wanted.iter().all(has_number)
                && units_kept(value, reply)
                && names_kept(value, &reply_lower)
                && codes_in(value)
                    .iter()
                    .all(|code| reply_lower.contains(code))
                && (words.len() < 3 || words.iter().any(|w| reply_terms.contains(w)))
        };
        // The kind of the best asked fact: a reply that states the tour's time when the
        // opening hours rank first has answered something else.
        let kind = asked[0].0;
        return asked
            .iter()
            .filter(|(k, _)| *k == kind)
            .all(|(_, value)| said(value));
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
    let said: HashSet<String> = terms(&normalize(question)).into_iter().collect();
    let new: HashSet<String> = terms(&normalize(top_text))
        .into_iter()
        .filter(|t| !said.contains(t))
        .collect();
    let reply_terms: HashSet<String> = terms(&normalize(reply)).into_iter().collect();
    let shared = new.intersection(&reply_terms).count();
    let numbers = numbers_in(top_text);
    if !numbers.is_empty() {
        // One of its numbers, and two of its words: "1 liter of 1." has a number and a
        // unit, and says nothing.
        return numbers.iter().any(has_number) && shared >= new.len().min(2);
    }
    shared >= new.len().min(2)
}

/// Does `reply` give each number of `value` that has a unit ("12 GBP", "20 minutes") with a
/// unit of the same measure after it? "A cod and chips set you back is 12." has the number
/// and has lost what it counts; "4 times a week for 4" has turned a price into a count. The
/// unit may be said in Chinese ("20 分钟"), a currency only as the pack writes it.
fn units_kept(value: &str, reply: &str) -> bool {
    use crate::knowledge::{unit_after, unit_type, ValueType};
    let value = value.to_lowercase();
    let reply = reply.to_lowercase();
    NUMBER.find_iter(&value).all(|m| {
        let Some(unit) = unit_after(&value, m.end()) else {
            return true;
        };
        let Some(measure) = unit_type(&unit) else {
            return true;
        };
        NUMBER.find_iter(&reply).any(|r| {
            same_number(r.as_str(), m.as_str())
                && unit_after(&reply, r.end()).is_some_and(|u| {
                    unit_type(&u) == Some(measure)
                        && (measure != ValueType::Duration
                            || super::guard::duration_unit(&u)
                                == super::guard::duration_unit(&unit))
                })
        })
    })
}

/// The words of `text` that mix letters and digits ("Apache-2.0", "v1.4", "A12"), lower
/// case, without the punctuation around them.
/// A value that names something beside its number ("New Islington, 6 minutes' walk") is
/// said with one of its names: "the nearest stop is 6 minutes' walk" drops the answer.
/// Names are the value's capitalised words ("Mon" is said by "Monday").
fn names_kept(value: &str, reply_lower: &str) -> bool {
    let names: Vec<String> = value
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| {
            w.chars().count() >= 3
                && w.chars().next().is_some_and(char::is_uppercase)
                && w.chars().skip(1).any(char::is_lowercase)
        })
        .map(str::to_lowercase)
        .collect();
    names.is_empty() || names.iter().any(|n| reply_lower.contains(n.as_str()))
}

fn codes_in(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()))
        .filter(|w| w.chars().any(char::is_alphabetic) && w.chars().any(|c| c.is_ascii_digit()))
        .map(str::to_lowercase)
        .collect()
}

/// The first sentence of `text` (up to a '.', '!' or '?' before a space, or a Chinese stop).
fn first_sentence(text: &str) -> &str {
    let ends = crate::llm::constraint::sentence_ends(text);
    match ends.first() {
        Some(&end) => text[..end].trim(),
        None => text.trim(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::{FactKind, ScoredFact};

    fn asked(text: &str, value: &str) -> Retrieval {
        Retrieval {
            linked: Vec::new(),
            facts: vec![ScoredFact {
                score: 1.0,
                source: "pack.toml:1".into(),
                text: text.into(),
                via: "entity",
                asked: true,
                about: Vec::new(),
                passage: false,
                kind: FactKind::Attr("license".into()),
                value: value.into(),
                fit: None,
                value_type: "text",
                matched: Vec::new(),
            }],
            ..Retrieval::default()
        }
    }

    #[test]
    fn a_tie_of_one_kind_is_said_whole_and_another_kind_may_be_left_out() {
        let mut r = asked("Maker — price: 85 GBP per month", "85 GBP per month");
        let mut with = r.facts[0].clone();
        with.value = "209 GBP per month with Flex".into();
        with.text = "Maker — with flex: 209 GBP per month with Flex".into();
        r.facts[0].value_type = "money";
        with.value_type = "money";
        r.facts.push(with);
        let q = "what's the monthly fee for the maker membership?";
        assert!(!states_asked(
            "The maker membership is 209 GBP per month.",
            &r,
            q
        ));
        assert!(states_asked(
            "Maker is 85 GBP a month, 209 GBP with Flex.",
            &r,
            q
        ));
        r.facts[1].value_type = "phone";
        r.facts[1].value = "0161 496 0310".into();
        assert!(states_asked("Maker costs 85 GBP per month.", &r, q));
        // Only the phone, when the price ranks first, is not the answer.
        assert!(!states_asked("You can call Maker on 0161 496 0310.", &r, q));
    }

    #[test]
    fn a_number_inside_a_word_is_said_only_with_the_word() {
        let r = asked("Tool — license: Apache-2.0", "Apache-2.0");
        let q = "what is the license?";
        assert!(states_asked("Tool is licensed under Apache-2.0.", &r, q));
        assert!(!states_asked("工具的许可证是什么！[2.0]", &r, q));
        assert_eq!(codes_in("v1.4 and (A12), 18.50 USD"), ["v1.4", "a12"]);
        let r = asked(
            "Kit — contents: 1 litre glass brewer and two bags of beans",
            "1 litre glass brewer and two bags of beans",
        );
        let q = "what is in the kit?";
        assert!(!states_asked("1 liter of 1.", &r, q));
        assert!(states_asked("It has a 1 litre brewer and beans.", &r, q));
    }

    #[test]
    fn a_value_with_a_unit_is_said_with_that_unit() {
        let mut r = asked("Cod and Chips — price: 12 GBP", "12 GBP");
        r.facts[0].value_type = "money";
        let q = "what does a cod and chips set you back?";
        assert!(!states_asked("A cod and chips set you back is 12.", &r, q));
        assert!(states_asked("Cod and chips costs 12 GBP.", &r, q));
        assert!(!states_asked("Showers are open 12 times a week.", &r, q));
        let mut r = asked("Shuttle — journey time: 20 minutes", "20 minutes");
        r.facts[0].value_type = "duration";
        assert!(states_asked("穿梭巴士单程大约 20 分钟。", &r, "要坐多久"));
        assert!(states_asked("The ride takes 20 min.", &r, "how long"));
        assert!(!states_asked("The ride takes 20 hours.", &r, "how long"));
        assert!(units_kept("by 12:00", "Leave by 12:00."));
    }

    #[test]
    fn a_value_that_names_a_place_is_said_with_its_name() {
        let mut r = asked(
            "Ancoats — nearest tram: New Islington, 6 minutes' walk",
            "New Islington, 6 minutes' walk",
        );
        r.facts[0].value_type = "duration";
        let q = "what's the closest tram stop?";
        assert!(!states_asked(
            "The nearest tram stop is 6 minutes' walk away.",
            &r,
            q
        ));
        assert!(states_asked(
            "New Islington is the nearest stop, 6 minutes' walk.",
            &r,
            q
        ));
        let mut r = asked("Pool — hours: Mon–Fri 06:30–21:30", "Mon–Fri 06:30–21:30");
        r.facts[0].value_type = "schedule";
        assert!(states_asked(
            "It is open Monday to Friday, 06:30–21:30.",
            &r,
            "when is it open?"
        ));
    }
}
