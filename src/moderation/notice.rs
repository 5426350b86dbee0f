//! What a member is told about a [`Case`], in their language, from the prompts
//! (`moderated` and the `mod_<rule>` lines), with a mention so they see it.

use minijinja::context;

use herald_platform::{Mention, Outgoing};

use crate::dialogue::Prompts;

use super::moderator::Case;
use super::options::{minutes_text, Step};

/// The explanation for the member, to post in the chat it happened in.
pub fn notice(prompts: &Prompts, case: &Case, new_member_hours: u64, zh: bool) -> Option<Outgoing> {
    let e = &case.entry;
    let chat = e.chat_ref()?;
    let why = prompts.reply(
        &format!("mod_{}", e.rule),
        zh,
        context! { detail => e.reason.clone(), hours => new_member_hours },
    );
    let (step, length) = match case.step {
        Step::Warn => ("warn", String::new()),
        Step::Mute { minutes } => ("mute", length(minutes, zh)),
        Step::Ban => ("ban", String::new()),
    };
    let text = prompts.reply(
        "moderated",
        zh,
        context! { why, step, length, strike => e.strike, ladder => case.ladder },
    );
    let user = case.sanctions.first().map(|s| s.user.clone())?;
    Some(Outgoing {
        mention: Some(Mention {
            platform: chat.platform,
            user,
            label: if zh { "成员" } else { "member" }.into(),
        }),
        ..Outgoing::text(chat, text)
    })
}

/// A mute's length as the member reads it.
fn length(minutes: u64, zh: bool) -> String {
    if !zh {
        return minutes_text(minutes);
    }
    if minutes >= 1440 && minutes.is_multiple_of(1440) {
        format!("{} 天", minutes / 1440)
    } else if minutes >= 60 && minutes.is_multiple_of(60) {
        format!("{} 小时", minutes / 60)
    } else {
        format!("{minutes} 分钟")
    }
}

#[cfg(test)]
mod tests {
    use herald_platform::{ChatRef, ModAction, PlatformKind};

    use super::*;
    use crate::moderation::{AuditEntry, Sanction};

    fn case(rule: &str, reason: &str, step: Step, strike: u32) -> Case {
        let chat = ChatRef {
            platform: PlatformKind::Telegram,
            chat: "-100".into(),
            private: false,
        };
        Case {
            entry: AuditEntry {
                id: 1,
                at_ms: 0,
                platform: "telegram".into(),
                chat: "-100".into(),
                member: "m".into(),
                rule: rule.into(),
                reason: reason.into(),
                action: String::new(),
                observed: false,
                strike,
                excerpt: String::new(),
                user: None,
                until_ms: None,
                banned: false,
                pardoned: false,
                failed: None,
            },
            step,
            sanctions: vec![Sanction {
                chat,
                user: "42".into(),
                action: ModAction::Delete {
                    message_id: "7".into(),
                },
            }],
            ladder: 4,
        }
    }

    #[test]
    fn members_read_why_and_what_happens_next_in_their_language() {
        let prompts = Prompts::load(std::path::Path::new("prompts")).expect("prompts");
        let say = |c: &Case, zh: bool| notice(&prompts, c, 24, zh).expect("a notice").text;
        assert_eq!(
            say(&case("new_member_link", "spam.xyz", Step::Warn, 1), false),
            "Your message was removed: new members cannot post links in their first 24 hours (spam.xyz). This is warning 1 of 4. If this was a mistake, a manager can undo it."
        );
        assert_eq!(
            say(
                &case(
                    "flood",
                    "6 messages in 10 s",
                    Step::Mute { minutes: 1440 },
                    3
                ),
                true
            ),
            "你的消息已被删除：短时间内发言太多。你可以在 1 天后再发言。如有误会，管理员可以撤销。"
        );
        assert_eq!(
            say(&case("words", "加微信", Step::Ban, 4), true),
            "你的消息已被删除：包含本群不允许的内容“加微信”。你已被移出本群。如有误会，管理员可以撤销。"
        );
        let observed = Case {
            sanctions: Vec::new(),
            ..case("abuse", "idiot", Step::Warn, 1)
        };
        assert!(
            notice(&prompts, &observed, 24, false).is_none(),
            "observe mode tells nobody"
        );
    }
}
