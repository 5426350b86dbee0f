//! The scheduler: publishes due posts exactly once per target and slot. Each send is
//! preceded by a flushed `Publishing` record; a record found in that state later means the
//! process died mid-send, and the target is reconciled instead of blindly sent again.
//! Time comes in as an argument, so tests drive it without sleeping.

use std::collections::HashMap;
use std::sync::{Arc, LazyLock};

use chrono::{DateTime, Utc};
use regex::Regex;

use herald_platform::{ChatRef, Outgoing, Platform, PlatformKind};

use super::setup::{target_ref, PostsSetup};
use super::store::{Delivery, Link, Post, PostStore, StoreError};
use crate::clock::{ms_to_utc, utc_to_ms, MINUTE_MS};
use crate::engagement::{EngagementLog, EventKind, SentInfo};

/// What one tick did, for logs, tests and the managers' reports.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct TickReport {
    /// `(post, target)` published in this tick.
    pub published: Vec<(String, String)>,
    /// Failures, skips and uncertain sends, worded for the managers.
    pub problems: Vec<String>,
}

pub struct Scheduler {
    store: PostStore,
    log: EngagementLog,
    setup: PostsSetup,
    adapters: HashMap<PlatformKind, Arc<dyn Platform>>,
}

impl Scheduler {
    pub fn new(
        store: PostStore,
        log: EngagementLog,
        setup: PostsSetup,
        adapters: &[Arc<dyn Platform>],
    ) -> Scheduler {
        Scheduler {
            store,
            log,
            setup,
            adapters: adapters.iter().map(|a| (a.kind(), a.clone())).collect(),
        }
    }

    /// Publish everything due at `now`.
    pub async fn tick(&self, now: DateTime<Utc>) -> Result<TickReport, StoreError> {
        let mut report = TickReport::default();
        let now_ms = utc_to_ms(now);
        for (due, post, slot) in self.store.due(now_ms) {
            self.run_job(due, &post, slot, now_ms, &mut report).await?;
        }
        Ok(report)
    }

    async fn run_job(
        &self,
        due: u64,
        id: &str,
        slot: u64,
        now: u64,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let post = match self.store.get(id)? {
            Some(p) if !p.cancelled && p.approved.is_some() => p,
            // Cancelled or gone: the job goes too.
            _ => return self.store.move_job(due, id, None),
        };
        let Some(schedule) = post.schedule.clone() else {
            return self.store.move_job(due, id, None);
        };
        let lateness = self.setup.max_lateness.as_millis() as u64;
        let untouched = schedule
            .targets
            .iter()
            .all(|t| self.store.delivery(id, t, slot).is_none());
        let mut skipped = 0;
        if untouched && now.saturating_sub(slot) > lateness {
            skipped = 1;
            let reason = format!(
                "missed its {} slot by {} min while herald was not running (allowed: {} min); skipped",
                self.show(slot),
                now.saturating_sub(slot) / MINUTE_MS,
                lateness / MINUTE_MS
            );
            for t in &schedule.targets {
                self.store.set_delivery(
                    id,
                    t,
                    slot,
                    &Delivery::Skipped {
                        reason: reason.clone(),
                    },
                )?;
            }
            // A recurrence reports all its missed slots in one line (below).
            if schedule.cron.is_none() {
                report.problems.push(format!("Post {id} {reason}."));
            }
        } else {
            for t in &schedule.targets {
                self.publish(&post, t, slot, now, report).await?;
            }
        }
        // Retries still to come keep the job, at the earliest retry time.
        let retry = schedule
            .targets
            .iter()
            .filter_map(|t| match self.store.delivery(id, t, slot) {
                Some(Delivery::Failed {
                    retry_at_ms: Some(at),
                    ..
                }) => Some(at),
                Some(Delivery::Publishing { .. }) => Some(now),
                _ => None,
            })
            .min();
        if let Some(at) = retry {
            return self.store.move_job(due, id, Some((at, slot)));
        }
        let next = match &schedule.cron {
            Some(expr) => self.next_slot(id, expr, slot, now, skipped, report),
            None => None,
        };
        self.store.move_job(due, id, next.map(|n| (n, n)))
    }

