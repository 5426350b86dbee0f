//! `herald eval` end to end: both question sets in the repository (the sample pack and a
//! second, different community's pack) through the real binary and model, with the
//! thresholds the dialogue core is held to.

use crate::support::{self, herald, repo};

use serde_json::Value;

/// Run `herald eval --json` on `set` over `pack`; returns the exit code and the summary.
fn eval(pack: &str, set: &str, extra: &[&str]) -> (Option<i32>, Value) {
    let dir = tempfile::tempdir().expect("temp dir");
    let config = dir.path().join("config.toml");
    support::write_run_config(&config, "");
    let out = herald()
        .arg("--config")
        .arg(&config)
        .arg("--knowledge")
        .arg(repo().join(pack))
        .arg("--data")
        .arg(dir.path().join("data"))
        .arg("--model")
        .arg(support::model_path())
        .arg("eval")
        .arg(repo().join(set))
        .arg("--json")
        .args(extra)
        .output()
        .expect("herald eval runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let summary: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {stdout}\n{}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        !dir.path().join("data").exists(),
        "eval wrote into the data folder"
    );
    (out.status.code(), summary)
}

fn share(v: &Value, part: &str, whole: &str) -> f64 {
    v[part].as_f64().unwrap_or(0.0) / v[whole].as_f64().unwrap_or(1.0).max(1.0)
}

fn holds_the_targets(pack: &str, set: &str) {
    let (code, v) = eval(pack, set, &["--min-correct", "0.95"]);
    assert!(v["total"].as_u64().unwrap_or(0) >= 40, "{v}");
    assert_eq!(code, Some(0), "below 95 % correct: {v:#}");
    assert!(share(&v, "correct", "total") >= 0.95, "{v:#}");
    assert_eq!(v["unknown_correct"], v["unknown_total"], "{v:#}");
    assert_eq!(v["language_match"], v["total"], "{v:#}");
    // The model's own wording survives for a good share of answers (the target is 60 %;
    // README reports the measured figure). Below this the constraint or guard broke.
    assert!(
        share(&v, "model_written", "answered_correct") >= 0.3,
        "{v:#}"
    );
    assert!(v["p50_ms"].as_f64().unwrap_or(0.0) > 0.0, "{v}");
}

#[test]
fn the_sample_packs_question_set_holds_the_targets() {
    holds_the_targets("knowledge", "eval/sample.toml");
}

#[test]
fn a_second_communitys_pack_holds_the_targets() {
    holds_the_targets("examples/quill/knowledge", "eval/quill.toml");
}

#[test]
fn below_min_correct_exits_1_and_a_bad_file_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    let wrong = dir.path().join("wrong.toml");
    std::fs::write(
        &wrong,
        "[[case]]\nq = \"How much is the Yirgacheffe?\"\nunknown = true\n",
    )
    .expect("write");
    let (code, v) = eval(
        "knowledge",
        wrong.to_str().expect("utf-8"),
        &["--min-correct", "50"],
    );
    assert_eq!(code, Some(1), "{v}");
    assert_eq!(v["correct"], 0);
    assert_eq!(v["failures"][0]["q"], "How much is the Yirgacheffe?");

    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[case]]\nq = \"hi\"\n").expect("write");
    let out = herald()
        .arg("--knowledge")
        .arg(repo().join("knowledge"))
        .arg("eval")
        .arg(&bad)
        .output()
        .expect("herald eval runs");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad.toml") && err.contains("exactly one"),
        "{err}"
    );
}
