//! Who sees and may run the managers' commands: the command menu per scope (members'
//! commands by default; every command in managers' private chats and, with
//! `managers_from_admins`, for group administrators) and the group administrators, asked of
//! Telegram with `getChatAdministrators` and kept for a while.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

use herald_platform::{Incoming, MenuCommand};

use crate::retry::{classify, Next};
use crate::TelegramAdapter;

/// How long a group's administrators are trusted before Telegram is asked again.
pub(crate) const ADMINS_TTL: Duration = Duration::from_secs(600);

/// Group administrators by chat, with when they were asked.
#[derive(Default)]
pub(crate) struct AdminCache(Mutex<HashMap<i64, (Instant, Vec<u64>)>>);

impl AdminCache {
    fn fresh(&self, chat: i64) -> Option<Vec<u64>> {
        let cache = self.0.lock().ok()?;
        let (at, ids) = cache.get(&chat)?;
        (at.elapsed() < ADMINS_TTL).then(|| ids.clone())
    }

    fn store(&self, chat: i64, ids: Vec<u64>) {
        if let Ok(mut cache) = self.0.lock() {
            cache.insert(chat, (Instant::now(), ids));
        }
    }
}

fn bot_commands<'a>(commands: impl Iterator<Item = &'a MenuCommand>) -> Vec<BotCommand> {
    commands
        .map(|c| BotCommand::new(c.name.to_lowercase(), menu_description(&c.description)))
        .collect()
}

/// Telegram wants 1–256 characters.
fn menu_description(d: &str) -> String {
    let d: String = d.chars().take(256).collect();
    if d.is_empty() {
        "-".into()
    } else {
        d
    }
}

impl TelegramAdapter {
    /// Register the command menus: members see the members' commands; managers see every
    /// command in their private chat with the bot, and group administrators in their
    /// groups when they are managers there.
    pub(crate) async fn register_commands(&self) {
        let all = &self.opts.commands;
        if all.is_empty() {
            return;
        }
        self.set_commands(bot_commands(all.iter().filter(|c| !c.managers_only)), None)
            .await;
        if !all.iter().any(|c| c.managers_only) {
            return;
        }
        let everything = bot_commands(all.iter());
        for id in &self.opts.managers {
            let scope = BotCommandScope::Chat {
                chat_id: Recipient::Id(ChatId(*id as i64)),
            };
            self.set_commands(everything.clone(), Some(scope)).await;
        }
        if self.opts.managers_from_admins {
            let scope = BotCommandScope::AllChatAdministrators;
            self.set_commands(everything, Some(scope)).await;
        }
    }

    async fn set_commands(&self, commands: Vec<BotCommand>, scope: Option<BotCommandScope>) {
        for attempt in 1..=3 {
            let mut req = self.bot.set_my_commands(commands.clone());
            if let Some(s) = &scope {
                req = req.scope(s.clone());
            }
            match req.await {
                Ok(_) => return,
                Err(e) => {
                    // A manager who never opened a chat with the bot makes Telegram answer
                    // "chat not found": their menu waits for the next start.
                    tracing::warn!(error = %e, ?scope, attempt, "telegram: setMyCommands failed");
                    if classify(&e) == Next::GiveUp {
                        return;
                    }
                    tokio::time::sleep(self.opts.backoff.delay(attempt)).await;
                }
            }
        }
    }

    /// With `managers_from_admins`, a group administrator who sends one of the managers'
    /// commands in that group is a manager for it. Only such commands are looked up, so
    /// ordinary messages cost no call.
    pub(crate) async fn admins_are_managers(&self, m: &mut Incoming) {
        if !self.opts.managers_from_admins || m.manager || m.chat.private {
            return;
        }
        let name = m
            .text
            .strip_prefix('/')
            .and_then(|t| t.split(|c: char| c.is_whitespace() || c == '@').next())
            .unwrap_or_default()
            .to_lowercase();
        if name.is_empty()
            || !self
                .opts
                .commands
                .iter()
                .any(|c| c.managers_only && c.name.eq_ignore_ascii_case(&name))
        {
            return;
        }
        let (Ok(chat), Ok(user)) = (m.chat.chat.parse::<i64>(), m.user.parse::<u64>()) else {
            return;
        };
        m.manager = self.chat_admins(chat).await.contains(&user);
    }

    pub(crate) async fn chat_admins(&self, chat: i64) -> Vec<u64> {
        if let Some(ids) = self.admins.fresh(chat) {
            return ids;
        }
        match self.bot.get_chat_administrators(ChatId(chat)).await {
            Ok(members) => {
                let ids: Vec<u64> = members
                    .iter()
                    .filter(|m| m.kind.is_privileged())
                    .map(|m| m.user.id.0)
                    .collect();
                self.admins.store(chat, ids.clone());
                ids
            }
            Err(e) => {
                // Not known now: not a manager (the safe side); asked again next time.
                tracing::warn!(error = %e, chat, "telegram: getChatAdministrators failed");
                Vec::new()
            }
        }
    }
}
