//! The period report: per platform and channel, what members did and how the bot did, each
//! number with its change against the previous period of the same length.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

use chrono_tz::Tz;
use serde::Serialize;

use super::forecast::{anomalies, holt_winters, Forecast};
use crate::clock::{days_ms, local_midnight, ms_to_utc, show, DAY_MS, HOUR_MS};
use crate::engagement::rollup::{Bucket, BUCKET_MS};
use crate::engagement::{PostEngagement, Rollup};

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
    /// Engagement per post per 100 active members: engagement against the audience. Bots
    /// see neither views nor reliable member counts, so the audience is the members who
    /// wrote in the period; 0 when none did.
    pub engagement_per_100_members: f64,
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
    /// The chat's name where the platform gives one (set by the caller; the rollups keep
    /// ids only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub current: Numbers,
    pub previous: Numbers,
    /// Today so far: from local midnight to the report's time (not part of the period).
    pub today: Numbers,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    pub days: u64,
    pub start_ms: u64,
    /// Local midnight ending the period: today starts here.
    pub end_ms: u64,
    /// When the report was made: "today so far" runs from `end_ms` to here.
    pub now_ms: u64,
    /// The local midnight starting each day of the period (23 or 25 hours apart around a
    /// clock change), for the days' dates.
    pub day_starts: Vec<u64>,
    pub overall: ChannelReport,
    /// Busiest channels first.
    pub channels: Vec<ChannelReport>,
    /// Member messages per day over the period and the 14 days forecast after it.
    pub daily_messages: Vec<f64>,
    pub forecast: Option<Forecast>,
    /// Engagement of the posts published each day of the period, and its 14-day forecast.
    pub daily_engagement: Vec<f64>,
    pub engagement_forecast: Option<Forecast>,
    /// Days of the period (0-based) far from what the model expected.
    pub anomalies: Vec<usize>,
}

/// The `[from, to)` span of the report for `days` days before the day of `now_ms`, the
/// period before it and today so far: what [`build`] needs loaded.
pub fn span(now_ms: u64, days: u64, tz: Tz) -> (u64, u64) {
    let end = midnight(now_ms, tz);
    (
        end.saturating_sub(2 * days_ms(days) + HOUR_MS),
        // Through the end of the current quarter hour: rollups are read by whole buckets.
        now_ms.max(end) + BUCKET_MS,
    )
}

/// The report for the `days` whole local days before the day of `now_ms` (today, still
/// running, would look like a drop in the comparison, so it is reported apart as "today so
/// far"), with the period before for comparison, from rollups
/// (per channel and quarter hour; [`Rollup::of`] folds events): one pass over the period's
/// buckets, so its cost follows channels × days, not events.
pub fn build(rollup: &Rollup, now_ms: u64, days: u64, tz: Tz) -> Report {
    let end_ms = midnight(now_ms, tz);
    let start = local_days_before(end_ms, days, tz);
    let before = local_days_before(start, days, tz);
    let engagement = rollup.post_engagement();
    let mut by_channel: BTreeMap<(&str, &str), [Tally; 3]> = BTreeMap::new();
    let mut all: [Tally; 3] = Default::default();
    let bounds = day_bounds(start, days as usize, tz);
    let mut daily = vec![0.0; days as usize];
    let mut daily_engagement = vec![0.0; days as usize];
    let mut counted: HashSet<&str> = HashSet::new();
    for ((bucket, platform, chat), b) in &rollup.buckets {
        let at = *bucket as u64 * BUCKET_MS;
        let slot = if (start..end_ms).contains(&at) {
            let day = day_index(&bounds, at);
            if let Some(d) = daily.get_mut(day) {
                *d += b.messages as f64;
            }
            for post in &b.posts {
                // A post that went to several channels counts once, on its first day.
                if counted.insert(post.as_str()) {
                    if let Some(d) = daily_engagement.get_mut(day) {
                        *d += engagement.get(post).map_or(0, |e| e.total()) as f64;
                    }
                }
            }
            0
        } else if (before..start).contains(&at) {
            1
        } else if (end_ms..=now_ms).contains(&at) {
            2
        } else {
            continue;
        };
        all[slot].add(b);
        by_channel
            .entry((platform.as_str(), chat.as_str()))
            .or_default()[slot]
            .add(b);
    }
    let mut channels: Vec<ChannelReport> = by_channel
        .into_iter()
        .map(|((platform, chat), [cur, prev, today])| ChannelReport {
            platform: platform.to_string(),
            chat: chat.to_string(),
            name: None,
            current: cur.numbers(&engagement),
            previous: prev.numbers(&engagement),
            today: today.numbers(&engagement),
        })
        .filter(|c| {
            let busy = |n: &Numbers| n.messages + n.posts + n.new_members > 0;
            busy(&c.current) || busy(&c.today)
        })
        .collect();
    channels.sort_by(|a, b| {
        b.current
            .messages
            .cmp(&a.current.messages)
            .then(a.chat.cmp(&b.chat))
    });
    let forecast = holt_winters(&daily, 7, 14);
    // Three weeks at least before a day is called unusual: with less, the weekly pattern
    // itself is not known yet.
    let flagged = match &forecast {
        Some(f) if daily.len() >= 21 => anomalies(&daily, f, 7, 4.0),
        _ => Vec::new(),
    };
    let engagement_forecast = holt_winters(&daily_engagement, 7, 14);
    let [cur, prev, today] = all;
    Report {
        days,
        start_ms: start,
        end_ms,
        now_ms,
        day_starts: bounds,
        overall: ChannelReport {
            platform: "all".into(),
            chat: "all".into(),
            name: None,
            current: cur.numbers(&engagement),
            previous: prev.numbers(&engagement),
            today: today.numbers(&engagement),
        },
        channels,
        daily_messages: daily,
        forecast,
        daily_engagement,
        engagement_forecast,
        anomalies: flagged,
    }
}

