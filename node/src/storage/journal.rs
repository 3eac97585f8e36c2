//! The journal file: the bank's durable truth. The one module that writes it.
//!
//! ```text
//! journal.amj = MAGIC (8 bytes) frame*
//! frame       = len: u32 LE | checksum: 8 bytes (blake3, own context) | entry: postcard
//! ```
//!
//! An append writes a whole batch of frames with one `write`, then one
//! `fdatasync`: only then is any of it acknowledged (group commit). On open,
//! an unfinished frame at the very end (a write cut short by a crash, never
//! acknowledged) is moved aside to `journal.amj.torn-<ms>` and cut off;
//! damage anywhere else stops the node with the entry's number, because those
//! entries were acknowledged and must not be dropped silently.
//!
//! The format, the scanner that tells a torn write from damage, and their
//! bounds are in `amser-wire` ([`amser_wire::journal`], re-exported here), so
//! the fuzz targets scan with this same code without building the node; this
//! module holds the file I/O: [`Journal`] creates, opens and appends.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use amser_protocol::journal::JournalEntry;
use amser_protocol::EntryHash;
pub use amser_wire::journal::{
    entry_at, frame, frames_intact, scan, scan_from, EntryAt, JournalError, ScanOutcome, CHECKSUM_BYTES, FRAME_HEADER_BYTES, LENGTH_BYTES,
    MAGIC, MAX_BATCH_ENTRIES, MAX_TORN_TAIL_BYTES,
};

use crate::clock::{Clock, SystemClock};

/// File mode of the journal and of torn tails saved aside (owner only).
const JOURNAL_MODE: u32 = 0o600;

/// The hash of entry `seq` in the journal at `path`, reading no further
/// than `limit` bytes (what is synced); `None` when no entry has that
/// number (past the end, or jumped over by a `Recovered` entry). Reads from
/// the start: for the head check, which needs it only when a peer's newest
/// head of ours is older than our head, once per connection.
pub fn hash_at(path: &Path, limit: u64, seq: u64) -> Result<Option<EntryHash>, JournalError> {
    let mut found = None;
    scan(path, Some(limit), |entry, hash| {
        if entry.seq == seq {
            found = Some(hash);
        }
        Ok(())
    })?;
    Ok(found)
}

/// The open journal, for appending. Owned by the writer thread.
pub struct Journal {
    path: PathBuf,
    file: File,
    /// Bytes written and synced so far.
    len: u64,
    head: (u64, EntryHash),
    /// Shared with readers (audit) so they read only what is synced.
    synced_len: Arc<AtomicU64>,
    /// Set when an fdatasync failed: the file's state on disk is unknown, so
    /// nothing more may be written (fsync errors cannot be retried safely).
    failed: bool,
}

fn sync_dir(path: &Path) -> Result<(), JournalError> {
    let dir = path.parent().unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(|e| JournalError::io(dir, e))
}

impl Journal {
    /// Creates an empty journal (just the header), durably.
    pub fn create(path: &Path) -> Result<Journal, JournalError> {
        // Members' names and needs are in it: the bank's own user reads it, nobody else.
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(JOURNAL_MODE)
            .open(path)
            .map_err(|e| JournalError::io(path, e))?;
        file.write_all(MAGIC).map_err(|e| JournalError::io(path, e))?;
        file.sync_all().map_err(|e| JournalError::io(path, e))?;
        sync_dir(path)?;
        let len = MAGIC.len() as u64;
        Ok(Journal {
            path: path.to_path_buf(),
            file,
            len,
            head: (0, EntryHash::default()),
            synced_len: Arc::new(AtomicU64::new(len)),
            failed: false,
        })
    }

    /// Opens an existing journal, checking every entry and calling `visit`
    /// for each; an unfinished write at the end is moved aside and cut off.
    /// `recorded` is the last seq known to have been acknowledged (the state
    /// database's head): cutting below it would lose acknowledged entries, so
    /// that is reported as damage instead.
    pub fn open(
        path: &Path,
        recorded: u64,
        mut visit: impl FnMut(&JournalEntry, EntryHash) -> Result<(), JournalError>,
    ) -> Result<(Journal, ScanOutcome), JournalError> {
        Journal::open_at(path, recorded, |entry, hash, _| visit(entry, hash))
    }

    /// [`Journal::open`], telling `visit` where each entry lies too.
    pub fn open_at(
        path: &Path,
        recorded: u64,
        visit: impl FnMut(&JournalEntry, EntryHash, EntryAt) -> Result<(), JournalError>,
    ) -> Result<(Journal, ScanOutcome), JournalError> {
        // A crash may have left entries written and never synced. The replay
        // gives them to sled, the federation signs heads and answers peers
        // from sled: make them durable first, or a power cut could take back
        // entries that others have already seen.
        OpenOptions::new().write(true).open(path).and_then(|f| f.sync_data()).map_err(|e| JournalError::io(path, e))?;
        let outcome = scan_from(path, None, None, visit)?;
        if outcome.torn_bytes > 0 && outcome.head.0 < recorded {
            return Err(JournalError::Damaged {
                seq: outcome.head.0 + 1,
                offset: outcome.good_len,
                reason: format!("it cannot be read, yet the state database shows that entries up to {recorded} were recorded"),
            });
        }
        Journal::finish_open(path, outcome)
    }

