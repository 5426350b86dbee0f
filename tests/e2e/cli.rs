//! The command line as an admin or a service manager uses it: the real binary, the real
//! model, temporary folders.

use crate::support;

use std::io::Write;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use support::{herald, model_path, sample_pack, stop};

fn text(out: &[u8]) -> String {
    String::from_utf8_lossy(out).into_owned()
}

fn run(cmd: &mut Command) -> Output {
    cmd.output().expect("herald runs")
}

fn with_dirs(cmd: &mut Command, knowledge: &std::path::Path, data: &std::path::Path) {
    cmd.arg("--knowledge")
        .arg(knowledge)
        .arg("--data")
        .arg(data)
        .arg("--model")
        .arg(model_path());
}

#[test]
fn kb_check_summarises_a_clean_pack() {
    let out = run(herald().args(["kb", "check", "knowledge"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let line = text(&out.stdout);
    assert!(
        line.starts_with(
            "knowledge: ok — 8 files, 14 entities, 5 relations, 6 passages, 9 intents"
        ),
        "{line}"
    );
}

#[test]
fn kb_check_reports_every_problem_with_its_line() {
    let pack = sample_pack();
    let p = pack.path();
    std::fs::write(
        p.join("broken.toml"),
        "[[entity]]\nid = \"x\"\nkind = \"product\"\nname = \n",
    )
    .unwrap();
    std::fs::write(
        p.join("intents2.toml"),
        "[[intent]]\nname = \"dance\"\nroute = \"disco\"\nexamples = [\"dance\"]\n",
    )
    .unwrap();
    std::fs::write(p.join("empty.md"), "## Nothing here\n\n## Fine\nText.\n").unwrap();
    std::fs::write(
        p.join("rel.toml"),
        "[[relation]]\nfrom = \"huila\"\nrel = \"sold_at\"\nto = \"moon-shop\"\n",
    )
    .unwrap();
    let out = run(herald().args(["kb", "check"]).arg(p));
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let expect = [
        ("broken.toml:4: invalid TOML", "broken.toml"),
        (
            "empty.md:1: passage \"Nothing here\" has no text",
            "empty.md",
        ),
        (
            "intents2.toml:1: intent \"dance\": unknown route \"disco\"",
            "intents2.toml",
        ),
    ];
    for (needle, file) in expect {
        assert!(
            lines
                .iter()
                .any(|l| l.contains(needle) && l.starts_with(&p.join(file).display().to_string())),
            "{needle} missing in {stdout}"
        );
    }
    // Relations are checked once every file parses; fix the parse errors and look again.
    for f in ["broken.toml", "intents2.toml", "empty.md"] {
        std::fs::remove_file(p.join(f)).unwrap();
    }
    let out = run(herald().args(["kb", "check"]).arg(p));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stdout)
            .contains("rel.toml:1: relation \"sold_at\" points to missing entity \"moon-shop\""),
        "{}",
        text(&out.stdout)
    );
}

#[test]
fn kb_check_on_a_missing_folder_says_so() {
    let out = run(herald().args(["kb", "check", "/nonexistent/knowledge"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("/nonexistent/knowledge"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn kb_query_shows_links_facts_scores_and_sources() {
    let out = run(herald().args(["kb", "query", "how much is the yirgacheffe"]));
    assert!(out.status.success());
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("linked: Ethiopia Yirgacheffe [yirgacheffe] via alias \"yirgacheffe\""),
        "{stdout}"
    );
    // The planned fact comes first, marked PLAN, with its score, kind, text and source;
    // the score itself is the ranker's business, so only its shape is checked.
    let first = stdout
        .lines()
        .find(|l| l.starts_with("[1] "))
        .unwrap_or_else(|| panic!("no [1] line in {stdout}"));
    assert!(first.starts_with("[1] PLAN "), "{first}");
    assert!(
        first.ends_with(
            " entity    Ethiopia Yirgacheffe — price: 18.50 USD  (knowledge/products.toml:9)"
        ),
        "{first}"
    );
    let score: f64 = first["[1] PLAN ".len()..]
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no score in {first}"));
    assert!(score > 0.0, "{first}");
    assert!(stdout.contains("wants: money"), "{stdout}");
    assert!(stdout.contains("type money, fit exact"), "{stdout}");

    let out = run(herald().args(["kb", "query", "--json", "耶加雪菲多少钱"]));
    let v: serde_json::Value =
        serde_json::from_slice(&out.stdout).expect("kb query --json prints JSON");
    assert_eq!(v["linked"][0]["id"], "yirgacheffe");
    assert_eq!(v["linked"][0]["alias"], "耶加雪菲");
    assert_eq!(v["facts"][0]["source"], "knowledge/products.toml:9");
    assert!(v["facts"][0]["score"].as_f64().unwrap() > 0.0);
    assert_eq!(v["intent"], "ask_price");
}

#[test]
fn ask_json_follows_the_contract() {
    let pack = sample_pack();
    let data = tempfile::tempdir().unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), data.path());
    let out = run(cmd.args(["ask", "--json", "how much is the yirgacheffe?"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON object");
    for key in [
        "intent",
        "route",
        "confidence",
        "reply",
        "answered",
        "grounded",
        "fallback",
        "citations",
        "timings_ms",
    ] {
        assert!(v.get(key).is_some(), "missing {key} in {v}");
    }
    for key in ["route", "retrieve", "generate", "total"] {
        assert!(v["timings_ms"][key].is_number(), "missing timings_ms.{key}");
    }
    assert_eq!(v["route"], "answer");
    assert_eq!(v["answered"], true);
    assert!(["none", "extractive"].contains(&v["fallback"].as_str().unwrap()));
    assert!(v["reply"].as_str().unwrap().contains("18.50"), "{v}");
    let c = &v["citations"][0];
    assert!(
        c["id"].is_u64() && c["fact"].as_str().unwrap().contains("18.50"),
        "{v}"
    );
    assert!(c["source"].as_str().unwrap().ends_with("products.toml:9"));

    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), data.path());
    let out = run(cmd.args(["ask", "--json", "who won the chess world championship?"]));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (v["answered"].as_bool(), v["fallback"].as_str()),
        (Some(false), Some("unknown"))
    );
}

#[test]
fn piped_chat_answers_each_line_in_order() {
    let pack = sample_pack();
    let data = tempfile::tempdir().unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), data.path());
    let mut child = cmd
        .arg("chat")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all("hello\nhow much is the huila?\nand how big is the bag?\n\n谢谢\n".as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 5, "{stdout}");
    assert!(lines[0].starts_with("Hi!"), "{stdout}");
    assert!(lines[1].contains("16.00"), "{stdout}");
    assert!(lines[2].contains("340"), "{stdout}");
    assert!(lines[3].contains("empty"), "{stdout}");
    assert!(lines[4].contains("不客气"), "{stdout}");
}

#[test]
fn a_missing_or_corrupt_model_names_the_path_and_the_fix() {
    let data = tempfile::tempdir().unwrap();
    let out = run(herald().args(["--data"]).arg(data.path()).args([
        "--model",
        "/nope/model.gguf",
        "ask",
        "hi",
    ]));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("/nope/model.gguf") && err.contains("scripts/setup"),
        "{err}"
    );

    let junk = data.path().join("junk.gguf");
    std::fs::write(&junk, b"this is not a model").unwrap();
    let out = run(herald()
        .args(["--data"])
        .arg(data.path().join("d"))
        .arg("--model")
        .arg(&junk)
        .args(["ask", "hi"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("not a GGUF file"),
        "{}",
        text(&out.stderr)
    );

    // A truncated download: the right magic, most of the file missing.
    let cut = data.path().join("cut.gguf");
    let bytes = std::fs::read(model_path()).unwrap();
    std::fs::write(&cut, &bytes[..1 << 20]).unwrap();
    let out = run(herald()
        .args(["--data"])
        .arg(data.path().join("d2"))
        .arg("--model")
        .arg(&cut)
        .args(["ask", "hi"]));
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("could not be loaded"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn data_folder_errors_are_clear_and_lose_nothing() {
    let pack = sample_pack();
    let data = tempfile::tempdir().unwrap();
    // A file where the data folder should be.
    let file = data.path().join("plain-file");
    std::fs::write(&file, b"x").unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), &file);
    let out = run(cmd.args(["ask", "hi"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not writable"),
        "{}",
        text(&out.stderr)
    );

    // A second process on the same folder while `herald run` holds it.
    let folder = data.path().join("db");
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[console]\n").unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), &folder);
    let mut server = cmd
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = server.stdin.take().unwrap();
    stdin.write_all(b"how much is the huila?\n").unwrap();
    // Its answer means it holds the folder and has logged the exchange.
    let mut answer = String::new();
    std::io::BufRead::read_line(
        &mut std::io::BufReader::new(server.stdout.take().unwrap()),
        &mut answer,
    )
    .unwrap();
    assert!(answer.contains("16.00"), "{answer}");
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), &folder);
    let out = run(cmd.args(["ask", "hi"]));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("in use by another herald process"),
        "{}",
        text(&out.stderr)
    );
    drop(stdin);
    stop(&mut server);
    // The first process's data is intact: the next one opens it and sees its events.
    let db = sled::open(&folder).expect("the folder still opens");
    let events = db.open_tree("events").unwrap();
    assert!(events.len() >= 2, "the running bot's events were lost");
}

#[test]
fn run_survives_a_closed_stdin_and_stops_cleanly_on_sigterm() {
    let pack = sample_pack();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[console]\n").unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), &data.path().join("db"));
    let mut child = cmd
        .arg("--config")
        .arg(&config)
        .arg("run")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        child.try_wait().unwrap().is_none(),
        "herald run exited when stdin closed"
    );
    let status = stop(&mut child);
    assert!(status.success(), "{status:?}");
    let mut err = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut err).unwrap();
    assert!(err.contains("herald stopped"), "{err}");
}

