//! BM25 over entity summaries and passages, for questions that name no entity. Each
//! segment keeps its own postings; document frequencies are summed across segments at
//! query time, so a segment never needs rebuilding when another file changes.

use rustc_hash::FxHashMap as HashMap;

use super::model::{Entity, Passage};
use crate::text::{normalize, terms};

const K1: f32 = 1.2;
const B: f32 = 0.75;

/// A document of a segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(super) enum Doc {
    /// An entity's summary (local entity index).
    Summary(u32),
    /// A passage (local passage index).
    Passage(u32),
}

#[derive(Debug, Default)]
pub struct LexicalSegment {
    postings: HashMap<String, Vec<(u32, u16)>>,
    docs: Vec<(Doc, u32)>,
    total_len: u64,
}

/// Pack-wide statistics, summed over segments when a graph is built.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct LexicalStats {
    n_docs: usize,
    avg_len: f32,
}

impl LexicalStats {
    pub(super) fn of<'a>(segments: impl Iterator<Item = &'a LexicalSegment>) -> LexicalStats {
        let (mut n, mut total) = (0usize, 0u64);
        for s in segments {
            n += s.docs.len();
            total += s.total_len;
        }
        LexicalStats {
            n_docs: n,
            avg_len: if n == 0 { 1.0 } else { total as f32 / n as f32 },
        }
    }

    fn idf(&self, df: usize) -> f32 {
        let n = self.n_docs as f32;
        ((n - df as f32 + 0.5) / (df as f32 + 0.5) + 1.0).ln()
    }
}

/// A lexical match: its BM25 score, and the share of the question's weight (idf) that it
/// matched, which tells a real hit from a stray common word.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hit {
    pub score: f32,
    pub coverage: f32,
}

impl LexicalSegment {
    pub fn build(entities: &[Entity], passages: &[Passage]) -> LexicalSegment {
        let mut seg = LexicalSegment::default();
        let summaries = entities.iter().enumerate().filter_map(|(i, e)| {
            e.summary
                .as_ref()
                .map(|s| (Doc::Summary(i as u32), format!("{} {}", e.name, s)))
        });
        let passages = passages
            .iter()
            .enumerate()
            .map(|(i, p)| (Doc::Passage(i as u32), format!("{} {}", p.title, p.body)));
        for (doc, text) in summaries.chain(passages) {
            let words = terms(&normalize(&text));
            let mut tf: HashMap<&str, u16> = HashMap::default();
            for w in &words {
                *tf.entry(w).or_default() += 1;
            }
            let id = seg.docs.len() as u32;
            for (w, n) in tf {
                seg.postings.entry(w.to_string()).or_default().push((id, n));
            }
            seg.docs.push((doc, words.len() as u32));
            seg.total_len += words.len() as u64;
        }
        seg
    }
}

/// The best `k` documents of all segments' postings (in the graph's segment order) for
/// the question's terms.
pub(super) fn search(
    stats: &LexicalStats,
    segments: &[&LexicalSegment],
    query_terms: &[String],
    k: usize,
) -> Vec<(u32, Doc, Hit)> {
    let mut unique: Vec<&String> = Vec::new();
    for t in query_terms {
        if !unique.contains(&t) {
            unique.push(t);
        }
    }
    // Document frequency of each term across the pack.
    let df: Vec<usize> = unique
        .iter()
        .map(|t| {
            segments
                .iter()
                .map(|s| s.postings.get(*t).map_or(0, Vec::len))
                .sum()
        })
        .collect();
    let idf: Vec<f32> = df.iter().map(|&d| stats.idf(d)).collect();
    let total_idf: f32 = idf.iter().sum();
    if total_idf <= 0.0 {
        return Vec::new();
    }
    let mut acc: HashMap<(u32, u32), (f32, f32)> = HashMap::default();
    for (ti, t) in unique.iter().enumerate() {
        // A word in more than a tenth of a large pack is noise; skipping it keeps the
        // search inside its latency budget.
        if stats.n_docs > 1000 && df[ti] > stats.n_docs / 10 {
            continue;
        }
        for (si, seg) in segments.iter().enumerate() {
            let Some(list) = seg.postings.get(*t) else {
                continue;
            };
            for &(doc, tf) in list {
                let len = seg.docs[doc as usize].1 as f32;
                let tf = tf as f32;
                let s = idf[ti] * tf * (K1 + 1.0) / (tf + K1 * (1.0 - B + B * len / stats.avg_len));
                let e = acc.entry((si as u32, doc)).or_default();
                e.0 += s;
                e.1 += idf[ti];
            }
        }
    }
    let mut hits: Vec<(u32, u32, Hit)> = acc
        .into_iter()
        .map(|((seg, doc), (score, matched))| {
            (
                seg,
                doc,
                Hit {
                    score,
                    coverage: matched / total_idf,
                },
            )
        })
        .collect();
    hits.sort_by(|a, b| {
        b.2.score
            .total_cmp(&a.2.score)
            .then((a.0, a.1).cmp(&(b.0, b.1)))
    });
    hits.truncate(k);
    hits.into_iter()
        .map(|(seg, doc, hit)| (seg, segments[seg as usize].docs[doc as usize].0, hit))
        .collect()
}
