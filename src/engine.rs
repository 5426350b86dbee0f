//! The engine: adapters feed one bounded channel; each conversation is handled in order
//! on its own task (so a follow-up sees the previous turn), conversations run concurrently
//! up to a cap, and replies go back through the adapter they came from. Ratings, reactions
//! and joins go to the engagement log, and so do the ids of the messages each reply became.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch, Semaphore};
use tokio::task::JoinSet;

use herald_platform::{
    ChatRef, Inbound, Incoming, Outgoing, Platform, PlatformError, PlatformKind,
};

use crate::bot::{Bot, Followup, Forward, Moderated, PRIVACY_ROUTE};
use crate::engagement::{EngagementLog, SentInfo};
use crate::moderation::Sanction;

/// How the engine runs.
#[derive(Clone, Debug)]
pub struct EngineOptions {
    pub concurrency: usize,
    pub queue: usize,
    /// Stop once every adapter's source has ended and the replies are sent (`herald chat`);
    /// otherwise run until shutdown (`herald run`).
    pub stop_when_sources_end: bool,
    /// Show "typing…" when an answer takes longer than this, refreshed while it is made.
    pub typing_after: Duration,
}

impl Default for EngineOptions {
    fn default() -> Self {
        EngineOptions {
            concurrency: 32,
            queue: 256,
            stop_when_sources_end: false,
            typing_after: Duration::from_millis(300),
        }
    }
}

