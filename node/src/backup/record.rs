//! `restored.toml`: the data directory's note that it was restored from a
//! backup, and at which head. Written by `amser restore` just before the
//! journal is put in place, read by the node's start.
//!
//! Why it exists: a backup older than what the bank's peers have seen
//! (they hold heads it signed after the backup) must not be taken as the
//! bank's whole history. The node refuses to start on a restored journal of
//! a bank that has peers until the coordinator accepts it (`amser up
//! --accept-restore`: no newer backup exists); then it recovers from its
//! peers what it signed after this head (`federation::recall`).

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::{io_err, BackupError};
use crate::datadir::DataDir;

/// File mode of the record (like everything in the data directory: owner only).
const RECORD_MODE: u32 = 0o600;

/// What was restored, and whether the coordinator has accepted it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RestoreRecord {
    /// The backup file restored from.
    pub backup: String,
    /// The journal's last entry in the backup, and its hash (hex).
    pub journal_seq: u64,
    pub journal_head: String,
    /// When the backup was taken and when it was restored (unix ms).
    pub taken_at_ms: u64,
    pub restored_at_ms: u64,
    /// The head of the journal the restore replaced, if there was one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replaced_seq: Option<u64>,
    /// The restored journal admits peer banks: they may hold heads this bank
    /// signed after the backup.
    pub federated: bool,
    /// When the coordinator accepted the restored head (`amser up
    /// --accept-restore`); until then a federated bank's node will not start.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accepted_at_ms: Option<u64>,
}

impl RestoreRecord {
    /// Whether the node must not start on it without the coordinator's word.
    pub fn holds_the_node(&self) -> bool {
        self.federated && self.accepted_at_ms.is_none()
    }

    /// Reads the record at `path`; `None` when the directory was never restored.
    pub fn load(path: &Path) -> Result<Option<RestoreRecord>, BackupError> {
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(BackupError::Io { path: path.to_path_buf(), source: e }),
        };
        toml::from_str(&text).map(Some).map_err(|e| {
            BackupError::Invalid(format!(
                "{} does not read ({e}); it was written by `amser restore`, put it back as it was",
                path.display()
            ))
        })
    }

    /// Writes the record durably: a temporary file, synced, renamed over the
    /// old one, the directory synced.
    pub fn save(&self, path: &Path) -> Result<(), BackupError> {
        let text = format!(
            "# Written by `amser restore`: this data directory was restored from a backup.\n# Recovery from peers starts from journal_seq. Keep this file.\n\n{}",
            toml::to_string_pretty(self).map_err(|e| BackupError::Invalid(e.to_string()))?
        );
        let tmp = path.with_extension("toml.tmp");
        let _ = std::fs::remove_file(&tmp);
        let mut f = OpenOptions::new().write(true).create_new(true).mode(RECORD_MODE).open(&tmp).map_err(io_err(&tmp))?;
        f.write_all(text.as_bytes()).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
        std::fs::rename(&tmp, path).map_err(io_err(path))?;
        super::take::sync_parent(path)
    }
}

/// At the node's start: refuses a federated bank restored from a backup
/// that the coordinator has not accepted, and records the acceptance when
/// `accept` (then logs loudly what it means). Changes nothing otherwise.
pub fn check_start(dir: &DataDir, accept: bool, now_ms: u64) -> Result<(), BackupError> {
    let path = dir.restore_record();
    let Some(mut record) = RestoreRecord::load(&path)? else {
        return Ok(());
    };
    if !record.holds_the_node() {
        return Ok(());
    }
    if !accept {
        return Err(BackupError::NotAccepted { seq: record.journal_seq });
    }
    record.accepted_at_ms = Some(now_ms);
    record.save(&path)?;
    tracing::warn!(
        seq = record.journal_seq,
        "starting a bank restored from a backup without recovery from its peers, as the coordinator accepted: if its peers saw entries after {}, they will record evidence against this bank",
        record.journal_seq
    );
    Ok(())
}
