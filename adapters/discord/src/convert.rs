//! Discord events → herald's platform-neutral [`Inbound`], and what is skipped and why.
//! Plain functions over serenity's model types, so captured event JSON can be tested
//! without a gateway.

use herald_platform::{ChatRef, Inbound, Incoming, MessageSignals, PlatformKind};
use serenity::all::{
    CommandDataOptionValue, CommandInteraction, ComponentInteraction, Member, Message,
    MessageReferenceKind, MessageType, Reaction, ReactionType, RoleId,
};

/// `custom_id` of the 👍 button under answers.
pub const RATE_UP: &str = "herald:rate:up";
/// `custom_id` of the 👎 button.
pub const RATE_DOWN: &str = "herald:rate:down";
/// How a slash command's [`Incoming::message_id`] starts: the reply goes to the
/// interaction (a follow-up), not to a channel message.
pub const INTERACTION: &str = "interaction:";
/// Longer messages are cut here: a member's question never needs more, and the model's
/// context should not be spent on a paste.
pub const MAX_TEXT_CHARS: usize = 4000;

/// Who the bot is (from `GET /users/@me`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub id: u64,
    pub name: String,
}

/// The config's say on what is served and who manages.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Rules {
    /// Only these servers (guild ids) are served when not empty; DMs always are.
    pub guilds: Vec<u64>,
    /// User ids that may run manager commands.
    pub managers: Vec<u64>,
    /// Members with one of these role ids may run manager commands.
    pub manager_roles: Vec<u64>,
}

impl Rules {
    fn allows(&self, guild: Option<u64>) -> bool {
        match guild {
            Some(g) => self.guilds.is_empty() || self.guilds.contains(&g),
            None => true,
        }
    }

    fn manager(&self, user: u64, roles: &[RoleId]) -> bool {
        self.managers.contains(&user) || roles.iter().any(|r| self.manager_roles.contains(&r.get()))
    }
}

/// Why an event gives the core nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// The bot's own message or reaction.
    Own,
    /// Another bot: answering bots invites reply loops.
    Bot,
    /// Sent by a webhook (integrations, other bots' relays).
    Webhook,
    /// A server not in `discord.guilds`.
    NotAllowed,
    /// No text: attachments, embeds or stickers only, or just the mention.
    Empty,
    /// A system message (joins, pins, boosts, thread starts).
    System,
    /// A reaction on someone else's message.
    NotOurs,
    /// An interaction or component herald does not know.
    Unknown,
}

fn chat(channel: u64, guild: Option<u64>) -> ChatRef {
    ChatRef {
        platform: PlatformKind::Discord,
        chat: channel.to_string(),
        private: guild.is_none(),
    }
}

/// A member's message in a DM, a server channel or a thread.
pub fn message(m: &Message, me: &Identity, rules: &Rules) -> Result<Inbound, Skip> {
    if m.author.id.get() == me.id {
        return Err(Skip::Own);
    }
    if m.webhook_id.is_some() {
        return Err(Skip::Webhook);
    }
    if m.author.bot {
        return Err(Skip::Bot);
    }
    if !matches!(m.kind, MessageType::Regular | MessageType::InlineReply) {
        return Err(Skip::System);
    }
    let guild = m.guild_id.map(|g| g.get());
    if !rules.allows(guild) {
        return Err(Skip::NotAllowed);
    }
    let mention = format!("<@{}>", me.id);
    let nick_mention = format!("<@!{}>", me.id);
    let mentioned = m.mentions.iter().any(|u| u.id.get() == me.id)
        || m.content.contains(&mention)
        || m.content.contains(&nick_mention);
    let replied_to_me = m
        .referenced_message
        .as_ref()
        .is_some_and(|r| r.author.id.get() == me.id);
    let text = m.content.replace(&nick_mention, " ").replace(&mention, " ");
    let text = clip(text.trim());
    if text.is_empty() {
        return Err(Skip::Empty);
    }
    let roles = m.member.as_ref().map(|p| p.roles.as_slice()).unwrap_or(&[]);
    Ok(Inbound::Message(Incoming {
        chat: chat(m.channel_id.get(), guild),
        user: m.author.id.to_string(),
        message_id: m.id.to_string(),
        text,
        addressed: guild.is_none() || mentioned || replied_to_me,
        manager: rules.manager(m.author.id.get(), roles),
        reply_to: m
            .referenced_message
            .as_ref()
            .map(|r| r.id.to_string())
            .or_else(|| {
                m.message_reference
                    .as_ref()
                    .and_then(|r| r.message_id)
                    .map(|id| id.to_string())
            }),
        chat_title: None,
        signals: MessageSignals {
            forwarded: m
                .message_reference
                .as_ref()
                .is_some_and(|r| r.kind == MessageReferenceKind::Forward),
            mentions: m.mentions.iter().filter(|u| u.id.get() != me.id).count()
                + m.mention_roles.len()
                + if m.mention_everyone {
                    MessageSignals::EVERYONE
                } else {
                    0
                },
            links: Vec::new(),
            reply_to_user: m
                .referenced_message
                .as_ref()
                .map(|r| r.author.id.to_string()),
            reply_to_text: m.referenced_message.as_ref().map(|r| r.content.clone()),
            roles: roles.iter().map(|r| r.to_string()).collect(),
            language: None,
        },
    }))
}

