//! One candidate fact of a retrieval and how strongly it answers the question on its own:
//! the value's type against what is asked, the words its key or relation shares with the
//! question, and whether it was reached through a neighbour.

use std::collections::HashMap;

use super::graph::{Fact, FactKind, Graph};
use super::score::{Fit, Judged, Question};
use super::wants::Want;
use super::words::{terms_of, Term};

/// One candidate fact, judged.
pub(super) struct Candidate {
    pub(super) fact: Fact,
    pub(super) judged: Judged,
    pub(super) score: f32,
    pub(super) via: &'static str,
    /// The linked entity it was reached from (its rank in `linked`).
    pub(super) from: usize,
    /// How strongly it answers (0: it does not).
    pub(super) strength: f32,
}

/// The words of a fact's key or relation name (cached per question).
pub(super) fn key_terms<'a>(
    g: &Graph,
    cache: &'a mut HashMap<String, Vec<Term>>,
    key: &str,
) -> &'a [Term] {
    cache
        .entry(key.to_string())
        .or_insert_with(|| terms_of(g.lexicon(), key))
}

/// How strongly a judged fact answers the question on its own (0: it does not). `hop`:
/// reached through a neighbour, where a type alone is not enough unless it is a place or
/// person reached by a relation.
pub(super) fn strength(q: &Question, f: &Fact, j: &Judged, declared: bool, hop: bool) -> f32 {
    if declared {
        return 3.0 + j.fit.map_or(0.0, Fit::value);
    }
    if j.fit == Some(Fit::No) {
        return 0.0;
    }
    let first = q.asked.first();
    let specific = first.is_some_and(|w| !matches!(w, Want::YesNo | Want::Explain));
    let measured_ok = q.asked.measured.is_none() || j.measured;
    let relation = matches!(f.kind, FactKind::Relation { .. });
    let attr_or_rel = matches!(f.kind, FactKind::Attr(_)) || relation;
    if !attr_or_rel {
        return 0.0;
    }
    if j.fit == Some(Fit::Exact) && specific && measured_ok {
        if !hop
            || (relation && matches!(first, Some(Want::Person | Want::Place)))
            || j.named >= 0.75
        {
            return 2.0 + j.named + j.words;
        }
        // The address of the place the entity is held at: a complement, not the answer.
        if matches!(first, Some(Want::Place | Want::Person | Want::Contact)) {
            return 1.0 + j.words;
        }
    }
    if q.asked.measured.is_some() && j.measured && j.fit == Some(Fit::Weak) {
        return 1.8 + j.words;
    }
    if j.named >= 0.75 && measured_ok {
        return 1.5 + j.named + j.fit.map_or(0.0, Fit::value) + j.words;
    }
    if j.fit == Some(Fit::Weak) && j.named >= 0.5 && !hop {
        return 1.0 + j.named + j.words;
    }
    // A yes/no question answered by a value it names ("is the wifi free?" → "free").
    if !hop
        && matches!(first, None | Some(Want::YesNo))
        && j.words >= 0.5
        && q.asked.measured.is_none()
    {
        return 0.8 + j.words;
    }
    0.0
}

/// A fact whose declared words the question says (`[[attribute]] words`) says all it asks.
pub(super) fn declared_covers(mut j: Judged, declared: bool) -> Judged {
    if declared {
        j.covers.iter_mut().for_each(|c| *c = true);
        j.words = 1.0;
    }
    j
}

/// A fact's key or relation as terms, the entity at its far end, and whether the pack
/// declared words for it that the question says.
pub(super) fn fact_terms<'g>(
    g: &'g Graph,
    cache: &mut HashMap<String, Vec<Term>>,
    fact: &Fact,
    subject: &str,
    declared: &dyn Fn(&str) -> bool,
) -> (Vec<Term>, Option<&'g super::model::Entity>, bool) {
    match &fact.kind {
        FactKind::Attr(k) => (key_terms(g, cache, k).to_vec(), None, declared(k)),
        FactKind::Relation { rel } => {
            let far = fact
                .about
                .iter()
                .find(|id| id.as_str() != subject)
                .and_then(|id| g.entity(id));
            (key_terms(g, cache, rel).to_vec(), far, declared(rel))
        }
        _ => (Vec::new(), None, false),
    }
}
