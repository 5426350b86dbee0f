//! Synthetic engagement logs with known structure, for tests that check the analysis
//! recovers it: daily activity with a trend, weekly seasonality and one planted anomaly day;
//! posts whose engagement peaks at one planted hour of the week; knowledge gaps asked in
//! several wordings with known frequencies.

use herald::engagement::{Event, EventKind};

/// 2026-01-05, a Monday, 00:00 UTC.
pub const START_MS: u64 = 1_767_571_200_000;
pub const DAY_MS: u64 = 86_400_000;

/// A small deterministic generator.
pub struct Lcg(pub u64);

impl Lcg {
    pub fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

pub struct Synthetic {
    pub events: Vec<Event>,
    pub days: usize,
    /// Messages per day as generated (the truth the forecast is judged against).
    pub daily: Vec<f64>,
    pub anomaly_day: usize,
    /// (weekday 0 = Monday, hour UTC) where posts do best.
    pub best: (u32, u32),
}

/// Weekly shape of activity, Monday first: busy weekends.
const WEEKLY: [f64; 7] = [0.0, 4.0, 6.0, 8.0, 14.0, 30.0, 22.0];
const POST_HOURS: [u32; 5] = [9, 12, 15, 18, 21];

fn event(at_ms: u64, chat: &str, member: String, kind: EventKind) -> Event {
    Event {
        at_ms,
        platform: "telegram".into(),
        chat: chat.into(),
        member,
        kind,
    }
}

pub fn generate(seed: u64, days: usize) -> Synthetic {
    let mut r = Lcg(seed);
    let anomaly_day = days * 3 / 4;
    let best = (1, 18); // Tuesday 18:00
    let mut events = Vec::new();
    let mut daily = Vec::with_capacity(days);
    let mut post_n = 0;
    for d in 0..days {
        let day_ms = START_MS + d as u64 * DAY_MS;
        let mut n = 60.0 + 0.4 * d as f64 + WEEKLY[d % 7] + (r.next() - 0.5) * 8.0;
        if d == anomaly_day {
            n *= 3.0;
        }
        let n = n.round().max(0.0);
        daily.push(n);
        for i in 0..n as u64 {
            let at = day_ms + 8 * 3_600_000 + (r.next() * 14.0 * 3_600_000.0) as u64;
            let who = format!("m{}", (i * 7 + d as u64) % 200);
            events.push(event(
                at,
                "-100",
                who.clone(),
                EventKind::Message {
                    message_id: format!("{d}-{i}"),
                    text: "hello".into(),
                    addressed: true,
                },
            ));
            // Every fourth message is a question; one in ten of those goes unanswered.
            if i % 4 == 0 {
                let answered = i % 40 != 0;
                events.push(event(
                    at + 900,
                    "-100",
                    who.clone(),
                    EventKind::Reply {
                        in_reply_to: format!("{d}-{i}"),
                        intent: None,
                        route: "answer".into(),
                        answered,
                        grounded: true,
                        fallback: "none".into(),
                        latency_ms: 600.0 + (i % 50) as f64 * 20.0,
                        sources: Vec::new(),
                        entities: Vec::new(),
                    },
                ));
                if i % 12 == 0 {
                    events.push(event(
                        at + 5_000,
                        "-100",
                        who,
                        EventKind::Rating {
                            message_id: format!("r{d}-{i}"),
                            positive: i % 36 != 0,
                            sources: Vec::new(),
                            route: "answer".into(),
                            entities: Vec::new(),
                        },
                    ));
                }
            }
        }
        if d % 3 == 0 {
            events.push(event(
                day_ms + 10 * 3_600_000,
                "-100",
                format!("new{d}"),
                EventKind::Joined,
            ));
        }
        // Two posts a day at rotating hours; engagement peaks at the planted slot.
        for k in 0..2 {
            let hour = POST_HOURS[(d * 2 + k) % POST_HOURS.len()];
            let at = day_ms + hour as u64 * 3_600_000 + 60_000;
            post_n += 1;
            let post = format!("p{post_n}");
            events.push(event(
                at,
                "-100",
                "herald".into(),
                EventKind::Published {
                    post: post.clone(),
                    target: "news".into(),
                    message_ids: vec![format!("{post_n}")],
                },
            ));
            let weekday = (d % 7) as u32;
            let mut engagement = 3.0 + r.next() * 3.0;
            if (weekday, hour) == best {
                engagement += 12.0;
            }
            for j in 0..engagement as u64 {
                events.push(event(
                    at + 600_000 + j,
                    "-100",
                    format!("m{j}"),
                    EventKind::Reaction {
                        message_id: format!("{post_n}"),
                        reactions: vec!["👍".into()],
                        sources: Vec::new(),
                        post: Some(post.clone()),
                    },
                ));
            }
        }
    }
    events.sort_by_key(|e| e.at_ms);
    Synthetic {
        events,
        days,
        daily,
        anomaly_day,
        best,
    }
}

/// Gap questions: (wording, times asked). Three topics, the first the most asked.
pub const GAPS: &[(&str, usize)] = &[
    ("where can I park near the store?", 4),
    ("is there parking near the store", 3),
    ("Where to park at the store?", 2),
    ("what is the wifi password", 3),
    ("wifi password please?", 2),
    ("do you sell gift cards", 2),
];

pub fn gap_events(start_ms: u64) -> Vec<Event> {
    let mut out = Vec::new();
    let mut t = start_ms;
    for (q, n) in GAPS {
        for i in 0..*n {
            t += 60_000;
            out.push(event(
                t,
                "-100",
                format!("asker{i}"),
                EventKind::Gap {
                    question: q.to_string(),
                },
            ));
        }
    }
    out
}
