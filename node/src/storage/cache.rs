//! The writer's hot state: what `decide` and `apply` read most, in memory,
//! so deciding a command costs no sled reads and no decoding.
//!
//! ```text
//!  profile, policy, member count, head, members, balances, holds,
//!  clearing accounts, peers (and the peer handle index),
//!  evidence recorded                                      ── all, in memory
//!  exchanges, listings, transfers ── the unapplied batch holding the newest version (by id), else sled
//! ```
//!
//! Loaded from sled when the writer starts (after the journal replay, so it
//! matches the journal's head), then kept up to date by the writer alone:
//! once the syncer reports a batch synced, the writer absorbs its [`Delta`]
//! (until then the writer's [`Overlay`](crate::ledger::Overlay) lays the batch over the cache). Exchanges,
//! listings and transfers stay in sled; the deltas of batches acknowledged
//! and not yet written to sled by the applier are kept here (shared with the
//! applier, not copied) until sled's applied seq reaches them, so a reversal
//! or a settlement right after its recording finds what it needs.
//!
//! Most exchanges and transfers a bank records are new, and `decide` asks
//! for each whether its id is already recorded; an [`IdFilter`] of every id
//! recorded answers "no" for nearly all of them without a sled read. The
//! ids sled holds at start are read into it by a thread of its own (a
//! million of them take about a second): start-up does not wait, and until
//! they are in, every id is looked up in sled.
//!
//! Only the writer thread uses a `Hot`: it needs no lock.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

use amser_protocol::federation::{PeerLine, TransferId};
use amser_protocol::journal::BankProfile;
use amser_protocol::{BankId, EntryHash, ExchangeId, ListingId, Member, MemberCode, Minutes, Policy};

use crate::ledger::{Delta, EvidenceId, ExchangeRecord, LedgerError, LedgerRead, ListingRecord, RingRecord, TransferRecord};
use crate::storage::store::Store;

pub struct Hot {
    store: Store,
    profile: Option<BankProfile>,
    policy: Policy,
    member_count: u64,
    head: (u64, EntryHash),
    members: HashMap<MemberCode, Member>,
    balances: HashMap<MemberCode, Minutes>,
    holds: HashMap<MemberCode, Minutes>,
    line_holds: HashMap<BankId, Minutes>,
    clearing: HashMap<BankId, Minutes>,
    peers: HashMap<BankId, PeerLine>,
    /// The store's `ph:` index: the bank a handle was last written for.
    handles: HashMap<String, BankId>,
    /// Batches with records, acknowledged and not yet known to be in sled,
    /// oldest first (shared with the applier's queue, not copied).
    unapplied: VecDeque<Arc<Delta>>,
    /// Which of those holds the newest version of each record.
    exchanges: HashMap<ExchangeId, Arc<Delta>>,
    listings: HashMap<ListingId, Arc<Delta>>,
    transfers: HashMap<TransferId, Arc<Delta>>,
    /// Evidence recorded against each bank (rare: all of it, in memory).
    evidence: HashSet<(BankId, EvidenceId)>,
    /// Every exchange and transfer id recorded (maybe; never a false "no"),
    /// once `loading` is done; until then only those absorbed since start,
    /// and every lookup goes to sled.
    exchange_ids: IdFilter,
    transfer_ids: IdFilter,
    /// The ids sled held at start, read by a thread of their own so that
    /// start-up does not wait for a scan of every id ever recorded.
    loading: Option<std::sync::mpsc::Receiver<Result<(IdFilter, IdFilter), LedgerError>>>,
}

/// Ids in the first layer of an [`IdFilter`]; each further layer holds twice as many.
const FILTER_FIRST_IDS: usize = 1 << 16;
/// Filter bits per id: with 4 probes, about 1 in 400 absent ids is a "maybe".
const FILTER_BITS_PER_ID: usize = 16;

/// A growing Bloom filter of 32-byte ids that are blake3 hashes (their
/// bytes are uniformly random, so four of their 64-bit words serve as the
/// four probes). `maybe_contains` is false only for ids never inserted.
/// It grows by adding layers (each twice the size of the last) instead of
/// rebuilding, so inserting never stalls the writer.
pub struct IdFilter {
    layers: Vec<FilterLayer>,
}

struct FilterLayer {
    bits: Vec<u64>,
    ids: usize,
    capacity: usize,
}

