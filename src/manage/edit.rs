//! `/edit <id> <text>`: the manager's own text for a post, scored and checked like a draft.

use crate::posts::{draft, measured};

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::{find, not_pending, save, split_first};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub id: String,
    pub text: String,
}

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let (id, text) = split_first(args);
    if id.is_empty() || text.is_empty() {
        return Err(CommandError::Usage("Usage: /edit <id> <text>"));
    }
    Ok(Args {
        id: id.to_string(),
        text: text.to_string(),
    })
}

pub(crate) fn apply(ctx: &Context, call: &Call<'_>, args: Args) -> Result<Done, CommandError> {
    let mut post = find(ctx, &args.id)?;
    not_pending(ctx, &post)?;
    let judge = measured::judge(&ctx.posts, &ctx.log, call.graph, &ctx.setup);
    let v = draft::score(call.graph, &judge, &args.text, &post.brief, true);
    let mut out = format!(
        "Edited {}: predicted engagement {:.1}, best at {:02}:00.",
        post.id, v.score, v.best_hour
    );
    if !v.warnings.is_empty() {
        out.push_str(&format!(
            "\n⚠ Not supported by the knowledge: {}. Check before approving.",
            v.warnings.join("; ")
        ));
    }
    out.push_str(&format!("\nApprove it with /approve {}.", post.id));
    post.edit = Some(v);
    post.approved = None;
    save(ctx, &post)?;
    Ok(out.into())
}
