//! The journal file format and its scanner.
//!
//! ```text
//! journal.amj = MAGIC (8 bytes) frame*
//! frame       = len: u32 LE | checksum: 8 bytes (blake3, own context) | entry: postcard
//! ```
//!
//! [`scan`] reads a journal file and checks every frame's length and
//! checksum, every entry's encoding and the hash chain. An unfinished frame
//! at the very end (a write cut short by a crash, never acknowledged) is
//! reported as torn bytes in the [`ScanOutcome`]; anything else wrong is
//! [`JournalError::Damaged`] with the entry's number, because those entries
//! were acknowledged and must not be dropped silently. Writing the file
//! (append, fdatasync, moving a torn tail aside) is the node's
//! (`amser_node::storage::journal::Journal`), which frames entries with
//! [`frame`].

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use amser_protocol::ids::{context, hash_with};
use amser_protocol::journal::JournalEntry;
use amser_protocol::limits::MAX_ENTRY_BYTES;
use amser_protocol::EntryHash;
use thiserror::Error;

/// The first bytes of every journal file: format and version.
pub const MAGIC: &[u8; 8] = b"AMSERJ01";
/// Bytes of a frame's length: a u32, little-endian.
pub const LENGTH_BYTES: usize = 4;
/// Bytes of a frame's checksum: the first bytes of a blake3 hash of the entry.
pub const CHECKSUM_BYTES: usize = 8;
/// Bytes before each entry: length and checksum.
pub const FRAME_HEADER_BYTES: usize = LENGTH_BYTES + CHECKSUM_BYTES;
/// Most entries written in one group commit, that is with one `write` of the
/// journal file: the node's writer takes at most this many commands at a time
/// and its syncer joins batches up to it. It sizes the largest torn write.
pub const MAX_BATCH_ENTRIES: usize = 256;
/// The most bytes an unfinished write can leave at the end: one full batch.
/// Damage further from the end than this cannot be a torn write.
pub const MAX_TORN_TAIL_BYTES: u64 = (MAX_BATCH_ENTRIES * (MAX_ENTRY_BYTES + FRAME_HEADER_BYTES)) as u64;
/// The scanner's read buffer.
const SCAN_BUFFER_BYTES: usize = 256 * 1024;
/// How much of the file's end is read at a time when looking for where its
/// trailing zeros begin.
const ZERO_TAIL_CHUNK_BYTES: usize = 64 * 1024;
/// How much is read at a time when checking that the rest of the file is zeros.
const ZERO_CHECK_CHUNK_BYTES: usize = 8192;
/// `errno` of a full disk (ENOSPC), for errors std does not classify.
const ENOSPC: i32 = 28;
/// `errno` of a read-only file system (EROFS), likewise.
const EROFS: i32 = 30;
/// `errno` of a used-up disk quota (EDQUOT on Linux): for the bank it is a
/// full disk (free space, or raise the quota, and it carries on), not a
/// broken one.
const EDQUOT: i32 = 122;

/// What can go wrong with the journal file, reading or writing it.
#[derive(Debug, Error)]
pub enum JournalError {
    /// A write found no room on the disk; nothing of it was kept.
    #[error("the disk holding {path} is full (or the bank's user has used up its disk quota); free some space, nothing was recorded")]
    DiskFull { path: PathBuf },
    /// The file system refused a write because it is read-only.
    #[error("the disk holding {path} is read-only (mounted read-only, or the system made it so after a disk error); nothing was recorded. Check the disk, make it writable, then restart the node")]
    ReadOnly { path: PathBuf },
    /// Any other I/O error on `path`.
    #[error("could not use the journal {path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    /// The file does not begin with [`MAGIC`].
    #[error("{0} is not an Amser journal (wrong header); check the --data directory")]
    NotAJournal(PathBuf),
    /// Entry `seq`, whose frame begins at byte `offset`, fails a check and is
    /// not a torn write at the end; the entries before it are intact.
    #[error("journal entry {seq} (at byte {offset}) is damaged: {reason}. Entries before it are intact; restore the journal from a backup, and keep this copy for inspection")]
    Damaged { seq: u64, offset: u64, reason: String },
    /// An fdatasync failed: what the file holds on disk is unknown.
    #[error("the journal could not be flushed to disk ({0}); to protect the ledger this node has stopped recording. Check the disk, then restart the node")]
    SyncFailed(String),
}

