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

/// Journal entries replayed into sled per atomic batch on start. Small:
/// sled 0.34 keeps every page version a batch replaces until the batch ends,
/// so its memory grows with the batch (measured rebuilding 100,000 entries:
/// a peak of 75 MiB at 256 per batch, 169 MiB at 4,096, 616 MiB at 16,384),
/// while 16 times fewer batches saved only a quarter of the time.
pub const REPLAY_BATCH_ENTRIES: u64 = 256;

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
        let writes = apply(&self.staged, entry, hash).map_err(|e| JournalError::Damaged {
            seq: entry.seq,
            offset: at.start,
            reason: e.to_string(),
        })?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::journal::{BankProfile, EntryBody};
    use amser_protocol::{BankId, Policy};

    use crate::ledger::LedgerRead;

    /// Entry `seq` of a bank that opens and then changes its policy, with its hash.
    fn entry(seq: u64, prev: EntryHash) -> (JournalEntry, EntryHash) {
        let body = if seq == 1 {
            let profile =
                BankProfile { bank: BankId([1; 32]), name: "Rhymney".into(), handle: "rhymney".parse().unwrap(), region: String::new() };
            EntryBody::BankOpened { profile, policy: Policy::default() }
        } else {
            EntryBody::PolicyChanged { policy: Policy { active_months: (seq % 100) as u32 + 1, ..Policy::default() } }
        };
        let entry = JournalEntry { seq, prev_hash: prev, time_ms: seq, body };
        let hash = JournalEntry::hash_of_bytes(&entry.encode().unwrap());
        (entry, hash)
    }

    #[test]
    fn a_rebuild_writes_each_chunk_as_it_fills_with_where_its_head_lies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let mut replay = Replay::new(&store, dir.path());
        let total = REPLAY_BATCH_ENTRIES * 2 + 10;
        let mut prev = EntryHash::default();
        for seq in 1..=total {
            let (e, hash) = entry(seq, prev);
            let at = EntryAt { seq, start: seq * 100, end: seq * 100 + 90 };
            replay.entry(&e, hash, at).unwrap();
            prev = hash;
            if seq % REPLAY_BATCH_ENTRIES == 0 {
                // Written now, not held until the end: memory holds one chunk.
                assert_eq!(store.head().unwrap(), (seq, hash), "chunk ending at {seq} is in sled");
                assert_eq!(store.head_at().unwrap(), Some(at));
            } else if seq % REPLAY_BATCH_ENTRIES == 1 && seq > 1 {
                assert_eq!(store.head().unwrap().0, seq - 1, "entry {seq} waits for its chunk");
            }
        }
        assert_eq!(replay.finish(None).unwrap(), total);
        assert_eq!(store.head().unwrap(), (total, prev));
        assert_eq!(store.head_at().unwrap(), Some(EntryAt { seq: total, start: total * 100, end: total * 100 + 90 }));
    }

    #[test]
    fn a_replay_of_nothing_records_where_the_head_lies() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let mut replay = Replay::new(&store, dir.path());
        let (e, hash) = entry(1, EntryHash::default());
        replay.entry(&e, hash, EntryAt { seq: 1, start: 8, end: 100 }).unwrap();
        replay.finish(None).unwrap();
        assert_eq!(store.head_at().unwrap(), Some(EntryAt { seq: 1, start: 8, end: 100 }));
        // Nothing to replay (a state written before `meta:at` was kept, read
        // with the whole journal): where the head lies is recorded all the same.
        let at = EntryAt { seq: 1, start: 8, end: 120 };
        assert_eq!(Replay::new(&store, dir.path()).finish(Some(at)).unwrap(), 0);
        assert_eq!(store.head_at().unwrap(), Some(at), "the next start reads only what follows it");
    }
}
