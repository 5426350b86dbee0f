//! The Overview page: the period report's numbers against the period before (the same
//! [`crate::manage::full_report`] `/report` and `herald report` use), the activity chart with
//! its forecast and unusual days, and the best-time heatmap, both as SVG.

use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use serde::Serialize;

use crate::analytics::report::{ChannelReport, Numbers};
use crate::analytics::{best_times, charts, clusters};
use crate::clock::{ms_to_utc, now_ms};
use crate::posts::measured;

use super::pages::query_value;
use super::state::{to_login, DashboardState};

/// The periods offered, in days.
const PERIODS: [u64; 3] = [7, 30, 90];

/// One row of the numbers table: (key in the report's JSON, label, lower is better).
const ROWS: &[(&str, &str, bool)] = &[
    ("messages", "Member messages", false),
    ("active_members", "Active members", false),
    ("new_members", "New members", false),
    ("questions", "Questions", false),
    ("answered", "Answered from the knowledge", false),
    ("answer_rate", "Answer rate", false),
    ("thumbs_up", "Rated helpful", false),
    ("thumbs_down", "Rated not helpful", true),
    ("latency_p50_ms", "Reply time, median (ms)", true),
    ("latency_p90_ms", "Reply time, 90th percentile (ms)", true),
    ("negative_messages", "Negative messages", true),
    ("flagged", "Flagged for the team", true),
    ("posts", "Posts published", false),
    ("post_engagement", "Engagement on posts", false),
    (
        "engagement_per_100_members",
        "Engagement per post per 100 active members",
        false,
    ),
];

#[derive(Serialize)]
struct Row {
    key: &'static str,
    label: &'static str,
    current: String,
    previous: String,
    /// The numbers as the report's JSON has them, for anyone checking the page.
    raw: String,
    raw_previous: String,
    change: String,
    trend: &'static str,
    today: String,
}

/// A period's numbers by their JSON names, as `herald report --json` writes them, read once
/// per table.
struct ByName {
    json: serde_json::Value,
    answer_rate: f64,
}

impl ByName {
    fn of(n: &Numbers) -> ByName {
        ByName {
            json: serde_json::to_value(n).unwrap_or_default(),
            answer_rate: n.answer_rate(),
        }
    }

    /// `answer_rate` is computed, as the text report does.
    fn get(&self, key: &str) -> f64 {
        if key == "answer_rate" {
            return self.answer_rate;
        }
        self.json.get(key).and_then(|x| x.as_f64()).unwrap_or(0.0)
    }
}

fn shown(key: &str, v: f64) -> String {
    match key {
        "answer_rate" => format!("{:.0} %", v * 100.0),
        "latency_p50_ms" | "latency_p90_ms" => format!("{v:.0}"),
        "engagement_per_100_members" => format!("{v:.1}"),
        _ => format!("{v:.0}"),
    }
}

fn rows(r: &ChannelReport) -> Vec<Row> {
    let (current, previous, today) = (
        ByName::of(&r.current),
        ByName::of(&r.previous),
        ByName::of(&r.today),
    );
    ROWS.iter()
        .map(|(key, label, lower_better)| {
            let (now, before) = (current.get(key), previous.get(key));
            let (change, trend) = if before == 0.0 && now == 0.0 {
                ("—".to_string(), "")
            } else if before == 0.0 {
                ("new".to_string(), "")
            } else {
                let pct = (now - before) / before * 100.0;
                let better = if *lower_better { pct < 0.0 } else { pct > 0.0 };
                let trend = match (pct.abs() < 0.5, better) {
                    (true, _) => "",
                    (false, true) => "up",
                    (false, false) => "down",
                };
                (format!("{pct:+.0} %"), trend)
            };
            Row {
                key,
                label,
                current: shown(key, now),
                previous: shown(key, before),
                raw: num(now),
                raw_previous: num(before),
                change,
                trend,
                today: shown(key, today.get(key)),
            }
        })
        .collect()
}

