//! [`Moderator`]: the rules applied to a member's message in a group, the ladder climbed,
//! the audit written, and the platform actions it takes handed back as [`Sanction`]s for
//! the engine to carry out (the core calls no platform itself).

use std::sync::{Arc, Mutex};

use herald_platform::{ChatRef, Incoming, ModAction};

use super::audit::{AuditEntry, AuditError, AuditLog, Strikes};
use super::options::{ModerationOptions, Step};
use super::recent::Recent;
use super::rules::{check, Facts, Rule, Verdict};
use super::spam::{Judgement, SpamFilter};

const HOUR_MS: u64 = 3_600_000;
const DAY_MS: u64 = 24 * HOUR_MS;

/// An action for the engine to carry out through the chat's platform.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sanction {
    pub chat: ChatRef,
    pub user: String,
    pub action: ModAction,
}

/// What moderation decided about one member: the audit entry, the ladder's step, and the
/// actions (none when observing).
#[derive(Clone, Debug, PartialEq)]
pub struct Case {
    pub entry: AuditEntry,
    pub step: Step,
    pub sanctions: Vec<Sanction>,
    /// Rungs on the ladder (to say "warning 1 of 4").
    pub ladder: usize,
}

/// What a pardon did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Pardon {
    pub entries: usize,
    pub lifts: Vec<Sanction>,
    /// Messages the spam classifier learned as normal.
    pub learned: usize,
}

/// The rules whose removals a pardon teaches the classifier about (what they judged was
/// the words; a flood or a mass mention is not about the words).
const LEARNS_FROM_PARDON: &[&str] = &["spam", "words", "suspect", "classifier", "new_member_link"];

/// Moderation for every chat it covers. Cheap to clone.
#[derive(Clone)]
pub struct Moderator {
    opts: Arc<ModerationOptions>,
    recent: Arc<Mutex<Recent>>,
    audit: AuditLog,
    spam: SpamFilter,
}

impl Moderator {
    pub fn new(opts: ModerationOptions, audit: AuditLog) -> Moderator {
        Moderator {
            opts: Arc::new(opts),
            recent: Arc::new(Mutex::new(Recent::default())),
            audit,
            spam: SpamFilter::builtin(),
        }
    }

    /// Use `filter` (trained with the community's samples) as the spam classifier.
    pub fn with_spam_filter(mut self, filter: SpamFilter) -> Moderator {
        self.spam = filter;
        self
    }

    /// The trained spam classifier (what `/spam` and `/notspam` teach).
    pub fn spam_filter(&self) -> &SpamFilter {
        &self.spam
    }

    pub fn options(&self) -> &ModerationOptions {
        &self.opts
    }

    pub fn audit(&self) -> &AuditLog {
        &self.audit
    }

    /// Group chats only, and only those listed when a list is given.
    pub fn covers(&self, chat: &ChatRef) -> bool {
        !chat.private
            && (self.opts.chats.is_empty()
                || self
                    .opts
                    .chats
                    .iter()
                    .any(|c| *c == format!("{}:{}", chat.platform, chat.chat)))
    }

    /// Managers, trusted ids and trusted roles are never moderated. (Platform
    /// administrators are asked of the platform by the engine, only when a rule fires.)
    pub fn exempt(&self, msg: &Incoming) -> bool {
        msg.manager
            || self
                .opts
                .trusted
                .iter()
                .any(|t| *t == format!("{}:{}", msg.chat.platform, msg.user))
            || msg
                .signals
                .roles
                .iter()
                .any(|r| self.opts.trusted_roles.contains(r))
    }

    /// A member joined: their links and forwards are held for `new_member_hours`.
    pub fn joined(&self, chat: &ChatRef, member: &str, now_ms: u64) {
        if let Err(e) = self.audit.joined(chat.platform.as_str(), member, now_ms) {
            tracing::error!(error = %crate::text::chain(&e), "moderation: could not keep a join");
        }
    }

