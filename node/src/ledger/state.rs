//! The ledger's view of state, and the writes that change it.
//!
//! [`LedgerRead`] is all `decide` and `apply` may look at. Four things
//! implement it: the sled store, the writer's in-memory cache over it
//! (`crate::storage::cache`), [`MemState`] (audit, tests, simulation) and
//! [`Overlay`](super::Overlay), which lays changes not yet written (each a
//! [`Delta`]) over another view so a group commit sees its own earlier
//! entries and those of the batches still being synced.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use amser_protocol::clearing::Clearing;
use amser_protocol::federation::{Decision, PeerLine, Transfer, TransferId, Verdict};
use amser_protocol::journal::BankProfile;
use amser_protocol::listing::Listing;
use amser_protocol::sealed::Sealed;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, EntryHash, Exchange, ExchangeId, ListingId, Member, MemberCode, Minutes, Policy};
use serde::{Deserialize, Serialize};

use super::LedgerError;

/// An exchange as the bank keeps it: what was recorded, where in the
/// journal, and whether it was reversed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeRecord {
    pub exchange: Exchange,
    pub seq: u64,
    pub time_ms: u64,
    /// The seq of the reversing entry and its sealed reason, once reversed.
    pub reversed: Option<(u64, Option<Sealed>)>,
}

/// A listing, whether it is still open, and whether it is shared in the
/// federation directory (and under what title, sealed like its text).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingRecord {
    pub listing: Listing,
    pub open: bool,
    /// Shared in the federation directory (`EntryBody::ListingShared`);
    /// another bank sees it only while it is open and this bank shares its
    /// directory at all (`[directory] share`).
    pub shared: bool,
    /// The directory title, sealed under the member's key (`Purpose::DirectoryTitle`).
    pub title: Option<amser_protocol::sealed::Sealed>,
}

/// Which side of a transfer this bank is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferRole {
    /// Our member pays (received help at another bank's member's hands).
    Outgoing,
    /// Our member is paid.
    Incoming,
    /// We are a hop on a routed transfer's path: the bank before us will
    /// owe us, and we the bank after us.
    Forwarded,
}

/// A transfer as one bank keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransferRecord {
    pub id: TransferId,
    pub transfer: Transfer,
    pub signed: SignedMessage,
    pub role: TransferRole,
    /// The payee bank's decision, once known.
    pub decision: Option<Decision>,
    pub signed_decision: Option<SignedMessage>,
    /// Free text, kept only by the two banks involved, sealed under our member's key.
    pub note: Option<Sealed>,
    /// The journal entry that recorded it here.
    pub seq: u64,
    /// The journal entry that settled it here (payer's side) or decided it (payee's side).
    pub settled_seq: Option<u64>,
    /// The banks a routed transfer goes through, `[from, hop, ..., to]`
    /// (`protocol::route`); empty for a direct transfer.
    pub path: Vec<BankId>,
}

/// "pending", "accepted" or "rejected", by the decision held, if any.
fn state_of(decision: Option<&Decision>) -> &'static str {
    match decision.map(|d| &d.verdict) {
        None => "pending",
        Some(Verdict::Accept) => "accepted",
        Some(Verdict::Reject(_)) => "rejected",
    }
}

impl TransferRecord {
    /// "pending", "accepted" or "rejected".
    pub fn state(&self) -> &'static str {
        state_of(self.decision.as_ref())
    }

    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }

    /// The banks on its way: the path of a routed transfer, or its two banks.
    pub fn banks(&self) -> Vec<BankId> {
        if self.path.is_empty() {
            vec![self.transfer.from, self.transfer.to]
        } else {
            self.path.clone()
        }
    }

    /// Whether `bank` is on its way up to the bank that decided it (a bank
    /// after a hop that refused it never saw it); undecided, anywhere on it.
    pub fn reached(&self, bank: &BankId) -> bool {
        let banks = self.banks();
        let Some(at) = banks.iter().position(|b| b == bank) else { return false };
        self.decision.as_ref().and_then(|d| banks.iter().position(|b| *b == d.by)).is_none_or(|by| at <= by)
    }

    /// The bank after `us` on its way (where we deliver it), if any.
    pub fn after(&self, us: &BankId) -> Option<BankId> {
        let banks = self.banks();
        let at = banks.iter().position(|b| b == us)?;
        banks.get(at + 1).copied()
    }

    /// The bank before `us` on its way (which delivers it to us), if any.
    pub fn before(&self, us: &BankId) -> Option<BankId> {
        let banks = self.banks();
        let at = banks.iter().position(|b| b == us)?;
        at.checked_sub(1).map(|i| banks[i])
    }
}

