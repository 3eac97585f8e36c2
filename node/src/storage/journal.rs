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

use std::fs::{File, OpenOptions};
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use amser_protocol::ids::{context, hash_with};
use amser_protocol::journal::JournalEntry;
use amser_protocol::limits::MAX_ENTRY_BYTES;
use amser_protocol::EntryHash;
use thiserror::Error;

/// File mode of the journal and of torn tails saved aside (owner only).
const JOURNAL_MODE: u32 = 0o600;
/// The first bytes of every journal file: format and version.
pub const MAGIC: &[u8; 8] = b"AMSERJ01";
/// Bytes before each entry: length and checksum.
pub const FRAME_HEADER_BYTES: usize = 4 + CHECKSUM_BYTES;
const CHECKSUM_BYTES: usize = 8;
/// The most bytes an unfinished write can leave at the end: one full batch.
/// Damage further from the end than this cannot be a torn write.
pub const MAX_TORN_TAIL_BYTES: u64 = (crate::storage::writer::MAX_BATCH_ENTRIES * (MAX_ENTRY_BYTES + FRAME_HEADER_BYTES)) as u64;

#[derive(Debug, Error)]
pub enum JournalError {
    #[error("the disk holding {path} is full; free some space, nothing was recorded")]
    DiskFull { path: PathBuf },
    #[error("the disk holding {path} is read-only (mounted read-only, or the system made it so after a disk error); nothing was recorded. Check the disk, make it writable, then restart the node")]
    ReadOnly { path: PathBuf },
    #[error("could not use the journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0} is not an Amser journal (wrong header); check the --data directory")]
    NotAJournal(PathBuf),
    #[error("journal entry {seq} (at byte {offset}) is damaged: {reason}. Entries before it are intact; restore the journal from a backup, and keep this copy for inspection")]
    Damaged { seq: u64, offset: u64, reason: String },
    #[error("the journal could not be flushed to disk ({0}); to protect the ledger this node has stopped recording. Check the disk, then restart the node")]
    SyncFailed(String),
}

impl JournalError {
    fn io(path: &Path, source: io::Error) -> JournalError {
        if source.kind() == io::ErrorKind::StorageFull || source.raw_os_error() == Some(28) {
            JournalError::DiskFull { path: path.to_path_buf() }
        } else if source.kind() == io::ErrorKind::ReadOnlyFilesystem || source.raw_os_error() == Some(30) {
            JournalError::ReadOnly { path: path.to_path_buf() }
        } else {
            JournalError::Io { path: path.to_path_buf(), source }
        }
    }
}

fn checksum(payload: &[u8]) -> [u8; CHECKSUM_BYTES] {
    let h = hash_with(context::FRAME_CHECKSUM, payload);
    h[..CHECKSUM_BYTES].try_into().expect("constant length")
}

/// Appends one framed entry to `out`.
pub fn frame(payload: &[u8], out: &mut Vec<u8>) {
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    out.extend_from_slice(&checksum(payload));
    out.extend_from_slice(payload);
}

/// What a scan of the journal found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScanOutcome {
    /// Bytes up to the end of the last good frame.
    pub good_len: u64,
    /// The last good entry's seq and hash ((0, zeros) when empty).
    pub head: (u64, EntryHash),
    /// Bytes after the last good frame that look like an unfinished write.
    pub torn_bytes: u64,
}

