//! The members' commands (`/start`, `/help`, `/ask`, `/human`, `/recommend`, `/forget`,
//! `/forgetme`) as one enum and one table, and the dispatch of every command: members'
//! here, managers' to `crate::manage` (members are refused those).

use std::sync::Arc;

use herald_platform::Incoming;
use minijinja::context;

use crate::engagement::Speaker;
use crate::knowledge::{Graph, Route};
use crate::manage::{Call, ManagerCommand, MANAGER_COMMANDS};
use crate::router::{help_text, CommandLine, CommandSpec};

use super::core::Bot;
use super::reply::{Reply, PRIVACY_ROUTE};

/// The members' commands, for `/help` and platform menus.
pub const MEMBER_COMMANDS: &[CommandSpec] = &[
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
        name: "whoami",
        args: "",
        description: "show your user id and this chat's id (for the bot's settings)",
    },
];

/// Every command the bot has, members' first: what `/help` prints and platform menus show.
pub fn command_table() -> Vec<CommandSpec> {
    MEMBER_COMMANDS
        .iter()
        .chain(MANAGER_COMMANDS)
        .copied()
        .collect()
}

/// A member command with its arguments.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MemberCommand {
    Start,
    Help,
    Ask(String),
    Human(String),
    Recommend(String),
    Forget,
    /// Erase everything stored about the member.
    ForgetMe,
    /// The member's platform id and the chat's, for `managers` and `[posts.targets]`.
    WhoAmI,
}

impl MemberCommand {
    /// `None` when `name` is not a member command.
    pub fn parse(name: &str, args: &str) -> Option<MemberCommand> {
        let args = args.to_string();
        Some(match name {
            "start" => MemberCommand::Start,
            "help" => MemberCommand::Help,
            "ask" => MemberCommand::Ask(args),
            "human" => MemberCommand::Human(args),
            "recommend" => MemberCommand::Recommend(args),
            "forget" => MemberCommand::Forget,
            "forgetme" => MemberCommand::ForgetMe,
            "whoami" => MemberCommand::WhoAmI,
            _ => return None,
        })
    }
}

impl Bot {
    /// Run a slash command from `who`; `manager` says whether they may run managers' ones.
    pub(super) async fn command(
        &self,
        line: CommandLine,
        who: &Speaker,
        msg: &Incoming,
        graph: &Arc<Graph>,
        zh: bool,
    ) -> Reply {
        let intent = Some(format!("/{}", line.name));
        let mut r = if let Some(cmd) = MemberCommand::parse(&line.name, &line.args) {
            self.member_command(cmd, who, msg, graph, zh).await
        } else if ManagerCommand::is_manager_command(&line.name) {
            self.manager_command(&line, who, msg, graph, zh).await
        } else {
            let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
            r.reply = self
                .prompts
                .reply("unknown_command", zh, context! { name => line.name });
            r
        };
        r.intent = intent;
        r
    }

    async fn member_command(
        &self,
        cmd: MemberCommand,
        who: &Speaker,
        msg: &Incoming,
        graph: &Arc<Graph>,
        zh: bool,
    ) -> Reply {
        match cmd {
            MemberCommand::Start | MemberCommand::Help => {
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "greet", zh);
                // Members see their own commands; managers see theirs too.
                let tables: &[&[CommandSpec]] = if msg.manager {
                    &[MEMBER_COMMANDS, MANAGER_COMMANDS]
                } else {
                    &[MEMBER_COMMANDS]
                };
                r.reply = format!("{}\n\n{}", r.reply, help_text(&self.opts.bot_name, tables));
                r
            }
            MemberCommand::WhoAmI => {
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                r.reply = self.prompts.reply(
                    "whoami",
                    zh,
                    context! {
                        platform => msg.chat.platform.as_str(),
                        user => msg.user.clone(),
                        chat => msg.chat.chat.clone(),
                        private => msg.chat.private,
                        manager => msg.manager,
                    },
                );
                r
            }
            MemberCommand::Ask(q) if q.trim().is_empty() => {
                self.fixed(None, Route::Smalltalk, 1.0, "empty", zh)
            }
            MemberCommand::Ask(q) => self.question(&q, None, 1.0, who, graph).await,
            MemberCommand::Human(text) => self.flag(who, msg, Route::Handoff, None, 1.0, &text, zh),
            MemberCommand::Recommend(topic) => self.recommend(&topic, None, 1.0, graph, zh, who),
            MemberCommand::Forget => {
                self.forget_conversation(who);
                self.fixed(None, Route::Smalltalk, 1.0, "forget", zh)
            }
            MemberCommand::ForgetMe => {
                let stores = crate::privacy::MemberStores {
                    log: &self.log,
                    memory: &self.memory,
                    posts: &self.manage.posts,
                    tickets: &self.manage.tickets,
                    audit: &self.manage.audit,
                    askers: &self.manage.askers,
                };
                let erased = crate::privacy::erase(stores, who);
                let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
                r.reply = self.prompts.reply(
                    "forgetme",
                    zh,
                    context! { events => erased.events, conversations => erased.conversations },
                );
                r.route = PRIVACY_ROUTE.into();
                r
            }
        }
    }

    /// A manager command: members are refused before its arguments are even looked at.
    async fn manager_command(
        &self,
        line: &CommandLine,
        who: &Speaker,
        msg: &Incoming,
        graph: &Arc<Graph>,
        zh: bool,
    ) -> Reply {
        let manager = msg.manager;
        let mut r = self.fixed(None, Route::Smalltalk, 1.0, "smalltalk", zh);
        r.route = "manage".into();
        if !manager {
            r.reply =
                self.prompts
                    .reply("managers_only", zh, context! { name => line.name.clone() });
            return r;
        }
        let target = crate::moderation::Target::replied_to(msg);
        let call = Call {
            graph,
            author: &who.member,
            who,
            now: chrono::Utc::now(),
            target: target.as_ref(),
        };
        let done = match ManagerCommand::parse(&line.name, &line.args) {
            Some(Ok(cmd)) => cmd.apply(&self.manage, &call).await,
            Some(Err(e)) => Err(e),
            None => return r,
        };
        match done {
            Ok(done) => {
                r.reply = done.text;
                r.images = done.images;
                r.forwards = done.forwards;
                r.sanctions = done.sanctions;
            }
            Err(e) => r.reply = e.reply(),
        }
        r
    }
}
