//! A transfer along a path of trust lines: a Cardiff member helps a Rhymney
//! member, and Rhymney and Cardiff have no line of their own, but both have
//! one with Gwynedd. The payer's bank signs a [`RoutedTransfer`]: the
//! transfer (its `from` is the payer's bank, its `to` the payee's) and the
//! path `[payer bank, hop, ..., payee bank]`, so no hop can change either.
//!
//! ```text
//!  Rhymney ──Deliver──► Gwynedd (holds: Rhymney owes it, it owes Cardiff) ──Deliver──► Cardiff decides, signs
//!  Rhymney ◄─Decided─── Gwynedd ◄──────────────────────────────────────────Decided─── (and gossips the decision)
//! ```
//!
//! Only the payee's bank accepts; the one signed acceptance settles every
//! hop, by whatever route it reaches each bank. A hop that cannot carry the
//! transfer (its line with the bank before is full or frozen, the bank
//! after is not one it admitted) signs a rejection instead of passing it
//! on; the banks before it release their holds on a rejection signed by
//! any bank after them on the path.

use serde::{Deserialize, Serialize};

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::federation::{Transfer, TransferId};
use crate::ids::{hash_with, BankId};
use crate::limits::MAX_SIGNED_MESSAGE_BYTES;

/// blake3 context of routed transfers' ids (never equal to a direct transfer's).
pub const ROUTED_TRANSFER_CONTEXT: &str = "amser/v1 routed-transfer-id";

/// Most trust lines a path crosses (as Komunitin's path payments).
pub const MAX_PATH_LINES: usize = 4;

/// A transfer and the banks it goes through, signed by the payer's bank
/// (`MessageKind::RoutedTransfer`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutedTransfer {
    pub transfer: Transfer,
    /// `[transfer.from, hop, ..., transfer.to]`: at least one hop, at most
    /// [`MAX_PATH_LINES`] lines, no bank twice.
    pub path: Vec<BankId>,
}

/// Where a bank stands on a routed transfer's path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    /// The payer's bank; the next bank on the path.
    Payer { next: BankId },
    /// A hop between the bank before it and the bank after it.
    Hop { before: BankId, after: BankId },
    /// The payee's bank; the bank before it, which delivers.
    Payee { before: BankId },
}

impl RoutedTransfer {
    /// The transfer's id: the hash of the transfer alone, under its own
    /// context, so a request retried along another path (the adverts changed
    /// meanwhile) is the same transfer, and a bank on the way that holds one
    /// knows the other.
    pub fn id(&self) -> Result<TransferId, EncodeError> {
        Self::id_of(&self.transfer)
    }

