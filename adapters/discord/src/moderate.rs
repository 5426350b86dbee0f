//! Moderators' actions on Discord: delete a message, time a member out until a time (and
//! lift it), ban, unban, kick. Channels are mapped to their server from the messages seen
//! (or asked of Discord once), since actions on members are per server.

use serenity::all::{ChannelId, GuildId, MessageId, UserId};
use serenity::builder::EditMember;
use serenity::model::Timestamp;

use herald_platform::{ChatRef, ModAction, PlatformError, PlatformKind};

use crate::DiscordAdapter;

fn failed(action: &ModAction, reason: impl Into<String>) -> PlatformError {
    PlatformError::Moderate {
        platform: PlatformKind::Discord,
        action: action.name(),
        reason: reason.into(),
    }
}

impl DiscordAdapter {
    /// The server `channel` belongs to: seen with a message, else asked of Discord.
    async fn guild_of(&self, channel: u64) -> Option<GuildId> {
        if let Some(g) = self
            .shared
            .guilds
            .lock()
            .ok()
            .and_then(|m| m.get(&channel).copied())
        {
            return Some(GuildId::new(g));
        }
        let found = self
            .shared
            .http
            .get_channel(ChannelId::new(channel))
            .await
            .ok()?
            .guild()?
            .guild_id;
        if let Ok(mut m) = self.shared.guilds.lock() {
            m.insert(channel, found.get());
        }
        Some(found)
    }

    /// `user` administers the server `chat` is in: one of their roles (or @everyone) has
    /// the ADMINISTRATOR permission. Asked of Discord only when a rule would act; a failed
    /// lookup counts as no (the message is moderated as anyone's).
    pub(crate) async fn administers(&self, chat: &ChatRef, user: &str) -> bool {
        let (Some(channel), Some(uid)) = (
            chat.chat.parse::<u64>().ok().filter(|c| *c > 0),
            user.parse::<u64>().ok().filter(|u| *u > 0),
        ) else {
            return false;
        };
        let Some(guild) = self.guild_of(channel).await else {
            return false;
        };
        let http = &self.shared.http;
        let (member, roles) = match (
            http.get_member(guild, UserId::new(uid)).await,
            http.get_guild_roles(guild).await,
        ) {
            (Ok(m), Ok(r)) => (m, r),
            (Err(e), _) | (_, Err(e)) => {
                tracing::warn!(error = %e, "discord: could not ask whether a member administers the server");
                return false;
            }
        };
        roles
            .iter()
            .filter(|r| r.id.get() == guild.get() || member.roles.contains(&r.id))
            .any(|r| r.permissions.administrator())
    }

    pub(crate) async fn moderate_member(
        &self,
        chat: &ChatRef,
        user: &str,
        action: &ModAction,
    ) -> Result<(), PlatformError> {
        let channel = chat
            .chat
            .parse::<u64>()
            .ok()
            .filter(|c| *c > 0)
            .ok_or_else(|| failed(action, format!("not a Discord channel id: {:?}", chat.chat)))?;
        let user_id = || {
            user.parse::<u64>()
                .ok()
                .filter(|u| *u > 0)
                .map(UserId::new)
                .ok_or_else(|| failed(action, format!("not a Discord user id: {user:?}")))
        };
        let http = &self.shared.http;
        let reason = Some("herald moderation");
        if let ModAction::Delete { message_id } = action {
            let id = message_id
                .parse::<u64>()
                .ok()
                .filter(|m| *m > 0)
                .ok_or_else(|| failed(action, format!("not a message id: {message_id:?}")))?;
            return http
                .delete_message(ChannelId::new(channel), MessageId::new(id), reason)
                .await
                .map_err(|e| failed(action, e.to_string()));
        }
        let guild = self
            .guild_of(channel)
            .await
            .ok_or_else(|| failed(action, "the channel's server is not known"))?;
        let user = user_id()?;
        let result = match action {
            ModAction::Delete { .. } => Ok(()),
            ModAction::Mute { until_ms } => {
                let until = Timestamp::from_millis(*until_ms as i64)
                    .map_err(|e| failed(action, e.to_string()))?;
                http.edit_member(
                    guild,
                    user,
                    &EditMember::new().disable_communication_until_datetime(until),
                    reason,
                )
                .await
                .map(drop)
            }
            ModAction::Unmute => http
                .edit_member(
                    guild,
                    user,
                    &EditMember::new().enable_communication(),
                    reason,
                )
                .await
                .map(drop),
            ModAction::Ban => http.ban_user(guild, user, 0, reason).await,
            ModAction::Unban => http.remove_ban(guild, user, reason).await,
            ModAction::Kick => http.kick_member(guild, user, reason).await,
        };
        result.map_err(|e| failed(action, e.to_string()))
    }
}
