//! The manager commands: `/draft`, `/edit`, `/approve`, `/schedule`, `/queue`, `/cancel`,
//! `/posted`. Each takes its arguments as typed and returns the reply text; nothing is
//! stored unless the whole command is valid.

use chrono::{DateTime, Utc};

use crate::dialogue::Prompts;
use crate::engagement::EngagementLog;
use crate::knowledge::Graph;
use crate::llm::LlmBackend;
use crate::router::ManagerCommand;

use super::draft::{self, facts_for, DraftInput};
use super::judge::{Example, Features, Judge};
use super::scheduler::ms_to_utc;
use super::store::{Delivery, Post, PostStore, Schedule};
use super::when::{parse_when, show, When};
use super::{max_len, target_ref, PostsError, PostsSetup};

/// Posts as the bot sees them: the store and the checked `[posts]` section.
pub struct Posts {
    store: PostStore,
    setup: PostsSetup,
}

/// What a command may need besides its text.
pub struct CommandContext<'a> {
    pub llm: &'a dyn LlmBackend,
    pub prompts: &'a Prompts,
    pub graph: &'a Graph,
    pub log: &'a EngagementLog,
    pub bot_name: &'a str,
    /// The manager's pseudonym.
    pub author: String,
    pub now: DateTime<Utc>,
}

const NO_POST: &str = "/queue lists scheduled posts, /posted published ones";

impl Posts {
    pub fn open(db: &sled::Db, config: &crate::config::PostsConfig) -> Result<Posts, PostsError> {
        Ok(Posts {
            store: PostStore::open(db)?,
            setup: PostsSetup::from_config(config)?,
        })
    }

    pub fn store(&self) -> &PostStore {
        &self.store
    }

    pub fn setup(&self) -> &PostsSetup {
        &self.setup
    }

    pub async fn handle(&self, cmd: &ManagerCommand, ctx: &CommandContext<'_>) -> String {
        let result = match cmd {
            ManagerCommand::Draft(brief) => self.draft(brief, ctx).await,
            ManagerCommand::Edit(args) => self.edit(args, ctx),
            ManagerCommand::Approve(args) => self.approve(args),
            ManagerCommand::Schedule(args) => self.schedule(args, ctx.now),
            ManagerCommand::Queue => Ok(self.queue()),
            ManagerCommand::Cancel(id) => self.cancel(id),
            ManagerCommand::Posted(n) => Ok(self.posted(n, ctx)),
            ManagerCommand::Gaps(period) => period_days(period).and_then(|days| {
                let since =
                    (ctx.now.timestamp_millis().max(0) as u64).saturating_sub(days * 86_400_000);
                let rows = ctx.log.gaps_since(since).map_err(|e| {
                    tracing::error!(error = %e, "gaps: rows not read");
                    "Sorry, the data folder could not be read.".to_string()
                })?;
                let groups = crate::analytics::gap_groups_of(rows);
                Ok(format!(
                    "Last {days} days. {}",
                    crate::analytics::gaps::render(&groups, 10)
                ))
            }),
            ManagerCommand::Report(period) => self.report(period, ctx).map(|(text, _)| text),
            ManagerCommand::BestTime => match ctx.log.rollup(0, 0) {
                Ok(r) => {
                    let stats = crate::analytics::best_times_of(&r.published(), self.setup.tz, 2);
                    Ok(crate::analytics::besttime::render(&stats, self.setup.tz, 5))
                }
                Err(e) => {
                    tracing::error!(error = %e, "besttime: rollups not read");
                    Err("Sorry, the data folder could not be read.".into())
                }
            },
        };
        result.unwrap_or_else(|e| e)
    }

    /// `/report`: the text and its charts.
    pub fn report(
        &self,
        period: &str,
        ctx: &CommandContext<'_>,
    ) -> Result<(String, Vec<herald_platform::Image>), String> {
        let days = period_days(period)?;
        let now = ctx.now.timestamp_millis().max(0) as u64;
        self.full_report(ctx.log, ctx.graph, now, days)
            .map(|r| (r.text, r.charts))
    }

