//! The start gate: after a start, a bank with admitted peers records
//! nothing new until they have said what they hold of its journal.
//!
//! ```text
//!   Node::start ──► shut (AskingPeers)          every new command refused: 503 asking_peers
//!   federation/opening.rs: every admitted peer answered the head check
//!     (or could not be reached), or start_check_secs passed, and no halt
//!     ──► answered                              start-up's own writes go through (passes())
//!   Node::start's start-up task: policy, erasures, confirmed proposals
//!     ──► open                                  everything goes through again
//! ```
//!
//! Why: a journal that lost its end (a disk that went read-only, an old copy
//! put back) would otherwise number new entries with seqs its peers have seen
//! signed heads for, in the moments before the first peer answers: two
//! histories under one bank's signature. Recovery's own commands are never
//! held (they put back what peers hold).

use std::sync::Arc;

use tokio::sync::watch;

use crate::ledger::LedgerError;

/// Where a start stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Anything may be recorded.
    Open,
    /// Waiting for admitted peers' answers, at most `wait_secs` from the start.
    AskingPeers { wait_secs: u64 },
    /// Peers answered: only the start-up's own writes go through, then it opens.
    Answered { wait_secs: u64 },
}

/// Shared by every clone of a ledger handle.
#[derive(Clone)]
pub struct StartGate {
    phase: Arc<watch::Sender<Phase>>,
}

impl Default for StartGate {
    fn default() -> Self {
        StartGate { phase: Arc::new(watch::channel(Phase::Open).0) }
    }
}

impl StartGate {
    /// Holds new work until peers answer (at most `wait_secs`).
    pub fn shut(&self, wait_secs: u64) {
        self.phase.send_replace(Phase::AskingPeers { wait_secs });
    }

    /// Peers have answered: the start-up's own writes may go through.
    pub fn answered(&self) {
        self.phase.send_if_modified(|p| {
            let Phase::AskingPeers { wait_secs } = *p else { return false };
            *p = Phase::Answered { wait_secs };
            true
        });
    }

    /// Everything may be recorded again.
    pub fn open(&self) {
        self.phase.send_replace(Phase::Open);
    }

    pub fn phase(&self) -> Phase {
        *self.phase.borrow()
    }

    /// Waits until peers have answered (or the gate was never shut).
    pub async fn until_answered(&self) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| !matches!(p, Phase::AskingPeers { .. })).await;
    }

    /// Waits until anything may be recorded again.
    pub async fn until_open(&self) {
        let mut rx = self.phase.subscribe();
        let _ = rx.wait_for(|p| *p == Phase::Open).await;
    }

    /// Why a command that does not pass the gate is refused now, if it is.
    pub fn refusal(&self, passes: bool) -> Option<LedgerError> {
        match self.phase() {
            Phase::Open => None,
            Phase::Answered { .. } if passes => None,
            Phase::AskingPeers { wait_secs } | Phase::Answered { wait_secs } => Some(LedgerError::AskingPeers { wait_secs }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_restarted_bank_records_nothing_until_its_peers_answer_then_its_own_start_up_then_everyone() {
        let gate = StartGate::default();
        assert_eq!(gate.refusal(false), None, "a bank with no peers is never held");
        gate.shut(10);
        assert!(matches!(gate.refusal(false), Some(LedgerError::AskingPeers { wait_secs: 10 })));
        assert!(gate.refusal(true).is_some(), "not even the start-up's writes before peers answer");
        let waiting = {
            let gate = gate.clone();
            tokio::spawn(async move { gate.until_answered().await })
        };
        gate.answered();
        waiting.await.unwrap();
        assert_eq!(gate.refusal(true), None, "the start-up's own writes go through");
        assert!(matches!(gate.refusal(false), Some(LedgerError::AskingPeers { wait_secs: 10 })), "a member's exchange waits for them");
        gate.open();
        assert_eq!(gate.refusal(false), None);
        gate.answered();
        assert_eq!(gate.phase(), Phase::Open, "a late answer does not shut an open gate");
    }
}
