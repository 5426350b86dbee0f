//! Reading `src/` as the layer check needs it: files and their modules, the code without
//! comments, strings and test modules, and the absolute paths each file uses.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::rust_files;

/// One source file: where it is and which module it is.
#[derive(Clone, Debug)]
pub(super) struct SourceFile {
    /// Relative to `src/`, e.g. `engagement/log.rs`.
    pub(super) path: String,
    /// e.g. `["engagement", "log"]`; `mod.rs` files are their folder's module.
    pub(super) module: Vec<String>,
    /// The code without comments, strings and `#[cfg(test)]` modules.
    code: String,
}

pub(super) struct SourceTree {
    files: Vec<SourceFile>,
    /// Module path → file.
    by_module: BTreeMap<Vec<String>, String>,
    /// For a module file: names it re-exports (`pub use child::Name`) → the child's path.
    reexports: BTreeMap<Vec<String>, BTreeMap<String, Vec<String>>>,
}

impl SourceTree {
    pub(super) fn read(src: &Path) -> SourceTree {
        let mut files = Vec::new();
        let tests = test_modules(src);
        for f in rust_files(src) {
            let path = f
                .strip_prefix(src)
                .expect("under src")
                .to_string_lossy()
                .replace('\\', "/");
            if path == "main.rs" || tests.contains(&path) {
                continue;
            }
            let text = std::fs::read_to_string(&f).expect("source");
            files.push(SourceFile {
                module: module_of(&path, src),
                code: without_test_modules(&strip(&text)),
                path,
            });
        }
        let by_module = files
            .iter()
            .map(|f| (f.module.clone(), f.path.clone()))
            .collect();
        let mut reexports = BTreeMap::new();
        for f in &files {
            let mut names = BTreeMap::new();
            for stmt in use_statements(&f.code).into_iter().filter(|s| s.public) {
                for path in expand_use(&stmt.tree) {
                    if let Some(abs) = resolve(&f.module, &path, true) {
                        if let Some(last) = path.last() {
                            names.insert(last.clone(), abs);
                        }
                    }
                }
            }
            reexports.insert(f.module.clone(), names);
        }
        SourceTree {
            files,
            by_module,
            reexports,
        }
    }

    pub(super) fn is_top_module(&self, name: &str) -> bool {
        self.by_module.contains_key(&vec![name.to_string()])
    }

    /// Every file with the absolute paths it uses. A module file's own `pub use` and `mod`
    /// lines declare its children, so they are not uses; a name it re-exports and also uses
    /// in its code is.
    pub(super) fn uses(&self) -> Vec<(&SourceFile, Vec<Vec<String>>)> {
        let mut out = Vec::new();
        for f in &self.files {
            let mut used = Vec::new();
            let stmts = use_statements(&f.code);
            for stmt in &stmts {
                let paths = expand_use(&stmt.tree);
                if stmt.public {
                    // Re-exported names count only when the file's own code names them.
                    for p in paths {
                        let Some(name) = p.last() else { continue };
                        if name == "*" || !mentions(&stmt.rest, name) {
                            continue;
                        }
                        used.extend(resolve(&f.module, &p, true));
                    }
                } else {
                    used.extend(paths.iter().filter_map(|p| resolve(&f.module, p, false)));
                }
            }
            let code_only: String = stmts
                .iter()
                .fold(f.code.clone(), |c, s| c.replace(&s.text, ""));
            for p in inline_paths(&code_only) {
                used.extend(resolve(&f.module, &p, false));
            }
            // `child::item` in a module file names its own child module.
            for child in child_modules(&code_only) {
                if starts_path(&code_only, &child) {
                    let mut p = f.module.clone();
                    p.push(child);
                    used.push(p);
                }
            }
            out.push((f, used));
        }
        out
    }

    /// The file an absolute path points into: the deepest module file along it, or the
    /// child a module file re-exports the next name from.
    pub(super) fn file_of(&self, path: &[String]) -> Option<String> {
        let mut best = None;
        for n in (1..=path.len()).rev() {
            let prefix = path[..n].to_vec();
            if let Some(file) = self.by_module.get(&prefix) {
                if let Some(next) = path.get(n) {
                    if let Some(target) = self.reexports.get(&prefix).and_then(|r| r.get(next)) {
                        if target.as_slice() != path {
                            return self.file_of(target).or(Some(file.clone()));
                        }
                    }
                }
                best = Some(file.clone());
                break;
            }
        }
        best
    }
}

/// The module path of a file relative to `src/`; a file attached with `#[path]` is the
/// declaring module's `mod` name.
fn module_of(path: &str, src: &Path) -> Vec<String> {
    path_attached(path, src).unwrap_or_else(|| module_of_plain(path))
}

