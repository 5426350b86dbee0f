//! [`SpamFilter`]: the trained spam classifier. A logistic regression (`logistic`) learned from
//! the corpus herald ships (`assets/moderation/corpus/`, credited in its README) and the
//! community's own samples, plus a near-copy check against what the team marked: a
//! message like one a manager marked spam is spam, one like a message they marked normal
//! is not, whatever the words say. Marking retrains at once (a fraction of a second).

use std::sync::{Arc, LazyLock, RwLock};

use super::logistic::{Logistic, Score};
use super::samples::{alike, parse, shingles, Sample, SampleError, SampleFile};
use super::tokens::{features, shown};

/// The corpus herald ships, as (name, text) in the samples format.
pub const CORPUS: &[(&str, &str)] = &[
    (
        "eval/moderation/labelled.txt",
        include_str!("../../eval/moderation/labelled.txt"),
    ),
    (
        "sms-spam-collection.txt",
        include_str!("../../assets/moderation/corpus/sms-spam-collection.txt"),
    ),
    (
        "spamassassin-emails.txt",
        include_str!("../../assets/moderation/corpus/spamassassin-emails.txt"),
    ),
];

/// A near-copy shares at least this share of its three-character pieces with a sample.
const NEAR: f64 = 0.6;
/// Messages shorter than this many pieces are never called near-copies ("ok thanks").
const MIN_SHINGLES: usize = 12;

/// What the filter made of a message.
#[derive(Clone, Debug, PartialEq)]
pub enum Judgement {
    /// A near-copy of a message the team marked spam (how alike, 0 to 1).
    LikeMarkedSpam(f64),
    /// A near-copy of a message the team marked normal: not to be removed by a guess.
    LikeMarkedNormal(f64),
    /// The model's score and the words behind it.
    Model(Score),
}

impl Judgement {
    /// The score to compare with a threshold: 1 or 0 for a near-copy of a marked message.
    pub fn score(&self) -> f64 {
        match self {
            Judgement::LikeMarkedSpam(_) => 1.0,
            Judgement::LikeMarkedNormal(_) => 0.0,
            Judgement::Model(s) => s.spam,
        }
    }

    /// Spam at `threshold` (a near-copy decides whatever the threshold).
    pub fn is_spam(&self, threshold: f64) -> bool {
        match self {
            Judgement::LikeMarkedSpam(_) => true,
            Judgement::LikeMarkedNormal(_) => false,
            Judgement::Model(s) => s.spam >= threshold,
        }
    }

    /// The reason in words, for the member and the audit.
    pub fn reason(&self) -> String {
        match self {
            Judgement::LikeMarkedSpam(sim) => format!(
                "{:.0} % like a message the team marked as spam",
                sim * 100.0
            ),
            Judgement::LikeMarkedNormal(sim) => format!(
                "{:.0} % like a message the team marked as normal",
                sim * 100.0
            ),
            Judgement::Model(s) => {
                // "claim" and "to claim" say the same thing once.
                let mut kept: Vec<&String> = Vec::new();
                for f in &s.because {
                    let overlaps = kept
                        .iter()
                        .any(|k| k.split(' ').any(|w| f.split(' ').any(|x| x == w)));
                    if !overlaps && kept.len() < 3 {
                        kept.push(f);
                    }
                }
                let words: Vec<String> = kept.iter().map(|f| format!("\"{}\"", shown(f))).collect();
                if words.is_empty() {
                    format!("spam score {:.2}", s.spam)
                } else {
                    format!("{}; spam score {:.2}", words.join(", "), s.spam)
                }
            }
        }
    }
}

struct Marked {
    spam: bool,
    shingles: Vec<u64>,
}

struct Inner {
    model: Logistic,
    team: Vec<Sample>,
    marked: Vec<Marked>,
}

/// The classifier, shared by every chat. Cheap to clone.
#[derive(Clone)]
pub struct SpamFilter {
    inner: Arc<RwLock<Inner>>,
    file: Option<Arc<SampleFile>>,
}

impl SpamFilter {
    /// Trained on the shipped corpus only (nothing the team marks is kept).
    pub fn builtin() -> SpamFilter {
        SpamFilter::shipped_and(Vec::new(), None)
    }

    /// Trained on `corpus` only: for measuring on held-out data.
    pub fn trained_on(corpus: &[Sample]) -> SpamFilter {
        SpamFilter::from_samples(corpus.to_vec(), Vec::new(), None)
    }

