//! The layout's rules, checked on the source as rust-analyzer's `tidy.rs` checks its own:
//! each module of `src/` uses only modules of lower layers (and, sideways, only the pairs
//! listed in [`SIDEWAYS`]); no circle between modules or between the files of one module;
//! no source file over 600 lines; every module says what it owns in a `//!` line;
//! `ARCHITECTURE.md` names every module; adapters depend only on the platform crate and the
//! core names no platform SDK. Uses are read from the code's own `crate::`, `super::` and
//! `self::` paths (comments, strings and test modules left out), which is how a newcomer
//! reads them too.

mod source;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::support::repo;
use source::{strip, SourceTree};

/// The layer of every top-level module of `src/`. A module may use modules of lower layers.
const LAYERS: &[(&str, u8)] = &[
    ("clock", 0),
    ("text", 0),
    ("config", 0),
    ("data", 0),
    ("lexicon", 0),
    ("knowledge", 1),
    ("llm", 1),
    ("engagement", 1),
    ("dialogue", 1),
    ("router", 1),
    ("posts", 2),
    ("analytics", 2),
    ("privacy", 2),
    ("metrics", 2),
    ("team", 2),
    ("moderation", 2),
    ("learning", 2),
    ("manage", 3),
    ("bot", 3),
    ("jobs", 3),
    ("engine", 3),
    ("http", 3),
    ("dashboard", 3),
    ("app", 4),
    ("cli", 4),
];

/// Uses between modules of the same layer that are part of the design (anything else
/// sideways is an error): (user, used, why).
const SIDEWAYS: &[(&str, &str, &str)] = &[
    (
        "lexicon",
        "text",
        "the dictionaries fold words the way questions are folded",
    ),
    (
        "config",
        "lexicon",
        "the lexicon's default path is the lexicon's own constant",
    ),
    (
        "router",
        "knowledge",
        "intents and routes are declared in the knowledge pack",
    ),
    (
        "dialogue",
        "knowledge",
        "answers are made from retrieved facts",
    ),
    ("dialogue", "llm", "answers are written by the model"),
    ("posts", "analytics", "the judge learns from post features"),
    (
        "privacy",
        "posts",
        "erasure removes a member's authorship of posts",
    ),
    (
        "privacy",
        "team",
        "erasure and export cover a member's tickets",
    ),
    (
        "learning",
        "analytics",
        "gap ids number the groups analytics makes",
    ),
    (
        "privacy",
        "learning",
        "erasure and export cover members waiting for a taught answer",
    ),
    (
        "privacy",
        "moderation",
        "erasure and export cover a member's moderation record",
    ),
    (
        "bot",
        "manage",
        "the bot hands managers' commands to manage",
    ),
    ("engine", "bot", "the engine feeds messages to the bot"),
    ("http", "bot", "chat completions are answered by the bot"),
    (
        "dashboard",
        "manage",
        "the dashboard's forms run the managers' commands",
    ),
    ("cli", "app", "every subcommand builds with app"),
];

/// What may never be used, whatever the layers say: (user, used, the invariant).
const NEVER: &[(&str, &str, &str)] = &[
    ("analytics", "llm", "analytics computes, never generates"),
    (
        "analytics",
        "dialogue",
        "analytics computes, never generates",
    ),
    (
        "analytics",
        "posts",
        "analytics reads engagement data, not the posts' machinery",
    ),
    (
        "knowledge",
        "dialogue",
        "the knowledge graph knows nothing of conversations",
    ),
    (
        "knowledge",
        "engagement",
        "the knowledge graph knows nothing of conversations",
    ),
    (
        "knowledge",
        "router",
        "the knowledge graph knows nothing of conversations",
    ),
];

const MAX_LINES: usize = 600;

