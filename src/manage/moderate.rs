//! The moderators' commands: `/modlog` (the audit log), `/pardon` (lift and forgive),
//! and `/warn`, `/mute <length>`, `/ban` as a reply to a member's message.

use crate::moderation::{notice, parse_minutes, AuditEntry, Moderator, Step};
use crate::text::Lang;

use super::context::{Call, Context, Done, Forward};
use super::error::CommandError;

/// What `/pardon` is for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PardonArgs {
    /// An audit entry's member (`m12`).
    Entry(u64),
    /// The member whose message the command replies to.
    Replied,
}

pub(crate) fn parse_pardon(args: &str) -> Result<PardonArgs, CommandError> {
    let a = args.trim();
    if a.is_empty() {
        return Ok(PardonArgs::Replied);
    }
    a.strip_prefix('m')
        .and_then(|n| n.parse::<u64>().ok())
        .map(PardonArgs::Entry)
        .ok_or(CommandError::Usage(
            "Usage: /pardon m<N> (an entry of /modlog), or /pardon as a reply to the member's message",
        ))
}

/// `/mute`'s length: `30`, `30m`, `2h`, `1d`; none: the configured `mute_minutes`.
pub(crate) fn parse_mute(args: &str) -> Result<Option<u64>, CommandError> {
    match args.split_whitespace().next() {
        None => Ok(None),
        Some(d) => parse_minutes(d).map(Some).ok_or(CommandError::Usage(
            "Usage: /mute [length] as a reply to the member's message; a length is like 30m, 2h or 1d",
        )),
    }
}

fn moderator(ctx: &Context) -> Result<&Moderator, CommandError> {
    ctx.moderator.as_ref().ok_or_else(|| {
        CommandError::Refused(
            "Moderation is off. Turn it on with enabled = true under [moderation] in the config."
                .into(),
        )
    })
}

fn storage(e: crate::moderation::AuditError) -> CommandError {
    CommandError::Refused(format!(
        "Sorry, the moderation log could not be read or written ({}); nothing was done.",
        crate::text::chain(&e)
    ))
}

/// One audit entry as a line.
pub(crate) fn line(e: &AuditEntry, tz: chrono_tz::Tz) -> String {
    let when = crate::clock::show(crate::clock::ms_to_utc(e.at_ms), tz);
    let mut out = format!(
        "m{} · {when} · {} {} · {} ({}) · {}",
        e.id, e.platform, e.chat, e.rule, e.reason, e.action
    );
    if e.strike > 0 {
        out.push_str(&format!(" · strike {}", e.strike));
    }
    if e.observed {
        out.push_str(" · observed, nothing done");
    }
    if e.pardoned {
        out.push_str(" · pardoned");
    }
    if let Some(f) = &e.failed {
        out.push_str(&format!(" · failed: {f}"));
    }
    if !e.excerpt.is_empty() {
        out.push_str(&format!(
            " · “{}”",
            e.excerpt.chars().take(60).collect::<String>()
        ));
    }
    out
}

pub(crate) fn modlog(ctx: &Context, n: usize) -> Result<Done, CommandError> {
    let m = moderator(ctx)?;
    let entries = m.audit().recent(n.clamp(1, 50));
    if entries.is_empty() {
        return Ok("The moderation log is empty.".to_string().into());
    }
    let mode = if m.options().observe {
        " (observe mode: nothing is done)"
    } else {
        ""
    };
    let mut text = format!("Moderation log, newest first{mode}:");
    for e in &entries {
        text.push('\n');
        text.push_str(&line(e, ctx.setup.tz));
    }
    text.push_str("\nUndo with /pardon m<N>.");
    Ok(text.into())
}

pub(crate) fn pardon(ctx: &Context, call: &Call<'_>, a: PardonArgs) -> Result<Done, CommandError> {
    let m = moderator(ctx)?;
    let (platform, member) = match a {
        PardonArgs::Entry(id) => {
            let e = m.audit().get(id).map_err(storage)?.ok_or_else(|| {
                CommandError::Refused(format!("There is no entry m{id}; /modlog lists them."))
            })?;
            (e.platform, e.member)
        }
        PardonArgs::Replied => {
            let t = call.target.ok_or(CommandError::Usage(
                "Usage: /pardon m<N> (an entry of /modlog), or /pardon as a reply to the member's message",
            ))?;
            let who = ctx.log.speaker(&t.chat, &t.user);
            (t.chat.platform.as_str().to_string(), who.member)
        }
    };
    let now = crate::clock::utc_to_ms(call.now);
    let p = m.pardon(&platform, &member, now).map_err(storage)?;
    let lifted = p.lifts.len();
    Ok(Done {
        text: format!(
            "Pardoned: {} entr{} cleared, strikes reset{}.",
            p.entries,
            if p.entries == 1 { "y" } else { "ies" },
            if lifted > 0 {
                format!(", {lifted} mute(s) or ban(s) lifted")
            } else {
                String::new()
            }
        ),
        sanctions: p.lifts,
        ..Done::default()
    })
}

/// `/warn`, `/mute`, `/ban`: the replied-to message removed, the step done, the member told.
pub(crate) fn act(ctx: &Context, call: &Call<'_>, step: Step) -> Result<Done, CommandError> {
    let m = moderator(ctx)?;
    let t = call.target.ok_or(CommandError::Usage(
        "Reply to the member's message with /warn, /mute [length] or /ban.",
    ))?;
    if t.chat.private {
        return Err(CommandError::Refused(
            "That is a private chat; moderation acts in groups.".into(),
        ));
    }
    let who = ctx.log.speaker(&t.chat, &t.user);
    let now = crate::clock::utc_to_ms(call.now);
    let text = t.text.as_deref();
    let case = m
        .manual(t, &who.member, step, text.unwrap_or_default(), now)
        .map_err(storage)?;
    let zh = text.is_some_and(|t| Lang::detect(t).is_zh());
    let forwards = notice(&ctx.prompts, &case, m.options().new_member_hours, zh)
        .filter(|_| !case.sanctions.is_empty())
        .map(|out| Forward {
            out,
            on_failure: None,
        })
        .into_iter()
        .collect();
    Ok(Done {
        text: format!(
            "Done: {} (m{}, strike {}).{}",
            case.entry.action,
            case.entry.id,
            case.entry.strike,
            if case.sanctions.is_empty() {
                " Observe mode: nothing was done."
            } else {
                ""
            }
        ),
        sanctions: case.sanctions,
        forwards,
        ..Done::default()
    })
}

/// `/mute`'s step: the given length or the configured one.
pub(crate) fn mute_step(ctx: &Context, minutes: Option<u64>) -> Step {
    Step::Mute {
        minutes: minutes
            .or_else(|| ctx.moderator.as_ref().map(|m| m.options().mute_minutes))
            .unwrap_or(10),
    }
}