impl FilterLayer {
    fn new(capacity: usize) -> FilterLayer {
        let words = (capacity * FILTER_BITS_PER_ID / 64).next_power_of_two();
        FilterLayer { bits: vec![0; words], ids: 0, capacity }
    }

    fn probes(&self, id: &[u8; 32]) -> [(usize, u64); 4] {
        let bit_mask = (self.bits.len() * 64 - 1) as u64;
        std::array::from_fn(|i| {
            let word = u64::from_le_bytes(id[i * 8..i * 8 + 8].try_into().expect("8 bytes"));
            let bit = word & bit_mask;
            ((bit / 64) as usize, 1u64 << (bit % 64))
        })
    }

    fn contains(&self, id: &[u8; 32]) -> bool {
        self.probes(id).iter().all(|(w, b)| self.bits[*w] & b != 0)
    }

    fn insert(&mut self, id: &[u8; 32]) {
        for (w, b) in self.probes(id) {
            self.bits[w] |= b;
        }
        self.ids += 1;
    }
}

impl IdFilter {
    pub fn new() -> IdFilter {
        IdFilter { layers: vec![FilterLayer::new(FILTER_FIRST_IDS)] }
    }

    pub fn maybe_contains(&self, id: &[u8; 32]) -> bool {
        self.layers.iter().any(|l| l.contains(id))
    }

    /// Takes in every id of `other` (its layers, as they are).
    fn merge(&mut self, other: IdFilter) {
        // Inserting goes on into the last layer: keep the one with room last.
        let mut layers = other.layers;
        layers.append(&mut self.layers);
        self.layers = layers;
    }

    pub fn insert(&mut self, id: &[u8; 32]) {
        if self.maybe_contains(id) {
            return;
        }
        let last = self.layers.last().expect("at least one layer");
        if last.ids >= last.capacity {
            let capacity = last.capacity * 2;
            self.layers.push(FilterLayer::new(capacity));
        }
        self.layers.last_mut().expect("at least one layer").insert(id);
    }
}

impl Default for IdFilter {
    fn default() -> Self {
        IdFilter::new()
    }
}

/// Points each of `ids` at `delta` (the newest holder of those records).
fn index<'a, K: std::hash::Hash + Eq + Copy + 'a>(map: &mut HashMap<K, Arc<Delta>>, ids: impl Iterator<Item = &'a K>, delta: &Arc<Delta>) {
    for id in ids {
        match map.get_mut(id) {
            Some(d) => *d = delta.clone(),
            None => {
                map.insert(*id, delta.clone());
            }
        }
    }
}

/// Forgets `ids` where `delta` is still their newest holder.
fn unindex<'a, K: std::hash::Hash + Eq + 'a>(map: &mut HashMap<K, Arc<Delta>>, ids: impl Iterator<Item = &'a K>, delta: &Arc<Delta>) {
    for id in ids {
        if map.get(id).is_some_and(|d| Arc::ptr_eq(d, delta)) {
            map.remove(id);
        }
    }
}

/// Sets `map[key] = value` without cloning the key when it is already there.
fn set<K: std::hash::Hash + Eq + Clone, V: Clone>(map: &mut HashMap<K, V>, key: &K, value: &V) {
    match map.get_mut(key) {
        Some(v) => v.clone_from(value),
        None => {
            map.insert(key.clone(), value.clone());
        }
    }
}