    /// Judge a message by `member` (their pseudonym). Flood and repeats are counted here,
    /// so call it once per message, in order.
    /// `also_allowed`: domains anyone may link to besides the configured ones.
    pub fn screen(
        &self,
        msg: &Incoming,
        member: &str,
        now_ms: u64,
        also_allowed: &[String],
    ) -> Option<Verdict> {
        if !self.covers(&msg.chat) || self.exempt(msg) {
            return None;
        }
        let o = &self.opts;
        let platform = msg.chat.platform.as_str();
        let (flood, repeat) = {
            let mut recent = self.recent.lock().unwrap_or_else(|e| e.into_inner());
            let flood = recent.flood(
                &format!("{platform}:{}:{member}", msg.chat.chat),
                now_ms,
                o.flood_seconds * 1000,
                o.flood_messages,
            );
            let repeat = recent.repeat(
                &format!("{platform}:{member}"),
                &msg.chat.chat,
                &msg.text,
                now_ms,
                o.repeat_minutes * 60_000,
                o.repeat_limit,
            );
            (flood, repeat)
        };
        let new_member = self
            .audit
            .joined_at(platform, member)
            .is_some_and(|at| now_ms.saturating_sub(at) < o.new_member_hours * HOUR_MS);
        let facts = Facts {
            text: &msg.text,
            links: &msg.signals.links,
            forwarded: msg.signals.forwarded,
            mentions: msg.signals.mentions,
            new_member,
            also_allowed,
        };
        // The team's own marks come first: a near-copy of a message they called normal is
        // not removed by a rule's or the model's guess (flood still applies).
        let judged = o.spam_model.then(|| self.spam.judge(&msg.text));
        let marked_normal = matches!(judged, Some(Judgement::LikeMarkedNormal(_)));
        if !marked_normal {
            if let Some(v) = check(o, &facts) {
                return Some(v);
            }
        }
        if let Some(j) = judged.filter(|j| j.is_spam(o.spam_threshold_for(&msg.text))) {
            return Some(Verdict {
                rule: Rule::Spam,
                reason: j.reason(),
                at_least: None,
            });
        }
        if let Some(n) = flood {
            return Some(Verdict {
                rule: Rule::Flood,
                reason: format!("{n} messages in {} s", o.flood_seconds),
                at_least: Some(Step::Mute {
                    minutes: o.mute_minutes,
                }),
            });
        }
        repeat.map(|(times, chats)| Verdict {
            rule: Rule::Repeat,
            reason: if chats > 1 {
                format!("the same text in {chats} chats")
            } else {
                format!("the same text {times} times")
            },
            at_least: None,
        })
    }

    /// Worth asking the model classifier about: it is on, the message is judged here at
    /// all, and it carries a link or at least one weak signal.
    pub fn worth_asking(&self, msg: &Incoming) -> bool {
        let o = &self.opts;
        o.classifier
            && self.covers(&msg.chat)
            && !self.exempt(msg)
            && (!super::rules::link_hosts(&msg.text, &msg.signals.links).is_empty()
                || !o.suspect.hits(&super::words::fold(&msg.text)).is_empty())
    }

    /// Climb the ladder for `verdict`: one more strike (forgotten after a quiet period),
    /// the message removed and the step's action, written to the audit first.
    pub fn sanction(
        &self,
        msg: &Incoming,
        member: &str,
        verdict: &Verdict,
        now_ms: u64,
    ) -> Result<Case, AuditError> {
        let strike = self.strike(msg.chat.platform.as_str(), member, now_ms)?;
        let mut step = self.step(strike);
        if let Some(least) = verdict.at_least {
            step = step.max(least);
        }
        let target = Target {
            chat: msg.chat.clone(),
            user: msg.user.clone(),
            message_id: Some(msg.message_id.clone()),
            text: None,
        };
        self.record(
            &target,
            member,
            verdict.rule.key(),
            &verdict.reason,
            &msg.text,
            step,
            strike,
            now_ms,
        )
    }

    /// A manager's own `/warn`, `/mute` or `/ban` on a member's message: one strike, the
    /// message removed, `step` done.
    pub fn manual(
        &self,
        target: &Target,
        member: &str,
        step: Step,
        text: &str,
        now_ms: u64,
    ) -> Result<Case, AuditError> {
        let strike = self.strike(target.chat.platform.as_str(), member, now_ms)?;
        self.record(
            target,
            member,
            "manager",
            "a manager's decision",
            text,
            step,
            strike,
            now_ms,
        )
    }

    /// A manager marked a member's message as spam with `/spam`: learned at once (so its
    /// near-copies are removed from now on), one strike, and the ladder's step.
    pub fn marked_spam(
        &self,
        target: &Target,
        member: &str,
        text: &str,
        now_ms: u64,
    ) -> Result<Case, AuditError> {
        self.learn(text, true, now_ms);
        let strike = self.strike(target.chat.platform.as_str(), member, now_ms)?;
        let step = self.step(strike);
        self.record(
            target,
            member,
            Rule::Spam.key(),
            "marked by a manager",
            text,
            step,
            strike,
            now_ms,
        )
    }

    /// Teach the spam classifier that `text` is (or is not) spam; false when there is no
    /// text to learn.
    pub fn learn(&self, text: &str, spam: bool, now_ms: u64) -> bool {
        self.learn_all(&[(text, spam)], now_ms) > 0
    }

    /// Teach several marks with one retraining; how many had text. A samples file that
    /// cannot be written is logged; the model still learns them until the next start.
    fn learn_all(&self, marks: &[(&str, bool)], now_ms: u64) -> usize {
        let marks: Vec<(&str, bool)> = marks
            .iter()
            .copied()
            .filter(|(t, _)| !t.trim().is_empty())
            .collect();
        if marks.is_empty() {
            return 0;
        }
        if let Err(e) = self.spam.learn_all(&marks, now_ms) {
            tracing::error!(error = %e, "moderation: could not keep a sample; learned until restart");
        }
        marks.len()
    }

