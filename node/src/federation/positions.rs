//! Inter-bank positions across the federation: for each pair of banks, the
//! hours members of one spent with members of the other, from the signed
//! transfers and decisions this bank has seen (its own, gossip, and other
//! banks' public logs caught up after a restart or a partition).
//!
//! Pure: the caller reads the statements; this only adds them up.

use std::collections::{BTreeMap, HashMap};

use amser_protocol::federation::{Decision, PublicMessage, Transfer, TransferId, Verdict};
use amser_protocol::signing::{FederationId, SignedMessage};
use amser_protocol::{BankId, Minutes};

/// What is known of the transfers from one bank's members to another's.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Position {
    /// Hours accepted by the payee's bank (members of `from` received help from members of `to`).
    pub accepted: Minutes,
    pub accepted_count: u64,
    pub rejected_count: u64,
    /// This bank's own transfers still waiting for the other bank's decision
    /// (other banks' transfers are kept only once decided).
    pub undecided_count: u64,
}

/// Transfers by id, each once, with the banks on their way (two for a
/// direct transfer, the path of a routed one) and the decision when known.
#[derive(Default)]
pub struct Positions {
    transfers: HashMap<TransferId, (Transfer, Vec<BankId>, Option<Verdict>)>,
}

/// The banks on a transfer's way: its path, or its two banks.
fn way(transfer: &Transfer, path: Vec<BankId>) -> Vec<BankId> {
    if path.is_empty() {
        vec![transfer.from, transfer.to]
    } else {
        path
    }
}

impl Positions {
    /// Adds a transfer this bank knows first hand (its own records win).
    pub fn add(&mut self, id: TransferId, transfer: Transfer, path: Vec<BankId>, decision: Option<&Decision>) {
        let banks = way(&transfer, path);
        self.transfers.insert(id, (transfer, banks, decision.map(|d| d.verdict.clone())));
    }

    /// Adds a pair of other banks' statements that this bank checked before
    /// it kept them (their signatures are not verified again); a decision
    /// that is not the payee bank's own is ignored. Ids already known first
    /// hand are kept.
    pub fn add_public(&mut self, federation: FederationId, transfer: &SignedMessage, decision: &SignedMessage) {
        let Ok(PublicMessage::Transfer { id, transfer, path }) = PublicMessage::read_kept(transfer, federation) else { return };
        if let Ok(PublicMessage::Decision(d)) = PublicMessage::read_kept(decision, federation) {
            if d.transfer == id && d.by == transfer.to {
                let banks = way(&transfer, path);
                self.transfers.entry(id).or_insert((transfer, banks, Some(d.verdict)));
            }
        }
    }

    /// Totals by (owing bank, owed bank): for a direct transfer the payer's
    /// bank and the payee's; a routed one counts on each line of its path
    /// (the payer's bank owes the first hop, each hop the next).
    pub fn totals(&self) -> BTreeMap<(BankId, BankId), Position> {
        let mut out: BTreeMap<(BankId, BankId), Position> = BTreeMap::new();
        for (transfer, banks, verdict) in self.transfers.values() {
            for line in banks.windows(2) {
                let p = out.entry((line[0], line[1])).or_default();
                match verdict {
                    Some(Verdict::Accept) => {
                        p.accepted = Minutes(p.accepted.0 + transfer.minutes.0);
                        p.accepted_count += 1;
                    }
                    Some(Verdict::Reject(_)) => p.rejected_count += 1,
                    None => p.undecided_count += 1,
                }
            }
        }
        out
    }
}
