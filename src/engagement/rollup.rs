//! Numbers per channel and quarter of an hour, folded from the events: what a report, the
//! alerts and `/besttime` read instead of the whole log. Quarter hours, because every time
//! zone's midnight falls on one, so local days are exact in any zone; per channel, because
//! reports are. Counts add up; active members are kept as sets and latencies as lists, so
//! distinct counts and percentiles stay exact.

use std::collections::{BTreeMap, HashMap};

use super::event::{Event, EventKind, PostEngagement};

/// Milliseconds per bucket.
pub const BUCKET_MS: u64 = 15 * crate::clock::MINUTE_MS;

/// One channel's quarter hour.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Bucket {
    pub messages: u64,
    pub joined: u64,
    /// Replies routed to an answer, and those answered from the knowledge.
    pub questions: u64,
    pub answered: u64,
    pub thumbs_up: u64,
    pub thumbs_down: u64,
    pub flagged: u64,
    /// Flags for complaints or strongly negative messages (what alerts watch).
    pub complaints: u64,
    /// Member messages with sentiment ≤ −0.05, and the sum of all their sentiments.
    pub negative: u64,
    pub sentiment: f64,
    /// Members who wrote (64-bit form of the pseudonym), sorted once [`Bucket::tidy`] ran.
    pub members: Vec<u64>,
    /// Reply latencies, milliseconds.
    pub latencies: Vec<f64>,
    /// Posts published here.
    pub posts: Vec<String>,
}

/// A post: when it first went out and what members did with it.
#[derive(Clone, Debug, PartialEq)]
pub struct PostRow {
    /// `u64::MAX` when its publication is no longer in the log.
    pub first_ms: u64,
    pub replies: u64,
    pub clicks: u64,
    /// Reactions as last set, summed over members and messages.
    pub reactions: u64,
}

impl Default for PostRow {
    fn default() -> Self {
        PostRow {
            first_ms: u64::MAX,
            replies: 0,
            clicks: 0,
            reactions: 0,
        }
    }
}

/// The last reaction set of one member on one message of a post.
#[derive(Clone, Debug, PartialEq)]
pub struct ReactionRow {
    pub at_ms: u64,
    pub post: String,
    pub count: u64,
}

/// The kinds counted per channel and quarter hour.
fn counted(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Message { .. }
            | EventKind::Joined
            | EventKind::Reply { .. }
            | EventKind::Rating { .. }
            | EventKind::Flag { .. }
            | EventKind::Published { .. }
    )
}

/// (bucket start / [`BUCKET_MS`], platform, chat).
pub type BucketKey = (u32, String, String);
/// (chat, message id, member).
pub type ReactionKey = (String, String, String);

/// Folded events: in memory for a slice of the log, or loaded from the stored rollups.
#[derive(Clone, Debug, Default)]
pub struct Rollup {
    pub buckets: BTreeMap<BucketKey, Bucket>,
    pub posts: HashMap<String, PostRow>,
    /// Reaction sets seen while folding; a stored post row already counts its reactions.
    pub reactions: HashMap<ReactionKey, ReactionRow>,
}

/// The 64-bit form of a member pseudonym (16 hex digits); other ids are hashed.
pub fn member_bits(member: &str) -> u64 {
    if member.len() == 16 {
        if let Ok(v) = u64::from_str_radix(member, 16) {
            return v;
        }
    }
    let h = blake3::hash(member.as_bytes());
    let mut b = [0u8; 8];
    b.copy_from_slice(&h.as_bytes()[..8]);
    u64::from_le_bytes(b)
}

pub fn bucket_of(at_ms: u64) -> u32 {
    (at_ms / BUCKET_MS).min(u32::MAX as u64) as u32
}

impl Rollup {
    /// Fold events in log order.
    pub fn of<E: std::borrow::Borrow<Event>>(events: impl IntoIterator<Item = E>) -> Rollup {
        let mut r = Rollup::default();
        for e in events {
            r.fold(e.borrow());
        }
        r.tidy();
        r
    }

