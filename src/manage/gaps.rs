//! `/gaps [period]`: the questions the bot could not answer, grouped, most asked first, each
//! group with an id (`g3`) that stays while the group exists; taught groups leave the list.

use crate::analytics::gaps::gap_groups;
use crate::clock::{days_ms, utc_to_ms};
use crate::learning::Numbered;

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::Period;

/// The open gap groups of the last `days` days, numbered.
pub fn numbered(ctx: &Context, call: &Call<'_>, days: u64) -> Result<Vec<Numbered>, CommandError> {
    let since = utc_to_ms(call.now).saturating_sub(days_ms(days));
    let rows = ctx
        .log
        .gaps_since(since)
        .map_err(CommandError::log("the list of unanswered questions"))?;
    ctx.gap_ids
        .number(gap_groups(rows))
        .map_err(|e| CommandError::Refused(format!("Could not number the gaps: {e}")))
}

/// `/gaps [period]`: the groups, most asked first, each with its id.
pub(crate) fn apply(ctx: &Context, call: &Call<'_>, p: Period) -> Result<Done, CommandError> {
    let groups = numbered(ctx, call, p.days)?;
    if groups.is_empty() {
        return Ok(format!("Last {} days: no unanswered questions.", p.days).into());
    }
    let total: usize = groups.iter().map(|n| n.group.count).sum();
    let mut text = format!(
        "Last {} days: {total} unanswered question(s) in {} group(s), most asked first:",
        p.days,
        groups.len()
    );
    for n in groups.iter().take(10) {
        let g = &n.group;
        text.push_str(&format!(
            "\ng{} · \"{}\" — asked {} time(s) by {} member(s)",
            n.id, g.example, g.count, g.members
        ));
        let others: Vec<&str> = g
            .questions
            .iter()
            .skip(1)
            .take(3)
            .map(|(q, _)| q.as_str())
            .collect();
        if !others.is_empty() {
            text.push_str(&format!("; also: \"{}\"", others.join("\", \"")));
        }
    }
    if groups.len() > 10 {
        text.push_str(&format!("\n… and {} more group(s)", groups.len() - 10));
    }
    text.push_str("\nAnswer one with /teach g<N> <answer>: it becomes part of the knowledge.");
    Ok(text.into())
}