/// Local midnight at the start of `ms`'s day.
fn midnight(ms: u64, tz: Tz) -> u64 {
    local_midnight(ms, tz)
}

/// Local midnight `days` days before the local midnight `end_ms` (days are 23 or 25
/// hours around a clock change).
fn local_days_before(end_ms: u64, days: u64, tz: Tz) -> u64 {
    // Noon of the day before, stepped back whole days, cannot cross a second midnight.
    midnight((end_ms + 12 * HOUR_MS).saturating_sub(days_ms(days)), tz)
}

/// The local midnights starting each of `days` days from `start_ms`.
pub fn day_bounds(start_ms: u64, days: usize, tz: Tz) -> Vec<u64> {
    (0..days as u64)
        .map(|i| midnight(start_ms + i * DAY_MS + 12 * HOUR_MS, tz))
        .collect()
}

/// Which of the local days starting at `bounds` (see [`day_bounds`]) `at_ms` falls on.
fn day_index(bounds: &[u64], at_ms: u64) -> usize {
    bounds.partition_point(|d| *d <= at_ms).saturating_sub(1)
}

/// Per-day sums of one bucket number over `days` local days from `start_ms`, all channels.
pub fn daily_from(
    rollup: &Rollup,
    tz: Tz,
    start_ms: u64,
    days: usize,
    count: impl Fn(&Bucket) -> u64,
) -> Vec<f64> {
    let bounds = day_bounds(start_ms, days, tz);
    // The midnight after the last day: a day and a half on is inside the next day.
    let end = bounds
        .last()
        .map_or(start_ms, |d| midnight(d + 36 * HOUR_MS, tz));
    let mut out = vec![0.0; days];
    for ((bucket, _, _), b) in &rollup.buckets {
        let at = *bucket as u64 * BUCKET_MS;
        if at < start_ms || at >= end {
            continue;
        }
        let day = day_index(&bounds, at);
        if let Some(d) = out.get_mut(day) {
            *d += count(b) as f64;
        }
    }
    out
}

/// One channel's (or all channels') buckets over a period, added up.
#[derive(Default)]
struct Tally<'a> {
    n: Numbers,
    sentiment: f64,
    members: HashSet<u64>,
    latencies: Vec<f64>,
    posts: BTreeSet<&'a str>,
}

impl<'a> Tally<'a> {
    fn add(&mut self, b: &'a Bucket) {
        let n = &mut self.n;
        n.messages += b.messages;
        n.new_members += b.joined;
        n.questions += b.questions;
        n.answered += b.answered;
        n.thumbs_up += b.thumbs_up;
        n.thumbs_down += b.thumbs_down;
        n.flagged += b.flagged;
        n.negative_messages += b.negative;
        self.sentiment += b.sentiment;
        self.members.extend(b.members.iter().copied());
        self.latencies.extend_from_slice(&b.latencies);
        self.posts.extend(b.posts.iter().map(String::as_str));
    }

