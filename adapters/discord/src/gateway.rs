//! The gateway side: who the bot is, serenity's `Client` with the event handler that turns
//! Discord events into [`Inbound`]s, slash command registration, shutdown.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use herald_platform::{Inbound, MenuCommand, PlatformError, PlatformKind};
use serenity::all::{
    ClientBuilder, Command, CommandOptionType, ConnectionStage, Context, CreateCommand,
    CreateCommandOption, CreateInteractionResponse, EventHandler, GatewayError, GatewayIntents,
    GuildId, Interaction, Member, Message, Permissions, Reaction, Ready, ResumedEvent,
    ShardStageUpdateEvent,
};
use tokio::sync::{mpsc, watch};

use crate::convert::{self, Identity, Skip};
use crate::retry::unauthorized;
use crate::{build_http, config_error, Shards, Shared};

fn receive_error(reason: impl Into<String>) -> PlatformError {
    PlatformError::Receive {
        platform: PlatformKind::Discord,
        reason: reason.into(),
    }
}

fn intents(members: bool) -> GatewayIntents {
    let mut i = GatewayIntents::GUILDS
        | GatewayIntents::GUILD_MESSAGES
        | GatewayIntents::DIRECT_MESSAGES
        | GatewayIntents::MESSAGE_CONTENT
        | GatewayIntents::GUILD_MESSAGE_REACTIONS
        | GatewayIntents::DIRECT_MESSAGE_REACTIONS;
    if members {
        i |= GatewayIntents::GUILD_MEMBERS;
    }
    i
}

pub(crate) async fn listen(
    shared: Arc<Shared>,
    tx: mpsc::Sender<Inbound>,
    mut shutdown: watch::Receiver<bool>,
) -> Result<(), PlatformError> {
    let Some(me) = who_am_i(&shared, &mut shutdown).await? else {
        return Ok(());
    };
    tracing::info!(username = %me.name, "discord: connected");
    let me = shared.me.get_or_init(|| me).clone();
    let mut members = shared.opts.members_intent;
    if !members {
        tracing::info!("discord: member joins are not counted (discord.members_intent = false)");
    }
    loop {
        // serenity falls back to discord.com when this call fails inside the client
        // builder; asking first keeps a misconfigured proxy from leaving the machine.
        gateway_reachable(&shared, &mut shutdown).await?;
        if *shutdown.borrow() {
            return Ok(());
        }
        let handler = Handler {
            shared: shared.clone(),
            tx: tx.clone(),
            me: me.clone(),
        };
        let mut client = ClientBuilder::new_with_http(build_http(&shared.opts), intents(members))
            .event_handler(handler)
            .await
            .map_err(|e| receive_error(format!("gateway client: {e}")))?;
        let manager = client.shard_manager.clone();
        let shards = shared.opts.shards;
        let run = async move {
            match shards {
                Shards::Auto => client.start_autosharded().await,
                Shards::Range { first, last, total } => {
                    client.start_shard_range(first..last, total).await
                }
            }
        };
        tokio::pin!(run);
        let finished = tokio::select! {
            r = &mut run => Some(r),
            _ = shutdown.wait_for(|s| *s) => None,
        };
        let Some(result) = finished else {
            manager.shutdown_all().await;
            let _ = tokio::time::timeout(Duration::from_secs(5), run).await;
            shared.connected.store(false, Ordering::Relaxed);
            return Ok(());
        };
        shared.connected.store(false, Ordering::Relaxed);
        match result {
            Ok(()) => return Ok(()),
            Err(serenity::Error::Gateway(GatewayError::DisallowedGatewayIntents)) if members => {
                tracing::warn!("discord: the guild members intent is not enabled for this bot (Developer Portal → Bot → Server Members Intent); running without it, so member joins are not counted");
                members = false;
            }
            Err(serenity::Error::Gateway(
                GatewayError::InvalidAuthentication | GatewayError::NoAuthentication,
            )) => return Err(config_error("the gateway refused the bot token")),
            Err(serenity::Error::Gateway(
                GatewayError::InvalidGatewayIntents | GatewayError::DisallowedGatewayIntents,
            )) => return Err(config_error("the gateway refused the intents")),
            Err(e) => {
                tracing::warn!(error = %e, "discord: gateway stopped; reconnecting");
                if !pause(shared.opts.backoff.delay(1), &mut shutdown).await {
                    return Ok(());
                }
            }
        }
    }
}

