//! Receiving: long polling with an offset kept in the state store (a restart neither drops
//! nor repeats an update), or a webhook server that checks Telegram's secret token.

use std::collections::{HashSet, VecDeque};
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use tokio::sync::{mpsc, watch};

use herald_platform::{Inbound, PlatformError, PlatformKind};

use crate::convert::{convert, Identity, Rules, Skip};
use crate::{config_error, pause, TelegramAdapter, WebhookOptions};

/// Updates herald asks for. `chat_member` and `message_reaction` are only sent when asked.
fn allowed_updates() -> Vec<AllowedUpdate> {
    vec![
        AllowedUpdate::Message,
        AllowedUpdate::CallbackQuery,
        AllowedUpdate::MessageReaction,
        AllowedUpdate::ChatMember,
    ]
}

fn offset_key(me: &Identity) -> String {
    format!("telegram:{}:offset", me.id)
}

/// Convert one update and hand it to the engine. `Err` only when the engine is gone.
async fn take(
    adapter: &TelegramAdapter,
    me: &Identity,
    update: &Update,
    tx: &mpsc::Sender<Inbound>,
) -> Result<(), PlatformError> {
    if let UpdateKind::CallbackQuery(q) = &update.kind {
        // Every press is acknowledged, or the member's client shows a spinner for a while.
        let bot = adapter.bot.clone();
        let id = q.id.clone();
        let known = matches!(q.data.as_deref(), Some(crate::RATE_UP | crate::RATE_DOWN));
        tokio::spawn(async move {
            let mut req = bot.answer_callback_query(id);
            if known {
                req = req.text("Thanks for the feedback!");
            }
            if let Err(e) = req.await {
                tracing::debug!(error = %e, "telegram: answerCallbackQuery failed");
            }
        });
    }
    let rules = Rules {
        me,
        allowed_chats: &adapter.opts.allowed_chats,
        managers: &adapter.opts.managers,
    };
    match convert(update, &rules) {
        Ok(mut inbound) => {
            match &mut inbound {
                Inbound::Message(m) => adapter.admins_are_managers(m).await,
                Inbound::Button {
                    chat,
                    user,
                    manager,
                    ..
                } if !*manager && adapter.opts.managers_from_admins && !chat.private => {
                    *manager = adapter.administers(chat, user).await;
                }
                _ => {}
            }
            tx.send(inbound)
                .await
                .map_err(|_| PlatformError::EngineGone)
        }
        Err(Skip::Unknown) => {
            tracing::warn!(
                update = update.id.0,
                "telegram: an update kind this version cannot read; skipped"
            );
            Ok(())
        }
        Err(why) => {
            tracing::debug!(update = update.id.0, ?why, "telegram: update skipped");
            Ok(())
        }
    }
}

