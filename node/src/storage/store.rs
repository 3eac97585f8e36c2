//! The bank's derived state in sled: the one module that touches sled.
//!
//! Everything here can be rebuilt from the journal, and is: sled is written
//! only after the journal entries it derives from are synced, by the writer's
//! applier thread, one or more group commits at a time as one atomic batch
//! that also records the journal head it reached (so sled may lag the journal
//! by a few batches, never lead it). On start the node replays journal
//! entries past that head. We never call sled's `flush_async` (it deadlocks
//! under load, sled #1241/#1308) nor rely on `flush` for durability.
//!
//! One tree, keys by prefix:
//! ```text
//! meta:profile | meta:policy | meta:count | meta:head | meta:layout
//! meta:at             where the head entry lies in the journal (seq, start, end)
//! m:<code>            member
//! b:<code>            balance (i64 LE minutes)
//! xs:<seq BE>         exchange record, in journal order
//! x:<id>              the exchange's seq (u64 BE)
//! xm:<code>\0<seq BE> seqs (u64 BE each, ascending) of the member's exchanges
//!                     first written in one batch; the key's seq is the first
//! l:<id>              listing record
//! p:<bank>            peer line            ph:<handle>   peer bank, by handle
//! c:<bank>            clearing account (i64 LE minutes)
//! h:<code>            minutes held for transfers in flight (i64 LE)
//! lh:<bank>           minutes held on the line with that bank for routed transfers in flight
//! t:<id>              transfer record      ts:<seq BE>   transfer id, in journal order
//! tp:<id>             present while the transfer is undecided (the retry list)
//! k:<id>              a clearing of a ring of debts  kp:<id>  present while it is undecided
//! mv:<code>           the code a member who moved to another bank has there
//! vi:<code>           a visitor's letter of introduction (what it says)
//! e:<bank><id>        present once that evidence against the bank is recorded
//! lp:<position BE>    our public log's chain (`public_log`)   meta:log  its head
//! ```
//!
//! A second tree, `federation_view`, keeps what other banks said in public
//! (their signed transfers and decisions, from gossip or catch-up) and how
//! far we have read each bank's public log. It is not derived from our
//! journal and is not ours to vouch for: every message in it was verified
//! before it was kept, and if it is lost, catching up again refills it.
//! ```text
//! vt:<transfer id>    a signed transfer and the payee bank's signed decision (kept,
//!                     and forgotten, as the federation's `vouching` rules say)
//! vh:<bank>           (seq, signed head): the newest journal head that bank signed that we hold
//! vr:<bank>           next seq of that bank's journal to ask it to recall from (u64 BE)
//! vl:<bank>           where we stand in that bank's chained public log
//! ```
//!
//! Why this layout (LAYOUT 8; 3 added `tp:`, 4 added `e:`, 5 `lp:` and `meta:log`, 6 sealed personal data, 7 routed transfers' paths and `lh:`, 8 listings' directory share and title): sled 0.34 costs several microseconds per key
//! written, most for keys in random places holding large values. Records
//! go under sequential keys (`xs:`), the random id index holds only a seq,
//! and the member index takes one key per member per batch, not one per
//! exchange: about 60% less sled CPU per exchange than one key per record
//! and index entry. A state database in another layout is rebuilt from the
//! journal when the node starts ([`Store::layout_is_current`]).
//!
//! `opening` (a child module) opens sled, waiting for a lock a database
//! closed a moment ago still holds; `pages` holds the paged reads the API's lists use: a
//! range of keys from a position, a bounded page at a time; `transfers` the
//! transfer and clearing records (lists, the retry lists, a lookup by
//! prefix); `public_log`
//! (another) our public log as a hash chain, and what we keep of other
//! banks' logs.

use std::collections::BTreeMap;
use std::path::Path;

use amser_protocol::federation::{PeerLine, TransferId, MAX_LOG_BATCH_BYTES};
use amser_protocol::journal::BankProfile;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, EntryHash, ExchangeId, ListingId, Member, MemberCode, Minutes, Policy};
use serde::{de::DeserializeOwned, Serialize};
use thiserror::Error;

