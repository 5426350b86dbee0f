//! Tickets in sled: one per hand-off or complaint, numbered from 1, open until a manager
//! answers it with `/reply`. An open ticket holds what it takes to reach the member (their
//! chat and user id); closing it drops those, so only the pseudonymous record stays.

use serde::{Deserialize, Serialize};

use herald_platform::{ChatRef, PlatformKind};

#[derive(Debug, thiserror::Error)]
pub enum TicketError {
    #[error("tickets: the data folder could not be read or written")]
    Storage(#[from] sled::Error),
    #[error("tickets: a record could not be encoded or read back")]
    Encode(#[from] serde_json::Error),
}

/// One member's request for a person, as the team sees it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ticket {
    pub id: u64,
    /// Why it was opened: `handoff` or `complaint`.
    pub reason: String,
    /// The member's pseudonym (what erasure and export look for).
    pub member: String,
    pub platform: String,
    /// The chat to answer in; emptied when the ticket is closed.
    pub chat: String,
    pub private: bool,
    /// The member's platform user id (for the mention); emptied when closed.
    pub user: String,
    /// The member's message the answer replies to.
    pub message_id: String,
    /// The member's words, scrubbed of contact details as the log keeps them.
    pub text: String,
    /// The member wrote in Chinese (the answer's heading follows).
    pub zh: bool,
    pub opened_ms: u64,
    pub closed_ms: Option<u64>,
}

impl Ticket {
    pub fn is_open(&self) -> bool {
        self.closed_ms.is_none()
    }

    /// The member's chat, while the ticket is open.
    pub fn chat_ref(&self) -> Option<ChatRef> {
        let platform = PlatformKind::from_name(&self.platform)?;
        (self.is_open() && !self.chat.is_empty()).then(|| ChatRef {
            platform,
            chat: self.chat.clone(),
            private: self.private,
        })
    }
}

/// What opening a ticket needs; the store numbers it.
#[derive(Clone, Debug)]
pub struct NewTicket {
    pub reason: String,
    pub member: String,
    pub chat: ChatRef,
    pub user: String,
    pub message_id: String,
    pub text: String,
    pub zh: bool,
    pub at_ms: u64,
}

/// The tickets tree. Cheap to clone (sled trees are shared handles).
#[derive(Clone)]
pub struct TicketStore {
    tree: sled::Tree,
}

/// The counter's key; ticket keys are 8-byte big-endian ids, so it sorts apart.
const NEXT: &[u8] = b"next";

impl TicketStore {
    pub fn open(db: &sled::Db) -> Result<TicketStore, TicketError> {
        Ok(TicketStore {
            tree: db.open_tree("tickets")?,
        })
    }

    /// Number and store a new ticket, flushed before it is announced.
    pub fn open_ticket(&self, new: NewTicket) -> Result<Ticket, TicketError> {
        let next = self.tree.update_and_fetch(NEXT, |old| {
            let n = old
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
                .map(u64::from_be_bytes)
                .unwrap_or(0);
            Some((n + 1).to_be_bytes().to_vec())
        })?;
        let id = next
            .and_then(|b| <[u8; 8]>::try_from(b.as_ref()).ok())
            .map(u64::from_be_bytes)
            .unwrap_or(1);
        let ticket = Ticket {
            id,
            reason: new.reason,
            member: new.member,
            platform: new.chat.platform.as_str().to_string(),
            chat: new.chat.chat,
            private: new.chat.private,
            user: new.user,
            message_id: new.message_id,
            text: new.text,
            zh: new.zh,
            opened_ms: new.at_ms,
            closed_ms: None,
        };
        self.put(&ticket)?;
        self.tree.flush()?;
        Ok(ticket)
    }

    pub fn get(&self, id: u64) -> Result<Option<Ticket>, TicketError> {
        match self.tree.get(id.to_be_bytes())? {
            Some(raw) => Ok(Some(serde_json::from_slice(&raw)?)),
            None => Ok(None),
        }
    }

