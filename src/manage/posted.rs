//! `/posted [n]`: the last published posts with their engagement against the judge's
//! prediction, and how accurate the judge is.

use crate::analytics::features::Features;
use crate::clock::{ms_to_utc, show};
use crate::posts::{draft::facts_for, measured, Delivery};

use super::context::{Call, Context, Done};
use super::shared::{first_line, judge_line};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    /// How many posts, 1 to 20.
    pub n: usize,
}

/// Lenient: anything but a number shows the default five.
pub(crate) fn parse(args: &str) -> Args {
    Args {
        n: args.trim().parse().unwrap_or(5).clamp(1, 20),
    }
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Args) -> Done {
    let engagement = measured::engagement_of(&ctx.log);
    let judge = measured::judge(&ctx.posts, &ctx.log, call.graph, &ctx.setup);
    let tz = ctx.setup.tz;
    let mut lines = Vec::new();
    for post in ctx.posts.all() {
        let deliveries = ctx.posts.deliveries(&post.id);
        if deliveries.is_empty() {
            continue;
        }
        let mut where_ = Vec::new();
        let mut problems = Vec::new();
        let mut at = None;
        for (target, _, d) in &deliveries {
            match d {
                Delivery::Published { at_ms, .. } => {
                    where_.push(target.clone());
                    at = Some(at.map_or(*at_ms, |a: u64| a.min(*at_ms)));
                }
                Delivery::Failed {
                    reason,
                    retry_at_ms: None,
                    ..
                } => problems.push(format!("failed on {target}: {reason}")),
                Delivery::Uncertain { .. } => {
                    problems.push(format!("{target}: uncertain, check it"))
                }
                Delivery::Skipped { .. } => problems.push(format!("{target}: slot skipped")),
                _ => {}
            }
        }
        where_.dedup();
        let e = engagement.get(&post.id).cloned().unwrap_or_default();
        let text = post.approved.as_deref().unwrap_or("");
        let predicted = at.map(|at| {
            let entities = facts_for(call.graph, text).linked.len();
            judge.predict(&Features::of(text, entities, ms_to_utc(at), tz))
        });
        let mut line = format!("{} — {}", post.id, first_line(text));
        if let Some(at) = at {
            line.push_str(&format!(
                "\n  published {} to {}: {} reactions, {} replies, {} clicks (predicted {:.1})",
                show(ms_to_utc(at), tz),
                where_.join(", "),
                e.reactions,
                e.replies,
                e.clicks,
                predicted.unwrap_or(0.0)
            ));
        }
        for p in problems {
            line.push_str(&format!("\n  {p}"));
        }
        lines.push((at.unwrap_or(0), line));
    }
    let judge_line = judge_line(&judge, ctx.setup.min_training_posts);
    if lines.is_empty() {
        return format!("Nothing has been published yet. {judge_line}").into();
    }
    lines.sort_by_key(|l| std::cmp::Reverse(l.0));
    let mut out: Vec<String> = lines.into_iter().take(args.n).map(|(_, l)| l).collect();
    out.push(judge_line);
    out.join("\n").into()
}
