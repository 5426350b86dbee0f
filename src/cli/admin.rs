//! The subcommands that read or change the data folder — `report`, `kb gaps`, `export-user`
//! and `forget-user` — as one request type ([`AdminRequest`]) executed on the stores the
//! same way whether this process opened the folder or a running herald answers through its
//! control socket (`super::control`). What a command prints is made here, as a value, so
//! both paths print the same.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use herald_platform::PlatformKind;

use crate::analytics::gaps::{gap_groups, render};
use crate::clock::{days_ms, now_ms};
use crate::config::Config;
use crate::data::open_data;
use crate::dialogue::Memory;
use crate::engagement::EngagementLog;
use crate::knowledge::{Graph, KnowledgeStore};
use crate::manage::{full_report, period_days};
use crate::posts::{PostStore, PostsSetup};
use crate::privacy::MemberStores;
use crate::team::TicketStore;

/// One admin command, as sent over the control socket (one JSON line).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "kebab-case")]
pub enum AdminRequest {
    /// The period report; `files`: also its numbers and charts, for `--out`; `json`: the
    /// numbers as JSON on stdout instead of the text.
    Report {
        since: String,
        files: bool,
        #[serde(default)]
        json: bool,
    },
    Gaps {
        since: String,
        json: bool,
    },
    ExportUser {
        platform: String,
        user: String,
    },
    ForgetUser {
        platform: String,
        user: String,
    },
}

/// What an admin command prints, its exit code, and the files `--out` writes.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminOutput {
    pub exit: i32,
    pub stdout: String,
    pub stderr: String,
    pub files: Vec<OutFile>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutFile {
    pub name: String,
    pub bytes: Vec<u8>,
}

impl AdminOutput {
    pub fn failed(message: impl std::fmt::Display) -> AdminOutput {
        AdminOutput {
            exit: 1,
            stderr: format!("error: {message}\n"),
            ..AdminOutput::default()
        }
    }

    /// Print it, and write its files into `out` (saying so); returns the exit code.
    pub fn emit(self, out: Option<&Path>) -> anyhow::Result<i32> {
        print!("{}", self.stdout);
        eprint!("{}", self.stderr);
        if let (Some(dir), false) = (out, self.files.is_empty()) {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
            for f in self.files {
                let path = dir.join(&f.name);
                std::fs::write(&path, f.bytes)
                    .with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
        Ok(self.exit)
    }
}

/// The stores admin commands use; `knowledge` is the graph being served when a running
/// herald answers (a report then counts entities too), `None` when opened from the folder.
#[derive(Clone)]
pub struct AdminStores {
    pub log: EngagementLog,
    pub posts: PostStore,
    pub setup: PostsSetup,
    pub memory: Memory,
    pub tickets: TicketStore,
    pub audit: crate::moderation::AuditLog,
    pub askers: crate::learning::Askers,
    pub knowledge: Option<Arc<dyn KnowledgeStore>>,
}

impl AdminStores {
    /// Open the data folder itself (no herald is running on it).
    pub fn open(config: &Config) -> anyhow::Result<AdminStores> {
        let db = open_data(&config.data.dir)?;
        Ok(AdminStores {
            log: EngagementLog::open(&db, &config.engagement.member_key)?,
            posts: PostStore::open(&db)?,
            setup: PostsSetup::from_config(&config.posts)?,
            memory: Memory::open(&db, config.dialogue.memory_turns)?,
            tickets: TicketStore::open(&db)?,
            audit: crate::moderation::AuditLog::open(&db)?,
            askers: crate::learning::Askers::open(&db)?,
            knowledge: None,
        })
    }

    fn members(&self) -> MemberStores<'_> {
        MemberStores {
            log: &self.log,
            memory: &self.memory,
            posts: &self.posts,
            tickets: &self.tickets,
            audit: &self.audit,
            askers: &self.askers,
        }
    }
}

/// Run one admin command on `stores`. Reads and writes sled: call it off the async workers.
pub fn execute(req: &AdminRequest, stores: &AdminStores) -> AdminOutput {
    let done = match req {
        AdminRequest::Report { since, files, json } => report(stores, since, *files, *json),
        AdminRequest::Gaps { since, json } => gaps(stores, since, *json),
        AdminRequest::ExportUser { platform, user } => export_user(stores, platform, user),
        AdminRequest::ForgetUser { platform, user } => forget_user(stores, platform, user),
    };
    done.unwrap_or_else(|e| AdminOutput::failed(format!("{e:#}")))
}

fn printed(stdout: String) -> AdminOutput {
    AdminOutput {
        stdout,
        ..AdminOutput::default()
    }
}

fn report(
    stores: &AdminStores,
    since: &str,
    files: bool,
    json: bool,
) -> anyhow::Result<AdminOutput> {
    let days = period_days(since).map_err(|e| anyhow::anyhow!(e.reply()))?;
    let graph = stores
        .knowledge
        .as_ref()
        .map(|k| k.snapshot())
        .unwrap_or_else(|| Arc::new(Graph::default()));
    let full = full_report(
        &stores.posts,
        &stores.setup,
        &stores.log,
        &graph,
        now_ms(),
        days,
    )
    .map_err(|e| anyhow::anyhow!(e.reply()))?;
    let mut out = if json {
        printed(format!("{}\n", serde_json::to_string_pretty(&full.report)?))
    } else {
        printed(format!("{}\n", full.text))
    };
    if files {
        out.files.push(OutFile {
            name: "report.txt".into(),
            bytes: format!("{}\n", full.text).into_bytes(),
        });
        out.files.push(OutFile {
            name: "report.json".into(),
            bytes: serde_json::to_vec_pretty(&full.report)?,
        });
        out.files.extend(full.charts.into_iter().map(|c| OutFile {
            name: c.name,
            bytes: c.png,
        }));
    }
    Ok(out)
}

fn gaps(stores: &AdminStores, since: &str, json: bool) -> anyhow::Result<AdminOutput> {
    let days = period_days(since).map_err(|e| anyhow::anyhow!(e.reply()))?;
    let cutoff = now_ms().saturating_sub(days_ms(days));
    let groups = gap_groups(stores.log.gaps_since(cutoff)?);
    Ok(printed(if json {
        format!("{}\n", serde_json::to_string(&groups)?)
    } else {
        format!("{}\n", render(&groups, 50))
    }))
}

/// The platform a data request names (members live on telegram, discord or the console).
fn platform_kind(name: &str) -> anyhow::Result<PlatformKind> {
    PlatformKind::from_name(name)
        .filter(|k| *k != PlatformKind::Http)
        .with_context(|| format!("unknown platform \"{name}\": use telegram, discord or console"))
}

fn export_user(stores: &AdminStores, platform: &str, user: &str) -> anyhow::Result<AdminOutput> {
    let platform = platform_kind(platform)?;
    let export = crate::privacy::export(stores.members(), platform, user);
    Ok(printed(format!(
        "{}\n",
        serde_json::to_string_pretty(&export)?
    )))
}

fn forget_user(stores: &AdminStores, platform: &str, user: &str) -> anyhow::Result<AdminOutput> {
    let kind = platform_kind(platform)?;
    let who = stores.log.member(kind, user);
    let erased = crate::privacy::erase(stores.members(), &who);
    Ok(printed(format!(
        "erased {platform} user {user}: {} events, {} conversations, {} sent-message records, {} post authorships, {} tickets, {} moderation entries, {} waiting questions\n",
        erased.events, erased.conversations, erased.sent, erased.posts, erased.tickets, erased.moderation, erased.waiting
    )))
}