/// Files declared with `#[path = "..."] mod name;`: their module path.
fn path_attached(path: &str, src: &Path) -> Option<Vec<String>> {
    let file = Path::new(path);
    let dir = file.parent()?;
    for f in rust_files(&src.join(dir)) {
        let text = std::fs::read_to_string(&f).ok()?;
        let name = file.file_name()?.to_str()?;
        let needle = format!("#[path = \"{name}\"]");
        if let Some(i) = text.find(&needle) {
            let rest = &text[i + needle.len()..];
            let decl = rest.split(';').next()?.trim();
            let m = decl.split_whitespace().last()?.to_string();
            let owner = f
                .strip_prefix(src)
                .ok()?
                .to_string_lossy()
                .replace('\\', "/");
            let mut module = module_of_plain(&owner);
            module.push(m);
            return Some(module);
        }
    }
    None
}

/// The module path a file has by its place: `a/b.rs` is `a::b`, `a/mod.rs` is `a`.
fn module_of_plain(path: &str) -> Vec<String> {
    let mut parts: Vec<String> = path
        .trim_end_matches(".rs")
        .split('/')
        .map(String::from)
        .collect();
    if parts.last().is_some_and(|p| p == "mod" || p == "lib") {
        parts.pop();
    }
    parts
}

/// Files that are test modules (`#[cfg(test)] mod x;` or `#[path] ... mod tests;`).
fn test_modules(src: &Path) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for f in rust_files(src) {
        let Ok(text) = std::fs::read_to_string(&f) else {
            continue;
        };
        let rel_dir = f
            .strip_prefix(src)
            .ok()
            .and_then(|p| p.parent())
            .map(Path::to_path_buf)
            .unwrap_or_default();
        let own = module_of_plain(
            &f.strip_prefix(src)
                .map(|p| p.to_string_lossy().replace('\\', "/"))
                .unwrap_or_default(),
        );
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if line.trim() != "#[cfg(test)]" {
                continue;
            }
            for next in lines.iter().skip(i + 1).take(2) {
                let next = next.trim();
                if let Some(p) = next
                    .strip_prefix("#[path = \"")
                    .and_then(|r| r.strip_suffix("\"]"))
                {
                    out.insert(rel_dir.join(p).to_string_lossy().replace('\\', "/"));
                    break;
                }
                if let Some(name) = next.strip_prefix("mod ").and_then(|r| r.strip_suffix(';')) {
                    let base = if f
                        .file_name()
                        .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
                    {
                        rel_dir.clone()
                    } else {
                        PathBuf::from(own.join("/"))
                    };
                    out.insert(
                        base.join(format!("{name}.rs"))
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                    out.insert(
                        base.join(name)
                            .join("mod.rs")
                            .to_string_lossy()
                            .replace('\\', "/"),
                    );
                    break;
                }
            }
        }
    }
    out
}

/// An absolute path (from the crate root) for `path` as written in `module`, or `None`
/// for paths outside the crate. `in_use`: a `use` path (bare first segments are crates).
fn resolve(module: &[String], path: &[String], in_use: bool) -> Option<Vec<String>> {
    let first = path.first()?;
    let mut base: Vec<String> = match first.as_str() {
        "crate" => Vec::new(),
        "self" => module.to_vec(),
        "super" => {
            let mut b = module.to_vec();
            b.pop()?;
            b
        }
        _ => {
            let _ = in_use;
            return None;
        }
    };
    for seg in &path[1..] {
        match seg.as_str() {
            "super" => {
                base.pop()?;
            }
            "self" => {}
            s => base.push(s.to_string()),
        }
    }
    Some(base)
}

struct UseStatement {
    /// The statement as it appears in the code.
    text: String,
    /// The use tree after `use`.
    tree: String,
    public: bool,
    /// The file's code without this statement (to see whether re-exported names are used).
    rest: String,
}

fn use_statements(code: &str) -> Vec<UseStatement> {
    let mut out = Vec::new();
    let bytes = code.as_bytes();
    let mut i = 0;
    while let Some(off) = code[i..].find("use ") {
        let start = i + off;
        let before = code[..start].trim_end();
        let boundary = start == 0
            || matches!(bytes[start - 1], b' ' | b'\n' | b'\t' | b';' | b'{' | b'}')
                && (before.is_empty()
                    || before.ends_with(';')
                    || before.ends_with('{')
                    || before.ends_with('}')
                    || before.ends_with("pub")
                    || before.ends_with(')')
                    || before.ends_with(']'));
        let Some(end) = code[start..].find(';').map(|e| start + e) else {
            break;
        };
        if boundary {
            let public = before.ends_with("pub") || before.ends_with("pub(crate)");
            let text = code[start..=end].to_string();
            out.push(UseStatement {
                tree: code[start + 4..end].trim().to_string(),
                rest: format!("{}{}", &code[..start], &code[end + 1..]),
                text,
                public,
            });
            i = end + 1;
        } else {
            i = start + 4;
        }
    }
    out
}

/// The paths of a use tree (`a::{b, c::d as e, f::*}` → `a::b`, `a::c::d`, `a::f::*`).
fn expand_use(tree: &str) -> Vec<Vec<String>> {
    fn go(tree: &str, prefix: &[String], out: &mut Vec<Vec<String>>) {
        let tree = tree.trim();
        if tree.is_empty() {
            return;
        }
        if let Some(open) = tree.find('{') {
            let head: Vec<String> = split_path(&tree[..open]);
            let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
            let mut p = prefix.to_vec();
            p.extend(head);
            for part in split_top(inner) {
                let part = part.trim();
                if part == "self" {
                    out.push(p.clone());
                } else {
                    go(part, &p, out);
                }
            }
            return;
        }
        let tree = tree.split(" as ").next().unwrap_or(tree);
        let mut p = prefix.to_vec();
        p.extend(split_path(tree));
        out.push(p);
    }
    let mut out = Vec::new();
    go(tree, &[], &mut out);
    out
}

