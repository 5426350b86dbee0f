//! The rollups kept in sled (tree `rollups`) and how they follow the log: new chunks are
//! folded in slices ([`EngagementLog::catch_up`]), erasure and retention take their events
//! back out, so a report from the rollups equals one over the events that are left.
//!
//! Keys: `b` + bucket (u32, big-endian) + platform + NUL + chat → [`codec::bucket`];
//! `p` + post id → [`codec::post`]; `r` + chat + NUL + message id + NUL + member →
//! [`codec::reaction`]; `mfolded` → the last chunk key folded (u64, big-endian);
//! `mschema` → [`SCHEMA`]; gap and interaction rows: see [`super::asked`].

use std::collections::HashMap;

use super::asked::Asked;
use super::chunks::decode;
use super::error::EngagementError;
use super::event::{Event, EventKind};
use super::log::EngagementLog;
use super::rollup::{bucket_of, codec, Bucket, BucketKey, PostRow, Rollup, BUCKET_MS};

const FOLDED: &[u8] = b"mfolded";
const SCHEMA_KEY: &[u8] = b"mschema";
/// What the rows hold. Rollups written under another schema (or none: before gap and
/// interaction rows) are dropped and folded again from the log, once.
pub(super) const SCHEMA: u32 = 2;
/// Events folded before the rollups are written: bounds memory on a first fold of a big log.
const SLICE_EVENTS: usize = 500_000;

fn bucket_key((bucket, platform, chat): &BucketKey) -> Vec<u8> {
    let mut k = Vec::with_capacity(6 + platform.len() + chat.len());
    k.push(b'b');
    k.extend_from_slice(&bucket.to_be_bytes());
    k.extend_from_slice(platform.as_bytes());
    k.push(0);
    k.extend_from_slice(chat.as_bytes());
    k
}

fn parse_bucket_key(k: &[u8]) -> Option<BucketKey> {
    let bucket = u32::from_be_bytes(k.get(1..5)?.try_into().ok()?);
    let rest = std::str::from_utf8(k.get(5..)?).ok()?;
    let (platform, chat) = rest.split_once('\0')?;
    Some((bucket, platform.to_string(), chat.to_string()))
}

fn prefixed(tag: u8, parts: &[&str]) -> Vec<u8> {
    let mut k = vec![tag];
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            k.push(0);
        }
        k.extend_from_slice(p.as_bytes());
    }
    k
}

impl EngagementLog {
    /// Fold every event logged since the last fold into the stored rollups. Returns how many
    /// were folded. Cheap when little is new; `herald run` calls it every minute and every report
    /// calls it first.
    pub fn catch_up(&self) -> Result<usize, EngagementError> {
        let _guard = self.rollup_guard();
        self.catch_up_locked()
    }

    pub(super) fn catch_up_locked(&self) -> Result<usize, EngagementError> {
        self.chunks.write_pending()?;
        self.check_schema()?;
        let mut folded = self.folded()?;
        let mut total = 0;
        loop {
            let mut delta = Rollup::default();
            let mut asked = Asked::default();
            let mut last = None;
            let mut n = 0;
            for (key, chunk) in self.chunks.after(folded) {
                for e in decode(&chunk) {
                    delta.fold(&e);
                    asked.fold(&e);
                    n += 1;
                }
                last = Some(key);
                if n >= SLICE_EVENTS {
                    break;
                }
            }
            let Some(last) = last else { break };
            self.merge(delta, asked, last)?;
            folded = Some(last);
            total += n;
        }
        Ok(total)
    }

    /// Rollups from another schema are rebuilt: cleared here, folded again by the caller.
    fn check_schema(&self) -> Result<(), EngagementError> {
        let stored = self
            .rollups
            .get(SCHEMA_KEY)
            .map_err(EngagementError::Storage)?;
        if stored.as_deref() == Some(&SCHEMA.to_be_bytes()[..]) {
            return Ok(());
        }
        if !self.rollups.is_empty() {
            tracing::info!("engagement log: rollups from an older version, folding the log again");
        }
        // Cleared before the schema is set: a crash in between clears again next time.
        self.rollups.clear().map_err(EngagementError::Storage)?;
        self.rollups
            .insert(SCHEMA_KEY, &SCHEMA.to_be_bytes()[..])
            .map_err(EngagementError::Storage)?;
        Ok(())
    }

