//! The engagement log: every message, reply, knowledge gap, flag and piece of feedback,
//! appended to sled with a pseudonymous member id. Later analytics read it; its event type
//! is kept small and stable. Events are stored in chunks ([`chunks`]) and folded into
//! per-channel quarter hours ([`rollup`], kept in sled by [`stored`]) that reports read,
//! and into what members asked ([`asked`]) that `/gaps` and `/recommend` read.

pub mod asked;
pub mod chunks;
pub mod rollup;
mod stored;

pub use rollup::Rollup;

use std::time::{SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use herald_platform::{ChatRef, Inbound};

use chunks::decode;

#[derive(Debug, thiserror::Error)]
pub enum EngagementError {
    #[error("engagement log: {0}")]
    Storage(String),
}

/// One logged event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Event {
    /// Milliseconds since the Unix epoch.
    pub at_ms: u64,
    pub platform: String,
    /// The chat or channel; private chats are pseudonymised like members.
    pub chat: String,
    /// Keyed hash of the platform's user id.
    pub member: String,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Message {
        message_id: String,
        text: String,
        addressed: bool,
    },
    Reply {
        in_reply_to: String,
        intent: Option<String>,
        route: String,
        answered: bool,
        grounded: bool,
        fallback: String,
        latency_ms: f64,
        sources: Vec<String>,
        /// Entities the answer was about (what recommendations learn from).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entities: Vec<String>,
    },
    Gap {
        question: String,
    },
    Flag {
        reason: String,
        text: String,
    },
    Feedback {
        text: String,
    },
    /// A rating button pressed under one of the bot's answers.
    Rating {
        message_id: String,
        positive: bool,
        /// What the rated answer cited, so feedback can be traced to knowledge.
        sources: Vec<String>,
        route: String,
        /// The entities the rated answer was about: a 👍 counts as the member liking them
        /// (what `/recommend` learns from). Empty in logs from before it was kept.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        entities: Vec<String>,
    },
    /// A member's reactions on one of the bot's messages, as now set.
    Reaction {
        message_id: String,
        reactions: Vec<String>,
        sources: Vec<String>,
        /// Set when the message was one of the bot's posts.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        post: Option<String>,
    },
    /// A member replied to one of the bot's posts.
    PostReply {
        post: String,
        message_id: String,
    },
    /// A member followed a link of a post (through `/r/<token>`).
    Click {
        post: String,
        url: String,
    },
    /// A post went out to one target.
    Published {
        post: String,
        target: String,
        message_ids: Vec<String>,
    },
    /// A member joined the group or server.
    Joined,
}

/// What the bot remembers about a message it sent, to link ratings and reactions to it.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SentInfo {
    pub in_reply_to: Option<String>,
    pub route: String,
    pub sources: Vec<String>,
    /// The entities the answer was about.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entities: Vec<String>,
    /// The post this message published, if it was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post: Option<String>,
}

/// What members did with one post, counted from the log.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PostEngagement {
    pub reactions: u64,
    pub replies: u64,
    pub clicks: u64,
}

impl PostEngagement {
    pub fn total(&self) -> u64 {
        self.reactions + self.replies + self.clicks
    }
}

#[derive(Clone)]
pub struct EngagementLog {
    db: sled::Db,
    chunks: std::sync::Arc<chunks::BufferedChunks>,
    /// The bot's own messages (platform, chat, message id → [`SentInfo`]).
    sent: sled::Tree,
    rollups: sled::Tree,
    /// Held while the rollups change: folding, erasure and retention must not interleave.
    rollup_lock: std::sync::Arc<std::sync::Mutex<()>>,
    key: [u8; 32],
}

impl EngagementLog {
    /// Open the log. `secret` keys member pseudonyms; when empty a random key is created
    /// once and kept in the database, so pseudonyms stay stable across restarts.
    pub fn open(db: &sled::Db, secret: &str) -> Result<EngagementLog, EngagementError> {
        let err = |e: sled::Error| EngagementError::Storage(e.to_string());
        let chunks = std::sync::Arc::new(chunks::Chunks::open(db)?);
        let rollups = db.open_tree("rollups").map_err(err)?;
        let sent = db.open_tree("sent").map_err(err)?;
        let key = if secret.is_empty() {
            let meta = db.open_tree("meta").map_err(err)?;
            match meta.get("member_key").map_err(err)? {
                Some(k) if k.len() == 32 => {
                    let mut key = [0u8; 32];
                    key.copy_from_slice(&k);
                    key
                }
                _ => {
                    let key = random_key();
                    meta.insert("member_key", &key[..]).map_err(err)?;
                    key
                }
            }
        } else {
            blake3::derive_key("herald member pseudonyms v1", secret.as_bytes())
        };
        Ok(EngagementLog {
            db: db.clone(),
            chunks,
            sent,
            rollups,
            rollup_lock: Default::default(),
            key,
        })
    }

