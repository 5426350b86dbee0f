//! herald on Telegram, through teloxide: private chats, groups and supergroups (answering
//! when addressed), channels (publishing), rating buttons, reactions and member joins.
//!
//! # Layout
//!
//! - [`TelegramAdapter`] implements [`herald_platform::Platform`]; [`TelegramOptions`] is its
//!   one options struct (`..Default::default()` for the rest).
//! - `convert`: updates → [`herald_platform::Inbound`] (who is addressed, what text).
//! - `format`: replies → HTML pieces within Telegram's limit, with a plain-text twin.
//! - `retry`: what a failed call means (wait, back off, resend plain, give up).
//! - `receive`: long polling with a stored offset, and the webhook server.
//! - `roles`: command menus per scope (members, managers, group administrators) and the
//!   group administrators who count as managers.
//! - `moderate`: delete, restrict until a time, ban, unban, kick; who administers a group.
//!
//! Sends go through teloxide's `Throttle`, which paces them inside Telegram's per-chat and
//! global limits and waits out a 429's `retry_after`; server and network errors are retried
//! here with backoff, so a reply is delivered once the API is back.

mod convert;
mod format;
mod moderate;
mod receive;
mod retry;
mod roles;

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use teloxide::adaptors::throttle::Limits;
use teloxide::adaptors::Throttle;
use teloxide::payloads::{SendMessageSetters, SendPhotoSetters};
use teloxide::prelude::*;
use teloxide::types::{
    ChatAction, InlineKeyboardButton, InlineKeyboardMarkup, MessageId, ParseMode, Recipient,
    ReplyParameters,
};
use tokio::sync::{mpsc, watch};

use herald_platform::{
    Capabilities, ChatRef, Inbound, ModAction, Outgoing, Platform, PlatformError, PlatformKind,
    Sent, StateStore,
};

pub use convert::{
    button_data, byte_range, convert, Identity, Rules, Skip, BUTTON_PREFIX, RATE_DOWN, RATE_UP,
};
pub use format::{escape, render, Piece, MAX_MESSAGE_UTF16};
pub use retry::{classify, Backoff, Next};

/// How updates arrive.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Long polling `getUpdates` (no public address needed).
    #[default]
    Polling,
    /// Telegram posts updates to `url`; herald listens on `listen`.
    Webhook(WebhookOptions),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookOptions {
    /// Where the webhook server binds (port 0 picks a free one; see
    /// [`TelegramAdapter::webhook_addr`]).
    pub listen: SocketAddr,
    /// The public HTTPS URL Telegram posts to; its path is the route served.
    pub url: url::Url,
    /// Checked against `X-Telegram-Bot-Api-Secret-Token` on every request (1–256 of
    /// `A-Z a-z 0-9 _ -`).
    pub secret_token: String,
}

pub use herald_platform::MenuCommand;

/// Everything the adapter can be told.
#[derive(Clone, Debug)]
pub struct TelegramOptions {
    pub token: String,
    /// A self-hosted Bot API server (or a test's fake); `None` is api.telegram.org.
    pub api_url: Option<url::Url>,
    pub mode: Mode,
    /// When not empty, only these chats are served.
    pub allowed_chats: Vec<i64>,
    /// Users who may run manager commands.
    pub managers: Vec<u64>,
    /// A group's administrators are managers in that group (asked of Telegram, cached).
    pub managers_from_admins: bool,
    /// 👍/👎 buttons under answers.
    pub feedback_buttons: bool,
    /// Registered with `setMyCommands` at start.
    pub commands: Vec<MenuCommand>,
    /// Long-polling timeout; must stay below the HTTP client's 17 s.
    pub poll_timeout: Duration,
    /// Retry policy for sends and for polling after errors.
    pub backoff: Backoff,
    /// Pacing of sends (Telegram's documented limits by default).
    pub limits: SendLimits,
}

/// How fast the bot may send; Telegram answers 429 above its limits.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SendLimits {
    pub per_chat_per_sec: u32,
    pub per_chat_per_min: u32,
    pub per_group_per_min: u32,
    pub overall_per_sec: u32,
}

