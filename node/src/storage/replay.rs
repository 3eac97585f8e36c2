//! Bringing sled up to the journal when the node starts: the journal's
//! entries past sled's head go through the ledger's `apply` and into sled a
//! chunk at a time ([`REPLAY_BATCH_ENTRIES`] entries per atomic batch, with
//! the head and where it lies in the journal), so a crash during the replay
//! only means replaying again, and a rebuild of a million entries holds one
//! chunk in memory, never the whole history.
//!
//! ```text
//!  Journal::resume / Journal::open ── each entry after sled's head ──► Replay::entry
//!        apply(Overlay(store) + chunk so far) ──► chunk full? ──► one sled batch (+ meta:head, meta:at)
//! ```

use std::path::Path;

use amser_protocol::journal::JournalEntry;
use amser_protocol::EntryHash;

use crate::ledger::{apply, Overlay};
use crate::storage::journal::{EntryAt, JournalError};
use crate::storage::store::{Store, StoreError};

/// Journal entries replayed into sled per atomic batch on start.
pub const REPLAY_BATCH_ENTRIES: u64 = 4096;

/// A replay in progress: entries staged over the store, written a chunk at a time.
pub struct Replay<'a> {
    store: &'a Store,
    /// The state database's folder, to name in errors.
    state: &'a Path,
    staged: Overlay<'a, Store>,
    /// Where the last entry staged lies in the journal.
    at: Option<EntryAt>,
    /// Entries staged and not yet written.
    pending: u64,
    /// Entries replayed so far.
    pub replayed: u64,
}

/// A store failure met while the journal is being read (reported as an I/O
/// error of the state database, which is what it is).
fn store_failed(state: &Path, e: StoreError) -> JournalError {
    JournalError::Io { path: state.to_path_buf(), source: std::io::Error::other(e.to_string()) }
}

impl<'a> Replay<'a> {
    /// A replay into `store`, whose folder is `state`.
    pub fn new(store: &'a Store, state: &'a Path) -> Replay<'a> {
        Replay { store, state, staged: Overlay::new(store), at: None, pending: 0, replayed: 0 }
    }

    /// Stages one journal entry (after sled's head), writing the chunk once full.
    pub fn entry(&mut self, entry: &JournalEntry, hash: EntryHash, at: EntryAt) -> Result<(), JournalError> {
        let writes =
            apply(&self.staged, entry, hash).map_err(|e| JournalError::Damaged { seq: entry.seq, offset: at.start, reason: e.to_string() })?;
        self.staged.push(writes);
        self.at = Some(at);
        self.pending += 1;
        self.replayed += 1;
        if self.pending >= REPLAY_BATCH_ENTRIES {
            self.write().map_err(|e| store_failed(self.state, e))?;
        }
        Ok(())
    }

    /// Writes what is staged, with where its head lies in the journal.
    fn write(&mut self) -> Result<(), StoreError> {
        let delta = std::mem::take(&mut self.staged.delta);
        if !delta.is_empty() || self.at.is_some() {
            self.store.apply_deltas_at([&delta], self.at.take())?;
        }
        self.pending = 0;
        Ok(())
    }

    /// Writes the last chunk; `head_at` is where the journal's last entry
    /// lies, recorded even when nothing was replayed (a state written by an
    /// older version lacks it), so the next start reads only what follows.
    pub fn finish(mut self, head_at: Option<EntryAt>) -> Result<u64, StoreError> {
        if self.at.is_none() {
            self.at = head_at;
        }
        self.write()?;
        Ok(self.replayed)
    }
}