    /// The shipped corpus and the community's samples in `file` (made when the team first
    /// marks a message). Bad lines are handed back to be reported; the rest are learned.
    pub fn with_samples(file: SampleFile) -> std::io::Result<(SpamFilter, Vec<SampleError>)> {
        let (team, bad) = file.read()?;
        Ok((SpamFilter::shipped_and(team, Some(Arc::new(file))), bad))
    }

    fn from_samples(corpus: Vec<Sample>, team: Vec<Sample>, file: Option<Arc<SampleFile>>) -> Self {
        SpamFilter {
            inner: Arc::new(RwLock::new(train(&corpus, team))),
            file,
        }
    }

    fn shipped_and(team: Vec<Sample>, file: Option<Arc<SampleFile>>) -> Self {
        SpamFilter {
            inner: Arc::new(RwLock::new(with_team(&SHIPPED, team))),
            file,
        }
    }

    /// Judge `text`.
    pub fn judge(&self, text: &str) -> Judgement {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        if !inner.marked.is_empty() {
            let sh = shingles(text);
            if sh.len() >= MIN_SHINGLES {
                // The closest marked message decides; spam wins a tie.
                let best = inner
                    .marked
                    .iter()
                    .map(|m| (alike(&sh, &m.shingles), m.spam))
                    .filter(|(sim, _)| *sim >= NEAR)
                    .max_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
                if let Some((sim, spam)) = best {
                    return if spam {
                        Judgement::LikeMarkedSpam(sim)
                    } else {
                        Judgement::LikeMarkedNormal(sim)
                    };
                }
            }
        }
        Judgement::Model(inner.model.score(&features(text)))
    }

    /// The team marked `text` as spam or normal: kept in the samples file (when there is
    /// one) and learned at once.
    pub fn learn(&self, text: &str, spam: bool, now_ms: u64) -> std::io::Result<()> {
        self.learn_all(&[(text, spam)], now_ms)
    }

    /// [`learn`](Self::learn) several marks with one retraining (a pardon clears several
    /// entries). The model learns them even when the samples file cannot be written; that
    /// error is returned after, and the marks last until the next start.
    pub fn learn_all(&self, marks: &[(&str, bool)], now_ms: u64) -> std::io::Result<()> {
        let mut team = self.samples();
        let mut kept = Ok(());
        for &(text, spam) in marks {
            let sample = Sample {
                spam,
                zh: crate::text::Lang::detect(text).is_zh(),
                at_ms: now_ms,
                text: text.split_whitespace().collect::<Vec<_>>().join(" "),
            };
            if let (Some(f), Ok(())) = (&self.file, &kept) {
                kept = f.append(&sample);
            }
            team.push(sample);
        }
        let fresh = with_team(&SHIPPED, team);
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        kept
    }

    /// The team's samples, oldest first.
    pub fn samples(&self) -> Vec<Sample> {
        let inner = self.inner.read().unwrap_or_else(|e| e.into_inner());
        inner.team.clone()
    }

    /// Replace the team's samples (a manager moved or removed one, or retention dropped
    /// old ones): the file rewritten and the model retrained from the corpus and these.
    pub fn replace(&self, team: Vec<Sample>) -> std::io::Result<()> {
        if let Some(f) = &self.file {
            f.rewrite(&team)?;
        }
        let fresh = with_team(&SHIPPED, team);
        *self.inner.write().unwrap_or_else(|e| e.into_inner()) = fresh;
        Ok(())
    }

    /// Drop the team's samples marked before `cutoff_ms` (retention); how many went.
    pub fn forget_before(&self, cutoff_ms: u64) -> std::io::Result<usize> {
        let team = self.samples();
        let before = team.len();
        let kept: Vec<Sample> = team.into_iter().filter(|s| s.at_ms >= cutoff_ms).collect();
        let gone = before - kept.len();
        if gone > 0 {
            self.replace(kept)?;
        }
        Ok(gone)
    }

    /// Messages the model learned from: (spam, normal).
    pub fn seen(&self) -> (u32, u32) {
        self.inner
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .model
            .seen()
    }
}

/// The shipped corpus's features and the model trained on them, once per process (a
/// moderator without samples shares the model; one with samples trains on both).
struct Shipped {
    rows: Vec<(Vec<String>, bool)>,
    model: Logistic,
}