impl Default for SendLimits {
    /// Telegram's documented limits (the throttle's defaults).
    fn default() -> Self {
        let l = Limits::default();
        SendLimits {
            per_chat_per_sec: l.messages_per_sec_chat,
            per_chat_per_min: l.messages_per_min_chat,
            per_group_per_min: l.messages_per_min_channel_or_supergroup,
            overall_per_sec: l.messages_per_sec_overall,
        }
    }
}

impl From<SendLimits> for Limits {
    fn from(s: SendLimits) -> Limits {
        Limits {
            messages_per_sec_chat: s.per_chat_per_sec.max(1),
            messages_per_min_chat: s.per_chat_per_min.max(1),
            messages_per_min_channel_or_supergroup: s.per_group_per_min.max(1),
            messages_per_sec_overall: s.overall_per_sec.max(1),
        }
    }
}

impl Default for TelegramOptions {
    fn default() -> Self {
        TelegramOptions {
            token: String::new(),
            api_url: None,
            mode: Mode::Polling,
            allowed_chats: Vec::new(),
            managers: Vec::new(),
            managers_from_admins: false,
            feedback_buttons: true,
            commands: Vec::new(),
            poll_timeout: Duration::from_secs(10),
            backoff: Backoff::default(),
            limits: SendLimits::default(),
        }
    }
}

pub struct TelegramAdapter {
    opts: TelegramOptions,
    bot: Throttle<Bot>,
    state: Arc<dyn StateStore>,
    me: OnceLock<Identity>,
    webhook_addr: OnceLock<SocketAddr>,
    admins: roles::AdminCache,
    /// Identity known and the last getUpdates (or webhook set-up) worked.
    connected: std::sync::atomic::AtomicBool,
}

impl TelegramAdapter {
    pub(crate) fn set_connected(&self, up: bool) {
        self.connected
            .store(up, std::sync::atomic::Ordering::Relaxed);
    }
}

fn config_error(reason: impl Into<String>) -> PlatformError {
    PlatformError::Config {
        platform: PlatformKind::Telegram,
        reason: reason.into(),
    }
}

fn send_error(reason: impl Into<String>) -> PlatformError {
    PlatformError::Send {
        platform: PlatformKind::Telegram,
        reason: reason.into(),
    }
}

impl TelegramAdapter {
    /// Build the client. `state` keeps the polling offset across restarts. Must be called
    /// inside a tokio runtime (the throttle runs as a task).
    pub fn new(
        opts: TelegramOptions,
        state: Arc<dyn StateStore>,
    ) -> Result<TelegramAdapter, PlatformError> {
        if opts.token.trim().is_empty() {
            return Err(config_error(
                "no bot token (from @BotFather): set telegram.token, or the environment variable HERALD_TELEGRAM_TOKEN (or HERALD_TELEGRAM_TOKEN_FILE naming a file that holds it)",
            ));
        }
        if let Mode::Webhook(w) = &opts.mode {
            let ok = (1..=256).contains(&w.secret_token.len())
                && w.secret_token
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !ok {
                return Err(config_error(
                    "webhook secret_token must be 1-256 characters of A-Z a-z 0-9 _ -",
                ));
            }
        }
        let mut bot = Bot::new(opts.token.trim());
        if let Some(url) = &opts.api_url {
            bot = bot.set_api_url(url.clone());
        }
        let bot = Throttle::new_spawn(bot, opts.limits.into());
        Ok(TelegramAdapter {
            opts,
            bot,
            state,
            me: OnceLock::new(),
            webhook_addr: OnceLock::new(),
            admins: roles::AdminCache::default(),
            connected: std::sync::atomic::AtomicBool::new(false),
        })
    }

    /// Where the webhook server listens, once it does.
    pub fn webhook_addr(&self) -> Option<SocketAddr> {
        self.webhook_addr.get().copied()
    }

    /// The bot's own identity, once `getMe` answered.
    pub fn identity(&self) -> Option<&Identity> {
        self.me.get()
    }

