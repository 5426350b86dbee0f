//! A char n-gram intent classifier: TF-IDF vectors of the intent examples, nearest
//! example by cosine. It needs no training data beyond the pack and works for scripts
//! with and without spaces.

use std::collections::HashMap;

use crate::knowledge::{Intent, Route};
use crate::text::normalize;

#[derive(Debug, Default)]
pub struct IntentClassifier {
    idf: HashMap<String, f32>,
    /// (intent index, unit vector) per example.
    examples: Vec<(usize, Vec<(String, f32)>)>,
    intents: Vec<(String, Route)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Classification {
    pub intent: String,
    pub route: Route,
    /// Cosine similarity to the nearest example, 0..1.
    pub confidence: f32,
}

/// Character n-grams (2..=4) of the text with spaces as boundaries.
fn ngrams(text: &str) -> HashMap<String, f32> {
    let padded: Vec<char> = format!(" {} ", normalize(text)).chars().collect();
    let mut out: HashMap<String, f32> = HashMap::new();
    for n in 2..=4 {
        for w in padded.windows(n) {
            if w.iter().all(|c| *c == ' ') {
                continue;
            }
            *out.entry(w.iter().collect()).or_default() += 1.0;
        }
    }
    // Single CJK characters carry meaning on their own.
    for c in padded.iter().filter(|c| crate::text::is_cjk(**c)) {
        *out.entry(c.to_string()).or_default() += 1.0;
    }
    out
}

fn unit(mut v: Vec<(String, f32)>) -> Vec<(String, f32)> {
    let norm = v.iter().map(|(_, x)| x * x).sum::<f32>().sqrt();
    if norm > 0.0 {
        for (_, x) in &mut v {
            *x /= norm;
        }
    }
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

impl IntentClassifier {
    pub fn train(intents: &[Intent]) -> IntentClassifier {
        let mut df: HashMap<String, f32> = HashMap::new();
        let mut raw = Vec::new();
        for (i, intent) in intents.iter().enumerate() {
            for ex in &intent.examples {
                let grams = ngrams(ex);
                for g in grams.keys() {
                    *df.entry(g.clone()).or_default() += 1.0;
                }
                raw.push((i, grams));
            }
        }
        let n = raw.len() as f32;
        let idf: HashMap<String, f32> = df
            .into_iter()
            .map(|(g, d)| (g, ((1.0 + n) / (1.0 + d)).ln() + 1.0))
            .collect();
        let examples = raw
            .into_iter()
            .map(|(i, grams)| {
                let v = grams.into_iter().map(|(g, tf)| {
                    let w = idf.get(&g).copied().unwrap_or(1.0);
                    (g, (1.0 + tf.ln()) * w)
                });
                (i, unit(v.collect()))
            })
            .collect();
        IntentClassifier {
            idf,
            examples,
            intents: intents.iter().map(|i| (i.name.clone(), i.route)).collect(),
        }
    }

    /// The nearest intent, or `None` when there are no intents or the text is empty.
    pub fn classify(&self, text: &str) -> Option<Classification> {
        let grams = ngrams(text);
        if grams.is_empty() || self.examples.is_empty() {
            return None;
        }
        // Grams never seen in training get the highest idf: they make the text less
        // like every example, as they should.
        let max_idf = self.idf.values().copied().fold(1.0, f32::max);
        let q: HashMap<String, f32> = unit(
            grams
                .into_iter()
                .map(|(g, tf)| {
                    let w = self.idf.get(&g).copied().unwrap_or(max_idf);
                    (g, (1.0 + tf.ln()) * w)
                })
                .collect(),
        )
        .into_iter()
        .collect();
        let mut best: Option<(usize, f32)> = None;
        for (intent, v) in &self.examples {
            let dot: f32 = v.iter().filter_map(|(g, x)| q.get(g).map(|y| x * y)).sum();
            if best.is_none_or(|(_, b)| dot > b) {
                best = Some((*intent, dot));
            }
        }
        let (i, confidence) = best?;
        let (name, route) = &self.intents[i];
        Some(Classification {
            intent: name.clone(),
            route: *route,
            confidence: confidence.clamp(0.0, 1.0),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::knowledge::Source;

    fn intent(name: &str, route: Route, examples: &[&str]) -> Intent {
        Intent {
            name: name.into(),
            route,
            examples: examples.iter().map(|e| e.to_string()).collect(),
            source: Source {
                file: "intents.toml".into(),
                line: 1,
            },
        }
    }

    fn classifier() -> IntentClassifier {
        IntentClassifier::train(&[
            intent(
                "greet",
                Route::Smalltalk,
                &["hello", "hi there", "good morning", "你好"],
            ),
            intent(
                "ask_price",
                Route::Answer,
                &[
                    "how much is the house blend",
                    "price of yirgacheffe",
                    "耶加雪菲多少钱",
                ],
            ),
            intent(
                "human",
                Route::Handoff,
                &[
                    "I want to talk to a human",
                    "can I speak to a person",
                    "转人工",
                ],
            ),
            intent(
                "complain",
                Route::Complaint,
                &[
                    "my order arrived broken",
                    "this is terrible service",
                    "我要投诉",
                ],
            ),
        ])
    }

    #[test]
    fn classifies_english_and_chinese() {
        let c = classifier();
        assert_eq!(c.classify("Hello!").unwrap().intent, "greet");
        assert_eq!(
            c.classify("how much is the huila").unwrap().intent,
            "ask_price"
        );
        assert_eq!(
            c.classify("I want a human please").unwrap().route,
            Route::Handoff
        );
        assert_eq!(c.classify("哈拉尔多少钱").unwrap().intent, "ask_price");
        assert_eq!(c.classify("你好呀").unwrap().intent, "greet");
        assert_eq!(
            c.classify("the bag arrived broken").unwrap().route,
            Route::Complaint
        );
    }

    #[test]
    fn unrelated_text_has_low_confidence() {
        let c = classifier();
        let hit = c.classify("how much is the huila").unwrap().confidence;
        let miss = c.classify("zebra quantum xylophone").unwrap().confidence;
        assert!(miss < 0.2 && hit > miss, "hit {hit} miss {miss}");
        assert!(c.classify("   ").is_none());
    }
}
