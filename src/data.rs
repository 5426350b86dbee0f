//! The data folder: one sled database shared by the knowledge cache, conversation memory
//! and the engagement log, opened with errors that say what to do; and the small state
//! adapters keep in it ([`SledState`]).

use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum DataError {
    #[error("data folder {path} is in use by another herald process (sled holds a lock on it); stop that process or pass another --data folder (report, kb gaps, export-user and forget-user go through a running herald's control socket)")]
    InUse {
        path: String,
        #[source]
        source: sled::Error,
    },
    #[error("data folder {path} is not writable; check its permissions and free space, or pass another --data folder")]
    NotWritable {
        path: String,
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    #[error("data folder {path} could not be opened")]
    Open {
        path: String,
        #[source]
        source: sled::Error,
    },
}

/// Open (creating when needed) the sled database in `dir`.
pub fn open_data(dir: &Path) -> Result<sled::Db, DataError> {
    let path = dir.display().to_string();
    if let Err(e) = std::fs::create_dir_all(dir) {
        return Err(DataError::NotWritable {
            path,
            source: Box::new(e),
        });
    }
    // sled opens a read-only folder and only fails on its first flush; find out now.
    let probe = dir.join(".herald-write-test");
    if let Err(e) = std::fs::write(&probe, b"ok") {
        return Err(DataError::NotWritable {
            path,
            source: Box::new(e),
        });
    }
    let _ = std::fs::remove_file(&probe);
    sled::Config::new().path(dir).open().map_err(|source| {
        let lower = source.to_string().to_lowercase();
        if lower.contains("lock")
            || lower.contains("resource temporarily unavailable")
            || lower.contains("would block")
        {
            DataError::InUse { path, source }
        } else if lower.contains("read-only")
            || lower.contains("permission")
            || lower.contains("no space")
        {
            DataError::NotWritable {
                path,
                source: Box::new(source),
            }
        } else {
            DataError::Open { path, source }
        }
    })
}

/// The [`herald_platform::StateStore`] adapters get: a tree in the data folder, flushed on
/// every write because what it holds (Telegram's update offset) decides what a restart repeats.
pub struct SledState {
    tree: sled::Tree,
}

impl SledState {
    pub fn open(db: &sled::Db) -> Result<SledState, DataError> {
        db.open_tree("adapter_state")
            .map(|tree| SledState { tree })
            .map_err(|source| DataError::Open {
                path: "adapter_state".into(),
                source,
            })
    }
}

impl herald_platform::StateStore for SledState {
    fn load(&self, key: &str) -> Option<String> {
        let v = self.tree.get(key).ok()??;
        String::from_utf8(v.to_vec()).ok()
    }

    fn save(&self, key: &str, value: &str) -> Result<(), String> {
        self.tree
            .insert(key, value.as_bytes())
            .map_err(|e| e.to_string())?;
        self.tree.flush().map(|_| ()).map_err(|e| e.to_string())
    }
}

/// Open the sled folder `dir` that this process just closed, for tests (unit and
/// end-to-end): sled's own IO threads may finish a write just after the last handle is
/// dropped and hold the folder's lock until then (milliseconds), so this waits for it, at
/// most 2 s, and panics after.
#[doc(hidden)]
pub fn reopen_for_tests(dir: &std::path::Path) -> sled::Db {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(2);
    loop {
        match sled::open(dir) {
            Ok(db) => return db,
            Err(e) if std::time::Instant::now() < deadline => {
                assert!(e.to_string().contains("lock"), "{e}");
                std::thread::sleep(std::time::Duration::from_millis(10));
            }
            Err(e) => panic!("{} did not open again within 2 s: {e}", dir.display()),
        }
    }
}

/// Where the local model keeps the evaluated heads of its prompts (instructions only, never
/// a member's words), inside the data folder so it goes wherever the data goes.
pub fn prefix_cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("prompt-cache")
}
