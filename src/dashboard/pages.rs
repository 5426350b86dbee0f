//! The pages that show stores as they are: knowledge gaps with their teach forms, posts
//! (drafts, queue, published), the moderation log, and the bot's health.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use serde::Serialize;

use crate::clock::{ms_to_utc, show};

use super::state::{manager_call, to_login, DashboardState};

/// The gaps page looks this far back (the longest `/gaps` period, as `/teach` does).
const GAP_DAYS: u64 = 90;

/// A query string's value for `name`.
pub(super) fn query_value(query: &Option<String>, name: &str) -> Option<String> {
    let q = query.as_deref()?;
    url::form_urlencoded::parse(q.as_bytes())
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[derive(Serialize)]
struct GapView {
    id: u64,
    example: String,
    count: usize,
    members: usize,
    last: String,
    others: Vec<String>,
}

pub(super) async fn gaps(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let ctx = &st.0.parts.manage;
    let graph = st.0.parts.knowledge.snapshot();
    let who = st.manager();
    let call = manager_call(&graph, &who);
    let frame = st.frame("Knowledge gaps", "/dashboard/gaps", &s);
    let groups = match crate::manage::numbered_gaps(ctx, &call, GAP_DAYS) {
        Ok(g) => g,
        Err(e) => {
            return st.0.views.error(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                frame,
                &e.reply(),
                "/dashboard",
            )
        }
    };
    let tz = ctx.setup.tz;
    let gaps: Vec<GapView> = groups
        .into_iter()
        .map(|n| GapView {
            id: n.id,
            others: n
                .group
                .questions
                .iter()
                .skip(1)
                .map(|(q, _)| q.clone())
                .collect(),
            example: n.group.example,
            count: n.group.count,
            members: n.group.members,
            last: show(ms_to_utc(n.group.last_ms), tz),
        })
        .collect();
    st.0.views.page(
        "gaps.html",
        frame,
        minijinja::context! { gaps, days => GAP_DAYS, folder => &ctx.learning_folder },
    )
}

#[derive(Serialize)]
struct VariantView {
    text: String,
    score: String,
    best_hour: u32,
    reasons: String,
    warnings: Vec<String>,
    edited: bool,
}

#[derive(Serialize)]
struct DraftView {
    id: String,
    brief: String,
    created: String,
    approved: Option<String>,
    /// The generated variants first (numbered as `/approve` numbers them), then the edit.
    variants: Vec<VariantView>,
    generated: usize,
    has_edit: bool,
}

#[derive(Serialize)]
struct QueuedView {
    id: String,
    due: String,
    repeats: Option<String>,
    targets: String,
    text: String,
}

#[derive(Serialize)]
struct PublishedView {
    id: String,
    text: String,
    at: String,
    targets: String,
    reactions: u64,
    replies: u64,
    clicks: u64,
    predicted: String,
    problems: Vec<String>,
}

pub(super) async fn posts(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let ctx = &st.0.parts.manage;
    let tz = ctx.setup.tz;
    let all = ctx.posts.all();
    let jobs = ctx.posts.jobs();
    let queued: std::collections::HashSet<&str> =
        jobs.iter().map(|(_, id, _)| id.as_str()).collect();
    // A draft is waiting for a manager: not cancelled, not scheduled, never delivered.
    let mut drafts: Vec<DraftView> = all
        .iter()
        .filter(|p| !p.cancelled && p.schedule.is_none() && !queued.contains(p.id.as_str()))
        .filter(|p| ctx.posts.deliveries(&p.id).is_empty())
        .map(|p| DraftView {
            id: p.id.clone(),
            brief: p.brief.clone(),
            created: show(ms_to_utc(p.created_ms), tz),
            approved: p.approved.clone(),
            generated: p.variants.len(),
            has_edit: p.edit.is_some(),
            variants: p
                .variants
                .iter()
                .chain(p.edit.iter())
                .map(|v| VariantView {
                    text: v.text.clone(),
                    score: format!("{:.1}", v.score),
                    best_hour: v.best_hour,
                    reasons: v.reasons.join("; "),
                    warnings: v.warnings.clone(),
                    edited: v.edited,
                })
                .collect(),
        })
        .collect();
    drafts.reverse();
    let queue: Vec<QueuedView> = jobs
        .iter()
        .filter_map(|(due, id, _)| {
            let post = ctx.posts.get(id).ok().flatten()?;
            let sched = post.schedule.as_ref();
            Some(QueuedView {
                id: id.clone(),
                due: show(ms_to_utc(*due), tz),
                repeats: sched.and_then(|s| s.cron.clone()),
                targets: sched.map(|s| s.targets.join(", ")).unwrap_or_default(),
                text: post.approved.unwrap_or_default(),
            })
        })
        .collect();
    let graph = st.0.parts.knowledge.snapshot();
    let (rows, judge) = crate::manage::published(ctx, &graph);
    let published: Vec<PublishedView> = rows
        .into_iter()
        .take(50)
        .map(|r| PublishedView {
            at: r
                .at_ms
                .map(|a| show(ms_to_utc(a), tz))
                .unwrap_or_else(|| "not yet".into()),
            targets: r.targets.join(", "),
            predicted: format!("{:.1}", r.predicted),
            id: r.id,
            text: r.text,
            reactions: r.reactions,
            replies: r.replies,
            clicks: r.clicks,
            problems: r.problems,
        })
        .collect();
    let targets: Vec<&String> = ctx
        .setup
        .targets
        .keys()
        .filter(|t| **t != ctx.setup.report_target)
        .collect();
    let frame = st.frame("Posts", "/dashboard/posts", &s);
    st.0.views.page(
        "posts.html",
        frame,
        minijinja::context! { drafts, queue, published, judge, tz => tz.name(), targets => targets.iter().map(|t| t.as_str()).collect::<Vec<_>>().join(", ") },
    )
}

#[derive(Serialize)]
struct EntryView {
    id: u64,
    at: String,
    r#where: String,
    member: String,
    rule: String,
    reason: String,
    action: String,
    strike: u32,
    excerpt: String,
    failed: Option<String>,
    pardoned: bool,
    pardonable: bool,
}

#[derive(Serialize)]
struct SampleView {
    n: usize,
    spam: bool,
    at: String,
    text: String,
}

pub(super) async fn moderation(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let ctx = &st.0.parts.manage;
    let tz = ctx.setup.tz;
    let entries: Vec<EntryView> = ctx
        .audit
        .recent(200)
        .into_iter()
        .map(|e| EntryView {
            at: show(ms_to_utc(e.at_ms), tz),
            r#where: ctx
                .log
                .chat_name(&e.platform, &e.chat)
                .unwrap_or_else(|| format!("{} {}", e.platform, e.chat)),
            pardonable: !e.pardoned
                && !e.observed
                && (e.strike > 0 || e.banned || e.until_ms.is_some()),
            id: e.id,
            member: e.member.chars().take(12).collect(),
            rule: e.rule,
            reason: e.reason,
            action: e.action,
            strike: e.strike,
            excerpt: e.excerpt,
            failed: e.failed,
            pardoned: e.pardoned,
        })
        .collect();
    let samples: Vec<SampleView> = ctx
        .moderator
        .as_ref()
        .map(|m| m.spam_filter().samples())
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, x)| SampleView {
            n: i + 1,
            spam: x.spam,
            at: if x.at_ms > 0 {
                show(ms_to_utc(x.at_ms), tz)
            } else {
                String::new()
            },
            text: x.text.chars().take(300).collect(),
        })
        .collect();
    let frame = st.frame("Moderation", "/dashboard/moderation", &s);
    let observe = ctx.moderator.as_ref().is_some_and(|m| m.options().observe);
    st.0.views.page(
        "moderation.html",
        frame,
        minijinja::context! { entries, samples, enabled => ctx.moderator.is_some(), observe },
    )
}

