//! `amser audit`: reads the whole journal, checks every frame, every link of
//! the hash chain and every entry's postings, recomputes every balance from
//! scratch, and compares them with the state database.

use std::collections::BTreeMap;
use std::path::Path;

use amser_protocol::{EntryHash, MemberCode, Minutes};

use crate::ledger::{apply, LedgerRead, MemState, TransferRole};
use crate::model::AuditReport;
use crate::storage::journal::{scan, JournalError};
use crate::storage::store::Store;
use crate::storage::store::PAGE_SCAN_BUDGET;

/// Most problems one audit report lists; past this it counts the rest
/// (`more_problems`). A journal with more is damaged throughout, and the
/// answer stays a bounded size however many members disagree.
pub const MAX_AUDIT_PROBLEMS: usize = 100;

/// Problems found, the first [`MAX_AUDIT_PROBLEMS`] kept and the rest counted.
#[derive(Debug, Default)]
struct Problems {
    kept: Vec<String>,
    more: usize,
}

impl Problems {
    fn push(&mut self, problem: String) {
        if self.kept.len() < MAX_AUDIT_PROBLEMS {
            self.kept.push(problem);
        } else {
            self.more += 1;
        }
    }

    fn extend(&mut self, other: Problems) {
        for p in other.kept {
            self.push(p);
        }
        self.more += other.more;
    }

    fn is_empty(&self) -> bool {
        self.kept.is_empty() && self.more == 0
    }
}

/// Audits the journal at `path` (reading at most `limit` bytes: the synced
/// part, when a node is writing), and compares with `store` when given.
/// With a `limit` the node is running: see [`audit_running`].
pub fn audit(path: &Path, limit: Option<u64>, store: Option<&Store>) -> AuditReport {
    audit_once(path, limit, store).0
}

/// [`audit`], and whether a running node's state database moved on while it
/// was compared.
fn audit_once(path: &Path, limit: Option<u64>, store: Option<&Store>) -> (AuditReport, Compared) {
    let mut compared = Compared::Done;
    let mut state = MemState::default();
    let mut problems = Problems::default();
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
        compared = compare_with_store(&state, store, notes.is_empty(), limit.is_some(), &mut problems);
        if compared == Compared::Moved {
            notes.push("the node was recording while it was audited, so its state database was not compared this time".into());
        }
    }
    let report = AuditReport {
        ok: problems.is_empty(),
        entries,
        head_seq: state.head.0,
        head_hash: state.head.1.to_hex(),
        members: state.members.len(),
        exchanges: state.exchanges.len(),
        balance_sum_minutes: sum,
        problems: problems.kept,
        more_problems: problems.more,
        notes,
    };
    (report, compared)
}

/// Whether the state database could be compared with the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Compared {
    Done,
    /// A running node's database moved on during the comparison (it is
    /// written while we read): compare again with a longer journal prefix.
    Moved,
}

fn compare_with_store(state: &MemState, store: &Store, whole: bool, running: bool, problems: &mut Problems) -> Compared {
    let stored_head: (u64, EntryHash) = match store.head() {
        Ok(h) => h,
        Err(e) => {
            problems.push(format!("could not read the state database: {e}"));
            return Compared::Done;
        }
    };
    if running && stored_head.0 > state.head.0 {
        return Compared::Moved;
    }
    let mut found = Problems::default();
    compare_at(state, store, stored_head, whole, &mut found);
    if running && store.head().map(|h| h != stored_head).unwrap_or(false) {
        return Compared::Moved;
    }
    problems.extend(found);
    Compared::Done
}

