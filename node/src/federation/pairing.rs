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

/// Most halves waiting for their other half; the oldest of the bank with
/// the most go first.
pub const MAX_WAITING_HALVES: usize = 4096;
/// Most halves waiting on one bank's word; its oldest go first.
pub const MAX_WAITING_PER_BANK: usize = 512;

#[derive(Default)]
pub struct Pairing {
    /// Transfers waiting for a decision, with the bank that must decide.
    transfers: HashMap<TransferId, (BankId, SignedMessage)>,
    /// Decisions waiting for their transfer, with the bank that decided.
    decisions: HashMap<TransferId, (BankId, SignedMessage)>,
    /// The halves waiting on each bank's word, oldest first.
    order: HashMap<BankId, VecDeque<(bool, TransferId)>>,
    /// Places in `order`, including those of halves paired since.
    queued: usize,
}

impl Pairing {
    /// Offers a checked statement that came on `charged`'s word (its signer
    /// when we know that bank, else the bank whose log brought it); returns
    /// the pair it completes, if any.
    pub fn offer(&mut self, said: &PublicMessage, signed: SignedMessage, charged: BankId) -> Option<DecidedPair> {
        let id = said.transfer_id();
        match said {
            PublicMessage::Transfer { transfer, .. } => match self.decisions.get(&id) {
                Some((by, _)) if *by == transfer.to => {
                    let (_, decision) = self.decisions.remove(&id)?;
                    Some(DecidedPair { id, transfer: signed, decision })
                }
                _ => {
                    self.wait(true, id, transfer.to, signed, charged);
                    None
                }
            },
            PublicMessage::Decision(decision) => match self.transfers.get(&id) {
                Some((to, _)) if *to == decision.by => {
                    let (_, transfer) = self.transfers.remove(&id)?;
                    Some(DecidedPair { id, transfer, decision: signed })
                }
                _ => {
                    self.wait(false, id, decision.by, signed, charged);
                    None
                }
            },
        }
    }

    /// A decision waiting for its transfer, if one is.
    pub fn waiting_decision(&self, id: &TransferId) -> Option<SignedMessage> {
        self.decisions.get(id).map(|(_, d)| d.clone())
    }

    fn wait(&mut self, is_transfer: bool, id: TransferId, bank: BankId, signed: SignedMessage, charged: BankId) {
        let map = if is_transfer { &mut self.transfers } else { &mut self.decisions };
        if map.insert(id, (bank, signed)).is_some() {
            return;
        }
        self.order.entry(charged).or_default().push_back((is_transfer, id));
        self.queued += 1;
        if self.order.get(&charged).is_some_and(|q| q.len() > MAX_WAITING_PER_BANK) {
            self.compact();
            if self.order.get(&charged).is_some_and(|q| q.len() > MAX_WAITING_PER_BANK) {
                self.drop_oldest(charged);
            }
        }
        if self.queued > MAX_WAITING_HALVES {
            self.compact();
            while self.queued > MAX_WAITING_HALVES {
                let Some(busiest) = self.order.iter().max_by_key(|(_, q)| q.len()).map(|(b, _)| *b) else { break };
                self.drop_oldest(busiest);
            }
        }
    }

    /// Forgets the places of halves paired since (no longer in their map).
    fn compact(&mut self) {
        let (transfers, decisions) = (&self.transfers, &self.decisions);
        for queue in self.order.values_mut() {
            queue.retain(|(t, id)| if *t { transfers.contains_key(id) } else { decisions.contains_key(id) });
        }
        self.order.retain(|_, q| !q.is_empty());
        self.queued = self.order.values().map(VecDeque::len).sum();
    }

    /// Drops the oldest half waiting on `bank`'s word (after [`Pairing::compact`], all are live).
    fn drop_oldest(&mut self, bank: BankId) {
        let Some(queue) = self.order.get_mut(&bank) else { return };
        if let Some((t, old)) = queue.pop_front() {
            self.queued -= 1;
            if t {
                self.transfers.remove(&old);
            } else {
                self.decisions.remove(&old);
            }
        }
        if queue.is_empty() {
            self.order.remove(&bank);
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
        assert_eq!(pairing.offer(&t, ts.clone(), t.signer()), None);
        assert_eq!(
            pairing.offer(&d, ds.clone(), d.signer()),
            Some(DecidedPair { id: t.transfer_id(), transfer: ts.clone(), decision: ds.clone() })
        );
        assert_eq!(pairing.waiting(), 0);
        assert!(pairing.offer(&d, ds.clone(), d.signer()).is_none());
        assert!(pairing.offer(&t, ts.clone(), t.signer()).is_some(), "decision first, then the transfer");
    }

    #[test]
    fn a_decision_by_a_bank_that_was_not_the_payee_pairs_with_nothing() {
        let (rhymney, gwynedd, mallory) =
            (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[3; 32]));
        let mut pairing = Pairing::default();
        let (t, ts) = transfer(&rhymney, bank_id(&gwynedd), 1);
        let (d, ds) = decision(&mallory, t.transfer_id());
        assert_eq!(pairing.offer(&t, ts, t.signer()), None);
        assert_eq!(pairing.offer(&d, ds, d.signer()), None);
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
                pairing.offer(&t, ts, t.signer());
            }
        }
        let (t, ts) = transfer(&mallory, bank_id(&gwynedd), 0);
        pairing.offer(&t, ts, t.signer());
        assert!(pairing.waiting() <= MAX_WAITING_HALVES, "{}", pairing.waiting());
    }

    #[test]
    fn one_banks_flood_does_not_push_out_another_banks_half() {
        let (rhymney, gwynedd, mallory) =
            (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[3; 32]));
        let mut pairing = Pairing::default();
        let (t, ts) = transfer(&rhymney, bank_id(&gwynedd), 1);
        pairing.offer(&t, ts, t.signer());
        // Mallory's log brings transfers to it from keys nobody knows, never decided.
        for n in 0..2 * MAX_WAITING_PER_BANK {
            let mut key = [9u8; 32];
            key[..8].copy_from_slice(&(n as u64).to_le_bytes());
            let (ft, fts) = transfer(&SigningKey::from_bytes(&key), bank_id(&mallory), 1);
            pairing.offer(&ft, fts, bank_id(&mallory));
        }
        assert_eq!(pairing.waiting(), 1 + MAX_WAITING_PER_BANK);
        let (d, ds) = decision(&gwynedd, t.transfer_id());
        assert!(pairing.offer(&d, ds, d.signer()).is_some(), "Rhymney's transfer still waits for Gwynedd's decision");
    }
}
