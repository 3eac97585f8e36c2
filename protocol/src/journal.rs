//! The bank's journal: an append-only list of entries, each naming the hash
//! of the one before, from which every balance is derived. Mistakes are fixed
//! by new entries (reversals), never by edits.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::clearing::Clearing;
use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::exchange::{Exchange, Reversal};
use crate::federation::{Decision, Evidence, PeerLine, Transfer, TransferId};
use crate::ids::MemberCode;
use crate::ids::{context, hash_with, BankId, EntryHash, Handle, ListingId};
use crate::limits::MAX_ENTRY_BYTES;
use crate::listing::Listing;
use crate::member::Member;
use crate::policy::Policy;
use crate::route::RoutedTransfer;
use crate::sealed::Sealed;
use crate::signing::SignedMessage;

/// Who the bank is, written once as the first entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankProfile {
    pub bank: BankId,
    pub name: String,
    pub handle: Handle,
    pub region: String,
}

/// What happened. The variant is the entry's kind.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum EntryBody {
    BankOpened {
        profile: BankProfile,
        policy: Policy,
    },
    PolicyChanged {
        policy: Policy,
    },
    MemberJoined {
        member: Member,
        number: u64,
    },
    MemberUpdated {
        member: Member,
    },
    /// A member's personal data erased at their request: their record loses
    /// its sealed details and their key is destroyed, so what the journal
    /// holds sealed under it can never be read again; their balance and
    /// every exchange's hours stay. `reason` is the coordinator's words and
    /// must not repeat the member's personal data.
    MemberErased {
        member: MemberCode,
        reason: String,
    },
    ExchangeRecorded {
        exchange: Exchange,
    },
    ExchangeReversed {
        reversal: Reversal,
    },
    ListingPosted {
        listing: Listing,
    },
    ListingClosed {
        listing: ListingId,
    },
    /// A peer bank admitted, or its trust line changed, frozen or removed.
    PeerLineSet {
        peer: PeerLine,
    },
    /// Payer's side: a transfer signed and sent; the payer's time is held.
    TransferSent {
        transfer: Transfer,
        signed: SignedMessage,
        /// Sealed under the payer's key.
        note: Option<Sealed>,
    },
    /// Payee's side: a transfer received and decided (accepted: payee credited,
    /// clearing account for the payer's bank debited; rejected: nothing moves).
    TransferReceived {
        transfer: Transfer,
        signed: SignedMessage,
        decision: Decision,
        signed_decision: SignedMessage,
        /// Sealed under the payee's key (none when the payee is unknown here).
        note: Option<Sealed>,
    },
    /// Payer's side: the payee bank's decision arrived (accepted: the payer is
    /// debited and our clearing account for that bank credited; rejected: the hold is released).
    TransferSettled {
        transfer: TransferId,
        decision: Decision,
        signed_decision: SignedMessage,
    },
    /// Evidence that a peer signed two different histories; its line is frozen.
    EvidenceRecorded {
        against: BankId,
        evidence: Evidence,
    },
    /// The journal was put back from an older copy, and this bank's peers
    /// hold heads it signed up to `peers_saw`, past where the copy ended
    /// (`journal_ended`): those entries were lost with the disk. This entry
    /// is numbered `peers_saw + RECOVERY_SEQ_MARGIN`, the one gap a journal
    /// may have, so no seq is ever signed with two contents. What the bank
    /// had signed with other banks, read back from them, follows as
    /// `TransferRecalled` entries; what only it held (members who joined,
    /// local exchanges) stays lost.
    Recovered {
        journal_ended: u64,
        peers_saw: u64,
    },
    /// A transfer between this bank and another that this bank had recorded
    /// before its disk was lost, read back from the other bank: the signed
    /// transfer and the payee bank's signed decision, both as first signed.
    TransferRecalled {
        transfer: Transfer,
        signed: SignedMessage,
        decision: Decision,
        signed_decision: SignedMessage,
    },
    /// Payer's side of a transfer along a path (`route`): signed with its
    /// path and sent to the first hop; the payer's time is held.
    RoutedSent {
        routed: RoutedTransfer,
        signed: SignedMessage,
        /// Sealed under the payer's key; it stays here (hops would read it).
        note: Option<Sealed>,
    },
    /// A hop's side: a routed transfer taken from the bank before us on its
    /// path and held on both lines (that bank will owe us, we will owe the
    /// bank after), until the payee bank's decision settles it or a bank
    /// after us rejects it (`TransferSettled`).
    TransferForwarded {
        routed: RoutedTransfer,
        signed: SignedMessage,
    },
    /// Decided here: by the payee's bank (accepted: payee credited, the
    /// clearing account for the bank before us debited), or refused by a
    /// hop that cannot carry it (nothing moves).
    RoutedDecided {
        routed: RoutedTransfer,
        signed: SignedMessage,
        decision: Decision,
        signed_decision: SignedMessage,
    },
    /// A clearing of a ring of debts this bank proposed, or promised when
    /// it came round (`clearing`): nothing moves until its proposer's
    /// signed decision (`ClearingSettled`).
    ClearingPromised {
        clearing: Clearing,
        signed: SignedMessage,
    },
    /// A clearing decided for this bank: by its proposer (accepted: our debt
    /// to the bank we owe and the debt to us of the bank that owes us both
    /// go down by its amount, members untouched), or rejected by a bank it
    /// reached after us, or by us (then there is no promise to release).
    ClearingSettled {
        clearing: Clearing,
        signed: SignedMessage,
        decision: Decision,
        signed_decision: SignedMessage,
    },
    /// A member moved to another bank (`to` is their code there): their
    /// status is `moved`, and their balance, if above nothing, goes with
    /// them as one signed transfer to that bank, sent and held as any other
    /// (`signed` is the payer bank's signature over `transfer`).
    MemberMoved {
        member: MemberCode,
        to: MemberCode,
        transfer: Option<Transfer>,
        signed: Option<SignedMessage>,
    },
    /// A routed transfer this bank had recorded on its way (as its payer's
    /// bank, a hop or its payee's bank) before its disk was lost, read back
    /// from another bank on the way: the signed routed transfer and the
    /// signed decision that ended it (the payee bank's, or a refusing hop's),
    /// both as first signed. As `TransferRecalled`, for a path.
    RoutedRecalled {
        routed: RoutedTransfer,
        signed: SignedMessage,
        decision: Decision,
        signed_decision: SignedMessage,
    },
    /// A listing shared in the federation directory (`shared`), with the
    /// title its coordinator wrote for it (sealed under the member's key,
    /// like the description, so an erasure takes it too), or withdrawn
    /// from it (no title).
    ListingShared {
        listing: ListingId,
        shared: bool,
        title: Option<Sealed>,
    },
    /// A visitor registered on a letter of introduction from their home
    /// bank (`signed`, verified when it was taken): a member as
    /// `MemberJoined`, who is visiting until the letter's last day.
    VisitorJoined {
        member: Member,
        number: u64,
        /// What the letter says, and the letter as signed.
        visit: crate::introduction::Introduction,
        letter: SignedMessage,
    },
    /// This bank signed a letter introducing its member to another bank
    /// for a visit (`introduction::Introduction`), kept as it was given.
    MemberIntroduced {
        member: MemberCode,
        letter: SignedMessage,
    },
}