    /// Lift what can be lifted for `member` on `platform` (mutes not over, bans), mark their
    /// entries pardoned and clear their strikes.
    pub fn pardon(&self, platform: &str, member: &str, now_ms: u64) -> Result<Pardon, AuditError> {
        let mut out = Pardon::default();
        let mut normal: Vec<String> = Vec::new();
        for mut e in self.audit.of_member(member) {
            if e.platform != platform || e.pardoned {
                continue;
            }
            if e.liftable(now_ms) {
                if let (Some(chat), Some(user)) = (e.chat_ref(), e.user.clone()) {
                    let action = if e.banned {
                        ModAction::Unban
                    } else {
                        ModAction::Unmute
                    };
                    out.lifts.push(Sanction { chat, user, action });
                }
            }
            // What a rule or the classifier took for spam, a manager called fine: the
            // classifier learns it as normal, so it is not removed again.
            if LEARNS_FROM_PARDON.contains(&e.rule.as_str()) {
                normal.push(e.excerpt.clone());
            }
            e.pardoned = true;
            e.user = None;
            self.audit.put(&e)?;
            out.entries += 1;
        }
        self.audit
            .set_strikes(platform, member, Strikes::default())?;
        let marks: Vec<(&str, bool)> = normal.iter().map(|t| (t.as_str(), false)).collect();
        out.learned = self.learn_all(&marks, now_ms);
        Ok(out)
    }

    fn strike(&self, platform: &str, member: &str, now_ms: u64) -> Result<u32, AuditError> {
        let mut s = self.audit.strikes(platform, member)?;
        if now_ms.saturating_sub(s.last_ms) > self.opts.reset_after_days * DAY_MS {
            s.count = 0;
        }
        s.count += 1;
        s.last_ms = now_ms;
        self.audit.set_strikes(platform, member, s)?;
        Ok(s.count)
    }

    fn step(&self, strike: u32) -> Step {
        let ladder = &self.opts.ladder;
        let i = (strike.max(1) as usize - 1).min(ladder.len().saturating_sub(1));
        ladder.get(i).copied().unwrap_or(Step::Warn)
    }

    #[allow(clippy::too_many_arguments)]
    fn record(
        &self,
        target: &Target,
        member: &str,
        rule: &str,
        reason: &str,
        text: &str,
        step: Step,
        strike: u32,
        now_ms: u64,
    ) -> Result<Case, AuditError> {
        let observed = self.opts.observe;
        let mut sanctions = Vec::new();
        let mut done = Vec::new();
        if let Some(id) = &target.message_id {
            done.push("delete".to_string());
            sanctions.push(ModAction::Delete {
                message_id: id.clone(),
            });
        }
        let until_ms = match step {
            Step::Mute { minutes } => Some(now_ms + minutes * 60_000),
            _ => None,
        };
        done.push(step.to_string());
        match step {
            Step::Warn => {}
            Step::Mute { .. } => sanctions.push(ModAction::Mute {
                until_ms: until_ms.unwrap_or(now_ms),
            }),
            Step::Ban => sanctions.push(ModAction::Ban),
        }
        let keeps_user = !observed && step != Step::Warn;
        let excerpt: String = crate::text::scrub(text).chars().take(120).collect();
        let entry = self.audit.add(AuditEntry {
            id: 0,
            at_ms: now_ms,
            platform: target.chat.platform.as_str().to_string(),
            chat: target.chat.chat.clone(),
            member: member.to_string(),
            rule: rule.to_string(),
            reason: reason.to_string(),
            action: done.join(" + "),
            observed,
            strike,
            excerpt,
            user: keeps_user.then(|| target.user.clone()),
            until_ms,
            banned: step == Step::Ban && !observed,
            pardoned: false,
            failed: None,
        })?;
        let sanctions = if observed {
            Vec::new()
        } else {
            sanctions
                .into_iter()
                .map(|action| Sanction {
                    chat: target.chat.clone(),
                    user: target.user.clone(),
                    action,
                })
                .collect()
        };
        Ok(Case {
            entry,
            step,
            sanctions,
            ladder: self.opts.ladder.len(),
        })
    }

    /// Note on an entry what the platform refused.
    pub fn failed(&self, id: u64, reason: &str) {
        let result = self.audit.get(id).and_then(|e| match e {
            Some(mut e) => {
                e.failed = Some(reason.to_string());
                self.audit.put(&e)
            }
            None => Ok(()),
        });
        if let Err(e) = result {
            tracing::error!(error = %crate::text::chain(&e), "moderation: could not note a failure");
        }
    }
}

/// Whom a manager's action is for: the member and, when known, their message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub chat: ChatRef,
    pub user: String,
    pub message_id: Option<String>,
    /// The message's text, when the platform sent it along.
    pub text: Option<String>,
}

impl Target {
    /// The member `msg` replies to, when the platform said who wrote that message.
    pub fn replied_to(msg: &Incoming) -> Option<Target> {
        Some(Target {
            chat: msg.chat.clone(),
            user: msg.signals.reply_to_user.clone()?,
            message_id: msg.reply_to.clone(),
            text: msg.signals.reply_to_text.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
