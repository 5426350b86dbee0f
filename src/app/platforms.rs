//! The adapters `herald run` starts, built from the config's platform sections.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;

use herald_console::{ConsoleAdapter, ConsoleOptions};
use herald_platform::Platform;
use herald_telegram::{
    Backoff, MenuCommand, Mode, SendLimits, TelegramAdapter, TelegramOptions, WebhookOptions,
};

use herald_discord::{DiscordAdapter, DiscordOptions, Rules, Shards};

use crate::bot::MEMBER_COMMANDS;
use crate::config::{Config, DiscordConfig, TelegramConfig, TelegramMode};
use crate::data::SledState;
use crate::manage::MANAGER_COMMANDS;
use crate::router::CommandSpec;

/// Every adapter the config enables, in a stable order.
pub fn enabled(config: &Config, db: &sled::Db) -> anyhow::Result<Vec<Arc<dyn Platform>>> {
    let mut adapters: Vec<Arc<dyn Platform>> = Vec::new();
    if let Some(c) = &config.console {
        adapters.push(Arc::new(ConsoleAdapter::new(ConsoleOptions {
            show_sources: c.show_sources,
            interactive: None,
        })));
    }
    if let Some(t) = config.telegram.as_ref().filter(|t| t.enabled) {
        let state = Arc::new(SledState::open(db)?);
        let adapter = TelegramAdapter::new(telegram_options(t)?, state)
            .context("[telegram] in the config")?;
        adapters.push(Arc::new(adapter));
    }
    if let Some(d) = config.discord.as_ref().filter(|d| d.enabled) {
        let adapter =
            DiscordAdapter::new(discord_options(d)?).context("[discord] in the config")?;
        adapters.push(Arc::new(adapter));
    }
    Ok(adapters)
}

pub fn discord_options(d: &DiscordConfig) -> anyhow::Result<DiscordOptions> {
    Ok(DiscordOptions {
        token: d.token.clone(),
        proxy_url: Some(d.proxy_url.trim())
            .filter(|p| !p.is_empty())
            .map(str::to_string),
        rules: Rules {
            guilds: d.guilds.clone(),
            managers: d.managers.clone(),
            manager_roles: d.manager_roles.clone(),
        },
        shards: shards(&d.shards)?,
        commands: menu(),
        feedback_buttons: d.feedback_buttons,
        members_intent: d.members_intent,
        backoff: Backoff {
            base: Duration::from_millis(d.retry_base_ms.max(1)),
            max: Duration::from_secs(30),
            attempts: d.send_attempts.max(1),
        },
        ..DiscordOptions::default()
    })
}

/// `auto` or `first-last/total`.
fn shards(s: &str) -> anyhow::Result<Shards> {
    let s = s.trim();
    if s.eq_ignore_ascii_case("auto") || s.is_empty() {
        return Ok(Shards::Auto);
    }
    let bad =
        || anyhow::anyhow!("discord.shards {s:?} is neither \"auto\" nor a range like \"0-1/4\"");
    let (range, total) = s.split_once('/').ok_or_else(bad)?;
    let (first, last) = range.split_once('-').unwrap_or((range, range));
    let num = |x: &str| x.trim().parse::<u32>().map_err(|_| bad());
    let (first, last, total) = (num(first)?, num(last)?, num(total)?);
    if first > last || last >= total {
        anyhow::bail!("discord.shards {s:?}: shard ids run from 0 to total - 1, first <= last");
    }
    Ok(Shards::Range { first, last, total })
}

/// The command menu: the same table `/help` prints, managers' commands marked so adapters
/// show them to managers only.
pub fn menu() -> Vec<MenuCommand> {
    let entry = |c: &CommandSpec, managers_only: bool| MenuCommand {
        name: c.name.to_string(),
        args: c.args.to_string(),
        description: c.description.to_string(),
        managers_only,
    };
    MEMBER_COMMANDS
        .iter()
        .map(|c| entry(c, false))
        .chain(MANAGER_COMMANDS.iter().map(|c| entry(c, true)))
        .collect()
}