/// A number as JSON writes it (whole numbers without a fraction).
fn num(v: f64) -> String {
    serde_json::Number::from_f64(v)
        .map(|n| n.to_string())
        .unwrap_or_else(|| v.to_string())
}

#[derive(Serialize)]
struct Unusual {
    date: String,
    messages: String,
}

#[derive(Serialize)]
struct Channel {
    name: String,
    messages: u64,
    members: u64,
    answered: String,
}

pub(super) async fn page(
    State(st): State<DashboardState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let days = query_value(&query, "days")
        .and_then(|d| d.trim_end_matches('d').parse::<u64>().ok())
        .filter(|d| PERIODS.contains(d))
        .unwrap_or(7);
    let ctx = &st.0.parts.manage;
    let tz = ctx.setup.tz;
    let graph = st.0.parts.knowledge.snapshot();
    let frame = st.frame("Overview", "/dashboard", &s);
    let full = match crate::manage::full_report(
        &ctx.posts,
        &ctx.setup,
        &ctx.log,
        &graph,
        now_ms(),
        days,
    ) {
        Ok(f) => f,
        Err(e) => {
            return st.0.views.error(
                StatusCode::INTERNAL_SERVER_ERROR,
                frame,
                &e.reply(),
                "/dashboard/health",
            )
        }
    };
    let r = &full.report;
    let date = |ms: u64| {
        ms_to_utc(ms)
            .with_timezone(&tz)
            .format("%a %b %d")
            .to_string()
    };
    let first = ms_to_utc(r.start_ms).with_timezone(&tz).date_naive();
    let activity_svg = charts::activity_svg(
        &r.daily_messages,
        r.forecast.as_ref(),
        &r.anomalies,
        first,
        &format!("Member messages per day, last {days} days, and the next 14"),
    )
    .unwrap_or_else(|e| {
        tracing::error!(error = %crate::text::chain(&e), "dashboard: activity chart not drawn");
        String::new()
    });
    let heatmap_svg = ctx
        .log
        .rollup(0, 0)
        .ok()
        .map(|rollup| best_times(&rollup.published(), tz, 1))
        .filter(|stats| !stats.is_empty())
        .and_then(|stats| {
            charts::week_heatmap_svg(&stats, "Engagement per post (mean/posts) by weekday and hour")
                .map_err(|e| tracing::error!(error = %crate::text::chain(&e), "dashboard: heatmap not drawn"))
                .ok()
        });
    let unusual: Vec<Unusual> = r
        .anomalies
        .iter()
        .filter_map(|d| {
            Some(Unusual {
                date: date(*r.day_starts.get(*d)?),
                messages: format!("{:.0}", r.daily_messages.get(*d)?),
            })
        })
        .collect();
    // A chat quiet all period (only today's messages) has nothing to compare.
    let channels: Vec<Channel> = r
        .channels
        .iter()
        .filter(|c| c.current.messages + c.current.questions > 0)
        .map(|c| Channel {
            name: c
                .name
                .clone()
                .unwrap_or_else(|| format!("{} {}", c.platform, c.chat)),
            messages: c.current.messages,
            members: c.current.active_members,
            answered: format!("{} of {}", c.current.answered, c.current.questions),
        })
        .collect();
    let clusters = clusters::cluster(&measured::examples(
        &ctx.posts, &ctx.log, &graph, &ctx.setup,
    ))
    .map(|c| clusters::render(&c));
    let span = format!(
        "{} to {}",
        date(r.start_ms),
        date(r.end_ms.saturating_sub(1))
    );
    st.0.views.page(
        "overview.html",
        frame,
        minijinja::context! {
            days, periods => PERIODS, span, metrics => rows(&r.overall),
            activity_svg, heatmap_svg, unusual, channels, clusters, tz => tz.name(),
        },
    )
}