    /// The pseudonym of a platform user: the same for the same user, meaningless without the key.
    pub fn member_id(&self, platform: &str, user: &str) -> String {
        let mut h = blake3::Hasher::new_keyed(&self.key);
        h.update(platform.as_bytes());
        h.update(b"\0");
        h.update(user.as_bytes());
        h.finalize().to_hex()[..16].to_string()
    }

    /// The chat as logged: private chats are pseudonymised (their id is often the user's).
    pub fn chat_id(&self, chat: &ChatRef) -> String {
        if chat.private {
            format!(
                "private:{}",
                self.member_id(chat.platform.as_str(), &chat.chat)
            )
        } else {
            chat.chat.clone()
        }
    }

    pub fn record(
        &self,
        chat: &ChatRef,
        user: &str,
        kind: EventKind,
    ) -> Result<(), EngagementError> {
        let event = Event {
            at_ms: now_ms(),
            platform: chat.platform.as_str().to_string(),
            chat: self.chat_id(chat),
            member: self.member_id(chat.platform.as_str(), user),
            kind: scrubbed(kind),
        };
        self.append(&event)
    }

    /// Append an event as it is (the caller pseudonymised and scrubbed it): imports and
    /// synthetic logs. Buffered: in sled within [`chunks::FLUSH_EVERY`], at once for readers.
    pub fn append(&self, event: &Event) -> Result<(), EngagementError> {
        self.chunks.push(event)
    }

    /// Append many events, in order.
    pub fn append_all(&self, events: &[Event]) -> Result<(), EngagementError> {
        events.iter().try_for_each(|e| self.chunks.push(e))
    }

    /// Remember the messages a reply became, so a later rating or reaction finds its sources.
    pub fn remember_sent(
        &self,
        chat: &ChatRef,
        message_ids: &[String],
        info: &SentInfo,
    ) -> Result<(), EngagementError> {
        let value =
            serde_json::to_vec(info).map_err(|e| EngagementError::Storage(e.to_string()))?;
        for id in message_ids {
            self.sent
                .insert(self.sent_key(chat, id), value.clone())
                .map_err(|e| EngagementError::Storage(e.to_string()))?;
        }
        Ok(())
    }

    /// What the bot sent as `message_id` in `chat`, if it was the bot's.
    pub fn sent_info(&self, chat: &ChatRef, message_id: &str) -> Option<SentInfo> {
        let raw = self.sent.get(self.sent_key(chat, message_id)).ok()??;
        serde_json::from_slice(&raw).ok()
    }

    /// Record a rating, reaction or join. Reactions count only on the bot's own messages
    /// (what members think of its answers and posts); ratings carry the rated answer's sources.
    pub fn record_signal(&self, signal: &Inbound) -> Result<(), EngagementError> {
        match signal {
            Inbound::Message(_) => Ok(()),
            Inbound::Rating {
                chat,
                user,
                message_id,
                positive,
            } => {
                let info = self.sent_info(chat, message_id).unwrap_or_default();
                self.record(
                    chat,
                    user,
                    EventKind::Rating {
                        message_id: message_id.clone(),
                        positive: *positive,
                        sources: info.sources,
                        route: info.route,
                        entities: info.entities,
                    },
                )
            }
            Inbound::Reaction {
                chat,
                user,
                message_id,
                reactions,
            } => match self.sent_info(chat, message_id) {
                Some(info) => self.record(
                    chat,
                    user,
                    EventKind::Reaction {
                        message_id: message_id.clone(),
                        reactions: reactions.clone(),
                        sources: info.sources,
                        post: info.post,
                    },
                ),
                None => Ok(()),
            },
            Inbound::MemberJoined { chat, user } => self.record(chat, user, EventKind::Joined),
        }
    }

