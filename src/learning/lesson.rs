//! A manager's answer to a gap as a knowledge file: one Markdown passage whose title is the
//! wordings members used and whose `about` names the entities they named, parsed by the
//! knowledge parser before anything is written.

use crate::knowledge::{parse_file, Graph, Problem};
use crate::text::normalize;

use super::ids::Numbered;

/// A passage ready to be written: where (relative to the knowledge folder) and what.
#[derive(Clone, Debug, PartialEq)]
pub struct Lesson {
    pub path: String,
    pub text: String,
    pub about: Vec<String>,
    pub title: String,
    /// The passage's line in the file (what citations name).
    pub line: usize,
}

/// The file for `answer` to gap `n`, in `folder` (relative to the knowledge folder), or the
/// problems the parser finds in it (each with its `path:line`).
pub fn lesson(
    n: &Numbered,
    answer: &str,
    folder: &str,
    graph: &Graph,
) -> Result<Lesson, Vec<Problem>> {
    let mut about: Vec<String> = Vec::new();
    for (q, _) in &n.group.questions {
        for link in graph.link(&normalize(q)) {
            if !about.contains(&link.id) {
                about.push(link.id);
            }
        }
    }
    let wordings: Vec<&str> = n
        .group
        .questions
        .iter()
        .take(3)
        .map(|(q, _)| q.as_str())
        .collect();
    // A title is one line: wordings with a line break or `#` of their own are flattened.
    let title = wordings
        .iter()
        .map(|w| w.split_whitespace().collect::<Vec<_>>().join(" "))
        .collect::<Vec<_>>()
        .join(" / ");
    let slug: String = n
        .group
        .example
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect::<String>()
        .split('-')
        .filter(|s| !s.is_empty())
        .take(6)
        .collect::<Vec<_>>()
        .join("-");
    let folder = folder.trim_matches('/');
    let name = if slug.is_empty() {
        format!("g{}.md", n.id)
    } else {
        format!("g{}-{slug}.md", n.id)
    };
    let path = if folder.is_empty() {
        name
    } else {
        format!("{folder}/{name}")
    };
    let mut text = String::new();
    if !about.is_empty() {
        let quoted: Vec<String> = about.iter().map(|a| format!("{a:?}")).collect();
        text.push_str(&format!("+++\nabout = [{}]\n+++\n", quoted.join(", ")));
    }
    text.push_str(&format!(
        "# Taught by the team (gap g{})\n\n## {title}\n{}\n",
        n.id,
        answer.trim()
    ));
    let parsed = parse_file(&path, &text)?;
    let problem = |message: String| {
        vec![Problem {
            file: path.clone(),
            line: 1,
            message,
        }]
    };
    let line = match parsed.passages.as_slice() {
        [p] if p.title == title => p.source.line,
        [] => return Err(problem("the answer makes no passage".into())),
        [_, second, ..] => {
            return Err(vec![Problem {
                file: path.clone(),
                line: second.source.line,
                message: format!(
                    "the answer must be plain text: \"## {}\" would start another passage",
                    second.title
                ),
            }])
        }
        [_] => return Err(problem("the answer changed the passage's title".into())),
    };
    Ok(Lesson {
        path,
        text,
        about,
        title,
        line,
    })
}
