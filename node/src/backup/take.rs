//! Making a backup: the journal up to one head, config.toml, bank.key and the
//! members' key file, in one file (format in `file`), written so that a
//! crash or a full disk never leaves a half backup under the name given.
//!
//! While the node runs, the head is one it acknowledged (the API's status):
//! every frame up to it was synced before the answer, and the journal is
//! append-only, so that prefix of the file no longer changes however fast
//! the node goes on writing after it. The frames are read up to exactly that
//! seq (never past it, where a write may be under way) and checked, and the
//! last one's hash must be the head's: the copy is the history the node
//! acknowledged, not merely a journal of the same length. With the node
//! stopped, the data directory's lock is held and the head is the journal's end.
//!
//! The console's accounts.json and proposals.json go in as they are (each
//! is replaced whole by a rename, so one read sees one version of it).
//!
//! The members' key file is read after the journal: a key is synced before
//! any entry sealed under it is written, so every member in the copied
//! journal has their key in it, and it is checked to open their details
//! (`member_keys`) before the backup is written.

use std::fs::{File, OpenOptions};
use std::io::{BufReader, BufWriter, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use amser_protocol::signing::bank_id;
use amser_protocol::EntryHash;

use super::chain::{FrameError, Frames, JournalSummary, Summariser};
use super::file::{self, Manifest, Section, Writer, FORMAT};
use super::member_keys;
use super::{io_err, BackupError};
use crate::datadir::{DataDir, DataDirError};
use crate::storage::journal::scan;

/// File mode of a backup: it holds the bank's secret key and members' details.
const BACKUP_MODE: u32 = 0o600;
/// Reads of the members' key file before one is taken as it is: a record
/// being erased while it is read shows as damaged, and is read again.
const KEY_FILE_READS: usize = 3;
/// Bytes copied at a time from the journal into the backup.
const COPY_BUFFER_BYTES: usize = 256 * 1024;

/// A backup written and verified.
#[derive(Debug, Clone)]
pub struct Taken {
    pub path: PathBuf,
    pub manifest: Manifest,
    /// Size of the backup file.
    pub bytes: u64,
}

/// Backs up the bank in `dir` to `out`. `acknowledged`: the head the running
/// node acknowledged; `None` when the node is stopped (the lock is then
/// taken for the time of the copy, so no node starts meanwhile).
pub fn take(dir: &DataDir, acknowledged: Option<(u64, EntryHash)>, out: &Path, now_ms: u64) -> Result<Taken, BackupError> {
    dir.require_initialised()?;
    refuse_inside(dir, out)?;
    let _lock = match acknowledged {
        Some(_) => None,
        None => Some(dir.lock().map_err(|e| match e {
            DataDirError::Locked(d) => BackupError::Invalid(format!(
                "the node holds {} but its API did not answer; wait until it is up (or stopped), then run `amser backup` again",
                d.display()
            )),
            other => other.into(),
        })?),
    };
    let journal = dir.journal();
    let head = match acknowledged {
        Some(head) => head,
        None => scan(&journal, None, |_, _| Ok(()))?.head,
    };
    let summary = prefix(&journal, head)?;
    let key = dir.load_key()?;
    if bank_id(&key) != summary.profile.bank {
        return Err(BackupError::Invalid(format!(
            "{} does not belong to the bank of {}; put the right key file back before backing up",
            dir.key().display(),
            journal.display()
        )));
    }
    let config = std::fs::read(dir.config()).map_err(io_err(&dir.config()))?;
    let member_keys = member_keys(dir, &summary)?;
    let console = [console_file(dir, crate::accounts::ACCOUNTS_FILE)?, console_file(dir, crate::accounts::PROPOSALS_FILE)?];
    let manifest = Manifest {
        format: FORMAT,
        bank_id: summary.profile.bank.to_string(),
        handle: summary.profile.handle.to_string(),
        name: summary.profile.name.clone(),
        journal_seq: head.0,
        journal_head: head.1.to_hex(),
        journal_bytes: summary.bytes,
        taken_at_ms: now_ms,
        node_running: acknowledged.is_some(),
        amser_version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let tmp = temporary(out)?;
    let files = Files { config: &config, key: &key.to_bytes(), member_keys: &member_keys, console: &console };
    let written =
        write(&tmp, &manifest, &files, &journal, summary.bytes).and_then(|sum| read_back(&tmp, &manifest, sum)).and_then(|bytes| {
            std::fs::rename(&tmp, out).map_err(io_err(out))?;
            sync_parent(out)?;
            Ok(bytes)
        });
    match written {
        Ok(bytes) => Ok(Taken { path: out.to_path_buf(), manifest, bytes }),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// A backup kept beside the data it protects is lost with it (and one
/// written over a bank's own file would destroy it): refuse both.
fn refuse_inside(dir: &DataDir, out: &Path) -> Result<(), BackupError> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let (Ok(parent), Ok(root)) = (parent.canonicalize(), dir.root().canonicalize()) else {
        return Ok(());
    };
    if parent.starts_with(&root) {
        return Err(BackupError::Invalid(format!(
            "{} is inside the bank's data directory {}; write the backup somewhere else (another disk, or a USB stick): a backup beside the data it protects is lost with it",
            out.display(),
            root.display()
        )));
    }
    Ok(())
}

/// Reads the journal at `path` up to `head` (never past it), checking every
/// frame and that the entry at `head.0` has `head.1` as its hash.
pub fn prefix(path: &Path, head: (u64, EntryHash)) -> Result<JournalSummary, BackupError> {
    let not_there = |reason: String| BackupError::HeadNotInJournal { path: path.to_path_buf(), seq: head.0, reason };
    let file = File::open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    let as_error = |e: FrameError| match e {
        FrameError::Io(source) => BackupError::Io { path: path.to_path_buf(), source },
        other => not_there(other.to_string()),
    };
    let mut frames = Frames::open(BufReader::with_capacity(COPY_BUFFER_BYTES, file), len).map_err(as_error)?;
    let mut summary = Summariser::default();
    while frames.head().0 < head.0 {
        match frames.next_entry().map_err(as_error)? {
            Some(frame) => summary.see(&frame.entry),
            None => return Err(not_there(format!("the journal ends at entry {}", frames.head().0))),
        }
    }
    if frames.head() != head {
        return Err(not_there("the journal holds another entry under that number".into()));
    }
    summary.finish(head, frames.offset()).ok_or_else(|| not_there("the journal holds no entry".into()))
}

/// The members' key file as it stands, checked to open every member's
/// details in the journal copied (`summary`).
fn member_keys(dir: &DataDir, summary: &JournalSummary) -> Result<Vec<u8>, BackupError> {
    let path = dir.member_keys();
    let mut last = None;
    for _ in 0..KEY_FILE_READS {
        let bytes = match std::fs::read(&path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => crate::storage::keys::empty_file(),
            Err(e) => return Err(BackupError::Io { path, source: e }),
        };
        let records = crate::storage::keys::KeyRecords::read(&bytes);
        let settled = records.as_ref().is_some_and(|r| r.damaged.is_empty());
        let result = records.ok_or(member_keys::KeysProblem::NotAKeyFile).and_then(|r| member_keys::check_records(&r, summary));
        last = Some(result.map(|_| bytes));
        if settled {
            break;
        }
    }
    last.expect("read at least once").map_err(|problem| {
        BackupError::Invalid(format!(
            "{}: {problem}; no backup was written. The members' key file must be the one this bank's node made (README, \"Members' data rights\")",
            path.display()
        ))
    })
}

/// One of the console's files as it stands, empty when the bank has none.
fn console_file(dir: &DataDir, name: &str) -> Result<Vec<u8>, BackupError> {
    let path = dir.root().join(name);
    match std::fs::read(&path) {
        Ok(bytes) => Ok(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(BackupError::Io { path, source: e }),
    }
}

/// The small files a backup holds beside the journal.
struct Files<'a> {
    config: &'a [u8],
    key: &'a [u8],
    member_keys: &'a [u8],
    /// accounts.json and proposals.json (empty when absent).
    console: &'a [Vec<u8>; 2],
}

/// A fresh temporary file beside `out` (same file system, so the rename is atomic).
fn temporary(out: &Path) -> Result<PathBuf, BackupError> {
    let name = out.file_name().ok_or_else(|| BackupError::Invalid(format!("{} is not a file name", out.display())))?;
    let tmp = out.with_file_name(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    let _ = std::fs::remove_file(&tmp);
    Ok(tmp)
}

/// Writes the backup to `tmp` and makes it durable; returns its checksum.
fn write(tmp: &Path, manifest: &Manifest, files: &Files<'_>, journal: &Path, journal_bytes: u64) -> Result<[u8; 32], BackupError> {
    let file = OpenOptions::new().write(true).create_new(true).mode(BACKUP_MODE).open(tmp).map_err(io_err(tmp))?;
    let text = toml::to_string_pretty(manifest).map_err(|e| BackupError::Invalid(e.to_string()))?;
    let mut w = Writer::new(BufWriter::with_capacity(COPY_BUFFER_BYTES, file)).map_err(io_err(tmp))?;
    w.section(Section::Manifest, text.as_bytes()).map_err(io_err(tmp))?;
    w.section(Section::Config, files.config).map_err(io_err(tmp))?;
    w.section(Section::Key, files.key).map_err(io_err(tmp))?;
    w.begin(Section::Journal, journal_bytes).map_err(io_err(tmp))?;
    let mut source = File::open(journal).map_err(io_err(journal))?.take(journal_bytes);
    let mut buf = vec![0u8; COPY_BUFFER_BYTES];
    let mut copied = 0u64;
    loop {
        let n = source.read(&mut buf).map_err(io_err(journal))?;
        if n == 0 {
            break;
        }
        w.bytes(&buf[..n]).map_err(io_err(tmp))?;
        copied += n as u64;
    }
    if copied != journal_bytes {
        return Err(BackupError::Invalid(format!("{} shrank while it was being copied", journal.display())));
    }
    w.section(Section::MemberKeys, files.member_keys).map_err(io_err(tmp))?;
    w.section(Section::Accounts, &files.console[0]).map_err(io_err(tmp))?;
    w.section(Section::Proposals, &files.console[1]).map_err(io_err(tmp))?;
    let (out, sum) = w.finish().map_err(io_err(tmp))?;
    let file = out.into_inner().map_err(|e| BackupError::Io { path: tmp.to_path_buf(), source: e.into_error() })?;
    file.sync_all().map_err(io_err(tmp))?;
    Ok(sum)
}

/// Reads the written backup back and verifies all of it; returns its size.
fn read_back(tmp: &Path, manifest: &Manifest, sum: [u8; 32]) -> Result<u64, BackupError> {
    let failed = |reason: String| BackupError::ReadBack { path: tmp.to_path_buf(), reason };
    let contents = file::read(tmp, |_| Ok(())).map_err(|e| failed(e.to_string()))?;
    if contents.checksum != sum || &contents.manifest != manifest || contents.journal.head.0 != manifest.journal_seq {
        return Err(failed("it holds something other than what was written".into()));
    }
    if contents.journal.head.1.to_hex() != manifest.journal_head {
        return Err(failed("its journal ends at another head".into()));
    }
    member_keys::check(&contents.member_keys, &contents.journal).map_err(|p| failed(p.to_string()))?;
    Ok(std::fs::metadata(tmp).map_err(io_err(tmp))?.len())
}

/// Syncs the directory holding `path`, so a rename in it is durable.
pub fn sync_parent(path: &Path) -> Result<(), BackupError> {
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    File::open(dir).and_then(|d| d.sync_all()).map_err(io_err(dir))
}
