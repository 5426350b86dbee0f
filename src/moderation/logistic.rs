//! [`Logistic`]: the spam model, logistic regression over a message's features (`tokens`),
//! each message's features scaled to unit length so a long e-mail is not surer than a
//! short text for being long. Written here rather than taken from a crate: linfa's
//! logistic regression wants a dense matrix (ten thousand messages by a hundred thousand
//! features), and this is a hundred lines that train in well under a second and say
//! which words made the model sure — what the member and the audit are told.

use std::collections::HashMap;

/// How sure the model is that a message is spam, and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Score {
    /// 0 to 1.
    pub spam: f64,
    /// The features that pushed most towards spam, strongest first.
    pub because: Vec<String>,
}

/// Features seen in fewer messages than this are not learned (one message's odd word is
/// not evidence, and the model stays small).
const MIN_SEEN: u32 = 2;
/// Passes over the training messages.
const EPOCHS: usize = 12;
/// L2 penalty per update: keeps weights of rare words small.
const L2: f64 = 1e-5;
const RATE: f64 = 1.0;

/// A trained model: a weight per known feature and a bias.
#[derive(Clone, Debug, Default)]
pub(super) struct Logistic {
    index: HashMap<String, usize>,
    names: Vec<String>,
    weights: Vec<f64>,
    bias: f64,
    seen: (u32, u32),
}

impl Logistic {
    /// Train on `(features, is spam)` pairs. Spam and normal messages count equally in
    /// total, whatever their mix in the corpus (the threshold, not the mix, decides).
    pub(super) fn train(messages: &[(Vec<String>, bool)]) -> Logistic {
        let mut df: HashMap<&str, u32> = HashMap::new();
        for (fs, _) in messages {
            for f in fs {
                *df.entry(f.as_str()).or_default() += 1;
            }
        }
        let mut names: Vec<String> = df
            .into_iter()
            .filter(|(_, n)| *n >= MIN_SEEN)
            .map(|(f, _)| f.to_string())
            .collect();
        names.sort();
        let index: HashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, f)| (f.clone(), i))
            .collect();
        let rows: Vec<(Vec<usize>, bool)> = messages
            .iter()
            .map(|(fs, spam)| {
                (
                    fs.iter().filter_map(|f| index.get(f).copied()).collect(),
                    *spam,
                )
            })
            .collect();
        let spam = rows.iter().filter(|r| r.1).count().max(1) as f64;
        let normal = (rows.len() as f64 - spam).max(1.0);
        let class_weight = |is_spam: bool| {
            let half = rows.len() as f64 / 2.0;
            if is_spam {
                half / spam
            } else {
                half / normal
            }
        };
        let mut weights = vec![0.0; names.len()];
        let mut sq = vec![1e-8; names.len()];
        let mut bias = 0.0;
        let mut bias_sq = 1e-8;
        // A fixed shuffle (a linear congruential walk), so training is the same every run.
        let mut order: Vec<usize> = (0..rows.len()).collect();
        let mut state: u64 = 0x2545_F491_4F6C_DD1D;
        for epoch in 0..EPOCHS {
            for i in (1..order.len()).rev() {
                state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1_442_695_040_888_963_407 + epoch as u64);
                order.swap(i, (state >> 33) as usize % (i + 1));
            }
            for &r in &order {
                let (fs, is_spam) = &rows[r];
                let x = 1.0 / (fs.len().max(1) as f64).sqrt();
                let z = bias + fs.iter().map(|&f| weights[f]).sum::<f64>() * x;
                let p = sigmoid(z);
                let g = (p - f64::from(u8::from(*is_spam))) * class_weight(*is_spam);
                // Adagrad: each weight's step shrinks with how much it has moved.
                for &f in fs {
                    let grad = g * x + L2 * weights[f];
                    sq[f] += grad * grad;
                    weights[f] -= RATE * grad / sq[f].sqrt();
                }
                bias_sq += g * g;
                bias -= RATE * g / f64::sqrt(bias_sq);
            }
        }
        let spam_n = rows.iter().filter(|r| r.1).count() as u32;
        Logistic {
            index,
            names,
            weights,
            bias,
            seen: (spam_n, rows.len() as u32 - spam_n),
        }
    }

    /// Messages trained on: (spam, normal).
    pub(super) fn seen(&self) -> (u32, u32) {
        self.seen
    }

    /// The chance that a message with `features` is spam.
    pub(super) fn score(&self, features: &[String]) -> Score {
        if self.names.is_empty() {
            return Score {
                spam: 0.0,
                because: Vec::new(),
            };
        }
        let known: Vec<usize> = features
            .iter()
            .filter_map(|f| self.index.get(f).copied())
            .collect();
        let x = 1.0 / (features.len().max(1) as f64).sqrt();
        let z = self.bias + known.iter().map(|&f| self.weights[f]).sum::<f64>() * x;
        let mut pushes: Vec<(f64, usize)> = known
            .iter()
            .map(|&f| (self.weights[f], f))
            .filter(|(w, _)| *w > 0.0)
            .collect();
        pushes.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        Score {
            spam: sigmoid(z),
            because: pushes
                .into_iter()
                .take(6)
                .map(|(_, f)| self.names[f].clone())
                .collect(),
        }
    }
}

fn sigmoid(z: f64) -> f64 {
    1.0 / (1.0 + (-z).exp())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::moderation::tokens::features;

    fn model(spam: &[&str], normal: &[&str]) -> Logistic {
        let mut rows = Vec::new();
        for t in spam {
            rows.push((features(t), true));
        }
        for t in normal {
            rows.push((features(t), false));
        }
        Logistic::train(&rows)
    }

    #[test]
    fn it_learns_words_from_examples_and_names_them() {
        let b = model(
            &[
                "WIN a free prize, text WIN to 80086",
                "you have won a prize! call 09061701461",
                "free entry to win cash, text to 87121",
                "claim your prize now, text CLAIM to 84025",
            ],
            &[
                "are we still on for coffee at 5?",
                "I won the quiz last night haha",
                "is the shop open on sunday?",
                "free for a call later?",
                "is the market open later?",
            ],
        );
        let s = b.score(&features("Congrats, you won a PRIZE! text CLAIM to 84025"));
        assert!(s.spam > 0.8, "{s:?}");
        assert!(s.because.iter().any(|w| w == "prize"), "{s:?}");
        let n = b.score(&features("is the shop open later?"));
        assert!(n.spam < 0.3, "{n:?}");
        assert_eq!(b.seen(), (4, 5));
    }

    #[test]
    fn an_empty_model_judges_nothing() {
        assert_eq!(Logistic::default().score(&features("free prize")).spam, 0.0);
        assert_eq!(
            Logistic::train(&[]).score(&features("free prize")).spam,
            0.0
        );
    }
}
