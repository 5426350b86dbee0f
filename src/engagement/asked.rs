//! What members asked, folded from the events: the questions the bot could not answer
//! (gap rows) and the entities of the answers they got or rated 👍 (interaction rows), so
//! `/gaps`, `herald kb gaps` and `/recommend` read a few rows instead of the whole log.
//!
//! Keys in the `rollups` tree: `g` + time (u64) + member (u64) + question hash (u64), all
//! big-endian, so a period is one range → times asked (u32) + the question as logged;
//! `i` + member (u64, big-endian) + entity id → answers naming the entity plus 👍 on
//! answers naming it (u64).

use std::collections::BTreeMap;

use super::error::EngagementError;
use super::event::{Event, EventKind};
use super::log::EngagementLog;
use super::rollup::member_bits;

/// One unanswered question as stored: who asked what, when, and how often at that
/// millisecond (the same member asking the same thing twice at once is one row).
#[derive(Clone, Debug, PartialEq)]
pub struct AskedGap {
    pub at_ms: u64,
    /// The 64-bit form of the member's pseudonym.
    pub member: u64,
    pub question: String,
    pub count: u32,
}

/// (time, member, question hash).
type GapKey = (u64, u64, u64);

/// Folded gap and interaction rows: a slice of the log, or what erasure takes back out.
#[derive(Clone, Debug, Default)]
pub struct Asked {
    pub gaps: BTreeMap<GapKey, (u32, String)>,
    /// (member, entity) → answers naming it.
    pub interactions: BTreeMap<(u64, String), u64>,
}

impl Asked {
    /// Fold the events of a log, in any order (rows are kept sorted by their keys).
    pub fn of<E: std::borrow::Borrow<Event>>(events: impl IntoIterator<Item = E>) -> Asked {
        let mut out = Asked::default();
        for e in events {
            out.fold(e.borrow());
        }
        out
    }

    /// Count one event; kinds other than gaps and replies naming entities are ignored.
    pub fn fold(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Gap { question } => {
                let key = (e.at_ms, member_bits(&e.member), question_hash(question));
                self.gaps
                    .entry(key)
                    .or_insert_with(|| (0, question.clone()))
                    .0 += 1;
            }
            // What they asked about, and what they liked in an answer.
            EventKind::Reply { entities, .. }
            | EventKind::Rating {
                positive: true,
                entities,
                ..
            } => {
                let member = member_bits(&e.member);
                for entity in entities {
                    *self
                        .interactions
                        .entry((member, entity.clone()))
                        .or_default() += 1;
                }
            }
            _ => {}
        }
    }

    /// The gap rows in key order (time, then member).
    pub fn gap_rows(&self) -> impl Iterator<Item = AskedGap> + '_ {
        self.gaps
            .iter()
            .map(|(&(at_ms, member, _), (count, q))| AskedGap {
                at_ms,
                member,
                question: q.clone(),
                count: *count,
            })
    }

    /// The interaction pairs, member as 16 hex digits (the form of a pseudonym).
    pub fn interaction_pairs(&self) -> impl Iterator<Item = (String, String)> + '_ {
        self.interactions
            .keys()
            .map(|(m, entity)| (member_hex(*m), entity.clone()))
    }
}

/// A member id as it appears in interaction pairs: a pseudonym maps to itself.
pub fn member_hex(bits: u64) -> String {
    format!("{bits:016x}")
}

fn question_hash(q: &str) -> u64 {
    let h = blake3::hash(q.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    u64::from_be_bytes(b)
}

fn gap_key(&(at_ms, member, hash): &GapKey) -> [u8; 25] {
    let mut k = [0u8; 25];
    k[0] = b'g';
    k[1..9].copy_from_slice(&at_ms.to_be_bytes());
    k[9..17].copy_from_slice(&member.to_be_bytes());
    k[17..25].copy_from_slice(&hash.to_be_bytes());
    k
}

fn parse_gap_key(k: &[u8]) -> Option<GapKey> {
    let n = |r: std::ops::Range<usize>| k.get(r)?.try_into().ok().map(u64::from_be_bytes);
    Some((n(1..9)?, n(9..17)?, n(17..25)?))
}

fn interaction_key(member: u64, entity: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + entity.len());
    k.push(b'i');
    k.extend_from_slice(&member.to_be_bytes());
    k.extend_from_slice(entity.as_bytes());
    k
}

fn gap_value(count: u32, question: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(4 + question.len());
    v.extend_from_slice(&count.to_le_bytes());
    v.extend_from_slice(question.as_bytes());
    v
}

