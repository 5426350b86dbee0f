//! `/approve <id> [variant]`: fix the text that will go out (the edit, else the best
//! variant, else the one named). A variant with unsupported claims cannot be approved.

use super::context::{Context, Done};
use super::error::CommandError;
use super::shared::{find, not_pending, save, split_first, target_names};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub id: String,
    /// 1-based; `None` takes the edit, else the best variant.
    pub variant: Option<usize>,
}

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    let (id, rest) = split_first(args);
    let variant = match rest {
        "" => None,
        n => Some(
            n.parse::<usize>()
                .map_err(|_| CommandError::Variant(n.to_string()))?,
        ),
    };
    Ok(Args {
        id: id.to_string(),
        variant,
    })
}

pub(crate) fn apply(ctx: &Context, args: Args) -> Result<Done, CommandError> {
    let mut post = find(ctx, &args.id)?;
    not_pending(ctx, &post)?;
    let id = post.id.clone();
    let chosen = match args.variant {
        None => match &post.edit {
            Some(v) => v.clone(),
            None => post.variants.first().cloned().ok_or_else(|| {
                CommandError::Refused(format!("Post {id} has no text; /edit {id} <text> first."))
            })?,
        },
        Some(n) => post
            .variants
            .get(n.wrapping_sub(1))
            .cloned()
            .ok_or_else(|| {
                CommandError::Refused(format!(
                    "Post {id} has variants 1 to {}.",
                    post.variants.len()
                ))
            })?,
    };
    if !chosen.edited && !chosen.warnings.is_empty() {
        return Err(CommandError::Refused(format!(
            "That variant claims what the knowledge does not support ({}). Pick another or write your own with /edit {id} <text>.",
            chosen.warnings.join("; "),
        )));
    }
    post.approved = Some(chosen.text.clone());
    save(ctx, &post)?;
    Ok(format!(
        "Approved {id}:\n{}\nSchedule it with /schedule {id} <when> [targets] (targets: {}).",
        chosen.text,
        target_names(ctx)
    )
    .into())
}
