//! The grounding guard: every checkable claim of a reply — numbers, prices, dates, times,
//! e-mail addresses, URLs, phone numbers and entity names — must be supported by a fact
//! about the entity it is said of. Small models misread their context ("item 3 costs 1.50"
//! when item 1 did); this is what keeps such a reply from reaching a member.

use std::collections::HashSet;

use serde::Serialize;

pub use super::asked::states_asked;
pub use super::cite::{citation_markers, strip_citations};
use super::claims;
pub(crate) use super::claims::{invented_han, invented_names};
use super::patterns::{
    dates_in, digits, fold, numbers_in, same_number, times_in, without_links, DATE, EMAIL,
    LIST_MARKER, NUMBER, PHONE, TIME, URL,
};
use crate::knowledge::{Graph, Retrieval};
use crate::llm::constraint::protected_spans;
use crate::text::{is_stopword, normalize, sentences, terms};

/// One claim of the reply that no fact supports.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Unsupported {
    pub kind: ClaimKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ClaimKind {
    Url,
    Email,
    Phone,
    Date,
    Time,
    Number,
    Entity,
    /// The reply repeats the bot's own instructions.
    Leak,
    /// A hedge that changes a fact ("approximately 16.00 USD").
    Hedge,
    /// Content words no fact or the question supports.
    Claim,
    /// A fact's number stated with another unit or in another role ("39.00 liters" from
    /// "39.00 USD").
    Unit,
    /// The opposite of a fact ("Yes, you can pay cash" against "no cash").
    Contradiction,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct GuardReport {
    pub unsupported: Vec<Unsupported>,
    /// Numbers (1-based, as in the prompt) of the facts that supported claims.
    pub supporting: Vec<usize>,
}

impl GuardReport {
    pub fn grounded(&self) -> bool {
        self.unsupported.is_empty()
    }
}

/// What the guard checks a reply against.
pub struct GuardInput<'a> {
    pub graph: &'a Graph,
    pub retrieval: &'a Retrieval,
    pub member_message: &'a str,
    /// Sentences of the bot's instructions that must never be repeated to a member.
    pub secret_sentences: &'a [String],
    /// Also judge words: hedges and unsupported content words (answers, where every word
    /// should come from the facts; not posts, which are meant to add their own).
    pub words: bool,
    /// The plan worded by the bot's own templates (empty for none): its words are
    /// supported too, which matters for Chinese replies to English facts.
    pub draft: &'a str,
}