/// `GET /users/@me` until it answers: a refused token stops the adapter with a clear error;
/// a network fault is retried. `None` when shutdown came first.
async fn who_am_i(
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Option<Identity>, PlatformError> {
    let mut attempt = 0;
    loop {
        match shared.http.get_current_user().await {
            Ok(u) => {
                return Ok(Some(Identity {
                    id: u.id.get(),
                    name: u.name.clone(),
                }))
            }
            Err(e) if unauthorized(&e) => return Err(config_error(
                "Discord refused the bot token (401): check discord.token / HERALD_DISCORD_TOKEN",
            )),
            Err(e) => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "discord: cannot reach the API; retrying");
                if !pause(shared.opts.backoff.delay(attempt), shutdown).await {
                    return Ok(None);
                }
            }
        }
    }
}

async fn gateway_reachable(
    shared: &Shared,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<(), PlatformError> {
    let mut attempt = 0;
    loop {
        let result = match shared.opts.shards {
            Shards::Auto => shared.http.get_bot_gateway().await.map(|_| ()),
            Shards::Range { .. } => shared.http.get_gateway().await.map(|_| ()),
        };
        match result {
            Ok(()) => return Ok(()),
            Err(e) if unauthorized(&e) => {
                return Err(config_error("Discord refused the bot token (401)"))
            }
            Err(e) => {
                attempt += 1;
                tracing::warn!(error = %e, attempt, "discord: cannot get the gateway address; retrying");
                if !pause(shared.opts.backoff.delay(attempt), shutdown).await {
                    return Ok(());
                }
            }
        }
    }
}

/// Sleep `d` unless shutdown comes first (then `false`).
async fn pause(d: Duration, shutdown: &mut watch::Receiver<bool>) -> bool {
    tokio::select! {
        _ = tokio::time::sleep(d) => true,
        _ = shutdown.wait_for(|s| *s) => false,
    }
}

/// A slash command from a menu entry: `<arg>` is a required string option, `[arg]` an
/// optional one. Discord wants lowercase names and descriptions of 1–100 characters.
pub(crate) fn slash_command(c: &MenuCommand) -> CreateCommand {
    let description: String = c.description.chars().take(100).collect();
    let mut cmd = CreateCommand::new(c.name.to_lowercase()).description(description.clone());
    for (name, required) in slash_options(&c.args) {
        cmd = cmd.add_option(
            CreateCommandOption::new(CommandOptionType::String, name, description.clone())
                .required(required),
        );
    }
    if c.managers_only {
        // Hidden from members who cannot manage the server (server settings can widen it
        // to a role); herald still checks `managers` and `manager_roles` when one runs.
        cmd = cmd.default_member_permissions(Permissions::MANAGE_GUILD);
    }
    cmd
}

/// `<id> <when> [targets]` → (`id`, required), (`when`, required), (`targets`, optional),
/// as Discord wants option names: lower case, letters, digits, `-` and `_`, 1–32 characters.
pub(crate) fn slash_options(args: &str) -> Vec<(String, bool)> {
    args.split_whitespace()
        .filter_map(|a| {
            let (inner, required) = match (a.strip_prefix('<'), a.strip_prefix('[')) {
                (Some(r), _) => (r.strip_suffix('>')?, true),
                (_, Some(r)) => (r.strip_suffix(']')?, false),
                _ => return None,
            };
            let name: String = inner
                .to_lowercase()
                .chars()
                .map(|c| {
                    if c.is_alphanumeric() || c == '-' {
                        c
                    } else {
                        '_'
                    }
                })
                .take(32)
                .collect();
            (!name.is_empty()).then_some((name, required))
        })
        .collect()
}

struct Handler {
    shared: Arc<Shared>,
    tx: mpsc::Sender<Inbound>,
    me: Identity,
}

impl Handler {
    async fn forward(&self, what: &str, converted: Result<Inbound, Skip>) {
        match converted {
            Ok(inbound) => {
                if self.tx.send(inbound).await.is_err() {
                    tracing::debug!("discord: the engine has stopped; {what} dropped");
                }
            }
            Err(why) => tracing::debug!(?why, "discord: {what} skipped"),
        }
    }

    /// Register the slash commands once per process: per allowed server (instant) or
    /// globally (Discord may take up to an hour to show them).
    async fn register_commands(&self, ctx: &Context) {
        if self.shared.opts.commands.is_empty()
            || self
                .shared
                .commands_registered
                .swap(true, Ordering::Relaxed)
        {
            return;
        }
        let commands: Vec<CreateCommand> = self
            .shared
            .opts
            .commands
            .iter()
            .map(slash_command)
            .collect();
        let guilds = &self.shared.opts.rules.guilds;
        let result = if guilds.is_empty() {
            Command::set_global_commands(&ctx.http, commands)
                .await
                .map(|_| ())
        } else {
            let mut r = Ok(());
            for g in guilds {
                if let Err(e) = GuildId::new(*g)
                    .set_commands(&ctx.http, commands.clone())
                    .await
                {
                    r = Err(e);
                }
            }
            r
        };
        if let Err(e) = result {
            tracing::warn!(error = %e, "discord: slash commands could not be registered");
            self.shared
                .commands_registered
                .store(false, Ordering::Relaxed);
        }
    }
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, ctx: Context, ready: Ready) {
        self.shared.connected.store(true, Ordering::Relaxed);
        // Follow-ups and command registration are addressed by application id.
        self.shared.http.set_application_id(ready.application.id);
        ctx.http.set_application_id(ready.application.id);
        tracing::info!(guilds = ready.guilds.len(), "discord: gateway ready");
        self.register_commands(&ctx).await;
    }

    async fn resume(&self, _ctx: Context, _: ResumedEvent) {
        self.shared.connected.store(true, Ordering::Relaxed);
        tracing::info!("discord: gateway session resumed");
    }

    async fn shard_stage_update(&self, _ctx: Context, e: ShardStageUpdateEvent) {
        let up = matches!(e.new, ConnectionStage::Connected);
        self.shared.connected.store(up, Ordering::Relaxed);
    }

    async fn message(&self, _ctx: Context, m: Message) {
        if let (Some(g), Ok(mut guilds)) = (m.guild_id, self.shared.guilds.lock()) {
            guilds.insert(m.channel_id.get(), g.get());
        }
        let converted = convert::message(&m, &self.me, &self.shared.opts.rules);
        self.forward("message", converted).await;
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        match interaction {
            Interaction::Command(c) => {
                let converted = convert::command(&c, &self.shared.opts.rules);
                if let Ok(Inbound::Message(m)) = &converted {
                    // Discord wants an answer within 3 s; the model may take longer, so
                    // say "thinking…" now and send the answer as the follow-up.
                    match c.defer(&ctx.http).await {
                        Ok(()) => {
                            if let Ok(mut p) = self.shared.pending.lock() {
                                p.insert(m.message_id.clone(), c.clone());
                            }
                        }
                        Err(e) => {
                            tracing::warn!(error = %e, "discord: could not defer a slash command; the answer goes to the channel")
                        }
                    }
                }
                self.forward("slash command", converted).await;
            }
            Interaction::Component(c) => {
                let converted = convert::component(&c, &self.shared.opts.rules);
                if converted.is_ok() {
                    if let Err(e) = c
                        .create_response(&ctx.http, CreateInteractionResponse::Acknowledge)
                        .await
                    {
                        tracing::warn!(error = %e, "discord: could not acknowledge a button");
                    }
                }
                self.forward("button", converted).await;
            }
            _ => tracing::debug!("discord: interaction kind not handled"),
        }
    }

    async fn reaction_add(&self, _ctx: Context, r: Reaction) {
        let converted = convert::reaction(&r, &self.me, &self.shared.opts.rules);
        self.forward("reaction", converted).await;
    }

    async fn guild_member_addition(&self, _ctx: Context, m: Member) {
        let converted = convert::member_joined(&m, &self.shared.opts.rules);
        self.forward("member join", converted).await;
    }
}

#[cfg(test)]
mod tests {
    use super::slash_options;

    #[test]
    fn every_argument_becomes_a_valid_option() {
        assert_eq!(
            slash_options("<id> <when> [targets]"),
            vec![
                ("id".into(), true),
                ("when".into(), true),
                ("targets".into(), false)
            ]
        );
        assert_eq!(slash_options("[7d|30d]"), vec![("7d_30d".into(), false)]);
        assert_eq!(slash_options("<Question>"), vec![("question".into(), true)]);
        assert!(slash_options("").is_empty());
        assert!(slash_options("plain words").is_empty());
    }
}
