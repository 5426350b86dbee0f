//! `/cancel <id>`: take a post out of the schedule; it will not be published.

use crate::posts::measured::published_at;

use super::context::{Context, Done};
use super::error::CommandError;
use super::shared::{find, save};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Args {
    pub id: String,
}

pub(crate) fn parse(args: &str) -> Result<Args, CommandError> {
    match args.trim() {
        "" => Err(CommandError::WhichPost),
        id => Ok(Args { id: id.to_string() }),
    }
}

pub(crate) fn apply(ctx: &Context, args: Args) -> Result<Done, CommandError> {
    let mut post = find(ctx, &args.id)?;
    let removed = ctx
        .posts
        .remove_jobs(&post.id)
        .map_err(CommandError::posts(format!("cancel {}", post.id)))?;
    if removed == 0 && published_at(&ctx.posts, &post.id).is_some() {
        return Err(CommandError::Refused(format!(
            "Post {} was already published and nothing more is scheduled.",
            post.id
        )));
    }
    post.cancelled = true;
    save(ctx, &post)?;
    Ok(format!("Cancelled {}; it will not be published.", post.id).into())
}
