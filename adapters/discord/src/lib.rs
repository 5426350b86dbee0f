//! herald on Discord, through serenity: DMs, server channels and threads, slash commands,
//! 👍/👎 buttons, reactions and member joins.
//!
//! # Layout
//!
//! - [`DiscordAdapter`]: the [`Platform`] implementation; sends through serenity's `Http`.
//! - `gateway`: the gateway connection (serenity's `Client`) and its event handler: slash
//!   commands registered at READY, interactions deferred at once.
//! - [`convert`]: events → [`Inbound`](herald_platform::Inbound), and what is skipped.
//! - [`format`](render): answer + sources, split at 2000 characters.
//! - [`retry`](classify): what a failed REST call means (wait, back off, give up).
//! - `moderate`: delete, time out until a time, ban, unban, kick (per server).
//!
//! REST goes to discord.com with serenity's rate limiter, or to `proxy_url` (a shared
//! rate-limit proxy, or a local fake in tests) with the limiter off: serenity then hands back
//! 429s and the adapter retries them itself. Channel messages carry a nonce Discord enforces,
//! so a retry after a lost response never posts twice.

mod convert;
mod format;
mod gateway;
mod moderate;
mod retry;

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use herald_platform::{
    Capabilities, ChatRef, MenuCommand, Outgoing, Platform, PlatformError, PlatformKind, Sent,
};
use serenity::all::{
    ButtonStyle, ChannelId, CommandInteraction, CreateActionRow, CreateAllowedMentions,
    CreateButton, CreateInteractionResponseFollowup, CreateMessage, Http, HttpBuilder, MessageId,
    MessageReference, MessageReferenceKind, Nonce,
};
use tokio::sync::{mpsc, watch};

pub use convert::{
    command, component, member_joined, message, reaction, Identity, Rules, Skip, INTERACTION,
    MAX_TEXT_CHARS, RATE_DOWN, RATE_UP,
};
pub use format::{escape, render, MAX_MESSAGE_CHARS};
pub use herald_platform::{Backoff, MenuCommand as SlashCommand};
pub use retry::{classify, describe, Next};

/// Which gateway shards this process runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Shards {
    /// As many as Discord recommends (`GET /gateway/bot`), all in this process.
    #[default]
    Auto,
    /// Shards `first..=last` of `total`, for running several processes.
    Range { first: u32, last: u32, total: u32 },
}

/// Everything the adapter can be told.
#[derive(Clone, Debug)]
pub struct DiscordOptions {
    pub token: String,
    /// Send REST calls to this proxy (`http://host:port`) with serenity's rate limiter off.
    pub proxy_url: Option<String>,
    pub rules: Rules,
    pub shards: Shards,
    /// Slash commands to register (the router's command table).
    pub commands: Vec<MenuCommand>,
    /// 👍/👎 buttons under answers.
    pub feedback_buttons: bool,
    /// Ask for the privileged guild members intent (member joins). When Discord refuses it,
    /// the adapter reconnects without it and says so.
    pub members_intent: bool,
    /// Pacing of retried sends (server errors, network).
    pub backoff: Backoff,
    /// Wait after a 429 when the limiter is off (proxy mode); doubles on repeats.
    pub rate_limit_wait: Duration,
}

impl Default for DiscordOptions {
    fn default() -> Self {
        DiscordOptions {
            token: String::new(),
            proxy_url: None,
            rules: Rules::default(),
            shards: Shards::Auto,
            commands: Vec::new(),
            feedback_buttons: true,
            members_intent: true,
            backoff: Backoff::default(),
            rate_limit_wait: Duration::from_secs(1),
        }
    }
}

/// What the sending side and the gateway handler share.
pub(crate) struct Shared {
    pub(crate) opts: DiscordOptions,
    pub(crate) http: Arc<Http>,
    pub(crate) me: OnceLock<Identity>,
    pub(crate) connected: AtomicBool,
    pub(crate) commands_registered: AtomicBool,
    /// Deferred slash commands waiting for their answer, by `interaction:<id>`.
    pub(crate) pending: Mutex<HashMap<String, CommandInteraction>>,
    /// Channel → server, from the messages seen (moderation acts per server).
    pub(crate) guilds: Mutex<HashMap<u64, u64>>,
    nonce: AtomicU64,
}

pub struct DiscordAdapter {
    shared: Arc<Shared>,
}

fn config_error(reason: impl Into<String>) -> PlatformError {
    PlatformError::Config {
        platform: PlatformKind::Discord,
        reason: reason.into(),
    }
}