use crate::ledger::{
    Delta, EvidenceId, ExchangeRecord, LedgerError, LedgerRead, ListingRecord, RingRecord, StateWrite, TransferRecord, TransferRole,
};
use crate::storage::journal::EntryAt;

mod opening;
mod pages;
mod public_log;
mod transfers;
mod view;

pub use opening::{open_database, STATE_LOCK_WAIT};
pub use pages::{Span, PAGE_SCAN_BUDGET};
pub use public_log::LogPage;

/// A transfer between other banks and the payee bank's decision on it, both
/// checked before they are kept (the federation's pairing makes these).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecidedPair {
    pub id: TransferId,
    pub transfer: SignedMessage,
    pub decision: SignedMessage,
}

/// sled's page cache, in bytes, where no `[storage] cache_mib` applies
/// (tools, tests, `init`): the config's default.
const CACHE_BYTES: u64 = crate::config::DEFAULT_STATE_CACHE_MIB as u64 * 1024 * 1024;
/// Most bytes one stored value may take when decoded.
const MAX_VALUE_BYTES: usize = 1024 * 1024;
/// The key layout described above; written with every batch.
const LAYOUT: u32 = 8;
const LAYOUT_KEY: &str = "meta:layout";
/// Where the head entry lies in the journal: (seq, frame start, frame end).
const AT_KEY: &str = "meta:at";

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("the bank's state database failed: {0}")]
    Sled(#[from] sled::Error),
    #[error("a stored value is damaged ({0}); stop the node, move the state/ folder out of the data directory and start the node again: it rebuilds the state from the journal")]
    Damaged(String),
}

impl From<StoreError> for LedgerError {
    fn from(e: StoreError) -> Self {
        LedgerError::Storage(e.to_string())
    }
}

/// Name of the sled tree of other banks' public statements.
const VIEW_TREE: &str = "federation_view";
/// Handle to the state database; cheap to clone, safe to share across threads.
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    view: sled::Tree,
}

fn enc<T: Serialize>(v: &T) -> Vec<u8> {
    postcard::to_stdvec(v).expect("in-memory values always encode")
}

fn dec<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    amser_protocol::encoding::decode_own("stored value", bytes, MAX_VALUE_BYTES).map_err(|e| StoreError::Damaged(format!("{what}: {e}")))
}

fn key(prefix: &str, rest: &[u8]) -> Vec<u8> {
    let mut k = Vec::with_capacity(prefix.len() + rest.len());
    k.extend_from_slice(prefix.as_bytes());
    k.extend_from_slice(rest);
    k
}

