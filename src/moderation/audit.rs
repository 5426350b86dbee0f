//! The moderation audit log in sled, with each member's strikes and join time.
//!
//! Entries are pseudonymous: the member's pseudonym, the chat, the rule and what was done.
//! An entry keeps the member's platform user id only while its action can still be lifted
//! (a mute not yet over, a ban not yet pardoned), so `/pardon` can reach them; the id is
//! dropped when the mute ends or on pardon. `/forgetme`, `herald forget-user` and retention
//! remove a member's entries, strikes and join time.

use serde::{Deserialize, Serialize};

use herald_platform::{ChatRef, PlatformKind};

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("moderation: the data folder could not be read or written")]
    Storage(#[from] sled::Error),
    #[error("moderation: a record could not be encoded or read back")]
    Encode(#[from] serde_json::Error),
}

/// One thing moderation did (or, observing, would have done).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// Shown as `m<id>`.
    pub id: u64,
    pub at_ms: u64,
    pub platform: String,
    /// The group chat it happened in.
    pub chat: String,
    /// The member's pseudonym.
    pub member: String,
    /// The rule (`new_member_link`, `flood`, …) or `manager` for a manager's own action.
    pub rule: String,
    /// What the rule found, in words (the list entry, the count).
    pub reason: String,
    /// What was done: `delete`, `warn`, `mute 10 min`, `ban`, joined by ` + `.
    pub action: String,
    /// Observe mode: nothing was done.
    pub observed: bool,
    /// The strike this was on the ladder (0 for none).
    pub strike: u32,
    /// The start of the message, scrubbed of contact details.
    pub excerpt: String,
    /// The member's platform user id while the action can be lifted.
    pub user: Option<String>,
    /// When a mute ends.
    pub until_ms: Option<u64>,
    pub banned: bool,
    pub pardoned: bool,
    /// What the platform refused, when it did.
    pub failed: Option<String>,
}

impl AuditEntry {
    pub fn chat_ref(&self) -> Option<ChatRef> {
        Some(ChatRef {
            platform: PlatformKind::from_name(&self.platform)?,
            chat: self.chat.clone(),
            private: false,
        })
    }

    /// A mute not over or a ban not pardoned, with the member still reachable.
    pub fn liftable(&self, now_ms: u64) -> bool {
        !self.pardoned
            && self.user.is_some()
            && (self.banned || self.until_ms.is_some_and(|u| u > now_ms))
    }
}

/// A member's standing on the ladder.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Strikes {
    pub count: u32,
    pub last_ms: u64,
}

/// The audit, strikes and joins trees. Cheap to clone.
#[derive(Clone)]
pub struct AuditLog {
    entries: sled::Tree,
    strikes: sled::Tree,
    joined: sled::Tree,
}

const NEXT: &[u8] = b"next";

fn member_key(platform: &str, member: &str) -> Vec<u8> {
    format!("{platform}:{member}").into_bytes()
}

impl AuditLog {
    pub fn open(db: &sled::Db) -> Result<AuditLog, AuditError> {
        Ok(AuditLog {
            entries: db.open_tree("mod_audit")?,
            strikes: db.open_tree("mod_strikes")?,
            joined: db.open_tree("mod_joined")?,
        })
    }