    fn folded(&self) -> Result<Option<u64>, EngagementError> {
        Ok(self
            .rollups
            .get(FOLDED)
            .map_err(EngagementError::Storage)?
            .and_then(|v| v.as_ref().try_into().ok().map(u64::from_be_bytes)))
    }

    /// Add a folded slice to the stored rows, with the new watermark, in one atomic batch.
    fn merge(&self, delta: Rollup, asked: Asked, last: u64) -> Result<(), EngagementError> {
        let mut batch = sled::Batch::default();
        self.merge_asked(&mut batch, asked)?;
        for (k, b) in delta.buckets {
            let key = bucket_key(&k);
            let mut stored = self.stored_bucket(&key)?.unwrap_or_default();
            stored.merge(b);
            batch.insert(key, codec::bucket(&stored));
        }
        let mut posts: HashMap<String, PostRow> = HashMap::new();
        for (id, p) in delta.posts {
            let row = self.post_row(&mut posts, &id)?;
            row.first_ms = row.first_ms.min(p.first_ms);
            row.replies += p.replies;
            row.clicks += p.clicks;
        }
        for ((chat, message, member), r) in delta.reactions {
            let key = prefixed(b'r', &[&chat, &message, &member]);
            // Reactions count as last set: the stored set is replaced, not added to.
            if let Some(old) = self.rollups.get(&key).map_err(EngagementError::Storage)? {
                if let Some(old) = codec::read_reaction(&old) {
                    let row = self.post_row(&mut posts, &old.post)?;
                    row.reactions = row.reactions.saturating_sub(old.count);
                }
            }
            self.post_row(&mut posts, &r.post)?.reactions += r.count;
            batch.insert(key, codec::reaction(&r));
        }
        for (id, row) in posts {
            batch.insert(prefixed(b'p', &[&id]), codec::post(&row));
        }
        batch.insert(FOLDED, &last.to_be_bytes());
        self.rollups
            .apply_batch(batch)
            .map_err(EngagementError::Storage)
    }

    fn stored_bucket(&self, key: &[u8]) -> Result<Option<Bucket>, EngagementError> {
        Ok(self
            .rollups
            .get(key)
            .map_err(EngagementError::Storage)?
            .and_then(|v| codec::read_bucket(&v)))
    }

