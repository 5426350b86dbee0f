//! Where a prompt is split for evaluation and reuse: fixed by the prompt, never by the
//! load or the cache.

/// A prompt is evaluated in chunks of this many tokens after its head, each chunk a
/// decode of its own, and reused from a cache in whole chunks only: llama.cpp's results
/// differ in the last bits with where a prompt is split, and fixed splits make a reply
/// the same alone or beside others, whatever ran before. Small enough that a prompt
/// sharing its facts with an earlier one reuses most of them.
pub(super) const CHUNK: usize = 64;

/// Where a prompt is split for evaluation: its head (the instructions) alone, then
/// [`CHUNK`] tokens at a time. Fixed by the prompt, never by the load or the cache.
#[derive(Clone, Copy, Debug)]
pub(super) struct Chunks {
    pub(super) head: usize,
}

impl Chunks {
    /// The last split at or before `n`.
    pub(super) fn floor(self, n: usize) -> usize {
        match self.head {
            0 => n / CHUNK * CHUNK,
            h if n < h => 0,
            h => h + (n - h) / CHUNK * CHUNK,
        }
    }

    /// The first split after `n`.
    pub(super) fn next(self, n: usize) -> usize {
        if n < self.head {
            self.head
        } else {
            self.floor(n) + CHUNK
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_after_the_head_every_chunk() {
        let c = Chunks { head: 40 };
        assert_eq!(c.floor(39), 0, "part of the head is no reuse");
        assert_eq!(c.floor(40), 40);
        assert_eq!(c.floor(40 + CHUNK - 1), 40);
        assert_eq!(c.floor(40 + 2 * CHUNK + 5), 40 + 2 * CHUNK);
        assert_eq!(c.next(0), 40);
        assert_eq!(c.next(40), 40 + CHUNK);
        assert_eq!(c.next(41), 40 + CHUNK);
        let none = Chunks { head: 0 };
        assert_eq!(none.floor(CHUNK + 3), CHUNK);
        assert_eq!(none.next(0), CHUNK);
    }
}
