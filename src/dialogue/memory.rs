//! Per-conversation memory in sled: the last few turns and the entities they were about,
//! so "and how big is the bag?" links back to the product of the previous question.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Turn {
    pub user: String,
    pub bot: String,
    /// Entity ids the turn was about.
    pub entities: Vec<String>,
}

#[derive(Clone)]
pub struct Memory {
    tree: sled::Tree,
    max_turns: usize,
}

impl Memory {
    pub fn open(db: &sled::Db, max_turns: usize) -> Result<Memory, sled::Error> {
        Ok(Memory {
            tree: db.open_tree("memory")?,
            max_turns,
        })
    }

    pub fn turns(&self, conversation: &str) -> Vec<Turn> {
        self.tree
            .get(conversation.as_bytes())
            .ok()
            .flatten()
            .and_then(|v| serde_json::from_slice(&v).ok())
            .unwrap_or_default()
    }

    /// Add a turn, keeping only the last `max_turns`.
    pub fn push(&self, conversation: &str, turn: Turn) -> Result<(), sled::Error> {
        if self.max_turns == 0 {
            return Ok(());
        }
        let max = self.max_turns;
        self.tree.update_and_fetch(conversation.as_bytes(), |old| {
            let mut turns: Vec<Turn> = old
                .and_then(|v| serde_json::from_slice(v).ok())
                .unwrap_or_default();
            // What the member wrote is kept without e-mail addresses or phone numbers.
            turns.push(Turn {
                user: crate::text::scrub(&turn.user),
                ..turn.clone()
            });
            let excess = turns.len().saturating_sub(max);
            turns.drain(..excess);
            serde_json::to_vec(&turns).ok()
        })?;
        Ok(())
    }

    /// Conversations keyed `platform:chat:member` that belong to `member` or happen in one
    /// of `private_chats`.
    fn keys_of(&self, member: &str, private_chats: &[String]) -> Vec<sled::IVec> {
        let suffix = format!(":{member}");
        let inside: Vec<String> = private_chats.iter().map(|c| format!(":{c}:")).collect();
        self.tree
            .iter()
            .keys()
            .filter_map(Result::ok)
            .filter(|k| {
                let k = String::from_utf8_lossy(k);
                k.ends_with(&suffix) || inside.iter().any(|c| k.contains(c.as_str()))
            })
            .collect()
    }

    /// Every conversation of a member, for `herald export-user`.
    pub fn conversations_of(
        &self,
        member: &str,
        private_chats: &[String],
    ) -> Vec<(String, Vec<Turn>)> {
        self.keys_of(member, private_chats)
            .into_iter()
            .map(|k| {
                let key = String::from_utf8_lossy(&k).into_owned();
                let turns = self.turns(&key);
                (key, turns)
            })
            .collect()
    }

    /// Forget every conversation of a member; returns how many.
    pub fn forget_member(
        &self,
        member: &str,
        private_chats: &[String],
    ) -> Result<usize, sled::Error> {
        let keys = self.keys_of(member, private_chats);
        for k in &keys {
            self.tree.remove(k)?;
        }
        Ok(keys.len())
    }

    pub fn forget(&self, conversation: &str) -> Result<(), sled::Error> {
        self.tree.remove(conversation.as_bytes()).map(|_| ())
    }
}