    /// Ask `getMe` until it answers (the API may be down at start), or fail on a bad token.
    async fn who_am_i(
        &self,
        shutdown: &mut watch::Receiver<bool>,
    ) -> Result<Option<Identity>, PlatformError> {
        let mut failures = 0;
        loop {
            match self.bot.get_me().await {
                Ok(me) => {
                    return Ok(Some(Identity {
                        id: me.user.id.0,
                        username: me.user.username.clone().unwrap_or_default(),
                    }))
                }
                Err(e) => match classify(&e) {
                    Next::GiveUp => {
                        return Err(config_error(format!(
                            "getMe refused: {e} (check the token)"
                        )))
                    }
                    _ => {
                        failures += 1;
                        tracing::warn!(error = %e, "telegram: getMe failed; retrying");
                        if !pause(self.opts.backoff.delay(failures), shutdown).await {
                            return Ok(None);
                        }
                    }
                },
            }
        }
    }

    /// Send one piece, retrying as [`classify`] says; returns its message id.
    async fn send_piece(
        &self,
        chat: &mut Recipient,
        piece: &Piece,
        reply_to: Option<i32>,
        buttons: Option<&InlineKeyboardMarkup>,
    ) -> Result<String, PlatformError> {
        let mut plain = false;
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let text = if plain { &piece.plain } else { &piece.html };
            let mut req = self.bot.send_message(chat.clone(), text.clone());
            if !plain {
                req = req.parse_mode(ParseMode::Html);
            }
            if let Some(id) = reply_to {
                let mut to = ReplyParameters::new(MessageId(id));
                // The member may have deleted their message meanwhile: answer anyway.
                to.allow_sending_without_reply = Some(true);
                req = req.reply_parameters(to);
            }
            if let Some(markup) = buttons {
                req = req.reply_markup(markup.clone());
            }
            let e = match req.await {
                Ok(m) => return Ok(m.id.0.to_string()),
                Err(e) => e,
            };
            let next = classify(&e);
            let wait = match next {
                Next::Plain if !plain => {
                    tracing::warn!(error = %e, "telegram: markup rejected; sending as plain text");
                    plain = true;
                    continue;
                }
                Next::Migrate(id) => {
                    tracing::info!(to = id, "telegram: group became a supergroup");
                    *chat = Recipient::Id(ChatId(id));
                    continue;
                }
                Next::WaitAndRetry(d) => d,
                Next::Backoff => self.opts.backoff.delay(attempt),
                Next::Plain | Next::GiveUp => return Err(send_error(e.to_string())),
            };
            if attempt >= self.opts.backoff.attempts {
                return Err(send_error(format!("gave up after {attempt} attempts: {e}")));
            }
            tracing::warn!(error = %e, attempt, wait_ms = wait.as_millis() as u64, "telegram: send failed; retrying");
            tokio::time::sleep(wait).await;
        }
    }
}

impl TelegramAdapter {
    /// One picture (`sendPhoto`, uploaded from memory), retried like text.
    async fn send_image(
        &self,
        chat: &Recipient,
        image: &herald_platform::Image,
    ) -> Result<String, PlatformError> {
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            let file =
                teloxide::types::InputFile::memory(image.png.clone()).file_name(image.name.clone());
            let mut req = self.bot.send_photo(chat.clone(), file);
            if !image.caption.is_empty() {
                // Captions hold at most 1024 characters.
                req = req.caption(image.caption.chars().take(1024).collect::<String>());
            }
            let e = match req.await {
                Ok(m) => return Ok(m.id.0.to_string()),
                Err(e) => e,
            };
            let wait = match classify(&e) {
                Next::WaitAndRetry(d) => d,
                Next::Backoff => self.opts.backoff.delay(attempt),
                _ => return Err(send_error(format!("picture {}: {e}", image.name))),
            };
            if attempt >= self.opts.backoff.attempts {
                return Err(send_error(format!(
                    "picture {}: gave up after {attempt} attempts: {e}",
                    image.name
                )));
            }
            tokio::time::sleep(wait).await;
        }
    }
}