    /// Close a ticket: the member's chat and user id are dropped.
    pub fn close(&self, id: u64, at_ms: u64) -> Result<Option<Ticket>, TicketError> {
        let Some(mut t) = self.get(id)? else {
            return Ok(None);
        };
        t.closed_ms = Some(at_ms);
        t.chat.clear();
        t.user.clear();
        self.put(&t)?;
        self.tree.flush()?;
        Ok(Some(t))
    }

    /// Every ticket, oldest first; records that cannot be read are skipped and reported.
    pub fn all(&self) -> Vec<Ticket> {
        self.tree
            .iter()
            .filter_map(Result::ok)
            .filter(|(k, _)| k.as_ref() != NEXT)
            .filter_map(|(k, v)| match serde_json::from_slice::<Ticket>(&v) {
                Ok(t) => Some(t),
                Err(e) => {
                    tracing::error!(key = ?k, error = %e, "a ticket could not be read; skipped");
                    None
                }
            })
            .collect()
    }

    /// The open tickets, oldest first.
    pub fn open_ones(&self) -> Vec<Ticket> {
        self.all().into_iter().filter(Ticket::is_open).collect()
    }

    /// The tickets of one member (export).
    pub fn of_member(&self, member: &str) -> Vec<Ticket> {
        self.all()
            .into_iter()
            .filter(|t| t.member == member)
            .collect()
    }

    /// Remove every ticket of one member (erasure); returns how many.
    pub fn forget_member(&self, member: &str) -> Result<usize, TicketError> {
        let mut n = 0;
        for t in self.of_member(member) {
            self.tree.remove(t.id.to_be_bytes())?;
            n += 1;
        }
        self.tree.flush()?;
        Ok(n)
    }

    /// Remove closed tickets closed before `cutoff_ms`, and open ones opened before it
    /// (retention); returns how many.
    pub fn purge_before(&self, cutoff_ms: u64) -> Result<usize, TicketError> {
        let mut n = 0;
        for t in self.all() {
            if t.closed_ms.unwrap_or(t.opened_ms) < cutoff_ms {
                self.tree.remove(t.id.to_be_bytes())?;
                n += 1;
            }
        }
        Ok(n)
    }

    fn put(&self, t: &Ticket) -> Result<(), TicketError> {
        self.tree
            .insert(t.id.to_be_bytes(), serde_json::to_vec(t)?)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new(member: &str) -> NewTicket {
        NewTicket {
            reason: "handoff".into(),
            member: member.into(),
            chat: ChatRef {
                platform: PlatformKind::Telegram,
                chat: "42".into(),
                private: true,
            },
            user: "42".into(),
            message_id: "7".into(),
            text: "I need a person".into(),
            zh: false,
            at_ms: 1_000,
        }
    }

    #[test]
    fn tickets_are_numbered_from_one_and_closing_drops_the_way_to_reach_the_member() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sled::open(dir.path()).expect("db");
        let store = TicketStore::open(&db).expect("store");
        let a = store.open_ticket(new("m1")).expect("open");
        let b = store.open_ticket(new("m2")).expect("open");
        assert_eq!((a.id, b.id), (1, 2));
        assert_eq!(
            a.chat_ref().map(|c| c.chat),
            Some("42".to_string()),
            "an open ticket reaches the member"
        );
        let closed = store.close(1, 2_000).expect("close").expect("ticket 1");
        assert_eq!(closed.closed_ms, Some(2_000));
        assert!(closed.chat_ref().is_none());
        assert!(closed.user.is_empty() && closed.chat.is_empty());
        assert_eq!(
            store.open_ones().iter().map(|t| t.id).collect::<Vec<_>>(),
            [2]
        );
        assert!(store.close(9, 1).expect("close").is_none());
        // The counter survives a reopen: numbers are never reused.
        drop(store);
        let store = TicketStore::open(&db).expect("store");
        assert_eq!(store.open_ticket(new("m1")).expect("open").id, 3);
        assert_eq!(store.forget_member("m1").expect("forget"), 2);
        assert_eq!(
            store.all().iter().map(|t| t.id).collect::<Vec<_>>(),
            [2],
            "only the other member's ticket is left"
        );
        assert_eq!(store.purge_before(1_001).expect("purge"), 1);
        assert!(store.all().is_empty());
    }
}