pub(crate) async fn poll(
    adapter: &TelegramAdapter,
    me: &Identity,
    tx: mpsc::Sender<Inbound>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PlatformError> {
    // A webhook left behind makes getUpdates fail with "Conflict".
    if let Err(e) = adapter.bot.delete_webhook().await {
        tracing::warn!(error = %e, "telegram: deleteWebhook failed");
    }
    let key = offset_key(me);
    let mut offset: Option<i32> = adapter.state.load(&key).and_then(|v| v.parse().ok());
    let mut failures = 0u32;
    let timeout = adapter.opts.poll_timeout.as_secs().min(15) as u32;
    loop {
        let mut req = adapter
            .bot
            .get_updates()
            .timeout(timeout)
            .allowed_updates(allowed_updates());
        if let Some(o) = offset {
            req = req.offset(o);
        }
        let result = tokio::select! {
            r = req.send() => r,
            _ = shutdown.wait_for(|s| *s) => return Ok(()),
        };
        let updates = match result {
            Ok(u) => {
                if failures > 0 {
                    tracing::info!(failures, "telegram: polling recovered");
                }
                failures = 0;
                adapter.set_connected(true);
                u
            }
            Err(e) => {
                failures += 1;
                adapter.set_connected(false);
                if failures == 1 || failures.is_multiple_of(10) {
                    tracing::warn!(error = %e, failures, "telegram: getUpdates failed; retrying");
                }
                if !pause(adapter.opts.backoff.delay(failures), &mut shutdown).await {
                    return Ok(());
                }
                continue;
            }
        };
        for update in &updates {
            take(adapter, me, update, &tx).await?;
            // Stored once the engine has the update: after a restart polling starts behind
            // it, so nothing is answered twice (the engine answers what it holds at shutdown).
            let next = update.id.0.saturating_add(1) as i32;
            offset = Some(next);
            if let Err(e) = adapter.state.save(&key, &next.to_string()) {
                tracing::error!(error = %e, "telegram: could not store the update offset");
            }
        }
    }
}

/// Update ids recently taken through the webhook: Telegram redelivers when a response is slow.
#[derive(Default)]
struct Recent {
    seen: HashSet<u32>,
    order: VecDeque<u32>,
}

impl Recent {
    fn first_time(&mut self, id: u32) -> bool {
        if !self.seen.insert(id) {
            return false;
        }
        self.order.push_back(id);
        if self.order.len() > 4096 {
            if let Some(old) = self.order.pop_front() {
                self.seen.remove(&old);
            }
        }
        true
    }
}

#[derive(Clone)]
struct Hook {
    secret: Arc<str>,
    updates: mpsc::Sender<Update>,
    recent: Arc<Mutex<Recent>>,
}

/// Compare without an early exit, so the secret cannot be guessed from response times.
fn same_secret(given: &[u8], want: &[u8]) -> bool {
    given.len() == want.len()
        && given
            .iter()
            .zip(want)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

async fn hook(State(h): State<Hook>, headers: HeaderMap, body: String) -> StatusCode {
    let given = headers
        .get("x-telegram-bot-api-secret-token")
        .map(|v| v.as_bytes())
        .unwrap_or_default();
    if !same_secret(given, h.secret.as_bytes()) {
        tracing::warn!("telegram: webhook request without the right secret token refused");
        return StatusCode::UNAUTHORIZED;
    }
    let update: Update = match serde_json::from_str(&body) {
        Ok(u) => u,
        Err(e) => {
            tracing::warn!(error = %e, "telegram: webhook body is not an update");
            return StatusCode::BAD_REQUEST;
        }
    };
    let fresh = h
        .recent
        .lock()
        .map(|mut r| r.first_time(update.id.0))
        .unwrap_or(true);
    if fresh && h.updates.send(update).await.is_err() {
        return StatusCode::SERVICE_UNAVAILABLE;
    }
    StatusCode::OK
}

pub(crate) async fn webhook(
    adapter: &TelegramAdapter,
    me: &Identity,
    opts: &WebhookOptions,
    tx: mpsc::Sender<Inbound>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PlatformError> {
    let listener = tokio::net::TcpListener::bind(opts.listen)
        .await
        .map_err(|e| config_error(format!("webhook cannot listen on {}: {e}", opts.listen)))?;
    if let Ok(addr) = listener.local_addr() {
        let _ = adapter.webhook_addr.set(addr);
    }
    let mut failures = 0;
    loop {
        let req = adapter
            .bot
            .set_webhook(opts.url.clone())
            .secret_token(opts.secret_token.clone())
            .allowed_updates(allowed_updates());
        match req.await {
            Ok(_) => break,
            Err(e) if crate::classify(&e) == crate::Next::GiveUp => {
                return Err(config_error(format!("setWebhook refused: {e}")))
            }
            Err(e) => {
                failures += 1;
                tracing::warn!(error = %e, "telegram: setWebhook failed; retrying");
                if !pause(adapter.opts.backoff.delay(failures), &mut shutdown).await {
                    return Ok(());
                }
            }
        }
    }
    let (updates_tx, mut updates) = mpsc::channel::<Update>(256);
    let app = axum::Router::new()
        .route(opts.url.path(), post(hook))
        .with_state(Hook {
            secret: opts.secret_token.as_str().into(),
            updates: updates_tx,
            recent: Arc::default(),
        });
    let mut stop = shutdown.clone();
    let server = tokio::spawn(async move {
        let graceful = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        axum::serve(listener, app)
            .with_graceful_shutdown(graceful)
            .await
    });
    tracing::info!(url = %opts.url, "telegram: webhook set");
    loop {
        let update = tokio::select! {
            u = updates.recv() => u,
            _ = shutdown.wait_for(|s| *s) => None,
        };
        let Some(update) = update else { break };
        take(adapter, me, &update, &tx).await?;
    }
    match server.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(PlatformError::Receive {
            platform: PlatformKind::Telegram,
            reason: format!("webhook server: {e}"),
        }),
        Err(e) => Err(PlatformError::Receive {
            platform: PlatformKind::Telegram,
            reason: format!("webhook server: {e}"),
        }),
    }
}
