//! The period report: per platform and channel, what members did and how the bot did, each
//! number with its change against the previous period of the same length.

use std::collections::{BTreeMap, BTreeSet, HashSet};

use chrono::{TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::forecast::{anomalies, daily_counts, holt_winters, Forecast};
use crate::engagement::{post_engagement_of, Event, EventKind};

/// One period's numbers for one channel (or all of them).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Numbers {
    pub messages: u64,
    pub active_members: u64,
    pub new_members: u64,
    /// Questions routed to an answer, and how many of those were answered from the knowledge.
    pub questions: u64,
    pub answered: u64,
    pub thumbs_up: u64,
    pub thumbs_down: u64,
    /// Median and 90th percentile reply latency, milliseconds.
    pub latency_p50_ms: f64,
    pub latency_p90_ms: f64,
    pub flagged: u64,
    /// Mean sentiment of member messages (−1..1) and how many were negative (≤ −0.05).
    pub sentiment: f64,
    pub negative_messages: u64,
    pub posts: u64,
    /// Reactions + replies + clicks on the period's posts (counted whenever they came).
    pub post_engagement: u64,
}

impl Numbers {
    pub fn answer_rate(&self) -> f64 {
        ratio(self.answered, self.questions)
    }

    pub fn positive_share(&self) -> f64 {
        ratio(self.thumbs_up, self.thumbs_up + self.thumbs_down)
    }

    pub fn engagement_per_post(&self) -> f64 {
        ratio(self.post_engagement, self.posts)
    }
}

fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ChannelReport {
    pub platform: String,
    pub chat: String,
    pub current: Numbers,
    pub previous: Numbers,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub days: u64,
    pub start_ms: u64,
    pub end_ms: u64,
    pub overall: ChannelReport,
    /// Busiest channels first.
    pub channels: Vec<ChannelReport>,
    /// Member messages per day over the period and the 14 days forecast after it.
    pub daily_messages: Vec<f64>,
    pub forecast: Option<Forecast>,
    /// Days of the period (0-based) far from what the model expected.
    pub anomalies: Vec<usize>,
}

/// The report for the `days` whole local days before the day of `now_ms` (today, still
/// running, would look like a drop), with the period before for comparison.
pub fn build(events: &[Event], now_ms: u64, days: u64, tz: Tz) -> Report {
    let end_ms = midnight(now_ms, tz);
    let len = days * 86_400_000;
    let start = end_ms.saturating_sub(len);
    let before = start.saturating_sub(len);
    let engagement = post_engagement_of(events.iter());
    let mut by_channel: BTreeMap<(&str, &str), [Vec<&Event>; 2]> = BTreeMap::new();
    let mut all: [Vec<&Event>; 2] = [Vec::new(), Vec::new()];
    for e in events {
        let slot = if (start..end_ms).contains(&e.at_ms) {
            0
        } else if (before..start).contains(&e.at_ms) {
            1
        } else {
            continue;
        };
        all[slot].push(e);
        by_channel
            .entry((e.platform.as_str(), e.chat.as_str()))
            .or_default()[slot]
            .push(e);
    }
    let numbers = |evs: &[&Event]| count(evs, &engagement);
    let mut channels: Vec<ChannelReport> = by_channel
        .into_iter()
        .map(|((platform, chat), [cur, prev])| ChannelReport {
            platform: platform.to_string(),
            chat: chat.to_string(),
            current: numbers(&cur),
            previous: numbers(&prev),
        })
        .filter(|c| c.current.messages + c.current.posts + c.current.new_members > 0)
        .collect();
    channels.sort_by(|a, b| {
        b.current
            .messages
            .cmp(&a.current.messages)
            .then(a.chat.cmp(&b.chat))
    });
    let daily = daily_counts(
        all[0].iter().copied(),
        |e| matches!(e.kind, EventKind::Message { .. }),
        tz,
        start,
        days as usize,
    );
    let forecast = holt_winters(&daily, 7, 14);
    // Three weeks at least before a day is called unusual: with less, the weekly pattern
    // itself is not known yet.
    let flagged = match &forecast {
        Some(f) if daily.len() >= 21 => anomalies(&daily, f, 7, 4.0),
        _ => Vec::new(),
    };
    Report {
        days,
        start_ms: start,
        end_ms,
        overall: ChannelReport {
            platform: "all".into(),
            chat: "all".into(),
            current: numbers(&all[0]),
            previous: numbers(&all[1]),
        },
        channels,
        daily_messages: daily,
        forecast,
        anomalies: flagged,
    }
}

/// Local midnight at the start of `ms`'s day.
fn midnight(ms: u64, tz: Tz) -> u64 {
    let Some(t) = Utc.timestamp_millis_opt(ms as i64).single() else {
        return ms;
    };
    let day = t.with_timezone(&tz).date_naive();
    day.and_hms_opt(0, 0, 0)
        .map(|m| crate::posts::when::resolve(tz, m).timestamp_millis().max(0) as u64)
        .unwrap_or(ms)
}