static SHIPPED: LazyLock<Shipped> = LazyLock::new(|| {
    let rows: Vec<(Vec<String>, bool)> = shipped()
        .iter()
        .map(|s| (features(&s.text), s.spam))
        .collect();
    let model = Logistic::train(&rows);
    Shipped { rows, model }
});

fn train(corpus: &[Sample], team: Vec<Sample>) -> Inner {
    let rows: Vec<(Vec<String>, bool)> = corpus
        .iter()
        .chain(&team)
        .map(|s| (features(&s.text), s.spam))
        .collect();
    let marked = team.iter().map(marked).collect();
    Inner {
        model: Logistic::train(&rows),
        team,
        marked,
    }
}

fn with_team(base: &Shipped, team: Vec<Sample>) -> Inner {
    let model = if team.is_empty() {
        base.model.clone()
    } else {
        let mut rows = base.rows.clone();
        rows.extend(team.iter().map(|s| (features(&s.text), s.spam)));
        Logistic::train(&rows)
    };
    let marked = team.iter().map(marked).collect();
    Inner {
        model,
        team,
        marked,
    }
}

fn marked(s: &Sample) -> Marked {
    Marked {
        spam: s.spam,
        shingles: shingles(&s.text),
    }
}

/// The shipped corpus. Its files are checked by a test, so a bad line here is a build
/// mistake; it is skipped rather than stopping the bot.
pub fn shipped() -> Vec<Sample> {
    CORPUS
        .iter()
        .flat_map(|(name, text)| parse(name, text).0)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_corpus_is_clean_and_trains_both_sides() {
        for (name, text) in CORPUS {
            let (ok, bad) = parse(name, text);
            assert!(bad.is_empty(), "{bad:?}");
            assert!(
                ok.iter().any(|s| s.spam) && ok.iter().any(|s| !s.spam),
                "{name}"
            );
        }
        let f = SpamFilter::builtin();
        let (s, n) = f.seen();
        assert!(s > 100 && n > 100, "{s} {n}");
    }

    #[test]
    fn marking_a_message_catches_its_near_copies_and_unmarking_frees_them() {
        let dir = tempfile::tempdir().unwrap();
        let file = SampleFile::new(dir.path().join("samples.txt"));
        let (f, bad) = SpamFilter::with_samples(file).unwrap();
        assert!(bad.is_empty());
        let spam =
            "Selling cheap followers and likes, 1000 for 5 USD, message me on telegram @boostking";
        let copy =
            "selling CHEAP followers & likes!! 2000 for 9 USD, message me on telegram @boost_queen";
        f.learn(spam, true, 1).unwrap();
        let j = f.judge(copy);
        assert!(matches!(j, Judgement::LikeMarkedSpam(_)), "{j:?}");
        assert!(j.is_spam(0.99) && j.reason().contains("marked as spam"));
        let normal =
            "We are planning the Saturday tasting, who is bringing the cups and the kettle?";
        let n = f.judge(normal);
        assert!(!matches!(n, Judgement::LikeMarkedSpam(_)), "{n:?}");
        // A restart reads the samples back.
        let (again, _) =
            SpamFilter::with_samples(SampleFile::new(dir.path().join("samples.txt"))).unwrap();
        assert!(again.judge(copy).is_spam(0.99));
        assert_eq!(again.samples().len(), 1);
        // The team changes its mind: the same message marked normal is kept.
        let mut team = again.samples();
        team[0].spam = false;
        again.replace(team).unwrap();
        assert!(matches!(again.judge(copy), Judgement::LikeMarkedNormal(_)));
        let (third, _) =
            SpamFilter::with_samples(SampleFile::new(dir.path().join("samples.txt"))).unwrap();
        assert!(!third.judge(copy).is_spam(0.0));
        // Retention: a sample marked before the cutoff goes, from the file too.
        third.learn(normal, false, 500).unwrap();
        assert_eq!(third.forget_before(100).unwrap(), 1);
        assert_eq!(third.forget_before(100).unwrap(), 0);
        let left = third.samples();
        assert_eq!((left.len(), left[0].at_ms), (1, 500));
        let on_disk = std::fs::read_to_string(dir.path().join("samples.txt")).unwrap();
        assert!(
            !on_disk.contains("followers") && on_disk.contains("tasting"),
            "{on_disk}"
        );
    }
}
