//! Backups of a bank and restoring one: `amser backup FILE` and `amser restore FILE`.
//!
//! ```text
//!  amser backup  ── head (seq, hash) acknowledged by the running node (GET /status),
//!                   or the journal's end when the node is stopped (the lock held)
//!       │  take.rs: the journal's frames up to exactly that seq, checked as they
//!       │  are copied, the last hash compared with the head's; config, key, and
//!       │  the members' key file (member_keys.rs: it must open every member's details)
//!       ▼  file.rs: one self-describing file, blake3 over all of it, 0600,
//!   FILE            written to a temporary file, fdatasync, read back and verified,
//!       │           renamed, directory synced
//!  amser restore
//!       │  restore.rs: the node must be stopped (the data directory's lock); the
//!       │  whole backup verified (checksum, every frame, the hash chain, the key
//!       │  and the members' keys against the journal) and compared with the bank the directory holds
//!       ▼  (another bank's backup is refused); only then files are staged, the
//!   DIR             old ones set aside as *.before-restore-<ms>, sled's state moved
//!                   aside (the next start rebuilds it), and restored.toml written;
//!                   erasures the replaced members' key file holds are kept
//! ```
//!
//! Modules: `file` (the backup file's format: sections and checksum),
//! `chain` (reading journal frames strictly, from the live journal or a
//! backup), `member_keys` (the members' key file a backup carries: checked
//! against its journal, merged with the erasures of the one it replaces),
//! `take` (making a backup), `restore` (checking one and putting it
//! in place) and `record` (`restored.toml`: what was restored, for the
//! node's start and for recovery from peers).

pub mod chain;
pub mod file;
pub mod member_keys;
pub mod record;
pub mod restore;
pub mod take;

use std::io;
use std::path::PathBuf;

use thiserror::Error;

use crate::datadir::DataDirError;
use crate::storage::journal::JournalError;

pub use file::Manifest;
pub use record::RestoreRecord;
pub use restore::{restore, Restored};
pub use take::{take, Taken};

/// What can stop a backup or a restore. Every refusal of a restore is
/// raised before anything in the data directory is changed.
#[derive(Debug, Error)]
pub enum BackupError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    /// The file is not an Amser backup at all.
    #[error("{0} is not an Amser backup (wrong header). Nothing was changed; give the file `amser backup` wrote")]
    NotABackup(PathBuf),
    /// The file's checksum does not match its bytes: changed or cut short.
    #[error("{path} is damaged or incomplete: {reason}. Nothing was changed; use another copy of the backup")]
    Damaged { path: PathBuf, reason: String },
    /// The journal in the backup does not verify (names the entry).
    #[error("{path} holds a journal that does not verify: entry {seq}: {reason}. Nothing was changed; use another copy of the backup")]
    BadJournal { path: PathBuf, seq: u64, reason: String },
    /// The backup is of another bank than the one the data directory holds.
    #[error("{path} is a backup of another bank ({backup_bank}), but {dir} holds the bank {dir_bank}. Nothing was changed. To restore that bank, give an empty or new data directory with --data")]
    Foreign { path: PathBuf, backup_bank: String, dir: PathBuf, dir_bank: String },
    /// The data directory holds something that is not recognisably a bank.
    #[error("{dir} holds files, but which bank they belong to cannot be read ({reason}). Nothing was changed. Move them aside, or restore into an empty directory with --data")]
    UnknownDir { dir: PathBuf, reason: String },
    /// A running node holds the data directory.
    #[error("the node is running on {0}; stop it first (`amser restore` replaces its journal and state). Nothing was changed")]
    NodeRunning(PathBuf),
    /// The running node reported a head that its journal file does not hold.
    #[error("the journal {path} does not hold the head the node acknowledged (entry {seq}): {reason}")]
    HeadNotInJournal { path: PathBuf, seq: u64, reason: String },
    /// The written backup did not read back as written.
    #[error("the backup written to {path} did not verify when read back ({reason}); it was not kept. Check the disk")]
    ReadBack { path: PathBuf, reason: String },
    /// A federated bank restored from a backup, not yet accepted: the node will not start.
    #[error("this bank was restored from a backup that ends at entry {seq}, and it has peer banks: they may hold heads this bank signed after entry {seq}, and a node that went on from there would sign a second history under those numbers, which its peers would record as evidence and freeze it for. Nothing was changed. Start it with `amser up --accept-restore` once you have no newer backup: the node then asks its peers for the newest head of its own they hold and, if that is past the backup's, reads back from them the transfers it had signed before it takes new work (README, \"A journal behind its peers\"); what only this bank held after the backup stays lost")]
    NotAccepted { seq: u64 },
    #[error("{0}")]
    Invalid(String),
}

/// `BackupError::Io` for `path`.
fn io_err(path: &std::path::Path) -> impl FnOnce(io::Error) -> BackupError + '_ {
    move |source| BackupError::Io { path: path.to_path_buf(), source }
}
