//! English morphology: the dictionary forms of a word as written, the way WordNet's own
//! `morphy` finds them (irregular forms from its exception lists, then regular endings
//! checked against the lemmas), plus derivational endings for words WordNet lacks
//! ("shareable" → "share", "refundable" → "refund").

use super::{Lemma, LemmaInfo, Lexicon};

/// Inflectional endings and what replaces them, per part of speech (WordNet's detachment
/// rules).
const NOUN: &[(&str, &str)] = &[
    ("s", ""),
    ("ses", "s"),
    ("xes", "x"),
    ("zes", "z"),
    ("ches", "ch"),
    ("shes", "sh"),
    ("men", "man"),
    ("ies", "y"),
];
const VERB: &[(&str, &str)] = &[
    ("s", ""),
    ("ies", "y"),
    ("es", "e"),
    ("es", ""),
    ("ed", "e"),
    ("ed", ""),
    ("ing", "e"),
    ("ing", ""),
];
const ADJ: &[(&str, &str)] = &[("er", ""), ("est", ""), ("er", "e"), ("est", "e")];

/// Derivational endings, tried only when a word is not a lemma and no inflection explains
/// it.
const DERIVED: &[(&str, &str)] = &[
    ("ability", ""),
    ("ability", "e"),
    ("ibility", ""),
    ("able", ""),
    ("able", "e"),
    ("ible", ""),
    ("ible", "e"),
    ("ness", ""),
    ("ment", ""),
    ("ity", ""),
    ("ity", "e"),
    ("ation", "e"),
    ("ation", ""),
    ("ion", "e"),
    ("ion", ""),
    ("ly", ""),
    ("ful", ""),
    ("less", ""),
    ("al", ""),
    ("ive", "e"),
    ("ive", ""),
    ("er", ""),
    ("er", "e"),
    ("or", "e"),
    ("or", ""),
];

impl Lexicon {
    /// The dictionary forms of `word` (lower case, one word), best first; empty when the
    /// lexicon knows none.
    pub fn base_forms(&self, word: &str) -> Vec<Lemma> {
        let mut out: Vec<Lemma> = Vec::new();
        let add = |l: Lemma, out: &mut Vec<Lemma>| {
            if !out.contains(&l) {
                out.push(l);
            }
        };
        if word.is_empty() || self.is_empty() {
            return out;
        }
        if let Some(l) = self.find(word) {
            add(l, &mut out);
        }
        for l in self.exceptions(word) {
            add(l, &mut out);
        }
        for (rules, pos) in [
            (NOUN, LemmaInfo::NOUN),
            (VERB, LemmaInfo::VERB),
            (ADJ, LemmaInfo::ADJ),
        ] {
            for (end, with) in rules {
                if let Some(stem) = word.strip_suffix(end) {
                    if stem.len() < 2 {
                        continue;
                    }
                    let candidate = format!("{stem}{with}");
                    if let Some(l) = self.find(&candidate).filter(|&l| self.info(l).is(pos)) {
                        add(l, &mut out);
                    }
                    // "planned", "planning": a doubled consonant before the ending.
                    if pos == LemmaInfo::VERB && with.is_empty() && (*end == "ed" || *end == "ing")
                    {
                        let b = stem.as_bytes();
                        if b.len() >= 3 && b[b.len() - 1] == b[b.len() - 2] {
                            if let Some(l) = self.find(&stem[..stem.len() - 1]) {
                                add(l, &mut out);
                            }
                        }
                    }
                }
            }
        }
        if out.is_empty() {
            for (end, with) in DERIVED {
                if let Some(stem) = word.strip_suffix(end) {
                    if stem.len() < 3 {
                        continue;
                    }
                    if let Some(l) = self.find(&format!("{stem}{with}")) {
                        add(l, &mut out);
                    }
                }
            }
        }
        out
    }
}
