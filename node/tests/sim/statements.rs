//! What a bank does with other banks' statements as they reach it, as the
//! node's `statements.rs` and `gossip.rs` do: a decision settles our pending
//! transfer and is compared with the one we hold (two verdicts from one bank
//! are evidence); evidence is handed to the ledger, which freezes the line
//! (once per piece of evidence), and gossiped on once recorded.
//!
//! One difference, on purpose: the node's driver hands the ledger evidence
//! only against banks it admitted; here every evidence that checks out
//! reaches the ledger, so the ledger's own rule is what keeps a stranger's out.

use amser_node::ledger::{Command, LedgerError};
use amser_protocol::federation::{Equivocation, Evidence};
use amser_protocol::signing::SignedMessage;
use amser_protocol::BankId;

use super::bank::{Recorded, Submitted};
use super::net::Wire;
use super::World;

impl World {
    /// A decision reaches bank `to`, as the answer to its delivery or in gossip.
    pub(super) fn hear_decision(&mut self, to: usize, signed: SignedMessage) -> Result<(), String> {
        let now = self.bank_now(to);
        match self.banks[to].submit(Command::ApplyDecision { signed: signed.clone() }, now, self.mutation) {
            Ok(Submitted::Known { recorded: Recorded::Transfer(id), .. }) => {
                let held = self.banks[to].state.transfers.get(&id).and_then(|t| t.signed_decision.clone());
                if let Some(first) = held.filter(|d| *d != signed) {
                    let evidence = Evidence { first, second: signed };
                    if let Ok((against, Equivocation::Decisions { .. })) = evidence.check(self.federation) {
                        self.note(|| format!("bank {to} holds two verdicts from {against} on transfer {id:?}"));
                        self.tell(to, against, evidence)?;
                    }
                }
                Ok(())
            }
            Ok(_) => Ok(()),
            Err(e) => self.refused(to, e),
        }
    }

    /// Gossiped evidence reaches bank `to`.
    pub(super) fn hear_evidence(&mut self, to: usize, evidence: Evidence) -> Result<(), String> {
        match evidence.check(self.federation) {
            Ok((against, _)) => self.tell(to, against, evidence),
            Err(_) => Ok(()),
        }
    }

    /// Bank `b` hands evidence against `against` to its ledger; once recorded
    /// (and durable) it gossips it to every other bank.
    pub(super) fn tell(&mut self, b: usize, against: BankId, evidence: Evidence) -> Result<(), String> {
        let now = self.bank_now(b);
        match self.banks[b].submit(Command::RecordEvidence { against, evidence: evidence.clone() }, now, self.mutation) {
            Ok(Submitted::Wrote(entry)) => {
                self.tally.evidence_recorded += 1;
                self.note(|| format!("bank {b} recorded evidence against {against} (entry {}): the line is frozen", entry.seq));
                for o in (0..self.banks.len()).filter(|o| *o != b) {
                    self.hold(b, entry.seq, o, Wire::Evidence(Box::new(evidence.clone())));
                }
                Ok(())
            }
            Ok(Submitted::Known { .. }) => Ok(()),
            Err(e) => {
                if matches!(e, LedgerError::EvidenceHandled(_)) {
                    self.tally.evidence_handled += 1;
                }
                self.refused(b, e)
            }
        }
    }
}
