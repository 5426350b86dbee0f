//! The embedded knowledge store: parsed files persisted in sled by content hash (so a
//! restart re-parses nothing that did not change), the serving graph held in memory.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use super::error::KnowledgeError;
use super::graph::Graph;
use super::load::{ContentHash, LoadReport, PackLoader};
use super::model::FileKnowledge;
use super::store::KnowledgeStore;

pub struct SledKnowledge {
    dir: PathBuf,
    tree: sled::Tree,
    loader: Mutex<PackLoader>,
    current: RwLock<Arc<Graph>>,
}

impl SledKnowledge {
    /// Open the store on `db` and load `dir`; fails when the pack is invalid.
    pub fn open(
        db: &sled::Db,
        dir: PathBuf,
    ) -> Result<(SledKnowledge, LoadReport), KnowledgeError> {
        let tree = db.open_tree("kb_files")?;
        let mut cache = HashMap::new();
        for item in tree.iter().flatten() {
            let (key, value) = item;
            // A stored entry that no longer decodes is simply parsed again.
            if value.len() < 32 {
                continue;
            }
            let (hash, body) = value.split_at(32);
            if let Ok(k) = serde_json::from_slice::<FileKnowledge>(body) {
                let mut h = [0u8; 32];
                h.copy_from_slice(hash);
                cache.insert(String::from_utf8_lossy(&key).into_owned(), (h, Arc::new(k)));
            }
        }
        let store = SledKnowledge {
            dir,
            tree,
            loader: Mutex::new(PackLoader::with_cache(cache)),
            current: RwLock::new(Arc::new(Graph::default())),
        };
        let report = store.reload()?;
        Ok((store, report))
    }
}

impl KnowledgeStore for SledKnowledge {
    fn snapshot(&self) -> Arc<Graph> {
        match self.current.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    fn reload(&self) -> Result<LoadReport, KnowledgeError> {
        self.reload_files().map(|(report, _)| report)
    }
}

/// The files of the pack as loaded: path → (content hash, parsed knowledge).
pub type PackFiles = BTreeMap<String, (ContentHash, Arc<FileKnowledge>)>;

impl SledKnowledge {
    /// Reload, and hand back the pack's files too (for mirroring them elsewhere).
    pub fn reload_files(&self) -> Result<(LoadReport, PackFiles), KnowledgeError> {
        let mut loader = self.loader.lock().unwrap_or_else(|p| p.into_inner());
        let loaded = loader.load(&self.dir)?;
        // Persist what changed, then forget files that are gone.
        let mut batch = sled::Batch::default();
        for (path, (hash, k)) in &loaded.files {
            let stored = self.tree.get(path.as_bytes())?;
            if stored.as_ref().map(|v| &v[..32.min(v.len())]) == Some(&hash[..]) {
                continue;
            }
            let mut value = hash.to_vec();
            value.extend(serde_json::to_vec(k.as_ref())?);
            batch.insert(path.as_bytes(), value);
        }
        for key in self.tree.iter().keys().flatten() {
            if !loaded
                .files
                .contains_key(String::from_utf8_lossy(&key).as_ref())
            {
                batch.remove(key);
            }
        }
        self.tree.apply_batch(batch)?;
        let report = loaded.report.clone();
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = loaded.graph;
        Ok((report, loaded.files))
    }
}