fn member_index_key(code: &MemberCode, seq: u64) -> Vec<u8> {
    let mut k = key("xm:", code.as_str().as_bytes());
    k.push(0);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

fn minutes_value(m: Minutes) -> Vec<u8> {
    m.0.to_le_bytes().to_vec()
}

/// Reads back what [`minutes_value`] wrote.
fn minutes_of(what: &str, v: &[u8]) -> Result<Minutes, StoreError> {
    Ok(Minutes(i64::from_le_bytes(v.try_into().map_err(|_| StoreError::Damaged(format!("{what} value")))?)))
}

/// A member code written as the rest of a key.
fn member_code_key(rest: &[u8]) -> Option<MemberCode> {
    std::str::from_utf8(rest).ok()?.parse().ok()
}

fn seq_key(prefix: &str, seq: u64) -> Vec<u8> {
    key(prefix, &seq.to_be_bytes())
}

fn seq_of(what: &str, v: &[u8]) -> Result<u64, StoreError> {
    Ok(u64::from_be_bytes(v.try_into().map_err(|_| StoreError::Damaged(format!("{what}: not a seq")))?))
}

/// Adds one delta's changes to a sled batch; collects the seqs of the
/// exchanges it records first, by member, into `by_member`.
fn add_to_batch<'a>(batch: &mut sled::Batch, d: &'a Delta, by_member: &mut BTreeMap<&'a MemberCode, Vec<u64>>) {
    if let Some(p) = &d.profile {
        batch.insert("meta:profile", enc(p));
    }
    if let Some(p) = &d.policy {
        batch.insert("meta:policy", enc(p));
    }
    if let Some(n) = &d.member_count {
        batch.insert("meta:count", enc(n));
    }
    if let Some((seq, hash)) = &d.head {
        batch.insert("meta:head", enc(&(seq, hash)));
    }
    for m in d.members.values() {
        batch.insert(key("m:", m.code.as_str().as_bytes()), enc(m));
    }
    for (code, b) in &d.balances {
        batch.insert(key("b:", code.as_str().as_bytes()), minutes_value(*b));
    }
    let first = d.first_seq.unwrap_or(0);
    for x in d.exchanges.values() {
        batch.insert(seq_key("xs:", x.seq), enc(x));
        if x.seq >= first {
            // First written here (a reversal rewrites an older record, whose indexes stand).
            batch.insert(key("x:", &x.exchange.id.0), x.seq.to_be_bytes().to_vec());
            for p in &x.exchange.postings {
                by_member.entry(&p.member).or_default().push(x.seq);
            }
        }
    }
    for l in d.listings.values() {
        batch.insert(key("l:", &l.listing.id.0), enc(l));
    }
    for p in d.peers.values() {
        batch.insert(key("p:", &p.bank.0), enc(p));
        if let Some(h) = &p.handle {
            batch.insert(key("ph:", h.as_str().as_bytes()), p.bank.0.to_vec());
        }
    }
    for (bank, m) in &d.clearing {
        batch.insert(key("c:", &bank.0), minutes_value(*m));
    }
    for (code, m) in &d.holds {
        batch.insert(key("h:", code.as_str().as_bytes()), minutes_value(*m));
    }
    for (bank, m) in &d.line_holds {
        batch.insert(key("lh:", &bank.0), minutes_value(*m));
    }
    for t in d.transfers.values() {
        batch.insert(key("t:", &t.id.0), enc(t));
        batch.insert(key("ts:", &t.seq.to_be_bytes()), t.id.0.to_vec());
        if t.is_pending() {
            batch.insert(key("tp:", &t.id.0), Vec::new());
        } else {
            batch.remove(key("tp:", &t.id.0));
        }
    }
    for (code, visit) in &d.visitors {
        batch.insert(key("vi:", code.as_str().as_bytes()), enc(visit));
    }
    for (code, to) in &d.moved {
        batch.insert(key("mv:", code.as_str().as_bytes()), to.as_str().as_bytes().to_vec());
    }
    for r in d.rings.values() {
        batch.insert(key("k:", &r.id.0), enc(r));
        if r.is_pending() {
            batch.insert(key("kp:", &r.id.0), Vec::new());
        } else {
            batch.remove(key("kp:", &r.id.0));
        }
    }
    for (bank, id) in &d.evidence {
        batch.insert(evidence_key(bank, id), Vec::new());
    }
}

/// `e:<bank><evidence id>`: present once that evidence against the bank is recorded.
fn evidence_key(bank: &BankId, id: &EvidenceId) -> Vec<u8> {
    let mut k = key("e:", &bank.0);
    k.extend_from_slice(id);
    k
}