    /// Every event in the order it was logged.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        if let Err(e) = self.chunks.write_pending() {
            tracing::error!(error = %e, "engagement log: buffered events not written");
        }
        self.chunks
            .after(None)
            .flat_map(|(_, chunk)| decode(&chunk).collect::<Vec<_>>())
    }

    /// Engagement per post id, from the rollups (see [`post_engagement_of`]).
    pub fn post_engagement(
        &self,
    ) -> Result<std::collections::HashMap<String, PostEngagement>, EngagementError> {
        Ok(self.rollup(0, 0)?.post_engagement())
    }

    fn rollup_guard(&self) -> std::sync::MutexGuard<'_, ()> {
        self.rollup_lock.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The bot's own messages are keyed by the chat as logged, so a private chat's raw id
    /// (often the member's user id) is never stored.
    fn sent_key(&self, chat: &ChatRef, message_id: &str) -> Vec<u8> {
        format!("{}\0{}\0{}", chat.platform, self.chat_id(chat), message_id).into_bytes()
    }

    /// The member's events and those in their private chats, oldest first.
    pub fn events_of(&self, member: &str, private_chats: &[String]) -> Vec<Event> {
        self.events()
            .filter(|e| e.member == member || private_chats.contains(&e.chat))
            .collect()
    }

    /// Delete the member's events and the bot's messages in their private chats, and take
    /// them out of the rollups. Returns (events, sent messages) deleted.
    pub fn erase_member(
        &self,
        member: &str,
        private_chats: &[String],
    ) -> Result<(usize, usize), EngagementError> {
        let err = |e: sled::Error| EngagementError::Storage(e.to_string());
        let _guard = self.rollup_guard();
        self.catch_up_locked()?;
        let mut removed = Vec::new();
        let theirs = |e: &Event| e.member == member || private_chats.contains(&e.chat);
        for (key, chunk) in self.chunks.after(None) {
            let (gone, kept) = split_chunk(&chunk, |e| !theirs(e));
            if !gone.is_empty() {
                self.chunks.rewrite(key, &kept)?;
                removed.extend(gone);
            }
        }
        self.unfold_erased(&removed, member, private_chats)?;
        let mut sent = 0;
        for kv in self.sent.iter() {
            let (k, _) = kv.map_err(err)?;
            let chat = k.split(|b| *b == 0).nth(1).unwrap_or_default();
            if private_chats.iter().any(|c| c.as_bytes() == chat) {
                self.sent.remove(k).map_err(err)?;
                sent += 1;
            }
        }
        self.db.flush().map_err(err)?;
        Ok((removed.len(), sent))
    }

    /// Delete events logged before `cutoff_ms`, rounded down to a quarter hour so the
    /// rollups lose exactly the same (retention). Events are stored in the order they were
    /// logged, so this reads only the chunks it deletes from (and one more).
    pub fn purge_before(&self, cutoff_ms: u64) -> Result<usize, EngagementError> {
        let cutoff = cutoff_ms / rollup::BUCKET_MS * rollup::BUCKET_MS;
        let _guard = self.rollup_guard();
        self.catch_up_locked()?;
        let mut removed = Vec::new();
        for (key, chunk) in self.chunks.after(None) {
            // Unreadable lines go too: not worth keeping past retention.
            let (gone, kept) = split_chunk(&chunk, |e| e.at_ms >= cutoff);
            let readable: Vec<&[u8]> = kept
                .iter()
                .copied()
                .filter(|l| serde_json::from_slice::<Event>(l).is_ok())
                .collect();
            if !gone.is_empty() || readable.len() < kept.len() {
                self.chunks.rewrite(key, &readable)?;
                removed.extend(gone);
            }
            if decode(&chunk).any(|e| e.at_ms >= cutoff) {
                break;
            }
        }
        if removed.is_empty() {
            return Ok(0);
        }
        self.unfold_purged(&removed, cutoff)?;
        Ok(removed.len())
    }

    /// Write buffered events and flush the data folder to disk.
    pub fn flush(&self) -> Result<(), EngagementError> {
        self.chunks.write_pending()?;
        self.db
            .flush()
            .map(|_| ())
            .map_err(|e| EngagementError::Storage(e.to_string()))
    }
}

/// A chunk's events split by `keep`: (the events not kept, the lines kept as stored).
/// Lines that do not parse are kept, so erasure never loses what it cannot read.
fn split_chunk(chunk: &[u8], keep: impl Fn(&Event) -> bool) -> (Vec<Event>, Vec<&[u8]>) {
    let mut gone = Vec::new();
    let mut kept = Vec::new();
    for line in chunk.split(|b| *b == b'\n').filter(|l| !l.is_empty()) {
        match serde_json::from_slice::<Event>(line) {
            Ok(e) if !keep(&e) => gone.push(e),
            _ => kept.push(line),
        }
    }
    (gone, kept)
}

