//! Commands: `/name args` (also `/name@bot args`), parsed into one enum-like value and
//! described by one table that help text and platform menus are generated from.

/// A command the bot knows, for `/help` and platform menus.
#[derive(Clone, Copy, Debug)]
pub struct CommandSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub description: &'static str,
}

/// The command table. Adapters register menus from it, `/help` prints it.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "start",
        args: "",
        description: "say hello and see what I can do",
    },
    CommandSpec {
        name: "help",
        args: "",
        description: "list the commands",
    },
    CommandSpec {
        name: "ask",
        args: "<question>",
        description: "ask a question about the community",
    },
    CommandSpec {
        name: "human",
        args: "[message]",
        description: "ask for a person from the team",
    },
    CommandSpec {
        name: "recommend",
        args: "[topic]",
        description: "get a recommendation",
    },
    CommandSpec {
        name: "forget",
        args: "",
        description: "clear our conversation memory",
    },
    CommandSpec {
        name: "forgetme",
        args: "",
        description: "erase everything I stored about you",
    },
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
];

/// The managers' commands: posts and what the log says (arguments as typed).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ManagerCommand {
    Draft(String),
    Edit(String),
    Approve(String),
    Schedule(String),
    Queue,
    Cancel(String),
    Posted(String),
    Report(String),
    Gaps(String),
    BestTime,
}

impl ManagerCommand {
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
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Start,
    Help,
    Ask(String),
    Human(String),
    Recommend(String),
    Forget,
    /// Erase everything stored about the member.
    ForgetMe,
    /// A manager command; members are refused.
    Manager(ManagerCommand),
    /// A command this bot does not have; the reply says so and points at /help.
    Unknown(String),
}

/// Parse `/name[@bot] args`. Returns `None` for text that is not a command, and for a
/// command addressed to another bot (`/help@otherbot`).
pub fn parse_command(text: &str, bot_names: &[String]) -> Option<Command> {
    let rest = text.strip_prefix('/')?;
    let (head, args) = match rest.find(char::is_whitespace) {
        Some(i) => (&rest[..i], rest[i..].trim()),
        None => (rest, ""),
    };
    let (name, target) = match head.split_once('@') {
        Some((n, t)) => (n, Some(t)),
        None => (head, None),
    };
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return None;
    }
    if let Some(t) = target {
        if !bot_names.iter().any(|b| b.eq_ignore_ascii_case(t)) {
            return None;
        }
    }
    let args = args.to_string();
    Some(match name.to_ascii_lowercase().as_str() {
        "start" => Command::Start,
        "help" => Command::Help,
        "ask" => Command::Ask(args),
        "human" => Command::Human(args),
        "recommend" => Command::Recommend(args),
        "forget" => Command::Forget,
        "forgetme" => Command::ForgetMe,
        "draft" => Command::Manager(ManagerCommand::Draft(args)),
        "edit" => Command::Manager(ManagerCommand::Edit(args)),
        "approve" => Command::Manager(ManagerCommand::Approve(args)),
        "schedule" => Command::Manager(ManagerCommand::Schedule(args)),
        "queue" => Command::Manager(ManagerCommand::Queue),
        "cancel" => Command::Manager(ManagerCommand::Cancel(args)),
        "posted" => Command::Manager(ManagerCommand::Posted(args)),
        "report" => Command::Manager(ManagerCommand::Report(args)),
        "gaps" => Command::Manager(ManagerCommand::Gaps(args)),
        "besttime" => Command::Manager(ManagerCommand::BestTime),
        other => Command::Unknown(other.to_string()),
    })
}

/// `/help` text, generated from [`COMMANDS`].
pub fn help_text(bot_name: &str) -> String {
    let mut out = format!("I'm {bot_name}. Ask me anything about us, or use a command:\n");
    for c in COMMANDS {
        let args = if c.args.is_empty() {
            String::new()
        } else {
            format!(" {}", c.args)
        };
        out.push_str(&format!("/{}{} — {}\n", c.name, args, c.description));
    }
    out.trim_end().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bots() -> Vec<String> {
        vec!["herald_bot".into()]
    }

    #[test]
    fn parses_commands_with_and_without_bot_name() {
        assert_eq!(parse_command("/help", &bots()), Some(Command::Help));
        assert_eq!(
            parse_command("/HELP@Herald_Bot", &bots()),
            Some(Command::Help)
        );
        assert_eq!(
            parse_command("/ask@herald_bot  how much is the huila ", &bots()),
            Some(Command::Ask("how much is the huila".into()))
        );
        assert_eq!(
            parse_command("/dance", &bots()),
            Some(Command::Unknown("dance".into()))
        );
    }

    #[test]
    fn other_bots_commands_and_plain_text_are_not_commands() {
        assert_eq!(parse_command("/help@other_bot", &bots()), None);
        assert_eq!(parse_command("hello /help", &bots()), None);
        assert_eq!(parse_command("/", &bots()), None);
        assert_eq!(parse_command("/ path", &bots()), None);
    }

    #[test]
    fn help_lists_every_command() {
        let help = help_text("Bean");
        for c in COMMANDS {
            assert!(help.contains(&format!("/{}", c.name)));
        }
    }
}