    /// The report of the `days` days before today from the rollups, in words (with what
    /// kinds of posts work) and charts (activity with forecast, engagement by hour).
    pub fn full_report(
        &self,
        log: &EngagementLog,
        graph: &Graph,
        now_ms: u64,
        days: u64,
    ) -> Result<FullReport, String> {
        use crate::analytics::{best_times_of, build_report_from, charts, clusters, report};
        let tz = self.setup.tz;
        let (from, to) = report::span(now_ms, days, tz);
        let rollup = log.rollup(from, to).map_err(|e| {
            tracing::error!(error = %e, "report: rollups not read");
            "Sorry, the report could not be made: the data folder could not be read.".to_string()
        })?;
        let r = build_report_from(&rollup, now_ms, days, tz);
        let mut text = report::render(&r, tz);
        if let Some(c) = clusters::cluster(&self.examples(log, graph)) {
            text.push_str(&format!("\n\n{}", clusters::render(&c)));
        }
        let mut images = Vec::new();
        let activity = charts::activity(
            &r.daily_messages,
            r.forecast.as_ref(),
            &format!("Member messages per day, last {days} days, and the next 14"),
        );
        let hours = charts::hours(
            &best_times_of(&rollup.published(), tz, 1),
            "Engagement per post by hour of day",
        );
        for (name, caption, png) in [
            (
                "activity.png",
                "Messages per day and the 14-day forecast",
                activity,
            ),
            ("hours.png", "Engagement per post by hour of day", hours),
        ] {
            match png {
                Ok(png) => images.push(herald_platform::Image {
                    name: name.into(),
                    png,
                    caption: caption.into(),
                }),
                Err(e) => tracing::error!(error = %e, "report chart not drawn"),
            }
        }
        Ok(FullReport {
            report: r,
            text,
            charts: images,
        })
    }

    /// Measured posts, oldest first: features at the time they went out, and engagement.
    pub fn examples(&self, log: &EngagementLog, graph: &Graph) -> Vec<Example> {
        let engagement = engagement_of(log);
        let mut out: Vec<(u64, Example)> = Vec::new();
        for post in self.store.all() {
            let Some(text) = &post.approved else { continue };
            let Some(at) = self.published_at(&post.id) else {
                continue;
            };
            let entities = facts_for(graph, text).linked.len();
            let total = engagement.get(&post.id).map_or(0, |e| e.total());
            out.push((
                at,
                Example {
                    features: Features::of(text, entities, ms_to_utc(at), self.setup.tz),
                    engagement: total as f64,
                },
            ));
        }
        out.sort_by_key(|(at, _)| *at);
        out.into_iter().map(|(_, e)| e).collect()
    }

    /// The judge trained on this community's measured posts (the prior below the minimum).
    pub fn judge(&self, log: &EngagementLog, graph: &Graph) -> Judge {
        Judge::train(&self.examples(log, graph), self.setup.min_training_posts)
    }

    fn published_at(&self, id: &str) -> Option<u64> {
        self.store
            .deliveries(id)
            .into_iter()
            .filter_map(|(_, _, d)| match d {
                Delivery::Published { at_ms, .. } => Some(at_ms),
                _ => None,
            })
            .min()
    }

    fn find(&self, id: &str) -> Result<Post, String> {
        let id = id.trim();
        if id.is_empty() {
            return Err(format!("Which post? Give its id, e.g. p1 ({NO_POST})."));
        }
        match self.store.get(id) {
            Ok(Some(p)) => Ok(p),
            Ok(None) => Err(format!("There is no post {id} ({NO_POST}).")),
            Err(e) => Err(format!("Could not read the posts: {e}")),
        }
    }

    fn save(&self, post: &Post) -> Result<(), String> {
        self.store
            .put(post)
            .and_then(|_| self.store.flush())
            .map_err(|e| format!("Could not save post {}: {e}", post.id))
    }

