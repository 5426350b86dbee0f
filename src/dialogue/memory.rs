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
            turns.push(turn.clone());
            let excess = turns.len().saturating_sub(max);
            turns.drain(..excess);
            serde_json::to_vec(&turns).ok()
        })?;
        Ok(())
    }

    pub fn forget(&self, conversation: &str) -> Result<(), sled::Error> {
        self.tree.remove(conversation.as_bytes()).map(|_| ())
    }
}