impl EntryBody {
    /// The kind's name, for people and exports.
    pub fn kind(&self) -> &'static str {
        match self {
            EntryBody::BankOpened { .. } => "bank-opened",
            EntryBody::PolicyChanged { .. } => "policy-changed",
            EntryBody::MemberJoined { .. } => "member-joined",
            EntryBody::MemberUpdated { .. } => "member-updated",
            EntryBody::MemberErased { .. } => "member-erased",
            EntryBody::ExchangeRecorded { .. } => "exchange-recorded",
            EntryBody::ExchangeReversed { .. } => "exchange-reversed",
            EntryBody::ListingPosted { .. } => "listing-posted",
            EntryBody::ListingClosed { .. } => "listing-closed",
            EntryBody::PeerLineSet { .. } => "peer-line-set",
            EntryBody::TransferSent { .. } => "transfer-sent",
            EntryBody::TransferReceived { .. } => "transfer-received",
            EntryBody::TransferSettled { .. } => "transfer-settled",
            EntryBody::EvidenceRecorded { .. } => "evidence-recorded",
            EntryBody::Recovered { .. } => "recovered",
            EntryBody::TransferRecalled { .. } => "transfer-recalled",
            EntryBody::RoutedSent { .. } => "routed-sent",
            EntryBody::TransferForwarded { .. } => "transfer-forwarded",
            EntryBody::RoutedDecided { .. } => "routed-decided",
            EntryBody::ClearingPromised { .. } => "clearing-promised",
            EntryBody::ClearingSettled { .. } => "clearing-settled",
            EntryBody::MemberMoved { .. } => "member-moved",
            EntryBody::RoutedRecalled { .. } => "routed-recalled",
            EntryBody::ListingShared { .. } => "listing-shared",
            EntryBody::VisitorJoined { .. } => "visitor-joined",
            EntryBody::MemberIntroduced { .. } => "member-introduced",
        }
    }

    /// The seq of this entry when it follows entry `previous`: the next one,
    /// except for `Recovered`, which jumps past every head the peers hold.
    pub fn seq_after(&self, previous: u64) -> u64 {
        match self {
            EntryBody::Recovered { peers_saw, .. } => {
                peers_saw.saturating_add(crate::limits::RECOVERY_SEQ_MARGIN).max(previous.saturating_add(1))
            }
            _ => previous.saturating_add(1),
        }
    }
}