/// Check `reply`. Facts are numbered from 1 in retrieval order, as in the prompt.
pub fn check(reply: &str, input: &GuardInput) -> GuardReport {
    let g = input.graph;
    let facts = &input.retrieval.facts;
    // The facts' entities, and those their texts name ("Orders leave the roastery…").
    let mut retrieved_entities: HashSet<String> =
        facts.iter().flat_map(|f| f.about.iter().cloned()).collect();
    // The entities each fact's text names ("… per delivery" names the shipping policy):
    // a sentence about one of them may draw on that fact too.
    let named_in: Vec<Vec<String>> = facts
        .iter()
        .map(|f| {
            g.link(&normalize(&without_links(&f.text)))
                .into_iter()
                .map(|l| l.id)
                .collect()
        })
        .collect();
    retrieved_entities.extend(named_in.iter().flatten().cloned());
    let question_entities: Vec<String> = input
        .retrieval
        .linked
        .iter()
        .map(|l| l.id.clone())
        .collect();
    let message_entities: HashSet<String> = g
        .link(&normalize(input.member_message))
        .into_iter()
        .map(|l| l.id)
        .collect();

    let mut report = GuardReport::default();
    let mut subject: Vec<String> = question_entities;
    let all_facts: Vec<&str> = facts.iter().map(|f| f.text.as_str()).collect();
    let known_han = if input.words {
        claims::known_han(g, facts, &[input.member_message, input.draft])
    } else {
        Default::default()
    };
    let clean = super::cite::CITATION.replace_all(reply, "");
    let clean = LIST_MARKER.replace_all(&clean, "");

    let norm_reply = normalize(reply);
    for secret in input.secret_sentences {
        let s = normalize(secret);
        if s.len() >= 24 && norm_reply.contains(&s) {
            report.unsupported.push(Unsupported {
                kind: ClaimKind::Leak,
                text: secret.clone(),
            });
        }
    }

    for sentence in sentences(&clean) {
        // Names inside an e-mail or URL ("meet.quill-ssg.org") are not the sentence's subject.
        let linked: Vec<String> = g
            .link(&normalize(&without_links(sentence)))
            .into_iter()
            .map(|l| l.id)
            .collect();
        for id in &linked {
            if !retrieved_entities.contains(id) && !message_entities.contains(id) {
                report.unsupported.push(Unsupported {
                    kind: ClaimKind::Entity,
                    text: g
                        .entity(id)
                        .map(|e| e.name.clone())
                        .unwrap_or_else(|| id.clone()),
                });
            }
        }
        if !linked.is_empty() {
            subject = linked;
        }
        // The facts this sentence may draw on: those about its subject. Only a sentence
        // about no entity at all may also repeat what the member said.
        let allowed: Vec<usize> = (0..facts.len())
            .filter(|&i| {
                subject.is_empty()
                    || facts[i].about.iter().any(|e| subject.contains(e))
                    || named_in[i].iter().any(|e| subject.contains(e))
            })
            .collect();
        let mut sources: Vec<&str> = allowed.iter().map(|&i| facts[i].text.as_str()).collect();
        if subject.is_empty() {
            sources.push(input.member_message);
        }
        check_sentence(sentence, &sources, &allowed, &mut report);
        let texts: Vec<&str> = allowed.iter().map(|&i| facts[i].text.as_str()).collect();
        let asked: Vec<&str> = allowed
            .iter()
            .filter(|&&i| facts[i].asked)
            .map(|&i| facts[i].value.as_str())
            .collect();
        if let Some(denied) = super::polarity::contradiction(sentence, &texts, &asked) {
            report.unsupported.push(Unsupported {
                kind: ClaimKind::Contradiction,
                text: denied,
            });
        }
        if input.words {
            for h in claims::hedges(sentence, &sources) {
                report.unsupported.push(Unsupported {
                    kind: ClaimKind::Hedge,
                    text: h,
                });
            }
            let unbacked = claims::unsupported_words(sentence, &all_facts, &[input.member_message]);
            if unbacked.is_claim() {
                report.unsupported.push(Unsupported {
                    kind: ClaimKind::Claim,
                    text: unbacked.words.join(", "),
                });
            }
            let stray = claims::unsupported_han(sentence, &known_han);
            if stray.chars().count() >= 2 {
                report.unsupported.push(Unsupported {
                    kind: ClaimKind::Claim,
                    text: stray,
                });
            }
        }
    }
    report.supporting.sort_unstable();
    report.supporting.dedup();
    report
}

