//! A fake Discord on loopback for the real serenity client: the REST API under `/api/v10`
//! (reached through serenity's `proxy` option) and a gateway websocket at `/ws` (HELLO,
//! IDENTIFY → READY, heartbeats, RESUME → replay + RESUMED). Tests script gateway events,
//! inject REST faults and gateway closes, and read back every call and every message that
//! landed in a channel. Channel messages honour `enforce_nonce` like Discord does.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message as Ws, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{json, Value};
use tokio::sync::{mpsc, Notify};

pub const TOKEN: &str = "MTIzNDU2.fake.discord-token";
pub const BOT_ID: u64 = 900;
pub const APP_ID: u64 = 901;
pub const GUILD: u64 = 7000;
/// The server's administrator role.
pub const ADMIN_ROLE: u64 = 7100;
pub const CHANNEL: u64 = 7001;
const GUILD_MEMBERS: u64 = 1 << 1;

/// A recorded REST call.
#[derive(Clone, Debug)]
pub struct Call {
    pub method: String,
    /// The path after `/api/v10`, e.g. `/channels/7001/messages`.
    pub path: String,
    pub body: Value,
    pub status: u16,
}

/// A failure to inject into the next REST call whose path ends with a given suffix.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer this status with a Discord-style error body, doing nothing.
    Status(u16),
    /// Do the call (the message is created) but answer 502, as when a response is lost.
    LostResponse,
    /// Do the call but never answer, as when the client dies mid-request.
    Hold,
}

#[derive(Default)]
struct State_ {
    calls: Vec<Call>,
    /// channel id → messages that landed there, in order.
    channels: HashMap<u64, Vec<Value>>,
    next_id: u64,
    faults: Vec<(String, VecDeque<Fault>)>,
    /// Gateway: every dispatched event (seq, payload) for resumes.
    events: Vec<Value>,
    seq: u64,
    connection: Option<mpsc::UnboundedSender<Ws>>,
    /// Ops the gateway received, in order (2 = IDENTIFY, 6 = RESUME).
    ops: Vec<Value>,
    refuse_members_intent: bool,
    refuse_token: bool,
    /// Members holding the server's administrator role.
    admins: Vec<u64>,
}

struct Inner {
    state: Mutex<State_>,
    changed: Notify,
    ws_url: Mutex<String>,
}

pub struct FakeDiscord {
    /// The `proxy_url` to give the adapter.
    pub url: String,
    inner: Arc<Inner>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        self.server.abort();
    }
}

