//! A fake Telegram Bot API server on loopback, for the real teloxide client (pointed at it
//! through `api_url`). It queues updates for `getUpdates`, records every call, answers like
//! Telegram (message ids, HTML validation, the 4096 limit) and can be told to fail a method
//! with a 429, a 5xx or a markup error.
//!
//! Offsets: like Telegram, `getUpdates` returns the updates at or after the offset it is given,
//! and everything still held when given none. Unlike Telegram it never forgets a confirmed
//! update, which is what a bot sees when it restarts before its confirming call: only an
//! offset the bot stored itself keeps it from answering again.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use serde_json::{json, Value};
use tokio::sync::Notify;

pub const BOT_ID: u64 = 4242;
pub const BOT_USERNAME: &str = "lantern_bot";
pub const CHANNEL_USERNAME: &str = "@lantern_news";
pub const CHANNEL_ID: i64 = -1_001_234_567;
pub const TOKEN: &str = "4242:TEST-token_for-the-fake";

/// A recorded API call.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    pub body: Value,
    /// Whether the fake answered it with success.
    pub ok: bool,
    /// When it arrived.
    pub at: std::time::Instant,
}

/// A failure to inject into the next call of a method.
#[derive(Clone, Debug)]
pub enum Fault {
    /// 429 with `retry_after` seconds.
    RetryAfter(u32),
    /// A server error with a JSON body, as Telegram's front end sends.
    Status(u16),
    /// "can't parse entities", whatever the text.
    CantParse,
    /// Do the call but never answer, as when the client dies mid-request.
    Hold,
}

#[derive(Default)]
struct State_ {
    calls: Vec<Call>,
    updates: Vec<Value>,
    next_update: u32,
    next_message: i64,
    faults: HashMap<String, VecDeque<Fault>>,
    /// `getChatAdministrators` answers, by chat.
    admins: HashMap<i64, Vec<i64>>,
}

struct Inner {
    state: Mutex<State_>,
    changed: Notify,
}