impl Store {
    /// Opens the state database. sled's lock on it outlives a closed
    /// database by a moment (its threads let go of it after the last
    /// handle), so a node started right after another stopped in the same
    /// process waits for it, up to [`STATE_LOCK_WAIT`]; two nodes on one
    /// data directory are kept apart by the node's own lock first.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_cache(path, CACHE_BYTES)
    }

    /// [`Store::open`] with a page cache of `cache_bytes` (`[storage] cache_mib`).
    pub fn open_with_cache(path: &Path, cache_bytes: u64) -> Result<Store, StoreError> {
        let db = open_database(path, cache_bytes)?;
        let view = db.open_tree(VIEW_TREE)?;
        Ok(Store { db, view })
    }

    /// Drops all derived state (before a rebuild from the journal).
    pub fn clear(&self) -> Result<(), StoreError> {
        self.db.clear()?;
        Ok(())
    }

    fn get<T: DeserializeOwned>(&self, k: &[u8]) -> Result<Option<T>, StoreError> {
        match self.db.get(k)? {
            Some(v) => Ok(Some(dec(&String::from_utf8_lossy(k), &v)?)),
            None => Ok(None),
        }
    }

    /// Writes state changes as one atomic batch (replays, tools).
    pub fn apply(&self, writes: &[StateWrite]) -> Result<(), StoreError> {
        let mut delta = Delta::default();
        for w in writes {
            delta.write(w.clone());
        }
        self.apply_deltas([&delta])
    }

    /// Writes the changes of one or more group commits, in order (a later
    /// value for a key replaces an earlier one), as one atomic sled batch.
    /// The last delta's head goes in the same batch, so after a crash sled
    /// holds either all of these or none, and says which journal entry it
    /// reached.
    pub fn apply_deltas<'a>(&self, deltas: impl IntoIterator<Item = &'a Delta>) -> Result<(), StoreError> {
        self.apply_deltas_at(deltas, None)
    }

    /// [`Store::apply_deltas`], recording in the same batch where the last
    /// delta's head entry lies in the journal (`meta:at`), so that the next
    /// start reads the journal from there ([`Store::head_at`]).
    pub fn apply_deltas_at<'a>(&self, deltas: impl IntoIterator<Item = &'a Delta>, at: Option<EntryAt>) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        if let Some(at) = at {
            batch.insert(AT_KEY, enc(&(at.seq, at.start, at.end)));
        }
        let mut by_member: BTreeMap<&MemberCode, Vec<u64>> = BTreeMap::new();
        let mut chain = public_log::Chaining::start(self)?;
        for d in deltas {
            chain.add(self, &mut batch, d)?;
            add_to_batch(&mut batch, d, &mut by_member);
        }
        chain.finish(&mut batch);
        for (code, mut seqs) in by_member {
            seqs.sort_unstable();
            seqs.dedup();
            let value: Vec<u8> = seqs.iter().flat_map(|s| s.to_be_bytes()).collect();
            batch.insert(member_index_key(code, seqs[0]), value);
        }
        batch.insert(LAYOUT_KEY, LAYOUT.to_be_bytes().to_vec());
        self.db.apply_batch(batch)?;
        Ok(())
    }

    /// Where the head entry lies in the journal, as last recorded with it
    /// (`None` if never, or recorded for another entry than the head: then
    /// the start reads the whole journal, as before this was kept).
    pub fn head_at(&self) -> Result<Option<EntryAt>, StoreError> {
        let head = self.head_seq()?;
        Ok(self.get::<(u64, u64, u64)>(AT_KEY.as_bytes())?.map(|(seq, start, end)| EntryAt { seq, start, end }).filter(|at| at.seq == head))
    }

    /// Whether the database is empty or in this version's key layout (if
    /// not, the node rebuilds it from the journal).
    pub fn layout_is_current(&self) -> Result<bool, StoreError> {
        Ok(match self.db.get(LAYOUT_KEY)? {
            Some(v) => v.as_ref() == LAYOUT.to_be_bytes(),
            None => self.db.is_empty(),
        })
    }

    /// Asks sled to write its buffers out (not a device flush; used at
    /// shutdown only so the next start replays less).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush()?;
        Ok(())
    }

    fn scan_prefix<T: DeserializeOwned>(&self, prefix: &str) -> Result<Vec<T>, StoreError> {
        self.db
            .scan_prefix(prefix)
            .map(|kv| kv.map_err(StoreError::from).and_then(|(k, v)| dec(&String::from_utf8_lossy(&k), &v)))
            .collect()
    }

    pub fn members(&self) -> Result<Vec<Member>, StoreError> {
        self.scan_prefix("m:")
    }

    pub fn balances(&self) -> Result<Vec<(MemberCode, Minutes)>, StoreError> {
        self.scan_minutes("b:", "balance", member_code_key)
    }

    /// The exchange recorded by journal entry `seq` (big-endian bytes).
    fn exchange_at(&self, seq: &[u8]) -> Result<ExchangeRecord, StoreError> {
        self.get(&key("xs:", seq))?.ok_or_else(|| StoreError::Damaged("an index names a missing exchange".into()))
    }

    fn exchange_by_id(&self, id: &[u8]) -> Result<Option<ExchangeRecord>, StoreError> {
        match self.db.get(key("x:", id))? {
            Some(seq) => Ok(Some(self.exchange_at(&seq)?)),
            None => Ok(None),
        }
    }

    /// Exchanges in journal order, newest first when `newest_first`.
    pub fn exchanges(&self, newest_first: bool, limit: usize) -> Result<Vec<ExchangeRecord>, StoreError> {
        let iter = self.db.scan_prefix("xs:");
        let records: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            if newest_first { Box::new(iter.rev()) } else { Box::new(iter) };
        let mut out = Vec::new();
        for kv in records.take(limit) {
            let (_, v) = kv?;
            out.push(dec("exchange", &v)?);
        }
        Ok(out)
    }

    /// Calls `f` for every exchange in journal order (reports, exports).
    pub fn for_each_exchange(&self, mut f: impl FnMut(ExchangeRecord)) -> Result<(), StoreError> {
        for kv in self.db.scan_prefix("xs:") {
            let (_, v) = kv?;
            f(dec("exchange", &v)?);
        }
        Ok(())
    }

    /// A member's exchanges, newest first.
    pub fn exchanges_of(&self, code: &MemberCode, limit: usize) -> Result<Vec<ExchangeRecord>, StoreError> {
        let mut prefix = key("xm:", code.as_str().as_bytes());
        prefix.push(0);
        let mut out = Vec::new();
        for kv in self.db.scan_prefix(prefix).rev() {
            let (_, seqs) = kv?;
            if seqs.len() % 8 != 0 {
                return Err(StoreError::Damaged("member index value".into()));
            }
            for seq in seqs.chunks_exact(8).rev() {
                if out.len() >= limit {
                    return Ok(out);
                }
                out.push(self.exchange_at(seq)?);
            }
        }
        Ok(out)
    }

    /// Finds an exchange by id or by a unique hex prefix of it.
    pub fn find_exchange(&self, id_or_prefix: &str) -> Result<Option<ExchangeRecord>, StoreError> {
        let text = id_or_prefix.trim().to_ascii_lowercase();
        if let Ok(id) = text.parse::<ExchangeId>() {
            return self.exchange_by_id(&id.0);
        }
        if text.len() < 6 || text.len() % 2 == 1 {
            return Ok(None);
        }
        let Ok(bytes) = hex::decode(&text) else { return Ok(None) };
        let mut found = self.db.scan_prefix(key("x:", &bytes));
        match (found.next(), found.next()) {
            (Some(kv), None) => {
                let seq = kv?.1;
                seq_of("exchange index", &seq)?;
                Ok(Some(self.exchange_at(&seq)?))
            }
            _ => Ok(None),
        }
    }

    pub fn find_listing(&self, id: &str) -> Result<Option<ListingRecord>, StoreError> {
        match id.trim().parse::<ListingId>() {
            Ok(id) => self.get(&key("l:", &id.0)),
            Err(_) => Ok(None),
        }
    }
}

