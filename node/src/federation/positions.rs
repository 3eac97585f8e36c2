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

/// Transfers by id, each once, with the decision when known.
#[derive(Default)]
pub struct Positions {
    transfers: HashMap<TransferId, (Transfer, Option<Verdict>)>,
}

impl Positions {
    /// Adds a transfer this bank knows first hand (its own records win).
    pub fn add(&mut self, id: TransferId, transfer: Transfer, decision: Option<&Decision>) {
        self.transfers.insert(id, (transfer, decision.map(|d| d.verdict.clone())));
    }

    /// Adds a pair of other banks' statements that this bank checked before
    /// it kept them (their signatures are not verified again); a decision
    /// that is not the payee bank's own is ignored. Ids already known first
    /// hand are kept.
    pub fn add_public(&mut self, federation: FederationId, transfer: &SignedMessage, decision: &SignedMessage) {
        let Ok(PublicMessage::Transfer { id, transfer }) = PublicMessage::read_kept(transfer, federation) else { return };
        if let Ok(PublicMessage::Decision(d)) = PublicMessage::read_kept(decision, federation) {
            if d.transfer == id && d.by == transfer.to {
                self.transfers.entry(id).or_insert((transfer, Some(d.verdict)));
            }
        }
    }

    /// Totals by (payer's bank, payee's bank).
    pub fn totals(&self) -> BTreeMap<(BankId, BankId), Position> {
        let mut out: BTreeMap<(BankId, BankId), Position> = BTreeMap::new();
        for (transfer, verdict) in self.transfers.values() {
            let p = out.entry((transfer.from, transfer.to)).or_default();
            match verdict {
                Some(Verdict::Accept) => {
                    p.accepted = Minutes(p.accepted.0 + transfer.minutes.0);
                    p.accepted_count += 1;
                }
                Some(Verdict::Reject(_)) => p.rejected_count += 1,
                None => p.undecided_count += 1,
            }
        }
        out
    }
}
