//! Which words of a question name its subject and which ask something of it: the names and
//! aliases of the entities linked, against their keys.

use std::collections::HashMap;

use super::graph::{FactKind, Graph};
use super::link::Link;
use super::model::Entity;
use super::words::{closeness, terms_of, Term};
use crate::lexicon::Lexicon;
use crate::text::is_stopword;

/// Does name word `n` say question word `t`? An English word is said by a Chinese name only
/// as written: 余烬之境 is a name, not the "border" its last character glosses as.
pub(super) fn names_word(lex: &Lexicon, t: &Term, n: &Term) -> bool {
    if !t.is_zh() && n.is_zh() {
        return false;
    }
    closeness(lex, t, n) >= 0.75
}

/// Links that name a kind of fact of another entity the question names, dropped: in "are
/// dogs ok in the rowan pods?", "dogs" names the policy Dogs on Site but asks for Rowan
/// Pod's `dogs_allowed`. Such a name is what the question asks, not its subject. When every
/// link would go, none does.
pub(super) fn keys_not_subjects(g: &Graph, links: Vec<Link>) -> Vec<Link> {
    if links.len() < 2 {
        return links;
    }
    let lex = g.lexicon();
    let keys_of = |id: &str| -> Vec<Vec<Term>> {
        g.facts_of(id)
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::Attr(k) => Some(terms_of(lex, k)),
                FactKind::Relation { rel } => Some(terms_of(lex, rel)),
                _ => None,
            })
            .collect()
    };
    let keys: HashMap<&str, Vec<Vec<Term>>> = links
        .iter()
        .map(|l| (l.id.as_str(), keys_of(&l.id)))
        .collect();
    let asked: Vec<bool> = links
        .iter()
        .map(|a| {
            let words: Vec<Term> = terms_of(lex, &a.alias)
                .into_iter()
                .filter(|t| !is_stopword(&t.text))
                .collect();
            !words.is_empty()
                && links
                    .iter()
                    .filter(|b| b.id != a.id && (b.end <= a.start || b.start >= a.end))
                    .any(|b| {
                        keys.get(b.id.as_str()).is_some_and(|ks| {
                            ks.iter().any(|key| {
                                words
                                    .iter()
                                    .all(|w| key.iter().any(|k| names_word(lex, w, k)))
                            })
                        })
                    })
        })
        .collect();
    if asked.iter().all(|&a| a) {
        return links;
    }
    links
        .into_iter()
        .zip(asked)
        .filter_map(|(l, a)| (!a).then_some(l))
        .collect()
}

/// The words that name a linked entity, for telling how a question names its subject
/// from what it asks of it.
pub(super) struct Naming {
    /// The entity's name and the alias the question said (all its names when the question
    /// named it in part or it carried over).
    said: Vec<Term>,
    /// Its other aliases.
    other: Vec<Term>,
    /// Its keys and relations.
    keys: Vec<Term>,
}

impl Naming {
    pub(super) fn of(g: &Graph, e: &Entity, alias: Option<&str>) -> Naming {
        let lex = g.lexicon();
        let words = |s: &str| {
            terms_of(lex, s)
                .into_iter()
                .filter(|t| !is_stopword(&t.text))
                .collect::<Vec<_>>()
        };
        let mut said = words(&e.name);
        let mut other = Vec::new();
        for a in &e.aliases {
            match alias {
                Some(x) if x != a => other.extend(words(a)),
                _ => said.extend(words(a)),
            }
        }
        let keys = g
            .facts_of(&e.id)
            .iter()
            .filter_map(|f| match &f.kind {
                FactKind::Attr(k) => Some(words(k)),
                FactKind::Relation { rel } => Some(words(rel)),
                _ => None,
            })
            .flatten()
            .collect();
        Naming { said, other, keys }
    }

    /// Does `t` name the entity? A word of another alias does, unless one of the entity's
    /// keys says it too: "day ticket" names Day Fishing Permit in "how much for a day
    /// fishing ticket?", while "hot tub lodge" does not answer "does Larch View Lodge have a
    /// hot tub?", which asks its `hot_tub`.
    pub(super) fn names(&self, lex: &Lexicon, t: &Term) -> bool {
        let by = |ns: &[Term]| ns.iter().any(|n| names_word(lex, t, n));
        by(&self.said) || (by(&self.other) && !by(&self.keys))
    }
}

/// The stems of the words of the attribute keys of the entities linked.
pub(super) fn key_stems(g: &Graph, links: &[Link]) -> Vec<String> {
    links
        .iter()
        .flat_map(|l| g.facts_of(&l.id))
        .filter_map(|f| match f.kind {
            FactKind::Attr(k) => Some(k),
            _ => None,
        })
        .flat_map(|k| {
            k.split(['_', ' ', '-'])
                .map(|w| crate::text::stem(w).to_string())
                .collect::<Vec<_>>()
        })
        .collect()
}