fn send_error(reason: impl Into<String>) -> PlatformError {
    PlatformError::Send {
        platform: PlatformKind::Discord,
        reason: reason.into(),
    }
}

/// Answers never ping: no @everyone/@here, no roles, no users (the reply itself may notify
/// the member it answers, which Discord does without a mention).
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .everyone(false)
        .all_roles(false)
        .all_users(false)
        .replied_user(false)
}

impl DiscordAdapter {
    pub fn new(opts: DiscordOptions) -> Result<DiscordAdapter, PlatformError> {
        let token = opts.token.trim();
        if token.is_empty() {
            return Err(config_error(
                "no bot token: set discord.token, or the environment variable HERALD_DISCORD_TOKEN (or HERALD_DISCORD_TOKEN_FILE naming a file that holds it)",
            ));
        }
        if token.chars().any(char::is_whitespace) {
            return Err(config_error(
                "the bot token contains spaces: paste it from the Developer Portal without the \"Bot \" prefix",
            ));
        }
        if let Some(p) = &opts.proxy_url {
            if !(p.starts_with("http://") || p.starts_with("https://")) {
                return Err(config_error(format!(
                    "discord.proxy_url {p:?} must start with http:// or https://"
                )));
            }
        }
        if let Shards::Range { first, last, total } = opts.shards {
            if first > last || last >= total {
                return Err(config_error(format!(
                    "discord.shards {first}-{last}/{total} is not a range of shard ids below the total"
                )));
            }
        }
        let http = Arc::new(build_http(&opts));
        Ok(DiscordAdapter {
            shared: Arc::new(Shared {
                opts,
                http,
                me: OnceLock::new(),
                connected: AtomicBool::new(false),
                commands_registered: AtomicBool::new(false),
                pending: Mutex::new(HashMap::new()),
                guilds: Mutex::new(HashMap::new()),
                nonce: AtomicU64::new(0),
            }),
        })
    }

    /// Who the bot is, once connected.
    pub fn me(&self) -> Option<&Identity> {
        self.shared.me.get()
    }
}

pub(crate) fn build_http(opts: &DiscordOptions) -> Http {
    let mut b = HttpBuilder::new(opts.token.trim()).default_allowed_mentions(no_pings());
    if let Some(p) = &opts.proxy_url {
        // serenity honours a proxy only with its own limiter off (checked against 0.12.5).
        b = b.proxy(p.trim_end_matches('/')).ratelimiter_disabled(true);
    }
    b.build()
}

impl Shared {
    /// A nonce unique to this process and piece: Discord drops a second message with the
    /// same nonce (`enforce_nonce`), so a retry after a lost response cannot post twice.
    fn next_nonce(&self) -> String {
        let n = self.nonce.fetch_add(1, Ordering::Relaxed);
        let start = *START;
        format!("h{start:x}{n:x}")
    }

