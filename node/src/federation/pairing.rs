//! Pairs other banks' public statements before they are kept: a transfer
//! (signed by the payer's bank) with its decision (signed by the payee's
//! bank). Only decided pairs are stored, because a bank can sign any number
//! of transfers from itself that no other bank ever accepted, or decisions
//! on transfers that never were; a pair needs two banks' signatures.
//! Halves wait here, in memory and bounded, for their other half (gossip
//! brings the transfer first and the decision later; a payee's public log
//! brings both together).
//!
//! Pure: no I/O; the driver stores what [`Pairing::offer`] completes.

use std::collections::{HashMap, VecDeque};

use amser_protocol::federation::{PublicMessage, TransferId};
use amser_protocol::signing::SignedMessage;
use amser_protocol::BankId;

use crate::storage::store::DecidedPair;

/// Most halves waiting for their other half; the oldest go first.
pub const MAX_WAITING_HALVES: usize = 4096;

#[derive(Default)]
pub struct Pairing {
    /// Transfers waiting for a decision, with the bank that must decide.
    transfers: HashMap<TransferId, (BankId, SignedMessage)>,
    /// Decisions waiting for their transfer, with the bank that decided.
    decisions: HashMap<TransferId, (BankId, SignedMessage)>,
    order: VecDeque<(bool, TransferId)>,
}

impl Pairing {
    /// Offers a checked statement; returns the pair it completes, if any.
    pub fn offer(&mut self, said: &PublicMessage, signed: SignedMessage) -> Option<DecidedPair> {
        let id = said.transfer_id();
        match said {
            PublicMessage::Transfer { transfer, .. } => match self.decisions.get(&id) {
                Some((by, _)) if *by == transfer.to => {
                    let (_, decision) = self.decisions.remove(&id)?;
                    Some(DecidedPair { id, transfer: signed, decision })
                }
                _ => {
                    self.wait(true, id, transfer.to, signed);
                    None
                }
            },
            PublicMessage::Decision(decision) => match self.transfers.get(&id) {
                Some((to, _)) if *to == decision.by => {
                    let (_, transfer) = self.transfers.remove(&id)?;
                    Some(DecidedPair { id, transfer, decision: signed })
                }
                _ => {
                    self.wait(false, id, decision.by, signed);
                    None
                }
            },
        }
    }

    fn wait(&mut self, is_transfer: bool, id: TransferId, bank: BankId, signed: SignedMessage) {
        let map = if is_transfer { &mut self.transfers } else { &mut self.decisions };
        if map.insert(id, (bank, signed)).is_none() {
            self.order.push_back((is_transfer, id));
        }
        while self.order.len() > MAX_WAITING_HALVES {
            if let Some((t, old)) = self.order.pop_front() {
                if t {
                    self.transfers.remove(&old);
                } else {
                    self.decisions.remove(&old);
                }
            }
        }
    }

    /// Halves waiting now.
    pub fn waiting(&self) -> usize {
        self.transfers.len() + self.decisions.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::federation::{Decision, Transfer, Verdict};
    use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind};
    use amser_protocol::{Minutes, ServiceDate};
    use ed25519_dalek::SigningKey;

    fn fed() -> FederationId {
        FederationId::from_name("wales")
    }

    fn transfer(from: &SigningKey, to: BankId, nonce: u8) -> (PublicMessage, SignedMessage) {
        let t = Transfer {
            from: bank_id(from),
            to,
            payer: "rhymney:AAAA-00".parse().unwrap(),
            payee: "gwynedd:BBBB-11".parse().unwrap(),
            minutes: Minutes(60),
            category: "gardening".into(),
            date: ServiceDate(20_000),
            nonce: [nonce; 16],
        };
        let signed = sign(from, MessageKind::Transfer, fed(), t.encode().unwrap()).unwrap();
        (PublicMessage::check(&signed, fed()).unwrap(), signed)
    }

    fn decision(by: &SigningKey, id: TransferId) -> (PublicMessage, SignedMessage) {
        let d = Decision { transfer: id, by: bank_id(by), verdict: Verdict::Accept, decided_ms: 1 };
        let signed = sign(by, MessageKind::Decision, fed(), d.encode().unwrap()).unwrap();
        (PublicMessage::check(&signed, fed()).unwrap(), signed)
    }

    #[test]
    fn a_transfer_and_the_payee_banks_decision_make_a_pair_in_either_order() {
        let (rhymney, gwynedd) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
        let mut pairing = Pairing::default();
        let (t, ts) = transfer(&rhymney, bank_id(&gwynedd), 1);
        let (d, ds) = decision(&gwynedd, t.transfer_id());
        assert_eq!(pairing.offer(&t, ts.clone()), None);
        assert_eq!(pairing.offer(&d, ds.clone()), Some(DecidedPair { id: t.transfer_id(), transfer: ts.clone(), decision: ds.clone() }));
        assert_eq!(pairing.waiting(), 0);
        assert!(pairing.offer(&d, ds.clone()).is_none());
        assert!(pairing.offer(&t, ts.clone()).is_some(), "decision first, then the transfer");
    }

    #[test]
    fn a_decision_by_a_bank_that_was_not_the_payee_pairs_with_nothing() {
        let (rhymney, gwynedd, mallory) =
            (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[3; 32]));
        let mut pairing = Pairing::default();
        let (t, ts) = transfer(&rhymney, bank_id(&gwynedd), 1);
        let (d, ds) = decision(&mallory, t.transfer_id());
        assert_eq!(pairing.offer(&t, ts), None);
        assert_eq!(pairing.offer(&d, ds), None);
    }

    #[test]
    fn a_flood_of_transfers_nobody_decided_stays_within_the_bound() {
        let (mallory, gwynedd) = (SigningKey::from_bytes(&[3; 32]), SigningKey::from_bytes(&[2; 32]));
        let mut pairing = Pairing::default();
        for n in 0..=255u8 {
            for k in 0..17u8 {
                let mut key = [3u8; 32];
                key[0] = k;
                let (t, ts) = transfer(&SigningKey::from_bytes(&key), bank_id(&gwynedd), n);
                pairing.offer(&t, ts);
            }
        }
        let (t, ts) = transfer(&mallory, bank_id(&gwynedd), 0);
        pairing.offer(&t, ts);
        assert!(pairing.waiting() <= MAX_WAITING_HALVES, "{}", pairing.waiting());
    }
}