impl Hot {
    /// Reads the hot state from `store`, which must be up to date with the journal.
    pub fn load(store: &Store) -> Result<Hot, LedgerError> {
        let members: HashMap<MemberCode, Member> = store.members()?.into_iter().map(|m| (m.code.clone(), m)).collect();
        let peers: HashMap<BankId, PeerLine> = store.peers()?.into_iter().map(|p| (p.bank, p)).collect();
        let (sender, loading) = std::sync::mpsc::channel();
        let scanned = store.clone();
        let spawned = std::thread::Builder::new().name("ledger-ids".into()).spawn(move || {
            // Every id in sled now; those recorded later the writer absorbs itself.
            let load = || -> Result<(IdFilter, IdFilter), LedgerError> {
                let (mut exchanges, mut transfers) = (IdFilter::new(), IdFilter::new());
                scanned.for_each_exchange_id(|id| exchanges.insert(id))?;
                scanned.for_each_transfer_id(|id| transfers.insert(id))?;
                Ok((exchanges, transfers))
            };
            let _ = sender.send(load());
        });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start reading the recorded ids; every new exchange is looked up in the state database");
        }
        Ok(Hot {
            profile: store.profile()?,
            policy: store.policy()?,
            member_count: store.member_count()?,
            head: store.head()?,
            members,
            balances: store.balances()?.into_iter().collect(),
            holds: store.holds()?.into_iter().collect(),
            line_holds: store.line_holds()?.into_iter().collect(),
            clearing: store.clearings()?.into_iter().collect(),
            peers,
            handles: store.peer_handles()?.into_iter().collect(),
            unapplied: VecDeque::new(),
            exchanges: HashMap::new(),
            listings: HashMap::new(),
            transfers: HashMap::new(),
            evidence: store.evidence()?.into_iter().collect(),
            exchange_ids: IdFilter::new(),
            transfer_ids: IdFilter::new(),
            loading: Some(loading),
            store: store.clone(),
        })
    }

    /// Takes in a synced batch's changes (the applier has `delta` too).
    pub fn absorb(&mut self, delta: Arc<Delta>) {
        let d = &*delta;
        if let Some(p) = &d.profile {
            self.profile = Some(p.clone());
        }
        if let Some(p) = &d.policy {
            self.policy = p.clone();
        }
        if let Some(n) = d.member_count {
            self.member_count = n;
        }
        if let Some(h) = d.head {
            self.head = h;
        }
        for (code, m) in &d.members {
            set(&mut self.members, code, m);
        }
        for (code, b) in &d.balances {
            set(&mut self.balances, code, b);
        }
        for (code, h) in &d.holds {
            set(&mut self.holds, code, h);
        }
        for (bank, h) in &d.line_holds {
            set(&mut self.line_holds, bank, h);
        }
        for (bank, c) in &d.clearing {
            set(&mut self.clearing, bank, c);
        }
        for (bank, p) in &d.peers {
            set(&mut self.peers, bank, p);
            if let Some(h) = &p.handle {
                self.handles.insert(h.as_str().to_string(), *bank);
            }
        }
        self.evidence.extend(d.evidence.iter().copied());
        for id in d.exchanges.keys() {
            self.exchange_ids.insert(&id.0);
        }
        for id in d.transfers.keys() {
            self.transfer_ids.insert(&id.0);
        }
        // Only records are looked up in the deltas; the rest is in the maps above.
        // (Clearings are looked up in every delta kept here: a batch holding only
        // one must be kept too, or a second decision on it would read sled's
        // older record and settle it twice.)
        if !d.exchanges.is_empty() || !d.listings.is_empty() || !d.transfers.is_empty() || !d.rings.is_empty() {
            index(&mut self.exchanges, d.exchanges.keys(), &delta);
            index(&mut self.listings, d.listings.keys(), &delta);
            index(&mut self.transfers, d.transfers.keys(), &delta);
            self.unapplied.push_back(delta);
        }
    }

    /// Whether the ids sled held at start are in the filters (until then
    /// every id is looked up in sled). Takes them in once they are read.
    pub fn ids_loaded(&mut self) -> bool {
        let Some(loading) = &self.loading else { return true };
        match loading.try_recv() {
            Ok(Ok((exchanges, transfers))) => {
                self.exchange_ids.merge(exchanges);
                self.transfer_ids.merge(transfers);
                self.loading = None;
                true
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not read the recorded ids; every new exchange is looked up in the state database");
                false
            }
            Err(std::sync::mpsc::TryRecvError::Disconnected) => false,
        }
    }

    /// Forgets the batches sled now holds (`applied` is sled's applied seq).
    pub fn prune(&mut self, applied: u64) {
        self.ids_loaded();
        while self.unapplied.front().is_some_and(|d| d.head.is_none_or(|(seq, _)| seq <= applied)) {
            if let Some(d) = self.unapplied.pop_front() {
                unindex(&mut self.exchanges, d.exchanges.keys(), &d);
                unindex(&mut self.listings, d.listings.keys(), &d);
                unindex(&mut self.transfers, d.transfers.keys(), &d);
            }
        }
    }

    /// Batches with records kept because sled does not have them yet.
    pub fn unapplied(&self) -> usize {
        self.unapplied.len()
    }
}

