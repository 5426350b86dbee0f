//! BM25 over entity summaries and passages, for questions that name no entity.

use std::collections::HashMap;

use super::graph::{Fact, FactKind};
use super::text::{normalize, terms};

const K1: f32 = 1.2;
const B: f32 = 0.75;

#[derive(Debug, Default)]
pub struct LexicalIndex {
    postings: HashMap<String, Vec<(u32, u16)>>,
    doc_len: HashMap<u32, u32>,
    avg_len: f32,
}

/// A lexical match: the fact, its BM25 score, and the share of the question's weight
/// (idf) that it matched, which tells a real hit from a stray common word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub fact: u32,
    pub score: f32,
    pub coverage: f32,
}

impl LexicalIndex {
    pub fn build(facts: &[Fact]) -> LexicalIndex {
        let mut idx = LexicalIndex::default();
        let mut total = 0u64;
        for (i, fact) in facts.iter().enumerate() {
            let text = match &fact.kind {
                // The name is part of the card so "tell me about the roastery" finds it.
                FactKind::Summary => fact.text.clone(),
                FactKind::Passage(_) => fact.text.clone(),
                FactKind::Attr(_) | FactKind::Relation { .. } => continue,
            };
            let words = terms(&normalize(&text));
            let mut tf: HashMap<&str, u16> = HashMap::new();
            for w in &words {
                *tf.entry(w).or_default() += 1;
            }
            for (w, n) in tf {
                idx.postings
                    .entry(w.to_string())
                    .or_default()
                    .push((i as u32, n));
            }
            idx.doc_len.insert(i as u32, words.len() as u32);
            total += words.len() as u64;
        }
        idx.avg_len = if idx.doc_len.is_empty() {
            1.0
        } else {
            total as f32 / idx.doc_len.len() as f32
        };
        idx
    }

    fn idf(&self, df: usize) -> f32 {
        let n = self.doc_len.len() as f32;
        ((n - df as f32 + 0.5) / (df as f32 + 0.5) + 1.0).ln()
    }

    /// The best `k` facts for the question's terms.
    pub fn search(&self, query_terms: &[String], k: usize) -> Vec<Hit> {
        let n = self.doc_len.len();
        let mut acc: HashMap<u32, (f32, f32)> = HashMap::new();
        let mut total_idf = 0.0;
        let mut seen: Vec<&str> = Vec::new();
        for t in query_terms {
            if seen.contains(&t.as_str()) {
                continue;
            }
            seen.push(t);
            let Some(list) = self.postings.get(t) else {
                // An unknown word still counts against coverage: the question is about it.
                total_idf += self.idf(0);
                continue;
            };
            let idf = self.idf(list.len());
            total_idf += idf;
            // A word in more than a tenth of a large pack is noise; skipping it keeps
            // the search inside its latency budget.
            if n > 1000 && list.len() > n / 10 {
                continue;
            }
            for &(doc, tf) in list {
                let len = self.doc_len.get(&doc).copied().unwrap_or(1) as f32;
                let tf = tf as f32;
                let s = idf * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / self.avg_len));
                let e = acc.entry(doc).or_default();
                e.0 += s;
                e.1 += idf;
            }
        }
        let mut hits: Vec<Hit> = acc
            .into_iter()
            .map(|(fact, (score, matched))| Hit {
                fact,
                score,
                coverage: if total_idf > 0.0 {
                    matched / total_idf
                } else {
                    0.0
                },
            })
            .collect();
        hits.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.fact.cmp(&b.fact)));
        hits.truncate(k);
        hits
    }
}
