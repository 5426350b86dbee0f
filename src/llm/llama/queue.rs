//! Requests waiting for a free sequence. The next one taken is the oldest of the
//! conversation with the fewest requests running, and among those the one served longest
//! ago, so a conversation that sends many (a manager's ten drafts, a member who repeats
//! himself) takes turns with the others instead of holding them up.

use std::collections::{HashMap, VecDeque};

pub(super) struct FairQueue<T> {
    items: VecDeque<(String, T)>,
    /// When each conversation was last served (a count of items taken).
    served: HashMap<String, u64>,
    taken: u64,
}

impl<T> Default for FairQueue<T> {
    fn default() -> Self {
        FairQueue {
            items: VecDeque::new(),
            served: HashMap::new(),
            taken: 0,
        }
    }
}

impl<T> FairQueue<T> {
    /// Queue `item` of conversation `key` (empty: a conversation of its own).
    pub(super) fn push(&mut self, key: String, item: T) {
        self.items.push_back((key, item));
    }

    pub(super) fn len(&self) -> usize {
        self.items.len()
    }

    pub(super) fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Take the oldest item of the conversation with the fewest `running`, then the one
    /// served longest ago (never served first).
    pub(super) fn pop(&mut self, running: impl Fn(&str) -> usize) -> Option<T> {
        let at = self
            .items
            .iter()
            .enumerate()
            .min_by_key(|(i, (key, _))| {
                if key.is_empty() {
                    return (0, 0, *i);
                }
                let last = self.served.get(key).copied().unwrap_or(0);
                (running(key), last, *i)
            })
            .map(|(i, _)| i)?;
        let (key, item) = self.items.remove(at)?;
        self.taken += 1;
        if !key.is_empty() {
            self.served.insert(key, self.taken);
        }
        if self.served.len() > 4096 {
            // Only conversations still waiting need their turn remembered.
            let waiting: std::collections::HashSet<&String> =
                self.items.iter().map(|(k, _)| k).collect();
            self.served.retain(|k, _| waiting.contains(k));
        }
        Some(item)
    }

    /// Keep only the items `keep` accepts; returns the others, oldest first.
    pub(super) fn drain_unless(&mut self, keep: impl Fn(&T) -> bool) -> Vec<T> {
        let mut gone = Vec::new();
        let mut kept = VecDeque::with_capacity(self.items.len());
        for (key, item) in self.items.drain(..) {
            if keep(&item) {
                kept.push_back((key, item));
            } else {
                gone.push(item);
            }
        }
        self.items = kept;
        gone
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_busy_conversation_waits_behind_a_quiet_one() {
        let mut q = FairQueue::default();
        for i in 0..4 {
            q.push("a".into(), format!("a{i}"));
        }
        q.push("b".into(), "b0".to_string());
        q.push("".into(), "anon".to_string());
        // a has one running: b's request and the anonymous one go first, in arrival order.
        let running = |k: &str| usize::from(k == "a");
        assert_eq!(q.pop(running).as_deref(), Some("b0"));
        assert_eq!(q.pop(running).as_deref(), Some("anon"));
        assert_eq!(q.pop(running).as_deref(), Some("a0"));
        // Nothing running: oldest first.
        assert_eq!(q.pop(|_| 0).as_deref(), Some("a1"));
        assert_eq!(q.len(), 2);
    }

    #[test]
    fn one_at_a_time_conversations_still_take_turns() {
        // One sequence: nothing of either runs when the next is taken, so the turn goes
        // to the conversation served longest ago.
        let mut q = FairQueue::default();
        for i in 0..4 {
            q.push("a".into(), format!("a{i}"));
        }
        q.push("b".into(), "b0".to_string());
        q.push("c".into(), "c0".to_string());
        let order: Vec<String> = std::iter::from_fn(|| q.pop(|_| 0)).collect();
        assert_eq!(order, ["a0", "b0", "c0", "a1", "a2", "a3"]);
    }

    #[test]
    fn two_conversations_take_turns() {
        let mut q = FairQueue::default();
        for i in 0..3 {
            q.push("a".into(), ("a", i));
        }
        for i in 0..3 {
            q.push("b".into(), ("b", i));
        }
        let mut running = std::collections::HashMap::<&str, usize>::new();
        let mut order = Vec::new();
        while let Some(item) = q.pop(|k| running.get(k).copied().unwrap_or(0)) {
            *running.entry(item.0).or_default() += 1;
            order.push(item);
        }
        assert_eq!(
            order,
            vec![("a", 0), ("b", 0), ("a", 1), ("b", 1), ("a", 2), ("b", 2)]
        );
    }

    #[test]
    fn drains_what_is_no_longer_wanted() {
        let mut q = FairQueue::default();
        for i in 0..5 {
            q.push(String::new(), i);
        }
        assert_eq!(q.drain_unless(|i| i % 2 == 0), vec![1, 3]);
        assert_eq!(q.pop(|_| 0), Some(0));
        assert_eq!(q.pop(|_| 0), Some(2));
        assert!(!q.is_empty());
    }
}
