//! Helpers several manager commands share: reading arguments, finding and saving posts,
//! and the lines that describe the judge and a post.

use crate::posts::{Judge, Post};

use super::context::Context;
use super::error::CommandError;

/// The first word and the rest (trimmed at the start only by the caller's choice).
pub(crate) fn split_first(args: &str) -> (&str, &str) {
    let args = args.trim();
    match args.find(char::is_whitespace) {
        Some(i) => (&args[..i], args[i..].trim()),
        None => (args, ""),
    }
}

/// A period of whole days, as `/report` and `/gaps` take it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Period {
    pub days: u64,
}

impl Period {
    pub(crate) fn parse(args: &str) -> Result<Period, CommandError> {
        period_days(args).map(|days| Period { days })
    }
}

/// "7d", "30d", "90d", "30" → days; empty → 30.
pub fn period_days(text: &str) -> Result<u64, CommandError> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Ok(30);
    }
    t.strip_suffix('d')
        .unwrap_or(&t)
        .parse::<u64>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or_else(|| CommandError::Period(text.trim().to_string()))
}

/// The post named `id`.
pub(crate) fn find(ctx: &Context, id: &str) -> Result<Post, CommandError> {
    let id = id.trim();
    if id.is_empty() {
        return Err(CommandError::WhichPost);
    }
    match ctx.posts.get(id) {
        Ok(Some(p)) => Ok(p),
        Ok(None) => Err(CommandError::NoPost(id.to_string())),
        Err(e) => Err(CommandError::posts("read the posts")(e)),
    }
}

/// Store `post` and flush, so a crash right after the reply loses nothing.
pub(crate) fn save(ctx: &Context, post: &Post) -> Result<(), CommandError> {
    ctx.posts
        .put(post)
        .and_then(|_| ctx.posts.flush())
        .map_err(CommandError::posts(format!("save post {}", post.id)))
}

/// A post with a pending schedule cannot change under the scheduler's feet.
pub(crate) fn not_pending(ctx: &Context, post: &Post) -> Result<(), CommandError> {
    let queued = ctx.posts.jobs().iter().any(|(_, p, _)| *p == post.id);
    if queued && !post.cancelled {
        return Err(CommandError::Refused(format!(
            "Post {id} is scheduled; /cancel {id} first, then change and schedule it again.",
            id = post.id
        )));
    }
    Ok(())
}

/// The configured target names, for replies.
pub(crate) fn target_names(ctx: &Context) -> String {
    if ctx.setup.targets.is_empty() {
        "none configured".into()
    } else {
        ctx.setup
            .targets
            .keys()
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// One line on the judge: what it is and how accurate it was on held-out posts.
pub(crate) fn judge_line(judge: &Judge, min: usize) -> String {
    match &judge.evaluation {
        Some(e) => format!(
            "Judge: trained on {} measured posts; orders held-out posts correctly {:.0}% of the time (heuristic prior: {:.0}%, {} held out).",
            judge.measured,
            e.model_accuracy * 100.0,
            e.prior_accuracy * 100.0,
            e.held_out
        ),
        None => format!(
            "Judge: heuristic prior ({} measured post(s); trained from {}).",
            judge.measured,
            min.max(5)
        ),
    }
}

/// A post's first line, cut at 60 characters.
pub(crate) fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_read_as_days() {
        assert_eq!(period_days("").expect("default"), 30);
        assert_eq!(period_days(" 7d ").expect("7d"), 7);
        assert_eq!(period_days("90").expect("90"), 90);
        for bad in ["0d", "week", "-3d", "4000d"] {
            let e = period_days(bad).expect_err(bad);
            assert_eq!(
                e.reply(),
                format!("\"{bad}\" is not a period; use 7d, 30d or 90d.")
            );
        }
    }

    #[test]
    fn the_first_word_is_split_from_the_rest() {
        assert_eq!(
            split_first("  p1   tomorrow 9:00 "),
            ("p1", "tomorrow 9:00")
        );
        assert_eq!(split_first("p1"), ("p1", ""));
        assert_eq!(split_first(""), ("", ""));
    }
}
