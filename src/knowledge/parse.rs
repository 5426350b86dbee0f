//! Parsing of one knowledge file (format v1: `*.toml` and `*.md`) into [`FileKnowledge`],
//! with every problem reported at its line.

use std::collections::BTreeMap;

use serde::Deserialize;
use toml::Spanned;

use super::model::{
    Attr, AttributeWords, Entity, FileKnowledge, Intent, Passage, Problem, Relation, Route, Source,
};

/// Parse one file by its extension. `file` is the path shown in sources and errors.
pub fn parse_file(file: &str, text: &str) -> Result<FileKnowledge, Vec<Problem>> {
    if file.ends_with(".toml") {
        parse_toml(file, text)
    } else if file.ends_with(".md") {
        parse_markdown(file, text)
    } else {
        Ok(FileKnowledge::default())
    }
}

/// 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    Lines::new(text).line(offset)
}

/// Line starts of a text, so that many offsets find their line by binary search (a scan
/// from the top per offset made loading a large file quadratic).
struct Lines(Vec<usize>);

impl Lines {
    fn new(text: &str) -> Lines {
        let mut starts = vec![0];
        starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        Lines(starts)
    }

    fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    entity: Vec<Spanned<RawEntity>>,
    #[serde(default)]
    relation: Vec<Spanned<RawRelation>>,
    #[serde(default)]
    intent: Vec<Spanned<RawIntent>>,
    #[serde(default)]
    attribute: Vec<Spanned<RawAttribute>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAttribute {
    key: String,
    words: Vec<String>,
    sentence: Option<String>,
    sentence_zh: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEntity {
    id: String,
    kind: String,
    name: String,
    #[serde(default)]
    aliases: Vec<String>,
    summary: Option<String>,
    #[serde(default)]
    attrs: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRelation {
    from: String,
    rel: String,
    to: String,
    #[serde(default)]
    attrs: BTreeMap<String, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIntent {
    name: String,
    route: String,
    #[serde(default)]
    examples: Vec<String>,
}

/// An id is `[a-z0-9][a-z0-9_-/]*`.
pub(super) fn valid_id(id: &str) -> bool {
    let mut chars = id.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_lowercase() || c.is_ascii_digit())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "_-/".contains(c))
}

fn parse_toml(file: &str, text: &str) -> Result<FileKnowledge, Vec<Problem>> {
    let problem = |line: usize, message: String| Problem {
        file: file.to_string(),
        line,
        message,
    };
    let raw: RawFile = toml::from_str(text).map_err(|e| {
        let line = e.span().map(|s| line_of(text, s.start)).unwrap_or(1);
        vec![problem(line, format!("invalid TOML: {}", e.message()))]
    })?;
    let mut problems = Vec::new();
    let mut out = FileKnowledge::default();
    let lines = Lines::new(text);
    let line_of = |offset: usize| lines.line(offset);
    let source = |offset: usize| Source {
        file: file.to_string(),
        line: line_of(offset),
    };

    for spanned in raw.entity {
        let at = spanned.span().start;
        let e = spanned.into_inner();
        let line = line_of(at);
        if !valid_id(&e.id) {
            problems.push(problem(
                line,
                format!("entity id {:?} must match [a-z0-9][a-z0-9_-/]*", e.id),
            ));
        }
        for (field, value) in [("kind", &e.kind), ("name", &e.name)] {
            if value.trim().is_empty() {
                problems.push(problem(
                    line,
                    format!("entity {:?}: {field} is empty", e.id),
                ));
            } else if value.trim().chars().any(char::is_control) {
                problems.push(problem(
                    line,
                    format!(
                        "entity {:?}: {field} holds a line break or control character",
                        e.id
                    ),
                ));
            }
        }
        if e.aliases.iter().any(|a| a.trim().is_empty()) {
            problems.push(problem(
                line,
                format!("entity {:?}: an alias is empty", e.id),
            ));
        }
        let attrs = convert_attrs(e.attrs, &source, &mut |at, msg| {
            problems.push(problem(line_of(at), format!("entity {:?}: {msg}", e.id)))
        });
        out.entities.push(Entity {
            id: e.id,
            kind: e.kind.trim().to_string(),
            name: e.name.trim().to_string(),
            aliases: e.aliases.iter().map(|a| a.trim().to_string()).collect(),
            summary: e.summary.filter(|s| !s.trim().is_empty()),
            attrs,
            source: source(at),
        });
    }

    for spanned in raw.relation {
        let at = spanned.span().start;
        let r = spanned.into_inner();
        if r.rel.trim().is_empty() {
            problems.push(problem(line_of(at), "relation: rel is empty".into()));
        } else if r.rel.trim().chars().any(char::is_control) {
            problems.push(problem(
                line_of(at),
                format!(
                    "relation {:?}: rel holds a line break or control character",
                    r.rel
                ),
            ));
        }
        let label = format!("relation {} -{}-> {}", r.from, r.rel, r.to);
        let attrs = convert_attrs(r.attrs, &source, &mut |at, msg| {
            problems.push(problem(line_of(at), format!("{label}: {msg}")))
        });
        out.relations.push(Relation {
            from: r.from,
            rel: r.rel.trim().to_string(),
            to: r.to,
            attrs,
            source: source(at),
        });
    }

    for spanned in raw.intent {
        let at = spanned.span().start;
        let i = spanned.into_inner();
        let line = line_of(at);
        let route = match Route::parse(i.route.trim()) {
            Some(route) => route,
            None => {
                let known: Vec<&str> = Route::ALL.iter().map(|r| r.as_str()).collect();
                problems.push(problem(
                    line,
                    format!(
                        "intent {:?}: unknown route {:?} (expected one of: {})",
                        i.name,
                        i.route,
                        known.join(", ")
                    ),
                ));
                Route::Answer
            }
        };
        if i.name.trim().is_empty() {
            problems.push(problem(line, "intent: name is empty".into()));
        }
        let examples: Vec<String> = i
            .examples
            .into_iter()
            .map(|e| e.trim().to_string())
            .filter(|e| !e.is_empty())
            .collect();
        if examples.is_empty() {
            problems.push(problem(
                line,
                format!("intent {:?}: needs at least one example", i.name),
            ));
        }
        out.intents.push(Intent {
            name: i.name.trim().to_string(),
            route,
            examples,
            source: source(at),
        });
    }

    for spanned in raw.attribute {
        let at = spanned.span().start;
        let a = spanned.into_inner();
        let line = line_of(at);
        let key = a.key.trim().to_string();
        if key.is_empty() {
            problems.push(problem(line, "attribute: key is empty".into()));
        }
        let words: Vec<String> = a
            .words
            .iter()
            .map(|w| w.trim().to_string())
            .filter(|w| !w.is_empty())
            .collect();
        if words.is_empty() {
            problems.push(problem(
                line,
                format!("attribute {key:?}: needs at least one word members use for it"),
            ));
        }
        for (field, template) in [("sentence", &a.sentence), ("sentence_zh", &a.sentence_zh)] {
            if let Some(t) = template {
                let env = minijinja::Environment::new();
                if let Err(e) = env.template_from_str(t) {
                    problems.push(problem(
                        line,
                        format!("attribute {key:?}: {field} is not a valid template: {e}"),
                    ));
                }
            }
        }
        out.attributes.push(AttributeWords {
            key,
            words,
            sentence: a.sentence.filter(|s| !s.trim().is_empty()),
            sentence_zh: a.sentence_zh.filter(|s| !s.trim().is_empty()),
            source: source(at),
        });
    }

    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// Turn TOML attribute values into text, in file order; tables and arrays are refused.
fn convert_attrs(
    raw: BTreeMap<String, Spanned<toml::Value>>,
    source: &dyn Fn(usize) -> Source,
    problem: &mut dyn FnMut(usize, String),
) -> Vec<Attr> {
    let mut attrs: Vec<(usize, Attr)> = Vec::with_capacity(raw.len());
    for (key, spanned) in raw {
        let at = spanned.span().start;
        let value = match spanned.into_inner() {
            toml::Value::String(s) => s,
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Float(f) => f.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            toml::Value::Datetime(d) => d.to_string(),
            toml::Value::Array(_) | toml::Value::Table(_) => {
                problem(
                    at,
                    format!("attribute {key:?} must be a scalar (string, number, bool or date)"),
                );
                continue;
            }
        };
        attrs.push((
            at,
            Attr {
                key,
                value,
                source: source(at),
            },
        ));
    }
    attrs.sort_by_key(|(at, _)| *at);
    attrs.into_iter().map(|(_, a)| a).collect()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FrontMatter {
    #[serde(default)]
    about: Vec<String>,
}

fn parse_markdown(file: &str, text: &str) -> Result<FileKnowledge, Vec<Problem>> {
    let problem = |line: usize, message: String| Problem {
        file: file.to_string(),
        line,
        message,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut start = 0;
    let mut about = Vec::new();
    if lines.first().map(|l| l.trim_end()) == Some("+++") {
        let Some(end) = lines.iter().skip(1).position(|l| l.trim_end() == "+++") else {
            return Err(vec![problem(
                1,
                "front matter opened with +++ is never closed".into(),
            )]);
        };
        let end = end + 1;
        let front = lines[1..end].join("\n");
        let parsed: FrontMatter = toml::from_str(&front).map_err(|e| {
            let line = e.span().map(|s| line_of(&front, s.start) + 1).unwrap_or(1);
            vec![problem(
                line,
                format!("invalid front matter: {}", e.message()),
            )]
        })?;
        about = parsed.about;
        start = end + 1;
    }

    let mut out = FileKnowledge::default();
    let mut problems = Vec::new();
    let mut current: Option<(usize, String, Vec<&str>)> = None;
    let mut finish = |current: Option<(usize, String, Vec<&str>)>, out: &mut FileKnowledge| {
        if let Some((line, title, body)) = current {
            let body = body.join("\n").trim().to_string();
            if title.is_empty() {
                problems.push(problem(line, "passage heading is empty".into()));
            } else if body.is_empty() {
                problems.push(problem(line, format!("passage {title:?} has no text")));
            } else {
                out.passages.push(Passage {
                    title,
                    body,
                    about: about.clone(),
                    source: Source {
                        file: file.to_string(),
                        line,
                    },
                });
            }
        }
    };
    for (i, line) in lines.iter().enumerate().skip(start) {
        if let Some(title) = line
            .strip_prefix("## ")
            .or_else(|| (line.trim() == "##").then_some(""))
        {
            finish(current.take(), &mut out);
            current = Some((i + 1, title.trim().to_string(), Vec::new()));
        } else if line.starts_with("# ") && current.is_none() {
            // The document's title: not a passage.
        } else if let Some((_, _, body)) = current.as_mut() {
            body.push(line);
        }
    }
    finish(current.take(), &mut out);
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entity_attrs_keep_their_own_lines_in_file_order() {
        let text = "# products\n[[entity]]\nid = \"a\"\nkind = \"product\"\nname = \"A\"\n\
                    attrs = { weight = \"250 g\", price = \"1.50 USD\" }\n\n[[entity]]\nid = \"b\"\nkind = \"product\"\nname = \"B\"\n";
        let k = parse_file("k/p.toml", text).unwrap();
        assert_eq!(k.entities.len(), 2);
        assert_eq!(k.entities[0].source.line, 2);
        assert_eq!(k.entities[1].source.line, 8);
        let keys: Vec<_> = k.entities[0].attrs.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys, ["weight", "price"]);
        assert_eq!(k.entities[0].attrs[1].source.line, 6);
    }

    #[test]
    fn bad_toml_reports_its_line() {
        let err = parse_file("k/p.toml", "[[entity]]\nid = \"a\"\nkind = \n").unwrap_err();
        assert_eq!(err[0].line, 3, "{}", err[0]);
        assert!(err[0].to_string().starts_with("k/p.toml:3: invalid TOML"));
    }

    #[test]
    fn missing_field_and_unknown_key_are_errors() {
        let err = parse_file("p.toml", "[[entity]]\nid = \"a\"\nkind = \"x\"\n").unwrap_err();
        assert!(
            err[0].message.contains("missing field `name`"),
            "{}",
            err[0]
        );
        let err = parse_file(
            "p.toml",
            "[[entity]]\nid='a'\nkind='x'\nname='A'\ncolour='red'\n",
        )
        .unwrap_err();
        assert!(err[0].message.contains("colour"), "{}", err[0]);
    }

    #[test]
    fn bad_id_route_and_attr_are_reported() {
        let text = "[[entity]]\nid = \"Bad Id\"\nkind = \"x\"\nname = \"X\"\nattrs = { sizes = [1, 2] }\n\n\
                    [[intent]]\nname = \"greet\"\nroute = \"dance\"\nexamples = [\"hi\"]\n";
        let err = parse_file("p.toml", text).unwrap_err();
        let text: Vec<String> = err.iter().map(|p| p.to_string()).collect();
        assert!(
            text.iter()
                .any(|t| t.starts_with("p.toml:1:") && t.contains("must match")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("p.toml:5:") && t.contains("scalar")),
            "{text:?}"
        );
        assert!(
            text.iter()
                .any(|t| t.starts_with("p.toml:7:") && t.contains("unknown route \"dance\"")),
            "{text:?}"
        );
    }

    #[test]
    fn markdown_passages_with_front_matter() {
        let text = "+++\nabout = [\"shipping\"]\n+++\n# FAQ\n\n## How long?\nTwo days.\n\n## Where?\nEverywhere.\n";
        let k = parse_file("faq.md", text).unwrap();
        assert_eq!(k.passages.len(), 2);
        assert_eq!(k.passages[0].title, "How long?");
        assert_eq!(k.passages[0].body, "Two days.");
        assert_eq!(k.passages[0].source.line, 6);
        assert_eq!(k.passages[1].about, ["shipping"]);
    }

    #[test]
    fn empty_passage_and_unclosed_front_matter_are_errors() {
        let err = parse_file("faq.md", "## Empty\n\n## Full\ntext\n").unwrap_err();
        assert_eq!(
            err[0].to_string(),
            "faq.md:1: passage \"Empty\" has no text"
        );
        let err = parse_file("faq.md", "+++\nabout = []\n## Q\nA\n").unwrap_err();
        assert!(err[0].message.contains("never closed"));
        let err = parse_file("faq.md", "+++\nabout = 3\n+++\n## Q\nA\n").unwrap_err();
        assert_eq!(err[0].line, 2, "{}", err[0]);
    }

    #[test]
    fn ids_follow_the_format() {
        assert!(valid_id("a"));
        assert!(valid_id("store/main-st_2"));
        assert!(!valid_id("-a"));
        assert!(!valid_id("A"));
        assert!(!valid_id(""));
    }
}
