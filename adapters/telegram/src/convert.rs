//! Telegram updates → herald's neutral [`Inbound`]: which chat, who, what text, and whether
//! the bot was addressed. Pure functions, so every odd update can be unit-tested from JSON.

use std::ops::Range;

use teloxide::types::{
    CallbackQuery, ChatMemberUpdated, MaybeAnonymousUser, Message, MessageEntity,
    MessageEntityKind, MessageReactionUpdated, ReactionType, Update, UpdateKind,
};

use herald_platform::{ChatRef, Inbound, Incoming, MessageSignals, PlatformKind};

/// Callback data of the rating buttons under answers.
pub const RATE_UP: &str = "herald:rate:up";
pub const RATE_DOWN: &str = "herald:rate:down";
/// Callback data of the core's own buttons starts with this (the rest is theirs).
pub const BUTTON_PREFIX: &str = "herald:b:";

/// A core button's callback data: the prefix and at most 48 bytes of its own (Telegram
/// takes 64), cut on a character boundary.
pub fn button_data(data: &str) -> String {
    let mut end = data.len().min(48);
    while !data.is_char_boundary(end) {
        end -= 1;
    }
    format!("{BUTTON_PREFIX}{}", &data[..end])
}

/// The bot itself, as `getMe` reported it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub id: u64,
    pub username: String,
}

/// What decides how an update is taken.
#[derive(Clone, Debug)]
pub struct Rules<'a> {
    pub me: &'a Identity,
    /// When not empty, updates from other chats are dropped.
    pub allowed_chats: &'a [i64],
    pub managers: &'a [u64],
}

impl Rules<'_> {
    fn allowed(&self, chat: i64) -> bool {
        self.allowed_chats.is_empty() || self.allowed_chats.contains(&chat)
    }
}

/// What one update means for herald, or `None` when it means nothing (and why, for logs).
pub fn convert(update: &Update, rules: &Rules) -> Result<Inbound, Skip> {
    match &update.kind {
        UpdateKind::Message(m) => message(m, rules).map(Inbound::Message),
        UpdateKind::CallbackQuery(q) => rating(q, rules),
        UpdateKind::MessageReaction(r) => reaction(r, rules),
        UpdateKind::ChatMember(c) => joined(c, rules),
        UpdateKind::EditedMessage(_) => Err(Skip::Edited),
        UpdateKind::ChannelPost(_) | UpdateKind::EditedChannelPost(_) => Err(Skip::Channel),
        UpdateKind::Error(_) => Err(Skip::Unknown),
        _ => Err(Skip::Kind),
    }
}

/// Why an update was not handed on. Only [`Skip::Unknown`] is worth a warning.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Skip {
    /// An update kind herald does not use.
    Kind,
    /// An update kind this teloxide version cannot read (a newer Bot API feature).
    Unknown,
    Edited,
    Channel,
    /// Sent by a bot (this one included): never answered, so bots cannot loop.
    FromBot,
    /// The chat is not in `allowed_chats`.
    NotAllowed,
    /// A sticker, photo without caption, service message…: nothing to read.
    NoText,
    /// A channel post forwarded automatically into its discussion group.
    AutomaticForward,
    /// A button press or reaction herald did not ask for.
    Foreign,
}

fn chat_ref(chat: &teloxide::types::Chat) -> ChatRef {
    ChatRef {
        platform: PlatformKind::Telegram,
        chat: chat.id.0.to_string(),
        private: chat.is_private(),
    }
}

fn message(m: &Message, rules: &Rules) -> Result<Incoming, Skip> {
    if !rules.allowed(m.chat.id.0) {
        return Err(Skip::NotAllowed);
    }
    if m.is_automatic_forward() {
        return Err(Skip::AutomaticForward);
    }
    // Anonymous group admins and channels speak as a chat; they are members all the same.
    let user = match (&m.from, &m.sender_chat) {
        (Some(u), None) if u.is_bot => return Err(Skip::FromBot),
        (_, Some(c)) => format!("chat:{}", c.id.0),
        (Some(u), None) => u.id.0.to_string(),
        (None, None) => return Err(Skip::NoText),
    };
    if m.via_bot.is_some() {
        return Err(Skip::FromBot);
    }
    let (text, entities) = match (m.text(), m.caption()) {
        (Some(t), _) => (t, m.entities().unwrap_or(&[])),
        (None, Some(c)) => (c, m.caption_entities().unwrap_or(&[])),
        (None, None) => return Err(Skip::NoText),
    };
    let private = m.chat.is_private();
    let me = rules.me;

    let mut addressed = private;
    let mut cut: Vec<Range<usize>> = Vec::new();
    let mut signals = MessageSignals {
        forwarded: m.forward_origin().is_some(),
        reply_to_user: m
            .reply_to_message()
            .and_then(|r| r.from.as_ref())
            .map(|u| u.id.0.to_string()),
        reply_to_text: m
            .reply_to_message()
            .and_then(|r| r.text().or(r.caption()))
            .map(str::to_string),
        language: m.from.as_ref().and_then(|u| u.language_code.clone()),
        ..MessageSignals::default()
    };
    for e in entities {
        match &e.kind {
            MessageEntityKind::Mention => {
                if let Some(r) = byte_range(text, e) {
                    let name = text[r.clone()].trim_start_matches('@');
                    if !me.username.is_empty() && name.eq_ignore_ascii_case(&me.username) {
                        addressed = true;
                        cut.push(r);
                    } else {
                        signals.mentions += 1;
                    }
                }
            }
            MessageEntityKind::TextMention { user } if user.id.0 == me.id => addressed = true,
            MessageEntityKind::TextMention { .. } => signals.mentions += 1,
            MessageEntityKind::TextLink { url } => signals.links.push(url.to_string()),
            MessageEntityKind::Url => {
                if let Some(r) = byte_range(text, e) {
                    signals.links.push(text[r].to_string());
                }
            }
            _ => {}
        }
    }
    let replied_to_me = m
        .reply_to_message()
        .and_then(|r| r.from.as_ref())
        .is_some_and(|u| u.id.0 == me.id);
    addressed |= replied_to_me;

    let mut clean = text.to_string();
    cut.sort_by_key(|r| std::cmp::Reverse(r.start));
    for r in cut {
        clean.replace_range(r, " ");
    }
    // Spacing is tidied within lines; line breaks stay (a manager's /teach answer may be a
    // list).
    let mut clean = clean
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join("\n");
    if let Some(rest) = clean.strip_prefix('/') {
        let head = rest.split_whitespace().next().unwrap_or("");
        match head.split_once('@') {
            // `/cmd@thisbot`: for us; the core sees a plain `/cmd`.
            Some((name, target)) if target.eq_ignore_ascii_case(&me.username) => {
                addressed = true;
                clean = format!("/{name}{}", &rest[head.len()..]);
            }
            // `/cmd@otherbot`: meant for another bot in the group.
            Some(_) => addressed = private,
            None => addressed = true,
        }
    }
    if clean.is_empty() && addressed {
        // Only the mention ("@herald"): greet, as for /start.
        clean = "/start".into();
    }
    Ok(Incoming {
        chat: chat_ref(&m.chat),
        user,
        message_id: m.id.0.to_string(),
        text: clean,
        addressed,
        manager: m
            .from
            .as_ref()
            .is_some_and(|u| rules.managers.contains(&u.id.0)),
        reply_to: m.reply_to_message().map(|r| r.id.0.to_string()),
        chat_title: (!m.chat.is_private())
            .then(|| m.chat.title().map(str::to_string))
            .flatten(),
        signals,
    })
}

