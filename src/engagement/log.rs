//! The log itself: events appended (buffered, in chunks), the bot's own messages
//! remembered, members pseudonymised with a keyed hash, erasure and retention.

use herald_platform::{ChatRef, Inbound, PlatformKind};

use crate::clock::now_ms;

use super::chunks::{self, decode};
use super::error::EngagementError;
use super::event::{scrubbed, Event, EventKind, PostEngagement, SentInfo, Speaker, PRIVATE};
use super::rollup;

#[derive(Clone)]
pub struct EngagementLog {
    pub(super) db: sled::Db,
    pub(super) chunks: std::sync::Arc<chunks::BufferedChunks>,
    /// The bot's own messages (platform, chat, message id → [`SentInfo`]).
    pub(super) sent: sled::Tree,
    pub(super) rollups: sled::Tree,
    /// Group and channel names by platform and id (`super::names`).
    pub(super) names: sled::Tree,
    /// Held while the rollups change: folding, erasure and retention must not interleave.
    pub(super) rollup_lock: std::sync::Arc<std::sync::Mutex<()>>,
    key: [u8; 32],
}

impl EngagementLog {
    /// Open the log. `secret` keys member pseudonyms; when empty a random key is created
    /// once and kept in the database, so pseudonyms stay stable across restarts.
    pub fn open(db: &sled::Db, secret: &str) -> Result<EngagementLog, EngagementError> {
        let chunks = std::sync::Arc::new(chunks::Chunks::open(db)?);
        let rollups = db.open_tree("rollups")?;
        let sent = db.open_tree("sent")?;
        let key = if secret.is_empty() {
            let meta = db.open_tree("meta")?;
            match meta.get("member_key")? {
                Some(k) if k.len() == 32 => {
                    let mut key = [0u8; 32];
                    key.copy_from_slice(&k);
                    key
                }
                _ => {
                    let key = random_key();
                    meta.insert("member_key", &key[..])?;
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
            names: db.open_tree("chat_names")?,
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
                "{PRIVATE}{}",
                self.member_id(chat.platform.as_str(), &chat.chat)
            )
        } else {
            chat.chat.clone()
        }
    }

    /// Who `user` in `chat` is, as stored. Worked out once per message, where it enters.
    pub fn speaker(&self, chat: &ChatRef, user: &str) -> Speaker {
        Speaker {
            platform: chat.platform,
            chat: self.chat_id(chat),
            member: self.member_id(chat.platform.as_str(), user),
        }
    }

    /// A member as in their private chat with the bot (on Telegram that chat's id is the
    /// user's): what a data request names.
    pub fn member(&self, platform: PlatformKind, user: &str) -> Speaker {
        self.speaker(
            &ChatRef {
                platform,
                chat: user.to_string(),
                private: true,
            },
            user,
        )
    }

    /// Log what `who` did now; member texts are scrubbed of contact details first.
    pub fn record(&self, who: &Speaker, kind: EventKind) -> Result<(), EngagementError> {
        let event = Event {
            at_ms: now_ms(),
            platform: who.platform.as_str().to_string(),
            chat: who.chat.clone(),
            member: who.member.clone(),
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
        let value = serde_json::to_vec(info)?;
        for id in message_ids {
            self.sent.insert(self.sent_key(chat, id), value.clone())?;
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
                    &self.speaker(chat, user),
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
                    &self.speaker(chat, user),
                    EventKind::Reaction {
                        message_id: message_id.clone(),
                        reactions: reactions.clone(),
                        sources: info.sources,
                        post: info.post,
                    },
                ),
                None => Ok(()),
            },
            Inbound::MemberJoined { chat, user, .. } => {
                self.record(&self.speaker(chat, user), EventKind::Joined)
            }
            // Presses of the core's own buttons are handled where they are asked for.
            Inbound::Button { .. } => Ok(()),
        }
    }

    /// Every event in the order it was logged.
    pub fn events(&self) -> impl Iterator<Item = Event> + '_ {
        if let Err(e) = self.chunks.write_pending() {
            tracing::error!(error = %crate::text::chain(&e), "engagement log: buffered events not written");
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

    pub(super) fn rollup_guard(&self) -> std::sync::MutexGuard<'_, ()> {
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
            let (k, _) = kv?;
            let chat = k.split(|b| *b == 0).nth(1).unwrap_or_default();
            if private_chats.iter().any(|c| c.as_bytes() == chat) {
                self.sent.remove(k)?;
                sent += 1;
            }
        }
        self.db.flush()?;
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
        self.db.flush()?;
        Ok(())
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
