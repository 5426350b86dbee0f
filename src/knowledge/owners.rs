//! Which entities a question is about when it names none, or names one that lacks what it
//! asks: the few owners of a key the question says ("what time does the barrier shut?").

use std::collections::HashMap;

use super::candidate::key_terms;
use super::graph::{FactKind, Graph};
use super::score::{is_a_key, Fit, Question};
use super::words::{closeness, Term};

/// A question that names no entity is answered from an attribute's owners when at most
/// this many entities have it; more, and it needs a name to pick one.
pub(super) const LONE_ATTRIBUTE_OWNERS: usize = 3;

/// Entities that own an attribute the question names: when the question names no entity,
/// or (`whole`) beside a named entity that has nothing for it, where only a key said whole
/// or a rule's key holding every word asked counts.
pub(super) fn lone_owners(
    g: &Graph,
    q: &Question,
    cache: &mut HashMap<String, Vec<Term>>,
    declared: &dyn Fn(&str) -> bool,
    whole: bool,
) -> Vec<String> {
    let lex = g.lexicon();
    let mut owners: Vec<String> = Vec::new();
    let salient: Vec<&Term> = q
        .topic
        .iter()
        .filter(|t| t.salient || (is_a_key(g, t) && !super::words::is_general(t)))
        // "at *night*" of a "when" says the kind of answer, not the topic.
        .filter(|t| !q.asked.wants.iter().any(|w| w.says_kind(&t.text)))
        .collect();
    for key in g.attribute_keys() {
        let kt = key_terms(g, cache, key).to_vec();
        // Most of the key, not one word of it: "bin" does not name `bin size`.
        let said = kt
            .iter()
            .filter(|k| {
                q.topic
                    .iter()
                    .chain(&q.form)
                    .any(|t| closeness(lex, t, k) >= 0.9)
            })
            .count();
        let most_of_key = said > 0 && said * 3 >= kt.len() * 2;
        // Or every word the question asks is in the key, as written: "what time does the
        // *barrier* shut?" asks `barrier closed`, whatever else the key says.
        let within = !salient.is_empty()
            && salient
                .iter()
                .all(|t| kt.iter().any(|k| closeness(lex, t, k) >= 1.0));
        // Beside a name that has nothing for it, only a key said whole ("speed limit"),
        // not a word of one ("speed" of the Wi-Fi).
        let most = if whole {
            said == kt.len() && kt.len() >= 2
        } else {
            most_of_key
        };
        if !(declared(key) || most || within) {
            continue;
        }
        // Reached by less than most of the key, or beside another name: only an owner whose
        // value is of the kind asked ("barrier closed: 23:00" for a "what time"; not "bin
        // size: 240 L" for "my bin wasn't emptied, what should I do?").
        let loose = whole || !(declared(key) || most_of_key);
        let mut ids = g.entities_with_attr(key);
        // Beside a name, a key that merely holds the words is only a rule's ("our *dog* on
        // the tent pitch" is the dog rules' `dog_fee`): a peer's key is not the one named's
        // ("my DELE *results*" are not the placement test's `results within`).
        if whole && !most && !declared(key) {
            ids.retain(|id| g.entity(id).is_some_and(|e| is_rule_kind(&e.kind)));
        }
        if loose {
            ids.retain(|id| {
                g.facts_of(id).iter().any(|f| {
                    f.kind == FactKind::Attr(key.clone())
                        && super::score::fit(lex, &q.asked, f, &kt, None) == Some(Fit::Exact)
                })
            });
        }
        if (1..=LONE_ATTRIBUTE_OWNERS).contains(&ids.len()) {
            for id in ids {
                if !owners.contains(&id) {
                    owners.push(id);
                }
            }
        }
    }
    owners
}

/// A kind of entity that holds rules for everything else (a "policy", "house rules"),
/// not a thing beside the others.
fn is_rule_kind(kind: &str) -> bool {
    kind.to_lowercase().split([' ', '_', '-']).any(|w| {
        matches!(
            w,
            "policy"
                | "policies"
                | "rule"
                | "rules"
                | "regulation"
                | "regulations"
                | "terms"
                | "guidelines"
                | "guideline"
                | "etiquette"
                | "code"
        )
    })
}