impl Store {
    fn minutes_at(&self, k: &[u8]) -> Result<Minutes, StoreError> {
        match self.db.get(k)? {
            Some(v) => minutes_of("minutes", &v),
            None => Ok(Minutes::ZERO),
        }
    }

    /// Every (key, minutes) under `prefix`, the key read by `key_of` from
    /// what follows the prefix (balances, clearing accounts, holds).
    fn scan_minutes<K>(&self, prefix: &str, what: &str, key_of: impl Fn(&[u8]) -> Option<K>) -> Result<Vec<(K, Minutes)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix(prefix) {
            let (k, v) = kv?;
            let key = key_of(&k[prefix.len()..]).ok_or_else(|| StoreError::Damaged(format!("{what} key")))?;
            out.push((key, minutes_of(what, &v)?));
        }
        Ok(out)
    }

    pub fn peers(&self) -> Result<Vec<PeerLine>, StoreError> {
        self.scan_prefix("p:")
    }

    /// Every clearing account: (peer bank, minutes).
    pub fn clearings(&self) -> Result<Vec<(BankId, Minutes)>, StoreError> {
        self.scan_minutes("c:", "clearing", |rest| Some(BankId(rest.try_into().ok()?)))
    }

    /// Every evidence recorded: (the bank it is against, its id).
    pub fn evidence(&self) -> Result<Vec<(BankId, EvidenceId)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix("e:") {
            let (k, _) = kv?;
            let rest = &k[2..];
            let (Ok(bank), Ok(id)) =
                (<[u8; 32]>::try_from(&rest[..rest.len().min(32)]), <EvidenceId>::try_from(rest.get(32..).unwrap_or(&[])))
            else {
                return Err(StoreError::Damaged("evidence key".into()));
            };
            out.push((BankId(bank), id));
        }
        Ok(out)
    }

    /// Every member's minutes held for transfers in flight.
    pub fn holds(&self) -> Result<Vec<(MemberCode, Minutes)>, StoreError> {
        self.scan_minutes("h:", "hold", member_code_key)
    }

    /// What the letter a visitor was registered on says.
    pub fn visiting(&self, code: &MemberCode) -> Result<Option<amser_protocol::introduction::Introduction>, StoreError> {
        self.get(&key("vi:", code.as_str().as_bytes()))
    }

    /// The code a member who moved to another bank has there.
    pub fn moved_to(&self, code: &MemberCode) -> Result<Option<MemberCode>, StoreError> {
        let Some(v) = self.db.get(key("mv:", code.as_str().as_bytes()))? else { return Ok(None) };
        let text = std::str::from_utf8(&v).map_err(|_| StoreError::Damaged("a moved member's new code".into()))?;
        Ok(Some(text.parse().map_err(|_| StoreError::Damaged("a moved member's new code".into()))?))
    }

    /// Every line's minutes held for routed transfers in flight: (peer bank, minutes).
    pub fn line_holds(&self) -> Result<Vec<(BankId, Minutes)>, StoreError> {
        self.scan_minutes("lh:", "line hold", |rest| Some(BankId(rest.try_into().ok()?)))
    }

    /// The peer handle index: (handle, the bank it was last written for).
    pub fn peer_handles(&self) -> Result<Vec<(String, BankId)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix("ph:") {
            let (k, v) = kv?;
            let handle = std::str::from_utf8(&k[3..]).map_err(|_| StoreError::Damaged("peer index key".into()))?.to_string();
            let bank: [u8; 32] = v.as_ref().try_into().map_err(|_| StoreError::Damaged("peer index".into()))?;
            out.push((handle, BankId(bank)));
        }
        Ok(out)
    }

    /// Calls `f` with the id of every exchange recorded.
    pub fn for_each_exchange_id(&self, f: impl FnMut(&[u8; 32])) -> Result<(), StoreError> {
        self.for_each_id("x:", f)
    }

    /// Calls `f` with the id of every transfer recorded.
    pub fn for_each_transfer_id(&self, f: impl FnMut(&[u8; 32])) -> Result<(), StoreError> {
        self.for_each_id("t:", f)
    }

    fn for_each_id(&self, prefix: &str, mut f: impl FnMut(&[u8; 32])) -> Result<(), StoreError> {
        for kv in self.db.scan_prefix(prefix) {
            let (k, _) = kv?;
            let id: &[u8; 32] = k[prefix.len()..].try_into().map_err(|_| StoreError::Damaged(format!("{prefix} key")))?;
            f(id);
        }
        Ok(())
    }
}

