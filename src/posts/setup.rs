//! The `[posts]` section checked once at start: timezone, quiet hours, targets and their
//! platforms, the limits a post must fit.

use std::collections::BTreeMap;
use std::time::Duration;

use chrono_tz::Tz;

use herald_platform::{ChatRef, PlatformKind};

use crate::config::{PostTarget, PostsConfig};

use super::store::StoreError;
use super::when::{QuietHours, WhenError};

#[derive(Debug, thiserror::Error)]
pub enum PostsError {
    #[error(
        "[posts] timezone \"{0}\" is not an IANA timezone (e.g. UTC, Europe/Berlin, Asia/Shanghai)"
    )]
    Timezone(String),
    #[error("[posts] quiet_hours: {0}")]
    Quiet(#[from] WhenError),
    #[error("[posts.targets.{name}] {reason}")]
    Target { name: String, reason: String },
    #[error("[posts] report_target \"{0}\" is not one of [posts.targets]")]
    ReportTarget(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// The `[posts]` section, checked: what the commands and the scheduler share.
#[derive(Clone, Debug)]
pub struct PostsSetup {
    pub tz: Tz,
    pub quiet: Option<QuietHours>,
    pub targets: BTreeMap<String, PostTarget>,
    pub max_lateness: Duration,
    pub send_attempts: u32,
    pub retry_base: Duration,
    pub public_url: String,
    pub report_target: String,
    pub variants: usize,
    pub min_training_posts: usize,
}

impl PostsSetup {
    pub fn from_config(c: &PostsConfig) -> Result<PostsSetup, PostsError> {
        let tz: Tz = c
            .timezone
            .parse()
            .map_err(|_| PostsError::Timezone(c.timezone.clone()))?;
        for (name, t) in &c.targets {
            let bad = |reason: String| PostsError::Target {
                name: name.clone(),
                reason,
            };
            platform_kind(&t.platform).map_err(bad)?;
            if t.chat.trim().is_empty() {
                return Err(bad("chat is empty".into()));
            }
            if name.contains(|c: char| c.is_whitespace() || c == ',') {
                return Err(bad("target names cannot contain spaces or commas".into()));
            }
        }
        if !c.report_target.is_empty() && !c.targets.contains_key(&c.report_target) {
            return Err(PostsError::ReportTarget(c.report_target.clone()));
        }
        Ok(PostsSetup {
            tz,
            quiet: QuietHours::parse(&c.quiet_hours)?,
            targets: c.targets.clone(),
            max_lateness: Duration::from_secs(c.max_lateness_minutes * 60),
            send_attempts: c.send_attempts.max(1),
            retry_base: Duration::from_millis(c.retry_base_ms),
            public_url: c.public_url.clone(),
            report_target: c.report_target.clone(),
            variants: c.variants.clamp(1, 8),
            min_training_posts: c.min_training_posts,
        })
    }
}

/// A target's platform: one that posts can go to (not the HTTP API).
fn platform_kind(name: &str) -> Result<PlatformKind, String> {
    PlatformKind::from_name(name)
        .filter(|k| *k != PlatformKind::Http)
        .ok_or_else(|| format!("platform \"{name}\" is not one of telegram, discord, console"))
}

/// The chat a named target posts to.
pub fn target_ref(targets: &BTreeMap<String, PostTarget>, name: &str) -> Result<ChatRef, String> {
    let t = targets
        .get(name)
        .ok_or_else(|| format!("no target named \"{name}\" in [posts.targets]"))?;
    Ok(ChatRef {
        platform: platform_kind(&t.platform)?,
        chat: t.chat.clone(),
        private: false,
    })
}

/// The longest post a platform takes in one message, in the unit it counts (Telegram and
/// Discord count UTF-16 code units). Posts are not split: a post is one message.
pub fn max_len(platform: PlatformKind) -> usize {
    match platform {
        PlatformKind::Telegram => 4096,
        PlatformKind::Discord => 2000,
        PlatformKind::Console | PlatformKind::Http => usize::MAX,
    }
}
