//! The official `openai` Python client against `herald run`'s HTTP API: the real binary,
//! model and knowledge pack, the client the ecosystem uses.

use crate::support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The Python with `openai` installed (scripts/test makes it). Never skipped: missing, it fails
/// with what to run.
fn python() -> String {
    let python = std::env::var("HERALD_TEST_PYTHON").unwrap_or_default();
    let ok = !python.is_empty()
        && Command::new(&python)
            .args(["-c", "import openai"])
            .status()
            .is_ok_and(|s| s.success());
    assert!(
        ok,
        "the openai Python client is missing: run scripts/test (it installs it into a venv) or set HERALD_TEST_PYTHON to a python with `openai` installed"
    );
    python
}

#[test]
fn the_official_openai_client_gets_grounded_answers_streams_and_401s() {
    let python = python();
    let port = support::free_port();
    let run = support::RunSetup::new(&format!(
        "[http]\nlisten = \"127.0.0.1:{port}\"\nkeys = [\"sk-herald-1\"]\n[dashboard]\nenabled = false\n"
    ));
    let mut child = run
        .command()
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("herald runs");
    // Wait until it listens (its log says so).
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let started = Instant::now();
    let mut log = String::new();
    while !log.contains("HTTP API listening") {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "herald did not start:\n{log}"
        );
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("read log") == 0 {
            panic!("herald exited:\n{log}");
        }
        log.push_str(&line);
    }
    std::thread::spawn(move || for _ in stderr.lines() {});
    // `[dashboard] enabled = false`: the API alone is served.
    assert!(!log.contains("dashboard served"), "{log}");
    let dashboard = {
        use std::io::{Read, Write};
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        s.write_all(b"GET /dashboard HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .expect("write");
        let mut out = String::new();
        s.read_to_string(&mut out).expect("read");
        out.lines().next().unwrap_or_default().to_string()
    };
    assert!(dashboard.contains("404"), "{dashboard}");

    let out = Command::new(python)
        .arg(support::repo().join("tests/e2e/support/openai_client.py"))
        .arg(format!("http://127.0.0.1:{port}/v1"))
        .arg("sk-herald-1")
        .output()
        .expect("python runs");
    let status = support::stop(&mut child);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(status.success(), "{status:?}");
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["models"], serde_json::json!(["herald"]));
    assert!(v["content"].as_str().unwrap_or("").contains("16.00"), "{v}");
    assert_eq!(v["finish_reason"], "stop");
    assert!(
        v["citations"][0]["fact"]
            .as_str()
            .unwrap_or("")
            .contains("16.00 USD"),
        "{v}"
    );
    let streamed = v["streamed"].as_str().unwrap_or("");
    assert!(streamed.contains("7:00"), "{v}");
    assert!(v["stream_chunks"].as_u64().unwrap_or(0) > 1, "{v}");
    assert_eq!(v["stream_finish"], "stop");
    assert_eq!(v["wrong_key"], 401);

    // /metrics parses as Prometheus text and its counters moved with the two questions.
    let (before, after) = (&v["metrics_before"], &v["metrics_after"]);
    let answered = "herald_messages_total{platform=http,route=answer}";
    assert!(before[answered].is_null(), "{before}");
    assert_eq!(after[answered], 2.0, "{after}");
    assert_eq!(before["herald_answer_seconds_count{}"], 0.0);
    assert_eq!(after["herald_answer_seconds_count{}"], 2.0);
    assert!(
        after["herald_answer_seconds_bucket{le=+Inf}"] == 2.0,
        "{after}"
    );
    assert!(
        after["herald_llm_tokens_total{}"].as_f64().unwrap_or(0.0) > 0.0,
        "{after}"
    );
}