    /// A post with a pending schedule cannot change under the scheduler's feet.
    fn pending(&self, post: &Post) -> Option<String> {
        let queued = self.store.jobs().iter().any(|(_, p, _)| *p == post.id);
        (queued && !post.cancelled).then(|| {
            format!(
                "Post {id} is scheduled; /cancel {id} first, then change and schedule it again.",
                id = post.id
            )
        })
    }

    async fn draft(&self, brief: &str, ctx: &CommandContext<'_>) -> Result<String, String> {
        let brief = brief.trim();
        if brief.is_empty() {
            return Err("Usage: /draft <brief>, e.g. /draft announce the latte art workshop, friendly, with a question at the end".into());
        }
        let judge = self.judge(ctx.log, ctx.graph);
        let variants = draft::draft(DraftInput {
            llm: ctx.llm,
            prompts: ctx.prompts,
            graph: ctx.graph,
            judge: &judge,
            bot_name: ctx.bot_name,
            brief,
            variants: self.setup.variants,
        })
        .await;
        if variants.is_empty() {
            return Err("I could not write a draft just now (the model failed and the brief names nothing I know). Try again, or write it yourself with /draft and /edit.".into());
        }
        let id = self
            .store
            .next_id()
            .map_err(|e| format!("Could not save the draft: {e}"))?;
        let post = Post {
            id: id.clone(),
            brief: brief.to_string(),
            variants,
            edit: None,
            approved: None,
            author: ctx.author.clone(),
            created_ms: ctx.now.timestamp_millis().max(0) as u64,
            schedule: None,
            cancelled: false,
        };
        self.save(&post)?;
        let mut out = format!(
            "Draft {id}: {} variant(s), best first. {}\n",
            post.variants.len(),
            judge_line(&judge, self.setup.min_training_posts)
        );
        for (i, v) in post.variants.iter().enumerate() {
            out.push_str(&variant_block(i + 1, v));
        }
        out.push_str(&format!(
            "\nApprove with /approve {id} [variant], or write your own with /edit {id} <text>."
        ));
        Ok(out)
    }

    fn edit(&self, args: &str, ctx: &CommandContext<'_>) -> Result<String, String> {
        let (id, text) = split_first(args);
        let text = text.trim();
        if id.is_empty() || text.is_empty() {
            return Err("Usage: /edit <id> <text>".into());
        }
        let mut post = self.find(id)?;
        if let Some(e) = self.pending(&post) {
            return Err(e);
        }
        let judge = self.judge(ctx.log, ctx.graph);
        let v = draft::score(ctx.graph, &judge, text, &post.brief, true);
        let mut out = format!(
            "Edited {}: predicted engagement {:.1}, best at {:02}:00.",
            post.id, v.score, v.best_hour
        );
        if !v.warnings.is_empty() {
            out.push_str(&format!(
                "\n⚠ Not supported by the knowledge: {}. Check before approving.",
                v.warnings.join("; ")
            ));
        }
        out.push_str(&format!("\nApprove it with /approve {}.", post.id));
        post.edit = Some(v);
        post.approved = None;
        self.save(&post)?;
        Ok(out)
    }

    fn approve(&self, args: &str) -> Result<String, String> {
        let (id, rest) = split_first(args);
        let mut post = self.find(id)?;
        if let Some(e) = self.pending(&post) {
            return Err(e);
        }
        let rest = rest.trim();
        let chosen = if rest.is_empty() {
            match &post.edit {
                Some(v) => v.clone(),
                None => post
                    .variants
                    .first()
                    .cloned()
                    .ok_or_else(|| format!("Post {id} has no text; /edit {id} <text> first."))?,
            }
        } else {
            let n: usize = rest.parse().map_err(|_| {
                format!(
                    "\"{rest}\" is not a variant number; use 1 to {}.",
                    post.variants.len()
                )
            })?;
            post.variants
                .get(n.wrapping_sub(1))
                .cloned()
                .ok_or_else(|| format!("Post {id} has variants 1 to {}.", post.variants.len()))?
        };
        if !chosen.edited && !chosen.warnings.is_empty() {
            return Err(format!(
                "That variant claims what the knowledge does not support ({}). Pick another or write your own with /edit {} <text>.",
                chosen.warnings.join("; "),
                post.id
            ));
        }
        post.approved = Some(chosen.text.clone());
        self.save(&post)?;
        Ok(format!(
            "Approved {}:\n{}\nSchedule it with /schedule {} <when> [targets] (targets: {}).",
            post.id,
            chosen.text,
            post.id,
            self.target_names()
        ))
    }

