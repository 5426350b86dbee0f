//! What moderation remembers for a few minutes, in memory: each member's recent message
//! times (flood) and texts (the same text again, or in several chats). Lost on restart,
//! which only forgives a burst that straddles it.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, VecDeque};
use std::hash::{Hash, Hasher};

use super::words::fold;

/// Texts shorter than this (after folding away spacing and punctuation) repeat innocently:
/// "thanks", "+1", "早上好".
const MIN_REPEAT_CHARS: usize = 10;
/// Posting one text in two chats counts only for texts this long.
const MIN_CROSS_POST_CHARS: usize = 20;

#[derive(Default)]
pub(super) struct Recent {
    /// `platform:chat:member` → message times.
    posts: HashMap<String, VecDeque<u64>>,
    /// `platform:member` → (time, text hash, chat).
    texts: HashMap<String, VecDeque<(u64, u64, String)>>,
    calls: u64,
}

impl Recent {
    /// Count this message; `Some(n)` when `n` messages fell within `window_ms` and that is
    /// more than `limit`.
    pub(super) fn flood(
        &mut self,
        key: &str,
        now: u64,
        window_ms: u64,
        limit: usize,
    ) -> Option<usize> {
        self.tidy(now, window_ms);
        let times = self.posts.entry(key.to_string()).or_default();
        times.push_back(now);
        while times
            .front()
            .is_some_and(|&t| now.saturating_sub(t) > window_ms)
        {
            times.pop_front();
        }
        (limit > 0 && times.len() > limit).then_some(times.len())
    }

    /// Count this text; `Some((times, chats))` when it was posted `limit` times within
    /// `window_ms`, or (when long) in more than one chat.
    pub(super) fn repeat(
        &mut self,
        member: &str,
        chat: &str,
        text: &str,
        now: u64,
        window_ms: u64,
        limit: usize,
    ) -> Option<(usize, usize)> {
        let core: String = fold(text).chars().filter(|c| c.is_alphanumeric()).collect();
        let len = core.chars().count();
        if len < MIN_REPEAT_CHARS {
            return None;
        }
        let mut h = DefaultHasher::new();
        core.hash(&mut h);
        let hash = h.finish();
        let seen = self.texts.entry(member.to_string()).or_default();
        seen.push_back((now, hash, chat.to_string()));
        while seen
            .front()
            .is_some_and(|(t, _, _)| now.saturating_sub(*t) > window_ms)
        {
            seen.pop_front();
        }
        let same: Vec<&(u64, u64, String)> = seen.iter().filter(|(_, h, _)| *h == hash).collect();
        let mut chats: Vec<&str> = same.iter().map(|(_, _, c)| c.as_str()).collect();
        chats.sort_unstable();
        chats.dedup();
        let times = same.len();
        let spread = chats.len() > 1 && len >= MIN_CROSS_POST_CHARS;
        (limit > 0 && (times >= limit || spread)).then_some((times, chats.len()))
    }

    /// Now and then drop members with nothing recent, so memory stays bounded.
    fn tidy(&mut self, now: u64, window_ms: u64) {
        self.calls += 1;
        if !self.calls.is_multiple_of(1024) {
            return;
        }
        let hour = 3_600_000u64.max(window_ms);
        self.posts
            .retain(|_, v| v.back().is_some_and(|&t| now.saturating_sub(t) <= hour));
        self.texts.retain(|_, v| {
            v.back()
                .is_some_and(|(t, _, _)| now.saturating_sub(*t) <= hour * 24)
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sixth_message_in_ten_seconds_is_a_flood() {
        let mut r = Recent::default();
        for i in 0..5 {
            assert_eq!(r.flood("t:1:a", i * 1000, 10_000, 5), None);
        }
        assert_eq!(r.flood("t:1:b", 5000, 10_000, 5), None, "another member");
        assert_eq!(r.flood("t:1:a", 5000, 10_000, 5), Some(6));
        // Slow enough: never more than five in any ten seconds.
        let mut r = Recent::default();
        assert!((0..20).all(|i| r.flood("k", i * 2100, 10_000, 5).is_none()));
    }

    #[test]
    fn the_same_text_three_times_or_in_two_chats_is_a_repeat() {
        let mut r = Recent::default();
        let ad = "Best coffee deals this week only, visit our page";
        assert_eq!(r.repeat("a", "c1", ad, 0, 3_600_000, 3), None);
        assert_eq!(
            r.repeat("a", "c1", "something else entirely here", 1, 3_600_000, 3),
            None
        );
        assert_eq!(
            r.repeat("a", "c1", &ad.to_uppercase(), 2, 3_600_000, 3),
            None
        );
        assert_eq!(r.repeat("a", "c1", ad, 3, 3_600_000, 3), Some((3, 1)));
        assert_eq!(
            r.repeat("b", "c1", ad, 4, 3_600_000, 3),
            None,
            "another member"
        );
        assert_eq!(
            r.repeat("b", "c2", ad, 5, 3_600_000, 3),
            Some((2, 2)),
            "cross-posted"
        );
        // Short texts repeat innocently; old ones are forgotten.
        assert!((0..5).all(|i| r.repeat("c", "c1", "thanks!", i, 3_600_000, 3).is_none()));
        assert_eq!(r.repeat("d", "c1", ad, 0, 1000, 3), None);
        assert_eq!(r.repeat("d", "c1", ad, 5000, 1000, 3), None);
        assert_eq!(r.repeat("d", "c1", ad, 10_000, 1000, 3), None);
    }
}
