//! The stable code of each failure, printed with `--json` for scripts
//! (`{"error": {"code", "message"}}`); they never change between versions.

use amser_node::api::client::ClientError;
use amser_node::backup::BackupError;
use amser_node::datadir::DataDirError;
use amser_node::NodeError;

/// The audit found problems (already printed).
#[derive(Debug)]
pub struct AuditFailed;

impl std::fmt::Display for AuditFailed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the audit found problems (listed above)")
    }
}

impl std::error::Error for AuditFailed {}

/// The import file has problems (already printed); nothing was written.
#[derive(Debug)]
pub struct ImportProblems(pub usize);

impl std::fmt::Display for ImportProblems {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the file has {} problem(s), listed above; nothing was written: fix them and run the import again", self.0)
    }
}

impl std::error::Error for ImportProblems {}

/// For `Out::error`: a stable code for the failure, for scripts.
pub fn failure_code(e: &anyhow::Error) -> &str {
    match e.downcast_ref::<ClientError>() {
        Some(ClientError::Api(f)) => return &f.code,
        Some(ClientError::NotRunning(_)) => return "node_not_running",
        Some(ClientError::DataDir(d)) => return dir_code(d),
        Some(_) => return "error",
        None => {}
    }
    if e.downcast_ref::<AuditFailed>().is_some() {
        return "audit_failed";
    }
    if e.downcast_ref::<ImportProblems>().is_some() {
        return "import_problems";
    }
    if e.downcast_ref::<amser_protocol::HoursError>().is_some() {
        return "bad_hours";
    }
    if let Some(d) = e.downcast_ref::<DataDirError>() {
        return dir_code(d);
    }
    if let Some(b) = e.downcast_ref::<BackupError>() {
        return backup_code(b);
    }
    match e.downcast_ref::<NodeError>() {
        Some(NodeError::DataDir(d)) => dir_code(d),
        Some(NodeError::Journal(amser_node::storage::journal::JournalError::Damaged { .. })) => "journal_damaged",
        Some(NodeError::Journal(_)) => "journal_error",
        Some(NodeError::Config(_)) => "bad_config",
        Some(NodeError::Listen { .. }) => "cannot_listen",
        Some(NodeError::JournalBehindState { .. }) => "journal_behind_state",
        Some(NodeError::Invalid(_)) => "invalid",
        Some(NodeError::Backup(b)) => backup_code(b),
        Some(_) => "node_error",
        None => "error",
    }
}

fn dir_code(d: &DataDirError) -> &'static str {
    match d {
        DataDirError::AlreadyInitialised(_) => "already_initialised",
        DataDirError::NotInitialised(_) => "not_initialised",
        DataDirError::Locked(_) => "already_running",
        DataDirError::TooOpen { .. } => "file_too_open",
        DataDirError::Damaged(..) => "file_damaged",
        DataDirError::Io { .. } => "io_error",
    }
}

fn backup_code(b: &BackupError) -> &'static str {
    match b {
        BackupError::NotABackup(_) => "not_a_backup",
        BackupError::Damaged { .. } | BackupError::BadJournal { .. } => "backup_damaged",
        BackupError::Foreign { .. } => "backup_of_another_bank",
        BackupError::UnknownDir { .. } => "data_dir_unknown",
        BackupError::NodeRunning(_) => "node_running",
        BackupError::NotAccepted { .. } => "restore_not_accepted",
        BackupError::HeadNotInJournal { .. } => "head_not_in_journal",
        BackupError::ReadBack { .. } => "backup_read_back_failed",
        BackupError::DataDir(d) => dir_code(d),
        BackupError::Journal(amser_node::storage::journal::JournalError::Damaged { .. }) => "journal_damaged",
        BackupError::Journal(_) => "journal_error",
        BackupError::Io { .. } => "io_error",
        BackupError::Invalid(_) => "invalid",
    }
}