    fn target_names(&self) -> String {
        if self.setup.targets.is_empty() {
            "none configured".into()
        } else {
            self.setup
                .targets
                .keys()
                .cloned()
                .collect::<Vec<_>>()
                .join(", ")
        }
    }

    fn schedule(&self, args: &str, now: DateTime<Utc>) -> Result<String, String> {
        let (id, rest) = split_first(args);
        if id.is_empty() || rest.trim().is_empty() {
            return Err(
                "Usage: /schedule <id> <when> [targets], e.g. /schedule p1 tomorrow 9:00 news"
                    .into(),
            );
        }
        let mut post = self.find(id)?;
        let id = post.id.clone();
        if post.cancelled {
            return Err(format!(
                "Post {id} was cancelled; draft it again with /draft."
            ));
        }
        if let Some(e) = self.pending(&post) {
            return Err(e);
        }
        let Some(text) = post.approved.clone() else {
            return Err(format!("Approve post {id} first: /approve {id} [variant]."));
        };
        let (when, targets) = self.split_when(rest.trim(), now)?;
        if self.setup.targets.is_empty() {
            return Err("No targets are configured: add [posts.targets.<name>] with platform and chat to the config.".into());
        }
        let targets = if targets.is_empty() {
            self.setup
                .targets
                .keys()
                .filter(|t| **t != self.setup.report_target)
                .cloned()
                .collect()
        } else {
            targets
        };
        for t in &targets {
            let chat = target_ref(&self.setup.targets, t)
                .map_err(|e| format!("{e} (known: {}).", self.target_names()))?;
            let limit = max_len(chat.platform);
            let len = herald_platform::utf16_len(&text);
            if len > limit {
                return Err(format!(
                    "Post {id} is {len} characters; {} takes at most {limit} per message (target {t}). Shorten it with /edit {id} <text>.",
                    chat.platform
                ));
            }
        }
        let tz = self.setup.tz;
        let (first, cron) = match &when {
            When::Once(at) => (*at, None),
            When::Every(c) => (
                c.next_after(now, tz)
                    .ok_or_else(|| format!("\"{}\" never fires.", c.expr))?,
                Some(c.expr.clone()),
            ),
        };
        if let Some(q) = &self.setup.quiet {
            if q.contains(first, tz) {
                let next = q.next_allowed(first, tz);
                return Err(format!(
                    "{} is inside quiet hours ({q}); the next allowed time is {}: /schedule {id} {}",
                    show(first, tz),
                    show(next, tz),
                    next.with_timezone(&tz).format("%Y-%m-%d %H:%M")
                ));
            }
        }
        let first_ms = first.timestamp_millis().max(0) as u64;
        post.schedule = Some(Schedule {
            when: rest.trim().to_string(),
            cron: cron.clone(),
            first_ms,
            targets: targets.clone(),
        });
        self.save(&post)?;
        self.store
            .add_job(first_ms, &id, first_ms)
            .and_then(|_| self.store.flush())
            .map_err(|e| format!("Could not schedule {id}: {e}"))?;
        Ok(match cron {
            Some(expr) => format!(
                "Scheduled {id} to repeat ({expr}, {tz}); first {} to {}.",
                show(first, tz),
                targets.join(", ")
            ),
            None => format!(
                "Scheduled {id} for {} to {}.",
                show(first, tz),
                targets.join(", ")
            ),
        })
    }