/// A clearing of a ring of debts as one bank on the ring keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RingRecord {
    pub id: TransferId,
    pub clearing: Clearing,
    pub signed: SignedMessage,
    /// The proposer's decision (or a rejection by a bank on the ring), once known.
    pub decision: Option<Decision>,
    pub signed_decision: Option<SignedMessage>,
    /// The journal entry that recorded it here, and the one that settled it.
    pub seq: u64,
    pub settled_seq: Option<u64>,
}

impl RingRecord {
    /// "pending", "accepted" (cleared) or "rejected".
    pub fn state(&self) -> &'static str {
        state_of(self.decision.as_ref())
    }

    pub fn is_pending(&self) -> bool {
        self.decision.is_none()
    }
}

/// One change to derived state.
#[derive(Debug, Clone, PartialEq, Eq)]
// Made once per request and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum StateWrite {
    Profile(BankProfile),
    Policy(Policy),
    Member(Member),
    MemberCount(u64),
    Balance(MemberCode, Minutes),
    Exchange(ExchangeRecord),
    Listing(ListingRecord),
    Peer(PeerLine),
    /// Our clearing account for a peer bank.
    Clearing(BankId, Minutes),
    /// Minutes of a member's balance held for transfers in flight.
    Hold(MemberCode, Minutes),
    /// Minutes promised on our line with a peer bank for routed transfers
    /// it passed us that are not decided yet (it will owe them if accepted).
    LineHold(BankId, Minutes),
    Transfer(TransferRecord),
    /// A clearing of a ring of debts this bank is on.
    Ring(RingRecord),
    /// A member moved to another bank, where their code is the second.
    MovedTo(MemberCode, MemberCode),
    /// A visitor, and the letter of introduction they were registered on.
    Visiting(MemberCode, amser_protocol::introduction::Introduction),
    /// The last journal entry these writes come from.
    Head(u64, EntryHash),
    /// Evidence recorded against a bank (see `evidence_id`): the same
    /// evidence never freezes its line again once the coordinator unfroze it.
    Evidence(BankId, EvidenceId),
}

/// An evidence's identity: the same two signed messages, in either order.
pub type EvidenceId = [u8; 32];

/// What the ledger rules may read.
pub trait LedgerRead {
    fn profile(&self) -> Result<Option<BankProfile>, LedgerError>;
    fn policy(&self) -> Result<Policy, LedgerError>;
    fn member(&self, code: &MemberCode) -> Result<Option<Member>, LedgerError>;
    /// How many members have ever joined (codes are derived from it).
    fn member_count(&self) -> Result<u64, LedgerError>;
    fn balance(&self, code: &MemberCode) -> Result<Minutes, LedgerError>;
    fn exchange(&self, id: &ExchangeId) -> Result<Option<ExchangeRecord>, LedgerError>;
    fn listing(&self, id: &ListingId) -> Result<Option<ListingRecord>, LedgerError>;
    /// The last journal entry applied: (seq, hash); (0, zeros) for none.
    fn head(&self) -> Result<(u64, EntryHash), LedgerError>;
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError>;
    /// The admitted (not removed) peer whose member codes start with `handle`.
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError>;
    fn clearing(&self, bank: &BankId) -> Result<Minutes, LedgerError>;
    fn hold(&self, code: &MemberCode) -> Result<Minutes, LedgerError>;
    /// Minutes held on our line with `bank` for routed transfers in flight.
    fn line_hold(&self, bank: &BankId) -> Result<Minutes, LedgerError>;
    /// What `bank`'s members owe ours on its trust line, counting what is
    /// held on the line for routed transfers it passed us: the one measure
    /// every trust line check and room advert uses.
    fn owed_on_line(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        Ok(Minutes(-self.clearing(bank)?.0 + self.line_hold(bank)?.0))
    }
    fn transfer(&self, id: &TransferId) -> Result<Option<TransferRecord>, LedgerError>;
    /// A clearing this bank proposed or was asked to promise.
    fn ring(&self, id: &TransferId) -> Result<Option<RingRecord>, LedgerError>;
    /// The clearings this bank proposed or promised that are not yet
    /// decided: what they would cancel is spoken for (clearing.rs). Few.
    fn rings_in_flight(&self) -> Result<Vec<RingRecord>, LedgerError>;
    /// Whether this evidence against `bank` was recorded before.
    fn evidence_recorded(&self, bank: &BankId, id: &EvidenceId) -> Result<bool, LedgerError>;
}

