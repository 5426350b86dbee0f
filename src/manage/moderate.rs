//! The moderators' commands: `/modlog` (the audit log), `/pardon` (lift and forgive),
//! `/warn`, `/mute <length>`, `/ban` as a reply to a member's message, and `/spam` and
//! `/notspam`, which also teach the spam classifier.

use crate::moderation::{notice, parse_minutes, AuditEntry, Case, Moderator, Step};
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

/// What `/spam` and `/notspam` are for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MarkArgs {
    /// The message the command replies to.
    Replied,
    /// An audit entry's message (`m12`; `/notspam` only).
    Entry(u64),
    /// One of the community's samples (`s3`, as the dashboard numbers them): moved to
    /// the other side.
    Sample(usize),
}

const SPAM_USAGE: &str =
    "Usage: /spam as a reply to a member's message, or /spam s<N> (a sample on the dashboard)";
const NOTSPAM_USAGE: &str = "Usage: /notspam as a reply to a member's message, /notspam m<N> (an entry of /modlog), or /notspam s<N> (a sample on the dashboard)";

pub(crate) fn parse_mark(args: &str, spam: bool) -> Result<MarkArgs, CommandError> {
    let a = args.trim();
    let usage = CommandError::Usage(if spam { SPAM_USAGE } else { NOTSPAM_USAGE });
    if a.is_empty() {
        return Ok(MarkArgs::Replied);
    }
    if let Some(n) = a.strip_prefix('s') {
        return n.parse().map(MarkArgs::Sample).map_err(|_| usage);
    }
    match a.strip_prefix('m').map(str::parse::<u64>) {
        Some(Ok(id)) if !spam => Ok(MarkArgs::Entry(id)),
        _ => Err(usage),
    }
}

/// Move sample `n` (1-based, as listed) to spam or to normal.
fn move_sample(m: &Moderator, n: usize, spam: bool) -> Result<Done, CommandError> {
    let mut team = m.spam_filter().samples();
    let Some(s) = n.checked_sub(1).and_then(|i| team.get_mut(i)) else {
        return Err(CommandError::Refused(format!(
            "There is no sample s{n}; the dashboard's moderation page lists them."
        )));
    };
    let side = if spam { "spam" } else { "normal" };
    if s.spam == spam {
        return Ok(format!("s{n} is already {side}.").into());
    }
    s.spam = spam;
    m.spam_filter().replace(team).map_err(|e| {
        CommandError::Refused(format!(
            "Sorry, the samples file could not be written ({e}); nothing was changed."
        ))
    })?;
    Ok(format!("s{n} is now {side}; the classifier retrained.").into())
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
            "Pardoned: {} entr{} cleared, strikes reset{}{}.",
            p.entries,
            if p.entries == 1 { "y" } else { "ies" },
            if lifted > 0 {
                format!(", {lifted} mute(s) or ban(s) lifted")
            } else {
                String::new()
            },
            learned_text(p.learned)
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
    Ok(done_case(ctx, m, case, zh, ""))
}

/// What a manager's action did, and the member's explanation for the chat (none in
/// observe mode). `extra` follows the summary.
fn done_case(ctx: &Context, m: &Moderator, case: Case, zh: bool, extra: &str) -> Done {
    let forwards = notice(&ctx.prompts, &case, m.options().new_member_hours, zh)
        .filter(|_| !case.sanctions.is_empty())
        .map(|out| Forward {
            out,
            on_failure: None,
        })
        .into_iter()
        .collect();
    Done {
        text: format!(
            "Done: {} (m{}, strike {}).{extra}{}",
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
    }
}

fn learned_text(n: usize) -> String {
    match n {
        0 => String::new(),
        1 => ", and the spam classifier learned the message as normal".into(),
        n => format!(", and the spam classifier learned {n} messages as normal"),
    }
}

/// `/spam` as a reply: the message removed, a strike and the ladder's step, the member
/// told, and the text learned as spam (near-copies from anyone are removed from now on).
pub(crate) fn spam(ctx: &Context, call: &Call<'_>, a: MarkArgs) -> Result<Done, CommandError> {
    let m = moderator(ctx)?;
    if let MarkArgs::Sample(n) = a {
        return move_sample(m, n, true);
    }
    let t = call.target.ok_or(CommandError::Usage(SPAM_USAGE))?;
    if t.chat.private {
        return Err(CommandError::Refused(
            "That is a private chat; moderation acts in groups.".into(),
        ));
    }
    let who = ctx.log.speaker(&t.chat, &t.user);
    let now = crate::clock::utc_to_ms(call.now);
    let text = t.text.as_deref().unwrap_or_default();
    let case = m.marked_spam(t, &who.member, text, now).map_err(storage)?;
    let zh = Lang::detect(text).is_zh();
    let learned = if text.trim().is_empty() {
        " The platform did not send the message's text, so the classifier learned nothing."
    } else {
        " The spam classifier learned it: near-copies are removed from now on."
    };
    Ok(done_case(ctx, m, case, zh, learned))
}

/// `/notspam` as a reply (the message is learned as normal) or `/notspam m<N>` (the
/// entry's message learned as normal and its member pardoned).
pub(crate) fn notspam(ctx: &Context, call: &Call<'_>, a: MarkArgs) -> Result<Done, CommandError> {
    let m = moderator(ctx)?;
    let now = crate::clock::utc_to_ms(call.now);
    match a {
        MarkArgs::Sample(n) => move_sample(m, n, false),
        MarkArgs::Replied => {
            let t = call.target.ok_or(CommandError::Usage(NOTSPAM_USAGE))?;
            let text = t.text.as_deref().unwrap_or_default();
            if !m.learn(text, false, now) {
                return Err(CommandError::Refused(
                    "The platform did not send that message's text, so there is nothing to learn."
                        .into(),
                ));
            }
            Ok(
                String::from("Learned as normal: messages like it are no longer removed as spam.")
                    .into(),
            )
        }
        MarkArgs::Entry(id) => {
            let e = m.audit().get(id).map_err(storage)?.ok_or_else(|| {
                CommandError::Refused(format!("There is no entry m{id}; /modlog lists them."))
            })?;
            if e.pardoned {
                return Err(CommandError::Refused(format!(
                    "m{id} is already pardoned; its message was learned then."
                )));
            }
            let p = m.pardon(&e.platform, &e.member, now).map_err(storage)?;
            if p.learned == 0 {
                m.learn(&e.excerpt, false, now);
            }
            Ok(Done {
                text: format!(
                    "Learned m{id}'s message as normal and pardoned its author ({} entr{} cleared{}).",
                    p.entries,
                    if p.entries == 1 { "y" } else { "ies" },
                    if p.lifts.is_empty() {
                        String::new()
                    } else {
                        format!(", {} mute(s) or ban(s) lifted", p.lifts.len())
                    }
                ),
                sanctions: p.lifts,
                ..Done::default()
            })
        }
    }
}

/// `/mute`'s step: the given length or the configured one.
pub(crate) fn mute_step(ctx: &Context, minutes: Option<u64>) -> Step {
    Step::Mute {
        minutes: minutes
            .or_else(|| ctx.moderator.as_ref().map(|m| m.options().mute_minutes))
            .unwrap_or(10),
    }
}