    /// The recurrence's next slot after `slot`; slots too far in the past are skipped
    /// (reported once, with their count).
    fn next_slot(
        &self,
        id: &str,
        expr: &str,
        slot: u64,
        now: u64,
        mut skipped: u32,
        report: &mut TickReport,
    ) -> Option<u64> {
        let cron = match super::when::Cron::parse(expr) {
            Ok(c) => c,
            Err(e) => {
                report
                    .problems
                    .push(format!("Post {id}: {e}; not repeated."));
                return None;
            }
        };
        let lateness = self.setup.max_lateness.as_millis() as u64;
        let tz = self.setup.tz;
        let mut next = cron.next_after(ms_to_utc(slot), tz)?;
        while utc_to_ms(next) + lateness < now {
            skipped += 1;
            next = cron.next_after(next, tz)?;
        }
        if skipped > 0 {
            report.problems.push(format!(
                "Post {id} ({expr}) skipped {skipped} slot(s) missed while herald was not running."
            ));
        }
        Some(utc_to_ms(next))
    }

    /// One target of one slot.
    async fn publish(
        &self,
        post: &Post,
        target: &str,
        slot: u64,
        now: u64,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let id = post.id.as_str();
        let key = idempotency_key(id, target, slot);
        let attempt = match self.store.delivery(id, target, slot) {
            None => 1,
            Some(Delivery::Failed {
                attempts,
                retry_at_ms: Some(at),
                ..
            }) if at <= now => attempts + 1,
            Some(Delivery::Publishing { attempt, .. }) => {
                // The process died mid-send. Only a platform that deduplicates can be asked
                // again safely; otherwise the post may be out already and must not go twice.
                let idempotent = self
                    .resolve(target)
                    .ok()
                    .is_some_and(|(a, _)| a.capabilities().idempotent_sends);
                if !idempotent {
                    let reason = format!(
                        "herald stopped while sending post {id} to {target}; the platform cannot tell whether it arrived, so it was not sent again — please check {target}"
                    );
                    self.store.set_delivery(
                        id,
                        target,
                        slot,
                        &Delivery::Uncertain {
                            reason: reason.clone(),
                        },
                    )?;
                    report.problems.push(reason);
                    return Ok(());
                }
                tracing::info!(post = id, target, "reconciling an interrupted send");
                attempt
            }
            Some(_) => return Ok(()),
        };
        let (adapter, chat) = match self.resolve(target) {
            Ok(found) => found,
            Err(reason) => {
                return self.fail(id, target, slot, attempt, reason, true, now, report);
            }
        };
        let Some(text) = post.approved.as_deref() else {
            return Ok(());
        };
        let text = self.track_links(id, text)?;
        self.store.set_delivery(
            id,
            target,
            slot,
            &Delivery::Publishing {
                attempt,
                key: key.clone(),
                started_ms: now,
            },
        )?;
        let out = Outgoing {
            idempotency_key: Some(key),
            ..Outgoing::text(chat.clone(), text)
        };
        match adapter.send(out).await {
            Ok(sent) => {
                self.store.set_delivery(
                    id,
                    target,
                    slot,
                    &Delivery::Published {
                        message_ids: sent.message_ids.clone(),
                        at_ms: crate::clock::now_ms().max(now),
                        attempts: attempt,
                    },
                )?;
                let info = SentInfo {
                    route: "post".into(),
                    post: Some(id.to_string()),
                    ..SentInfo::default()
                };
                if let Err(e) = self.log.remember_sent(&chat, &sent.message_ids, &info) {
                    tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
                }
                let event = EventKind::Published {
                    post: id.to_string(),
                    target: target.to_string(),
                    message_ids: sent.message_ids,
                };
                if let Err(e) = self.log.record(&self.log.speaker(&chat, "herald"), event) {
                    tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
                }
                tracing::info!(post = id, target, "post published");
                report.published.push((id.to_string(), target.to_string()));
                Ok(())
            }
            Err(e) => self.fail(id, target, slot, attempt, e.to_string(), false, now, report),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn fail(
        &self,
        id: &str,
        target: &str,
        slot: u64,
        attempt: u32,
        reason: String,
        permanent: bool,
        now: u64,
        report: &mut TickReport,
    ) -> Result<(), StoreError> {
        let last = permanent || attempt >= self.setup.send_attempts.max(1);
        let retry_at_ms = (!last).then(|| {
            let pause = self.setup.retry_base.as_millis() as u64;
            now + pause.saturating_mul(1 << (attempt - 1).min(16))
        });
        tracing::warn!(post = id, target, attempt, %reason, "post not published");
        if last {
            report.problems.push(format!(
                "Post {id} could not be published to {target} after {attempt} attempt(s): {reason}"
            ));
        }
        self.store.set_delivery(
            id,
            target,
            slot,
            &Delivery::Failed {
                attempts: attempt,
                reason,
                retry_at_ms,
            },
        )
    }

    /// The adapter and chat of a named target.
    fn resolve(&self, target: &str) -> Result<(Arc<dyn Platform>, ChatRef), String> {
        let chat = target_ref(&self.setup.targets, target)?;
        let adapter = self.adapters.get(&chat.platform).cloned().ok_or_else(|| {
            herald_platform::PlatformError::NotRunning {
                platform: chat.platform,
            }
            .to_string()
        })?;
        Ok((adapter, chat))
    }

    /// With `public_url` set, each link becomes `<public_url>/r/<token>` so clicks count.
    fn track_links(&self, post: &str, text: &str) -> Result<String, StoreError> {
        static URL: LazyLock<Regex> =
            LazyLock::new(|| Regex::new(r"https?://[^\s<>()\[\]]+").expect("valid regex"));
        let base = self.setup.public_url.trim_end_matches('/');
        if base.is_empty() {
            return Ok(text.to_string());
        }
        let mut out = String::with_capacity(text.len());
        let mut last = 0;
        for m in URL.find_iter(text) {
            let url = m.as_str().trim_end_matches(['.', ',', '!', '?', ';', ':']);
            if url.starts_with(base) {
                continue;
            }
            let token =
                blake3::hash(format!("{post}\0{url}").as_bytes()).to_hex()[..10].to_string();
            self.store.put_link(
                &token,
                &Link {
                    post: post.to_string(),
                    url: url.to_string(),
                },
            )?;
            out.push_str(&text[last..m.start()]);
            out.push_str(&format!("{base}/r/{token}"));
            last = m.start() + url.len();
        }
        out.push_str(&text[last..]);
        Ok(out)
    }

    fn show(&self, ms: u64) -> String {
        crate::clock::show(ms_to_utc(ms), self.setup.tz)
    }

    /// Tell the managers: the report target when configured, the log always.
    pub async fn report(&self, problems: &[String]) {
        for p in problems {
            tracing::warn!("{p}");
        }
        if problems.is_empty() || self.setup.report_target.is_empty() {
            return;
        }
        match self.resolve(&self.setup.report_target) {
            Ok((adapter, chat)) => {
                let text = problems.join("\n");
                if let Err(e) = adapter.send(Outgoing::text(chat, text)).await {
                    tracing::error!(error = %crate::text::chain(&e), "could not report to the managers");
                }
            }
            Err(e) => tracing::error!(error = %e, "report target unusable"),
        }
    }
}

/// The same post, target and slot always get the same key.
pub fn idempotency_key(post: &str, target: &str, slot: u64) -> String {
    blake3::hash(format!("{post}\0{target}\0{slot}").as_bytes()).to_hex()[..16].to_string()
}
