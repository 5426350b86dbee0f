//! Moderators' actions on Telegram: delete a message, restrict a member until a time, ban,
//! unban, kick (ban then unban), and who administers a group (exempt from moderation).

use chrono::{DateTime, Utc};
use teloxide::prelude::*;
use teloxide::types::{ChatPermissions, MessageId};

use herald_platform::{ChatRef, ModAction, PlatformError, PlatformKind};

use crate::TelegramAdapter;

fn failed(action: &ModAction, reason: impl Into<String>) -> PlatformError {
    PlatformError::Moderate {
        platform: PlatformKind::Telegram,
        action: action.name(),
        reason: reason.into(),
    }
}

impl TelegramAdapter {
    pub(crate) async fn moderate_member(
        &self,
        chat: &ChatRef,
        user: &str,
        action: &ModAction,
    ) -> Result<(), PlatformError> {
        let chat_id = chat
            .chat
            .parse::<i64>()
            .map(ChatId)
            .map_err(|_| failed(action, format!("not a Telegram chat id: {:?}", chat.chat)))?;
        let user_id = || {
            user.parse::<u64>()
                .map(UserId)
                .map_err(|_| failed(action, format!("not a Telegram user id: {user:?}")))
        };
        let result = match action {
            ModAction::Delete { message_id } => {
                let id = message_id
                    .parse::<i32>()
                    .map_err(|_| failed(action, format!("not a message id: {message_id:?}")))?;
                self.bot
                    .delete_message(chat_id, MessageId(id))
                    .await
                    .map(drop)
            }
            ModAction::Mute { until_ms } => {
                // Telegram treats a restriction shorter than 30 s (or more than 366 days)
                // as forever; a mute is always at least a minute.
                let until = DateTime::<Utc>::from_timestamp_millis(*until_ms as i64)
                    .unwrap_or_else(Utc::now)
                    .max(Utc::now() + chrono::Duration::seconds(60));
                self.bot
                    .restrict_chat_member(chat_id, user_id()?, ChatPermissions::empty())
                    .until_date(until)
                    .await
                    .map(drop)
            }
            ModAction::Unmute => self
                .bot
                .restrict_chat_member(chat_id, user_id()?, ChatPermissions::all())
                .await
                .map(drop),
            ModAction::Ban => self
                .bot
                .ban_chat_member(chat_id, user_id()?)
                .await
                .map(drop),
            ModAction::Unban => self
                .bot
                .unban_chat_member(chat_id, user_id()?)
                .only_if_banned(true)
                .await
                .map(drop),
            ModAction::Kick => {
                let id = user_id()?;
                match self.bot.ban_chat_member(chat_id, id).await {
                    Ok(_) => self
                        .bot
                        .unban_chat_member(chat_id, id)
                        .only_if_banned(true)
                        .await
                        .map(drop),
                    Err(e) => Err(e),
                }
            }
        };
        result.map_err(|e| failed(action, e.to_string()))
    }

    /// Whether `user` is an administrator (or the creator) of the group `chat`.
    pub(crate) async fn administers(&self, chat: &ChatRef, user: &str) -> bool {
        let (Ok(chat), Ok(user)) = (chat.chat.parse::<i64>(), user.parse::<u64>()) else {
            return false;
        };
        self.chat_admins(chat).await.contains(&user)
    }
}