/// `None` for a damaged row (it is skipped, never a panic).
fn read_gap_value(v: &[u8]) -> Option<(u32, String)> {
    let count = u32::from_le_bytes(v.get(..4)?.try_into().ok()?);
    Some((count, std::str::from_utf8(v.get(4..)?).ok()?.to_string()))
}

fn read_count(v: &[u8]) -> Option<u64> {
    v.try_into().ok().map(u64::from_le_bytes)
}

impl EngagementLog {
    /// Add a folded slice's rows to `batch` (added to what is stored).
    pub(super) fn merge_asked(
        &self,
        batch: &mut sled::Batch,
        delta: Asked,
    ) -> Result<(), EngagementError> {
        for (key, (count, question)) in delta.gaps {
            let k = gap_key(&key);
            let stored = self.rollups.get(k).map_err(EngagementError::Storage)?;
            let before = stored.and_then(|v| read_gap_value(&v)).map_or(0, |v| v.0);
            batch.insert(&k[..], gap_value(before.saturating_add(count), &question));
        }
        for ((member, entity), n) in delta.interactions {
            let k = interaction_key(member, &entity);
            let stored = self.rollups.get(&k).map_err(EngagementError::Storage)?;
            let before = stored.and_then(|v| read_count(&v)).unwrap_or(0);
            batch.insert(k, &before.saturating_add(n).to_le_bytes()[..]);
        }
        Ok(())
    }

    /// Take removed events' rows back out (erasure and retention; they were folded).
    pub(super) fn subtract_asked(
        &self,
        batch: &mut sled::Batch,
        removed: &[Event],
    ) -> Result<(), EngagementError> {
        let gone = Asked::of(removed);
        for (key, (count, question)) in gone.gaps {
            let k = gap_key(&key);
            let stored = self.rollups.get(k).map_err(EngagementError::Storage)?;
            let left = stored
                .and_then(|v| read_gap_value(&v))
                .map_or(0, |v| v.0.saturating_sub(count));
            match left {
                0 => batch.remove(&k[..]),
                n => batch.insert(&k[..], gap_value(n, &question)),
            }
        }
        for ((member, entity), n) in gone.interactions {
            let k = interaction_key(member, &entity);
            let stored = self.rollups.get(&k).map_err(EngagementError::Storage)?;
            match stored
                .and_then(|v| read_count(&v))
                .map_or(0, |v| v.saturating_sub(n))
            {
                0 => batch.remove(k),
                left => batch.insert(k, &left.to_le_bytes()[..]),
            }
        }
        Ok(())
    }

    /// The unanswered questions asked at or after `since_ms`, oldest first, after folding
    /// what is new.
    pub fn gaps_since(&self, since_ms: u64) -> Result<Vec<AskedGap>, EngagementError> {
        self.catch_up()?;
        let from = gap_key(&(since_ms, 0, 0));
        let mut out = Vec::new();
        for kv in self.rollups.range(from.to_vec()..vec![b'g' + 1]) {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            if let (Some((at_ms, member, _)), Some((count, question))) =
                (parse_gap_key(&k), read_gap_value(&v))
            {
                out.push(AskedGap {
                    at_ms,
                    member,
                    question,
                    count,
                });
            }
        }
        Ok(out)
    }

    /// Every (member, entity) pair of an answered question, member as in
    /// [`Asked::interaction_pairs`], after folding what is new.
    pub fn interactions(&self) -> Result<Vec<(String, String)>, EngagementError> {
        self.catch_up()?;
        let mut out = Vec::new();
        for kv in self.rollups.scan_prefix(b"i") {
            let (k, _) = kv.map_err(EngagementError::Storage)?;
            let Some(member) = k.get(1..9).and_then(|b| b.try_into().ok()) else {
                continue;
            };
            if let Ok(entity) = std::str::from_utf8(&k[9..]) {
                out.push((member_hex(u64::from_be_bytes(member)), entity.to_string()));
            }
        }
        Ok(out)
    }

    /// Retention: the gap rows before `cutoff_ms` go as one range.
    pub(super) fn purge_gap_rows(
        &self,
        batch: &mut sled::Batch,
        cutoff_ms: u64,
    ) -> Result<(), EngagementError> {
        let end = gap_key(&(cutoff_ms, 0, 0));
        for kv in self.rollups.range(b"g".to_vec()..end.to_vec()) {
            batch.remove(kv.map_err(EngagementError::Storage)?.0);
        }
        Ok(())
    }
}
