//! Knowledge gaps: the questions the bot could not answer, grouped by similarity (shared
//! content words after normalising and stemming, English and Chinese) and ranked by how
//! often they were asked, so an admin knows what to add next.

use std::collections::{BTreeSet, HashMap};

use serde::Serialize;

use crate::engagement::asked::AskedGap;
use crate::text::{normalize, terms};

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

/// Questions sharing at least this share of their content words (Jaccard) are linked.
const SIMILAR: f64 = 0.5;

/// One normal form of a question: the wordings it was asked in and who asked it.
struct Wording {
    terms: BTreeSet<String>,
    /// Exact wordings (trimmed) and how often each was asked.
    texts: HashMap<String, usize>,
    members: BTreeSet<u64>,
    last_ms: u64,
}

impl Wording {
    fn count(&self) -> usize {
        self.texts.values().sum()
    }

    /// The wording shown for this form: the most asked, the first alphabetically on a tie.
    fn shown(&self) -> &str {
        self.texts
            .iter()
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(a.0)))
            .map_or("", |(t, _)| t.as_str())
    }
}

/// Group unanswered questions: two normal forms sharing at least half their content words
/// are linked, and a group is everything linked (so the groups do not depend on which
/// wording was asked first in the period). Forms are compared only with forms sharing a
/// word, through an index, so thousands of distinct questions stay cheap.
pub fn gap_groups(rows: impl IntoIterator<Item = AskedGap>) -> Vec<GapGroup> {
    let mut index_of: HashMap<String, usize> = HashMap::new();
    let mut forms: Vec<Wording> = Vec::new();
    for row in rows {
        let norm = normalize(&row.question);
        let i = *index_of.entry(norm).or_insert_with_key(|norm| {
            forms.push(Wording {
                terms: terms(norm).into_iter().collect(),
                texts: HashMap::new(),
                members: BTreeSet::new(),
                last_ms: 0,
            });
            forms.len() - 1
        });
        let f = &mut forms[i];
        *f.texts.entry(row.question.trim().to_string()).or_default() += row.count as usize;
        f.members.insert(row.member);
        f.last_ms = f.last_ms.max(row.at_ms);
    }
    let mut parent: Vec<usize> = (0..forms.len()).collect();
    let mut by_term: HashMap<&str, Vec<usize>> = HashMap::new();
    let mut compared = vec![usize::MAX; forms.len()];
    for (i, f) in forms.iter().enumerate() {
        for t in &f.terms {
            for &j in by_term.get(t.as_str()).map_or(&[][..], |v| v.as_slice()) {
                if compared[j] != i {
                    compared[j] = i;
                    if jaccard(&forms[j].terms, &f.terms) >= SIMILAR {
                        union(&mut parent, i, j);
                    }
                }
            }
        }
        for t in &f.terms {
            by_term.entry(t.as_str()).or_default().push(i);
        }
    }
    let mut groups: HashMap<usize, Vec<usize>> = HashMap::new();
    for (i, f) in forms.iter().enumerate() {
        // A question of stopwords only says nothing to group by.
        if !f.terms.is_empty() {
            groups.entry(root(&mut parent, i)).or_default().push(i);
        }
    }
    let mut out: Vec<GapGroup> = groups
        .into_values()
        .map(|members_of| {
            let mut questions: Vec<(String, usize)> = members_of
                .iter()
                .map(|&i| (forms[i].shown().to_string(), forms[i].count()))
                .collect();
            questions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            let members: BTreeSet<u64> = members_of
                .iter()
                .flat_map(|&i| forms[i].members.iter().copied())
                .collect();
            GapGroup {
                example: questions[0].0.clone(),
                count: questions.iter().map(|(_, n)| n).sum(),
                questions,
                members: members.len(),
                last_ms: members_of
                    .iter()
                    .map(|&i| forms[i].last_ms)
                    .max()
                    .unwrap_or(0),
            }
        })
        .collect();
    out.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.last_ms.cmp(&a.last_ms))
            .then(a.example.cmp(&b.example))
    });
    out
}

fn root(parent: &mut [usize], mut i: usize) -> usize {
    while parent[i] != i {
        parent[i] = parent[parent[i]];
        i = parent[i];
    }
    i
}

fn union(parent: &mut [usize], a: usize, b: usize) {
    let (ra, rb) = (root(parent, a), root(parent, b));
    // The older form is the root, so a group's root is its first form.
    parent[ra.max(rb)] = ra.min(rb);
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