impl LedgerRead for Hot {
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
        match self.exchanges.get(id).and_then(|d| d.exchanges.get(id)) {
            Some(x) => Ok(Some(x.clone())),
            None if self.loading.is_none() && !self.exchange_ids.maybe_contains(&id.0) => Ok(None),
            None => self.store.exchange(id),
        }
    }
    fn listing(&self, id: &ListingId) -> Result<Option<ListingRecord>, LedgerError> {
        match self.listings.get(id).and_then(|d| d.listings.get(id)) {
            Some(l) => Ok(Some(l.clone())),
            None => self.store.listing(id),
        }
    }
    fn head(&self) -> Result<(u64, EntryHash), LedgerError> {
        Ok(self.head)
    }
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError> {
        Ok(self.peers.get(bank).cloned())
    }
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError> {
        let Some(bank) = self.handles.get(handle) else { return Ok(None) };
        Ok(self.peers.get(bank).filter(|p| !p.removed && p.handle.as_ref().is_some_and(|h| h.as_str() == handle)).cloned())
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
        match self.transfers.get(id).and_then(|d| d.transfers.get(id)) {
            Some(t) => Ok(Some(t.clone())),
            None if self.loading.is_none() && !self.transfer_ids.maybe_contains(&id.0) => Ok(None),
            None => self.store.transfer(id),
        }
    }
    fn ring(&self, id: &TransferId) -> Result<Option<RingRecord>, LedgerError> {
        // Clearings are rare: the newest unapplied batch that has it, else sled.
        match self.unapplied.iter().rev().find_map(|d| d.rings.get(id)) {
            Some(r) => Ok(Some(r.clone())),
            None => self.store.ring(id),
        }
    }
    fn rings_in_flight(&self) -> Result<Vec<RingRecord>, LedgerError> {
        crate::ledger::rings_over(self.store.rings_in_flight()?, self.unapplied.iter().map(|d| &**d))
    }
    fn evidence_recorded(&self, bank: &BankId, id: &EvidenceId) -> Result<bool, LedgerError> {
        Ok(self.evidence.contains(&(*bank, *id)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::StateWrite;
    use amser_protocol::clearing::Clearing;
    use amser_protocol::federation::{Decision, Verdict};
    use amser_protocol::signing::{sign, FederationId, MessageKind};

    /// A batch holding only a clearing's decision, synced but not yet in
    /// sled: the writer must read the decided clearing from the cache, not
    /// sled's pending one (or a second decision heard by gossip settles it
    /// twice; seen in the three-bank clearing story under load).
    #[test]
    fn a_clearing_decided_in_a_batch_of_its_own_is_read_decided_before_sled_has_it() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(&dir.path().join("state")).unwrap();
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let bank = amser_protocol::signing::bank_id(&key);
        let clearing =
            Clearing { proposer: bank, ring: vec![bank, BankId([2; 32]), BankId([3; 32])], minutes: Minutes(60), proposed_ms: 1 };
        let signed = sign(&key, MessageKind::Clearing, FederationId::from_name("wales"), clearing.encode().unwrap()).unwrap();
        let pending = RingRecord {
            id: clearing.id().unwrap(),
            clearing,
            signed: signed.clone(),
            decision: None,
            signed_decision: None,
            seq: 1,
            settled_seq: None,
        };
        store.apply(&[StateWrite::Ring(pending.clone()), StateWrite::Head(1, EntryHash([1; 32]))]).unwrap();
        let mut hot = Hot::load(&store).unwrap();
        let decision = Decision { transfer: pending.id, by: bank, verdict: Verdict::Accept, decided_ms: 2 };
        let decided = RingRecord { decision: Some(decision), signed_decision: Some(signed), settled_seq: Some(2), ..pending.clone() };
        let mut delta = Delta::default();
        delta.write(StateWrite::Ring(decided.clone()));
        delta.write(StateWrite::Head(2, EntryHash([2; 32])));
        assert_eq!(hot.rings_in_flight().unwrap(), vec![pending.clone()], "sled's pending clearing is in flight");
        hot.absorb(Arc::new(delta));
        assert_eq!(hot.ring(&pending.id).unwrap(), Some(decided), "the synced decision, not sled's pending record");
        assert!(hot.rings_in_flight().unwrap().is_empty(), "decided in the cache: no longer in flight");
        hot.prune(1);
        assert!(hot.ring(&pending.id).unwrap().is_some_and(|r| !r.is_pending()), "kept until sled has entry 2");
    }
}
