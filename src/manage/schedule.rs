//! `/schedule <id> <when> [targets]`: an approved post into the schedule, once or
//! recurring, checked against the targets' length limits and the quiet hours.

use chrono::{DateTime, Utc};

use crate::clock::{show, utc_to_ms};
use crate::posts::{max_len, parse_when, target_ref, Schedule, When, WhenError};

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::{find, not_pending, save, split_first, target_names};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub id: String,
    /// The time and the targets as typed ("tomorrow 9:00 news,chat"): where the time ends
    /// depends on what reads as one, in the configured timezone, so [`apply`] splits it.
    pub when: String,
}

const USAGE: &str = "Usage: /schedule <id> <when> [targets], e.g. /schedule p1 tomorrow 9:00 news";

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let (id, when) = split_first(args);
    if id.is_empty() || when.is_empty() {
        return Err(CommandError::Usage(USAGE));
    }
    Ok(Args {
        id: id.to_string(),
        when: when.to_string(),
    })
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Args) -> Result<Done, CommandError> {
    let mut post = find(ctx, &args.id)?;
    let id = post.id.clone();
    if post.cancelled {
        return Err(CommandError::Refused(format!(
            "Post {id} was cancelled; draft it again with /draft."
        )));
    }
    not_pending(ctx, &post)?;
    let Some(text) = post.approved.clone() else {
        return Err(CommandError::Refused(format!(
            "Approve post {id} first: /approve {id} [variant]."
        )));
    };
    let (when, targets) = split_when(ctx, &args.when, call.now)?;
    let setup = &ctx.setup;
    if setup.targets.is_empty() {
        return Err(CommandError::Refused("No targets are configured: add [posts.targets.<name>] with platform and chat to the config.".into()));
    }
    let targets = if targets.is_empty() {
        setup
            .targets
            .keys()
            .filter(|t| **t != setup.report_target)
            .cloned()
            .collect()
    } else {
        targets
    };
    for t in &targets {
        let chat = target_ref(&setup.targets, t)
            .map_err(|e| CommandError::Refused(format!("{e} (known: {}).", target_names(ctx))))?;
        let limit = max_len(chat.platform);
        let len = herald_platform::utf16_len(&text);
        if len > limit {
            return Err(CommandError::Refused(format!(
                "Post {id} is {len} characters; {} takes at most {limit} per message (target {t}). Shorten it with /edit {id} <text>.",
                chat.platform
            )));
        }
    }
    let tz = setup.tz;
    let (first, cron) = match &when {
        When::Once(at) => (*at, None),
        When::Every(c) => (
            c.next_after(call.now, tz)
                .ok_or_else(|| CommandError::Refused(format!("\"{}\" never fires.", c.expr)))?,
            Some(c.expr.clone()),
        ),
    };
    if let Some(q) = &setup.quiet {
        if q.contains(first, tz) {
            let next = q.next_allowed(first, tz);
            return Err(CommandError::Refused(format!(
                "{} is inside quiet hours ({q}); the next allowed time is {}: /schedule {id} {}",
                show(first, tz),
                show(next, tz),
                next.with_timezone(&tz).format("%Y-%m-%d %H:%M")
            )));
        }
    }
    let first_ms = utc_to_ms(first);
    post.schedule = Some(Schedule {
        when: args.when.clone(),
        cron: cron.clone(),
        first_ms,
        targets: targets.clone(),
    });
    save(ctx, &post)?;
    ctx.posts
        .add_job(first_ms, &id, first_ms)
        .and_then(|_| ctx.posts.flush())
        .map_err(CommandError::posts(format!("schedule {id}")))?;
    Ok(match cron {
        Some(expr) => format!(
            "Scheduled {id} to repeat ({expr}, {tz}); first {} to {}.",
            show(first, tz),
            targets.join(", ")
        ),
        None => format!(
            "Scheduled {id} for {} to {}.",
            show(first, tz),
            targets.join(", ")
        ),
    }
    .into())
}

/// Split "tomorrow 9:00 news,chat" into the time and the targets: the longest leading run
/// of words that reads as a time, the rest target names.
fn split_when(
    ctx: &Context,
    rest: &str,
    now: DateTime<Utc>,
) -> Result<(When, Vec<String>), CommandError> {
    let words: Vec<&str> = rest.split_whitespace().collect();
    let mut first_error = None;
    for n in (1..=words.len()).rev() {
        match parse_when(&words[..n].join(" "), now, ctx.setup.tz) {
            Ok(w) => {
                let targets: Vec<String> = words[n..]
                    .iter()
                    .flat_map(|w| w.split(','))
                    .filter(|t| !t.is_empty())
                    .map(String::from)
                    .collect();
                let unknown: Vec<&str> = targets
                    .iter()
                    .filter(|t| !ctx.setup.targets.contains_key(*t))
                    .map(String::as_str)
                    .collect();
                if !unknown.is_empty() {
                    return Err(CommandError::Refused(format!(
                        "Unknown target(s): {} (known: {}).",
                        unknown.join(", "),
                        target_names(ctx)
                    )));
                }
                return Ok((w, targets));
            }
            // Keep the most specific complaint: a past time or a bad cron field beats
            // "can't read".
            Err(e) => {
                if first_error.is_none() && !matches!(e, WhenError::Unreadable(_)) {
                    first_error = Some(e);
                }
            }
        }
    }
    Err(first_error
        .unwrap_or_else(|| WhenError::Unreadable(rest.to_string()))
        .into())
}