    /// Run `call` until it works, honouring rate limits and backing off from faults.
    async fn with_retry<T, F, Fut>(&self, what: &str, mut call: F) -> Result<T, PlatformError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = serenity::Result<T>>,
    {
        let mut attempt = 0u32;
        let mut limited = 0u32;
        loop {
            let e = match call().await {
                Ok(v) => return Ok(v),
                Err(e) => e,
            };
            attempt += 1;
            let wait = match classify(&e) {
                Next::GiveUp => return Err(send_error(format!("{what}: {}", describe(&e)))),
                Next::RateLimited => {
                    limited += 1;
                    self.opts
                        .rate_limit_wait
                        .saturating_mul(1 << (limited - 1).min(6))
                }
                Next::Backoff => self.opts.backoff.delay(attempt),
            };
            if attempt >= self.opts.backoff.attempts.max(1) {
                return Err(send_error(format!(
                    "{what}: gave up after {attempt} attempts: {}",
                    describe(&e)
                )));
            }
            tracing::warn!(error = %describe(&e), attempt, wait_ms = wait.as_millis() as u64, "discord: {what} failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

static START: std::sync::LazyLock<u64> = std::sync::LazyLock::new(|| {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
});

fn buttons() -> Vec<CreateActionRow> {
    vec![CreateActionRow::Buttons(vec![
        CreateButton::new(RATE_UP)
            .style(ButtonStyle::Secondary)
            .emoji('👍'),
        CreateButton::new(RATE_DOWN)
            .style(ButtonStyle::Secondary)
            .emoji('👎'),
    ])]
}

fn channel(chat: &ChatRef) -> Result<ChannelId, PlatformError> {
    match chat.chat.parse::<u64>() {
        Ok(id) if id > 0 => Ok(ChannelId::new(id)),
        _ => Err(send_error(format!(
            "{:?} is not a Discord channel id",
            chat.chat
        ))),
    }
}

#[async_trait::async_trait]
impl Platform for DiscordAdapter {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Discord
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_message_len: MAX_MESSAGE_CHARS,
            markup: true,
            reactions: true,
            buttons: true,
            idempotent_sends: true,
        }
    }

    async fn listen(
        &self,
        tx: mpsc::Sender<herald_platform::Inbound>,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        gateway::listen(self.shared.clone(), tx, shutdown).await
    }

    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError> {
        let s = &self.shared;
        let pieces = render(&out, MAX_MESSAGE_CHARS);
        if pieces.is_empty() {
            return Err(send_error("the message is empty: nothing to send"));
        }
        let with_buttons = out.rateable && s.opts.feedback_buttons;
        let interaction = out.reply_to.as_ref().and_then(|r| {
            r.starts_with(INTERACTION)
                .then(|| s.pending.lock().ok()?.remove(r))
                .flatten()
        });
        let mut ids = Vec::with_capacity(pieces.len());
        if let Some(ci) = interaction {
            // The slash command was deferred ("thinking…"); its answer is the follow-up.
            for (i, piece) in pieces.iter().enumerate() {
                let mut f = CreateInteractionResponseFollowup::new()
                    .content(piece)
                    .allowed_mentions(no_pings());
                if with_buttons && i + 1 == pieces.len() {
                    f = f.components(buttons());
                }
                if i + 1 == pieces.len() {
                    for a in attachments(&out) {
                        f = f.add_file(a);
                    }
                }
                let m = s
                    .with_retry("follow-up", || ci.create_followup(&*s.http, f.clone()))
                    .await?;
                ids.push(m.id.to_string());
            }
            return Ok(Sent { message_ids: ids });
        }
        let channel = channel(&out.chat)?;
        let reply_to = out
            .reply_to
            .as_deref()
            .and_then(|r| r.parse::<u64>().ok())
            .filter(|id| *id > 0);
        for (i, piece) in pieces.iter().enumerate() {
            let mut m = CreateMessage::new()
                .content(piece)
                .allowed_mentions(no_pings())
                .nonce(Nonce::String(match &out.idempotency_key {
                    // A stable key: the same piece sent again after a crash is the same
                    // message to Discord (nonces are at most 25 characters).
                    Some(key) => format!("k{}-{i}", key.chars().take(16).collect::<String>()),
                    None => s.next_nonce(),
                }))
                .enforce_nonce(true);
            if let (0, Some(r)) = (i, reply_to) {
                // A deleted question must not cost the answer.
                m = m.reference_message(
                    MessageReference::new(MessageReferenceKind::Default, channel)
                        .message_id(MessageId::new(r))
                        .fail_if_not_exists(false),
                );
            }
            if with_buttons && i + 1 == pieces.len() {
                m = m.components(buttons());
            }
            if i + 1 == pieces.len() {
                // Pictures ride on the last piece (up to 10 files per message).
                for a in attachments(&out) {
                    m = m.add_file(a);
                }
            }
            let sent = s
                .with_retry("send", || channel.send_message(&*s.http, m.clone()))
                .await?;
            ids.push(sent.id.to_string());
        }
        Ok(Sent { message_ids: ids })
    }

    async fn moderate(
        &self,
        chat: &ChatRef,
        user: &str,
        action: &herald_platform::ModAction,
    ) -> Result<(), PlatformError> {
        self.moderate_member(chat, user, action).await
    }

    async fn is_admin(&self, chat: &ChatRef, user: &str) -> bool {
        !chat.private && self.administers(chat, user).await
    }

    async fn typing(&self, chat: &ChatRef) -> Result<(), PlatformError> {
        let channel = channel(chat)?;
        channel
            .broadcast_typing(&*self.shared.http)
            .await
            .map_err(|e| send_error(format!("typing: {e}")))
    }

    fn connected(&self) -> bool {
        self.shared.connected.load(Ordering::Relaxed)
    }
}

/// The outgoing pictures as Discord attachments.
fn attachments(out: &Outgoing) -> Vec<serenity::builder::CreateAttachment> {
    out.images
        .iter()
        .take(10)
        .map(|i| {
            serenity::builder::CreateAttachment::bytes(i.png.clone(), i.name.clone())
                .description(i.caption.clone())
        })
        .collect()
}