    /// Count one event.
    pub fn fold(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Reaction {
                post: Some(post),
                message_id,
                reactions,
                ..
            } => {
                self.reactions.insert(
                    (e.chat.clone(), message_id.clone(), e.member.clone()),
                    ReactionRow {
                        at_ms: e.at_ms,
                        post: post.clone(),
                        count: reactions.len() as u64,
                    },
                );
                return;
            }
            EventKind::PostReply { post, .. } => {
                self.posts.entry(post.clone()).or_default().replies += 1;
                return;
            }
            EventKind::Click { post, .. } => {
                self.posts.entry(post.clone()).or_default().clicks += 1;
                return;
            }
            EventKind::Published { post, .. } => {
                let row = self.posts.entry(post.clone()).or_default();
                row.first_ms = row.first_ms.min(e.at_ms);
            }
            EventKind::Message { .. }
            | EventKind::Joined
            | EventKind::Reply { .. }
            | EventKind::Rating { .. }
            | EventKind::Flag { .. } => {}
            // Not counted per channel: gaps (read by `/gaps`), free feedback, reactions on
            // answers.
            _ => return,
        }
        let b = self.bucket(e);
        match &e.kind {
            EventKind::Message { text, .. } => {
                b.messages += 1;
                b.members.push(member_bits(&e.member));
                let s = crate::text::sentiment::compound(text);
                b.sentiment += s;
                b.negative += (s <= -0.05) as u64;
            }
            EventKind::Joined => b.joined += 1,
            EventKind::Reply {
                route,
                answered,
                latency_ms,
                ..
            } => {
                b.latencies.push(*latency_ms);
                if route == "answer" {
                    b.questions += 1;
                    b.answered += *answered as u64;
                }
            }
            EventKind::Rating { positive, .. } => {
                if *positive {
                    b.thumbs_up += 1
                } else {
                    b.thumbs_down += 1
                }
            }
            EventKind::Flag { reason, .. } => {
                b.flagged += 1;
                b.complaints += (reason == "complaint" || reason == "negative") as u64;
            }
            EventKind::Published { post, .. } => b.posts.push(post.clone()),
            _ => {}
        }
    }

    /// Take back one erased event that was folded (its member is gone from the log, so
    /// they leave the bucket's member set too).
    pub fn unfold(&mut self, e: &Event) {
        match &e.kind {
            EventKind::Reaction { .. } => {}
            EventKind::PostReply { post, .. } => {
                if let Some(p) = self.posts.get_mut(post) {
                    p.replies = p.replies.saturating_sub(1);
                }
            }
            EventKind::Click { post, .. } => {
                if let Some(p) = self.posts.get_mut(post) {
                    p.clicks = p.clicks.saturating_sub(1);
                }
            }
            kind if counted(kind) => {
                let b = self.bucket(e);
                match &e.kind {
                    EventKind::Message { text, .. } => {
                        b.messages = b.messages.saturating_sub(1);
                        let bits = member_bits(&e.member);
                        b.members.retain(|m| *m != bits);
                        let s = crate::text::sentiment::compound(text);
                        b.sentiment -= s;
                        b.negative = b.negative.saturating_sub((s <= -0.05) as u64);
                    }
                    EventKind::Joined => b.joined = b.joined.saturating_sub(1),
                    EventKind::Reply {
                        route,
                        answered,
                        latency_ms,
                        ..
                    } => {
                        if let Some(i) = b.latencies.iter().position(|l| l == latency_ms) {
                            b.latencies.swap_remove(i);
                        }
                        if route == "answer" {
                            b.questions = b.questions.saturating_sub(1);
                            b.answered = b.answered.saturating_sub(*answered as u64);
                        }
                    }
                    EventKind::Rating { positive: true, .. } => {
                        b.thumbs_up = b.thumbs_up.saturating_sub(1)
                    }
                    EventKind::Rating { .. } => b.thumbs_down = b.thumbs_down.saturating_sub(1),
                    EventKind::Flag { reason, .. } => {
                        b.flagged = b.flagged.saturating_sub(1);
                        if reason == "complaint" || reason == "negative" {
                            b.complaints = b.complaints.saturating_sub(1);
                        }
                    }
                    _ => {}
                }
            }
            _ => {}
        }
    }

    fn bucket(&mut self, e: &Event) -> &mut Bucket {
        self.buckets
            .entry((bucket_of(e.at_ms), e.platform.clone(), e.chat.clone()))
            .or_default()
    }

    /// Sort and dedupe the member sets (folding only pushes).
    pub fn tidy(&mut self) {
        for b in self.buckets.values_mut() {
            b.tidy();
        }
    }

    /// Reactions + replies + clicks per post.
    pub fn post_engagement(&self) -> HashMap<String, PostEngagement> {
        let mut out: HashMap<String, PostEngagement> = self
            .posts
            .iter()
            .map(|(id, p)| {
                (
                    id.clone(),
                    PostEngagement {
                        reactions: p.reactions,
                        replies: p.replies,
                        clicks: p.clicks,
                    },
                )
            })
            .collect();
        for r in self.reactions.values() {
            out.entry(r.post.clone()).or_default().reactions += r.count;
        }
        out
    }

    /// Each post's first publication and total engagement (what `/besttime` ranks).
    pub fn published(&self) -> Vec<(String, u64, u64)> {
        let engagement = self.post_engagement();
        let mut out: Vec<(String, u64, u64)> = self
            .posts
            .iter()
            .filter(|(_, p)| p.first_ms != u64::MAX)
            .map(|(id, p)| {
                let total = engagement.get(id).map_or(0, |e| e.total());
                (id.clone(), p.first_ms, total)
            })
            .collect();
        out.sort();
        out
    }
}

impl Bucket {
    pub fn tidy(&mut self) {
        self.members.sort_unstable();
        self.members.dedup();
        self.posts.sort();
        self.posts.dedup();
    }

