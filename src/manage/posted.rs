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

/// One published post: where and when it first went out, what it got, what the judge
/// expected, and what went wrong on some target.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Published {
    pub id: String,
    pub text: String,
    /// First publication (`None`: every target failed or is pending).
    pub at_ms: Option<u64>,
    pub targets: Vec<String>,
    pub reactions: u64,
    pub replies: u64,
    pub clicks: u64,
    pub predicted: f64,
    pub problems: Vec<String>,
}

/// Every post with a delivery, newest first, and the line that says how accurate the
/// judge is.
pub fn published(ctx: &Context, graph: &crate::knowledge::Graph) -> (Vec<Published>, String) {
    let engagement = measured::engagement_of(&ctx.log);
    let judge = measured::judge(&ctx.posts, &ctx.log, graph, &ctx.setup);
    let tz = ctx.setup.tz;
    let mut rows = Vec::new();
    for post in ctx.posts.all() {
        let deliveries = ctx.posts.deliveries(&post.id);
        if deliveries.is_empty() {
            continue;
        }
        let mut targets = Vec::new();
        let mut problems = Vec::new();
        let mut at = None;
        for (target, _, d) in &deliveries {
            match d {
                Delivery::Published { at_ms, .. } => {
                    targets.push(target.clone());
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
        targets.dedup();
        let e = engagement.get(&post.id).cloned().unwrap_or_default();
        let text = post.approved.clone().unwrap_or_default();
        let predicted = at.map_or(0.0, |at| {
            let entities = facts_for(graph, &text).linked.len();
            judge.predict(&Features::of(&text, entities, ms_to_utc(at), tz))
        });
        rows.push(Published {
            id: post.id.clone(),
            text,
            at_ms: at,
            targets,
            reactions: e.reactions,
            replies: e.replies,
            clicks: e.clicks,
            predicted,
            problems,
        });
    }
    rows.sort_by_key(|r| std::cmp::Reverse(r.at_ms.unwrap_or(0)));
    (rows, judge_line(&judge, ctx.setup.min_training_posts))
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Args) -> Done {
    let (rows, judge_line) = published(ctx, call.graph);
    if rows.is_empty() {
        return format!("Nothing has been published yet. {judge_line}").into();
    }
    let tz = ctx.setup.tz;
    let mut out: Vec<String> = rows
        .iter()
        .take(args.n)
        .map(|r| {
            let mut line = format!("{} — {}", r.id, first_line(&r.text));
            if let Some(at) = r.at_ms {
                line.push_str(&format!(
                    "\n  published {} to {}: {} reactions, {} replies, {} clicks (predicted {:.1})",
                    show(ms_to_utc(at), tz),
                    r.targets.join(", "),
                    r.reactions,
                    r.replies,
                    r.clicks,
                    r.predicted
                ));
            }
            for p in &r.problems {
                line.push_str(&format!("\n  {p}"));
            }
            line
        })
        .collect();
    out.push(judge_line);
    out.join("\n").into()
}
