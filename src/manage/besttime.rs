//! `/besttime`: the hours of the week posts do best at, with the counts behind them.

use crate::analytics::besttime::{best_times, render};

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
    let stats = best_times(&rollup.published(), ctx.setup.tz, MIN_POSTS);
    Ok(render(&stats, ctx.setup.tz, SHOWN).into())
}