/// `herald init`: a new community's folder that `kb check` accepts empty and with every
/// commented example uncommented, a config without the console that herald runs from, and a
/// refusal to write into a folder that has files.
#[test]
fn init_makes_a_community_folder_whose_examples_are_valid() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("my-community");
    let out = run(herald()
        .arg("--model")
        .arg(model_path())
        .arg("init")
        .arg(&dir));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(said.contains("Next:") && said.contains("/whoami"), "{said}");
    let check = |pack: &std::path::Path| {
        let out = run(herald().args(["kb", "check"]).arg(pack));
        assert!(out.status.success(), "{}", text(&out.stdout));
        text(&out.stdout)
    };
    let empty = check(&dir.join("knowledge"));
    assert!(empty.contains("0 entities"), "{empty}");

    // Every example, uncommented, is a valid pack.
    let examples = tmp.path().join("examples");
    std::fs::create_dir(&examples).unwrap();
    for f in std::fs::read_dir(dir.join("knowledge")).unwrap() {
        let path = f.unwrap().path();
        let body = std::fs::read_to_string(&path).unwrap();
        let md = path.extension().is_some_and(|e| e == "md");
        let uncommented: Vec<&str> = body
            .lines()
            .map(|l| match md {
                true => l.strip_prefix("    ").unwrap_or(l),
                false if !l.starts_with("##") => l.strip_prefix("# ").unwrap_or(l),
                false => l,
            })
            .collect();
        std::fs::write(
            examples.join(path.file_name().unwrap()),
            uncommented.join("\n"),
        )
        .unwrap();
    }
    let full = check(&examples);
    assert!(
        full.contains("2 entities, 1 relations, 2 passages, 4 intents"),
        "{full}"
    );

    // The config has no console, parses, and herald works from the folder.
    let config = std::fs::read_to_string(dir.join("config.toml")).unwrap();
    assert!(!config.contains("[console]"), "{config}");
    let out = run(herald().current_dir(&dir).args(["ask", "--json", "hello"]));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = run(herald()
        .current_dir(&dir)
        .arg("run")
        .env_remove("HERALD_TELEGRAM_TOKEN")
        .stdin(Stdio::null()));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("HERALD_TELEGRAM_TOKEN"),
        "{}",
        text(&out.stderr)
    );

    // A folder with files is refused, and they stay as they were.
    let before = std::fs::read_to_string(dir.join("knowledge/community.toml")).unwrap();
    std::fs::write(dir.join("knowledge/community.toml"), "# mine\n").unwrap();
    let out = run(herald().arg("init").arg(&dir));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("is not empty"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(
        std::fs::read_to_string(dir.join("knowledge/community.toml")).unwrap(),
        "# mine\n"
    );
    assert_ne!(before, "# mine\n");
}

