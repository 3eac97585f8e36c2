//! The start gate's federation side (storage/start_gate.rs): after a start,
//! tells the ledger when the admitted peers have answered the head check, so
//! that nothing is numbered before we know our journal is not behind theirs.
//!
//! ```text
//!   start: any admitted peer? ──► gate shut (asking_peers)
//!   each tick: every admitted peer answered (head_check.rs) or unreachable,
//!              or start_check_secs passed
//!     and the ledger is not halted (a recovery from peers finished first)
//!       ──► gate answered: the start-up's own writes, then open (bank.rs)
//! ```
//!
//! A peer that cannot be reached is not waited for: it holds nothing we
//! could number over that the others do not, unless it alone does (then the
//! head check halts us as soon as it connects, see DESIGN.md, "Our journal
//! against our peers").

use std::collections::HashSet;
use std::time::{Duration, Instant};

use amser_protocol::BankId;
use libp2p::PeerId;

use super::driver::Driver;
use super::swarm::bank_of;
use crate::storage::start_gate::Phase;

/// What the start is waiting for.
pub(super) struct Opening {
    /// Past this, the gate opens whoever has not answered.
    deadline: Instant,
    /// Peers that answered the head check since the start.
    answered: HashSet<BankId>,
    /// Peers a dial failed to reach since the start.
    unreachable: HashSet<BankId>,
}

impl Opening {
    pub(super) fn new(wait: Duration) -> Self {
        Opening { deadline: Instant::now() + wait, answered: HashSet::new(), unreachable: HashSet::new() }
    }

    /// The admitted peers still to answer, of `admitted`.
    fn waiting_for(&self, admitted: impl Iterator<Item = BankId>) -> Vec<BankId> {
        admitted.filter(|b| !self.answered.contains(b) && !self.unreachable.contains(b)).collect()
    }
}

/// Whether the gate may tell the ledger its peers answered.
fn may_open(waiting: usize, past_deadline: bool, halted: bool) -> bool {
    !halted && (waiting == 0 || past_deadline)
}

impl Driver {
    /// Tells the ledger its peers answered once they have (on each tick).
    pub(super) fn open_when_peers_answered(&mut self) {
        if !self.asking_peers() {
            return;
        }
        if let Ok(checked) = self.head_checked.lock() {
            self.opening.answered.extend(checked.iter().copied());
        }
        let admitted = self.peers.values().filter(|l| !l.removed).map(|l| l.bank);
        let waiting = self.opening.waiting_for(admitted);
        let past_deadline = Instant::now() >= self.opening.deadline;
        if may_open(waiting.len(), past_deadline, self.ledger.halted().is_some()) {
            if !waiting.is_empty() {
                tracing::warn!(?waiting, "peers did not say what they hold of our journal in time; taking new work without them");
            }
            tracing::info!("peers have said what they hold of our journal; taking new work");
            self.ledger.gate().answered();
        }
    }

    /// Whether the start still waits for peers' answers (the gate says).
    fn asking_peers(&self) -> bool {
        matches!(self.ledger.gate().phase(), Phase::AskingPeers { .. })
    }

    /// `bank` connected: if a dial had failed before, its answer is waited for now.
    pub(super) fn on_connected_while_opening(&mut self, bank: BankId) {
        self.opening.unreachable.remove(&bank);
    }

    /// A dial of `peer` failed: the start does not wait for it.
    pub(super) fn on_unreachable(&mut self, peer: PeerId) {
        if let Some(bank) = bank_of(&peer) {
            if self.asking_peers() && !self.handle.presence(&bank).connected {
                self.opening.unreachable.insert(bank);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::signing::bank_id;
    use ed25519_dalek::SigningKey;

    #[test]
    fn a_restarted_bank_waits_for_gwynedd_to_answer_unless_it_cannot_be_reached_or_the_wait_is_over() {
        let [rhymney, gwynedd] = [1u8, 2].map(|b| bank_id(&SigningKey::from_bytes(&[b; 32])));
        let mut opening = Opening::new(Duration::from_secs(10));
        let admitted = || [rhymney, gwynedd].into_iter();
        assert_eq!(opening.waiting_for(admitted()).len(), 2);
        opening.answered.insert(rhymney);
        assert_eq!(opening.waiting_for(admitted()), vec![gwynedd], "Gwynedd has not answered");
        assert!(!may_open(1, false, false));
        assert!(may_open(1, true, false), "the wait is over");
        opening.unreachable.insert(gwynedd);
        assert!(opening.waiting_for(admitted()).is_empty(), "Gwynedd cannot be reached: not waited for");
        assert!(may_open(0, false, false));
        assert!(!may_open(0, true, true), "a recovery from peers, or a fork, comes first");
    }
}