/// Our public log (what we keep of other banks' is in `view`).
impl Store {
    /// Our public log from journal entry `from_seq` on: each transfer we
    /// signed as payer, and each transfer we received followed by our signed
    /// decision, in journal order; at most `max` messages and about
    /// [`MAX_LOG_BATCH_BYTES`] bytes. Returns them with the seq to ask from next.
    pub fn public_log(&self, from_seq: u64, max: usize) -> Result<(Vec<SignedMessage>, u64), StoreError> {
        let (mut out, mut bytes, mut next_seq) = (Vec::new(), 0usize, from_seq);
        for kv in self.db.range(seq_key("ts:", from_seq)..key("ts;", &[])) {
            let (k, id) = kv?;
            let seq = seq_of("transfer index", &k[3..])?;
            let record: TransferRecord =
                self.get(&key("t:", &id))?.ok_or_else(|| StoreError::Damaged("an index names a missing transfer".into()))?;
            let mut said = vec![record.signed];
            if record.role == TransferRole::Incoming {
                said.extend(record.signed_decision);
            }
            let size: usize = said.iter().map(|m| m.envelope.len() + m.signature.len()).sum();
            if !out.is_empty() && (out.len() + said.len() > max || bytes + size > MAX_LOG_BATCH_BYTES) {
                break;
            }
            bytes += size;
            out.extend(said);
            next_seq = seq + 1;
        }
        if out.is_empty() {
            // Nothing public from `from_seq` to our head: the asker is up to date.
            next_seq = next_seq.max(self.head_seq()? + 1);
        }
        Ok((out, next_seq))
    }

