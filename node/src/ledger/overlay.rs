//! Changes not yet written, laid over a view of the state: what the writer
//! decides against while group commits are in flight, and what the journal
//! replay stages before it writes a chunk to sled.
//!
//! ```text
//!  lookup ─► delta (this batch, being decided)
//!        ─► sealed deltas, newest first (decided, handed to the syncer, not yet synced)
//!        ─► base (the writer's cache, or sled)
//! ```

use std::collections::VecDeque;
use std::sync::Arc;

use amser_protocol::federation::{PeerLine, TransferId};
use amser_protocol::journal::BankProfile;
use amser_protocol::{BankId, EntryHash, ExchangeId, ListingId, Member, MemberCode, Minutes, Policy};

use super::{Delta, EvidenceId, ExchangeRecord, LedgerError, LedgerRead, ListingRecord, RingRecord, StateWrite, TransferRecord};

/// No sealed deltas (a plain staged batch over a base).
static NONE_SEALED: VecDeque<Arc<Delta>> = VecDeque::new();

/// A view of `base` with the changes of the sealed deltas and of `delta` laid over it.
pub struct Overlay<'a, R: LedgerRead> {
    base: &'a R,
    /// Earlier batches' changes, oldest first, still to be written under `base`.
    sealed: &'a VecDeque<Arc<Delta>>,
    /// The changes staged here so far, final value per key.
    pub delta: Delta,
}

impl<'a, R: LedgerRead> Overlay<'a, R> {
    /// Stages changes over `base` alone.
    pub fn new(base: &'a R) -> Self {
        Overlay { base, sealed: &NONE_SEALED, delta: Delta::default() }
    }

    /// Stages changes over `base` with the `sealed` batches (oldest first) between them.
    pub fn over_sealed(base: &'a R, sealed: &'a VecDeque<Arc<Delta>>) -> Self {
        Overlay { base, sealed, delta: Delta::default() }
    }

    /// Lays more writes over what is staged.
    pub fn push(&mut self, writes: Vec<StateWrite>) {
        for w in writes {
            self.delta.write(w);
        }
    }

    /// The staged changes.
    pub fn into_delta(self) -> Delta {
        self.delta
    }

    /// The newest layer's value, if any layer has one.
    fn newest<T>(&self, find: impl Fn(&Delta) -> Option<&T>) -> Option<&T> {
        find(&self.delta).or_else(|| self.sealed.iter().rev().find_map(|d| find(d)))
    }
}

impl<R: LedgerRead> LedgerRead for Overlay<'_, R> {
    fn profile(&self) -> Result<Option<BankProfile>, LedgerError> {
        match self.newest(|d| d.profile.as_ref()) {
            Some(p) => Ok(Some(p.clone())),
            None => self.base.profile(),
        }
    }
    fn policy(&self) -> Result<Policy, LedgerError> {
        match self.newest(|d| d.policy.as_ref()) {
            Some(p) => Ok(p.clone()),
            None => self.base.policy(),
        }
    }
    fn member(&self, code: &MemberCode) -> Result<Option<Member>, LedgerError> {
        match self.newest(|d| d.members.get(code)) {
            Some(m) => Ok(Some(m.clone())),
            None => self.base.member(code),
        }
    }
    fn member_count(&self) -> Result<u64, LedgerError> {
        match self.newest(|d| d.member_count.as_ref()) {
            Some(n) => Ok(*n),
            None => self.base.member_count(),
        }
    }
    fn balance(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        match self.newest(|d| d.balances.get(code)) {
            Some(b) => Ok(*b),
            None => self.base.balance(code),
        }
    }
    fn exchange(&self, id: &ExchangeId) -> Result<Option<ExchangeRecord>, LedgerError> {
        match self.newest(|d| d.exchanges.get(id)) {
            Some(x) => Ok(Some(x.clone())),
            None => self.base.exchange(id),
        }
    }
    fn listing(&self, id: &ListingId) -> Result<Option<ListingRecord>, LedgerError> {
        match self.newest(|d| d.listings.get(id)) {
            Some(l) => Ok(Some(l.clone())),
            None => self.base.listing(id),
        }
    }
    fn head(&self) -> Result<(u64, EntryHash), LedgerError> {
        match self.newest(|d| d.head.as_ref()) {
            Some(h) => Ok(*h),
            None => self.base.head(),
        }
    }
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError> {
        match self.newest(|d| d.peers.get(bank)) {
            Some(p) => Ok(Some(p.clone())),
            None => self.base.peer(bank),
        }
    }
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError> {
        // A peer named by the handle in some layer counts only if its newest
        // version still has that handle (a later layer may have renamed or removed it).
        let named = |p: &PeerLine| p.handle.as_ref().is_some_and(|h| h.as_str() == handle);
        let current = |p: &PeerLine| !p.removed && named(p);
        for d in std::iter::once(&self.delta).chain(self.sealed.iter().rev().map(|d| &**d)) {
            for p in d.peers.values().filter(|p| named(p)) {
                if let Some(newest) = self.peer(&p.bank)?.filter(current) {
                    return Ok(Some(newest));
                }
            }
        }
        match self.base.peer_by_handle(handle)? {
            Some(p) => Ok(self.peer(&p.bank)?.filter(current)),
            None => Ok(None),
        }
    }
    fn clearing(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        match self.newest(|d| d.clearing.get(bank)) {
            Some(m) => Ok(*m),
            None => self.base.clearing(bank),
        }
    }
    fn hold(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        match self.newest(|d| d.holds.get(code)) {
            Some(m) => Ok(*m),
            None => self.base.hold(code),
        }
    }
    fn line_hold(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        match self.newest(|d| d.line_holds.get(bank)) {
            Some(m) => Ok(*m),
            None => self.base.line_hold(bank),
        }
    }
    fn transfer(&self, id: &TransferId) -> Result<Option<TransferRecord>, LedgerError> {
        match self.newest(|d| d.transfers.get(id)) {
            Some(t) => Ok(Some(t.clone())),
            None => self.base.transfer(id),
        }
    }
    fn ring(&self, id: &TransferId) -> Result<Option<RingRecord>, LedgerError> {
        match self.newest(|d| d.rings.get(id)) {
            Some(r) => Ok(Some(r.clone())),
            None => self.base.ring(id),
        }
    }
    fn rings_in_flight(&self) -> Result<Vec<RingRecord>, LedgerError> {
        rings_over(self.base.rings_in_flight()?, self.sealed.iter().map(|d| &**d).chain(std::iter::once(&self.delta)))
    }
    fn evidence_recorded(&self, bank: &BankId, id: &EvidenceId) -> Result<bool, LedgerError> {
        match self.newest(|d| d.evidence.get(&(*bank, *id))) {
            Some(_) => Ok(true),
            None => self.base.evidence_recorded(bank, id),
        }
    }
}

/// The clearings in flight under `base`'s, as `layers` (oldest first) leave
/// them: each ring's newest version, kept while it is still pending.
pub(crate) fn rings_over<'d>(base: Vec<RingRecord>, layers: impl Iterator<Item = &'d Delta>) -> Result<Vec<RingRecord>, LedgerError> {
    let mut rings: std::collections::HashMap<TransferId, RingRecord> = base.into_iter().map(|r| (r.id, r)).collect();
    for layer in layers {
        rings.extend(layer.rings.iter().map(|(id, r)| (*id, r.clone())));
    }
    Ok(rings.into_values().filter(RingRecord::is_pending).collect())
}
