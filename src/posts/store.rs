//! Posts in sled: drafts and their variants, the schedule (a due-time index), and one
//! delivery record per post, target and slot — the record that makes publishing exactly once.

use serde::{Deserialize, Serialize};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("posts store: the data folder could not be read or written")]
    Storage(#[from] sled::Error),
    #[error("posts store: a record could not be encoded or read back")]
    Encode(#[from] serde_json::Error),
}

/// One candidate text with the judge's verdict.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Variant {
    pub text: String,
    /// Predicted engagement (reactions + replies + clicks) at `best_hour`.
    pub score: f64,
    pub best_hour: u32,
    pub reasons: Vec<String>,
    /// Claims the knowledge graph does not support; a generated variant with any cannot be
    /// approved as it is.
    pub warnings: Vec<String>,
    /// Written by a manager with `/edit` rather than generated.
    pub edited: bool,
}

/// When and where an approved post goes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Schedule {
    /// As the manager typed it.
    pub when: String,
    /// Set for recurring posts.
    pub cron: Option<String>,
    pub first_ms: u64,
    pub targets: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Post {
    pub id: String,
    pub brief: String,
    pub variants: Vec<Variant>,
    /// The manager's own text (`/edit`), preferred by `/approve` without a variant.
    pub edit: Option<Variant>,
    /// The text approved for publishing.
    pub approved: Option<String>,
    pub author: String,
    pub created_ms: u64,
    pub schedule: Option<Schedule>,
    pub cancelled: bool,
}

/// Where one post stands on one target for one slot.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Delivery {
    /// Written (and flushed) before the send; found at start-up it means the process died
    /// mid-send and the target must be reconciled, not blindly sent again.
    Publishing {
        attempt: u32,
        key: String,
        started_ms: u64,
    },
    Published {
        message_ids: Vec<String>,
        at_ms: u64,
        attempts: u32,
    },
    Failed {
        attempts: u32,
        reason: String,
        /// When to try again; `None` once the attempts are used up.
        retry_at_ms: Option<u64>,
    },
    /// The process died mid-send on a platform that cannot tell whether the message went
    /// out; not re-sent (that could post twice), reported to the managers.
    Uncertain { reason: String },
    /// A missed slot older than the allowed lateness.
    Skipped { reason: String },
}

impl Delivery {
    /// Nothing more will happen for this target and slot.
    pub fn is_final(&self) -> bool {
        !matches!(
            self,
            Delivery::Publishing { .. }
                | Delivery::Failed {
                    retry_at_ms: Some(_),
                    ..
                }
        )
    }
}

/// A link rewritten for click counting.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Link {
    pub post: String,
    pub url: String,
}

#[derive(Clone)]
pub struct PostStore {
    db: sled::Db,
    posts: sled::Tree,
    /// `due_ms (8 bytes, big-endian) ++ post id` → `slot_ms`: ordered by due time, so a tick
    /// reads only what is due.
    jobs: sled::Tree,
    /// `post \0 target \0 slot_ms` → [`Delivery`].
    deliveries: sled::Tree,
    links: sled::Tree,
    meta: sled::Tree,
}

impl PostStore {
    pub fn open(db: &sled::Db) -> Result<PostStore, StoreError> {
        Ok(PostStore {
            db: db.clone(),
            posts: db.open_tree("posts")?,
            jobs: db.open_tree("post_jobs")?,
            deliveries: db.open_tree("post_deliveries")?,
            links: db.open_tree("post_links")?,
            meta: db.open_tree("posts_meta")?,
        })
    }

    /// A short id: `p1`, `p2`, … (what managers type).
    pub fn next_id(&self) -> Result<String, StoreError> {
        let n = self
            .meta
            .update_and_fetch("next_id", |old| {
                let n = old
                    .and_then(|b| <[u8; 8]>::try_from(b).ok())
                    .map_or(0, u64::from_be_bytes);
                Some((n + 1).to_be_bytes().to_vec())
            })?
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map_or(1, u64::from_be_bytes);
        Ok(format!("p{n}"))
    }

    /// A small named value kept with the posts (e.g. the day alerts were last checked).
    pub fn meta(&self, key: &str) -> Option<String> {
        let raw = self.meta.get(key.as_bytes()).ok()??;
        String::from_utf8(raw.to_vec()).ok()
    }

    pub fn set_meta(&self, key: &str, value: &str) -> Result<(), StoreError> {
        self.meta.insert(key.as_bytes(), value.as_bytes())?;
        self.db.flush()?;
        Ok(())
    }

    pub fn put(&self, post: &Post) -> Result<(), StoreError> {
        self.posts
            .insert(post.id.as_bytes(), serde_json::to_vec(post)?)?;
        Ok(())
    }

    pub fn get(&self, id: &str) -> Result<Option<Post>, StoreError> {
        match self.posts.get(id.trim().to_ascii_lowercase().as_bytes())? {
            Some(raw) => Ok(Some(serde_json::from_slice(&raw)?)),
            None => Ok(None),
        }
    }

    /// Every post, newest first.
    pub fn all(&self) -> Vec<Post> {
        let mut posts: Vec<Post> = self
            .posts
            .iter()
            .values()
            .filter_map(|v| v.ok().and_then(|v| serde_json::from_slice(&v).ok()))
            .collect();
        posts.sort_by(|a: &Post, b: &Post| b.created_ms.cmp(&a.created_ms).then(b.id.cmp(&a.id)));
        posts
    }