pub fn telegram_options(t: &TelegramConfig) -> anyhow::Result<TelegramOptions> {
    let api_url = match t.api_url.trim() {
        "" => None,
        url => Some(
            url::Url::parse(url)
                .with_context(|| format!("telegram.api_url {url:?} is not a URL"))?,
        ),
    };
    let mode = match t.mode {
        TelegramMode::Polling => Mode::Polling,
        TelegramMode::Webhook => {
            let w = t.webhook.as_ref().context(
                "telegram.mode = \"webhook\" needs a [telegram.webhook] section with listen, url and secret_token",
            )?;
            Mode::Webhook(WebhookOptions {
                listen: w.listen.parse().with_context(|| {
                    format!(
                        "telegram.webhook.listen {:?} is not an address like 0.0.0.0:8443",
                        w.listen
                    )
                })?,
                url: url::Url::parse(&w.url)
                    .with_context(|| format!("telegram.webhook.url {:?} is not a URL", w.url))?,
                secret_token: w.secret_token.clone(),
            })
        }
    };
    Ok(TelegramOptions {
        token: t.token.clone(),
        api_url,
        mode,
        allowed_chats: t.allowed_chats.clone(),
        managers: t.managers.clone(),
        managers_from_admins: t.managers_from_admins,
        feedback_buttons: t.feedback_buttons,
        commands: menu(),
        poll_timeout: Duration::from_secs(t.poll_timeout_secs.clamp(1, 15)),
        backoff: Backoff {
            base: Duration::from_millis(t.retry_base_ms.max(1)),
            max: Duration::from_secs(30),
            attempts: t.send_attempts.max(1),
        },
        limits: SendLimits {
            per_chat_per_sec: t.per_chat_per_sec,
            per_group_per_min: t.per_group_per_min,
            overall_per_sec: t.overall_per_sec,
            ..SendLimits::default()
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::command_table;

    fn telegram(toml: &str) -> TelegramConfig {
        let c = Config::parse("config.toml", toml).expect("config parses");
        c.telegram.expect("[telegram] present")
    }

    #[test]
    fn telegram_defaults_to_polling_the_public_api_with_buttons() {
        let o = telegram_options(&telegram("[telegram]\ntoken = \"1:x\"\n")).expect("options");
        assert_eq!(o.mode, Mode::Polling);
        assert!(o.api_url.is_none());
        assert!(o.feedback_buttons);
        assert_eq!(o.commands.len(), command_table().len());
    }

    #[test]
    fn webhook_mode_needs_its_section_and_valid_addresses() {
        let e = telegram_options(&telegram("[telegram]\nmode = \"webhook\"\n")).unwrap_err();
        assert!(e.to_string().contains("[telegram.webhook]"), "{e}");
        let e = telegram_options(&telegram(
            "[telegram]\nmode = \"webhook\"\n[telegram.webhook]\nlisten = \"nowhere\"\nurl = \"https://x/hook\"\n",
        ))
        .unwrap_err();
        assert!(e.to_string().contains("telegram.webhook.listen"), "{e}");
        let o = telegram_options(&telegram(
            "[telegram]\nmode = \"webhook\"\n[telegram.webhook]\nlisten = \"0.0.0.0:8443\"\nurl = \"https://bot.example.com/tg\"\nsecret_token = \"abc\"\n",
        ))
        .expect("options");
        assert!(matches!(o.mode, Mode::Webhook(ref w) if w.url.path() == "/tg"));
    }

    #[test]
    fn discord_shards_and_proxy_parse() {
        let c = Config::parse(
            "config.toml",
            "[discord]\ntoken = \"x\"\nproxy_url = \"http://127.0.0.1:9\"\nshards = \"1-2/4\"\n",
        )
        .expect("config parses");
        let o = discord_options(&c.discord.expect("[discord]")).expect("options");
        assert_eq!(
            o.shards,
            Shards::Range {
                first: 1,
                last: 2,
                total: 4
            }
        );
        assert_eq!(o.proxy_url.as_deref(), Some("http://127.0.0.1:9"));
        assert_eq!(o.commands.len(), command_table().len());
        assert_eq!(shards("auto").expect("auto"), Shards::Auto);
        assert_eq!(
            shards("3/4").expect("one shard"),
            Shards::Range {
                first: 3,
                last: 3,
                total: 4
            }
        );
        for bad in ["2-1/4", "0-4/4", "many", "1-x/2"] {
            assert!(shards(bad).is_err(), "{bad}");
        }
        let e = Config::parse("config.toml", "[discord]\ntokn = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("tokn"), "{e}");
    }

    #[test]
    fn unknown_telegram_keys_are_refused_by_name() {
        let e = Config::parse("config.toml", "[telegram]\ntokn = \"x\"\n").unwrap_err();
        assert!(e.to_string().contains("tokn"), "{e}");
        let e = Config::parse("config.toml", "[telegram]\nmode = \"push\"\n").unwrap_err();
        assert!(e.to_string().contains("push"), "{e}");
    }
}