    /// After a scan: saves an unfinished write at the end aside and cuts it
    /// off, and opens the file for appending after the last good entry.
    fn finish_open(path: &Path, outcome: ScanOutcome) -> Result<(Journal, ScanOutcome), JournalError> {
        let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(|e| JournalError::io(path, e))?;
        if outcome.torn_bytes > 0 {
            let aside = path.with_extension(format!("amj.torn-{}", SystemClock.now_ms()));
            let mut tail = Vec::new();
            file.seek(SeekFrom::Start(outcome.good_len)).map_err(|e| JournalError::io(path, e))?;
            file.read_to_end(&mut tail).map_err(|e| JournalError::io(path, e))?;
            let mut saved =
                OpenOptions::new().write(true).create_new(true).mode(JOURNAL_MODE).open(&aside).map_err(|e| JournalError::io(&aside, e))?;
            saved.write_all(&tail).map_err(|e| JournalError::io(&aside, e))?;
            tracing::warn!(bytes = outcome.torn_bytes, saved = %aside.display(), "cut an unfinished write from the end of the journal (it was never acknowledged)");
            file.set_len(outcome.good_len).map_err(|e| JournalError::io(path, e))?;
            file.sync_all().map_err(|e| JournalError::io(path, e))?;
        }
        file.seek(SeekFrom::Start(outcome.good_len)).map_err(|e| JournalError::io(path, e))?;
        let journal = Journal {
            path: path.to_path_buf(),
            file,
            len: outcome.good_len,
            head: outcome.head,
            synced_len: Arc::new(AtomicU64::new(outcome.good_len)),
            failed: false,
        };
        Ok((journal, outcome))
    }

    /// Opens an existing journal whose entry `at` the state database holds
    /// as its head, with hash `hash`: checks that one entry and that every
    /// frame before it is whole (lengths and checksums, nothing decoded),
    /// then decodes only the entries after it (calling `visit` for each). An unfinished
    /// write at the end is cut as [`Journal::open`] cuts it. `None` when the
    /// journal does not hold that entry there (shorter, or another history):
    /// the caller then opens it with [`Journal::open`], which reads it all.
    pub fn resume(
        path: &Path,
        at: EntryAt,
        hash: EntryHash,
        visit: impl FnMut(&JournalEntry, EntryHash, EntryAt) -> Result<(), JournalError>,
    ) -> Result<Option<(Journal, ScanOutcome)>, JournalError> {
        match entry_at(path, at.start, at.end)? {
            Some((entry, found)) if entry.seq == at.seq && found == hash => {}
            _ => return Ok(None),
        }
        // Every frame before it whole, or the full scan names the damage.
        if !frames_intact(path, at.start)? {
            return Ok(None);
        }
        OpenOptions::new().write(true).open(path).and_then(|f| f.sync_data()).map_err(|e| JournalError::io(path, e))?;
        let outcome = scan_from(path, Some((at, hash)), None, visit)?;
        Journal::finish_open(path, outcome).map(Some)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Bytes of the journal written and synced.
    pub fn bytes(&self) -> u64 {
        self.len
    }

    pub fn head(&self) -> (u64, EntryHash) {
        self.head
    }

    pub fn synced_len(&self) -> Arc<AtomicU64> {
        self.synced_len.clone()
    }

    /// Appends framed entries (`frames`, built with [`frame`]) whose last entry
    /// is `head`, and makes them durable with one fdatasync. On a failed write
    /// the file is cut back to where it was and nothing is appended. Returns
    /// how long the fdatasync took (`/metrics`' histogram).
    pub fn append(&mut self, frames: &[u8], head: (u64, EntryHash)) -> Result<std::time::Duration, JournalError> {
        if self.failed {
            return Err(JournalError::SyncFailed("an earlier flush failed".into()));
        }
        if let Err(e) = self.file.write_all(frames) {
            // Cut back what landed. If even that fails, the next append could
            // land behind junk: nothing more is written until a restart, which
            // cuts a torn tail.
            if self.file.set_len(self.len).and_then(|()| self.file.seek(SeekFrom::Start(self.len))).is_err() {
                self.failed = true;
            }
            return Err(JournalError::io(&self.path, e));
        }
        let syncing = std::time::Instant::now();
        if let Err(e) = self.file.sync_data() {
            self.failed = true;
            return Err(JournalError::SyncFailed(e.to_string()));
        }
        let took = syncing.elapsed();
        self.len += frames.len() as u64;
        self.head = head;
        self.synced_len.store(self.len, Ordering::Release);
        Ok(took)
    }
}
