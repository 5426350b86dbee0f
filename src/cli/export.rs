//! `herald export-user`: everything stored about one member, as JSON, from the data folder
//! only (an export needs neither the knowledge nor the model).

use herald_platform::PlatformKind;

use crate::config::Config;
use crate::data::open_data;
use crate::dialogue::Memory;
use crate::engagement::EngagementLog;
use crate::posts::PostStore;
use crate::privacy::MemberStores;
use crate::team::TicketStore;

pub(super) fn export_user(config: &Config, platform: &str, user: &str) -> anyhow::Result<i32> {
    let platform = match platform {
        "telegram" => PlatformKind::Telegram,
        "discord" => PlatformKind::Discord,
        "console" => PlatformKind::Console,
        other => anyhow::bail!("unknown platform \"{other}\": use telegram, discord or console"),
    };
    let db = open_data(&config.data.dir)?;
    let log = EngagementLog::open(&db, &config.engagement.member_key)?;
    let memory = Memory::open(&db, config.dialogue.memory_turns)?;
    let posts = PostStore::open(&db)?;
    let tickets = TicketStore::open(&db)?;
    let stores = MemberStores {
        log: &log,
        memory: &memory,
        posts: &posts,
        tickets: &tickets,
    };
    let export = crate::privacy::export(stores, platform, user);
    println!("{}", serde_json::to_string_pretty(&export)?);
    Ok(0)
}
