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
