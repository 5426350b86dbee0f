//! New members: a greeting with the questions members ask most that the knowledge answers,
//! in the member's language when known, and (Telegram) a join check — the newcomer may not
//! post until they press a button, and is removed when they do not in time. The engine
//! carries out the [`Followup`]s.

use std::collections::HashMap;
use std::time::Duration;

use minijinja::context;

use herald_platform::{Button, ChatRef, Mention, ModAction, Outgoing, PlatformKind};

use crate::knowledge::Graph;
use crate::moderation::Sanction;
use crate::text::has_cjk;

use super::core::Bot;

/// Something the engine does for a join or a press.
#[derive(Clone, Debug, PartialEq)]
pub enum Followup {
    Send(Outgoing),
    Act(Sanction),
    /// Ask [`Bot::check_expired`] about this member after the wait.
    CheckLater {
        chat: ChatRef,
        user: String,
        after: Duration,
    },
}

const JOIN_PREFIX: &str = "join:";

impl Bot {
    /// A member joined `chat`: what to say and do.
    pub fn member_joined(
        &self,
        chat: &ChatRef,
        user: &str,
        language: Option<&str>,
    ) -> Vec<Followup> {
        let Some(w) = &self.opts.welcome else {
            return Vec::new();
        };
        // A Discord join names the server, not a channel to greet in.
        if chat.private || chat.platform == PlatformKind::Discord {
            return Vec::new();
        }
        let zh = language.is_some_and(|l| l.to_lowercase().starts_with("zh"));
        let graph = self.knowledge.snapshot();
        let questions = self.suggestions(&graph, w.suggestions, zh);
        let check = w.join_check && chat.platform == PlatformKind::Telegram;
        let text = self.prompts.reply(
            "welcome",
            zh,
            context! { bot_name => self.opts.bot_name.clone(), questions, check },
        );
        let mut greeting = Outgoing {
            mention: Some(Mention {
                platform: chat.platform,
                user: user.to_string(),
                label: if zh {
                    "— 欢迎新朋友 👋"
                } else {
                    "— welcome, newcomer 👋"
                }
                .into(),
            }),
            ..Outgoing::text(chat.clone(), text)
        };
        let mut out = Vec::new();
        if check {
            greeting.buttons = vec![Button {
                label: if zh {
                    "我不是机器人 ✅"
                } else {
                    "I'm human ✅"
                }
                .into(),
                data: format!("{JOIN_PREFIX}{user}"),
            }];
            if let Ok(mut p) = self.pending_checks.lock() {
                p.insert((chat.platform, chat.chat.clone(), user.to_string()), ());
            }
            // Restricted a little past the deadline: were herald to stop, the member is
            // not left muted for good.
            let until = crate::clock::now_ms() + w.check_within.as_millis() as u64 + 60_000;
            out.push(Followup::Act(Sanction {
                chat: chat.clone(),
                user: user.to_string(),
                action: ModAction::Mute { until_ms: until },
            }));
            out.push(Followup::CheckLater {
                chat: chat.clone(),
                user: user.to_string(),
                after: w.check_within,
            });
        }
        // Restricted before the greeting, so the button is never late.
        let at = usize::from(check);
        out.insert(at, Followup::Send(greeting));
        out
    }

    /// A button under one of the bot's messages was pressed.
    pub async fn pressed(
        &self,
        chat: &ChatRef,
        user: &str,
        data: &str,
        manager: bool,
    ) -> Vec<Followup> {
        let Some(for_user) = data.strip_prefix(JOIN_PREFIX) else {
            return self.teach_pressed(chat, user, data, manager).await;
        };
        // Only the newcomer's own press counts.
        if for_user != user {
            return Vec::new();
        }
        if !self.take_pending(chat, user) {
            return Vec::new();
        }
        vec![Followup::Act(Sanction {
            chat: chat.clone(),
            user: user.to_string(),
            action: ModAction::Unmute,
        })]
    }

    /// Whether `user` was waiting on the join check in `chat`; they no longer are.
    fn take_pending(&self, chat: &ChatRef, user: &str) -> bool {
        self.pending_checks
            .lock()
            .map(|mut p| p.remove(&(chat.platform, chat.chat.clone(), user.to_string())))
            .ok()
            .flatten()
            .is_some()
    }

    /// The join check's time is up: a member who has not pressed is removed (they may
    /// join again).
    pub fn check_expired(&self, chat: &ChatRef, user: &str) -> Vec<Followup> {
        if !self.take_pending(chat, user) {
            return Vec::new();
        }
        tracing::info!(platform = %chat.platform, "join check not passed; member removed");
        vec![Followup::Act(Sanction {
            chat: chat.clone(),
            user: user.to_string(),
            action: ModAction::Kick,
        })]
    }

    /// The pack's questions (passage titles that ask something) about what members ask most,
    /// in the member's language when the pack has it.
    fn suggestions(&self, graph: &Graph, n: usize, zh: bool) -> Vec<String> {
        if n == 0 {
            return Vec::new();
        }
        let mut asked: HashMap<String, usize> = HashMap::new();
        for (_, entity) in self.log.interactions().unwrap_or_default() {
            *asked.entry(entity).or_default() += 1;
        }
        let mut titles: Vec<(usize, usize, String)> = graph
            .passages()
            .enumerate()
            .filter(|(_, p)| p.title.ends_with('?') || p.title.ends_with('？'))
            .map(|(i, p)| {
                let score = p
                    .about
                    .iter()
                    .map(|a| asked.get(a).copied().unwrap_or(0))
                    .sum();
                (score, i, p.title.clone())
            })
            .collect();
        titles.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
        let in_lang: Vec<String> = titles
            .iter()
            .filter(|t| has_cjk(&t.2) == zh)
            .map(|t| t.2.clone())
            .collect();
        let pool = if in_lang.is_empty() {
            titles.into_iter().map(|t| t.2).collect()
        } else {
            in_lang
        };
        let mut out: Vec<String> = Vec::new();
        for t in pool {
            if !out.contains(&t) {
                out.push(t);
            }
            if out.len() == n {
                break;
            }
        }
        out
    }
}
