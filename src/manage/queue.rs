//! `/queue`: what is scheduled, soonest first.

use crate::clock::{ms_to_utc, show};

use super::context::{Context, Done};
use super::shared::first_line;

/// How many scheduled posts one reply lists.
const SHOWN: usize = 20;

pub(crate) fn apply(ctx: &Context) -> Done {
    let jobs = ctx.posts.jobs();
    if jobs.is_empty() {
        return String::from("Nothing is scheduled.").into();
    }
    let mut out = format!("{} scheduled:\n", jobs.len());
    for (due, id, _) in jobs.iter().take(SHOWN) {
        let Ok(Some(post)) = ctx.posts.get(id) else {
            continue;
        };
        let s = post.schedule.as_ref();
        out.push_str(&format!(
            "{id} — {} → {}{} — {}\n",
            show(ms_to_utc(*due), ctx.setup.tz),
            s.map(|s| s.targets.join(", ")).unwrap_or_default(),
            s.and_then(|s| s.cron.as_ref())
                .map(|c| format!(" (repeats: {c})"))
                .unwrap_or_default(),
            first_line(post.approved.as_deref().unwrap_or(""))
        ));
    }
    if jobs.len() > SHOWN {
        out.push_str(&format!("… and {} more\n", jobs.len() - SHOWN));
    }
    out.trim_end().to_string().into()
}
