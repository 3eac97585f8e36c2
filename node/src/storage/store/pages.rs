//! Paged reads of the state database: each reads one range of keys from a
//! position (never everything then a slice), at most a page of records that
//! pass its filter and at most [`PAGE_SCAN_BUDGET`] records in all, and
//! says where the next page starts. Positions are what the keys are made
//! of (a member code, a journal seq, a listing id, a bank id), so a page
//! read after more was appended continues exactly where the last one ended.

use std::ops::Bound;

use amser_protocol::federation::{PeerLine, RecalledPair, MAX_LOG_BATCH_BYTES};
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, ListingId, Member, MemberCode, Minutes};

use super::{dec, key, member_code_key, minutes_of, seq_key, seq_of, Store, StoreError};
use crate::ledger::{ExchangeRecord, ListingRecord, TransferRecord};

/// Most records one page reads, whether or not they pass its filter: a
/// filter that matches little gives short (even empty) pages with a cursor,
/// rather than one request that reads the whole register.
pub const PAGE_SCAN_BUDGET: usize = 10_000;

/// What one paged read found: the records, and the position to read on
/// from (after it, in the read's order); `None` when nothing is left.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Span<T, P> {
    pub items: Vec<T>,
    pub next: Option<P>,
}

type Kv = sled::Result<(sled::IVec, sled::IVec)>;

/// The key just past every key that starts with `prefix` (its last byte
/// plus one: the prefixes here end in ':', so no carry).
fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

/// Keys under `prefix` strictly after `after` (the rest of a key), to the end.
fn after_range(prefix: &str, after: Option<&[u8]>) -> (Bound<Vec<u8>>, Bound<Vec<u8>>) {
    let start = match after {
        Some(rest) => Bound::Excluded(key(prefix, rest)),
        None => Bound::Included(prefix.as_bytes().to_vec()),
    };
    (start, Bound::Excluded(prefix_end(prefix)))
}

impl Store {
    /// Reads `range` in order (or reversed), keeping what `keep` makes of
    /// each record, until a page is full or the budget is spent. The
    /// position returned is the last key read, when any key is left after it.
    fn page_of<T>(
        &self,
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        descending: bool,
        limit: usize,
        mut keep: impl FnMut(&[u8], &[u8]) -> Result<Option<T>, StoreError>,
    ) -> Result<Span<T, Vec<u8>>, StoreError> {
        let iter = self.db.range(range);
        let records: Box<dyn Iterator<Item = Kv>> = if descending { Box::new(iter.rev()) } else { Box::new(iter) };
        let (mut items, mut read, mut last) = (Vec::new(), 0usize, None);
        for kv in records {
            let (k, v) = kv?;
            if items.len() >= limit || read >= PAGE_SCAN_BUDGET {
                return Ok(Span { items, next: last });
            }
            read += 1;
            if let Some(t) = keep(&k, &v)? {
                items.push(t);
            }
            last = Some(k.to_vec());
        }
        Ok(Span { items, next: None })
    }

    /// Members in code order after `after`, those `keep` accepts.
    pub fn members_page(
        &self,
        after: Option<&MemberCode>,
        limit: usize,
        keep: impl Fn(&Member) -> bool,
    ) -> Result<Span<Member, MemberCode>, StoreError> {
        let range = after_range("m:", after.map(|c| c.as_str().as_bytes()));
        let span = self.page_of(range, false, limit, |k, v| {
            let m: Member = dec(&String::from_utf8_lossy(k), v)?;
            Ok(keep(&m).then_some(m))
        })?;
        code_position("m:", span)
    }

    /// Calls `f` for every member in code order, one at a time.
    pub fn for_each_member(&self, mut f: impl FnMut(Member)) -> Result<(), StoreError> {
        for kv in self.db.scan_prefix("m:") {
            let (k, v) = kv?;
            f(dec(&String::from_utf8_lossy(&k), &v)?);
        }
        Ok(())
    }

    /// Members' balances in code order after `after`.
    pub fn balances_page(&self, after: Option<&MemberCode>, limit: usize) -> Result<Span<(MemberCode, Minutes), MemberCode>, StoreError> {
        let range = after_range("b:", after.map(|c| c.as_str().as_bytes()));
        let span = self.page_of(range, false, limit, |k, v| {
            let code = member_code_key(&k[2..]).ok_or_else(|| StoreError::Damaged("balance key".into()))?;
            Ok(Some((code, minutes_of("balance", v)?)))
        })?;
        code_position("b:", span)
    }

    /// The sum of every member's balance and every clearing account, read
    /// one key at a time (memory does not grow with the register).
    pub fn sum_of_accounts(&self) -> Result<i64, StoreError> {
        let mut sum = 0i64;
        for prefix in ["b:", "c:"] {
            for kv in self.db.scan_prefix(prefix) {
                sum = sum.saturating_add(minutes_of("account", &kv?.1)?.0);
            }
        }
        Ok(sum)
    }