pub struct FakeTelegram {
    /// The `api_url` to give the client.
    pub url: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let inner = Arc::new(Inner {
            state: Mutex::new(State_ {
                next_update: 1,
                next_message: 1000,
                ..State_::default()
            }),
            changed: Notify::new(),
        });
        let app = axum::Router::new()
            .route("/{bot}/{method}", post(handle))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Bot API");
        let addr = listener.local_addr().expect("address");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeTelegram {
            url: format!("http://{addr}/"),
            inner,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State_> {
        self.inner.state.lock().expect("fake state")
    }

    /// Queue an update of `kind` (`message`, `callback_query`, …); returns its update id.
    pub fn push(&self, kind: &str, body: Value) -> u32 {
        let mut s = self.state();
        let id = s.next_update;
        s.next_update += 1;
        s.updates.push(json!({"update_id": id, kind: body}));
        drop(s);
        self.inner.changed.notify_waiters();
        id
    }

    /// Queue raw update JSON (its `update_id` is set here).
    pub fn push_raw(&self, mut update: Value) -> u32 {
        let mut s = self.state();
        let id = s.next_update;
        s.next_update += 1;
        update["update_id"] = json!(id);
        s.updates.push(update);
        drop(s);
        self.inner.changed.notify_waiters();
        id
    }

    /// A member's text in a private chat (chat id = user id); returns the message id.
    pub fn private_text(&self, user: i64, text: &str) -> i64 {
        let id = self.message_id();
        self.push(
            "message",
            message(id, private_chat(user), member(user), json!({"text": text})),
        );
        id
    }

    /// A member's text in a supergroup, with optional extra message fields.
    pub fn group_text(&self, chat: i64, user: i64, text: &str, extra: Value) -> i64 {
        let id = self.message_id();
        let mut fields = json!({"text": text});
        if let (Some(f), Some(e)) = (fields.as_object_mut(), extra.as_object()) {
            f.extend(e.clone());
        }
        self.push(
            "message",
            message(id, group_chat(chat), member(user), fields),
        );
        id
    }

    pub fn message_id(&self) -> i64 {
        let mut s = self.state();
        s.next_message += 1;
        s.next_message
    }

    pub fn fail_next(&self, method: &str, fault: Fault) {
        self.state()
            .faults
            .entry(method.to_string())
            .or_default()
            .push_back(fault);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// Bodies of the successful calls of `method`, in order.
    pub fn ok_calls(&self, method: &str) -> Vec<Value> {
        self.state()
            .calls
            .iter()
            .filter(|c| c.ok && c.method == method)
            .map(|c| c.body.clone())
            .collect()
    }

    /// Messages delivered to `chat`, in order.
    /// The pictures sent to `chat` (`sendPhoto` bodies: `photo` is `{filename, bytes, png}`).
    pub fn photos_to(&self, chat: i64) -> Vec<Value> {
        self.ok_calls("sendPhoto")
            .into_iter()
            .filter(|b| b["chat_id"] == json!(chat))
            .collect()
    }

    pub fn sent_to(&self, chat: i64) -> Vec<Value> {
        self.ok_calls("sendMessage")
            .into_iter()
            .filter(|b| {
                b["chat_id"] == json!(chat)
                    || (chat == CHANNEL_ID && b["chat_id"] == json!(CHANNEL_USERNAME))
            })
            .collect()
    }

    /// Wait until `pred` holds on the calls, or fail after `secs` with what was seen.
    pub async fn wait_for(&self, secs: u64, what: &str, pred: impl Fn(&[Call]) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.inner.changed.notified();
            if pred(&self.state().calls) {
                return;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self
                    .calls()
                    .iter()
                    .map(|c| format!("{} {} {}", c.method, c.ok, c.body))
                    .collect();
                panic!(
                    "timed out after {secs} s waiting for {what}; calls:\n{}",
                    seen.join("\n")
                );
            }
        }
    }

    /// Wait until `n` messages were delivered to `chat`.
    pub async fn wait_sent(&self, chat: i64, n: usize, secs: u64) -> Vec<Value> {
        self.wait_for(secs, &format!("{n} message(s) to chat {chat}"), |calls| {
            calls
                .iter()
                .filter(|c| c.ok && c.method == "sendMessage" && c.body["chat_id"] == json!(chat))
                .count()
                >= n
        })
        .await;
        self.sent_to(chat)
    }

    /// Wait for `n` more `getUpdates` calls than were made so far.
    pub async fn wait_polls(&self, n: usize, secs: u64) {
        let before = self.count("getUpdates");
        self.wait_for(secs, "more getUpdates calls", |calls| {
            calls.iter().filter(|c| c.method == "getUpdates").count() >= before + n
        })
        .await;
    }

    /// The administrators `getChatAdministrators` reports for `chat`.
    pub fn set_admins(&self, chat: i64, users: &[i64]) {
        self.state().admins.insert(chat, users.to_vec());
    }

    /// `user` joins the group `chat` (a `chat_member` update), their app in `language`.
    pub fn join(&self, chat: i64, user: i64, language: &str) {
        let mut who = member(user);
        who["language_code"] = json!(language);
        self.push(
            "chat_member",
            json!({
                "chat": group_chat(chat), "from": who.clone(), "date": 1_700_000_000,
                "old_chat_member": {"status": "left", "user": who.clone()},
                "new_chat_member": {"status": "member", "user": who}
            }),
        );
    }

    /// `user` presses the button with callback `data` under the bot's message `message`
    /// in `chat`.
    pub fn press(&self, chat: i64, user: i64, message: i64, data: &str) {
        let chat_json = if chat > 0 {
            private_chat(chat)
        } else {
            group_chat(chat)
        };
        self.push(
            "callback_query",
            json!({
                "id": format!("cb{message}-{user}"), "from": member(user),
                "chat_instance": "ci", "data": data,
                "message": self::message(message, chat_json, bot_user(), json!({"text": "…"}))
            }),
        );
    }

    pub fn count(&self, method: &str) -> usize {
        self.state()
            .calls
            .iter()
            .filter(|c| c.method == method)
            .count()
    }
}

pub fn member(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Ann", "username": format!("member{id}")})
}

pub fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Lantern", "username": BOT_USERNAME})
}

pub fn private_chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Ann"})
}

pub fn group_chat(id: i64) -> Value {
    json!({"id": id, "type": "supergroup", "title": "Coffee lovers"})
}