impl JournalError {
    /// The error for `source` on `path`: a full disk and a read-only file
    /// system get their own variants, since each asks something else of the
    /// person running the node.
    pub fn io(path: &Path, source: io::Error) -> JournalError {
        if source.kind() == io::ErrorKind::StorageFull || matches!(source.raw_os_error(), Some(ENOSPC | EDQUOT)) {
            JournalError::DiskFull { path: path.to_path_buf() }
        } else if source.kind() == io::ErrorKind::ReadOnlyFilesystem || source.raw_os_error() == Some(EROFS) {
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
    scan_from(path, None, limit, |entry, hash, _| visit(entry, hash))
}

/// Where one entry's frame lies in the journal file: the state database
/// keeps it for its head, so that a start with the state intact reads the
/// journal from there on instead of from the beginning.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EntryAt {
    pub seq: u64,
    /// Byte offset of the frame's first byte (its length).
    pub start: u64,
    /// Byte offset just past the frame.
    pub end: u64,
}

/// Like [`scan`], from a known good entry on: `after` is `(where it lies,
/// its hash)`, and the entries after it are checked (frames, decoding, the
/// chain from it) and visited, each with where it lies. The entries before
/// it are not read (the caller vouches for them: see [`entry_at`]). A torn
/// tail and damage are told apart exactly as in a whole scan.
pub fn scan_from(
    path: &Path,
    after: Option<(EntryAt, EntryHash)>,
    limit: Option<u64>,
    mut visit: impl FnMut(&JournalEntry, EntryHash, EntryAt) -> Result<(), JournalError>,
) -> Result<ScanOutcome, JournalError> {
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| JournalError::io(path, e))?.len();
    let total = limit.map_or(file_len, |l| l.min(file_len));
    let mut magic = [0u8; MAGIC.len()];
    if total < MAGIC.len() as u64 || file.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return Err(JournalError::NotAJournal(path.to_path_buf()));
    }
    let mut offset = MAGIC.len() as u64;
    let mut head: (u64, EntryHash) = (0, EntryHash::default());
    if let Some((at, hash)) = after {
        if at.end > total || at.end < offset {
            return Err(JournalError::Damaged {
                seq: at.seq + 1,
                offset: at.end,
                reason: format!("the journal ends at byte {total}, before entry {} should end (byte {})", at.seq, at.end),
            });
        }
        offset = at.end;
        head = (at.seq, hash);
        file.seek(SeekFrom::Start(offset)).map_err(|e| JournalError::io(path, e))?;
    }
    let mut reader = BufReader::with_capacity(SCAN_BUFFER_BYTES, file.take(total - offset));
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
        let len = u32::from_le_bytes(header[..LENGTH_BYTES].try_into().expect("4 bytes")) as u64;
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
        if header[LENGTH_BYTES..] != checksum(&payload) {
            if frame_end == total || zeros_from(frame_end)? {
                return Ok(torn);
            }
            return Err(damaged(next_seq, offset, "its checksum does not match its bytes".into()));
        }
        let entry = JournalEntry::decode(&payload).map_err(|e| damaged(next_seq, offset, e.to_string()))?;
        let previous = if head.0 == 0 { None } else { Some(head) };
        entry.check_follows(previous).map_err(|e| damaged(next_seq, offset, e.to_string()))?;
        let hash = JournalEntry::hash_of_bytes(&payload);
        visit(&entry, hash, EntryAt { seq: entry.seq, start: offset, end: frame_end })?;
        head = (entry.seq, hash);
        offset = frame_end;
    }
}