    /// Exchanges in journal order (newest first when `newest_first`),
    /// strictly past the entry `after` in that order.
    pub fn exchanges_page(&self, after: Option<u64>, newest_first: bool, limit: usize) -> Result<Span<ExchangeRecord, u64>, StoreError> {
        let range = match (after, newest_first) {
            (Some(seq), true) => (Bound::Included(seq_key("xs:", 0)), Bound::Excluded(seq_key("xs:", seq))),
            (Some(seq), false) => (Bound::Excluded(seq_key("xs:", seq)), Bound::Excluded(prefix_end("xs:"))),
            (None, _) => after_range("xs:", None),
        };
        self.exchange_span(range, newest_first, limit)
    }

    /// Exchanges oldest first after the entry `after`, up to and including
    /// entry `through` (an export stops at the head its first page saw).
    pub fn exchanges_through(&self, after: Option<u64>, through: u64, limit: usize) -> Result<Span<ExchangeRecord, u64>, StoreError> {
        let start = after.map_or(Bound::Included(seq_key("xs:", 0)), |seq| Bound::Excluded(seq_key("xs:", seq)));
        self.exchange_span((start, Bound::Included(seq_key("xs:", through))), false, limit)
    }

    fn exchange_span(
        &self,
        range: (Bound<Vec<u8>>, Bound<Vec<u8>>),
        descending: bool,
        limit: usize,
    ) -> Result<Span<ExchangeRecord, u64>, StoreError> {
        let span = self.page_of(range, descending, limit, |_, v| Ok(Some(dec("exchange", v)?)))?;
        seq_position("xs:", span)
    }

    /// A member's exchanges, newest first, recorded before entry `before`.
    pub fn member_exchanges_page(
        &self,
        code: &MemberCode,
        before: Option<u64>,
        limit: usize,
    ) -> Result<Span<ExchangeRecord, u64>, StoreError> {
        let mut prefix = key("xm:", code.as_str().as_bytes());
        prefix.push(0);
        let mut end = prefix.clone();
        // A key whose first seq is `before` or later holds only later seqs.
        end.extend_from_slice(&before.unwrap_or(u64::MAX).to_be_bytes());
        let mut items = Vec::new();
        for kv in self.db.range(prefix..end).rev() {
            let (_, seqs) = kv?;
            if seqs.len() % 8 != 0 {
                return Err(StoreError::Damaged("member index value".into()));
            }
            for seq in seqs.chunks_exact(8).rev() {
                let n = seq_of("member index", seq)?;
                if before.is_some_and(|b| n >= b) {
                    continue;
                }
                if items.len() >= limit {
                    let next = items.last().map(|x: &ExchangeRecord| x.seq);
                    return Ok(Span { items, next });
                }
                items.push(self.exchange_at(seq)?);
            }
        }
        Ok(Span { items, next: None })
    }

    /// Listings in id order after `after`, those `keep` accepts.
    pub fn listings_page(
        &self,
        after: Option<&ListingId>,
        limit: usize,
        keep: impl Fn(&ListingRecord) -> bool,
    ) -> Result<Span<ListingRecord, ListingId>, StoreError> {
        let span = self.page_of(after_range("l:", after.map(|id| &id.0[..])), false, limit, |k, v| {
            let l: ListingRecord = dec(&String::from_utf8_lossy(k), v)?;
            Ok(keep(&l).then_some(l))
        })?;
        let next = span.next.map(|k| id_of("listing", &k[2..]).map(ListingId)).transpose()?;
        Ok(Span { items: span.items, next })
    }

    /// Peer lines in the order of their bank ids, after `after`.
    pub fn peers_page(&self, after: Option<&BankId>, limit: usize) -> Result<Span<PeerLine, BankId>, StoreError> {
        let span =
            self.page_of(after_range("p:", after.map(|b| &b.0[..])), false, limit, |k, v| Ok(Some(dec(&String::from_utf8_lossy(k), v)?)))?;
        let next = span.next.map(|k| id_of("peer", &k[2..]).map(BankId)).transpose()?;
        Ok(Span { items: span.items, next })
    }

    /// Transfers in journal order (newest first when `newest_first`),
    /// strictly past the entry `after` in that order.
    pub fn transfers_page(&self, after: Option<u64>, newest_first: bool, limit: usize) -> Result<Span<TransferRecord, u64>, StoreError> {
        let range = match (after, newest_first) {
            (Some(seq), true) => (Bound::Included(seq_key("ts:", 0)), Bound::Excluded(seq_key("ts:", seq))),
            (Some(seq), false) => (Bound::Excluded(seq_key("ts:", seq)), Bound::Excluded(prefix_end("ts:"))),
            (None, _) => after_range("ts:", None),
        };
        let span = self.page_of(range, newest_first, limit, |_, id| Ok(Some(self.transfer_at(id)?)))?;
        seq_position("ts:", span)
    }