/// A whole bank's derived state in memory.
#[derive(Debug, Clone, Default)]
pub struct MemState {
    pub profile: Option<BankProfile>,
    pub policy: Policy,
    pub members: BTreeMap<MemberCode, Member>,
    pub member_count: u64,
    pub balances: BTreeMap<MemberCode, Minutes>,
    pub exchanges: HashMap<ExchangeId, ExchangeRecord>,
    pub listings: HashMap<ListingId, ListingRecord>,
    pub head: (u64, EntryHash),
    pub peers: BTreeMap<BankId, PeerLine>,
    pub clearing: BTreeMap<BankId, Minutes>,
    pub holds: BTreeMap<MemberCode, Minutes>,
    pub line_holds: BTreeMap<BankId, Minutes>,
    pub transfers: HashMap<TransferId, TransferRecord>,
    pub rings: HashMap<TransferId, RingRecord>,
    pub moved: BTreeMap<MemberCode, MemberCode>,
    pub visitors: BTreeMap<MemberCode, amser_protocol::introduction::Introduction>,
    pub evidence: BTreeSet<(BankId, EvidenceId)>,
}

impl MemState {
    pub fn write(&mut self, write: StateWrite) {
        match write {
            StateWrite::Profile(p) => self.profile = Some(p),
            StateWrite::Policy(p) => self.policy = p,
            StateWrite::Member(m) => {
                self.members.insert(m.code.clone(), m);
            }
            StateWrite::MemberCount(n) => self.member_count = n,
            StateWrite::Balance(code, b) => {
                self.balances.insert(code, b);
            }
            StateWrite::Exchange(x) => {
                self.exchanges.insert(x.exchange.id, x);
            }
            StateWrite::Listing(l) => {
                self.listings.insert(l.listing.id, l);
            }
            StateWrite::Head(seq, hash) => self.head = (seq, hash),
            StateWrite::Peer(p) => {
                self.peers.insert(p.bank, p);
            }
            StateWrite::Clearing(bank, m) => {
                self.clearing.insert(bank, m);
            }
            StateWrite::Hold(code, m) => {
                self.holds.insert(code, m);
            }
            StateWrite::LineHold(bank, m) => {
                self.line_holds.insert(bank, m);
            }
            StateWrite::Transfer(t) => {
                self.transfers.insert(t.id, t);
            }
            StateWrite::Ring(r) => {
                self.rings.insert(r.id, r);
            }
            StateWrite::MovedTo(code, to) => {
                self.moved.insert(code, to);
            }
            StateWrite::Visiting(code, visit) => {
                self.visitors.insert(code, visit);
            }
            StateWrite::Evidence(bank, id) => {
                self.evidence.insert((bank, id));
            }
        }
    }

    /// Sum of every balance, members' and clearing accounts': zero for a bank in good order.
    pub fn sum(&self) -> i128 {
        self.balances.values().chain(self.clearing.values()).map(|m| m.0 as i128).sum()
    }
}

impl LedgerRead for MemState {
    fn profile(&self) -> Result<Option<BankProfile>, LedgerError> {
        Ok(self.profile.clone())
    }
    fn policy(&self) -> Result<Policy, LedgerError> {
        Ok(self.policy.clone())
    }
    fn member(&self, code: &MemberCode) -> Result<Option<Member>, LedgerError> {
        Ok(self.members.get(code).cloned())
    }
    fn member_count(&self) -> Result<u64, LedgerError> {
        Ok(self.member_count)
    }
    fn balance(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        Ok(self.balances.get(code).copied().unwrap_or_default())
    }
    fn exchange(&self, id: &ExchangeId) -> Result<Option<ExchangeRecord>, LedgerError> {
        Ok(self.exchanges.get(id).cloned())
    }
    fn listing(&self, id: &ListingId) -> Result<Option<ListingRecord>, LedgerError> {
        Ok(self.listings.get(id).cloned())
    }
    fn head(&self) -> Result<(u64, EntryHash), LedgerError> {
        Ok(self.head)
    }
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError> {
        Ok(self.peers.get(bank).cloned())
    }
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError> {
        Ok(self.peers.values().find(|p| !p.removed && p.handle.as_ref().is_some_and(|h| h.as_str() == handle)).cloned())
    }
    fn clearing(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        Ok(self.clearing.get(bank).copied().unwrap_or_default())
    }
    fn hold(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        Ok(self.holds.get(code).copied().unwrap_or_default())
    }
    fn line_hold(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        Ok(self.line_holds.get(bank).copied().unwrap_or_default())
    }
    fn transfer(&self, id: &TransferId) -> Result<Option<TransferRecord>, LedgerError> {
        Ok(self.transfers.get(id).cloned())
    }
    fn ring(&self, id: &TransferId) -> Result<Option<RingRecord>, LedgerError> {
        Ok(self.rings.get(id).cloned())
    }
    fn rings_in_flight(&self) -> Result<Vec<RingRecord>, LedgerError> {
        Ok(self.rings.values().filter(|r| r.is_pending()).cloned().collect())
    }
    fn evidence_recorded(&self, bank: &BankId, id: &EvidenceId) -> Result<bool, LedgerError> {
        Ok(self.evidence.contains(&(*bank, *id)))
    }
}