    pub(super) fn head_seq(&self) -> Result<u64, StoreError> {
        Ok(self.get::<(u64, EntryHash)>(b"meta:head")?.map(|(seq, _)| seq).unwrap_or(0))
    }
}

impl LedgerRead for Store {
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError> {
        Ok(self.get(&key("p:", &bank.0))?)
    }
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError> {
        let Some(bank) = self.db.get(key("ph:", handle.as_bytes())).map_err(StoreError::from)? else { return Ok(None) };
        let bank: [u8; 32] = bank.as_ref().try_into().map_err(|_| StoreError::Damaged("peer index".into()))?;
        Ok(self.peer(&BankId(bank))?.filter(|p| !p.removed && p.handle.as_ref().is_some_and(|h| h.as_str() == handle)))
    }
    fn clearing(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        Ok(self.minutes_at(&key("c:", &bank.0))?)
    }
    fn hold(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        Ok(self.minutes_at(&key("h:", code.as_str().as_bytes()))?)
    }
    fn line_hold(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        Ok(self.minutes_at(&key("lh:", &bank.0))?)
    }
    fn transfer(&self, id: &TransferId) -> Result<Option<TransferRecord>, LedgerError> {
        Ok(self.get(&key("t:", &id.0))?)
    }
    fn ring(&self, id: &TransferId) -> Result<Option<RingRecord>, LedgerError> {
        Ok(self.get(&key("k:", &id.0))?)
    }
    fn rings_in_flight(&self) -> Result<Vec<RingRecord>, LedgerError> {
        Ok(self.pending_rings()?)
    }
    fn evidence_recorded(&self, bank: &BankId, id: &EvidenceId) -> Result<bool, LedgerError> {
        Ok(self.db.contains_key(evidence_key(bank, id)).map_err(StoreError::from)?)
    }
    fn profile(&self) -> Result<Option<BankProfile>, LedgerError> {
        Ok(self.get("meta:profile".as_bytes())?)
    }
    fn policy(&self) -> Result<Policy, LedgerError> {
        Ok(self.get("meta:policy".as_bytes())?.unwrap_or_default())
    }
    fn member(&self, code: &MemberCode) -> Result<Option<Member>, LedgerError> {
        Ok(self.get(&key("m:", code.as_str().as_bytes()))?)
    }
    fn member_count(&self) -> Result<u64, LedgerError> {
        Ok(self.get("meta:count".as_bytes())?.unwrap_or(0))
    }
    fn balance(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        match self.db.get(key("b:", code.as_str().as_bytes())).map_err(StoreError::from)? {
            Some(v) => Ok(Minutes(i64::from_le_bytes(v.as_ref().try_into().map_err(|_| StoreError::Damaged("balance value".into()))?))),
            None => Ok(Minutes::ZERO),
        }
    }
    fn exchange(&self, id: &ExchangeId) -> Result<Option<ExchangeRecord>, LedgerError> {
        Ok(self.exchange_by_id(&id.0)?)
    }
    fn listing(&self, id: &ListingId) -> Result<Option<ListingRecord>, LedgerError> {
        Ok(self.get(&key("l:", &id.0))?)
    }
    fn head(&self) -> Result<(u64, EntryHash), LedgerError> {
        Ok(self.get("meta:head".as_bytes())?.unwrap_or((0, EntryHash::default())))
    }
}