/// Engagement per post id. A member's reactions on a message count as last set (platforms
/// report the whole set on each change), replies and clicks each count once.
/// Takes owned or borrowed events, so analyses over a slice copy nothing.
pub fn post_engagement_of<E: std::borrow::Borrow<Event>>(
    events: impl Iterator<Item = E>,
) -> std::collections::HashMap<String, PostEngagement> {
    let mut out: std::collections::HashMap<String, PostEngagement> = Default::default();
    let mut reactions: std::collections::HashMap<(String, String, String), (String, u64)> =
        Default::default();
    for e in events {
        let e = e.borrow();
        match &e.kind {
            EventKind::Reaction {
                post: Some(post),
                message_id,
                reactions: set,
                ..
            } => {
                reactions.insert(
                    (e.chat.clone(), message_id.clone(), e.member.clone()),
                    (post.clone(), set.len() as u64),
                );
            }
            EventKind::PostReply { post, .. } => out.entry(post.clone()).or_default().replies += 1,
            EventKind::Click { post, .. } => out.entry(post.clone()).or_default().clicks += 1,
            _ => {}
        }
    }
    for (_, (post, n)) in reactions {
        out.entry(post).or_default().reactions += n;
    }
    out
}

/// Member texts as stored: e-mail addresses and phone numbers scrubbed.
fn scrubbed(kind: EventKind) -> EventKind {
    use crate::privacy::scrub;
    match kind {
        EventKind::Message {
            message_id,
            text,
            addressed,
        } => EventKind::Message {
            message_id,
            text: scrub(&text),
            addressed,
        },
        EventKind::Gap { question } => EventKind::Gap {
            question: scrub(&question),
        },
        EventKind::Flag { reason, text } => EventKind::Flag {
            reason,
            text: scrub(&text),
        },
        EventKind::Feedback { text } => EventKind::Feedback { text: scrub(&text) },
        other => other,
    }
}

/// How often `herald run` folds new events: a report or `/gaps` then folds at most this
/// much in the handler that asked.
const FOLD_EVERY: std::time::Duration = std::time::Duration::from_secs(60);
/// Retention runs every this many folds (hourly).
const PURGE_EVERY_FOLDS: u32 = 60;

/// The log's upkeep under `herald run`, now and until shutdown: every minute fold new events
/// into the rollups (so a report, `/gaps` or `/recommend` has little left to do) and, with
/// a retention, hourly delete events older than it. Off the async workers: both read and
/// write sled.
pub async fn upkeep(
    log: EngagementLog,
    retention: Option<std::time::Duration>,
    mut shutdown: tokio::sync::watch::Receiver<bool>,
) {
    for round in 0u32.. {
        let log = log.clone();
        let purge = retention.filter(|_| round.is_multiple_of(PURGE_EVERY_FOLDS));
        let done = tokio::task::spawn_blocking(move || {
            if let Some(keep) = purge {
                let cutoff = now_ms().saturating_sub(keep.as_millis() as u64);
                match log.purge_before(cutoff) {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(deleted = n, "events past retention deleted"),
                    Err(e) => tracing::error!(error = %e, "retention: could not delete old events"),
                }
            }
            // Retention folds first; without it, this is the fold.
            match log.catch_up() {
                Ok(0) => {}
                Ok(n) => tracing::debug!(folded = n, "events folded into the rollups"),
                Err(e) => tracing::error!(error = %e, "rollups: new events not folded"),
            }
        })
        .await;
        if let Err(e) = done {
            tracing::error!(error = %e, "engagement log upkeep failed");
        }
        tokio::select! {
            _ = tokio::time::sleep(FOLD_EVERY) => {}
            _ = shutdown.wait_for(|s| *s) => return,
        }
    }
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

/// 32 bytes from the OS-seeded hasher keys (std has no RNG; `RandomState` is seeded from
/// the OS per instance), mixed through blake3.
fn random_key() -> [u8; 32] {
    use std::hash::{BuildHasher, Hasher};
    let mut h = blake3::Hasher::new();
    for i in 0..8u64 {
        let mut s = std::collections::hash_map::RandomState::new().build_hasher();
        s.write_u64(i);
        h.update(&s.finish().to_le_bytes());
    }
    h.update(&now_ms().to_le_bytes());
    h.update(&std::process::id().to_le_bytes());
    *h.finalize().as_bytes()
}