/// Sleep, unless shutdown comes first; `false` means stop.
async fn pause(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown.wait_for(|s| *s) => false,
    }
}

/// A chat as the Bot API names it: a numeric id, or `@channelusername` for public channels.
fn recipient(chat: &ChatRef) -> Result<Recipient, PlatformError> {
    let c = chat.chat.trim();
    if let Some(name) = c.strip_prefix('@') {
        if !name.is_empty() {
            return Ok(Recipient::ChannelUsername(c.to_string()));
        }
    }
    c.parse::<i64>()
        .map(|id| Recipient::Id(ChatId(id)))
        .map_err(|_| send_error(format!("not a Telegram chat: {c:?}")))
}

#[async_trait::async_trait]
impl Platform for TelegramAdapter {
    fn kind(&self) -> PlatformKind {
        PlatformKind::Telegram
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_message_len: MAX_MESSAGE_UTF16,
            markup: true,
            reactions: true,
            buttons: true,
            idempotent_sends: false,
        }
    }

    async fn listen(
        &self,
        tx: mpsc::Sender<Inbound>,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), PlatformError> {
        let Some(me) = self.who_am_i(&mut shutdown).await? else {
            return Ok(());
        };
        tracing::info!(username = %me.username, "telegram: connected");
        let me = self.me.get_or_init(|| me).clone();
        self.set_connected(true);
        self.register_commands().await;
        let result = match &self.opts.mode {
            Mode::Polling => receive::poll(self, &me, tx, shutdown).await,
            Mode::Webhook(w) => receive::webhook(self, &me, w, tx, shutdown).await,
        };
        self.set_connected(false);
        result
    }

    fn connected(&self) -> bool {
        self.connected.load(std::sync::atomic::Ordering::Relaxed)
    }

    async fn send(&self, out: Outgoing) -> Result<Sent, PlatformError> {
        let mut chat = recipient(&out.chat)?;
        let reply_to = out.reply_to.as_deref().and_then(|r| r.parse::<i32>().ok());
        let pieces = render(&out, MAX_MESSAGE_UTF16);
        if pieces.is_empty() {
            return Err(send_error("the message is empty: nothing to send"));
        }
        let last = pieces.len().saturating_sub(1);
        let mut row: Vec<InlineKeyboardButton> = out
            .buttons
            .iter()
            .map(|b| InlineKeyboardButton::callback(b.label.clone(), button_data(&b.data)))
            .collect();
        if out.rateable && self.opts.feedback_buttons {
            row.push(InlineKeyboardButton::callback("👍", RATE_UP));
            row.push(InlineKeyboardButton::callback("👎", RATE_DOWN));
        }
        let markup = (!row.is_empty()).then(|| InlineKeyboardMarkup::new([row]));
        let mut sent = Sent::default();
        for (i, piece) in pieces.iter().enumerate() {
            let buttons = if i == last { markup.as_ref() } else { None };
            // Only the first piece quotes the member's message; the rest follow it.
            let reply = if i == 0 { reply_to } else { None };
            let id = self.send_piece(&mut chat, piece, reply, buttons).await?;
            sent.message_ids.push(id);
        }
        for image in &out.images {
            sent.message_ids.push(self.send_image(&chat, image).await?);
        }
        Ok(sent)
    }

    async fn moderate(
        &self,
        chat: &ChatRef,
        user: &str,
        action: &ModAction,
    ) -> Result<(), PlatformError> {
        self.moderate_member(chat, user, action).await
    }

    async fn is_admin(&self, chat: &ChatRef, user: &str) -> bool {
        !chat.private && self.administers(chat, user).await
    }

    async fn typing(&self, chat: &ChatRef) -> Result<(), PlatformError> {
        let chat = recipient(chat)?;
        self.bot
            .send_chat_action(chat, ChatAction::Typing)
            .await
            .map(|_| ())
            .map_err(|e| send_error(e.to_string()))
    }
}
