//! The repository's eval sets as benchmark input: each question that stands alone (no
//! earlier turns), with whether it expects an answer.

use std::path::Path;

use serde::Deserialize;

#[derive(Deserialize)]
struct EvalFile {
    case: Vec<Case>,
}

#[derive(Deserialize)]
struct Case {
    q: String,
    #[serde(default)]
    expect: Vec<String>,
    #[serde(default)]
    before: Vec<String>,
}

/// The standalone questions of the eval set at `path`, each with whether it expects an
/// answer.
pub fn standalone_questions(path: &Path) -> Vec<(String, bool)> {
    let text = std::fs::read_to_string(path).expect("eval set");
    let file: EvalFile = toml::from_str(&text).expect("eval set parses");
    file.case
        .into_iter()
        .filter(|c| c.before.is_empty())
        .map(|c| (c.q, !c.expect.is_empty()))
        .collect()
}
