//! How events are stored: JSON lines packed into chunks of up to [`CHUNK_EVENTS`] events,
//! one sled value per chunk, keyed by a rising id. Appends go to a buffer in memory that a
//! background thread writes every [`FLUSH_EVERY`]; one sled insert per chunk instead of one
//! per event is what lets the log take a busy community's events (and imports) at speed.
//! A value written before chunking (one event) is a chunk of one line, so old data reads.

use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use super::{EngagementError, Event};

/// Events per chunk: small enough that a chunk stays well under sled's blob threshold
/// (a quarter of its segment) and that rewriting one (erasure) is cheap.
pub const CHUNK_EVENTS: usize = 64;
const CHUNK_BYTES: usize = 16 * 1024;
/// The longest an appended event waits in memory before it is in sled (which itself
/// writes to disk every 500 ms).
pub const FLUSH_EVERY: Duration = Duration::from_millis(100);

fn storage<E: std::fmt::Display>(e: E) -> EngagementError {
    EngagementError::Storage(e.to_string())
}

#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    events: usize,
}

/// The events tree and the buffer in front of it.
pub struct Chunks {
    db: sled::Db,
    tree: sled::Tree,
    pending: Mutex<Pending>,
}

impl Chunks {
    /// Open the tree and start the thread that writes the buffer; the thread ends when the
    /// last handle is dropped (which writes what is left).
    pub fn open(db: &sled::Db) -> Result<Arc<Chunks>, EngagementError> {
        let chunks = Arc::new(Chunks {
            db: db.clone(),
            tree: db.open_tree("events").map_err(storage)?,
            pending: Mutex::new(Pending::default()),
        });
        let weak: Weak<Chunks> = Arc::downgrade(&chunks);
        std::thread::Builder::new()
            .name("herald-events".into())
            .spawn(move || loop {
                std::thread::sleep(FLUSH_EVERY);
                let Some(chunks) = weak.upgrade() else { return };
                if let Err(e) = chunks.write_pending() {
                    tracing::error!(error = %e, "engagement log: buffered events not written");
                }
            })
            .map_err(storage)?;
        Ok(chunks)
    }

    pub fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    /// Buffer one event; a full buffer becomes a chunk at once.
    pub fn push(&self, event: &Event) -> Result<(), EngagementError> {
        let mut p = self.lock();
        let len = p.buf.len();
        if let Err(e) = serde_json::to_writer(&mut p.buf, event) {
            p.buf.truncate(len);
            return Err(storage(e));
        }
        p.buf.push(b'\n');
        p.events += 1;
        if p.events >= CHUNK_EVENTS || p.buf.len() >= CHUNK_BYTES {
            self.write(&mut p)?;
        }
        Ok(())
    }

    /// Write what is buffered as a chunk (readers call this first, so they see every event).
    pub fn write_pending(&self) -> Result<(), EngagementError> {
        let mut p = self.lock();
        self.write(&mut p)
    }

    /// The id and the insert happen under the buffer's lock, so chunks land in key order:
    /// a reader that has seen key k will never find a new chunk below it.
    fn write(&self, p: &mut Pending) -> Result<(), EngagementError> {
        if p.events == 0 {
            return Ok(());
        }
        let id = self.db.generate_id().map_err(storage)?;
        self.tree
            .insert(id.to_be_bytes(), p.buf.as_slice())
            .map_err(storage)?;
        p.buf.clear();
        p.events = 0;
        Ok(())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Pending> {
        // A panic while holding the lock leaves at worst a partly written line, which
        // readers skip; the events before it are still good.
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every stored chunk from `after` on (exclusive), as (key, value).
    pub fn after(&self, after: Option<u64>) -> impl Iterator<Item = (u64, sled::IVec)> + '_ {
        let iter = match after {
            Some(k) => match k.checked_add(1) {
                Some(next) => self.tree.range(next.to_be_bytes()..),
                None => self.tree.range([0xffu8; 9]..),
            },
            None => self.tree.iter(),
        };
        iter.filter_map(|kv| kv.ok()).map(|(k, v)| (key_of(&k), v))
    }

    /// Replace a chunk by the lines left of it (removed when none are).
    pub fn rewrite(&self, key: u64, lines: &[&[u8]]) -> Result<(), EngagementError> {
        if lines.is_empty() {
            self.tree.remove(key.to_be_bytes()).map_err(storage)?;
            return Ok(());
        }
        let mut buf = Vec::new();
        for line in lines {
            buf.extend_from_slice(line);
            buf.push(b'\n');
        }
        self.tree.insert(key.to_be_bytes(), buf).map_err(storage)?;
        Ok(())
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        if let Err(e) = self.write_pending() {
            tracing::error!(error = %e, "engagement log: buffered events lost at close");
        }
    }
}

fn key_of(k: &[u8]) -> u64 {
    let mut b = [0u8; 8];
    let n = k.len().min(8);
    b[8 - n..].copy_from_slice(&k[..n]);
    u64::from_be_bytes(b)
}

/// The events of one chunk; a line that does not parse (a torn write, a future field
/// type) is skipped and the rest still read.
pub fn decode(chunk: &[u8]) -> impl Iterator<Item = Event> + '_ {
    chunk
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| serde_json::from_slice(line).ok())
}