/// `HERALD_LAYOUT_SRC` checks another tree instead (an older checkout, to see the rules fail).
#[test]
fn modules_use_only_lower_layers_and_no_circle() {
    let src = std::env::var_os("HERALD_LAYOUT_SRC")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo().join("src"));
    let problems = check_layers(&src);
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The check reads the uses it checks: a reader that saw nothing would pass everything.
#[test]
fn the_layer_check_sees_the_uses_the_code_has() {
    let (modules, files) = uses_of(&repo().join("src"));
    for (user, used) in [
        ("bot", "manage"),
        ("manage", "posts"),
        ("engagement", "text"),
        ("jobs", "analytics"),
        ("cli", "app"),
        ("privacy", "dialogue"),
    ] {
        assert!(
            modules.get(user).is_some_and(|u| u.contains(used)),
            "{user} -> {used} not seen in {modules:?}"
        );
    }
    for (module, from, to) in [
        ("engagement", "engagement/stored.rs", "engagement/log.rs"),
        ("bot", "bot/handle.rs", "bot/core.rs"),
        ("cli", "cli/mod.rs", "cli/run.rs"),
        ("http", "http/completions.rs", "http/state.rs"),
    ] {
        let seen = files.get(module).and_then(|f| f.get(from));
        assert!(
            seen.is_some_and(|t| t.contains(to)),
            "{from} -> {to} not seen: {seen:?}"
        );
    }
}

