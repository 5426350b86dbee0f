//! Recommendations by item-based collaborative filtering over member × entity interactions
//! (the entities of the answers members got, or rated 👍), with popularity for members the log
//! knows nothing about yet. Every pick comes with the one-line reason it was made.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::engagement::asked::member_hex;
use crate::engagement::rollup::member_bits;

/// Who touched what: member → the entities their questions were about.
#[derive(Clone, Debug, Default)]
pub struct Interactions {
    pub by_member: HashMap<String, BTreeSet<String>>,
}

impl Interactions {
    /// From (member, entity) pairs as stored: [`crate::engagement::EngagementLog::interactions`],
    /// or [`Asked::interaction_pairs`] over events (every answer's entities count for the
    /// member who asked, and a 👍 on an answer for the member who pressed it).
    ///
    /// [`Asked::interaction_pairs`]: crate::engagement::asked::Asked::interaction_pairs
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Interactions {
        let mut out = Interactions::default();
        for (member, entity) in pairs {
            out.by_member.entry(member).or_default().insert(entity);
        }
        out
    }

    /// What a member touched, by their pseudonym.
    pub fn history(&self, member: &str) -> BTreeSet<String> {
        let key = member_hex(member_bits(member));
        self.by_member.get(&key).cloned().unwrap_or_default()
    }

    /// Count `entity` for a member, by their pseudonym (keyed as [`Self::history`] reads).
    pub fn add(&mut self, member: &str, entity: &str) {
        self.by_member
            .entry(member_hex(member_bits(member)))
            .or_default()
            .insert(entity.to_string());
    }
}

/// One recommendation and why.
#[derive(Clone, Debug, PartialEq)]
pub struct Pick {
    pub entity: String,
    pub score: f64,
    /// The member's entity that contributed most (`None` for a popularity pick).
    pub because_of: Option<String>,
}

/// The model: entity popularity and co-occurrence counts.
pub struct Recommender {
    members_of: BTreeMap<String, usize>,
    pairs: HashMap<(String, String), usize>,
}

impl Recommender {
    pub fn train(data: &Interactions) -> Recommender {
        let mut members_of: BTreeMap<String, usize> = BTreeMap::new();
        let mut pairs: HashMap<(String, String), usize> = HashMap::new();
        for items in data.by_member.values() {
            for a in items {
                *members_of.entry(a.clone()).or_default() += 1;
                for b in items {
                    if a != b {
                        *pairs.entry((a.clone(), b.clone())).or_default() += 1;
                    }
                }
            }
        }
        Recommender { members_of, pairs }
    }

    /// Cosine similarity of two entities over the members who touched them.
    fn similarity(&self, a: &str, b: &str) -> f64 {
        let both = self
            .pairs
            .get(&(a.to_string(), b.to_string()))
            .copied()
            .unwrap_or(0) as f64;
        let na = self.members_of.get(a).copied().unwrap_or(0) as f64;
        let nb = self.members_of.get(b).copied().unwrap_or(0) as f64;
        if both == 0.0 {
            0.0
        } else {
            both / (na * nb).sqrt()
        }
    }

    /// Up to `k` entities for a member with `history`, among `candidates` (the
    /// recommendable ones), not already in the history. Members with no history, or whose
    /// history says nothing, get the most popular candidates.
    pub fn recommend(
        &self,
        history: &BTreeSet<String>,
        candidates: &[String],
        k: usize,
    ) -> Vec<Pick> {
        let mut picks: Vec<Pick> = candidates
            .iter()
            .filter(|c| !history.contains(*c))
            .filter_map(|c| {
                let mut score = 0.0;
                let mut best: Option<(f64, &String)> = None;
                for h in history {
                    let s = self.similarity(h, c);
                    score += s;
                    if s > 0.0 && best.is_none_or(|(b, _)| s > b) {
                        best = Some((s, h));
                    }
                }
                (score > 0.0).then(|| Pick {
                    entity: c.clone(),
                    score,
                    because_of: best.map(|(_, h)| h.clone()),
                })
            })
            .collect();
        picks.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entity.cmp(&b.entity)));
        picks.truncate(k);
        if picks.len() < k {
            for p in self.popular(candidates, k) {
                if picks.len() >= k {
                    break;
                }
                if !history.contains(&p.entity) && !picks.iter().any(|x| x.entity == p.entity) {
                    picks.push(p);
                }
            }
        }
        picks
    }

    /// The candidates most members asked about.
    pub fn popular(&self, candidates: &[String], k: usize) -> Vec<Pick> {
        let mut picks: Vec<Pick> = candidates
            .iter()
            .map(|c| Pick {
                entity: c.clone(),
                score: self.members_of.get(c).copied().unwrap_or(0) as f64,
                because_of: None,
            })
            .filter(|p| p.score > 0.0)
            .collect();
        picks.sort_by(|a, b| b.score.total_cmp(&a.score).then(a.entity.cmp(&b.entity)));
        picks.truncate(k);
        picks
    }
}

/// Hit rate at `k`: the share of `held_out` (member, entity) pairs whose entity is among the
/// member's top `k` by `rank`.
pub fn hit_rate(
    held_out: &[(String, String)],
    k: usize,
    rank: impl Fn(&str) -> Vec<String>,
) -> f64 {
    if held_out.is_empty() {
        return 0.0;
    }
    let hits = held_out
        .iter()
        .filter(|(m, e)| rank(m).iter().take(k).any(|x| x == e))
        .count();
    hits as f64 / held_out.len() as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engagement::asked::member_hex;
    use crate::engagement::rollup::member_bits;

    /// `add`, `from_pairs` (as the log stores pairs) and `history` agree on how a member is
    /// keyed, for a real pseudonym (16 hex digits) and for any other member name.
    #[test]
    fn a_member_is_keyed_the_same_way_however_their_entities_came_in() {
        for member in ["9f86d081884c7d65", "alice"] {
            let mut added = Interactions::default();
            added.add(member, "plan-1");
            let stored =
                Interactions::from_pairs([(member_hex(member_bits(member)), "plan-1".to_string())]);
            assert_eq!(added.by_member, stored.by_member, "{member}");
            assert_eq!(
                added.history(member).into_iter().collect::<Vec<_>>(),
                ["plan-1"],
                "{member}"
            );
            assert_eq!(stored.history(member), added.history(member), "{member}");
        }
    }
}