/// Reads every entry of the journal at `path` (up to `limit` bytes, when the
/// writer is running and only its synced part is to be read), checking each
/// frame's checksum and the hash chain, and calls `visit` for each good entry.
pub fn scan(
    path: &Path,
    limit: Option<u64>,
    mut visit: impl FnMut(&JournalEntry, EntryHash) -> Result<(), JournalError>,
) -> Result<ScanOutcome, JournalError> {
    let file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| JournalError::io(path, e))?.len();
    let total = limit.map_or(file_len, |l| l.min(file_len));
    let mut reader = BufReader::with_capacity(256 * 1024, file.take(total));
    let mut magic = [0u8; 8];
    if total < MAGIC.len() as u64 || reader.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return Err(JournalError::NotAJournal(path.to_path_buf()));
    }
    let mut offset = MAGIC.len() as u64;
    let mut head: (u64, EntryHash) = (0, EntryHash::default());
    let mut payload = Vec::new();
    let damaged = |seq: u64, offset: u64, reason: String| JournalError::Damaged { seq, offset, reason };
    loop {
        let remaining = total - offset;
        if remaining == 0 {
            return Ok(ScanOutcome { good_len: offset, head, torn_bytes: 0 });
        }
        let next_seq = head.0 + 1;
        let torn = ScanOutcome { good_len: offset, head, torn_bytes: remaining };
        let mut header = [0u8; FRAME_HEADER_BYTES];
        if remaining < FRAME_HEADER_BYTES as u64 {
            return Ok(torn);
        }
        reader.read_exact(&mut header).map_err(|e| JournalError::io(path, e))?;
        let len = u32::from_le_bytes(header[..4].try_into().expect("4 bytes")) as u64;
        let frame_end = offset + FRAME_HEADER_BYTES as u64 + len;
        if header == [0u8; FRAME_HEADER_BYTES] && rest_is_zero(&mut reader)? {
            // A write cut short leaves zeros where the filesystem had not yet put data.
            return Ok(torn);
        }
        // A write cut short may also leave zeros from inside a frame (even inside
        // its length) to the end of the file: within a batch's reach of the end,
        // a frame that fails its checks where those zeros begin is that write.
        let zeros_from = |frame_end: u64| -> Result<bool, JournalError> {
            Ok(remaining <= MAX_TORN_TAIL_BYTES && zero_tail_start(path, total)? < frame_end.min(total))
        };
        if len as usize > MAX_ENTRY_BYTES {
            if zeros_from(total)? {
                return Ok(torn);
            }
            return Err(damaged(next_seq, offset, format!("its length ({len} bytes) is more than any entry may have")));
        }
        if frame_end > total {
            if remaining <= MAX_TORN_TAIL_BYTES {
                return Ok(torn);
            }
            return Err(damaged(next_seq, offset, format!("its length ({len} bytes) runs past the end of the journal")));
        }
        payload.resize(len as usize, 0);
        reader.read_exact(&mut payload).map_err(|e| JournalError::io(path, e))?;
        if header[4..] != checksum(&payload) {
            if frame_end == total || zeros_from(frame_end)? {
                return Ok(torn);
            }
            return Err(damaged(next_seq, offset, "its checksum does not match its bytes".into()));
        }
        let entry = JournalEntry::decode(&payload).map_err(|e| damaged(next_seq, offset, e.to_string()))?;
        let previous = if head.0 == 0 { None } else { Some(head) };
        entry.check_follows(previous).map_err(|e| damaged(next_seq, offset, e.to_string()))?;
        let hash = JournalEntry::hash_of_bytes(&payload);
        visit(&entry, hash)?;
        head = (entry.seq, hash);
        offset = frame_end;
    }
}

/// Where the run of zero bytes that ends the first `total` bytes of the file
/// begins (`total` when the last byte is not zero).
fn zero_tail_start(path: &Path, total: u64) -> Result<u64, JournalError> {
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let mut end = total;
    let mut buf = vec![0u8; 64 * 1024];
    while end > 0 {
        let start = end.saturating_sub(buf.len() as u64);
        let chunk = &mut buf[..(end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(|e| JournalError::io(path, e))?;
        file.read_exact(chunk).map_err(|e| JournalError::io(path, e))?;
        if let Some(last) = chunk.iter().rposition(|b| *b != 0) {
            return Ok(start + last as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// Whether everything left to read is zero bytes (reads it all).
fn rest_is_zero(reader: &mut impl Read) -> Result<bool, JournalError> {
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) if buf[..n].iter().all(|b| *b == 0) => continue,
            Ok(_) => return Ok(false),
            Err(e) => return Err(JournalError::Io { path: PathBuf::from("journal"), source: e }),
        }
    }
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
        visit: impl FnMut(&JournalEntry, EntryHash) -> Result<(), JournalError>,
    ) -> Result<(Journal, ScanOutcome), JournalError> {
        // A crash may have left entries written and never synced. The replay
        // gives them to sled, the federation signs heads and answers peers
        // from sled: make them durable first, or a power cut could take back
        // entries that others have already seen.
        OpenOptions::new().write(true).open(path).and_then(|f| f.sync_data()).map_err(|e| JournalError::io(path, e))?;
        let outcome = scan(path, None, visit)?;
        if outcome.torn_bytes > 0 && outcome.head.0 < recorded {
            return Err(JournalError::Damaged {
                seq: outcome.head.0 + 1,
                offset: outcome.good_len,
                reason: format!("it cannot be read, yet the state database shows that entries up to {recorded} were recorded"),
            });
        }
        let mut file = OpenOptions::new().read(true).write(true).open(path).map_err(|e| JournalError::io(path, e))?;
        if outcome.torn_bytes > 0 {
            let aside = path.with_extension(format!("amj.torn-{}", crate::clock::Clock::now_ms(&crate::clock::SystemClock)));
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

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn head(&self) -> (u64, EntryHash) {
        self.head
    }

    pub fn synced_len(&self) -> Arc<AtomicU64> {
        self.synced_len.clone()
    }

    /// Appends framed entries (`frames`, built with [`frame`]) whose last entry
    /// is `head`, and makes them durable with one fdatasync. On a failed write
    /// the file is cut back to where it was and nothing is appended.
    pub fn append(&mut self, frames: &[u8], head: (u64, EntryHash)) -> Result<(), JournalError> {
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
        if let Err(e) = self.file.sync_data() {
            self.failed = true;
            return Err(JournalError::SyncFailed(e.to_string()));
        }
        self.len += frames.len() as u64;
        self.head = head;
        self.synced_len.store(self.len, Ordering::Release);
        Ok(())
    }
}
