//! How events are stored: JSON lines packed into chunks of up to [`CHUNK_EVENTS`] events,
//! one sled value per chunk, keyed by a rising id. Appends go to a buffer in memory that a
//! background thread writes every [`FLUSH_EVERY`]; one sled insert per chunk instead of one
//! per event is what lets the log take a busy community's events (and imports) at speed.
//! A value written before chunking (one event) is a chunk of one line, so old data reads.

use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use super::error::EngagementError;
use super::event::Event;

/// Events per chunk: small enough that a chunk stays well under sled's blob threshold
/// (a quarter of its segment) and that rewriting one (erasure) is cheap.
pub(super) const CHUNK_EVENTS: usize = 64;
const CHUNK_BYTES: usize = 16 * 1024;
/// The longest an appended event waits in memory before it is in sled (which itself
/// writes to disk every 500 ms).
pub(super) const FLUSH_EVERY: Duration = Duration::from_millis(100);

#[derive(Default)]
struct Pending {
    buf: Vec<u8>,
    events: usize,
}

/// The events tree and the buffer in front of it.
pub(super) struct Chunks {
    db: sled::Db,
    tree: sled::Tree,
    pending: Mutex<Pending>,
}

/// [`Chunks`] with the thread that writes its buffer. Dropping the last handle stops the
/// thread and waits for it, so the database is closed when the drop returns (a thread that
/// outlived the log would keep sled's file lock, and the next open would fail).
pub(super) struct BufferedChunks {
    chunks: Arc<Chunks>,
    stop: Option<mpsc::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl std::ops::Deref for BufferedChunks {
    type Target = Chunks;
    fn deref(&self) -> &Chunks {
        &self.chunks
    }
}

impl Drop for BufferedChunks {
    fn drop(&mut self) {
        // Closing the channel wakes the thread at once; it then lets go of its handle.
        drop(self.stop.take());
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        // `chunks` drops after this, the last handle: `Chunks::drop` writes what is left.
    }
}

impl Chunks {
    /// Open the tree and start the thread that writes the buffer.
    pub(super) fn open(db: &sled::Db) -> Result<BufferedChunks, EngagementError> {
        let chunks = Arc::new(Chunks {
            db: db.clone(),
            tree: db.open_tree("events").map_err(EngagementError::Storage)?,
            pending: Mutex::new(Pending::default()),
        });
        let (stop, stopped) = mpsc::channel::<()>();
        let writer = Arc::clone(&chunks);
        let thread = std::thread::Builder::new()
            .name("herald-events".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(FLUSH_EVERY) {
                    if let Err(e) = writer.write_pending() {
                        tracing::error!(error = %crate::text::chain(&e), "engagement log: buffered events not written");
                    }
                }
            })
            .map_err(EngagementError::Writer)?;
        Ok(BufferedChunks {
            chunks,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    /// Buffer one event; a full buffer becomes a chunk at once.
    pub(super) fn push(&self, event: &Event) -> Result<(), EngagementError> {
        let mut p = self.lock();
        let len = p.buf.len();
        if let Err(e) = serde_json::to_writer(&mut p.buf, event) {
            p.buf.truncate(len);
            return Err(EngagementError::Encode(e));
        }
        p.buf.push(b'\n');
        p.events += 1;
        if p.events >= CHUNK_EVENTS || p.buf.len() >= CHUNK_BYTES {
            self.write(&mut p)?;
        }
        Ok(())
    }

    /// Write what is buffered as a chunk (readers call this first, so they see every event).
    pub(super) fn write_pending(&self) -> Result<(), EngagementError> {
        let mut p = self.lock();
        self.write(&mut p)
    }

    /// The id and the insert happen under the buffer's lock, so chunks land in key order:
    /// a reader that has seen key k will never find a new chunk below it.
    fn write(&self, p: &mut Pending) -> Result<(), EngagementError> {
        if p.events == 0 {
            return Ok(());
        }
        let id = self.db.generate_id().map_err(EngagementError::Storage)?;
        self.tree
            .insert(id.to_be_bytes(), p.buf.as_slice())
            .map_err(EngagementError::Storage)?;
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
    pub(super) fn after(&self, after: Option<u64>) -> impl Iterator<Item = (u64, sled::IVec)> + '_ {
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
    pub(super) fn rewrite(&self, key: u64, lines: &[&[u8]]) -> Result<(), EngagementError> {
        if lines.is_empty() {
            self.tree
                .remove(key.to_be_bytes())
                .map_err(EngagementError::Storage)?;
            return Ok(());
        }
        let mut buf = Vec::new();
        for line in lines {
            buf.extend_from_slice(line);
            buf.push(b'\n');
        }
        self.tree
            .insert(key.to_be_bytes(), buf)
            .map_err(EngagementError::Storage)?;
        Ok(())
    }
}

impl Drop for Chunks {
    fn drop(&mut self) {
        if let Err(e) = self.write_pending() {
            tracing::error!(error = %crate::text::chain(&e), "engagement log: buffered events lost at close");
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
pub(super) fn decode(chunk: &[u8]) -> impl Iterator<Item = Event> + '_ {
    chunk
        .split(|b| *b == b'\n')
        .filter(|line| !line.is_empty())
        .filter_map(|line| serde_json::from_slice(line).ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dropping the log must close it before the drop returns: the writer thread holds a
    /// handle, and a thread still holding it would keep sled's lock on the folder.
    #[test]
    fn dropping_the_last_handle_closes_the_chunks_and_writes_the_tail() {
        let dir = tempfile::tempdir().expect("tempdir");
        for round in 0..3u8 {
            let db = crate::data::reopen_for_tests(dir.path());
            let buffered = Chunks::open(&db).expect("open");
            let inner = Arc::downgrade(&buffered.chunks);
            buffered.lock().buf.extend_from_slice(b"{}\n");
            buffered.lock().events += 1;
            drop(buffered);
            assert!(
                inner.upgrade().is_none(),
                "round {round}: chunks outlived the log"
            );
            assert_eq!(
                db.open_tree("events").expect("tree").len(),
                usize::from(round) + 1,
                "the tail is written at close"
            );
        }
    }
}
