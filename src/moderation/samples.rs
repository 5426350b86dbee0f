//! Labelled messages as plain lines, `label|lang|flags|text`: the corpus herald ships and
//! the community's own samples (what its managers marked with `/spam` and `/notspam`),
//! and how alike two messages are (a near-copy of a marked message is judged like it).
//!
//! `label` is `S` (spam) or `N` (normal); `lang` `en` or `zh`; `flags` `-` or
//! comma-separated marks, of which `t<ms>` (when a manager marked it, for retention) is
//! the one read here. A bad line is reported with its `path:line` and the rest load.

use std::collections::BTreeSet;
use std::hash::{Hash, Hasher};
use std::io::Write;
use std::path::{Path, PathBuf};

use super::words::fold;

/// One labelled message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sample {
    pub spam: bool,
    pub zh: bool,
    /// When a manager marked it (0: shipped with herald).
    pub at_ms: u64,
    pub text: String,
}

/// A line that is not a sample: where and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct SampleError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// The samples in `text`, and every line that is not one.
pub fn parse(path: &str, text: &str) -> (Vec<Sample>, Vec<SampleError>) {
    let mut out = Vec::new();
    let mut errors = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        match parse_line(line) {
            Ok(s) => out.push(s),
            Err(message) => errors.push(SampleError {
                path: path.to_string(),
                line: i + 1,
                message,
            }),
        }
    }
    (out, errors)
}

fn parse_line(line: &str) -> Result<Sample, String> {
    let mut parts = line.splitn(4, '|');
    let (Some(label), Some(lang), Some(flags), Some(text)) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("not label|lang|flags|text".into());
    };
    let spam = match label.trim() {
        "S" => true,
        "N" => false,
        other => return Err(format!("the label is S or N, not {other:?}")),
    };
    let zh = match lang.trim() {
        "zh" => true,
        "en" => false,
        other => return Err(format!("the language is en or zh, not {other:?}")),
    };
    let at_ms = flags
        .split(',')
        .find_map(|f| f.trim().strip_prefix('t'))
        .map(|t| {
            t.parse::<u64>()
                .map_err(|_| format!("t{t} is not a time in milliseconds"))
        })
        .transpose()?
        .unwrap_or(0);
    let text = text.trim();
    if text.is_empty() {
        return Err("the message is empty".into());
    }
    Ok(Sample {
        spam,
        zh,
        at_ms,
        text: text.to_string(),
    })
}

