//! `herald report`: the period report from the data folder only; with `--out` also its
//! numbers as JSON and its charts as PNG files.

use std::path::Path;

use anyhow::Context as _;

use crate::clock::now_ms;
use crate::config::Config;
use crate::data::open_data;
use crate::engagement::EngagementLog;
use crate::knowledge::Graph;
use crate::manage::{full_report, period_days};
use crate::posts::{PostStore, PostsSetup};

pub(super) fn report(config: &Config, since: &str, out: Option<&Path>) -> anyhow::Result<i32> {
    let days = period_days(since).map_err(|e| anyhow::anyhow!(e.reply()))?;
    let db = open_data(&config.data.dir)?;
    let log = EngagementLog::open(&db, &config.engagement.member_key)?;
    let posts = PostStore::open(&db)?;
    let setup = PostsSetup::from_config(&config.posts)?;
    // Posts as they went out; entity counts need the knowledge, which a report does not load.
    let full = full_report(&posts, &setup, &log, &Graph::default(), now_ms(), days)
        .map_err(|e| anyhow::anyhow!(e.reply()))?;
    let text = full.text;
    println!("{text}");
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let mut files = vec![
            ("report.txt".to_string(), format!("{text}\n").into_bytes()),
            (
                "report.json".to_string(),
                serde_json::to_vec_pretty(&full.report)?,
            ),
        ];
        files.extend(full.charts.into_iter().map(|c| (c.name, c.png)));
        for (name, bytes) in files {
            let path = dir.join(&name);
            std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
            println!("wrote {}", path.display());
        }
    }
    Ok(0)
}