use super::discord_payloads::{guild_member, guild_roles, member};
pub use super::discord_payloads::{message, user};

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let inner = Arc::new(Inner {
            state: Mutex::new(State_ {
                next_id: 100_000,
                ..State_::default()
            }),
            changed: Notify::new(),
            ws_url: Mutex::new(String::new()),
        });
        let app = axum::Router::new()
            .route("/ws", get(gateway))
            .route("/api/v10/{*path}", any(rest))
            .with_state(inner.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake Discord");
        let addr = listener.local_addr().expect("address");
        *inner.ws_url.lock().expect("ws url") = format!("ws://{addr}/ws");
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeDiscord {
            url: format!("http://{addr}"),
            inner,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State_> {
        self.inner.state.lock().expect("fake state")
    }

    pub fn next_id(&self) -> u64 {
        let mut s = self.state();
        s.next_id += 1;
        s.next_id
    }

    /// Inject `fault` into the next REST call whose path ends with `suffix`.
    pub fn fail_next(&self, suffix: &str, fault: Fault) {
        let mut s = self.state();
        match s.faults.iter_mut().find(|(p, _)| p == suffix) {
            Some((_, q)) => q.push_back(fault),
            None => s.faults.push((suffix.to_string(), VecDeque::from([fault]))),
        }
    }

    /// Close the gateway with code 4014 whenever IDENTIFY asks for the members intent.
    pub fn refuse_members_intent(&self) {
        self.state().refuse_members_intent = true;
    }

    /// Give `user` the server's administrator role (a role with the ADMINISTRATOR bit).
    pub fn set_admin(&self, user: u64) {
        self.state().admins.push(user);
    }

    /// Answer 401 to everything, as Discord does for a revoked token.
    pub fn refuse_token(&self) {
        self.state().refuse_token = true;
    }

    /// Send a gateway event (op 0) to the connected shard; kept for resumes.
    pub fn dispatch(&self, kind: &str, data: Value) {
        let mut s = self.state();
        s.seq += 1;
        let event = json!({"op": 0, "t": kind, "s": s.seq, "d": data});
        s.events.push(event.clone());
        if let Some(c) = &s.connection {
            let _ = c.send(Ws::Text(event.to_string().into()));
        }
    }

    /// Close the gateway connection with `code` (e.g. 4000, which clients resume after).
    pub fn close(&self, code: u16) {
        if let Some(c) = self.state().connection.take() {
            let _ = c.send(Ws::Close(Some(CloseFrame {
                code,
                reason: "closed by the test".into(),
            })));
        }
    }

    /// A member's DM; returns the message id. The DM channel id is `user + 1_000_000`.
    pub fn dm(&self, user: u64, text: &str) -> u64 {
        let id = self.next_id();
        let m = message(id, dm_channel(user), self::user(user, false), text);
        self.dispatch("MESSAGE_CREATE", m);
        id
    }

    /// A member's message in the server channel, with extra fields merged in.
    pub fn guild_message(&self, user: u64, text: &str, extra: Value) -> u64 {
        let id = self.next_id();
        let mut m = message(id, CHANNEL, self::user(user, false), text);
        m["guild_id"] = json!(GUILD.to_string());
        m["member"] = member(&[]);
        if let Some(o) = extra.as_object() {
            for (k, v) in o {
                m[k] = v.clone();
            }
        }
        self.dispatch("MESSAGE_CREATE", m);
        id
    }

    /// A slash command in the server channel; returns the interaction id.
    pub fn slash(&self, user: u64, name: &str, options: Value) -> u64 {
        let id = self.next_id();
        let data = json!({"id": "600", "name": name, "type": 1, "options": options});
        self.dispatch("INTERACTION_CREATE", interaction(id, 2, user, data));
        id
    }

    /// A press of the button `custom_id` under the bot's message `message_id`.
    pub fn press(&self, user: u64, channel: u64, message_id: u64, custom_id: &str) {
        let id = self.next_id();
        let mut i = interaction(
            id,
            3,
            user,
            json!({"custom_id": custom_id, "component_type": 2}),
        );
        i["channel_id"] = json!(channel.to_string());
        i["message"] = message(message_id, channel, self::user(BOT_ID, true), "answer");
        self.dispatch("INTERACTION_CREATE", i);
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    pub fn ops(&self) -> Vec<Value> {
        self.state().ops.clone()
    }

    /// Messages that landed in `channel` (channel posts and interaction follow-ups).
    pub fn messages(&self, channel: u64) -> Vec<Value> {
        self.state()
            .channels
            .get(&channel)
            .cloned()
            .unwrap_or_default()
    }

    /// Wait until `pred` holds on the fake's state, or fail after `secs` showing the calls.
    pub async fn wait_until(&self, secs: u64, what: &str, pred: impl Fn(&FakeView) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(secs);
        loop {
            let notified = self.inner.changed.notified();
            {
                let s = self.state();
                let view = FakeView {
                    calls: &s.calls,
                    channels: &s.channels,
                    ops: &s.ops,
                };
                if pred(&view) {
                    return;
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                let seen: Vec<String> = self
                    .calls()
                    .iter()
                    .map(|c| format!("{} {} {} {}", c.status, c.method, c.path, c.body))
                    .collect();
                panic!(
                    "timed out after {secs} s waiting for {what}; calls:\n{}",
                    seen.join("\n")
                );
            }
        }
    }

    /// Wait until `n` messages landed in `channel`; returns them.
    pub async fn wait_messages(&self, channel: u64, n: usize, secs: u64) -> Vec<Value> {
        self.wait_until(secs, &format!("{n} message(s) in {channel}"), |v| {
            v.channels.get(&channel).map_or(0, Vec::len) >= n
        })
        .await;
        self.messages(channel)
    }

    /// Wait until the gateway has a READY'd (or resumed) connection.
    pub async fn wait_connected(&self, secs: u64) {
        self.wait_until(secs, "a gateway session", |v| {
            v.ops.iter().any(|o| o["op"] == 2 || o["op"] == 6)
        })
        .await;
        // READY goes out right after IDENTIFY; give the shard a moment to take it.
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// What `wait_until` predicates see.
pub struct FakeView<'a> {
    pub calls: &'a [Call],
    pub channels: &'a HashMap<u64, Vec<Value>>,
    pub ops: &'a [Value],
}

pub fn dm_channel(user: u64) -> u64 {
    user + 1_000_000
}

fn interaction(id: u64, kind: u8, user: u64, data: Value) -> Value {
    let mut m = member(&[]);
    m["user"] = self::user(user, false);
    m["permissions"] = json!("0");
    json!({
        "id": id.to_string(), "application_id": APP_ID.to_string(), "type": kind, "data": data,
        "guild_id": GUILD.to_string(), "channel_id": CHANNEL.to_string(), "member": m,
        "token": format!("itoken-{id}"), "version": 1, "locale": "en-US", "app_permissions": "0",
        "entitlements": [], "authorizing_integration_owners": {"0": GUILD.to_string()},
        "context": 0, "attachment_size_limit": 8388608
    })
}

async fn rest(
    State(inner): State<Arc<Inner>>,
    method: Method,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
    body: axum::body::Bytes,
) -> Response {
    let path = format!("/{path}");
    let content_type = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // With files, serenity sends `payload_json` and `files[n]` parts.
    let body: Value = match super::multipart::boundary(content_type) {
        Some(boundary) => {
            let parts = super::multipart::parse(&body, boundary);
            let mut json = parts["payload_json"].clone();
            let files: Vec<Value> = parts
                .as_object()
                .into_iter()
                .flatten()
                .filter(|(k, _)| k.starts_with("files["))
                .map(|(_, v)| v.clone())
                .collect();
            if json.is_object() {
                json["_files"] = json!(files);
            }
            json
        }
        None => serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let held = inner
        .state
        .lock()
        .expect("fake state")
        .faults
        .iter()
        .find(|(suffix, q)| path.ends_with(suffix.as_str()) && !q.is_empty())
        .is_some_and(|(_, q)| matches!(q.front(), Some(Fault::Hold)));
    let (status, response) = answer(&inner, &method, &path, &body);
    inner.state.lock().expect("fake state").calls.push(Call {
        method: method.to_string(),
        path,
        body,
        status: status.as_u16(),
    });
    inner.changed.notify_waiters();
    if held {
        std::future::pending::<()>().await;
    }
    match response {
        Some(v) => (status, axum::Json(v)).into_response(),
        None => status.into_response(),
    }
}

fn answer(inner: &Inner, method: &Method, path: &str, body: &Value) -> (StatusCode, Option<Value>) {
    let mut s = inner.state.lock().expect("fake state");
    if s.refuse_token {
        return (
            StatusCode::UNAUTHORIZED,
            Some(json!({"message": "401: Unauthorized", "code": 0})),
        );
    }
    let fault = s
        .faults
        .iter_mut()
        .find(|(suffix, q)| path.ends_with(suffix.as_str()) && !q.is_empty())
        .and_then(|(_, q)| q.pop_front());
    let mut lost = false;
    match fault {
        Some(Fault::Status(code)) => {
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let message = if code == 429 {
                "You are being rate limited."
            } else {
                "scripted failure"
            };
            let body = if code == 429 {
                json!({"message": message, "retry_after": 0.05, "global": false})
            } else {
                json!({"message": message, "code": 0})
            };
            return (status, Some(body));
        }
        Some(Fault::LostResponse) => lost = true,
        // Done as usual; `rest` holds the response back.
        Some(Fault::Hold) => {}
        None => {}
    }
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let ws_url = inner.ws_url.lock().expect("ws url").clone();
    let result = match (method.as_str(), parts.as_slice()) {
        ("GET", ["users", "@me"]) => (StatusCode::OK, Some(user(BOT_ID, true))),
        ("GET", ["gateway"]) => (StatusCode::OK, Some(json!({"url": ws_url}))),
        ("GET", ["gateway", "bot"]) => (
            StatusCode::OK,
            Some(json!({"url": ws_url, "shards": 1, "session_start_limit":
                {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}})),
        ),
        ("PUT", ["applications", _, "commands"])
        | ("PUT", ["applications", _, "guilds", _, "commands"]) => {
            let list: Vec<Value> = body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .enumerate()
                .map(|(i, mut c)| {
                    c["id"] = json!((700 + i).to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    c["type"] = json!(1);
                    c["default_member_permissions"] = Value::Null;
                    c
                })
                .collect();
            (StatusCode::OK, Some(Value::Array(list)))
        }
        ("POST", ["channels", channel, "messages"]) => {
            let Ok(channel) = channel.parse::<u64>() else {
                return (StatusCode::NOT_FOUND, None);
            };
            create(&mut s, channel, body)
        }
        ("POST", ["channels", _, "typing"]) => (StatusCode::NO_CONTENT, None),
        // Who administers the server: a member's roles, and the server's roles with their
        // permissions (@everyone has the server's id; 8 is ADMINISTRATOR).
        ("GET", ["guilds", _, "members", id]) => {
            let id = id.parse().unwrap_or(0);
            let admin = s.admins.contains(&id);
            (
                StatusCode::OK,
                Some(guild_member(id, if admin { &[ADMIN_ROLE] } else { &[] })),
            )
        }
        ("GET", ["guilds", _, "roles"]) => (StatusCode::OK, Some(guild_roles(GUILD, ADMIN_ROLE))),
        // Moderation: deleting a message, timing a member out, banning, kicking.
        ("DELETE", ["channels", _, "messages", _])
        | ("PUT", ["guilds", _, "bans", _])
        | ("DELETE", ["guilds", _, "bans", _])
        | ("DELETE", ["guilds", _, "members", _]) => (StatusCode::NO_CONTENT, None),
        ("PATCH", ["guilds", guild, "members", id]) => {
            let mut m = guild_member(id.parse().unwrap_or(0), &[]);
            m["guild_id"] = json!(guild);
            m["communication_disabled_until"] = body["communication_disabled_until"].clone();
            (StatusCode::OK, Some(m))
        }
        ("POST", ["interactions", _, _, "callback"]) => (StatusCode::NO_CONTENT, None),
        ("POST", ["webhooks", _, _token]) => {
            // Follow-ups land in the channel the interaction came from.
            create(&mut s, CHANNEL, body)
        }
        _ => (
            StatusCode::NOT_FOUND,
            Some(json!({"message": "404: Not Found", "code": 0})),
        ),
    };
    if lost && result.0.is_success() {
        return (
            StatusCode::BAD_GATEWAY,
            Some(json!({"message": "upstream lost", "code": 0})),
        );
    }
    result
}

/// Create a message as Discord does: content within 2000 UTF-16 units, a repeated nonce
/// with `enforce_nonce` returns the first message instead of posting again.
fn create(s: &mut State_, channel: u64, body: &Value) -> (StatusCode, Option<Value>) {
    let content = body["content"].as_str().unwrap_or_default();
    if content.is_empty() && body["embeds"].as_array().is_none_or(Vec::is_empty) {
        return (
            StatusCode::BAD_REQUEST,
            Some(json!({"message": "Cannot send an empty message", "code": 50006})),
        );
    }
    if content.encode_utf16().count() > 2000 {
        return (
            StatusCode::BAD_REQUEST,
            Some(json!({"message": "Invalid Form Body", "code": 50035})),
        );
    }
    if body["enforce_nonce"] == json!(true) {
        if let Some(existing) = s.channels.get(&channel).and_then(|ms| {
            ms.iter()
                .find(|m| m["nonce"] == body["nonce"] && !body["nonce"].is_null())
        }) {
            return (StatusCode::OK, Some(existing.clone()));
        }
    }
    s.next_id += 1;
    let mut m = message(s.next_id, channel, user(BOT_ID, true), content);
    m["nonce"] = body["nonce"].clone();
    // What the test asserts on besides the content: what was asked of Discord.
    m["_request"] = body.clone();
    s.channels.entry(channel).or_default().push(m.clone());
    (StatusCode::OK, Some(m))
}

async fn gateway(State(inner): State<Arc<Inner>>, ws: WebSocketUpgrade) -> Response {
    ws.on_upgrade(move |socket| session(inner, socket))
}

async fn session(inner: Arc<Inner>, mut socket: WebSocket) {
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if socket
        .send(Ws::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    let (tx, mut rx) = mpsc::unbounded_channel::<Ws>();
    loop {
        tokio::select! {
            out = rx.recv() => {
                let Some(out) = out else { return };
                let closing = matches!(out, Ws::Close(_));
                if socket.send(out).await.is_err() || closing {
                    return;
                }
            }
            incoming = socket.recv() => {
                let Some(Ok(Ws::Text(text))) = incoming else {
                    match incoming {
                        Some(Ok(_)) => continue,
                        _ => return,
                    }
                };
                let Ok(v) = serde_json::from_str::<Value>(&text) else { continue };
                let replies = on_op(&inner, &v, &tx);
                inner.changed.notify_waiters();
                for r in replies {
                    if socket.send(r).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

/// The gateway's answer to one op from the client.
fn on_op(inner: &Inner, v: &Value, tx: &mpsc::UnboundedSender<Ws>) -> Vec<Ws> {
    let mut s = inner.state.lock().expect("fake state");
    let mut op = v.clone();
    if let Some(d) = op.get_mut("d").and_then(Value::as_object_mut) {
        d.remove("token");
    }
    s.ops.push(op);
    let text = |v: Value| Ws::Text(v.to_string().into());
    match v["op"].as_u64() {
        Some(1) => vec![text(json!({"op": 11}))],
        Some(2) => {
            let intents = v["d"]["intents"].as_u64().unwrap_or(0);
            if s.refuse_members_intent && intents & GUILD_MEMBERS != 0 {
                return vec![Ws::Close(Some(CloseFrame {
                    code: 4014,
                    reason: "Disallowed intent(s).".into(),
                }))];
            }
            s.connection = Some(tx.clone());
            s.seq += 1;
            let ws_url = inner.ws_url.lock().expect("ws url").clone();
            let ready = json!({"op": 0, "t": "READY", "s": s.seq, "d": {
                "v": 10, "user": user(BOT_ID, true), "guilds": [{"id": GUILD.to_string(), "unavailable": true}],
                "session_id": "fake-session", "resume_gateway_url": ws_url,
                "shard": [0, 1], "application": {"id": APP_ID.to_string(), "flags": 0},
                "private_channels": [], "presences": [], "relationships": []
            }});
            vec![text(ready)]
        }
        Some(6) => {
            s.connection = Some(tx.clone());
            let after = v["d"]["seq"].as_u64().unwrap_or(0);
            let mut out: Vec<Ws> = s
                .events
                .iter()
                .filter(|e| e["s"].as_u64().unwrap_or(0) > after)
                .map(|e| text(e.clone()))
                .collect();
            s.seq += 1;
            out.push(text(json!({"op": 0, "t": "RESUMED", "s": s.seq, "d": {}})));
            out
        }
        _ => Vec::new(),
    }
}