    /// Number and store an entry (its `id` is set here), flushed before anything is done.
    pub fn add(&self, mut entry: AuditEntry) -> Result<AuditEntry, AuditError> {
        let next = self.entries.update_and_fetch(NEXT, |old| {
            let n = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        entry.id = next
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(1);
        self.put(&entry)?;
        self.entries.flush()?;
        Ok(entry)
    }

    pub fn put(&self, entry: &AuditEntry) -> Result<(), AuditError> {
        self.entries
            .insert(entry.id.to_be_bytes(), serde_json::to_vec(entry)?)?;
        Ok(())
    }

    pub fn get(&self, id: u64) -> Result<Option<AuditEntry>, AuditError> {
        match self.entries.get(id.to_be_bytes())? {
            Some(raw) => Ok(Some(serde_json::from_slice(&raw)?)),
            None => Ok(None),
        }
    }

    /// Every entry, oldest first (unreadable ones are skipped and logged).
    pub fn all(&self) -> Vec<AuditEntry> {
        self.entries
            .iter()
            .filter_map(Result::ok)
            .filter(|(k, _)| k.as_ref() != NEXT)
            .filter_map(|(_, v)| match serde_json::from_slice(&v) {
                Ok(e) => Some(e),
                Err(e) => {
                    tracing::warn!(error = %e, "moderation: an audit entry could not be read");
                    None
                }
            })
            .collect()
    }

    /// The newest `n` entries, newest first.
    pub fn recent(&self, n: usize) -> Vec<AuditEntry> {
        let mut all = self.all();
        all.reverse();
        all.truncate(n);
        all
    }

    pub fn strikes(&self, platform: &str, member: &str) -> Result<Strikes, AuditError> {
        Ok(match self.strikes.get(member_key(platform, member))? {
            Some(raw) => serde_json::from_slice(&raw)?,
            None => Strikes::default(),
        })
    }

    pub fn set_strikes(&self, platform: &str, member: &str, s: Strikes) -> Result<(), AuditError> {
        let key = member_key(platform, member);
        if s.count == 0 {
            self.strikes.remove(key)?;
        } else {
            self.strikes.insert(key, serde_json::to_vec(&s)?)?;
        }
        Ok(())
    }

    /// Remember when a member joined (the first time is kept: leaving and rejoining does
    /// not make an old member new).
    pub fn joined(&self, platform: &str, member: &str, at_ms: u64) -> Result<(), AuditError> {
        let key = member_key(platform, member);
        let _ =
            self.joined
                .compare_and_swap(key, None as Option<&[u8]>, Some(&at_ms.to_be_bytes()))?;
        Ok(())
    }

    pub fn joined_at(&self, platform: &str, member: &str) -> Option<u64> {
        let raw = self.joined.get(member_key(platform, member)).ok()??;
        <[u8; 8]>::try_from(raw.as_ref())
            .ok()
            .map(u64::from_be_bytes)
    }

    /// The member's entries, for `herald export-user`.
    pub fn of_member(&self, member: &str) -> Vec<AuditEntry> {
        self.all()
            .into_iter()
            .filter(|e| e.member == member)
            .collect()
    }

    /// Erase a member: their entries, strikes and join time. Returns the entries removed.
    pub fn forget_member(&self, member: &str) -> Result<usize, AuditError> {
        let mine = self.of_member(member);
        for e in &mine {
            self.entries.remove(e.id.to_be_bytes())?;
        }
        for tree in [&self.strikes, &self.joined] {
            let keys: Vec<_> = tree
                .iter()
                .keys()
                .filter_map(Result::ok)
                .filter(|k| {
                    std::str::from_utf8(k)
                        .ok()
                        .and_then(|k| k.split_once(':'))
                        .is_some_and(|(_, m)| m == member)
                })
                .collect();
            for k in keys {
                tree.remove(k)?;
            }
        }
        self.entries.flush()?;
        Ok(mine.len())
    }

    /// Retention: drop entries older than `before_ms`; and drop user ids from mutes that
    /// are over (nothing left to lift). Returns the entries removed.
    pub fn upkeep(&self, before_ms: u64, now_ms: u64) -> Result<usize, AuditError> {
        let mut removed = 0;
        for mut e in self.all() {
            if e.at_ms < before_ms {
                self.entries.remove(e.id.to_be_bytes())?;
                removed += 1;
            } else if e.user.is_some() && !e.banned && !e.liftable(now_ms) {
                e.user = None;
                self.put(&e)?;
            }
        }
        Ok(removed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(member: &str, at_ms: u64) -> AuditEntry {
        AuditEntry {
            id: 0,
            at_ms,
            platform: "telegram".into(),
            chat: "-100".into(),
            member: member.into(),
            rule: "flood".into(),
            reason: "6 messages in 10 s".into(),
            action: "delete + mute 10 min".into(),
            observed: false,
            strike: 1,
            excerpt: "hi".into(),
            user: Some("42".into()),
            until_ms: Some(at_ms + 600_000),
            banned: false,
            pardoned: false,
            failed: None,
        }
    }

    #[test]
    fn entries_are_numbered_erased_and_lose_ids_when_their_mute_is_over() {
        let dir = tempfile::tempdir().unwrap();
        let db = sled::open(dir.path()).unwrap();
        let log = AuditLog::open(&db).unwrap();
        let a = log.add(entry("m-a", 1_000)).unwrap();
        let b = log.add(entry("m-b", 2_000)).unwrap();
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(log.recent(1)[0].id, 2);
        log.set_strikes(
            "telegram",
            "m-a",
            Strikes {
                count: 2,
                last_ms: 1,
            },
        )
        .unwrap();
        log.joined("telegram", "m-a", 500).unwrap();
        log.joined("telegram", "m-a", 900).unwrap();
        assert_eq!(
            log.joined_at("telegram", "m-a"),
            Some(500),
            "first join kept"
        );
        assert_eq!(log.forget_member("m-a").unwrap(), 1);
        assert_eq!(log.strikes("telegram", "m-a").unwrap(), Strikes::default());
        assert_eq!(log.joined_at("telegram", "m-a"), None);
        assert_eq!(log.all().len(), 1);
        // b's mute ends at 602 000: before, its user id is kept; after, dropped.
        assert_eq!(log.upkeep(0, 600_000).unwrap(), 0);
        assert!(log.get(2).unwrap().unwrap().user.is_some());
        log.upkeep(0, 700_000).unwrap();
        assert_eq!(log.get(2).unwrap().unwrap().user, None);
        assert_eq!(log.upkeep(3_000, 700_000).unwrap(), 1);
        assert!(log.all().is_empty());
    }
}