fn check_sentence(sentence: &str, sources: &[&str], allowed: &[usize], report: &mut GuardReport) {
    // Full-width digits and colons (１３８, １８：００) as ASCII, in the sentence and the facts
    // alike, so a claim written in full width is checked like any other.
    let (sentence, folded) = (
        fold(sentence),
        sources.iter().map(|s| fold(s)).collect::<Vec<_>>(),
    );
    let (sentence, sources) = (
        sentence.as_str(),
        &folded.iter().map(String::as_str).collect::<Vec<_>>()[..],
    );
    let mut rest = sentence.to_string();
    let support =
        |found: Option<usize>, kind: ClaimKind, text: &str, report: &mut GuardReport| match found {
            Some(i) => {
                if let Some(&fact) = allowed.get(i) {
                    report.supporting.push(fact + 1);
                }
            }
            None => report.unsupported.push(Unsupported {
                kind,
                text: text.to_string(),
            }),
        };
    let lower: Vec<String> = sources.iter().map(|s| s.to_lowercase()).collect();

    for m in URL.find_iter(sentence) {
        let url = m
            .as_str()
            .trim_end_matches(['.', ',', ';', ':', '!', '?'])
            .to_lowercase();
        support(
            lower.iter().position(|s| s.contains(&url)),
            ClaimKind::Url,
            &url,
            report,
        );
        rest = rest.replace(m.as_str(), " ");
    }
    for m in EMAIL.find_iter(&rest.clone()) {
        let email = m.as_str().to_lowercase();
        support(
            lower.iter().position(|s| s.contains(&email)),
            ClaimKind::Email,
            m.as_str(),
            report,
        );
        rest = rest.replace(m.as_str(), " ");
    }
    for c in DATE.captures_iter(&rest.clone()) {
        let d = dates_in(&c[0]);
        support(
            sources
                .iter()
                .position(|s| dates_in(s).iter().any(|x| d.contains(x))),
            ClaimKind::Date,
            &c[0],
            report,
        );
        rest = rest.replace(&c[0], " ");
    }
    for c in TIME.captures_iter(&rest.clone()) {
        let t = times_in(&c[0]);
        let found = sources.iter().position(|s| {
            let ts = times_in(s);
            t.iter().all(|(h, m)| {
                ts.iter().any(|(h2, m2)| {
                    m == m2 && (h == h2 || (h + 12) % 24 == *h2 || (h2 + 12) % 24 == *h)
                })
            })
        });
        support(found, ClaimKind::Time, &c[0], report);
        rest = rest.replace(&c[0], " ");
    }
    for m in PHONE.find_iter(&rest.clone()) {
        let d = digits(m.as_str());
        if d.len() < 7 {
            continue;
        }
        support(
            sources.iter().position(|s| digits(s).contains(&d)),
            ClaimKind::Phone,
            m.as_str(),
            report,
        );
        rest = rest.replace(m.as_str(), " ");
    }
    // Numbers as written runs ("2.4.1", "16.00"): each must be a whole run of a fact, or
    // equal one as a number ("18.5" for "18.50"); "2026" is not "2026-12-12".
    let source_runs: Vec<Vec<String>> = sources.iter().map(|s| protected_spans(s)).collect();
    for run in protected_spans(&rest) {
        if !run.chars().next().is_some_and(|c| c.is_numeric()) {
            continue;
        }
        let found = source_runs
            .iter()
            .position(|runs| runs.iter().any(|r| same_number(r, &run)));
        if found.is_some() && !unit_kept(&rest, &run, sources) {
            report.unsupported.push(Unsupported {
                kind: ClaimKind::Unit,
                text: run.clone(),
            });
            continue;
        }
        support(found, ClaimKind::Number, &run, report);
    }
    if let Some(key) = swapped_role(sentence, sources) {
        report.unsupported.push(Unsupported {
            kind: ClaimKind::Unit,
            text: format!("{key}: another fact's number"),
        });
    }
}

/// "The price is 45 EUR" from "materials fee: 45 EUR" and "price: 1,150 EUR": a sentence
/// that names one fact's key, states none of that fact's numbers and states a number of
/// another fact whose key it does not name has given the number the wrong role.
fn swapped_role(sentence: &str, sources: &[&str]) -> Option<String> {
    let numbers = numbers_in(sentence);
    if numbers.is_empty() {
        return None;
    }
    let said: HashSet<String> = terms(&normalize(sentence)).into_iter().collect();
    let keyed: Vec<(Vec<String>, Vec<f64>)> = sources
        .iter()
        .filter_map(|s| {
            let (_, rest) = s.split_once(" — ")?;
            let (key, value) = rest.split_once(": ")?;
            let words: Vec<String> = terms(&normalize(key))
                .into_iter()
                .filter(|w| !is_stopword(w))
                .collect();
            (!words.is_empty()).then(|| (words, numbers_in(value)))
        })
        .collect();
    let names = |key: &[String]| key.iter().all(|w| said.contains(w));
    let has = |of: &[f64], n: f64| of.iter().any(|x| (x - n).abs() < 1e-9);
    let foreign = |n: f64| keyed.iter().any(|(k, of)| !names(k) && has(of, n));
    keyed
        .iter()
        .filter(|(key, own)| !own.is_empty() && names(key))
        .find(|(_, own)| {
            !numbers.iter().any(|n| has(own, *n)) && numbers.iter().any(|n| foreign(*n))
        })
        .map(|(key, _)| key.join(" "))
}

