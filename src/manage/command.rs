//! The managers' commands as one enum and one table: names, argument shapes, help and
//! menu entries; parsing picks the command's own parser, applying its own file.

use crate::router::CommandSpec;

use super::context::{Call, Context, Done};
use super::error::CommandError;
use super::shared::Period;
use super::{
    approve, besttime, cancel, draft, edit, gaps, moderate, posted, queue, reply, report, schedule,
    teach, tickets,
};

/// The managers' commands, for `/help` and platform menus (after the members' ones).
pub const MANAGER_COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "draft",
        args: "<brief>",
        description: "managers: draft a post with AI",
    },
    CommandSpec {
        name: "edit",
        args: "<id> <text>",
        description: "managers: replace a draft's text",
    },
    CommandSpec {
        name: "approve",
        args: "<id> [variant]",
        description: "managers: approve a draft",
    },
    CommandSpec {
        name: "schedule",
        args: "<id> <when> [targets]",
        description: "managers: schedule an approved post",
    },
    CommandSpec {
        name: "queue",
        args: "",
        description: "managers: list scheduled posts",
    },
    CommandSpec {
        name: "cancel",
        args: "<id>",
        description: "managers: cancel a scheduled post",
    },
    CommandSpec {
        name: "posted",
        args: "[n]",
        description: "managers: recent posts and their engagement",
    },
    CommandSpec {
        name: "report",
        args: "[period]",
        description: "managers: activity, answers, feedback and posts (period 7d, 30d or 90d)",
    },
    CommandSpec {
        name: "gaps",
        args: "[period]",
        description: "managers: unanswered questions, most asked first (period 7d, 30d or 90d)",
    },
    CommandSpec {
        name: "besttime",
        args: "",
        description: "managers: the hours of the week posts do best",
    },
    CommandSpec {
        name: "tickets",
        args: "",
        description: "managers: open hand-offs and complaints",
    },
    CommandSpec {
        name: "reply",
        args: "<ticket> <text>",
        description: "managers: answer a ticket; the member gets it in their chat",
    },
    CommandSpec {
        name: "teach",
        args: "<g-id> <answer>",
        description: "managers: answer an unanswered question (/gaps); it becomes knowledge",
    },
    CommandSpec {
        name: "modlog",
        args: "[n]",
        description: "managers: what moderation did (or would have done), newest first",
    },
    CommandSpec {
        name: "pardon",
        args: "[m<N>]",
        description:
            "managers: lift a member's mutes and bans and clear their strikes (or reply to them)",
    },
    CommandSpec {
        name: "spam",
        args: "[s<N>]",
        description: "managers: as a reply: remove the message as spam; the classifier learns it",
    },
    CommandSpec {
        name: "notspam",
        args: "[m<N>|s<N>]",
        description:
            "managers: as a reply or with an entry of /modlog: the classifier learns it is not spam",
    },
    CommandSpec {
        name: "warn",
        args: "",
        description: "managers: as a reply: remove the message and warn its author",
    },
    CommandSpec {
        name: "mute",
        args: "[length]",
        description: "managers: as a reply: remove the message and mute its author (30m, 2h, 1d)",
    },
    CommandSpec {
        name: "ban",
        args: "",
        description: "managers: as a reply: remove the message and ban its author",
    },
];

/// A manager command with its arguments parsed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagerCommand {
    Draft(draft::Args),
    Edit(edit::Args),
    Approve(approve::Args),
    Schedule(schedule::Args),
    Queue,
    Cancel(cancel::Args),
    Posted(posted::Args),
    Report(Period),
    Gaps(Period),
    BestTime,
    Tickets,
    Reply(reply::Args),
    Teach(teach::Args),
    ModLog(usize),
    Pardon(moderate::PardonArgs),
    Spam(moderate::MarkArgs),
    NotSpam(moderate::MarkArgs),
    Warn,
    /// Minutes, or the configured length.
    Mute(Option<u64>),
    Ban,
}

impl ManagerCommand {
    /// Parse `/name args`: `None` when `name` is not a manager command, else the command or
    /// what is wrong with its arguments.
    pub fn parse(name: &str, args: &str) -> Option<Result<ManagerCommand, CommandError>> {
        use ManagerCommand as C;
        Some(match name {
            "draft" => draft::parse(args).map(C::Draft),
            "edit" => edit::parse(args).map(C::Edit),
            "approve" => approve::parse(args).map(C::Approve),
            "schedule" => schedule::parse(args).map(C::Schedule),
            "queue" => Ok(C::Queue),
            "cancel" => cancel::parse(args).map(C::Cancel),
            "posted" => Ok(C::Posted(posted::parse(args))),
            "report" => Period::parse(args).map(C::Report),
            "gaps" => Period::parse(args).map(C::Gaps),
            "besttime" => Ok(C::BestTime),
            "tickets" => Ok(C::Tickets),
            "reply" => reply::parse(args).map(C::Reply),
            "teach" => teach::parse(args).map(C::Teach),
            "modlog" => match args.trim() {
                "" => Ok(C::ModLog(15)),
                n => n.parse().map(C::ModLog).map_err(|_| {
                    CommandError::Usage("Usage: /modlog [n] (how many entries, at most 50)")
                }),
            },
            "pardon" => moderate::parse_pardon(args).map(C::Pardon),
            "spam" => moderate::parse_mark(args, true).map(C::Spam),
            "notspam" => moderate::parse_mark(args, false).map(C::NotSpam),
            "warn" => Ok(C::Warn),
            "mute" => moderate::parse_mute(args).map(C::Mute),
            "ban" => Ok(C::Ban),
            _ => return None,
        })
    }

