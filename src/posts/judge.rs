//! The judge: predicts a post's engagement (reactions + replies + clicks) from its features.
//! Trained by ridge regression on this community's own measured posts; below a minimum it
//! uses the documented heuristic prior. Also says *why* a text scores as it does.

use serde::Serialize;

pub use crate::analytics::features::{Example, Features};

/// The heuristic prior, used until enough posts are measured. Engagement per post, from
/// what community managers commonly report: a base of 2, +1.5 for a question, +0.5 per emoji
/// (up to 2), −1 for very short (< 80 chars) or long (> 400) texts, +0.5 for a link, +0.5
/// per named entity (up to 2), +1 × sentiment, +1 in the evening (17:00–20:59), −1 at night
/// (23:00–06:59).
pub fn prior(f: &Features) -> f64 {
    let mut s = 2.0;
    if f.question {
        s += 1.5;
    }
    s += 0.5 * f.emoji.min(2) as f64;
    if f.chars < 80 || f.chars > 400 {
        s -= 1.0;
    }
    if f.links > 0 {
        s += 0.5;
    }
    s += 0.5 * f.entities.min(2) as f64;
    s += f.sentiment;
    match f.hour {
        17..=20 => s += 1.0,
        23 | 0..=6 => s -= 1.0,
        _ => {}
    }
    s.max(0.0)
}

/// How well a model orders held-out posts.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Evaluation {
    pub trained_on: usize,
    pub held_out: usize,
    /// Share of held-out pairs with different engagement that the model orders correctly.
    pub model_accuracy: f64,
    pub prior_accuracy: f64,
}

/// The judge the drafts are ranked by.
#[derive(Clone, Debug, Default)]
pub struct Judge {
    /// Ridge weights on `ln(1 + engagement)`; `None` while the prior is used.
    weights: Option<Vec<f64>>,
    pub evaluation: Option<Evaluation>,
    pub measured: usize,
}

impl Judge {
    /// Train on `examples` (oldest first) when there are at least `min_posts`: the newest
    /// fifth is held out to measure accuracy, then the model is refitted on everything.
    pub fn train(examples: &[Example], min_posts: usize) -> Judge {
        let measured = examples.len();
        if measured < min_posts.max(5) {
            return Judge {
                measured,
                ..Judge::default()
            };
        }
        let split = measured - (measured / 5).max(2);
        let (train, test) = examples.split_at(split);
        let held = fit(train);
        let evaluation = held.as_ref().map(|w| Evaluation {
            trained_on: train.len(),
            held_out: test.len(),
            model_accuracy: pair_accuracy(test, |f| predict(w, f)),
            prior_accuracy: pair_accuracy(test, prior),
        });
        Judge {
            weights: fit(examples),
            evaluation,
            measured,
        }
    }

    pub fn trained(&self) -> bool {
        self.weights.is_some()
    }

    /// Predicted engagement of a post with these features.
    pub fn predict(&self, f: &Features) -> f64 {
        match &self.weights {
            Some(w) => predict(w, f),
            None => prior(f),
        }
    }

    /// The hour of day this text is predicted to do best at, and the prediction there.
    pub fn best_hour(&self, f: &Features) -> (u32, f64) {
        let mut best = (f.hour, f64::MIN);
        for hour in 7..23 {
            let p = self.predict(&Features { hour, ..f.clone() });
            if p > best.1 {
                best = (hour, p);
            }
        }
        best
    }
}

/// The regression's inputs: bias, length bands, question, emoji, links, hashtags,
/// entities, sentiment, weekend, then one column per hour of day.
fn inputs(f: &Features) -> Vec<f64> {
    let mut v = vec![
        1.0,
        (f.chars < 80) as u8 as f64,
        (f.chars > 400) as u8 as f64,
        f.question as u8 as f64,
        f.emoji.min(3) as f64 / 3.0,
        (f.links > 0) as u8 as f64,
        (f.hashtags > 0) as u8 as f64,
        f.entities.min(3) as f64 / 3.0,
        f.sentiment,
        f.weekend as u8 as f64,
    ];
    v.extend((0..24).map(|h| (h == f.hour) as u8 as f64));
    v
}

