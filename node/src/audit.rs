//! `amser audit`: reads the whole journal, checks every frame, every link of
//! the hash chain and every entry's postings, recomputes every balance from
//! scratch, and compares them with the state database.

use std::path::Path;

use amser_protocol::{EntryHash, MemberCode, Minutes};
use serde::Serialize;

use crate::journal::{scan, JournalError};
use crate::ledger::{apply, LedgerRead, MemState};
use crate::store::Store;

/// What the audit found. `ok` is true only if nothing is wrong.
#[derive(Debug, Clone, Serialize)]
pub struct AuditReport {
    pub ok: bool,
    pub entries: u64,
    pub head_seq: u64,
    pub head_hash: String,
    pub members: usize,
    pub exchanges: usize,
    /// Sum of every balance recomputed from the journal (must be 0).
    pub balance_sum_minutes: i128,
    /// Problems, each naming the entry or member concerned.
    pub problems: Vec<String>,
    /// Notes that are not problems (an unfinished write at the end of a stopped node's journal).
    pub notes: Vec<String>,
}

/// Audits the journal at `path` (reading at most `limit` bytes: the synced
/// part, when a node is writing), and compares with `store` when given.
pub fn audit(path: &Path, limit: Option<u64>, store: Option<&Store>) -> AuditReport {
    let mut state = MemState::default();
    let mut problems = Vec::new();
    let mut notes = Vec::new();
    let mut entries = 0u64;
    let scanned = scan(path, limit, |entry, hash| {
        let writes = apply(&state, entry, hash).map_err(|e| JournalError::Damaged { seq: entry.seq, offset: 0, reason: e.to_string() })?;
        for w in writes {
            state.write(w);
        }
        entries += 1;
        Ok(())
    });
    match scanned {
        Ok(outcome) if outcome.torn_bytes > 0 => notes.push(format!(
            "{} bytes at the end of the journal are an unfinished write that was never acknowledged; the node discards them when it next starts",
            outcome.torn_bytes
        )),
        Ok(_) => {}
        Err(e) => problems.push(e.to_string()),
    }
    let sum = state.sum();
    if sum != 0 {
        problems.push(format!("balances recomputed from the journal sum to {sum} minutes, not 0"));
    }
    if let Some(store) = store {
        compare_with_store(&state, store, notes.is_empty(), &mut problems);
    }
    AuditReport {
        ok: problems.is_empty(),
        entries,
        head_seq: state.head.0,
        head_hash: state.head.1.to_hex(),
        members: state.members.len(),
        exchanges: state.exchanges.len(),
        balance_sum_minutes: sum,
        problems,
        notes,
    }
}

fn compare_with_store(state: &MemState, store: &Store, whole: bool, problems: &mut Vec<String>) {
    let stored_head: (u64, EntryHash) = match store.head() {
        Ok(h) => h,
        Err(e) => {
            problems.push(format!("could not read the state database: {e}"));
            return;
        }
    };
    if !whole && stored_head.0 > state.head.0 {
        problems.push(format!(
            "journal entry {} cannot be read, yet the state database shows that entries up to {} were recorded: the end of the journal is damaged, not unfinished",
            state.head.0 + 1,
            stored_head.0
        ));
        return;
    }
    if stored_head.0 < state.head.0 {
        // The node syncs the journal before the state; a gap of one batch is normal while running.
        return;
    }
    if stored_head != state.head {
        problems.push(format!("the state database is at entry {} but the journal ends at entry {}", stored_head.0, state.head.0));
        return;
    }
    match store.balances() {
        Ok(stored) => {
            let stored: std::collections::BTreeMap<MemberCode, Minutes> = stored.into_iter().collect();
            for (code, minutes) in &state.balances {
                let s = stored.get(code).copied().unwrap_or_default();
                if s != *minutes {
                    problems.push(format!("{code}: the journal gives a balance of {minutes} but the state database holds {s}"));
                }
            }
            for code in stored.keys().filter(|c| !state.balances.contains_key(*c)) {
                problems.push(format!("{code} has a balance in the state database but never appears in the journal"));
            }
            match store.clearings() {
                Ok(stored) => {
                    let stored: std::collections::BTreeMap<_, _> = stored.into_iter().collect();
                    if stored != state.clearing {
                        problems.push("the clearing accounts in the state database differ from the journal's".into());
                    }
                }
                Err(e) => problems.push(format!("could not read clearing accounts: {e}")),
            }
        }
        Err(e) => problems.push(format!("could not read balances: {e}")),
    }
}
