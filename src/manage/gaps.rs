//! `/gaps [period]`: the questions the bot could not answer, grouped, most asked first.

use crate::analytics::gaps::{gap_groups, render};
use crate::clock::{days_ms, utc_to_ms};

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::Period;

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Period) -> Result<Done, CommandError> {
    let since = utc_to_ms(call.now).saturating_sub(days_ms(args.days));
    let rows = ctx
        .log
        .gaps_since(since)
        .map_err(CommandError::log("the list of unanswered questions"))?;
    let groups = gap_groups(rows);
    Ok(format!("Last {} days. {}", args.days, render(&groups, 10)).into())
}