/// The byte range of an entity given in UTF-16 code units, or `None` when the offsets do not
/// fall on character boundaries inside the text (teloxide's own parser panics on those).
pub fn byte_range(text: &str, e: &MessageEntity) -> Option<Range<usize>> {
    let start16 = e.offset;
    let end16 = e.offset.checked_add(e.length)?;
    let (mut start, mut end) = (None, None);
    let mut pos16 = 0usize;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), '\0')))
    {
        if pos16 == start16 {
            start = Some(i);
        }
        if pos16 == end16 {
            end = Some(i);
            break;
        }
        if pos16 > end16 {
            break;
        }
        pos16 += c.len_utf16();
    }
    match (start, end) {
        (Some(s), Some(e)) if s <= e => Some(s..e),
        _ => None,
    }
}

fn rating(q: &CallbackQuery, rules: &Rules) -> Result<Inbound, Skip> {
    let Some(msg) = &q.message else {
        return Err(Skip::Foreign);
    };
    if !rules.allowed(msg.chat().id.0) {
        return Err(Skip::NotAllowed);
    }
    if q.from.is_bot {
        return Err(Skip::FromBot);
    }
    let positive = match q.data.as_deref() {
        Some(RATE_UP) => true,
        Some(RATE_DOWN) => false,
        Some(data) if data.starts_with(BUTTON_PREFIX) => {
            return Ok(Inbound::Button {
                chat: chat_ref(msg.chat()),
                user: q.from.id.0.to_string(),
                message_id: msg.id().0.to_string(),
                data: data[BUTTON_PREFIX.len()..].to_string(),
                manager: rules.managers.contains(&q.from.id.0),
            })
        }
        _ => return Err(Skip::Foreign),
    };
    Ok(Inbound::Rating {
        chat: chat_ref(msg.chat()),
        user: q.from.id.0.to_string(),
        message_id: msg.id().0.to_string(),
        positive,
    })
}

fn reaction(r: &MessageReactionUpdated, rules: &Rules) -> Result<Inbound, Skip> {
    if !rules.allowed(r.chat.id.0) {
        return Err(Skip::NotAllowed);
    }
    let user = match &r.actor {
        MaybeAnonymousUser::User(u) if u.is_bot => return Err(Skip::FromBot),
        MaybeAnonymousUser::User(u) => u.id.0.to_string(),
        MaybeAnonymousUser::Chat(c) => format!("chat:{}", c.id.0),
    };
    let reactions = r
        .new_reaction
        .iter()
        .map(|t| match t {
            ReactionType::Emoji { emoji } => emoji.clone(),
            ReactionType::CustomEmoji { custom_emoji_id } => {
                format!("custom:{}", custom_emoji_id.0)
            }
            ReactionType::Paid => "paid".into(),
        })
        .collect();
    Ok(Inbound::Reaction {
        chat: chat_ref(&r.chat),
        user,
        message_id: r.message_id.0.to_string(),
        reactions,
    })
}

fn joined(c: &ChatMemberUpdated, rules: &Rules) -> Result<Inbound, Skip> {
    if !rules.allowed(c.chat.id.0) {
        return Err(Skip::NotAllowed);
    }
    let member = &c.new_chat_member;
    if member.user.is_bot {
        return Err(Skip::FromBot);
    }
    if c.old_chat_member.is_present() || !member.is_present() {
        return Err(Skip::Kind);
    }
    Ok(Inbound::MemberJoined {
        chat: chat_ref(&c.chat),
        user: member.user.id.0.to_string(),
        language: member.user.language_code.clone(),
    })
}

#[cfg(test)]
mod tests;
