//! `/report [period]` and `herald report`: the period report in words and two charts, one
//! path for both.

use herald_platform::Image;

use crate::analytics::besttime::best_times;
use crate::analytics::{charts, clusters, report, Report};
use crate::clock::{ms_to_utc, utc_to_ms};
use crate::engagement::EngagementLog;
use crate::knowledge::Graph;
use crate::posts::{measured, PostStore, PostsSetup};

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::Period;

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Period) -> Result<Done, CommandError> {
    let full = full_report(
        &ctx.posts,
        &ctx.setup,
        &ctx.log,
        call.graph,
        utc_to_ms(call.now),
        args.days,
    )?;
    Ok(Done {
        text: full.text,
        images: full.charts,
        forwards: Vec::new(),
        ..Done::default()
    })
}

/// A report with its text and charts.
pub struct FullReport {
    pub report: Report,
    pub text: String,
    pub charts: Vec<Image>,
}

/// The report of the `days` days before today from the rollups, in words (with what kinds
/// of posts work) and charts (activity with forecast, engagement by hour). `graph` counts
/// the entities posts name; an empty graph counts none.
pub fn full_report(
    posts: &PostStore,
    setup: &PostsSetup,
    log: &EngagementLog,
    graph: &Graph,
    now_ms: u64,
    days: u64,
) -> Result<FullReport, CommandError> {
    let tz = setup.tz;
    let (from, to) = report::span(now_ms, days, tz);
    let rollup = log
        .rollup(from, to)
        .map_err(CommandError::log("the report"))?;
    let mut r = report::build(&rollup, now_ms, days, tz);
    for c in &mut r.channels {
        c.name = log.chat_name(&c.platform, &c.chat);
    }
    let mut text = report::render(&r, tz);
    if let Some(c) = clusters::cluster(&measured::examples(posts, log, graph, setup)) {
        text.push_str(&format!("\n\n{}", clusters::render(&c)));
    }
    let first = ms_to_utc(r.start_ms).with_timezone(&tz).date_naive();
    let activity = charts::activity(
        &r.daily_messages,
        r.forecast.as_ref(),
        &r.anomalies,
        first,
        &format!("Member messages per day, last {days} days, and the next 14"),
    );
    let hours = charts::hours(
        &best_times(&rollup.published(), tz, 1),
        "Engagement per post by hour of day",
    );
    let mut images = Vec::new();
    for (name, caption, png) in [
        (
            "activity.png",
            "Messages per day and the 14-day forecast",
            activity,
        ),
        ("hours.png", "Engagement per post by hour of day", hours),
    ] {
        match png {
            Ok(png) => images.push(Image {
                name: name.into(),
                png,
                caption: caption.into(),
            }),
            Err(e) => tracing::error!(error = %crate::text::chain(&e), "report chart not drawn"),
        }
    }
    Ok(FullReport {
        report: r,
        text,
        charts: images,
    })
}
