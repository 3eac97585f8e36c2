//! What a bank's journal says, entry by entry, that its state keeps only
//! as a last value: how many entries applied a decision to each transfer,
//! how often each piece of evidence was recorded, against whom, and which
//! lines evidence froze that no coordinator has unfrozen since. Built as
//! entries are written and again from the journal after every restart, so
//! the invariants that need journal order (`check.rs`) can read it.

use std::collections::{BTreeSet, HashMap};

use amser_protocol::federation::{Evidence, TransferId};
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::BankId;

/// One piece of evidence: the bank it is against and its two messages'
/// bytes in either order (as the ledger's `evidence_id` takes them).
pub type EvidenceKey = (BankId, Vec<u8>, Vec<u8>);

fn key(against: BankId, evidence: &Evidence) -> EvidenceKey {
    let (a, b) = (evidence.first.to_bytes().unwrap_or_default(), evidence.second.to_bytes().unwrap_or_default());
    if a <= b {
        (against, a, b)
    } else {
        (against, b, a)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    /// Entries that applied a decision to each transfer here (received and
    /// decided, settled, or recalled): hours move by one decision, once.
    pub decisions_applied: HashMap<TransferId, u32>,
    /// Times each piece of evidence was recorded: the same evidence never freezes a line twice.
    pub evidence: HashMap<EvidenceKey, u32>,
    /// Every bank evidence was recorded against.
    pub accused: BTreeSet<BankId>,
    /// Lines frozen by evidence that the coordinator has not unfrozen since.
    pub frozen_by_evidence: BTreeSet<BankId>,
    /// The first transfer that had a second decision applied, if any (kept so a check after every step is cheap).
    pub decided_twice: Option<(TransferId, u32)>,
    /// The first evidence recorded a second time, if any.
    pub evidence_twice: Option<BankId>,
}

impl History {
    /// Takes the next entry of the journal.
    pub fn note(&mut self, entry: &JournalEntry) {
        let decided = match &entry.body {
            EntryBody::TransferReceived { transfer, .. } | EntryBody::TransferRecalled { transfer, .. } => transfer.id().ok(),
            EntryBody::TransferSettled { transfer, .. } => Some(*transfer),
            EntryBody::RoutedDecided { routed, .. } | EntryBody::RoutedRecalled { routed, .. } => routed.id().ok(),
            EntryBody::EvidenceRecorded { against, evidence } => {
                let times = self.evidence.entry(key(*against, evidence)).or_default();
                *times += 1;
                if *times > 1 {
                    self.evidence_twice.get_or_insert(*against);
                }
                self.accused.insert(*against);
                self.frozen_by_evidence.insert(*against);
                None
            }
            EntryBody::PeerLineSet { peer } if !peer.frozen => {
                self.frozen_by_evidence.remove(&peer.bank);
                None
            }
            _ => None,
        };
        if let Some(id) = decided {
            let times = self.decisions_applied.entry(id).or_default();
            *times += 1;
            if *times > 1 && self.decided_twice.is_none() {
                self.decided_twice = Some((id, *times));
            }
        }
    }
}
