//! Citation markers `[n]` in replies: finding them and taking them out.

use std::sync::LazyLock;

use regex::Regex;

pub(super) static CITATION: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\[(\d{1,3})\]").unwrap());

/// `text` without its `[n]` citation markers.
pub fn strip_citations(text: &str) -> String {
    CITATION
        .replace_all(text, "")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Citation numbers `[n]` in a reply, in order, without repeats.
pub fn citation_markers(reply: &str) -> Vec<usize> {
    let mut out = Vec::new();
    for c in CITATION.captures_iter(reply) {
        if let Ok(n) = c[1].parse::<usize>() {
            if !out.contains(&n) {
                out.push(n);
            }
        }
    }
    out
}