/// Run until `shutdown` turns true (or the sources end, when asked to). An adapter that
/// cannot work as configured (a refused token, a port in use) stops the engine: its error is
/// returned, after the messages already received are answered.
pub async fn run(
    bot: Arc<Bot>,
    log: EngagementLog,
    adapters: Vec<Arc<dyn Platform>>,
    opts: EngineOptions,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PlatformError> {
    let (tx, mut rx) = mpsc::channel::<Inbound>(opts.queue.max(1));
    let by_kind: Arc<HashMap<PlatformKind, Arc<dyn Platform>>> =
        Arc::new(adapters.iter().map(|a| (a.kind(), a.clone())).collect());
    let mut listeners = JoinSet::new();
    for adapter in adapters {
        let tx = tx.clone();
        let stop = shutdown.clone();
        listeners.spawn(async move {
            let result = adapter.listen(tx, stop).await;
            if let Err(e) = &result {
                tracing::error!(platform = %adapter.kind(), error = %crate::text::chain(&e), "adapter stopped");
            }
            result
        });
    }
    drop(tx);

    let mut dispatch = Dispatcher {
        bot,
        log: log.clone(),
        adapters: by_kind,
        permits: Arc::new(Semaphore::new(opts.concurrency.max(1))),
        typing_after: opts.typing_after,
        conversations: HashMap::new(),
        workers: JoinSet::new(),
    };
    let mut sources_open = true;
    let mut fatal = None;
    loop {
        tokio::select! {
            Some(Ok(Err(e))) = listeners.join_next(), if !listeners.is_empty() => {
                if matches!(e, PlatformError::Config { .. }) {
                    fatal = Some(e);
                    break;
                }
            }
            msg = rx.recv(), if sources_open => {
                let Some(msg) = msg else {
                    if opts.stop_when_sources_end { break; }
                    // Every source ended (stdin closed): keep serving until shutdown.
                    sources_open = false;
                    continue;
                };
                dispatch.dispatch(msg);
            }
            _ = shutdown.wait_for(|s| *s) => break,
        }
    }
    // Stop taking messages, answer the ones already received, then wait for the replies.
    listeners.abort_all();
    rx.close();
    while let Some(msg) = rx.recv().await {
        dispatch.dispatch(msg);
    }
    drop(dispatch.conversations);
    while dispatch.workers.join_next().await.is_some() {}
    if let Err(e) = log.flush() {
        tracing::error!(error = %crate::text::chain(&e), "could not flush the data folder");
    }
    fatal.map_or(Ok(()), Err)
}

/// Hands each message to its conversation's worker, starting one when needed.
struct Dispatcher {
    bot: Arc<Bot>,
    log: EngagementLog,
    adapters: Arc<HashMap<PlatformKind, Arc<dyn Platform>>>,
    permits: Arc<Semaphore>,
    typing_after: Duration,
    conversations: HashMap<String, mpsc::UnboundedSender<Incoming>>,
    workers: JoinSet<()>,
}

impl Dispatcher {
    fn dispatch(&mut self, inbound: Inbound) {
        let msg = match inbound {
            Inbound::Message(msg) => msg,
            signal => {
                // A press can arrive before the worker that sent the answer has stored which
                // message it became: give that a moment before linking the sources.
                // A join is kept before any later message is screened (a sled write: quick),
                // so a newcomer's first link is judged as a newcomer's.
                let followups = match &signal {
                    Inbound::MemberJoined {
                        chat,
                        user,
                        language,
                    } => {
                        self.bot.remember_join(chat, user);
                        self.bot.member_joined(chat, user, language.as_deref())
                    }
                    Inbound::Button {
                        chat,
                        user,
                        data,
                        manager,
                        ..
                    } => {
                        // A press may teach (file writes, a reload): off the dispatcher.
                        let (bot, adapters) = (self.bot.clone(), self.adapters.clone());
                        let (chat, user, data, manager) =
                            (chat.clone(), user.clone(), data.clone(), *manager);
                        self.workers.spawn(async move {
                            let followups = bot.pressed(&chat, &user, &data, manager).await;
                            follow_up(bot, adapters, followups).await
                        });
                        Vec::new()
                    }
                    _ => Vec::new(),
                };
                if !followups.is_empty() {
                    let (bot, adapters) = (self.bot.clone(), self.adapters.clone());
                    self.workers
                        .spawn(async move { follow_up(bot, adapters, followups).await });
                }
                let log = self.log.clone();
                self.workers.spawn(async move {
                    // Only ratings: they are always on the bot's own messages, while most
                    // reactions are on members' messages and would wait for nothing.
                    if let Inbound::Rating {
                        chat, message_id, ..
                    } = &signal
                    {
                        for _ in 0..20 {
                            if log.sent_info(chat, message_id).is_some() {
                                break;
                            }
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                    }
                    if let Err(e) = log.record_signal(&signal) {
                        tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
                    }
                });
                return;
            }
        };
        let key = format!("{}:{}:{}", msg.chat.platform, msg.chat.chat, msg.user);
        let msg = match self.conversations.get(&key) {
            Some(queue) => match queue.send(msg) {
                Ok(()) => return,
                // That worker went idle and closed; start a new one.
                Err(mpsc::error::SendError(msg)) => msg,
            },
            None => msg,
        };
        let (queue, inbox) = mpsc::unbounded_channel();
        let _ = queue.send(msg);
        self.conversations.insert(key, queue);
        self.workers.spawn(conversation(
            Worker {
                bot: self.bot.clone(),
                log: self.log.clone(),
                adapters: self.adapters.clone(),
                permits: self.permits.clone(),
                typing_after: self.typing_after,
            },
            inbox,
        ));
        // Forget finished conversations so the map stays small.
        self.conversations.retain(|_, q| !q.is_closed());
        while self.workers.try_join_next().is_some() {}
    }
}

/// What a conversation's task needs to answer and deliver.
struct Worker {
    bot: Arc<Bot>,
    log: EngagementLog,
    adapters: Arc<HashMap<PlatformKind, Arc<dyn Platform>>>,
    permits: Arc<Semaphore>,
    typing_after: Duration,
}

/// One conversation's messages, in order. Ends when idle for a while.
async fn conversation(w: Worker, mut inbox: mpsc::UnboundedReceiver<Incoming>) {
    loop {
        match tokio::time::timeout(Duration::from_secs(30), inbox.recv()).await {
            Ok(Some(msg)) => w.deliver(msg).await,
            Ok(None) => return,
            Err(_idle) => {
                // Close first, then finish what arrived meanwhile: nothing sent is lost.
                inbox.close();
                while let Ok(msg) = inbox.try_recv() {
                    w.deliver(msg).await;
                }
                return;
            }
        }
    }
}

impl Worker {
    async fn deliver(&self, msg: Incoming) {
        let adapter = self.adapters.get(&msg.chat.platform).cloned();
        // Moderation first, before a permit or "typing…": a removed message gets no answer.
        let verdict = match self.bot.screen(&msg) {
            Some(v) => Some(v),
            None => self.bot.classify(&msg).await,
        };
        if let (Some(verdict), Some(a)) = (verdict, &adapter) {
            // Chat administrators are exempt; the platform is asked only now, when a rule
            // would act, so ordinary messages cost no call.
            if !a.is_admin(&msg.chat, &msg.user).await {
                if let Some(case) = self.bot.sanction(&msg, &verdict) {
                    self.carry_out(case, a).await;
                    return;
                }
            }
        }
        // Show "typing…" only when the answer is slow (commands answer before it starts),
        // and keep it alive until the reply is out: platforms drop it after ~5 s.
        let typing = match (&adapter, msg.addressed) {
            (Some(a), true) => Some(tokio::spawn(keep_typing(
                a.clone(),
                msg.chat.clone(),
                self.typing_after,
            ))),
            _ => None,
        };
        // "typing…" starts before the wait for a turn: a member whose question waits
        // behind a burst sees the bot at work, never silence.
        let Ok(permit) = self.permits.acquire().await else {
            if let Some(t) = typing {
                t.abort();
            }
            return;
        };
        let reply = self.bot.handle(&msg).await;
        drop(permit);
        if let Some(t) = typing {
            t.abort();
        }
        let (Some(mut reply), Some(adapter)) = (reply, adapter) else {
            return;
        };
        let info = SentInfo {
            in_reply_to: Some(msg.message_id.clone()),
            route: reply.route.clone(),
            sources: reply.citations.iter().map(|c| c.source.clone()).collect(),
            entities: reply.entities.clone(),
            post: None,
        };
        let out = Outgoing {
            chat: msg.chat.clone(),
            reply_to: Some(msg.message_id.clone()),
            rateable: matches!(reply.route.as_str(), "answer" | "recommend"),
            idempotency_key: None,
            images: std::mem::take(&mut reply.images),
            mention: None,
            buttons: std::mem::take(&mut reply.buttons),
            text: reply.reply,
            citations: reply
                .citations
                .into_iter()
                .map(|c| herald_platform::Citation {
                    id: c.id,
                    source: c.source,
                    fact: c.fact,
                })
                .collect(),
        };
        let forwards = std::mem::take(&mut reply.forwards);
        let sanctions = std::mem::take(&mut reply.sanctions);
        let remember = reply.route != PRIVACY_ROUTE;
        match adapter.send(out).await {
            Ok(sent) if !remember => drop(sent),
            Ok(sent) => {
                if let Err(e) = self.log.remember_sent(&msg.chat, &sent.message_ids, &info) {
                    tracing::error!(error = %crate::text::chain(&e), "could not write the engagement log");
                }
            }
            Err(e) => {
                tracing::error!(platform = %msg.chat.platform, error = %crate::text::chain(&e), "reply not delivered")
            }
        }
        for f in forwards {
            self.forward(f, &msg.chat, &adapter).await;
        }
        for s in sanctions {
            if let Err(e) = self.enforce(&s).await {
                let note = format!("Could not {} there: {e}", s.action.name());
                if let Err(e) = adapter.send(Outgoing::text(msg.chat.clone(), note)).await {
                    tracing::error!(error = %crate::text::chain(&e), "could not say that an action failed");
                }
            }
        }
    }

    /// Carry out a moderation case: each action through the platform (a refusal is noted
    /// on the audit entry), then the member's explanation, in the chat or else privately.
    async fn carry_out(&self, case: Moderated, adapter: &Arc<dyn Platform>) {
        for s in &case.sanctions {
            if let Err(e) = self.enforce(s).await {
                tracing::warn!(entry = case.entry, error = %crate::text::chain(&e), "moderation: the platform refused");
                self.bot
                    .sanction_failed(case.entry, &crate::text::chain(&e));
            }
        }
        let Some(notice) = case.notice else { return };
        let user = case.sanctions.first().map(|s| s.user.clone());
        if let Err(e) = adapter.send(notice.clone()).await {
            tracing::warn!(error = %crate::text::chain(&e), "moderation: explanation not posted in the chat; trying privately");
            let Some(user) = user else { return };
            let private = Outgoing {
                chat: ChatRef {
                    platform: notice.chat.platform,
                    chat: user,
                    private: true,
                },
                mention: None,
                ..notice
            };
            if let Err(e) = adapter.send(private).await {
                tracing::warn!(error = %crate::text::chain(&e), "moderation: explanation not delivered");
            }
        }
    }

    /// One action through its chat's platform.
    async fn enforce(&self, s: &Sanction) -> Result<(), PlatformError> {
        match self.adapters.get(&s.chat.platform) {
            Some(a) => a.moderate(&s.chat, &s.user, &s.action).await,
            None => Err(PlatformError::NotRunning {
                platform: s.chat.platform,
            }),
        }
    }

    /// Deliver a message for another chat (a ticket to the team, an answer to a member)
    /// through that chat's platform; a failure is logged, and told to `from` when the
    /// forward says what to tell.
    async fn forward(&self, f: Forward, from: &ChatRef, here: &Arc<dyn Platform>) {
        let target = f.out.chat.clone();
        let result = match self.adapters.get(&target.platform) {
            Some(a) => a.send(f.out).await.map(drop),
            None => Err(PlatformError::NotRunning {
                platform: target.platform,
            }),
        };
        let Err(e) = result else { return };
        tracing::error!(platform = %target.platform, chat = %target.chat, error = %crate::text::chain(&e), "message for another chat not delivered");
        if let Some(note) = f.on_failure {
            if let Err(e) = here.send(Outgoing::text(from.clone(), note)).await {
                tracing::error!(error = %crate::text::chain(&e), "could not say that a message was not delivered");
            }
        }
    }
}

/// Carry out what a join or a press asked for. A later check runs on its own task, so a
/// stop does not wait for it (the member's restriction ends by itself).
async fn follow_up(
    bot: Arc<Bot>,
    adapters: Arc<HashMap<PlatformKind, Arc<dyn Platform>>>,
    followups: Vec<Followup>,
) {
    for f in followups {
        match f {
            Followup::Send(out) => {
                let Some(a) = adapters.get(&out.chat.platform) else {
                    continue;
                };
                if let Err(e) = a.send(out).await {
                    tracing::warn!(error = %crate::text::chain(&e), "greeting not delivered");
                }
            }
            Followup::Act(s) => act(&adapters, &s).await,
            Followup::CheckLater { chat, user, after } => {
                let (bot, adapters) = (bot.clone(), adapters.clone());
                tokio::spawn(async move {
                    tokio::time::sleep(after).await;
                    for f in bot.check_expired(&chat, &user) {
                        if let Followup::Act(s) = f {
                            act(&adapters, &s).await;
                        }
                    }
                });
            }
        }
    }
}

async fn act(adapters: &HashMap<PlatformKind, Arc<dyn Platform>>, s: &Sanction) {
    let result = match adapters.get(&s.chat.platform) {
        Some(a) => a.moderate(&s.chat, &s.user, &s.action).await,
        None => return,
    };
    if let Err(e) = result {
        tracing::warn!(error = %crate::text::chain(&e), "join check: the platform refused");
    }
}

async fn keep_typing(adapter: Arc<dyn Platform>, chat: ChatRef, after: Duration) {
    tokio::time::sleep(after).await;
    loop {
        if let Err(e) = adapter.typing(&chat).await {
            tracing::debug!(error = %crate::text::chain(&e), "typing indicator not shown");
        }
        tokio::time::sleep(Duration::from_secs(4)).await;
    }
}