fn compare_at(state: &MemState, store: &Store, stored_head: (u64, EntryHash), whole: bool, problems: &mut Problems) {
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
    // Each recomputed balance against sled's, one lookup at a time; then
    // sled's accounts a page at a time, for any the journal never made.
    for (code, minutes) in &state.balances {
        match store.balance(code) {
            Ok(s) if s != *minutes => {
                problems.push(format!("{code}: the journal gives a balance of {minutes} but the state database holds {s}"))
            }
            Ok(_) => {}
            Err(e) => return problems.push(format!("could not read balances: {e}")),
        }
    }
    let mut after: Option<MemberCode> = None;
    loop {
        match store.balances_page(after.as_ref(), PAGE_SCAN_BUDGET) {
            Ok(span) => {
                for (code, _) in span.items.iter().filter(|(c, _)| !state.balances.contains_key(c)) {
                    problems.push(format!("{code} has a balance in the state database but never appears in the journal"));
                }
                match span.next {
                    Some(next) => after = Some(next),
                    None => break,
                }
            }
            Err(e) => return problems.push(format!("could not read balances: {e}")),
        }
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
    held_as_pending(state, store, problems);
}

/// Every hold is what the transfers still in flight come to: a member's,
/// the transfers they pay that wait for a decision; a line's, the routed
/// transfers that bank passed us that wait for one. In the journal's state
/// and in the state database alike.
fn held_as_pending(state: &MemState, store: &Store, problems: &mut Problems) {
    let us = state.profile.as_ref().map(|p| p.bank);
    let (mut members, mut lines) = (BTreeMap::new(), BTreeMap::new());
    for t in state.transfers.values().filter(|t| t.is_pending()) {
        match (t.role, us.and_then(|us| t.before(&us))) {
            (TransferRole::Outgoing, _) => *members.entry(t.transfer.payer.clone()).or_insert(0) += t.transfer.minutes.0,
            (TransferRole::Forwarded, Some(before)) => *lines.entry(before).or_insert(0) += t.transfer.minutes.0,
            _ => {}
        }
    }
    if held(&state.holds) != members {
        problems.push("the minutes held on members differ from what their transfers in flight come to".into());
    }
    if held(&state.line_holds) != lines {
        problems.push("the minutes held on trust lines differ from what the routed transfers in flight come to".into());
    }
    match (store.holds(), store.line_holds()) {
        (Ok(h), Ok(l)) => {
            if held(&h.into_iter().collect()) != held(&state.holds) || held(&l.into_iter().collect()) != held(&state.line_holds) {
                problems.push("the minutes held in the state database differ from the journal's".into());
            }
        }
        _ => problems.push("could not read the minutes held".into()),
    }
}

/// The holds that are not nothing, as plain minutes.
fn held<K: Ord + Clone>(m: &BTreeMap<K, Minutes>) -> BTreeMap<K, i64> {
    m.iter().filter(|(_, h)| h.0 != 0).map(|(k, h)| (k.clone(), h.0)).collect()
}

/// Times a running node's audit starts again when its state database moved
/// on while it was being compared.
pub const RUNNING_AUDIT_ATTEMPTS: usize = 5;

/// Audits a running node: the synced part of its journal, compared with its
/// state database. sled is written while we read (it may even pass the
/// journal prefix we read), so a comparison that saw it move is started
/// again with the journal as it is then, a few times, rather than reported
/// as a problem that is not there.
pub fn audit_running(ledger: &crate::storage::writer::LedgerHandle) -> AuditReport {
    let attempt = || audit_once(ledger.journal_path(), Some(ledger.synced_len()), Some(ledger.store()));
    let (mut report, mut compared) = attempt();
    for _ in 1..RUNNING_AUDIT_ATTEMPTS {
        if compared == Compared::Done {
            break;
        }
        (report, compared) = attempt();
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A state database that disagrees on every one of a large register's
    /// balances still gives an answer of a bounded size, with the count.
    #[test]
    fn a_report_lists_the_first_problems_and_counts_the_rest() {
        let mut problems = Problems::default();
        for i in 0..MAX_AUDIT_PROBLEMS + 50 {
            problems.push(format!("member {i} disagrees"));
        }
        let mut more = Problems::default();
        more.push("one more".into());
        problems.extend(more);
        assert_eq!((problems.kept.len(), problems.more), (MAX_AUDIT_PROBLEMS, 51));
        assert_eq!(problems.kept[0], "member 0 disagrees", "the first found are the ones listed");
    }
}
