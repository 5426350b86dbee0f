//! Discord's JSON objects as the fake sends them: users, members, messages and a server's
//! roles (serenity refuses an object that lacks a field it requires).

use serde_json::{json, Value};

pub fn user(id: u64, bot: bool) -> Value {
    json!({"id": id.to_string(), "username": format!("user{id}"), "discriminator": "0",
           "global_name": null, "avatar": null, "bot": bot, "public_flags": 0})
}

pub fn member(roles: &[u64]) -> Value {
    json!({"roles": roles.iter().map(|r| r.to_string()).collect::<Vec<_>>(),
           "joined_at": "2026-01-01T00:00:00+00:00", "deaf": false, "mute": false, "flags": 0})
}

/// A message object as Discord returns and dispatches it.
pub fn message(id: u64, channel: u64, author: Value, content: &str) -> Value {
    json!({
        "id": id.to_string(), "channel_id": channel.to_string(), "author": author,
        "content": content, "timestamp": "2026-11-28T10:00:00.000000+00:00",
        "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
        "mention_roles": [], "attachments": [], "embeds": [], "pinned": false, "type": 0,
        "flags": 0, "components": []
    })
}

/// A server member with their user.
pub fn guild_member(id: u64, roles: &[u64]) -> Value {
    let mut m = member(roles);
    m["user"] = user(id, false);
    m
}

/// A server's roles: @everyone (the server's id, ordinary permissions) and `admin`, which
/// has ADMINISTRATOR (8).
pub fn guild_roles(guild: u64, admin: u64) -> Value {
    let role = |id: u64, name: &str, permissions: &str, position: u16| {
        json!({"id": id.to_string(), "name": name, "color": 0,
               "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
               "hoist": false, "icon": null, "unicode_emoji": null, "position": position,
               "permissions": permissions, "managed": false, "mentionable": false, "flags": 0})
    };
    json!([
        role(guild, "@everyone", "104324673", 0),
        role(admin, "Admins", "8", 1)
    ])
}
