//! How well the spam classifier does on messages it did not learn from: k-fold over a
//! corpus, or trained on one corpus and tried on another. Used by the held-out test (CI
//! asserts its figures) and for choosing the default threshold.

use super::samples::Sample;
use super::spam::SpamFilter;

/// Counts for one language at one threshold.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Tally {
    pub spam: usize,
    pub normal: usize,
    /// Spam judged spam.
    pub caught: usize,
    /// Normal messages judged spam.
    pub wrongly: usize,
}

impl Tally {
    pub fn recall(&self) -> f64 {
        self.caught as f64 / self.spam.max(1) as f64
    }
    pub fn precision(&self) -> f64 {
        self.caught as f64 / (self.caught + self.wrongly).max(1) as f64
    }
    /// The share of normal messages removed.
    pub fn false_positive_rate(&self) -> f64 {
        self.wrongly as f64 / self.normal.max(1) as f64
    }
    fn count(&mut self, spam: bool, judged_spam: bool) {
        if spam {
            self.spam += 1;
            self.caught += usize::from(judged_spam);
        } else {
            self.normal += 1;
            self.wrongly += usize::from(judged_spam);
        }
    }
}

/// Scores of held-out messages: (is spam, is Chinese, score).
pub type Scored = Vec<(bool, bool, f64)>;

/// Score every message of `samples` with a model trained on the other `k - 1` folds
/// (messages dealt to folds in turn, so each fold has the corpus's mix), in `samples`'
/// order.
pub fn kfold(samples: &[Sample], k: usize) -> Scored {
    let k = k.max(2);
    let mut out = vec![(false, false, 0.0); samples.len()];
    for fold in 0..k {
        let train: Vec<Sample> = samples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % k != fold)
            .map(|(_, s)| s.clone())
            .collect();
        let f = SpamFilter::trained_on(&train);
        for (i, s) in samples.iter().enumerate().skip(fold).step_by(k) {
            out[i] = (s.spam, s.zh, f.judge(&s.text).score());
        }
    }
    out
}

/// Score `test` with a model trained on `train` only.
pub fn held_out(train: &[Sample], test: &[Sample]) -> Scored {
    let f = SpamFilter::trained_on(train);
    test.iter()
        .map(|s| (s.spam, s.zh, f.judge(&s.text).score()))
        .collect()
}

/// The tally of `scored` for one language (`zh`) at `threshold`.
pub fn tally(scored: &Scored, zh: bool, threshold: f64) -> Tally {
    let mut t = Tally::default();
    for &(spam, is_zh, score) in scored {
        if is_zh == zh {
            t.count(spam, score >= threshold);
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(spam: bool, text: &str) -> Sample {
        Sample {
            spam,
            zh: false,
            at_ms: 0,
            text: text.into(),
        }
    }

    #[test]
    fn held_out_messages_are_scored_by_a_model_that_never_saw_them() {
        let mut corpus = Vec::new();
        for i in 0..20 {
            corpus.push(s(true, &format!("win a free prize now, text {i} to claim")));
            corpus.push(s(false, &format!("see you at the market at {i} tomorrow")));
        }
        let scored = kfold(&corpus, 5);
        assert_eq!(scored.len(), corpus.len());
        let t = tally(&scored, false, 0.9);
        assert_eq!((t.spam, t.normal), (20, 20));
        assert_eq!((t.caught, t.wrongly), (20, 0), "{t:?}");
        assert_eq!(tally(&scored, true, 0.9), Tally::default());
        // A model that learned nothing about a word cannot be sure of it.
        let other = held_out(&corpus, &[s(true, "zebra quantum")]);
        assert!((other[0].2 - 0.5).abs() < 0.3, "{other:?}");
        assert_eq!(t.precision(), 1.0);
        assert_eq!(t.false_positive_rate(), 0.0);
    }
}