    fn post_row<'a>(
        &self,
        posts: &'a mut HashMap<String, PostRow>,
        id: &str,
    ) -> Result<&'a mut PostRow, EngagementError> {
        if !posts.contains_key(id) {
            let stored = self
                .rollups
                .get(prefixed(b'p', &[id]))
                .map_err(EngagementError::Storage)?
                .and_then(|v| codec::read_post(&v))
                .unwrap_or_default();
            posts.insert(id.to_string(), stored);
        }
        Ok(posts.entry(id.to_string()).or_default())
    }

    /// The stored rollups of `[from_ms, to_ms)` (whole quarter hours) and every post,
    /// after folding what is new.
    pub fn rollup(&self, from_ms: u64, to_ms: u64) -> Result<Rollup, EngagementError> {
        self.catch_up()?;
        let mut out = Rollup::default();
        let from = bucket_key(&(bucket_of(from_ms), String::new(), String::new()));
        let to = bucket_key(&(bucket_of(to_ms), String::new(), String::new()));
        for kv in self.rollups.range(from[..5].to_vec()..to[..5].to_vec()) {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            if let (Some(key), Some(b)) = (parse_bucket_key(&k), codec::read_bucket(&v)) {
                out.buckets.insert(key, b);
            }
        }
        for kv in self.rollups.scan_prefix(b"p") {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            if let (Ok(id), Some(row)) = (std::str::from_utf8(&k[1..]), codec::read_post(&v)) {
                out.posts.insert(id.to_string(), row);
            }
        }
        Ok(out)
    }

    /// Take erased events out of the rollups (they were all folded: callers catch up first),
    /// and drop every row keyed by the member or one of their private chats.
    pub(super) fn unfold_erased(
        &self,
        removed: &[Event],
        member: &str,
        private_chats: &[String],
    ) -> Result<(), EngagementError> {
        let mut r = Rollup::default();
        for e in removed {
            let k = (bucket_of(e.at_ms), e.platform.clone(), e.chat.clone());
            if let std::collections::btree_map::Entry::Vacant(slot) = r.buckets.entry(k) {
                let stored = self.stored_bucket(&bucket_key(slot.key()))?;
                slot.insert(stored.unwrap_or_default());
            }
            if let EventKind::PostReply { post, .. } | EventKind::Click { post, .. } = &e.kind {
                self.post_row(&mut r.posts, post)?;
            }
            r.unfold(e);
        }
        let mut batch = sled::Batch::default();
        self.subtract_asked(&mut batch, removed)?;
        for (k, b) in &r.buckets {
            let private = private_chats.contains(&k.2);
            if b.is_empty() || private {
                batch.remove(bucket_key(k));
            } else {
                batch.insert(bucket_key(k), codec::bucket(b));
            }
        }
        // A private chat's rows carry its pseudonym in the key: none may stay.
        for kv in self.rollups.scan_prefix(b"b") {
            let (k, _) = kv.map_err(EngagementError::Storage)?;
            if parse_bucket_key(&k).is_some_and(|(_, _, chat)| private_chats.contains(&chat)) {
                batch.remove(k);
            }
        }
        for kv in self.rollups.scan_prefix(b"r") {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            let mut parts = k[1..].split(|b| *b == 0);
            let chat = parts.next().unwrap_or_default();
            let who = parts.nth(1).unwrap_or_default();
            if who == member.as_bytes() || private_chats.iter().any(|c| c.as_bytes() == chat) {
                if let Some(old) = codec::read_reaction(&v) {
                    let row = self.post_row(&mut r.posts, &old.post)?;
                    row.reactions = row.reactions.saturating_sub(old.count);
                }
                batch.remove(k);
            }
        }
        for (id, row) in &r.posts {
            batch.insert(prefixed(b'p', &[id]), codec::post(row));
        }
        self.rollups
            .apply_batch(batch)
            .map_err(EngagementError::Storage)
    }

    /// Retention: drop quarter hours before `cutoff_ms` (a quarter-hour boundary), reaction
    /// sets last changed before it, and the purged replies and clicks.
    pub(super) fn unfold_purged(
        &self,
        removed: &[Event],
        cutoff_ms: u64,
    ) -> Result<(), EngagementError> {
        debug_assert_eq!(cutoff_ms % BUCKET_MS, 0);
        let mut batch = sled::Batch::default();
        self.subtract_asked(&mut batch, removed)?;
        self.purge_gap_rows(&mut batch, cutoff_ms)?;
        let end = bucket_key(&(bucket_of(cutoff_ms), String::new(), String::new()));
        for kv in self.rollups.range(b"b".to_vec()..end[..5].to_vec()) {
            batch.remove(kv.map_err(EngagementError::Storage)?.0);
        }
        let mut r = Rollup::default();
        for kv in self.rollups.scan_prefix(b"r") {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            if let Some(old) = codec::read_reaction(&v).filter(|o| o.at_ms < cutoff_ms) {
                let row = self.post_row(&mut r.posts, &old.post)?;
                row.reactions = row.reactions.saturating_sub(old.count);
                batch.remove(k);
            }
        }
        for e in removed {
            if let EventKind::PostReply { post, .. } | EventKind::Click { post, .. } = &e.kind {
                self.post_row(&mut r.posts, post)?;
                r.unfold(e);
            }
        }
        for kv in self.rollups.scan_prefix(b"p") {
            let (k, v) = kv.map_err(EngagementError::Storage)?;
            let Ok(id) = std::str::from_utf8(&k[1..]) else {
                continue;
            };
            if codec::read_post(&v).is_some_and(|p| p.first_ms < cutoff_ms) {
                self.post_row(&mut r.posts, id)?.first_ms = u64::MAX;
            }
        }
        for (id, row) in &r.posts {
            if row == &PostRow::default() {
                batch.remove(prefixed(b'p', &[id]));
            } else {
                batch.insert(prefixed(b'p', &[id]), codec::post(row));
            }
        }
        self.rollups
            .apply_batch(batch)
            .map_err(EngagementError::Storage)
    }
}