    /// Add another bucket of the same channel and time (a later slice of the log).
    pub fn merge(&mut self, o: Bucket) {
        self.messages += o.messages;
        self.joined += o.joined;
        self.questions += o.questions;
        self.answered += o.answered;
        self.thumbs_up += o.thumbs_up;
        self.thumbs_down += o.thumbs_down;
        self.flagged += o.flagged;
        self.complaints += o.complaints;
        self.negative += o.negative;
        self.sentiment += o.sentiment;
        self.members.extend(o.members);
        self.latencies.extend(o.latencies);
        self.posts.extend(o.posts);
        self.tidy();
    }

    pub fn is_empty(&self) -> bool {
        self.messages
            + self.joined
            + self.questions
            + self.thumbs_up
            + self.thumbs_down
            + self.flagged
            == 0
            && self.latencies.is_empty()
            && self.posts.is_empty()
    }
}

/// Binary encodings of the stored rows: a version byte, then fixed-width fields. JSON
/// would make a busy quarter hour's member set several times larger and slower to read.
pub mod codec {
    use super::{Bucket, PostRow, ReactionRow};

    const VERSION: u8 = 1;

    pub fn bucket(b: &Bucket) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(90 + 8 * (b.members.len() + b.latencies.len()) + 16 * b.posts.len());
        out.push(VERSION);
        for v in [
            b.messages,
            b.joined,
            b.questions,
            b.answered,
            b.thumbs_up,
            b.thumbs_down,
            b.flagged,
            b.complaints,
            b.negative,
        ] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&b.sentiment.to_le_bytes());
        out.extend_from_slice(&(b.members.len() as u32).to_le_bytes());
        for m in &b.members {
            out.extend_from_slice(&m.to_le_bytes());
        }
        out.extend_from_slice(&(b.latencies.len() as u32).to_le_bytes());
        for l in &b.latencies {
            out.extend_from_slice(&l.to_le_bytes());
        }
        out.extend_from_slice(&(b.posts.len() as u32).to_le_bytes());
        for p in &b.posts {
            out.extend_from_slice(&(p.len() as u32).to_le_bytes());
            out.extend_from_slice(p.as_bytes());
        }
        out
    }

    struct Reader<'a>(&'a [u8]);

    impl Reader<'_> {
        fn take(&mut self, n: usize) -> Option<&[u8]> {
            if self.0.len() < n {
                return None;
            }
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            Some(head)
        }
        fn u64(&mut self) -> Option<u64> {
            self.take(8)?.try_into().ok().map(u64::from_le_bytes)
        }
        fn f64(&mut self) -> Option<f64> {
            self.take(8)?.try_into().ok().map(f64::from_le_bytes)
        }
        fn len(&mut self) -> Option<usize> {
            let n = self.take(4)?.try_into().ok().map(u32::from_le_bytes)? as usize;
            // A length longer than what is left is a damaged row, not an allocation.
            (n <= self.0.len()).then_some(n)
        }
        fn string(&mut self) -> Option<String> {
            let n = self.len()?;
            String::from_utf8(self.take(n)?.to_vec()).ok()
        }
    }

    /// `None` for a damaged or unknown row (the caller rebuilds from the log).
    pub fn read_bucket(raw: &[u8]) -> Option<Bucket> {
        let mut r = Reader(raw);
        if r.take(1)? != [VERSION] {
            return None;
        }
        let mut b = Bucket {
            messages: r.u64()?,
            joined: r.u64()?,
            questions: r.u64()?,
            answered: r.u64()?,
            thumbs_up: r.u64()?,
            thumbs_down: r.u64()?,
            flagged: r.u64()?,
            complaints: r.u64()?,
            negative: r.u64()?,
            sentiment: r.f64()?,
            ..Bucket::default()
        };
        let n = r.len()?;
        b.members = (0..n).map(|_| r.u64()).collect::<Option<_>>()?;
        let n = r.len()?;
        b.latencies = (0..n).map(|_| r.f64()).collect::<Option<_>>()?;
        let n = r.len()?;
        b.posts = (0..n).map(|_| r.string()).collect::<Option<_>>()?;
        Some(b)
    }

    pub fn post(p: &PostRow) -> Vec<u8> {
        [p.first_ms, p.replies, p.clicks, p.reactions]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect()
    }

    pub fn read_post(raw: &[u8]) -> Option<PostRow> {
        let mut r = Reader(raw);
        Some(PostRow {
            first_ms: r.u64()?,
            replies: r.u64()?,
            clicks: r.u64()?,
            reactions: r.u64()?,
        })
    }

    pub fn reaction(r: &ReactionRow) -> Vec<u8> {
        let mut out = Vec::with_capacity(20 + r.post.len());
        out.extend_from_slice(&r.at_ms.to_le_bytes());
        out.extend_from_slice(&r.count.to_le_bytes());
        out.extend_from_slice(&(r.post.len() as u32).to_le_bytes());
        out.extend_from_slice(r.post.as_bytes());
        out
    }

    pub fn read_reaction(raw: &[u8]) -> Option<ReactionRow> {
        let mut r = Reader(raw);
        Some(ReactionRow {
            at_ms: r.u64()?,
            count: r.u64()?,
            post: r.string()?,
        })
    }
}
