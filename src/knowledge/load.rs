//! Loading a knowledge folder: walk it, re-parse only files whose content hash changed,
//! validate the whole pack, and build a new [`Graph`] — or report every problem and build
//! nothing.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Instant, SystemTime};

use super::error::KnowledgeError;
use super::graph::{Graph, PackStats};
use super::model::{FileKnowledge, Problem};
use super::parse::parse_file;
use super::segment::Segment;
use crate::lexicon::Lexicon;

/// A file's content hash, so unchanged files are not parsed again.
pub(super) type ContentHash = [u8; 32];

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

/// A file as last loaded: its content hash, size and modification time, what it says,
/// and its indexed segment.
#[derive(Clone)]
struct Cached {
    hash: ContentHash,
    stamp: Option<(u64, SystemTime)>,
    knowledge: Arc<FileKnowledge>,
    segment: Option<Arc<Segment>>,
}

/// Keeps the parsed and indexed files between loads, and the last graph built from them.
pub struct PackLoader {
    cache: HashMap<String, Cached>,
    last: Option<Arc<Graph>>,
    /// Word forms, relatives and the Chinese bridge the pack's words are indexed with.
    lexicon: Arc<Lexicon>,
}

impl Default for PackLoader {
    /// A loader with the standard lexicon ([`Lexicon::standard`]).
    fn default() -> PackLoader {
        PackLoader {
            cache: HashMap::new(),
            last: None,
            lexicon: Lexicon::standard(),
        }
    }
}

/// A successfully loaded pack.
pub struct LoadedPack {
    pub graph: Arc<Graph>,
    pub files: BTreeMap<String, (ContentHash, Arc<FileKnowledge>)>,
    pub report: LoadReport,
}

impl PackLoader {
    /// Seed the cache, for example from the files stored in sled by the last run.
    pub fn with_cache(cache: HashMap<String, (ContentHash, Arc<FileKnowledge>)>) -> PackLoader {
        let cache = cache
            .into_iter()
            .map(|(path, (hash, knowledge))| {
                (
                    path,
                    Cached {
                        hash,
                        stamp: None,
                        knowledge,
                        segment: None,
                    },
                )
            })
            .collect();
        PackLoader {
            cache,
            ..PackLoader::default()
        }
    }

    /// Index with `lexicon` instead of the standard one.
    pub fn with_lexicon(mut self, lexicon: Arc<Lexicon>) -> PackLoader {
        if !Arc::ptr_eq(&self.lexicon, &lexicon) {
            self.lexicon = lexicon;
            for c in self.cache.values_mut() {
                c.segment = None;
            }
            self.last = None;
        }
        self
    }

    /// Load `dir`. On any problem, nothing in the cache is replaced.
    ///
    /// A file whose size and modification time are as last seen is not read again; one
    /// whose content hash is unchanged is not parsed again; only parsed files are indexed.
    pub fn load(&mut self, dir: &Path) -> Result<LoadedPack, KnowledgeError> {
        let started = Instant::now();
        if !dir.is_dir() {
            return Err(KnowledgeError::Folder {
                path: dir.display().to_string(),
                source: std::io::Error::new(std::io::ErrorKind::NotFound, "not a folder"),
            });
        }
        let mut problems: Vec<Problem> = Vec::new();
        let mut next: BTreeMap<String, Cached> = BTreeMap::new();
        let (mut parsed, mut reused) = (0, 0);
        for path in knowledge_files(dir)? {
            let shown = path.display().to_string();
            let stamp = std::fs::metadata(&path)
                .ok()
                .and_then(|m| Some((m.len(), m.modified().ok()?)));
            if let Some(c) = self.cache.get(&shown) {
                if stamp.is_some() && c.stamp == stamp && c.segment.is_some() {
                    next.insert(shown, c.clone());
                    reused += 1;
                    continue;
                }
            }
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
            if let Some(c) = self.cache.get(&shown) {
                if c.hash == hash {
                    let segment = c
                        .segment
                        .clone()
                        .unwrap_or_else(|| Arc::new(Segment::build(&c.knowledge, &self.lexicon)));
                    next.insert(
                        shown,
                        Cached {
                            stamp,
                            segment: Some(segment),
                            ..c.clone()
                        },
                    );
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
                    let segment = Some(Arc::new(Segment::build(&k, &self.lexicon)));
                    next.insert(
                        shown,
                        Cached {
                            hash,
                            stamp,
                            knowledge: Arc::new(k),
                            segment,
                        },
                    );
                }
                Err(p) => problems.extend(p),
            }
        }
        if !problems.is_empty() {
            return Err(KnowledgeError::Invalid(problems));
        }
        let segments: BTreeMap<String, Arc<Segment>> = next
            .iter()
            .filter_map(|(k, c)| Some((k.clone(), c.segment.clone()?)))
            .collect();
        let graph = Arc::new(
            Graph::build(&segments, self.last.as_deref(), self.lexicon.clone())
                .map_err(KnowledgeError::Invalid)?,
        );
        let files = next
            .iter()
            .map(|(k, c)| (k.clone(), (c.hash, c.knowledge.clone())))
            .collect();
        self.cache = next.into_iter().collect();
        self.last = Some(graph.clone());
        let report = LoadReport {
            stats: graph.stats(segments.len()),
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