    /// The id `transfer` has when it goes along a path.
    pub fn id_of(transfer: &Transfer) -> Result<TransferId, EncodeError> {
        Ok(TransferId(hash_with(ROUTED_TRANSFER_CONTEXT, &transfer.encode()?)))
    }

    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("routed transfer", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<RoutedTransfer, DecodeError> {
        decode("routed transfer", bytes, MAX_SIGNED_MESSAGE_BYTES)
    }

    /// What can be checked without any bank's state: the transfer's own
    /// shape, and a path from its payer's bank to its payee's with at least
    /// one hop, at most [`MAX_PATH_LINES`] lines and no bank twice.
    pub fn check_shape(&self) -> Result<(), String> {
        self.transfer.check_shape()?;
        let lines = self.path.len().saturating_sub(1);
        if !(2..=MAX_PATH_LINES).contains(&lines) {
            return Err(format!("a path must cross 2 to {MAX_PATH_LINES} trust lines, not {lines}"));
        }
        if self.path.first() != Some(&self.transfer.from) || self.path.last() != Some(&self.transfer.to) {
            return Err("a path must start at the payer's bank and end at the payee's".into());
        }
        for (i, bank) in self.path.iter().enumerate() {
            if self.path[..i].contains(bank) {
                return Err("a path must not pass through one bank twice".into());
            }
        }
        Ok(())
    }

    /// Where `bank` stands on the path, if it is on it (the path is assumed
    /// well formed: see [`RoutedTransfer::check_shape`]).
    pub fn place_of(&self, bank: &BankId) -> Option<Place> {
        let at = self.path.iter().position(|b| b == bank)?;
        let last = self.path.len() - 1;
        Some(match at {
            0 => Place::Payer { next: *self.path.get(1)? },
            i if i == last => Place::Payee { before: self.path[i - 1] },
            i => Place::Hop { before: self.path[i - 1], after: self.path[i + 1] },
        })
    }

    /// Whether `by` comes after `bank` on the path (a rejection it signed
    /// releases `bank`'s hold).
    pub fn is_after(&self, by: &BankId, bank: &BankId) -> bool {
        match (self.path.iter().position(|b| b == bank), self.path.iter().position(|b| b == by)) {
            (Some(us), Some(them)) => them > us,
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Minutes, ServiceDate};

    fn bank(n: u8) -> BankId {
        BankId([n; 32])
    }

    fn rhymney_to_cardiff_through(hops: &[u8]) -> RoutedTransfer {
        let transfer = Transfer {
            from: bank(1),
            to: bank(3),
            payer: "rhymney:AAAA-00".parse().unwrap(),
            payee: "cardiff:BBBB-11".parse().unwrap(),
            minutes: Minutes(120),
            category: "gardening".into(),
            date: ServiceDate(20_000),
            nonce: [0; 16],
        };
        let mut path = vec![bank(1)];
        path.extend(hops.iter().map(|&n| bank(n)));
        path.push(bank(3));
        RoutedTransfer { transfer, path }
    }

    #[test]
    fn rhymney_pays_cardiff_through_gwynedd_and_every_bank_knows_its_place() {
        let routed = rhymney_to_cardiff_through(&[2]);
        assert_eq!(routed.check_shape(), Ok(()));
        assert_eq!(routed.place_of(&bank(1)), Some(Place::Payer { next: bank(2) }));
        assert_eq!(routed.place_of(&bank(2)), Some(Place::Hop { before: bank(1), after: bank(3) }));
        assert_eq!(routed.place_of(&bank(3)), Some(Place::Payee { before: bank(2) }));
        assert_eq!(routed.place_of(&bank(9)), None);
        assert!(routed.is_after(&bank(3), &bank(2)) && routed.is_after(&bank(2), &bank(1)));
        assert!(!routed.is_after(&bank(1), &bank(2)) && !routed.is_after(&bank(2), &bank(2)));
    }

    #[test]
    fn a_routed_transfer_has_another_id_than_the_same_transfer_sent_direct_and_the_same_along_any_path() {
        let routed = rhymney_to_cardiff_through(&[2]);
        assert_ne!(routed.id().unwrap(), routed.transfer.id().unwrap());
        assert_eq!(routed.id().unwrap(), rhymney_to_cardiff_through(&[4]).id().unwrap(), "a retry along another path is the same transfer");
    }

    #[test]
    fn a_path_with_no_hop_too_many_hops_a_loop_or_the_wrong_ends_is_not_well_formed() {
        assert!(rhymney_to_cardiff_through(&[]).check_shape().unwrap_err().contains("2 to 4"));
        assert!(rhymney_to_cardiff_through(&[4, 5, 6]).check_shape().is_ok());
        assert!(rhymney_to_cardiff_through(&[4, 5, 6, 7]).check_shape().unwrap_err().contains("2 to 4"));
        assert!(rhymney_to_cardiff_through(&[2, 4, 2]).check_shape().unwrap_err().contains("twice"));
        assert!(rhymney_to_cardiff_through(&[1]).check_shape().unwrap_err().contains("twice"));
        let mut wrong_end = rhymney_to_cardiff_through(&[2]);
        wrong_end.path[2] = bank(5);
        assert!(wrong_end.check_shape().unwrap_err().contains("start at the payer"));
    }
}