fn predict(w: &[f64], f: &Features) -> f64 {
    let x = inputs(f);
    let y: f64 = w.iter().zip(&x).map(|(a, b)| a * b).sum();
    y.exp_m1().max(0.0)
}

/// Ridge regression (λ = 1, bias not penalised) by the normal equations.
fn fit(examples: &[Example]) -> Option<Vec<f64>> {
    let first = examples.first()?;
    let d = inputs(&first.features).len();
    let mut a = vec![vec![0.0; d]; d];
    let mut b = vec![0.0; d];
    for e in examples {
        let x = inputs(&e.features);
        let y = e.engagement.max(0.0).ln_1p();
        for i in 0..d {
            b[i] += x[i] * y;
            for j in 0..d {
                a[i][j] += x[i] * x[j];
            }
        }
    }
    for (i, row) in a.iter_mut().enumerate().skip(1) {
        row[i] += 1.0;
    }
    solve(a, b)
}

/// Gaussian elimination with partial pivoting.
#[allow(clippy::needless_range_loop)]
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Option<Vec<f64>> {
    let n = b.len();
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-12 {
            return None;
        }
        a.swap(col, pivot);
        b.swap(col, pivot);
        for row in col + 1..n {
            let factor = a[row][col] / a[col][col];
            if factor == 0.0 {
                continue;
            }
            for k in col..n {
                a[row][k] -= factor * a[col][k];
            }
            b[row] -= factor * b[col];
        }
    }
    let mut x = vec![0.0; n];
    for row in (0..n).rev() {
        let s: f64 = (row + 1..n).map(|k| a[row][k] * x[k]).sum();
        x[row] = (b[row] - s) / a[row][row];
    }
    x.iter().all(|v| v.is_finite()).then_some(x)
}

/// Concordance: of the pairs whose engagement differs, the share the model orders the same
/// way (ties in the prediction count half).
pub fn pair_accuracy(examples: &[Example], model: impl Fn(&Features) -> f64) -> f64 {
    let preds: Vec<f64> = examples.iter().map(|e| model(&e.features)).collect();
    let (mut good, mut pairs) = (0.0, 0.0);
    for i in 0..examples.len() {
        for j in i + 1..examples.len() {
            let dy = examples[i].engagement - examples[j].engagement;
            if dy == 0.0 {
                continue;
            }
            pairs += 1.0;
            let dp = preds[i] - preds[j];
            if dp == 0.0 {
                good += 0.5;
            } else if dp.signum() == dy.signum() {
                good += 1.0;
            }
        }
    }
    if pairs == 0.0 {
        0.0
    } else {
        good / pairs
    }
}

/// Plain-words reasons for a score: what helps and what hurts.
pub fn reasons(f: &Features) -> Vec<String> {
    let mut r = vec![format!(
        "{} chars{}",
        f.chars,
        if f.chars < 80 {
            " (short)"
        } else if f.chars > 400 {
            " (long)"
        } else {
            ""
        }
    )];
    r.push(
        if f.question {
            "asks a question"
        } else {
            "no question"
        }
        .to_string(),
    );
    if f.emoji > 0 {
        r.push(format!("{} emoji", f.emoji));
    }
    if f.links > 0 {
        r.push(format!("{} link(s)", f.links));
    }
    if f.hashtags > 0 {
        r.push(format!("{} hashtag(s)", f.hashtags));
    }
    if f.entities > 0 {
        r.push(format!("names {} known item(s)", f.entities));
    }
    r.push(
        match f.sentiment {
            s if s > 0.2 => "positive tone",
            s if s < -0.2 => "negative tone",
            _ => "neutral tone",
        }
        .to_string(),
    );
    r
}

#[cfg(test)]
#[path = "judge_tests.rs"]
mod tests;