    /// Split "tomorrow 9:00 news,chat" into the time and the targets: the longest leading
    /// run of words that reads as a time, the rest target names.
    fn split_when(&self, rest: &str, now: DateTime<Utc>) -> Result<(When, Vec<String>), String> {
        let words: Vec<&str> = rest.split_whitespace().collect();
        let mut first_error = None;
        for n in (1..=words.len()).rev() {
            match parse_when(&words[..n].join(" "), now, self.setup.tz) {
                Ok(w) => {
                    let targets: Vec<String> = words[n..]
                        .iter()
                        .flat_map(|w| w.split(','))
                        .filter(|t| !t.is_empty())
                        .map(String::from)
                        .collect();
                    let unknown: Vec<&String> = targets
                        .iter()
                        .filter(|t| !self.setup.targets.contains_key(*t))
                        .collect();
                    if !unknown.is_empty() {
                        return Err(format!(
                            "Unknown target(s): {} (known: {}).",
                            unknown
                                .iter()
                                .map(|s| s.as_str())
                                .collect::<Vec<_>>()
                                .join(", "),
                            self.target_names()
                        ));
                    }
                    return Ok((w, targets));
                }
                // Keep the most specific complaint: a past time or a bad cron field beats
                // "can't read".
                Err(e) => {
                    if first_error.is_none() && !matches!(e, super::WhenError::Unreadable(_)) {
                        first_error = Some(e);
                    }
                }
            }
        }
        Err(first_error
            .unwrap_or_else(|| super::WhenError::Unreadable(rest.to_string()))
            .to_string())
    }

    fn queue(&self) -> String {
        let jobs = self.store.jobs();
        if jobs.is_empty() {
            return "Nothing is scheduled.".into();
        }
        let mut out = format!("{} scheduled:\n", jobs.len());
        for (due, id, _) in jobs.iter().take(20) {
            let Ok(Some(post)) = self.store.get(id) else {
                continue;
            };
            let s = post.schedule.as_ref();
            out.push_str(&format!(
                "{id} — {} → {}{} — {}\n",
                show(ms_to_utc(*due), self.setup.tz),
                s.map(|s| s.targets.join(", ")).unwrap_or_default(),
                s.and_then(|s| s.cron.as_ref())
                    .map(|c| format!(" (repeats: {c})"))
                    .unwrap_or_default(),
                first_line(post.approved.as_deref().unwrap_or(""))
            ));
        }
        if jobs.len() > 20 {
            out.push_str(&format!("… and {} more\n", jobs.len() - 20));
        }
        out.trim_end().to_string()
    }

    fn cancel(&self, id: &str) -> Result<String, String> {
        let mut post = self.find(id)?;
        let removed = self
            .store
            .remove_jobs(&post.id)
            .map_err(|e| format!("Could not cancel {}: {e}", post.id))?;
        if removed == 0 && self.published_at(&post.id).is_some() {
            return Err(format!(
                "Post {} was already published and nothing more is scheduled.",
                post.id
            ));
        }
        post.cancelled = true;
        self.save(&post)?;
        Ok(format!("Cancelled {}; it will not be published.", post.id))
    }