    fn transfer_at(&self, id: &[u8]) -> Result<TransferRecord, StoreError> {
        self.get(&key("t:", id))?.ok_or_else(|| StoreError::Damaged("an index names a missing transfer".into()))
    }

    /// Calls `f` for every transfer in journal order, one at a time.
    pub fn for_each_transfer(&self, mut f: impl FnMut(TransferRecord)) -> Result<(), StoreError> {
        for kv in self.db.scan_prefix("ts:") {
            f(self.transfer_at(&kv?.1)?);
        }
        Ok(())
    }

    /// Calls `f` for every transfer not yet decided, one at a time.
    pub fn for_each_pending_transfer(&self, mut f: impl FnMut(TransferRecord)) -> Result<(), StoreError> {
        for kv in self.db.scan_prefix("tp:") {
            let record = self.transfer_at(&kv?.0[3..])?;
            if record.is_pending() {
                f(record);
            }
        }
        Ok(())
    }

    /// Calls `f` for every decided transfer between other banks that we
    /// keep, one at a time: (transfer, decision).
    pub fn for_each_public_transfer(&self, mut f: impl FnMut(SignedMessage, SignedMessage)) -> Result<(), StoreError> {
        for kv in self.view.scan_prefix("vt:") {
            let (transfer, decision) = dec("transfer seen", &kv?.1)?;
            f(transfer, decision);
        }
        Ok(())
    }

    /// The decided transfers between us and `bank`, both ways, in journal
    /// order from entry `from_seq`: at most `max` pairs, about
    /// [`MAX_LOG_BATCH_BYTES`] bytes and [`PAGE_SCAN_BUDGET`] records read.
    /// Returns them with the seq to read on from (past our head: all read).
    pub fn recall_page(&self, bank: &BankId, from_seq: u64, max: usize) -> Result<(Vec<RecalledPair>, u64), StoreError> {
        let (mut out, mut bytes, mut next_seq, mut read) = (Vec::new(), 0usize, from_seq, 0usize);
        let mut ended = true;
        let us = crate::ledger::LedgerRead::profile(self).map_err(|e| StoreError::Damaged(e.to_string()))?.map(|p| p.bank);
        for kv in self.db.range(seq_key("ts:", from_seq)..key("ts;", &[])) {
            let (k, id) = kv?;
            let seq = seq_of("transfer index", &k[3..])?;
            if out.len() >= max || read >= PAGE_SCAN_BUDGET || bytes >= MAX_LOG_BATCH_BYTES {
                ended = false;
                break;
            }
            read += 1;
            let record: TransferRecord =
                self.get(&key("t:", &id))?.ok_or_else(|| StoreError::Damaged("an index names a missing transfer".into()))?;
            next_seq = seq + 1;
            // Direct, between us; routed, with `bank` on its way up to the bank that decided it;
            // or routed, undecided here, and `bank` the one that passed it to us.
            let passed_by_them = record.is_pending() && !record.path.is_empty() && us.is_some_and(|us| record.before(&us) == Some(*bank));
            match (record.reached(bank), record.signed_decision) {
                (true, Some(decision)) => {
                    bytes +=
                        record.signed.envelope.len() + record.signed.signature.len() + decision.envelope.len() + decision.signature.len();
                    out.push(RecalledPair { transfer: record.signed, decision: Some(decision) });
                }
                (_, None) if passed_by_them => {
                    bytes += record.signed.envelope.len() + record.signed.signature.len();
                    out.push(RecalledPair { transfer: record.signed, decision: None });
                }
                _ => {}
            }
        }
        if ended {
            next_seq = next_seq.max(self.head_seq()? + 1);
        }
        Ok((out, next_seq))
    }
}

/// A 32-byte id at the end of a key.
fn id_of(what: &str, rest: &[u8]) -> Result<[u8; 32], StoreError> {
    rest.try_into().map_err(|_| StoreError::Damaged(format!("{what} key")))
}

/// The span's position as the member code its last key ends in.
fn code_position<T>(prefix: &str, span: Span<T, Vec<u8>>) -> Result<Span<T, MemberCode>, StoreError> {
    let next =
        span.next.map(|k| member_code_key(&k[prefix.len()..]).ok_or_else(|| StoreError::Damaged(format!("{prefix} key")))).transpose()?;
    Ok(Span { items: span.items, next })
}

/// The span's position as the journal seq its last key ends in.
fn seq_position<T>(prefix: &str, span: Span<T, Vec<u8>>) -> Result<Span<T, u64>, StoreError> {
    let next = span.next.map(|k| seq_of(&format!("{prefix} key"), &k[prefix.len()..])).transpose()?;
    Ok(Span { items: span.items, next })
}