/// The unit's name, for units a measure has several of that are not the same amount
/// ("4 hours" is not "4 weeks"), in English or Chinese; `None` for units written many ways
/// (currencies).
pub(super) fn duration_unit(unit: &str) -> Option<&'static str> {
    const UNITS: &[(&str, &str)] = &[
        ("秒", "second"),
        ("分", "minute"),
        ("小时", "hour"),
        ("个小时", "hour"),
        ("钟头", "hour"),
        ("天", "day"),
        ("日", "day"),
        ("晚", "night"),
        ("周", "week"),
        ("星期", "week"),
        ("个星期", "week"),
        ("个月", "month"),
        ("月", "month"),
        ("年", "year"),
        ("sec", "second"),
        ("min", "minute"),
        ("hour", "hour"),
        ("hr", "hour"),
        ("day", "day"),
        ("night", "night"),
        ("week", "week"),
        ("wk", "week"),
        ("fortnight", "fortnight"),
        ("month", "month"),
        ("year", "year"),
        ("yr", "year"),
    ];
    UNITS
        .iter()
        .find(|(prefix, _)| unit.starts_with(prefix))
        .map(|(_, name)| *name)
}

/// Does the unit the sentence gives `number` (when it gives one that names a measure:
/// liters, USD, days, °C) match the unit of the same number in some fact? A number that
/// the facts only have as a price cannot be stated in liters.
fn unit_kept(sentence: &str, number: &str, sources: &[&str]) -> bool {
    use crate::knowledge::{unit_after, unit_type, ValueType};
    let lower = sentence.to_lowercase();
    let Some((said, said_unit)) = lower.match_indices(number).find_map(|(at, _)| {
        let u = unit_after(&lower, at + number.len())?;
        unit_type(&u).map(|t| (t, u))
    }) else {
        return true;
    };
    // Durations compare by unit too: "4 weeks" from "4 hours" is another amount.
    let same_unit =
        |u: &str| said != ValueType::Duration || duration_unit(u) == duration_unit(&said_unit);
    // Compare by value, not text: the reply may write "18.5" for the fact's "18.50".
    sources.iter().any(|s| {
        let s = s.to_lowercase();
        NUMBER.find_iter(&s).any(|m| {
            same_number(m.as_str(), number)
                && unit_after(&s, m.end())
                    .is_some_and(|u| unit_type(&u) == Some(said) && same_unit(&u))
        })
    })
}

/// The sentences of `reply` that pass the guard on their own, joined, with what supported
/// them: one invented sentence costs that sentence, not the whole reply.
pub fn keep_supported(reply: &str, input: &GuardInput) -> (String, GuardReport) {
    let mut kept: Vec<&str> = Vec::new();
    let mut report = GuardReport::default();
    let mut said: HashSet<String> = HashSet::new();
    for sentence in sentences(reply) {
        // A sentence that says again only what an earlier one said ("The Flex Plan is
        // 149 GBP per month. The Flex Plan is 149.") is a small model's echo, not news.
        let own: HashSet<String> = terms(&normalize(&strip_citations(sentence)))
            .into_iter()
            .collect();
        if !kept.is_empty() && own.is_subset(&said) {
            continue;
        }
        let r = check(sentence, input);
        if r.grounded() {
            said.extend(own);
            kept.push(sentence.trim());
            report.supporting.extend(r.supporting);
        } else {
            report.unsupported.extend(r.unsupported);
        }
    }
    report.supporting.sort_unstable();
    report.supporting.dedup();
    let joiner = if kept.iter().any(|s| s.ends_with(['。', '！', '？'])) {
        ""
    } else {
        " "
    };
    (kept.join(joiner), report)
}

#[cfg(test)]
#[path = "guard_tests.rs"]
mod tests;
