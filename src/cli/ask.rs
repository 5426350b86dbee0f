//! `herald ask`: one message in, one reply out (as JSON with `--json`).

use herald_platform::{ChatRef, Incoming, PlatformKind};

use crate::app::App;
use crate::config::Config;

pub(super) async fn ask(config: Config, text: &str, json: bool) -> anyhow::Result<i32> {
    let show_sources = config.console.as_ref().is_some_and(|c| c.show_sources);
    let app = App::start(&config)?;
    let msg = Incoming {
        chat: ChatRef {
            platform: PlatformKind::Console,
            chat: "ask".into(),
            private: true,
        },
        user: "cli".into(),
        message_id: "1".into(),
        text: text.to_string(),
        addressed: true,
        manager: true,
        reply_to: None,
        chat_title: None,
        signals: Default::default(),
    };
    let Some(reply) = app.bot.handle(&msg).await else {
        return Ok(0);
    };
    // One message in, one reply out: the next `ask` starts a fresh conversation.
    app.bot
        .forget_conversation(&app.log.speaker(&msg.chat, &msg.user));
    app.log.flush()?;
    if json {
        println!("{}", serde_json::to_string(&reply)?);
    } else {
        println!("{}", reply.reply);
        if show_sources || !reply.citations.is_empty() {
            for c in &reply.citations {
                println!("  [{}] {}", c.id, c.source);
            }
        }
    }
    Ok(0)
}