/// Whether the frames before byte `until` of the journal at `path` are
/// whole: each length within bounds and landing exactly on `until` in the
/// end, each checksum matching its bytes. Nothing is decoded (a start with
/// the state intact pays a read and a hash of the file, not a decode of
/// every entry); damage is named by a full [`scan`], which the caller runs
/// when this says `false`.
pub fn frames_intact(path: &Path, until: u64) -> Result<bool, JournalError> {
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| JournalError::io(path, e))?.len();
    let mut magic = [0u8; MAGIC.len()];
    if until > file_len || until < MAGIC.len() as u64 || file.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return Ok(false);
    }
    let mut reader = BufReader::with_capacity(SCAN_BUFFER_BYTES, file.take(until - MAGIC.len() as u64));
    let (mut offset, mut payload) = (MAGIC.len() as u64, Vec::new());
    while offset < until {
        let mut header = [0u8; FRAME_HEADER_BYTES];
        if until - offset < FRAME_HEADER_BYTES as u64 {
            return Ok(false);
        }
        reader.read_exact(&mut header).map_err(|e| JournalError::io(path, e))?;
        let len = u32::from_le_bytes(header[..LENGTH_BYTES].try_into().expect("4 bytes")) as u64;
        offset += FRAME_HEADER_BYTES as u64;
        if len as usize > MAX_ENTRY_BYTES || len > until - offset {
            return Ok(false);
        }
        payload.resize(len as usize, 0);
        reader.read_exact(&mut payload).map_err(|e| JournalError::io(path, e))?;
        if header[LENGTH_BYTES..] != checksum(&payload) {
            return Ok(false);
        }
        offset += len;
    }
    Ok(true)
}

/// The entry whose frame begins at byte `start` of the journal at `path`
/// and ends at `end`, checked (length, checksum, decoding) and with its
/// hash; `None` when the file holds no such frame there (shorter, another
/// length, a checksum that does not match: not the entry the caller knew).
pub fn entry_at(path: &Path, start: u64, end: u64) -> Result<Option<(JournalEntry, EntryHash)>, JournalError> {
    let Some(len) = end.checked_sub(start + FRAME_HEADER_BYTES as u64).filter(|l| *l as usize <= MAX_ENTRY_BYTES) else {
        return Ok(None);
    };
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let file_len = file.metadata().map_err(|e| JournalError::io(path, e))?.len();
    if start < MAGIC.len() as u64 || end > file_len {
        return Ok(None);
    }
    let mut frame_bytes = vec![0u8; (end - start) as usize];
    file.seek(SeekFrom::Start(start)).map_err(|e| JournalError::io(path, e))?;
    file.read_exact(&mut frame_bytes).map_err(|e| JournalError::io(path, e))?;
    let (header, payload) = frame_bytes.split_at(FRAME_HEADER_BYTES);
    if u32::from_le_bytes(header[..LENGTH_BYTES].try_into().expect("4 bytes")) as u64 != len || header[LENGTH_BYTES..] != checksum(payload)
    {
        return Ok(None);
    }
    let Ok(entry) = JournalEntry::decode(payload) else { return Ok(None) };
    Ok(Some((entry, JournalEntry::hash_of_bytes(payload))))
}

/// Where the run of zero bytes that ends the first `total` bytes of the file
/// begins (`total` when the last byte is not zero).
fn zero_tail_start(path: &Path, total: u64) -> Result<u64, JournalError> {
    let mut file = File::open(path).map_err(|e| JournalError::io(path, e))?;
    let mut end = total;
    let mut buf = vec![0u8; ZERO_TAIL_CHUNK_BYTES];
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
    let mut buf = [0u8; ZERO_CHECK_CHUNK_BYTES];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return Ok(true),
            Ok(n) if buf[..n].iter().all(|b| *b == 0) => continue,
            Ok(_) => return Ok(false),
            Err(e) => return Err(JournalError::Io { path: PathBuf::from("journal"), source: e }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_used_up_quota_is_a_full_disk_and_a_read_only_disk_is_read_only() {
        let path = Path::new("/srv/amser/journal.amj");
        for errno in [ENOSPC, EDQUOT] {
            let e = JournalError::io(path, io::Error::from_raw_os_error(errno));
            assert!(matches!(e, JournalError::DiskFull { .. }), "errno {errno}: {e:?}");
        }
        assert!(matches!(JournalError::io(path, io::Error::from_raw_os_error(EROFS)), JournalError::ReadOnly { .. }));
        assert!(matches!(JournalError::io(path, io::Error::other("bad sector")), JournalError::Io { .. }));
    }
}