/// A run of entries' changes to derived state, one final value per key (a
/// later write to the same key replaces an earlier one). The writer stages a
/// group commit into one; the store writes it as one atomic batch; the
/// writer's cache lays it over the store until the store has it.
#[derive(Debug, Clone, Default)]
pub struct Delta {
    pub profile: Option<BankProfile>,
    pub policy: Option<Policy>,
    pub member_count: Option<u64>,
    /// The first journal entry these changes come from (records with a
    /// lower seq were recorded before, and are only updated here).
    pub first_seq: Option<u64>,
    /// The last journal entry these changes come from.
    pub head: Option<(u64, EntryHash)>,
    /// Entries here that do not follow the one before here (a `Recovered`
    /// entry jumps): where the public log restarts (`store/public_log.rs`).
    pub jumps: Vec<u64>,
    pub members: HashMap<MemberCode, Member>,
    pub balances: HashMap<MemberCode, Minutes>,
    pub exchanges: HashMap<ExchangeId, ExchangeRecord>,
    pub listings: HashMap<ListingId, ListingRecord>,
    /// Ordered, so that finding a peer by handle is deterministic.
    pub peers: BTreeMap<BankId, PeerLine>,
    pub clearing: HashMap<BankId, Minutes>,
    pub holds: HashMap<MemberCode, Minutes>,
    pub line_holds: HashMap<BankId, Minutes>,
    pub transfers: HashMap<TransferId, TransferRecord>,
    pub rings: HashMap<TransferId, RingRecord>,
    pub moved: HashMap<MemberCode, MemberCode>,
    pub visitors: HashMap<MemberCode, amser_protocol::introduction::Introduction>,
    pub evidence: BTreeSet<(BankId, EvidenceId)>,
}

impl Delta {
    pub fn write(&mut self, write: StateWrite) {
        match write {
            StateWrite::Profile(p) => self.profile = Some(p),
            StateWrite::Policy(p) => self.policy = Some(p),
            StateWrite::Member(m) => {
                self.members.insert(m.code.clone(), m);
            }
            StateWrite::MemberCount(n) => self.member_count = Some(n),
            StateWrite::Balance(code, b) => {
                self.balances.insert(code, b);
            }
            StateWrite::Exchange(x) => {
                self.exchanges.insert(x.exchange.id, x);
            }
            StateWrite::Listing(l) => {
                self.listings.insert(l.listing.id, l);
            }
            StateWrite::Head(seq, hash) => {
                self.first_seq.get_or_insert(seq);
                if self.head.is_some_and(|(previous, _)| seq != previous + 1) {
                    self.jumps.push(seq);
                }
                self.head = Some((seq, hash));
            }
            StateWrite::Peer(p) => {
                self.peers.insert(p.bank, p);
            }
            StateWrite::Clearing(bank, m) => {
                self.clearing.insert(bank, m);
            }
            StateWrite::Hold(code, m) => {
                self.holds.insert(code, m);
            }
            StateWrite::LineHold(bank, m) => {
                self.line_holds.insert(bank, m);
            }
            StateWrite::Transfer(t) => {
                self.transfers.insert(t.id, t);
            }
            StateWrite::Ring(r) => {
                self.rings.insert(r.id, r);
            }
            StateWrite::MovedTo(code, to) => {
                self.moved.insert(code, to);
            }
            StateWrite::Visiting(code, visit) => {
                self.visitors.insert(code, visit);
            }
            StateWrite::Evidence(bank, id) => {
                self.evidence.insert((bank, id));
            }
        }
    }

    /// Whether nothing was written.
    pub fn is_empty(&self) -> bool {
        self.profile.is_none()
            && self.policy.is_none()
            && self.member_count.is_none()
            && self.head.is_none()
            && self.members.is_empty()
            && self.balances.is_empty()
            && self.exchanges.is_empty()
            && self.listings.is_empty()
            && self.peers.is_empty()
            && self.clearing.is_empty()
            && self.holds.is_empty()
            && self.line_holds.is_empty()
            && self.transfers.is_empty()
            && self.rings.is_empty()
            && self.moved.is_empty()
            && self.visitors.is_empty()
            && self.evidence.is_empty()
    }
}
