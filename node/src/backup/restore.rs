//! Restoring a backup into a data directory, on a stopped node only.
//!
//! ```text
//! 1. lock      the data directory's lock (a running node holds it: refused)
//! 2. verify    the whole backup: checksum, every frame, the hash chain, the
//!              manifest and the key against the journal, config.toml parses,
//!              the members' key file opens every member's details
//! 3. compare   the bank the directory holds (its key, else its journal's first
//!              entry) must be the backup's; an empty or new directory takes any;
//!              the members' key file there, if any, must read (its erasures are kept)
//!              ──── every refusal happens above this line: nothing was changed ────
//! 4. stage     *.restoring beside each file, the backup read (and verified) a
//!              second time; the staged journal scanned by the node's own scanner;
//!              the staged members' key file with the replaced one's erasures
//! 5. swap      state/ renamed aside (the next start rebuilds it from the journal);
//!              each old file kept as *.before-restore-<ms> (a hard link), then the
//!              staged file renamed over it; restored.toml written before the journal;
//!              the console's accounts.json and proposals.json put back only where
//!              the directory has none (a lost disk): one there is newer than any
//!              backup, and rolling it back would revive a disabled account or an
//!              old password
//! ```
//!
//! Every step leaves a directory a node can start on: sled's state is only
//! derived, so a restore cut short before the journal's rename leaves the
//! old journal with no state (rebuilt), and running the restore again
//! finishes it.