/// One journal entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalEntry {
    /// Position in the journal, from 1, without gaps but one kind: a
    /// `Recovered` entry jumps (see [`EntryBody::seq_after`]).
    pub seq: u64,
    /// Hash of the entry before (all zeros for the first).
    pub prev_hash: EntryHash,
    /// When it was written (unix ms); informational only.
    pub time_ms: u64,
    pub body: EntryBody,
}

/// A journal that does not verify, naming the entry where it breaks.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ChainError {
    #[error("journal entry {found} follows entry {previous}; entries must be numbered without gaps")]
    Gap { previous: u64, found: u64 },
    #[error("journal entry {seq} does not name the hash of entry {}: the journal was changed or damaged at or before entry {seq}", seq - 1)]
    BrokenLink { seq: u64 },
    #[error("the first journal entry must open the bank")]
    NoOpening,
}

impl JournalEntry {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("journal entry", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<JournalEntry, DecodeError> {
        decode("journal entry", bytes, MAX_ENTRY_BYTES)
    }

    /// The entry's hash over its canonical bytes.
    pub fn hash_of_bytes(bytes: &[u8]) -> EntryHash {
        EntryHash(hash_with(context::JOURNAL_ENTRY, bytes))
    }

    pub fn hash(&self) -> Result<EntryHash, EncodeError> {
        Ok(Self::hash_of_bytes(&self.encode()?))
    }

    /// Checks that this entry follows `previous` (seq and hash), or is a
    /// proper first entry when there is none.
    pub fn check_follows(&self, previous: Option<(u64, EntryHash)>) -> Result<(), ChainError> {
        match previous {
            None => {
                if self.seq != 1 || !matches!(self.body, EntryBody::BankOpened { .. }) || self.prev_hash != EntryHash::default() {
                    return Err(ChainError::NoOpening);
                }
            }
            Some((seq, hash)) => {
                if let EntryBody::Recovered { journal_ended, .. } = &self.body {
                    if *journal_ended != seq {
                        return Err(ChainError::Gap { previous: seq, found: self.seq });
                    }
                }
                if self.seq != self.body.seq_after(seq) {
                    return Err(ChainError::Gap { previous: seq, found: self.seq });
                }
                if self.prev_hash != hash {
                    return Err(ChainError::BrokenLink { seq: self.seq });
                }
            }
        }
        Ok(())
    }
}

/// A bank's latest position: what it signs and gossips so peers can detect
/// a changed history (two heads with one seq).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalHead {
    pub bank: BankId,
    pub seq: u64,
    pub hash: EntryHash,
    pub time_ms: u64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::limits::RECOVERY_SEQ_MARGIN;

    fn entry(seq: u64, prev_hash: EntryHash, body: EntryBody) -> JournalEntry {
        JournalEntry { seq, prev_hash, time_ms: 1, body }
    }

    #[test]
    fn only_a_recovered_entry_may_skip_numbers_and_only_past_what_the_peers_saw() {
        let (prev, hash) = (40, EntryHash([9; 32]));
        let policy = EntryBody::PolicyChanged { policy: Policy::default() };
        assert!(entry(41, hash, policy.clone()).check_follows(Some((prev, hash))).is_ok());
        assert!(
            matches!(entry(45, hash, policy).check_follows(Some((prev, hash))), Err(ChainError::Gap { .. })),
            "no gap in other entries"
        );

        let recovered = EntryBody::Recovered { journal_ended: prev, peers_saw: 70 };
        let at = recovered.seq_after(prev);
        assert_eq!(at, 70 + RECOVERY_SEQ_MARGIN);
        assert!(entry(at, hash, recovered.clone()).check_follows(Some((prev, hash))).is_ok());
        for wrong in [prev + 1, at - 1, at + 1] {
            assert!(entry(wrong, hash, recovered.clone()).check_follows(Some((prev, hash))).is_err(), "{wrong}");
        }
        let not_where_it_ended = EntryBody::Recovered { journal_ended: prev - 1, peers_saw: 70 };
        assert!(entry(at, hash, not_where_it_ended).check_follows(Some((prev, hash))).is_err(), "it names where the journal ended");
        assert!(entry(at, EntryHash([1; 32]), recovered).check_follows(Some((prev, hash))).is_err(), "and links to it");
    }
}