    fn posted(&self, n: &str, ctx: &CommandContext<'_>) -> String {
        let n: usize = n.trim().parse().unwrap_or(5).clamp(1, 20);
        let engagement = engagement_of(ctx.log);
        let judge = self.judge(ctx.log, ctx.graph);
        let mut lines = Vec::new();
        for post in self.store.all() {
            let deliveries = self.store.deliveries(&post.id);
            if deliveries.is_empty() {
                continue;
            }
            let mut where_ = Vec::new();
            let mut problems = Vec::new();
            let mut at = None;
            for (target, _, d) in &deliveries {
                match d {
                    Delivery::Published { at_ms, .. } => {
                        where_.push(target.clone());
                        at = Some(at.map_or(*at_ms, |a: u64| a.min(*at_ms)));
                    }
                    Delivery::Failed {
                        reason,
                        retry_at_ms: None,
                        ..
                    } => problems.push(format!("failed on {target}: {reason}")),
                    Delivery::Uncertain { .. } => {
                        problems.push(format!("{target}: uncertain, check it"))
                    }
                    Delivery::Skipped { .. } => problems.push(format!("{target}: slot skipped")),
                    _ => {}
                }
            }
            where_.dedup();
            let e = engagement.get(&post.id).cloned().unwrap_or_default();
            let text = post.approved.as_deref().unwrap_or("");
            let predicted = at.map(|at| {
                let entities = facts_for(ctx.graph, text).linked.len();
                judge.predict(&Features::of(text, entities, ms_to_utc(at), self.setup.tz))
            });
            let mut line = format!("{} — {}", post.id, first_line(text));
            if let Some(at) = at {
                line.push_str(&format!(
                    "\n  published {} to {}: {} reactions, {} replies, {} clicks (predicted {:.1})",
                    show(ms_to_utc(at), self.setup.tz),
                    where_.join(", "),
                    e.reactions,
                    e.replies,
                    e.clicks,
                    predicted.unwrap_or(0.0)
                ));
            }
            for p in problems {
                line.push_str(&format!("\n  {p}"));
            }
            lines.push((at.unwrap_or(0), line));
        }
        if lines.is_empty() {
            return format!(
                "Nothing has been published yet. {}",
                judge_line(&judge, self.setup.min_training_posts)
            );
        }
        lines.sort_by_key(|l| std::cmp::Reverse(l.0));
        let mut out: Vec<String> = lines.into_iter().take(n).map(|(_, l)| l).collect();
        out.push(judge_line(&judge, self.setup.min_training_posts));
        out.join("\n")
    }
}

/// One line on the judge: what it is and how accurate it was on held-out posts.
fn judge_line(judge: &Judge, min: usize) -> String {
    match &judge.evaluation {
        Some(e) => format!(
            "Judge: trained on {} measured posts; orders held-out posts correctly {:.0}% of the time (heuristic prior: {:.0}%, {} held out).",
            judge.measured,
            e.model_accuracy * 100.0,
            e.prior_accuracy * 100.0,
            e.held_out
        ),
        None => format!(
            "Judge: heuristic prior ({} measured post(s); trained from {}).",
            judge.measured,
            min.max(5)
        ),
    }
}

fn variant_block(n: usize, v: &super::store::Variant) -> String {
    let mut s = format!(
        "\n{n}. [predicted {:.1}, best at {:02}:00] {}\n   why: {}\n",
        v.score,
        v.best_hour,
        v.text,
        v.reasons.join(", ")
    );
    if !v.warnings.is_empty() {
        s.push_str(&format!(
            "   ⚠ not approvable as is: {}\n",
            v.warnings.join("; ")
        ));
    }
    s
}

/// "7d", "30d", "90d", "30" → days; empty → 30.
pub fn period_days(text: &str) -> Result<u64, String> {
    let t = text.trim().to_ascii_lowercase();
    if t.is_empty() {
        return Ok(30);
    }
    t.strip_suffix('d')
        .unwrap_or(&t)
        .parse::<u64>()
        .ok()
        .filter(|d| (1..=3650).contains(d))
        .ok_or_else(|| format!("\"{}\" is not a period; use 7d, 30d or 90d.", text.trim()))
}

fn split_first(args: &str) -> (&str, &str) {
    let args = args.trim();
    match args.find(char::is_whitespace) {
        Some(i) => (&args[..i], &args[i..]),
        None => (args, ""),
    }
}

fn first_line(text: &str) -> String {
    let line = text.lines().next().unwrap_or("");
    if line.chars().count() > 60 {
        format!("{}…", line.chars().take(60).collect::<String>())
    } else {
        line.to_string()
    }
}

/// Engagement per post from the log's rollups; a storage failure is logged and counts as none.
fn engagement_of(
    log: &EngagementLog,
) -> std::collections::HashMap<String, crate::engagement::PostEngagement> {
    log.post_engagement().unwrap_or_else(|e| {
        tracing::error!(error = %e, "post engagement not read");
        Default::default()
    })
}

/// A report with its text and charts (`/report`, `herald report`).
pub struct FullReport {
    pub report: crate::analytics::Report,
    pub text: String,
    pub charts: Vec<herald_platform::Image>,
}