/// `sample` as one line of a samples file (line breaks and bars inside the text become
/// spaces, so it reads back as it was written).
pub(super) fn line(sample: &Sample) -> String {
    let text: String = sample
        .text
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let flags = if sample.at_ms > 0 {
        format!("t{}", sample.at_ms)
    } else {
        "-".into()
    };
    format!(
        "{}|{}|{flags}|{}",
        if sample.spam { "S" } else { "N" },
        if sample.zh { "zh" } else { "en" },
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

/// The community's samples file: read at start, appended to as managers mark messages.
#[derive(Debug)]
pub struct SampleFile {
    path: PathBuf,
}

impl SampleFile {
    pub fn new(path: impl Into<PathBuf>) -> SampleFile {
        SampleFile { path: path.into() }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What the file holds (nothing when it does not exist yet), and its bad lines.
    pub fn read(&self) -> std::io::Result<(Vec<Sample>, Vec<SampleError>)> {
        match std::fs::read_to_string(&self.path) {
            Ok(text) => Ok(parse(&self.path.display().to_string(), &text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((Vec::new(), Vec::new())),
            Err(e) => Err(e),
        }
    }

    /// Add one sample at the end (the file and its folder are made when missing).
    pub fn append(&self, sample: &Sample) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let mut f = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)?;
        writeln!(f, "{}", line(sample))
    }

    /// Write `samples` in place of what the file holds (through a temporary file, so a
    /// crash leaves the old or the new file, never half of one). Bad lines are kept as
    /// they were, at the end, so nothing a manager wrote is lost.
    pub fn rewrite(&self, samples: &[Sample]) -> std::io::Result<()> {
        let kept_bad: Vec<String> = match std::fs::read_to_string(&self.path) {
            Ok(text) => text
                .lines()
                .filter(|l| {
                    let l = l.trim();
                    !l.is_empty() && (l.starts_with('#') || parse_line(l).is_err())
                })
                .map(str::to_string)
                .collect(),
            Err(_) => Vec::new(),
        };
        let mut text = String::new();
        for l in kept_bad.iter().filter(|l| l.starts_with('#')) {
            text.push_str(l);
            text.push('\n');
        }
        for s in samples {
            text.push_str(&line(s));
            text.push('\n');
        }
        for l in kept_bad.iter().filter(|l| !l.starts_with('#')) {
            text.push_str(l);
            text.push('\n');
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        let tmp = self.path.with_extension("txt.tmp");
        std::fs::write(&tmp, text)?;
        std::fs::rename(&tmp, &self.path)
    }
}

/// A message's shingles: hashes of its overlapping three-character pieces, folded and
/// with spacing and punctuation ignored, so a near-copy with another number or link or an
/// extra word still shares most of them.
pub(super) fn shingles(text: &str) -> Vec<u64> {
    let head: String = text.chars().take(super::tokens::MAX_CHARS).collect();
    let chars: Vec<char> = fold(&head)
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect();
    let mut set = BTreeSet::new();
    for w in chars.windows(3) {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        w.hash(&mut h);
        set.insert(h.finish());
    }
    set.into_iter().collect()
}

/// Jaccard similarity of two sorted shingle lists (0 to 1).
pub(super) fn alike(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_lines_are_reported_by_line_and_the_rest_load() {
        let text = "# comment\nS|en|-|win a prize\nX|en|-|odd label\nN|fr|-|bonjour\nS|en|t12|\n\
                    N|en|tsoon|later\njust text\nN|zh|t1700000000000|周末见|还有竖线\n";
        let (ok, bad) = parse("samples.txt", text);
        assert_eq!(ok.len(), 2);
        assert_eq!(ok[1].text, "周末见|还有竖线");
        assert!(ok[1].zh && !ok[1].spam && ok[1].at_ms == 1_700_000_000_000);
        let shown: Vec<String> = bad.iter().map(ToString::to_string).collect();
        assert_eq!(
            shown,
            [
                "samples.txt:3: the label is S or N, not \"X\"",
                "samples.txt:4: the language is en or zh, not \"fr\"",
                "samples.txt:5: the message is empty",
                "samples.txt:6: tsoon is not a time in milliseconds",
                "samples.txt:7: not label|lang|flags|text",
            ]
        );
    }

    #[test]
    fn a_sample_reads_back_as_written_and_rewrites_keep_bad_lines() {
        let dir = tempfile::tempdir().unwrap();
        let file = SampleFile::new(dir.path().join("mod/samples.txt"));
        assert_eq!(file.read().unwrap(), (Vec::new(), Vec::new()));
        let s = Sample {
            spam: true,
            zh: false,
            at_ms: 42,
            text: "win\na prize\r\nnow".into(),
        };
        file.append(&s).unwrap();
        std::fs::write(
            file.path(),
            std::fs::read_to_string(file.path()).unwrap() + "broken line\n",
        )
        .unwrap();
        let (ok, bad) = file.read().unwrap();
        assert_eq!(ok[0].text, "win a prize now");
        assert_eq!(bad.len(), 1);
        let moved = Sample {
            spam: false,
            ..ok[0].clone()
        };
        file.rewrite(&[moved]).unwrap();
        let (ok, bad) = file.read().unwrap();
        assert!(!ok[0].spam && ok[0].at_ms == 42);
        assert_eq!(bad.len(), 1, "the manager's broken line is kept");
    }

    #[test]
    fn near_copies_are_alike_and_other_messages_are_not() {
        let a = shingles("Claim your FREE airdrop now at https://drop-claim.xyz before it ends!");
        let b = shingles("claim your free airdrop now at https://claim-drop.top before it ends");
        let c = shingles("Is the shop open on Sunday afternoon?");
        assert!(alike(&a, &b) > 0.6, "{}", alike(&a, &b));
        assert!(alike(&a, &c) < 0.1, "{}", alike(&a, &c));
        assert_eq!(alike(&a, &[]), 0.0);
        assert!(alike(&a, &a) > 0.999);
    }
}
