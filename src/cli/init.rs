//! `herald init DIR`: a new community's folder — an empty knowledge pack whose files show,
//! commented out, an example of every element (`kb check` accepts it as it is and with the
//! examples uncommented), a `config.toml` for Telegram or Discord (no console), and what to
//! do next. Nothing that exists is overwritten.

use std::path::Path;

use anyhow::Context as _;

use crate::config::Config;

const FILES: &[(&str, &str)] = &[
    (
        "knowledge/community.toml",
        include_str!("init/community.toml"),
    ),
    ("knowledge/intents.toml", include_str!("init/intents.toml")),
    ("knowledge/faq.md", include_str!("init/faq.md")),
];
const CONFIG: &str = include_str!("init/config.toml");

pub(super) fn init(config: &Config, dir: &Path) -> anyhow::Result<i32> {
    if dir.exists()
        && std::fs::read_dir(dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .next()
            .is_some()
    {
        anyhow::bail!(
            "{} is not empty: herald init writes only into a new or empty folder, so nothing of yours is overwritten",
            dir.display()
        );
    }
    // The model herald would use now, as an absolute path, so the new folder finds it.
    let model = std::path::absolute(&config.llm.model).unwrap_or(config.llm.model.clone());
    let mut files: Vec<(&str, String)> = FILES.iter().map(|(p, t)| (*p, t.to_string())).collect();
    files.push((
        "config.toml",
        CONFIG.replace("{{MODEL}}", &toml_string(&model.display().to_string())),
    ));
    for (path, text) in &files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    let missing = if model.exists() {
        String::new()
    } else {
        format!(
            "\n   (no model at {} yet: scripts/setup fetches one; or set [llm] model)",
            model.display()
        )
    };
    println!(
        "\nNext:\n\
         1. Describe your community in {dir}/knowledge (the examples show every element), then\n   \
            `herald kb check {dir}/knowledge`.\n\
         2. Create a Telegram bot with @BotFather (or a Discord application) and export its token:\n   \
            HERALD_TELEGRAM_TOKEN=... (or HERALD_DISCORD_TOKEN=..., and uncomment [discord]).\n\
         3. cd {dir} && herald run{missing}\n\
         4. Send /whoami to the bot and put your user id under managers in config.toml; set\n   \
            [posts] report_target to your team's chat so requests for a person reach you.\n\
         Running it as a service: deploy/herald.service in herald's repository.",
        dir = dir.display()
    );
    Ok(0)
}

/// `s` as the inside of a TOML basic string.
fn toml_string(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
