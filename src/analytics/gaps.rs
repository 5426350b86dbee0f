//! Knowledge gaps: the questions the bot could not answer, grouped by similarity (shared
//! content words after normalising and stemming, English and Chinese) and ranked by how
//! often they were asked, so an admin knows what to add next.

use std::collections::BTreeSet;

use serde::Serialize;

use crate::engagement::{Event, EventKind};
use crate::knowledge::text::{normalize, terms};

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GapGroup {
    /// The most asked wording in the group.
    pub example: String,
    /// How often any question of the group was asked.
    pub count: usize,
    /// Distinct wordings with their counts, most asked first.
    pub questions: Vec<(String, usize)>,
    /// Distinct members who asked.
    pub members: usize,
    pub last_ms: u64,
}

/// Questions sharing at least this share of their content words (Jaccard) are one group.
const SIMILAR: f64 = 0.5;

struct Building {
    terms: BTreeSet<String>,
    questions: Vec<(String, usize)>,
    members: BTreeSet<String>,
    last_ms: u64,
}

/// Group the gap events logged at or after `since_ms`.
pub fn gap_groups(events: impl Iterator<Item = Event>, since_ms: u64) -> Vec<GapGroup> {
    let mut groups: Vec<Building> = Vec::new();
    for e in events {
        let EventKind::Gap { question } = e.kind else {
            continue;
        };
        if e.at_ms < since_ms {
            continue;
        }
        let norm = normalize(&question);
        let t: BTreeSet<String> = terms(&norm).into_iter().collect();
        if t.is_empty() {
            continue;
        }
        let best = groups
            .iter_mut()
            .map(|g| (jaccard(&g.terms, &t), g))
            .filter(|(s, _)| *s >= SIMILAR)
            .max_by(|a, b| a.0.total_cmp(&b.0));
        let g = match best {
            Some((_, g)) => g,
            None => {
                groups.push(Building {
                    terms: t.clone(),
                    questions: Vec::new(),
                    members: BTreeSet::new(),
                    last_ms: 0,
                });
                groups.last_mut().expect("just pushed")
            }
        };
        match g.questions.iter_mut().find(|(q, _)| normalize(q) == norm) {
            Some((_, n)) => *n += 1,
            None => g.questions.push((question.trim().to_string(), 1)),
        }
        g.members.insert(e.member);
        g.last_ms = g.last_ms.max(e.at_ms);
    }
    let mut out: Vec<GapGroup> = groups
        .into_iter()
        .map(|mut g| {
            g.questions
                .sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            GapGroup {
                example: g.questions[0].0.clone(),
                count: g.questions.iter().map(|(_, n)| n).sum(),
                questions: g.questions,
                members: g.members.len(),
                last_ms: g.last_ms,
            }
        })
        .collect();
    out.sort_by(|a, b| b.count.cmp(&a.count).then(b.last_ms.cmp(&a.last_ms)));
    out
}

fn jaccard(a: &BTreeSet<String>, b: &BTreeSet<String>) -> f64 {
    let inter = a.intersection(b).count() as f64;
    let union = a.union(b).count() as f64;
    if union == 0.0 {
        0.0
    } else {
        inter / union
    }
}

/// The groups as text for `/gaps` and `herald kb gaps`.
pub fn render(groups: &[GapGroup], limit: usize) -> String {
    if groups.is_empty() {
        return "No unanswered questions in this period.".into();
    }
    let total: usize = groups.iter().map(|g| g.count).sum();
    let mut out = format!(
        "{total} unanswered question(s) in {} group(s), most asked first:\n",
        groups.len()
    );
    for (i, g) in groups.iter().take(limit).enumerate() {
        out.push_str(&format!(
            "{}. \"{}\" — asked {} time(s) by {} member(s)",
            i + 1,
            g.example,
            g.count,
            g.members
        ));
        let others: Vec<&str> = g
            .questions
            .iter()
            .skip(1)
            .take(3)
            .map(|(q, _)| q.as_str())
            .collect();
        if !others.is_empty() {
            out.push_str(&format!("; also: \"{}\"", others.join("\", \"")));
        }
        out.push('\n');
    }
    if groups.len() > limit {
        out.push_str(&format!("… and {} more group(s)\n", groups.len() - limit));
    }
    out.trim_end().to_string()
}