    fn numbers(mut self, engagement: &HashMap<String, PostEngagement>) -> Numbers {
        let mut n = self.n;
        n.active_members = self.members.len() as u64;
        n.sentiment = if n.messages == 0 {
            0.0
        } else {
            self.sentiment / n.messages as f64
        };
        n.posts = self.posts.len() as u64;
        n.post_engagement = self
            .posts
            .iter()
            .map(|p| engagement.get(*p).map_or(0, |e| e.total()))
            .sum();
        n.engagement_per_100_members = n.engagement_per_post() * 100.0 * ratio(1, n.active_members);
        self.latencies.sort_by(f64::total_cmp);
        let l = &self.latencies;
        let pct = |p: f64| {
            if l.is_empty() {
                0.0
            } else {
                l[((l.len() - 1) as f64 * p).round() as usize]
            }
        };
        n.latency_p50_ms = pct(0.5);
        n.latency_p90_ms = pct(0.9);
        n
    }
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
        let mut line = format!(
            "posts {}, engagement per post {}",
            change(n.posts as f64, p.posts as f64, int),
            change(
                n.engagement_per_post(),
                p.engagement_per_post(),
                |v| format!("{v:.1}")
            )
        );
        if n.engagement_per_100_members > 0.0 {
            line.push_str(&format!(
                " ({} per 100 active members)",
                change(
                    n.engagement_per_100_members,
                    p.engagement_per_100_members,
                    |v| format!("{v:.1}")
                )
            ));
        }
        out.push(line);
    }
    out
}

/// Today's numbers so far, in a line: no change against anything (the day is not over).
fn today_line(n: &Numbers) -> String {
    let mut line = format!(
        "messages {}, active members {}, new members {}, {} of {} questions answered",
        n.messages, n.active_members, n.new_members, n.answered, n.questions
    );
    if n.flagged > 0 {
        line.push_str(&format!(", flagged {}", n.flagged));
    }
    if n.posts > 0 {
        line.push_str(&format!(", posts {}", n.posts));
    }
    line
}

/// How a channel is named in the report: its name where known, else platform and id.
fn channel_label(c: &ChannelReport) -> String {
    match &c.name {
        Some(name) => format!("{} {name}", c.platform),
        None => format!("{} {}", c.platform, c.chat),
    }
}

/// The report as the short text managers get; changes are against the previous period.
pub fn render(r: &Report, tz: Tz) -> String {
    let day = |ms: u64| show(ms_to_utc(ms), tz);
    let date = |ms: u64| {
        ms_to_utc(ms)
            .with_timezone(&tz)
            .format("%a %Y-%m-%d")
            .to_string()
    };
    let last_day = r.day_starts.last().copied().unwrap_or(r.start_ms);
    let mut out = format!(
        "Report for the last {} days ({} – {}), changes against the {} days before.\n\nAll channels: {}\n",
        r.days,
        date(r.start_ms),
        date(last_day),
        r.days,
        lines(&r.overall).join("; ")
    );
    out.push_str(&format!(
        "Today so far ({} – {}, not in the comparison): {}\n",
        day(r.end_ms),
        ms_to_utc(r.now_ms).with_timezone(&tz).format("%H:%M"),
        today_line(&r.overall.today)
    ));
    for c in r.channels.iter().take(8) {
        out.push_str(&format!("\n{}: {}", channel_label(c), lines(c).join("; ")));
        if c.today.messages + c.today.posts > 0 {
            out.push_str(&format!("; today so far {} messages", c.today.messages));
        }
        out.push('\n');
    }
    if let Some(f) = &r.forecast {
        let next: f64 = f.forecast.iter().sum();
        let low: f64 = f.lower.iter().sum();
        let high: f64 = f.upper.iter().sum();
        out.push_str(&format!(
            "\nForecast: about {next:.0} member messages in the next 14 days (95% range {low:.0}–{high:.0}).\n"
        ));
    }
    if let Some(f) = r
        .engagement_forecast
        .as_ref()
        .filter(|_| r.daily_engagement.iter().any(|v| *v > 0.0))
    {
        let sum = |v: &[f64]| v.iter().map(|x| x.max(0.0)).sum::<f64>();
        out.push_str(&format!(
            "Post engagement: about {:.0} reactions, replies and clicks on the next 14 days' posts (95% range {:.0}–{:.0}).\n",
            sum(&f.forecast),
            sum(&f.lower),
            sum(&f.upper)
        ));
    }
    for d in &r.anomalies {
        // The day's own local midnight: adding whole days to the start lands on the day
        // before once a clock change made a day 25 hours long.
        let Some(starts) = r.day_starts.get(*d) else {
            continue;
        };
        out.push_str(&format!(
            "Unusual day: {} had {:.0} messages (expected about {:.0}).\n",
            date(*starts),
            r.daily_messages[*d],
            r.forecast.as_ref().map_or(0.0, |f| f.fitted[*d])
        ));
    }
    out.trim_end().to_string()
}