pub fn message(id: i64, chat: Value, from: Value, fields: Value) -> Value {
    let mut m = json!({"message_id": id, "date": 1_700_000_000, "chat": chat, "from": from});
    if let (Some(m), Some(f)) = (m.as_object_mut(), fields.as_object()) {
        m.extend(f.clone());
    }
    m
}

fn ok(result: Value) -> Response {
    (
        StatusCode::OK,
        axum::Json(json!({"ok": true, "result": result})),
    )
        .into_response()
}

fn err(status: u16, description: &str, extra: Value) -> Response {
    let mut body = json!({"ok": false, "error_code": status, "description": description});
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        b.extend(e.clone());
    }
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, axum::Json(body)).into_response()
}

async fn handle(
    State(inner): State<Arc<Inner>>,
    Path((bot, method)): Path<(String, String)>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut body: Value = match super::multipart::boundary(content_type) {
        Some(boundary) => super::multipart::parse(&body, boundary),
        None => serde_json::from_slice(&body).unwrap_or(json!({})),
    };
    // Bot API method names are case-insensitive (teloxide sends `SendMessage`); record them
    // as the documentation spells them.
    let method = match method.chars().next() {
        Some(first) => format!("{}{}", first.to_ascii_lowercase(), &method[1..]),
        None => method,
    };
    if bot != format!("bot{TOKEN}") {
        record(&inner, &method, &body, false);
        return err(401, "Unauthorized", json!({}));
    }
    // A fault for `method@chat` (e.g. `sendMessage@-100500`) only hits calls to that chat.
    let chat = match &body["chat_id"] {
        Value::String(s) => s.clone(),
        v => v.to_string(),
    };
    let fault = {
        let mut s = inner.state.lock().expect("fake state");
        match s
            .faults
            .get_mut(&format!("{method}@{chat}"))
            .and_then(VecDeque::pop_front)
        {
            Some(f) => Some(f),
            None => s.faults.get_mut(&method).and_then(VecDeque::pop_front),
        }
    };
    if let Some(Fault::Hold) = fault {
        let response = match method.as_str() {
            "sendMessage" => send_message(&inner, &mut body),
            _ => ok(json!(true)),
        };
        record(&inner, &method, &body, true);
        drop(response);
        std::future::pending::<()>().await;
    }
    if let Some(fault) = fault {
        record(&inner, &method, &body, false);
        return match fault {
            Fault::RetryAfter(s) => err(
                429,
                &format!("Too Many Requests: retry after {s}"),
                json!({"parameters": {"retry_after": s}}),
            ),
            Fault::Status(code) => err(code, "Bad Gateway", json!({})),
            Fault::Hold => unreachable!("handled above"),
            Fault::CantParse => err(
                400,
                "Bad Request: can't parse entities: Unsupported start tag at byte offset 0",
                json!({}),
            ),
        };
    }
    let response = match method.as_str() {
        "getMe" => ok(json!({
            "id": BOT_ID, "is_bot": true, "first_name": "Lantern", "username": BOT_USERNAME,
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getUpdates" => return get_updates(&inner, body).await,
        "getChatAdministrators" => {
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            let admins = inner
                .state
                .lock()
                .expect("fake state")
                .admins
                .get(&chat)
                .cloned()
                .unwrap_or_default();
            ok(admins
                .iter()
                .map(|id| {
                    json!({
                        "status": "administrator", "user": member(*id),
                        "is_anonymous": false, "can_be_edited": false, "can_manage_chat": true,
                        "can_change_info": true, "can_delete_messages": true,
                        "can_manage_video_chats": true, "can_invite_users": true,
                        "can_restrict_members": true, "can_promote_members": false
                    })
                })
                .collect())
        }
        "sendMessage" => send_message(&inner, &mut body),
        "sendPhoto" => send_photo(&inner, &mut body),
        "getWebhookInfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "deleteWebhook"
        | "setWebhook"
        | "setMyCommands"
        | "sendChatAction"
        | "answerCallbackQuery"
        | "deleteMessage"
        | "restrictChatMember"
        | "banChatMember"
        | "unbanChatMember" => ok(json!(true)),
        other => err(404, &format!("Not Found: method {other}"), json!({})),
    };
    record(&inner, &method, &body, response.status().is_success());
    response
}

/// The fields of a `multipart/form-data` body (teloxide sends methods that may upload files
/// this way); JSON-looking values are parsed.
fn record(inner: &Inner, method: &str, body: &Value, ok: bool) {
    inner.state.lock().expect("fake state").calls.push(Call {
        method: method.to_string(),
        body: body.clone(),
        ok,
        at: std::time::Instant::now(),
    });
    inner.changed.notify_waiters();
}

async fn get_updates(inner: &Arc<Inner>, body: Value) -> Response {
    let offset = body["offset"].as_i64();
    let wait = body["timeout"].as_u64().unwrap_or(0).min(1);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(wait);
    loop {
        let notified = inner.changed.notified();
        let batch: Vec<Value> = {
            let s = inner.state.lock().expect("fake state");
            s.updates
                .iter()
                .filter(|u| offset.is_none_or(|o| u["update_id"].as_i64().unwrap_or(0) >= o))
                .cloned()
                .collect()
        };
        if !batch.is_empty() || tokio::time::timeout_at(deadline, notified).await.is_err() {
            record(inner, "getUpdates", &body, true);
            return ok(Value::Array(batch));
        }
    }
}

/// Deliver a message; the id it got is recorded in the call's body as `_sent_id`.
/// A picture upload: it must be a file, and a PNG here (herald sends only charts).
fn send_photo(inner: &Inner, body: &mut Value) -> Response {
    let Some(chat) = body["chat_id"].as_i64() else {
        return err(400, "Bad Request: chat not found", json!({}));
    };
    // Uploads are named parts the field points at: `"photo": "attach://<part>"`.
    if let Some(part) = body["photo"]
        .as_str()
        .and_then(|p| p.strip_prefix("attach://"))
    {
        let file = body[part].clone();
        body["photo"] = file;
    }
    if body["photo"]["png"] != json!(true) {
        return err(400, "Bad Request: IMAGE_PROCESS_FAILED", json!({}));
    }
    let id = {
        let mut s = inner.state.lock().expect("fake state");
        s.next_message += 1;
        s.next_message
    };
    body["_sent_id"] = json!(id);
    let chat_json = if chat > 0 {
        private_chat(chat)
    } else {
        group_chat(chat)
    };
    let size = |w: u32, h: u32| {
        json!({"file_id": format!("photo-{id}-{w}"), "file_unique_id": format!("u{id}-{w}"),
               "width": w, "height": h, "file_size": 1000})
    };
    let mut fields = json!({"photo": [size(90, 42), size(900, 420)]});
    if let Some(c) = body["caption"].as_str() {
        fields["caption"] = json!(c);
    }
    ok(message(id, chat_json, bot_user(), fields))
}

fn send_message(inner: &Inner, body: &mut Value) -> Response {
    // Public channels may be named by `@username`; this fake knows one.
    let chat = match &body["chat_id"] {
        Value::String(name) if name == CHANNEL_USERNAME => CHANNEL_ID,
        v => match v.as_i64() {
            Some(id) => id,
            None => return err(400, "Bad Request: chat not found", json!({})),
        },
    };
    let text = body["text"].as_str().unwrap_or("");
    let shown = if body["parse_mode"] == "HTML" {
        match parse_html(text) {
            Some(t) => t,
            None => {
                return err(
                    400,
                    "Bad Request: can't parse entities: unsupported tag or unescaped character",
                    json!({}),
                )
            }
        }
    } else {
        text.to_string()
    };
    if shown.trim().is_empty() {
        return err(400, "Bad Request: message text is empty", json!({}));
    }
    if shown.encode_utf16().count() > 4096 {
        return err(400, "Bad Request: message is too long", json!({}));
    }
    let id = {
        let mut s = inner.state.lock().expect("fake state");
        s.next_message += 1;
        s.next_message
    };
    body["_sent_id"] = json!(id);
    let chat_json = if chat == CHANNEL_ID {
        json!({"id": CHANNEL_ID, "type": "channel", "title": "Lantern news", "username": "lantern_news"})
    } else if chat > 0 {
        private_chat(chat)
    } else {
        group_chat(chat)
    };
    ok(message(id, chat_json, bot_user(), json!({"text": shown})))
}

pub use super::telegram_html::{parse_html, shown};