fn split_path(s: &str) -> Vec<String> {
    s.split("::")
        .map(str::trim)
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

/// Split at commas not inside braces.
fn split_top(s: &str) -> Vec<&str> {
    let (mut depth, mut start, mut out) = (0, 0, Vec::new());
    for (i, c) in s.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

/// `crate::…`, `super::…` and `self::…` paths in code outside `use` statements.
fn inline_paths(code: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let chars: Vec<char> = code.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        let at_boundary = i == 0
            || !(chars[i - 1].is_alphanumeric() || chars[i - 1] == '_' || chars[i - 1] == ':');
        if at_boundary {
            for head in ["crate", "super", "self"] {
                let hc: Vec<char> = head.chars().collect();
                if chars[i..].starts_with(&hc) && chars[i + hc.len()..].starts_with(&[':', ':']) {
                    let mut j = i;
                    let mut path = String::new();
                    while j < chars.len()
                        && (chars[j].is_alphanumeric() || chars[j] == '_' || chars[j] == ':')
                    {
                        path.push(chars[j]);
                        j += 1;
                    }
                    out.push(split_path(&path));
                    i = j;
                    break;
                }
            }
        }
        i += 1;
    }
    out
}

/// The modules a file declares (`mod name;`, `pub mod name;`).
fn child_modules(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in code.split(';') {
        let words: Vec<&str> = part.split_whitespace().collect();
        if let [.., "mod", name] = words.as_slice() {
            if name.chars().all(|c| c.is_alphanumeric() || c == '_') {
                out.push(name.to_string());
            }
        }
    }
    out
}

/// Whether `code` has a path starting with `head::` (not `x::head::`).
fn starts_path(code: &str, head: &str) -> bool {
    let pat = format!("{head}::");
    code.match_indices(&pat).any(|(i, _)| {
        !code[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':')
    })
}

/// Whether `name` occurs as a word in `code`.
fn mentions(code: &str, name: &str) -> bool {
    code.match_indices(name).any(|(i, _)| {
        let before = code[..i].chars().next_back();
        let after = code[i + name.len()..].chars().next();
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(before) && !word(after)
    })
}

/// The code with comments and string and char literals blanked out.
pub(super) fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        if c[i] == '/' && c.get(i + 1) == Some(&'/') {
            while i < c.len() && c[i] != '\n' {
                i += 1;
            }
        } else if c[i] == '/' && c.get(i + 1) == Some(&'*') {
            let mut depth = 0;
            while i < c.len() {
                if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c[i] == 'r'
            && (c.get(i + 1) == Some(&'"') || c.get(i + 1) == Some(&'#'))
            && (i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_'))
        {
            let mut j = i + 1;
            let mut hashes = 0;
            while c.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if c.get(j) != Some(&'"') {
                out.push(c[i]);
                i += 1;
                continue;
            }
            j += 1;
            loop {
                if j >= c.len() {
                    break;
                }
                if c[j] == '"' && (0..hashes).all(|k| c.get(j + 1 + k) == Some(&'#')) {
                    j += 1 + hashes;
                    break;
                }
                j += 1;
            }
            out.push_str("\"\"");
            i = j;
        } else if c[i] == '"' {
            i += 1;
            while i < c.len() && c[i] != '"' {
                if c[i] == '\\' {
                    i += 1;
                }
                i += 1;
            }
            i += 1;
            out.push_str("\"\"");
        } else if c[i] == '\'' {
            // A char literal ('x', '\n', '\u{1F600}'), or a lifetime ('a).
            if c.get(i + 1) == Some(&'\\') {
                // The escaped character may itself be a quote ('\'').
                let mut j = i + 3;
                while j < c.len() && c[j] != '\'' {
                    j += 1;
                }
                i = j + 1;
                out.push_str("' '");
            } else if c.get(i + 2) == Some(&'\'') {
                i += 3;
                out.push_str("' '");
            } else {
                out.push(c[i]);
                i += 1;
            }
        } else {
            out.push(c[i]);
            i += 1;
        }
    }
    out
}

/// The code without `#[cfg(test)]` items (test modules are not part of the layout).
fn without_test_modules(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut rest = code;
    while let Some(i) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..i]);
        let after = &rest[i..];
        // Skip to the end of the item: its block, or its `;`.
        let semi = after.find(';');
        let brace = after.find('{');
        let end = match (brace, semi) {
            (Some(b), Some(s)) if s < b => s + 1,
            (Some(b), _) => {
                let mut depth = 0;
                let mut end = after.len();
                for (k, ch) in after[b..].char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = b + k + 1;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                end
            }
            (None, Some(s)) => s + 1,
            (None, None) => after.len(),
        };
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}
