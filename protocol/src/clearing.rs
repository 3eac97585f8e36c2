//! Cycle clearing between banks: when Rhymney's members owe Gwynedd,
//! Gwynedd's owe Cardiff and Cardiff's owe Rhymney, the three banks cancel
//! the same amount off each of the three debts. Every bank's net position
//! and every member's balance stay as they were; the trust lines have room
//! again.
//!
//! The proposer signs a [`Clearing`] of the ring of debts (`ring[0]`, the
//! proposer, owes `ring[1]`, ..., the last owes `ring[0]`). It goes round
//! against the debts (proposer → last → ... → `ring[1]` → proposer), each
//! bank checking that it owes the bank it came from and is owed by the bank
//! it goes to at least the amount, and promising it; back at the proposer,
//! the proposer signs the decision that applies it at every bank (a
//! `federation::Decision` on the clearing's id). A bank that will not sign
//! signs a rejection, which releases every promise before it.
//!
//! ```text
//!  debts:   Rhymney ──owes──► Gwynedd ──owes──► Cardiff ──owes──► Rhymney
//!  way:     Rhymney ──► Cardiff ──► Gwynedd ──► Rhymney (decides, signs)
//! ```

use serde::{Deserialize, Serialize};

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::federation::TransferId;
use crate::ids::{hash_with, BankId};
use crate::limits::MAX_SIGNED_MESSAGE_BYTES;
use crate::minutes::Minutes;

/// blake3 context of clearings' ids (never equal to a transfer's).
pub const CLEARING_CONTEXT: &str = "amser/v1 clearing-id";

/// The most banks on one ring: each must sign, and a long ring is slow to
/// go round and easy for one bank to stall (`region::cycles` finds no longer).
pub const MAX_RING_BANKS: usize = 8;

/// Fewest banks on a ring: two banks' debts to each other are one account.
pub const MIN_RING_BANKS: usize = 3;

/// A proposal to cancel `minutes` off every debt on a ring, signed by its
/// proposer (`MessageKind::Clearing`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clearing {
    /// `ring[0]`, the bank that proposes it and decides it.
    pub proposer: BankId,
    /// Each bank owes the next; the last owes the first.
    pub ring: Vec<BankId>,
    pub minutes: Minutes,
    /// When it was proposed (unix ms): two proposals of one ring are two clearings.
    pub proposed_ms: u64,
}

/// A bank's neighbours on a ring of debts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbours {
    /// The bank it owes (its debt goes down by the amount).
    pub owes: BankId,
    /// The bank that owes it (that debt goes down by the amount).
    pub owed_by: BankId,
}

impl Clearing {
    /// The clearing's id: a transfer id in type, under its own context.
    pub fn id(&self) -> Result<TransferId, EncodeError> {
        Ok(TransferId(hash_with(CLEARING_CONTEXT, &self.encode()?)))
    }

    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("clearing", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Clearing, DecodeError> {
        decode("clearing", bytes, MAX_SIGNED_MESSAGE_BYTES)
    }

    /// A ring of [`MIN_RING_BANKS`] to [`MAX_RING_BANKS`] banks, no bank
    /// twice, starting at its proposer, and an amount above nothing.
    pub fn check_shape(&self) -> Result<(), String> {
        if !(MIN_RING_BANKS..=MAX_RING_BANKS).contains(&self.ring.len()) {
            return Err(format!("a ring has {MIN_RING_BANKS} to {MAX_RING_BANKS} banks, not {}", self.ring.len()));
        }
        if self.ring[0] != self.proposer {
            return Err("a ring starts at the bank that proposes clearing it".into());
        }
        for (i, bank) in self.ring.iter().enumerate() {
            if self.ring[..i].contains(bank) {
                return Err("a ring must not pass through one bank twice".into());
            }
        }
        if self.minutes.0 <= 0 || self.minutes.0 > crate::limits::MAX_PARSE_MINUTES {
            return Err(format!("{} minutes is not an amount a clearing may cancel", self.minutes.0));
        }
        Ok(())
    }

    /// The banks in the order the proposal travels: the proposer, then
    /// the ring backwards, then the proposer again.
    pub fn way(&self) -> Vec<BankId> {
        let mut way = vec![self.proposer];
        way.extend(self.ring[1..].iter().rev());
        way.push(self.proposer);
        way
    }

    /// `bank`'s neighbours on the ring, if it is on it.
    pub fn neighbours(&self, bank: &BankId) -> Option<Neighbours> {
        let n = self.ring.len();
        let at = self.ring.iter().position(|b| b == bank)?;
        Some(Neighbours { owes: self.ring[(at + 1) % n], owed_by: self.ring[(at + n - 1) % n] })
    }

    /// Whether a rejection signed by `by` releases `bank`'s promise: `by`
    /// is on the ring and the proposal reached it after `bank` (the
    /// proposer is released by any bank's rejection).
    pub fn reached_after(&self, by: &BankId, bank: &BankId) -> bool {
        let way = self.way();
        let at = |b: &BankId| way[..way.len() - 1].iter().position(|x| x == b);
        matches!((at(bank), at(by)), (Some(us), Some(them)) if them > us)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bank(n: u8) -> BankId {
        BankId([n; 32])
    }

    fn rhymney_gwynedd_cardiff() -> Clearing {
        Clearing { proposer: bank(1), ring: vec![bank(1), bank(2), bank(3)], minutes: Minutes(60), proposed_ms: 1 }
    }

    #[test]
    fn a_clearing_goes_round_against_the_debts_and_each_bank_knows_whom_it_owes() {
        let c = rhymney_gwynedd_cardiff();
        assert_eq!(c.check_shape(), Ok(()));
        assert_eq!(c.way(), [bank(1), bank(3), bank(2), bank(1)]);
        assert_eq!(c.neighbours(&bank(1)), Some(Neighbours { owes: bank(2), owed_by: bank(3) }));
        assert_eq!(c.neighbours(&bank(3)), Some(Neighbours { owes: bank(1), owed_by: bank(2) }));
        assert_eq!(c.neighbours(&bank(9)), None);
        assert!(c.reached_after(&bank(2), &bank(3)) && c.reached_after(&bank(3), &bank(1)));
        assert!(!c.reached_after(&bank(3), &bank(2)) && !c.reached_after(&bank(1), &bank(2)));
        assert_ne!(c.id().unwrap(), Clearing { proposed_ms: 2, ..c.clone() }.id().unwrap());
    }

    #[test]
    fn a_ring_of_two_a_ring_with_a_bank_twice_or_nothing_to_cancel_is_not_well_formed() {
        let c = rhymney_gwynedd_cardiff();
        assert!(Clearing { ring: vec![bank(1), bank(2)], ..c.clone() }.check_shape().unwrap_err().contains("3 to 8"));
        assert!(Clearing { ring: vec![bank(1), bank(2), bank(2)], ..c.clone() }.check_shape().unwrap_err().contains("twice"));
        assert!(Clearing { ring: vec![bank(2), bank(1), bank(3)], ..c.clone() }.check_shape().unwrap_err().contains("proposes"));
        assert!(Clearing { minutes: Minutes(0), ..c }.check_shape().unwrap_err().contains("amount"));
    }
}