#[test]
fn no_source_file_is_over_600_lines_and_every_module_says_what_it_owns() {
    let mut problems = Vec::new();
    for dir in ["src", "adapters", "tests", "benches"] {
        for f in rust_files(&repo().join(dir)) {
            let text = std::fs::read_to_string(&f).expect("source file");
            let lines = text.lines().count();
            if lines > MAX_LINES {
                problems.push(format!("{}: {lines} lines (at most {MAX_LINES})", rel(&f)));
            }
            let is_test = f.to_string_lossy().contains("test");
            if dir == "src" && !is_test && !text.trim_start().starts_with("//!") {
                problems.push(format!("{}: no //! line saying what it owns", rel(&f)));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn architecture_md_names_every_module() {
    let doc = std::fs::read_to_string(repo().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let on_disk = top_modules(&repo().join("src"));
    let listed: BTreeSet<&str> = LAYERS.iter().map(|(m, _)| *m).collect();
    let mut problems = Vec::new();
    for m in &on_disk {
        if !listed.contains(m.as_str()) {
            problems.push(format!("src/{m}: not in LAYERS (give it a layer)"));
        }
        if !doc.contains(&format!("`{m}")) {
            problems.push(format!("ARCHITECTURE.md does not name `{m}`"));
        }
    }
    for m in &listed {
        if !on_disk.contains(*m) {
            problems.push(format!("LAYERS names {m}, which src/ does not have"));
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn adapters_know_only_the_platform_crate_and_the_core_no_sdk() {
    let mut problems = Vec::new();
    for entry in std::fs::read_dir(repo().join("adapters")).expect("adapters") {
        let dir = entry.expect("entry").path();
        let manifest = std::fs::read_to_string(dir.join("Cargo.toml")).expect("Cargo.toml");
        let table: toml::Table = manifest.parse().expect("adapter manifest");
        let deps = table
            .get("dependencies")
            .and_then(|d| d.as_table())
            .cloned()
            .unwrap_or_default();
        let own = dir.file_name().and_then(|n| n.to_str()).unwrap_or("");
        for name in deps.keys().filter(|n| n.starts_with("herald")) {
            if own == "platform" || name != "herald-platform" {
                problems.push(format!("adapters/{own} depends on {name}"));
            }
        }
    }
    for f in rust_files(&repo().join("src")) {
        let code = strip(&std::fs::read_to_string(&f).expect("source"));
        for sdk in ["teloxide", "serenity"] {
            if code.contains(&format!("{sdk}::")) {
                problems.push(format!("{}: names the {sdk} SDK", rel(&f)));
            }
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// The checker fails on each circle the code had before this layout (issue 15), rebuilt
/// here as small source trees: a check that cannot fail proves nothing.
#[test]
fn the_layer_check_fails_on_the_old_circles() {
    let cases: &[(&[(&str, &str)], &str)] = &[
        (
            &[
                ("engagement/mod.rs", "//! log\nmod rollup;\n"),
                ("engagement/rollup.rs", "//! r\nfn f() { crate::analytics::sentiment::compound(\"\"); }\n"),
                ("analytics/mod.rs", "//! a\npub mod sentiment;\nuse crate::engagement::Rollup;\n"),
                ("analytics/sentiment.rs", "//! s\npub fn compound(_: &str) {}\n"),
            ],
            "engagement uses analytics",
        ),
        (
            &[
                ("posts/mod.rs", "//! p\nuse crate::analytics::{gap_groups, besttime};\n"),
                ("analytics/mod.rs", "//! a\nuse crate::posts::when::resolve;\n"),
            ],
            "circle: analytics -> posts -> analytics",
        ),
        (
            &[
                ("dialogue/memory.rs", "//! m\nfn f() { crate::privacy::scrub(\"\"); }\n"),
                ("dialogue/mod.rs", "//! d\nmod memory;\n"),
                ("privacy.rs", "//! p\nuse crate::dialogue::Memory;\n"),
            ],
            "dialogue uses privacy",
        ),
        (
            &[
                ("knowledge/mod.rs", "//! k\nmod lexical;\nmod segment;\n"),
                ("knowledge/lexical.rs", "//! l\nuse super::segment::Segment;\n"),
                ("knowledge/segment.rs", "//! s\nuse super::lexical::LexicalSegment;\n"),
            ],
            "circle inside knowledge: knowledge/lexical.rs -> knowledge/segment.rs -> knowledge/lexical.rs",
        ),
        (
            &[
                ("engagement/mod.rs", "//! e\nmod log;\npub use log::Log;\npub struct Event;\n"),
                ("engagement/log.rs", "//! l\nuse super::{Event, Log};\npub struct Log;\n"),
                ("engagement/event.rs", "//! e\n"),
            ],
            "",
        ),
        (
            &[
                ("jobs/mod.rs", "//! j\npub mod upkeep;\n"),
                ("jobs/upkeep.rs", "//! u\n"),
                ("bot/mod.rs", "//! b\nuse crate::jobs::upkeep;\n"),
            ],
            "bot uses jobs, a module of its own layer (3), which SIDEWAYS does not list",
        ),
        (
            &[
                ("engine.rs", "//! e\n/// uses crate::cli in a comment only\nfn f() { let s = \"crate::cli::main\"; let c = '\\''; }\n#[cfg(test)]\nmod tests { use crate::cli::main; }\n"),
                ("cli/mod.rs", "//! c\npub fn main() {}\n"),
            ],
            "",
        ),
    ];
    for (files, expect) in cases {
        let dir = tempfile::tempdir().expect("temp dir");
        for (path, text) in *files {
            let p = dir.path().join(path);
            std::fs::create_dir_all(p.parent().expect("parent")).expect("dir");
            std::fs::write(&p, text).expect("write");
        }
        let problems = check_layers(dir.path()).join("\n");
        if expect.is_empty() {
            assert!(problems.is_empty(), "{files:?}: {problems}");
        } else {
            assert!(
                problems.contains(expect),
                "{files:?}: expected {expect:?} in\n{problems}"
            );
        }
    }
}

/// Which module uses which, and within each module which file uses which.
type Uses = (
    BTreeMap<String, BTreeSet<String>>,
    BTreeMap<String, BTreeMap<String, BTreeSet<String>>>,
);

/// The uses the checks look at, read from `src`.
fn uses_of(src: &Path) -> Uses {
    let tree = SourceTree::read(src);
    let mut modules: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut files: BTreeMap<String, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
    for (file, uses) in tree.uses() {
        let Some(top) = file.module.first().cloned() else {
            continue;
        };
        for used in uses {
            let Some(target) = used.first() else { continue };
            if *target != top {
                if tree.is_top_module(target) {
                    modules
                        .entry(top.clone())
                        .or_default()
                        .insert(target.clone());
                }
                continue;
            }
            if let Some(to) = tree.file_of(&used) {
                if to != file.path {
                    files
                        .entry(top.clone())
                        .or_default()
                        .entry(file.path.clone())
                        .or_default()
                        .insert(to);
                }
            }
        }
    }
    (modules, files)
}

/// Every rule about uses, as problems worded for the reader (empty when all hold).
pub fn check_layers(src: &Path) -> Vec<String> {
    let layer: BTreeMap<&str, u8> = LAYERS.iter().copied().collect();
    let (modules, files) = uses_of(src);
    let mut problems = Vec::new();
    for (user, used_set) in &modules {
        for used in used_set {
            let (Some(&lu), Some(&ld)) = (layer.get(user.as_str()), layer.get(used.as_str()))
            else {
                continue;
            };
            if let Some((_, _, why)) = NEVER.iter().find(|(a, b, _)| a == user && b == used) {
                problems.push(format!("{user} uses {used}: never ({why})"));
            } else if ld > lu {
                problems.push(format!(
                    "{user} uses {used}: layer {lu} may not use layer {ld} (move the shared part down)"
                ));
            } else if ld == lu && !SIDEWAYS.iter().any(|(a, b, _)| a == user && b == used) {
                problems.push(format!(
                    "{user} uses {used}, a module of its own layer ({lu}), which SIDEWAYS does not list"
                ));
            }
        }
    }
    for c in circles(modules) {
        problems.push(format!("circle: {}", c.join(" -> ")));
    }
    for (module, graph) in files {
        for c in circles(graph) {
            problems.push(format!("circle inside {module}: {}", c.join(" -> ")));
        }
    }
    problems
}

/// Every circle of `graph`, one at a time: each found circle's last edge is taken out
/// before looking again, so one circle is not reported twice.
fn circles(mut graph: BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    while let Some(c) = find_circle(&graph) {
        if let [.., from, to] = c.as_slice() {
            if let Some(next) = graph.get_mut(from) {
                next.remove(to);
            }
        }
        out.push(c);
        if out.len() >= 20 {
            break;
        }
    }
    out
}

/// A circle in `graph`, as the nodes along it (first repeated at the end), if any.
fn find_circle(graph: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        state: &mut BTreeMap<String, u8>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        state.insert(node.to_string(), 1);
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            match state.get(next.as_str()) {
                Some(1) => {
                    let from = stack.iter().position(|n| n == next).unwrap_or(0);
                    let mut circle = stack[from..].to_vec();
                    circle.push(next.clone());
                    return Some(circle);
                }
                Some(_) => {}
                None => {
                    if let Some(c) = visit(next, graph, state, stack) {
                        return Some(c);
                    }
                }
            }
        }
        stack.pop();
        state.insert(node.to_string(), 2);
        None
    }
    let mut state = BTreeMap::new();
    for node in graph.keys() {
        if !state.contains_key(node.as_str()) {
            if let Some(c) = visit(node, graph, &mut state, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

pub(super) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            if p.file_name().is_some_and(|n| n == "target") {
                continue;
            }
            out.extend(rust_files(&p));
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    out.sort();
    out
}

fn top_modules(src: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for e in std::fs::read_dir(src).expect("src").flatten() {
        let p = e.path();
        let name = p
            .file_stem()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let folder = p.is_dir() && p.join("mod.rs").is_file();
        let file =
            p.extension().is_some_and(|x| x == "rs") && !["lib", "main"].contains(&name.as_str());
        if folder || file {
            out.insert(name);
        }
    }
    out
}

fn rel(p: &Path) -> String {
    p.strip_prefix(repo())
        .unwrap_or(p)
        .to_string_lossy()
        .into_owned()
}
