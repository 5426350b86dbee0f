//! Best times to post: engagement per post (reactions + replies + clicks) by the local hour
//! of the week each post went out, with the counts behind every number.

use std::collections::HashMap;

use chrono::{Datelike, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use serde::Serialize;

/// How [`HourStat::weekday`] names the days, Monday first.
pub const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HourStat {
    /// Mon..Sun.
    pub weekday: String,
    pub hour: u32,
    pub posts: usize,
    pub engagement: u64,
    /// Engagement per post.
    pub mean: f64,
}

/// Hours of the week with at least `min_posts` posts, best first, from each post's (id,
/// first publication, engagement), as the rollups keep them ([`Rollup::published`]).
///
/// [`Rollup::published`]: crate::engagement::Rollup::published
pub fn best_times(posts: &[(String, u64, u64)], tz: Tz, min_posts: usize) -> Vec<HourStat> {
    let mut slots: HashMap<(u32, u32), (usize, u64)> = HashMap::new();
    for (_, at, engagement) in posts {
        let Some(local) = Utc.timestamp_millis_opt(*at as i64).single() else {
            continue;
        };
        let local = local.with_timezone(&tz);
        let key = (local.weekday().num_days_from_monday(), local.hour());
        let slot = slots.entry(key).or_default();
        slot.0 += 1;
        slot.1 += engagement;
    }
    let mut out: Vec<HourStat> = slots
        .into_iter()
        .filter(|(_, (n, _))| *n >= min_posts.max(1))
        .map(|((day, hour), (posts, engagement))| HourStat {
            weekday: WEEKDAYS[day as usize].to_string(),
            hour,
            posts,
            engagement,
            mean: engagement as f64 / posts as f64,
        })
        .collect();
    out.sort_by(|a, b| {
        b.mean
            .total_cmp(&a.mean)
            .then(b.posts.cmp(&a.posts))
            .then(a.weekday.cmp(&b.weekday))
            .then(a.hour.cmp(&b.hour))
    });
    out
}

/// `/besttime` as text: the top hours with their evidence, against the overall average.
pub fn render(stats: &[HourStat], tz: Tz, limit: usize) -> String {
    let posts: usize = stats.iter().map(|s| s.posts).sum();
    if stats.is_empty() {
        return "Not enough published posts yet: I need at least two posts in an hour of the week to compare.".into();
    }
    let total: u64 = stats.iter().map(|s| s.engagement).sum();
    let overall = total as f64 / posts as f64;
    let mut out = format!(
        "Best times to post ({tz}), by engagement per post (reactions + replies + clicks), from {posts} posts; average {overall:.1}:\n"
    );
    for (i, s) in stats.iter().take(limit).enumerate() {
        out.push_str(&format!(
            "{}. {} {:02}:00–{:02}:59 — {:.1} per post ({:.1}x average; {} posts, {} in total)\n",
            i + 1,
            s.weekday,
            s.hour,
            s.hour,
            s.mean,
            if overall > 0.0 { s.mean / overall } else { 0.0 },
            s.posts,
            s.engagement
        ));
    }
    out.trim_end().to_string()
}