/// A slash command: `/name value…` as the router expects it, addressed to the bot.
pub fn command(c: &CommandInteraction, rules: &Rules) -> Result<Inbound, Skip> {
    if c.user.bot {
        return Err(Skip::Bot);
    }
    let guild = c.guild_id.map(|g| g.get());
    if !rules.allows(guild) {
        return Err(Skip::NotAllowed);
    }
    let name = c.data.name.trim();
    if name.is_empty() || name.contains(char::is_whitespace) {
        return Err(Skip::Unknown);
    }
    let mut text = format!("/{name}");
    for option in &c.data.options {
        let value = match &option.value {
            CommandDataOptionValue::String(s) => s.clone(),
            CommandDataOptionValue::Integer(i) => i.to_string(),
            CommandDataOptionValue::Number(n) => n.to_string(),
            CommandDataOptionValue::Boolean(b) => b.to_string(),
            _ => continue,
        };
        let value = value.trim();
        if !value.is_empty() {
            text.push(' ');
            text.push_str(value);
        }
    }
    let roles = c.member.as_ref().map(|m| m.roles.as_slice()).unwrap_or(&[]);
    Ok(Inbound::Message(Incoming {
        chat: chat(c.channel_id.get(), guild),
        user: c.user.id.to_string(),
        message_id: format!("{INTERACTION}{}", c.id),
        text: clip(&text),
        addressed: true,
        manager: rules.manager(c.user.id.get(), roles),
        reply_to: None,
        chat_title: None,
        signals: Default::default(),
    }))
}

/// A press of a rating button under one of the bot's answers.
pub fn component(c: &ComponentInteraction, rules: &Rules) -> Result<Inbound, Skip> {
    let guild = c.guild_id.map(|g| g.get());
    if !rules.allows(guild) {
        return Err(Skip::NotAllowed);
    }
    let positive = match c.data.custom_id.as_str() {
        RATE_UP => true,
        RATE_DOWN => false,
        _ => return Err(Skip::Unknown),
    };
    Ok(Inbound::Rating {
        chat: chat(c.channel_id.get(), guild),
        user: c.user.id.to_string(),
        message_id: c.message.id.to_string(),
        positive,
    })
}

/// A reaction added to one of the bot's messages (Discord reports one emoji at a time).
pub fn reaction(r: &Reaction, me: &Identity, rules: &Rules) -> Result<Inbound, Skip> {
    let Some(user) = r.user_id else {
        return Err(Skip::Unknown);
    };
    if user.get() == me.id {
        return Err(Skip::Own);
    }
    if r.member.as_ref().is_some_and(|m| m.user.bot) {
        return Err(Skip::Bot);
    }
    if r.message_author_id.is_some_and(|a| a.get() != me.id) {
        return Err(Skip::NotOurs);
    }
    let guild = r.guild_id.map(|g| g.get());
    if !rules.allows(guild) {
        return Err(Skip::NotAllowed);
    }
    let emoji = match &r.emoji {
        ReactionType::Unicode(s) => s.clone(),
        ReactionType::Custom { name, id, .. } => name.clone().unwrap_or_else(|| id.to_string()),
        _ => return Err(Skip::Unknown),
    };
    Ok(Inbound::Reaction {
        chat: chat(r.channel_id.get(), guild),
        user: user.to_string(),
        message_id: r.message_id.to_string(),
        reactions: vec![emoji],
    })
}

/// A member joined a server (needs the privileged guild members intent).
pub fn member_joined(m: &Member, rules: &Rules) -> Result<Inbound, Skip> {
    if m.user.bot {
        return Err(Skip::Bot);
    }
    if !rules.allows(Some(m.guild_id.get())) {
        return Err(Skip::NotAllowed);
    }
    Ok(Inbound::MemberJoined {
        chat: ChatRef {
            platform: PlatformKind::Discord,
            chat: m.guild_id.to_string(),
            private: false,
        },
        user: m.user.id.to_string(),
        language: None,
    })
}

fn clip(text: &str) -> String {
    match text.char_indices().nth(MAX_TEXT_CHARS) {
        Some((at, _)) => text[..at].to_string(),
        None => text.to_string(),
    }
}

#[cfg(test)]
mod tests;
