//! Lookups the build shares between its WordNet and CC-CEDICT halves: lemmas by word
//! (before the file exists) and the Chinese-only test.

use std::collections::{BTreeMap, HashMap};

use crate::text::is_cjk;

/// Lemma lookups while building, before the file exists.
pub(super) struct LemmaTable<'a> {
    pub(super) lemmas: &'a [String],
    pub(super) id_of: &'a HashMap<&'a str, u32>,
    pub(super) exceptions: &'a BTreeMap<String, Vec<u32>>,
}

impl LemmaTable<'_> {
    /// A gloss word's lemmas: itself, its irregular base, or a plain plural's singular.
    pub(super) fn lemmas_of(&self, word: &str) -> Vec<u32> {
        if let Some(&id) = self.id_of.get(word) {
            return vec![id];
        }
        if let Some(v) = self.exceptions.get(word) {
            return v.clone();
        }
        for (end, with) in [("ies", "y"), ("es", ""), ("s", "")] {
            if let Some(stem) = word.strip_suffix(end) {
                if let Some(&id) = self.id_of.get(format!("{stem}{with}").as_str()) {
                    return vec![id];
                }
            }
        }
        Vec::new()
    }

    pub(super) fn has(&self, phrase: &str) -> Option<u32> {
        self.id_of
            .get(phrase)
            .copied()
            .filter(|&i| (i as usize) < self.lemmas.len())
    }
}

/// Is every character of `s` Chinese?
pub(super) fn all_cjk(s: &str) -> bool {
    !s.is_empty() && s.chars().all(is_cjk)
}
