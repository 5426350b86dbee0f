//! Group and channel names, as the platforms send them with messages, so a report can say
//! "telegram Lantern Regulars" instead of "telegram -1001234567890". Only shared chats are
//! named: a private chat's "title" is the member's own name.

use herald_platform::ChatRef;

use super::log::EngagementLog;
use super::EngagementError;

impl EngagementLog {
    /// Keep `title` as the name of `chat` (a shared chat); written only when it changed.
    pub fn remember_chat_name(&self, chat: &ChatRef, title: &str) -> Result<(), EngagementError> {
        let title = title.trim();
        if chat.private || title.is_empty() {
            return Ok(());
        }
        let key = format!("{}:{}", chat.platform, chat.chat);
        if self.names.get(&key)?.as_deref() != Some(title.as_bytes()) {
            self.names.insert(key, title.as_bytes())?;
        }
        Ok(())
    }

    /// The name last seen for a chat as logged (`platform`, `chat`), if any.
    pub fn chat_name(&self, platform: &str, chat: &str) -> Option<String> {
        let raw = self.names.get(format!("{platform}:{chat}")).ok()??;
        String::from_utf8(raw.to_vec()).ok()
    }
}

#[cfg(test)]
mod tests {
    use herald_platform::PlatformKind;

    use super::*;

    #[test]
    fn shared_chats_are_named_and_private_ones_never() {
        let dir = tempfile::tempdir().expect("temp dir");
        let db = sled::open(dir.path()).expect("db");
        let log = EngagementLog::open(&db, "k").expect("log");
        let chat = |id: &str, private| ChatRef {
            platform: PlatformKind::Telegram,
            chat: id.into(),
            private,
        };
        log.remember_chat_name(&chat("-100", false), " Lantern Regulars ")
            .expect("kept");
        log.remember_chat_name(&chat("42", true), "Ann Smith")
            .expect("skipped");
        assert_eq!(
            log.chat_name("telegram", "-100").as_deref(),
            Some("Lantern Regulars")
        );
        assert_eq!(log.chat_name("telegram", "42"), None);
        log.remember_chat_name(&chat("-100", false), "Lantern Hill Regulars")
            .expect("renamed");
        assert_eq!(
            log.chat_name("telegram", "-100").as_deref(),
            Some("Lantern Hill Regulars")
        );
    }
}
