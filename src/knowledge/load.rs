//! Loading a knowledge folder: walk it, re-parse only files whose content hash changed,
//! validate the whole pack, and build a new [`Graph`] — or report every problem and build
//! nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::graph::{Graph, PackStats};
use super::model::{FileKnowledge, Problem};
use super::parse::parse_file;
use super::KnowledgeError;

/// A file's content hash, so unchanged files are not parsed again.
pub type ContentHash = [u8; 32];

/// What a load did.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LoadReport {
    pub stats: PackStats,
    /// Files parsed this time (new or changed).
    pub parsed: usize,
    /// Files taken from the cache.
    pub reused: usize,
    pub millis: f64,
}

/// The knowledge files of a folder, relative path first, in a stable order.
pub fn knowledge_files(dir: &Path) -> Result<Vec<PathBuf>, KnowledgeError> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).map_err(|source| KnowledgeError::Folder {
            path: d.display().to_string(),
            source,
        })?;
        for entry in entries.flatten() {
            let path = entry.path();
            let name = entry.file_name();
            if name.to_string_lossy().starts_with('.') {
                continue;
            }
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(path),
                Ok(t) if t.is_file() => {
                    if matches!(
                        path.extension().and_then(|e| e.to_str()),
                        Some("toml" | "md")
                    ) {
                        out.push(path);
                    }
                }
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}

/// A cheap fingerprint of the folder (paths, sizes, modification times): when it changes,
/// a reload is worth trying.
pub fn fingerprint(dir: &Path) -> Vec<(PathBuf, u64, Option<SystemTime>)> {
    knowledge_files(dir)
        .unwrap_or_default()
        .into_iter()
        .map(|p| {
            let meta = std::fs::metadata(&p).ok();
            let len = meta.as_ref().map(|m| m.len()).unwrap_or(0);
            let modified = meta.and_then(|m| m.modified().ok());
            (p, len, modified)
        })
        .collect()
}

/// Keeps the parsed files between loads, keyed by path and content hash.
#[derive(Default)]
pub struct PackLoader {
    cache: HashMap<String, (ContentHash, Arc<FileKnowledge>)>,
}

/// A successfully loaded pack.
pub struct LoadedPack {
    pub graph: Graph,
    pub files: BTreeMap<String, (ContentHash, Arc<FileKnowledge>)>,
    pub report: LoadReport,
}

impl PackLoader {
    /// Seed the cache, for example from the files stored in sled by the last run.
    pub fn with_cache(cache: HashMap<String, (ContentHash, Arc<FileKnowledge>)>) -> PackLoader {
        PackLoader { cache }
    }

    /// Load `dir`. On any problem, nothing in the cache is replaced.
    pub fn load(&mut self, dir: &Path) -> Result<LoadedPack, KnowledgeError> {
        let started = Instant::now();
        if !dir.is_dir() {
            return Err(KnowledgeError::Folder {
                path: dir.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
            });
        }
        let mut problems: Vec<Problem> = Vec::new();
        let mut files = BTreeMap::new();
        let (mut parsed, mut reused) = (0, 0);
        for path in knowledge_files(dir)? {
            let shown = path.display().to_string();
            let bytes = match std::fs::read(&path) {
                Ok(b) => b,
                Err(e) => {
                    problems.push(Problem {
                        file: shown,
                        line: 1,
                        message: format!("cannot read: {e}"),
                    });
                    continue;
                }
            };
            let hash: ContentHash = *blake3::hash(&bytes).as_bytes();
            if let Some((h, k)) = self.cache.get(&shown) {
                if *h == hash {
                    files.insert(shown, (hash, k.clone()));
                    reused += 1;
                    continue;
                }
            }
            let Ok(text) = String::from_utf8(bytes) else {
                problems.push(Problem {
                    file: shown,
                    line: 1,
                    message: "not valid UTF-8".into(),
                });
                continue;
            };
            parsed += 1;
            match parse_file(&shown, &text) {
                Ok(k) => {
                    files.insert(shown, (hash, Arc::new(k)));
                }
                Err(p) => problems.extend(p),
            }
        }
        if !problems.is_empty() {
            return Err(KnowledgeError::Invalid(problems));
        }
        let by_file: BTreeMap<String, Arc<FileKnowledge>> = files
            .iter()
            .map(|(k, (_, v))| (k.clone(), v.clone()))
            .collect();
        let graph = Graph::build(&by_file).map_err(KnowledgeError::Invalid)?;
        self.cache = files.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
        let report = LoadReport {
            stats: graph.stats(files.len()),
            parsed,
            reused,
            millis: started.elapsed().as_secs_f64() * 1000.0,
        };
        Ok(LoadedPack {
            graph,
            files,
            report,
        })
    }
}