use std::fs::{self, File, OpenOptions};
use std::io::{BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use amser_protocol::signing::bank_id;
use amser_protocol::BankId;
use ed25519_dalek::SigningKey;

use super::chain::Frames;
use super::file::{self, Contents};
use super::member_keys;
use super::record::RestoreRecord;
use super::take::sync_parent;
use super::{io_err, BackupError};
use crate::config::Config;
use crate::datadir::{DataDir, DataDirError};
use crate::storage::journal::scan;
use crate::storage::keys::KeyRecords;

/// File mode of staged files (the key's and the journal's).
const STAGED_MODE: u32 = 0o600;

/// What a restore did.
#[derive(Debug, Clone)]
pub struct Restored {
    pub record: RestoreRecord,
    pub bank_id: BankId,
    pub handle: String,
    pub name: String,
    /// The suffix the replaced files were kept under (`.before-restore-<ms>`),
    /// if there were any.
    pub kept_aside: Option<String>,
    /// Members whose details open with the restored keys.
    pub members: usize,
    /// Members erased since the backup, by the key file it replaced: their
    /// keys are destroyed in the restored one, and the node records their
    /// erasure again when it starts.
    pub erased_since: usize,
    /// Whether the backup's accounts.json and proposals.json were put back
    /// (only where the directory had none).
    pub accounts_restored: bool,
    pub proposals_restored: bool,
}

/// Restores the backup at `backup` into `dir`: see the module's steps.
pub fn restore(dir: &DataDir, backup: &Path, now_ms: u64) -> Result<Restored, BackupError> {
    let locked = |e: DataDirError| match e {
        DataDirError::Locked(d) => BackupError::NodeRunning(d),
        other => other.into(),
    };
    // A directory a node has run in has its lock file: take it before the
    // slow part, so no node starts meanwhile.
    let mut lock = if dir.lock_file().exists() { Some(dir.lock().map_err(locked)?) } else { None };
    let contents = file::read(backup, |_| Ok(()))?;
    let key = check_contents(backup, &contents)?;
    let checked = member_keys::check(&contents.member_keys, &contents.journal)
        .map_err(|p| BackupError::Damaged { path: backup.to_path_buf(), reason: p.to_string() })?;
    let replaced = bank_in(dir, backup, &contents)?;
    let current = current_keys(dir)?;
    let (keys, erased_since) = member_keys::keep_erasures(&contents.member_keys, current.as_ref())
        .ok_or_else(|| BackupError::Damaged { path: backup.to_path_buf(), reason: "its members' key file is not a key file".into() })?;
    if !dir.root().exists() {
        dir.create()?;
    }
    if lock.is_none() {
        lock = Some(dir.lock().map_err(locked)?);
    }
    let staged = stage(dir, backup, &contents, &key, &keys)?;
    let aside = format!("before-restore-{now_ms}");
    let kept = swap(dir, &staged, &aside, backup, &contents, replaced, now_ms);
    let (record, kept_any) = kept?;
    // Still under the lock, like every file above.
    let console = put_back_console(dir, backup, &contents);
    drop(lock);
    let (accounts_restored, proposals_restored) = console?;
    let summary = &contents.journal;
    Ok(Restored {
        record,
        bank_id: summary.profile.bank,
        handle: summary.profile.handle.to_string(),
        name: summary.profile.name.clone(),
        kept_aside: kept_any.then_some(aside),
        members: checked.open.saturating_sub(erased_since),
        erased_since,
        accounts_restored,
        proposals_restored,
    })
}

/// Puts the backup's accounts.json and proposals.json back where the
/// directory has none; returns which were. One that is not JSON is
/// refused (the node would not start on it).
fn put_back_console(dir: &DataDir, backup: &Path, c: &Contents) -> Result<(bool, bool), BackupError> {
    let put = |name: &str, bytes: &Option<Vec<u8>>| -> Result<bool, BackupError> {
        let path = dir.root().join(name);
        let Some(bytes) = bytes else { return Ok(false) };
        if path.exists() {
            return Ok(false);
        }
        if serde_json::from_slice::<serde_json::Value>(bytes).is_err() {
            let reason = format!("its {name} is not JSON; the rest was restored, and the console starts without it");
            return Err(BackupError::Damaged { path: backup.to_path_buf(), reason });
        }
        crate::accounts::durable::write_whole(&path, bytes).map_err(io_err(&path))?;
        Ok(true)
    };
    Ok((put(crate::accounts::ACCOUNTS_FILE, &c.accounts)?, put(crate::accounts::PROPOSALS_FILE, &c.proposals)?))
}

/// The members' key file the restore replaces, if there is one: its
/// erasures are kept. One that does not read is refused, not dropped (it
/// may be the only record of an erasure).
fn current_keys(dir: &DataDir) -> Result<Option<KeyRecords>, BackupError> {
    let path = dir.member_keys();
    match fs::read(&path) {
        Ok(bytes) => KeyRecords::read(&bytes).map(Some).ok_or_else(|| {
            BackupError::Invalid(format!(
                "{} is not a members' key file, so the erasures it records cannot be kept. Nothing was changed. Move it aside to restore without it: members erased since the backup would then need erasing again",
                path.display()
            ))
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(BackupError::Io { path, source: e }),
    }
}

/// Checks that the backup's parts agree with each other; returns its key.
fn check_contents(path: &Path, c: &Contents) -> Result<SigningKey, BackupError> {
    let wrong = |what: &str| BackupError::Damaged { path: path.to_path_buf(), reason: what.to_string() };
    let key = SigningKey::from_bytes(&c.key);
    let j = &c.journal;
    if bank_id(&key) != j.profile.bank {
        return Err(wrong("its key does not belong to the bank its journal opens"));
    }
    if c.manifest.journal_seq != j.head.0 || c.manifest.journal_head != j.head.1.to_hex() || c.manifest.journal_bytes != j.bytes {
        return Err(wrong("its manifest names another journal head than its journal ends at"));
    }
    if c.manifest.bank_id != j.profile.bank.to_string() {
        return Err(wrong("its manifest names another bank than its journal"));
    }
    let text = std::str::from_utf8(&c.config).map_err(|_| wrong("its config.toml is not text"))?;
    let config: Config = toml::from_str(text).map_err(|e| wrong(&format!("its config.toml does not read: {e}")))?;
    if config.bank.handle != j.profile.handle.as_str() {
        return Err(wrong("its config.toml names another handle than its journal"));
    }
    Ok(key)
}

/// The head of the journal being replaced (if it reads), after checking
/// that the directory holds the backup's bank, or none.
fn bank_in(dir: &DataDir, backup: &Path, c: &Contents) -> Result<Option<u64>, BackupError> {
    let backup_bank = c.journal.profile.bank;
    let from_key = if dir.key().exists() { dir.load_key().ok().map(|k| bank_id(&k)) } else { None };
    let from_journal = if dir.journal().exists() { first_bank(&dir.journal()) } else { None };
    let holds = match (from_key, from_journal) {
        (Some(bank), _) | (None, Some(bank)) => bank,
        (None, None) => {
            if dir.key().exists() || dir.journal().exists() || !is_empty(dir)? {
                let reason = if dir.key().exists() || dir.journal().exists() {
                    "neither bank.key nor journal.amj reads".to_string()
                } else {
                    "it has no bank.key and no journal.amj".to_string()
                };
                return Err(BackupError::UnknownDir { dir: dir.root().to_path_buf(), reason });
            }
            return Ok(None);
        }
    };
    if holds != backup_bank {
        return Err(BackupError::Foreign {
            path: backup.to_path_buf(),
            backup_bank: format!("{} ({})", c.manifest.handle, backup_bank),
            dir: dir.root().to_path_buf(),
            dir_bank: holds.to_string(),
        });
    }
    Ok(scan(&dir.journal(), None, |_, _| Ok(())).ok().map(|outcome| outcome.head.0))
}

/// The bank a journal's first entry opens, if it reads.
fn first_bank(path: &Path) -> Option<BankId> {
    let file = File::open(path).ok()?;
    let len = file.metadata().ok()?.len();
    let mut frames = Frames::open(BufReader::new(file), len).ok()?;
    match frames.next_entry().ok()??.entry.body {
        amser_protocol::journal::EntryBody::BankOpened { profile, .. } => Some(profile.bank),
        _ => None,
    }
}

/// Whether the directory is missing or holds nothing but a lock file.
fn is_empty(dir: &DataDir) -> Result<bool, BackupError> {
    let entries = match fs::read_dir(dir.root()) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(true),
        Err(e) => return Err(BackupError::Io { path: dir.root().to_path_buf(), source: e }),
    };
    for entry in entries {
        let entry = entry.map_err(io_err(dir.root()))?;
        if entry.path() != dir.lock_file() {
            return Ok(false);
        }
    }
    Ok(true)
}

/// The staged files, each beside the file it will replace.
struct Staged {
    journal: PathBuf,
    config: PathBuf,
    key: PathBuf,
    member_keys: PathBuf,
}

fn staged_name(path: &Path) -> PathBuf {
    let mut name = path.file_name().expect("a data directory file").to_os_string();
    name.push(".restoring");
    path.with_file_name(name)
}

/// Writes the backup's files beside the data directory's, durably, reading
/// the backup a second time (which must verify to the same checksum); the
/// staged journal must also pass the node's own scanner, whole.
fn stage(dir: &DataDir, backup: &Path, c: &Contents, key: &SigningKey, member_keys: &[u8]) -> Result<Staged, BackupError> {
    let staged = Staged {
        journal: staged_name(&dir.journal()),
        config: staged_name(&dir.config()),
        key: staged_name(&dir.key()),
        member_keys: staged_name(&dir.member_keys()),
    };
    let all = [&staged.journal, &staged.config, &staged.key, &staged.member_keys];
    let result = (|| {
        for path in all {
            let _ = fs::remove_file(path);
        }
        let create = |path: &Path| OpenOptions::new().write(true).create_new(true).mode(STAGED_MODE).open(path).map_err(io_err(path));
        let mut journal = std::io::BufWriter::new(create(&staged.journal)?);
        let again = file::read(backup, |bytes| journal.write_all(bytes))?;
        let journal = journal.into_inner().map_err(|e| BackupError::Io { path: staged.journal.clone(), source: e.into_error() })?;
        journal.sync_all().map_err(io_err(&staged.journal))?;
        if again.checksum != c.checksum {
            return Err(BackupError::Invalid(format!("{} changed while it was being restored; nothing was changed", backup.display())));
        }
        let outcome = scan(&staged.journal, None, |_, _| Ok(()))?;
        if outcome.torn_bytes != 0 || outcome.head != c.journal.head || outcome.good_len != c.journal.bytes {
            return Err(BackupError::Invalid("the restored journal did not read back whole; nothing was changed. Check the disk".into()));
        }
        for (path, bytes) in [(&staged.config, &c.config[..]), (&staged.key, &key.to_bytes()[..]), (&staged.member_keys, member_keys)] {
            let mut f = create(path)?;
            f.write_all(bytes).map_err(io_err(path))?;
            f.sync_all().map_err(io_err(path))?;
        }
        sync_parent(&dir.journal())
    })();
    if result.is_err() {
        for path in all {
            let _ = fs::remove_file(path);
        }
    }
    result.map(|()| staged)
}

/// Puts the staged files in place, keeping the old ones aside; returns the
/// record written and whether anything was kept aside.
fn swap(
    dir: &DataDir,
    staged: &Staged,
    aside: &str,
    backup: &Path,
    c: &Contents,
    replaced: Option<u64>,
    now_ms: u64,
) -> Result<(RestoreRecord, bool), BackupError> {
    let aside_of = |path: &Path| {
        let mut name = path.file_name().expect("a data directory file").to_os_string();
        name.push(".");
        name.push(aside);
        path.with_file_name(name)
    };
    let mut kept = false;
    let state = dir.state();
    if state.exists() {
        fs::rename(&state, aside_of(&state)).map_err(io_err(&state))?;
        kept = true;
    }
    let mut put = |from: &Path, to: &Path| -> Result<(), BackupError> {
        if to.exists() {
            fs::hard_link(to, aside_of(to)).map_err(io_err(to))?;
            kept = true;
        }
        fs::rename(from, to).map_err(io_err(to))
    };
    put(&staged.key, &dir.key())?;
    put(&staged.config, &dir.config())?;
    put(&staged.member_keys, &dir.member_keys())?;
    let record = RestoreRecord {
        backup: backup.canonicalize().unwrap_or_else(|_| backup.to_path_buf()).display().to_string(),
        journal_seq: c.journal.head.0,
        journal_head: c.journal.head.1.to_hex(),
        taken_at_ms: c.manifest.taken_at_ms,
        restored_at_ms: now_ms,
        replaced_seq: replaced,
        federated: c.journal.federated,
        accepted_at_ms: None,
    };
    record.save(&dir.restore_record())?;
    put(&staged.journal, &dir.journal())?;
    if !dir.token().exists() {
        dir.create_token()?;
    }
    sync_parent(&dir.journal())?;
    Ok((record, kept))
}
