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
    assert_eq!(v["wrong"], 0, "a confident wrong answer: {v:#}");
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

/// A copy of `pack` with every `[[attribute]]` table removed: the pack as an admin who never
/// declared words would have written it.
fn without_declarations(pack: &str, into: &std::path::Path) -> std::path::PathBuf {
    let from = repo().join(pack);
    let to = into.join("pack");
    for entry in walk(&from) {
        let rel = entry.strip_prefix(&from).expect("inside the pack");
        let dest = to.join(rel);
        std::fs::create_dir_all(dest.parent().expect("a parent")).expect("mkdir");
        let text = std::fs::read_to_string(&entry).expect("read");
        let kept = if entry.extension().is_some_and(|e| e == "toml") {
            let mut out = String::new();
            let mut skipping = false;
            for line in text.lines() {
                let head = line.trim_start();
                if head.starts_with("[[") || (head.starts_with('[') && !head.starts_with("[[")) {
                    skipping = head.starts_with("[[attribute]]");
                }
                if !skipping {
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out
        } else {
            text
        };
        std::fs::write(&dest, kept).expect("write");
    }
    let all: String = walk(&to)
        .iter()
        .map(|p| std::fs::read_to_string(p).unwrap_or_default())
        .collect();
    assert!(
        !all.contains("[[attribute]]"),
        "declarations left in the copy"
    );
    to
}

fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).expect("read dir").flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// Floors on packs whose question sets were written before the planner was tuned, and on
/// the two packs with their declarations removed. They are the measured results less a
/// small margin, not issue 29's targets (95 % correct, wrong = 0), which these sets do not
/// reach yet (README: "Answer quality"); they catch a change that makes things worse.
fn holds_a_floor(pack: &str, set: &str, min_correct: f64, max_wrong: u64) {
    let (_, v) = eval(pack, set, &[]);
    assert!(v["total"].as_u64().unwrap_or(0) >= 40, "{v}");
    assert!(
        share(&v, "correct", "total") >= min_correct,
        "{set} on {pack}: below {min_correct}: {v:#}"
    );
    assert!(
        v["wrong"].as_u64().unwrap_or(u64::MAX) <= max_wrong,
        "{set} on {pack}: more than {max_wrong} wrong: {v:#}"
    );
    assert!(
        share(&v, "unknown_correct", "unknown_total") >= 0.75,
        "{v:#}"
    );
}

#[test]
fn the_game_servers_pack_holds_its_floor() {
    holds_a_floor(
        "examples/emberfall/knowledge",
        "eval/emberfall.toml",
        0.74,
        3,
    );
}

#[test]
fn the_climbing_gyms_pack_holds_its_floor() {
    holds_a_floor("examples/granite/knowledge", "eval/granite.toml", 0.74, 3);
}

#[test]
fn the_councils_pack_holds_its_floor() {
    holds_a_floor(
        "examples/millbrook/knowledge",
        "eval/millbrook.toml",
        0.70,
        7,
    );
}

#[test]
fn the_sample_pack_without_declarations_holds_its_floor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = without_declarations("knowledge", dir.path());
    holds_a_floor(pack.to_str().expect("utf-8"), "eval/sample.toml", 0.9, 1);
}

#[test]
fn the_quill_pack_without_declarations_holds_its_floor() {
    let dir = tempfile::tempdir().expect("temp dir");
    let pack = without_declarations("examples/quill/knowledge", dir.path());
    holds_a_floor(pack.to_str().expect("utf-8"), "eval/quill.toml", 0.85, 1);
}

/// The held-out packs: sets written by people who never read the bot's code. Their floors
/// are the measured results (2026-12-08, at 4998dc1) less a small margin.
#[test]
fn the_held_out_packs_hold_their_floors() {
    for (pack, min_correct, max_wrong) in [
        ("spoke", 0.67, 6),
        ("lingua", 0.62, 8),
        ("tidewater", 0.65, 5),
        ("pawsome", 0.63, 5),
        ("foundry", 0.62, 8),
        ("hearth", 0.56, 9),
        ("larchwood", 0.68, 10),
    ] {
        holds_a_floor(
            &format!("examples/holdout/{pack}/knowledge"),
            &format!("eval/holdout/{pack}.toml"),
            min_correct,
            max_wrong,
        );
    }
}

/// The festival pack (written without reading the bot's code; its failures were read once
/// at c39d508): its own test, so it runs beside the other held-out packs.
#[test]
fn the_festival_pack_holds_its_floor() {
    holds_a_floor(
        "examples/holdout/saltmarsh/knowledge",
        "eval/holdout/saltmarsh.toml",
        0.58,
        13,
    );
}