#[derive(Serialize)]
struct AdapterView {
    platform: &'static str,
    connected: bool,
}

#[derive(Serialize)]
struct ErrorView {
    at: String,
    level: &'static str,
    target: String,
    text: String,
}

pub(super) async fn health(State(st): State<DashboardState>, headers: HeaderMap) -> Response {
    let Some((_, s)) = st.session(&headers) else {
        return to_login();
    };
    let parts = &st.0.parts;
    let tz = parts.manage.setup.tz;
    let h = parts.metrics.health();
    let adapters: Vec<AdapterView> = parts
        .adapters
        .iter()
        .map(|a| AdapterView {
            platform: a.kind().as_str(),
            connected: a.connected(),
        })
        .collect();
    let errors: Vec<ErrorView> = crate::metrics::recent_errors()
        .newest(20)
        .into_iter()
        .map(|e| ErrorView {
            at: show(ms_to_utc(e.at_ms), tz),
            level: e.level,
            target: e.target,
            text: e.text,
        })
        .collect();
    let jobs = parts.manage.posts.jobs();
    let next_due = jobs
        .first()
        .map(|(due, id, _)| format!("next: {id} at {}", show(ms_to_utc(*due), tz)))
        .unwrap_or_else(|| "nothing due".into());
    let secs = st.0.started.elapsed().as_secs();
    let uptime = format!("{}h {:02}m", secs / 3600, secs / 60 % 60);
    let stats = parts.knowledge.snapshot().stats(0);
    let frame = st.frame("Health", "/dashboard/health", &s);
    st.0.views.page(
        "health.html",
        frame,
        minijinja::context! {
            model => &parts.model,
            backend => &parts.model_host,
            latency => if h.replies == 0 { "—".to_string() } else { format!("{:.0} ms", h.mean_latency_ms) },
            p90 => h.p90_latency_le_s.map_or("—".to_string(), |s| format!("{s} s")),
            tps => if h.tokens_per_second > 0.0 { format!("{:.1} tokens/s", h.tokens_per_second) } else { "—".to_string() },
            h,
            uptime,
            adapters,
            errors,
            queue => jobs.len(),
            next_due,
            stats => minijinja::context! { entities => stats.entities, passages => stats.passages },
            fallbacks => parts.knowledge.fallbacks(),
        },
    )
}
