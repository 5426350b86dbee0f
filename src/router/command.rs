//! Slash commands: `/name args` (also `/name@bot args`) split into a [`CommandLine`], not
//! interpreted here: the bot knows the members' commands and `crate::manage` the managers'.
//! [`CommandSpec`] is one line of the tables that help text and platform menus come from.

/// A command the bot knows, for `/help` and platform menus.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CommandSpec {
    pub name: &'static str,
    pub args: &'static str,
    pub description: &'static str,
}

/// A slash command addressed to this bot: its name (lower case) and the rest of the text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CommandLine {
    pub name: String,
    pub args: String,
}

impl CommandLine {
    fn new(name: &str, args: &str) -> CommandLine {
        CommandLine {
            name: name.to_ascii_lowercase(),
            args: args.to_string(),
        }
    }
}

/// Parse `/name[@bot] args`. Returns `None` for text that is not a command, and for a
/// command addressed to another bot (`/help@otherbot`).
pub fn parse_command(text: &str, bot_names: &[String]) -> Option<CommandLine> {
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
    Some(CommandLine::new(name, args))
}

/// `/help` text, generated from the command tables in order.
pub fn help_text(bot_name: &str, tables: &[&[CommandSpec]]) -> String {
    let mut out = format!("I'm {bot_name}. Ask me anything about us, or use a command:\n");
    for c in tables.iter().flat_map(|t| t.iter()) {
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

    fn line(name: &str, args: &str) -> Option<CommandLine> {
        Some(CommandLine::new(name, args))
    }

    #[test]
    fn parses_commands_with_and_without_bot_name() {
        assert_eq!(parse_command("/help", &bots()), line("help", ""));
        assert_eq!(parse_command("/HELP@Herald_Bot", &bots()), line("help", ""));
        assert_eq!(
            parse_command("/ask@herald_bot  how much is the tea ", &bots()),
            line("ask", "how much is the tea")
        );
        assert_eq!(parse_command("/dance", &bots()), line("dance", ""));
    }

    #[test]
    fn other_bots_commands_and_plain_text_are_not_commands() {
        assert_eq!(parse_command("/help@other_bot", &bots()), None);
        assert_eq!(parse_command("hello /help", &bots()), None);
        assert_eq!(parse_command("/", &bots()), None);
        assert_eq!(parse_command("/ path", &bots()), None);
    }

    #[test]
    fn help_lists_every_command_of_every_table() {
        const A: &[CommandSpec] = &[CommandSpec {
            name: "one",
            args: "<x>",
            description: "first",
        }];
        const B: &[CommandSpec] = &[CommandSpec {
            name: "two",
            args: "",
            description: "second",
        }];
        let help = help_text("Bean", &[A, B]);
        assert!(help.starts_with("I'm Bean."), "{help}");
        assert!(help.contains("/one <x> — first\n/two — second"), "{help}");
    }
}
