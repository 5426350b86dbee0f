//! `/draft <brief>`: the model writes variants from the brief and the facts it names, each
//! guarded and ranked by the judge; stored as a new post.

use crate::posts::{self, draft::DraftInput, measured, Post, Variant};

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::{judge_line, save};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub brief: String,
}

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let brief = args.trim();
    if brief.is_empty() {
        return Err(CommandError::Usage(
            "Usage: /draft <brief>, e.g. /draft announce Saturday's meetup, friendly, with a question at the end",
        ));
    }
    Ok(Args {
        brief: brief.to_string(),
    })
}

pub(crate) async fn apply(
    ctx: &Context,
    call: &Call<'_>,
    args: Args,
) -> Result<Done, CommandError> {
    let judge = measured::judge(&ctx.posts, &ctx.log, call.graph, &ctx.setup);
    let variants = posts::draft::draft(DraftInput {
        llm: ctx.llm.as_ref(),
        prompts: &ctx.prompts,
        graph: call.graph,
        judge: &judge,
        bot_name: &ctx.bot_name,
        brief: &args.brief,
        variants: ctx.setup.variants,
    })
    .await;
    if variants.is_empty() {
        return Err(CommandError::NoDraft);
    }
    let id = ctx
        .posts
        .next_id()
        .map_err(CommandError::posts("save the draft"))?;
    let post = Post {
        id: id.clone(),
        brief: args.brief,
        variants,
        edit: None,
        approved: None,
        author: call.author.to_string(),
        created_ms: crate::clock::utc_to_ms(call.now),
        schedule: None,
        cancelled: false,
    };
    save(ctx, &post)?;
    let mut out = format!(
        "Draft {id}: {} variant(s), best first. {}\n",
        post.variants.len(),
        judge_line(&judge, ctx.setup.min_training_posts)
    );
    for (i, v) in post.variants.iter().enumerate() {
        out.push_str(&variant_block(i + 1, v));
    }
    out.push_str(&format!(
        "\nApprove with /approve {id} [variant], or write your own with /edit {id} <text>."
    ));
    Ok(out.into())
}

fn variant_block(n: usize, v: &Variant) -> String {
    let mut s = format!(
        "\n{n}. [predicted {:.1}, best at {:02}:00] {}\n   why: {}\n",
        v.score,
        v.best_hour,
        v.text,
        v.reasons.join(", ")
    );
    if !v.warnings.is_empty() {
        s.push_str(&format!(
            "   ⚠ not approvable as is: {}\n",
            v.warnings.join("; ")
        ));
    }
    s
}