    /// Whether `name` is one of [`MANAGER_COMMANDS`].
    pub fn is_manager_command(name: &str) -> bool {
        MANAGER_COMMANDS.iter().any(|c| c.name == name)
    }

    pub fn name(&self) -> &'static str {
        match self {
            ManagerCommand::Draft(_) => "draft",
            ManagerCommand::Edit(_) => "edit",
            ManagerCommand::Approve(_) => "approve",
            ManagerCommand::Schedule(_) => "schedule",
            ManagerCommand::Queue => "queue",
            ManagerCommand::Cancel(_) => "cancel",
            ManagerCommand::Posted(_) => "posted",
            ManagerCommand::Report(_) => "report",
            ManagerCommand::Gaps(_) => "gaps",
            ManagerCommand::BestTime => "besttime",
            ManagerCommand::Tickets => "tickets",
            ManagerCommand::Reply(_) => "reply",
            ManagerCommand::Teach(_) => "teach",
            ManagerCommand::ModLog(_) => "modlog",
            ManagerCommand::Pardon(_) => "pardon",
            ManagerCommand::Spam(_) => "spam",
            ManagerCommand::NotSpam(_) => "notspam",
            ManagerCommand::Warn => "warn",
            ManagerCommand::Mute(_) => "mute",
            ManagerCommand::Ban => "ban",
        }
    }

    /// Do it. Nothing is stored unless the whole command is valid.
    pub async fn apply(self, ctx: &Context, call: &Call<'_>) -> Result<Done, CommandError> {
        match self {
            ManagerCommand::Draft(a) => draft::apply(ctx, call, a).await,
            ManagerCommand::Edit(a) => edit::apply(ctx, call, a),
            ManagerCommand::Approve(a) => approve::apply(ctx, a),
            ManagerCommand::Schedule(a) => schedule::apply(ctx, call, a),
            ManagerCommand::Queue => Ok(queue::apply(ctx)),
            ManagerCommand::Cancel(a) => cancel::apply(ctx, a),
            ManagerCommand::Posted(a) => Ok(posted::apply(ctx, call, a)),
            ManagerCommand::Report(a) => report::apply(ctx, call, a),
            ManagerCommand::Gaps(a) => gaps::apply(ctx, call, a),
            ManagerCommand::BestTime => besttime::apply(ctx),
            ManagerCommand::Tickets => Ok(tickets::apply(ctx, call)),
            ManagerCommand::Reply(a) => reply::apply(ctx, call, a),
            ManagerCommand::Teach(a) => teach::apply(ctx, call, a),
            ManagerCommand::ModLog(n) => moderate::modlog(ctx, n),
            ManagerCommand::Pardon(a) => moderate::pardon(ctx, call, a),
            ManagerCommand::Spam(a) => moderate::spam(ctx, call, a),
            ManagerCommand::NotSpam(a) => moderate::notspam(ctx, call, a),
            ManagerCommand::Warn => moderate::act(ctx, call, crate::moderation::Step::Warn),
            ManagerCommand::Mute(m) => moderate::act(ctx, call, moderate::mute_step(ctx, m)),
            ManagerCommand::Ban => moderate::act(ctx, call, crate::moderation::Step::Ban),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_entry_parses_and_names_itself() {
        for spec in MANAGER_COMMANDS {
            let parsed = ManagerCommand::parse(spec.name, "p1 2 tomorrow 9:00")
                .unwrap_or_else(|| panic!("/{} is not parsed", spec.name));
            if let Ok(cmd) = parsed {
                assert_eq!(cmd.name(), spec.name);
            }
            assert!(ManagerCommand::is_manager_command(spec.name));
        }
        assert!(ManagerCommand::parse("help", "").is_none());
    }

    #[test]
    fn arguments_are_typed_or_refused_with_their_usage() {
        let parse = |name: &str, args: &str| ManagerCommand::parse(name, args).expect(name);
        assert_eq!(
            parse("approve", "p3 2").expect("approve"),
            ManagerCommand::Approve(approve::Args {
                id: "p3".into(),
                variant: Some(2)
            })
        );
        assert_eq!(
            parse("report", "7d").expect("report"),
            ManagerCommand::Report(Period { days: 7 })
        );
        let usage = |name: &str, args: &str| parse(name, args).expect_err(name).reply();
        assert_eq!(usage("edit", "p1"), "Usage: /edit <id> <text>");
        assert!(usage("schedule", "p1").starts_with("Usage: /schedule"));
        assert!(usage("draft", "  ").starts_with("Usage: /draft <brief>"));
        assert!(usage("approve", "p1 seven").contains("\"seven\" is not a variant number"));
        assert!(usage("cancel", "").starts_with("Which post?"));
        assert!(usage("gaps", "a week").contains("is not a period"));
        assert!(usage("modlog", "all").starts_with("Usage: /modlog [n]"));
        assert_eq!(
            parse("modlog", "").expect("modlog"),
            ManagerCommand::ModLog(15)
        );
    }
}