/// The numbers of one set of events: a direct count, one pass.
fn count(
    events: &[&Event],
    engagement: &std::collections::HashMap<String, crate::engagement::PostEngagement>,
) -> Numbers {
    let mut n = Numbers::default();
    let mut members = HashSet::new();
    let mut latencies = Vec::new();
    let mut posts = BTreeSet::new();
    let mut sentiment = 0.0;
    for e in events {
        match &e.kind {
            EventKind::Message { text, .. } => {
                n.messages += 1;
                members.insert(e.member.as_str());
                let s = super::sentiment::compound(text);
                sentiment += s;
                n.negative_messages += (s <= -0.05) as u64;
            }
            EventKind::Joined => n.new_members += 1,
            EventKind::Reply {
                route,
                answered,
                latency_ms,
                ..
            } => {
                latencies.push(*latency_ms);
                if route == "answer" {
                    n.questions += 1;
                    n.answered += *answered as u64;
                }
            }
            EventKind::Rating { positive, .. } => {
                if *positive {
                    n.thumbs_up += 1
                } else {
                    n.thumbs_down += 1
                }
            }
            EventKind::Flag { .. } => n.flagged += 1,
            EventKind::Published { post, .. } => {
                posts.insert(post.as_str());
            }
            _ => {}
        }
    }
    n.active_members = members.len() as u64;
    n.sentiment = if n.messages == 0 {
        0.0
    } else {
        sentiment / n.messages as f64
    };
    n.posts = posts.len() as u64;
    n.post_engagement = posts
        .iter()
        .map(|p| engagement.get(*p).map_or(0, |e| e.total()))
        .sum();
    latencies.sort_by(f64::total_cmp);
    let pct = |p: f64| {
        if latencies.is_empty() {
            0.0
        } else {
            latencies[((latencies.len() - 1) as f64 * p).round() as usize]
        }
    };
    n.latency_p50_ms = pct(0.5);
    n.latency_p90_ms = pct(0.9);
    n
}

/// "120 (+20%)", "120 (new)", "0".
fn change(cur: f64, prev: f64, fmt: impl Fn(f64) -> String) -> String {
    if prev == 0.0 {
        if cur == 0.0 {
            fmt(cur)
        } else {
            format!("{} (new)", fmt(cur))
        }
    } else {
        format!("{} ({:+.0}%)", fmt(cur), (cur - prev) / prev * 100.0)
    }
}

fn lines(c: &ChannelReport) -> Vec<String> {
    let (n, p) = (&c.current, &c.previous);
    let int = |v: f64| format!("{v:.0}");
    let pct = |v: f64| format!("{:.0}%", v * 100.0);
    let mut out = vec![
        format!(
            "messages {}, active members {}, new members {}",
            change(n.messages as f64, p.messages as f64, int),
            change(n.active_members as f64, p.active_members as f64, int),
            change(n.new_members as f64, p.new_members as f64, int)
        ),
        format!(
            "answer rate {} of {} questions, 👍 share {} ({} ratings), reply latency p50 {:.1} s / p90 {:.1} s, flagged {}",
            change(n.answer_rate(), p.answer_rate(), pct),
            n.questions,
            change(n.positive_share(), p.positive_share(), pct),
            n.thumbs_up + n.thumbs_down,
            n.latency_p50_ms / 1000.0,
            n.latency_p90_ms / 1000.0,
            n.flagged
        ),
        format!(
            "member sentiment {:+.2} (previous {:+.2}), negative messages {}",
            n.sentiment,
            p.sentiment,
            change(n.negative_messages as f64, p.negative_messages as f64, int)
        ),
    ];
    if n.posts + p.posts > 0 {
        out.push(format!(
            "posts {}, engagement per post {}",
            change(n.posts as f64, p.posts as f64, int),
            change(
                n.engagement_per_post(),
                p.engagement_per_post(),
                |v| format!("{v:.1}")
            )
        ));
    }
    out
}

/// The report as the short text managers get; changes are against the previous period.
pub fn render(r: &Report, tz: Tz) -> String {
    let day = |ms: u64| crate::posts::when::show(crate::posts::scheduler::ms_to_utc(ms), tz);
    let mut out = format!(
        "Report for the last {} days ({} – {}), changes against the {} days before.\n\nAll channels: {}\n",
        r.days,
        day(r.start_ms),
        day(r.end_ms),
        r.days,
        lines(&r.overall).join("; ")
    );
    for c in r.channels.iter().take(8) {
        out.push_str(&format!(
            "\n{} {}: {}\n",
            c.platform,
            c.chat,
            lines(c).join("; ")
        ));
    }
    if let Some(f) = &r.forecast {
        let next: f64 = f.forecast.iter().sum();
        let low: f64 = f.lower.iter().sum();
        let high: f64 = f.upper.iter().sum();
        out.push_str(&format!(
            "\nForecast: about {next:.0} member messages in the next 14 days (95% range {low:.0}–{high:.0}).\n"
        ));
    }
    for d in &r.anomalies {
        let ms = r.start_ms + *d as u64 * 86_400_000;
        out.push_str(&format!(
            "Unusual day: {} had {:.0} messages (expected about {:.0}).\n",
            day(ms),
            r.daily_messages[*d],
            r.forecast.as_ref().map_or(0.0, |f| f.fitted[*d])
        ));
    }
    out.trim_end().to_string()
}