/// A service manager may stop herald while it loads: SIGTERM is handled from the first
/// instant, so the stop is clean (exit 0) rather than a kill.
#[test]
fn a_stop_while_the_model_loads_is_clean() {
    use std::io::BufRead;
    let pack = sample_pack();
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[console]\n").unwrap();
    let mut cmd = herald();
    with_dirs(&mut cmd, pack.path(), &data.path().join("db"));
    let mut child = cmd
        .arg("--config")
        .arg(&config)
        .arg("run")
        .env("HERALD_LOG", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufReader::new(child.stderr.take().unwrap()).lines();
    let mut seen = Vec::new();
    // The first line herald logs once its handlers are in; the model loads after it.
    for line in lines.by_ref() {
        let line = line.unwrap();
        let starting = line.contains("herald is starting");
        seen.push(line);
        if starting {
            break;
        }
    }
    assert!(
        seen.last()
            .is_some_and(|l| l.contains("herald is starting")),
        "{seen:#?}"
    );
    let status = stop(&mut child);
    let rest: Vec<String> = lines.map_while(Result::ok).collect();
    assert!(status.success(), "{status:?}\n{rest:#?}");
    assert!(
        rest.iter().any(|l| l.contains("herald stopped")),
        "{rest:#?}"
    );
}

#[test]
fn run_without_adapters_and_unknown_config_keys_are_explained() {
    let data = tempfile::tempdir().unwrap();
    let config = data.path().join("config.toml");
    std::fs::write(&config, "[llm]\nthreads = 2\n").unwrap();
    let out = run(herald()
        .arg("--config")
        .arg(&config)
        .arg("--data")
        .arg(data.path().join("db"))
        .arg("run"));
    assert_eq!(out.status.code(), Some(1));
    assert!(
        text(&out.stderr).contains("no adapter is enabled"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(&config, "[llm]\nthreds = 2\n").unwrap();
    let out = run(herald().arg("--config").arg(&config).args(["kb", "check"]));
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("config.toml:2") && err.contains("threds"),
        "{err}"
    );
}
