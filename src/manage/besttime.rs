//! `/besttime`: the hours of the week posts do best at, with the counts behind them, and a
//! weekday × hour heatmap.

use herald_platform::Image;

use crate::analytics::besttime::{best_times, render};
use crate::analytics::charts;

use super::context::{Context, Done};
use super::error::CommandError;

/// Posts an hour needs before it is ranked.
const MIN_POSTS: usize = 2;
/// Hours shown.
const SHOWN: usize = 5;

pub(crate) fn apply(ctx: &Context) -> Result<Done, CommandError> {
    let rollup = ctx
        .log
        .rollup(0, 0)
        .map_err(CommandError::log("the best times"))?;
    let published = rollup.published();
    let stats = best_times(&published, ctx.setup.tz, MIN_POSTS);
    let mut done: Done = render(&stats, ctx.setup.tz, SHOWN).into();
    // The heatmap shows every hour that had a post, ranked or not: where there is no data
    // is worth seeing too.
    let every = best_times(&published, ctx.setup.tz, 1);
    if !every.is_empty() {
        let title = format!(
            "Engagement per post (mean/posts) by weekday and hour, {}",
            ctx.setup.tz
        );
        match charts::week_heatmap(&every, &title) {
            Ok(png) => done.images.push(Image {
                name: "besttime.png".into(),
                png,
                caption: "Engagement per post by weekday and hour".into(),
            }),
            Err(e) => {
                tracing::error!(error = %crate::text::chain(&e), "best-time heatmap not drawn")
            }
        }
    }
    Ok(done)
}