    /// Posts drafted by `member`.
    pub fn authored_by(&self, member: &str) -> Vec<String> {
        self.all()
            .into_iter()
            .filter(|p| p.author == member)
            .map(|p| p.id)
            .collect()
    }

    /// Drop `member` as the author of their posts (the posts stay: they are the community's).
    pub fn forget_author(&self, member: &str) -> Result<usize, StoreError> {
        let mut n = 0;
        for mut p in self.all().into_iter().filter(|p| p.author == member) {
            p.author = String::new();
            self.put(&p)?;
            n += 1;
        }
        Ok(n)
    }

    pub fn add_job(&self, due_ms: u64, post: &str, slot_ms: u64) -> Result<(), StoreError> {
        self.jobs
            .insert(job_key(due_ms, post), &slot_ms.to_be_bytes())?;
        Ok(())
    }

    /// Move a job: remove the old key and insert the new one (if any) in one atomic batch.
    pub fn move_job(
        &self,
        old_due: u64,
        post: &str,
        next: Option<(u64, u64)>,
    ) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        batch.remove(job_key(old_due, post));
        if let Some((due, slot)) = next {
            batch.insert(job_key(due, post), &slot.to_be_bytes());
        }
        self.jobs.apply_batch(batch)?;
        Ok(())
    }

    /// Jobs due at or before `now_ms`: (due, post, slot), earliest first.
    pub fn due(&self, now_ms: u64) -> Vec<(u64, String, u64)> {
        self.jobs
            .range(..job_key(now_ms.saturating_add(1), ""))
            .filter_map(|kv| kv.ok())
            .filter_map(|(k, v)| parse_job(&k, &v))
            .collect()
    }

    /// Every job, earliest first.
    pub fn jobs(&self) -> Vec<(u64, String, u64)> {
        self.jobs
            .iter()
            .filter_map(|kv| kv.ok())
            .filter_map(|(k, v)| parse_job(&k, &v))
            .collect()
    }

    pub fn jobs_len(&self) -> usize {
        self.jobs.len()
    }

    /// Remove every job of `post` (cancel).
    pub fn remove_jobs(&self, post: &str) -> Result<usize, StoreError> {
        let keys: Vec<_> = self
            .jobs()
            .into_iter()
            .filter(|(_, p, _)| p == post)
            .map(|(due, p, _)| job_key(due, &p))
            .collect();
        for k in &keys {
            self.jobs.remove(k)?;
        }
        Ok(keys.len())
    }

    pub fn delivery(&self, post: &str, target: &str, slot_ms: u64) -> Option<Delivery> {
        let raw = self
            .deliveries
            .get(delivery_key(post, target, slot_ms))
            .ok()??;
        serde_json::from_slice(&raw).ok()
    }

    /// Record a delivery state and flush it to disk before returning: the send that follows
    /// must never happen without its record.
    pub fn set_delivery(
        &self,
        post: &str,
        target: &str,
        slot_ms: u64,
        d: &Delivery,
    ) -> Result<(), StoreError> {
        self.deliveries
            .insert(delivery_key(post, target, slot_ms), serde_json::to_vec(d)?)?;
        self.db.flush()?;
        Ok(())
    }

    /// Every delivery of `post`: (target, slot_ms, delivery).
    pub fn deliveries(&self, post: &str) -> Vec<(String, u64, Delivery)> {
        let prefix = format!("{post}\0");
        self.deliveries
            .scan_prefix(prefix.as_bytes())
            .filter_map(|kv| kv.ok())
            .filter_map(|(k, v)| {
                let k = std::str::from_utf8(&k).ok()?;
                let mut parts = k.split('\0');
                let _ = parts.next()?;
                let target = parts.next()?.to_string();
                let slot = u64::from_str_radix(parts.next()?, 16).ok()?;
                Some((target, slot, serde_json::from_slice(&v).ok()?))
            })
            .collect()
    }

    pub fn put_link(&self, token: &str, link: &Link) -> Result<(), StoreError> {
        self.links
            .insert(token.as_bytes(), serde_json::to_vec(link)?)?;
        Ok(())
    }

    pub fn link(&self, token: &str) -> Option<Link> {
        let raw = self.links.get(token.as_bytes()).ok()??;
        serde_json::from_slice(&raw).ok()
    }

    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }
}

fn job_key(due_ms: u64, post: &str) -> Vec<u8> {
    let mut k = due_ms.to_be_bytes().to_vec();
    k.extend_from_slice(post.as_bytes());
    k
}

fn parse_job(k: &[u8], v: &[u8]) -> Option<(u64, String, u64)> {
    let due = u64::from_be_bytes(k.get(..8)?.try_into().ok()?);
    let post = String::from_utf8(k.get(8..)?.to_vec()).ok()?;
    let slot = u64::from_be_bytes(v.try_into().ok()?);
    Some((due, post, slot))
}

/// Slots in hex so keys of one post sort by slot and stay readable in a dump.
fn delivery_key(post: &str, target: &str, slot_ms: u64) -> Vec<u8> {
    format!("{post}\0{target}\0{slot_ms:016x}").into_bytes()
}
