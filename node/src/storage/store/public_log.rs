//! Our public log, and what we keep of other banks' public logs.
//!
//! Our public log is read from the journal's transfers (`ts:`), and chained
//! as it is written: each statement gets a position and a chain hash
//! (`amser_protocol::public_log::link`), appended in journal order by the
//! same atomic batch that records the transfer, so a state database rebuilt
//! from the journal holds the same chain. Keys (main tree):
//! ```text
//! meta:log            (position, chain hash): the public log's head
//! lp:<position BE>    (transfer id, second, chain hash): the statement at that
//!                     position is the transfer's signed message, or (second)
//!                     our signed decision on it
//! ```
//! And in `federation_view`, where we stand in each other bank's chained log:
//! ```text
//! vl:<bank>           a `public_log::Cursor`: position, chain hash, its signed head
//! ```

use std::collections::HashSet;

use amser_protocol::federation::{TransferId, MAX_LOG_BATCH_BYTES};
use amser_protocol::public_log::{link, Cursor, GENESIS};
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, EntryHash};

use super::{dec, enc, key, seq_key, seq_of, DecidedPair, Store, StoreError};
use crate::ledger::{Delta, TransferRecord, TransferRole};

/// Key of our public log's head.
const LOG_HEAD_KEY: &str = "meta:log";

/// What `lp:<position>` holds: which statement is there, and the chain hash after it.
type Link = (TransferId, bool, EntryHash);

/// A page of our chained public log, before it is signed: the statements
/// after `after`, the chain hash at `after` (none when our log is shorter)
/// and at the page's end, and how long the log is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub after: u64,
    pub after_hash: Option<EntryHash>,
    pub statements: Vec<SignedMessage>,
    pub end: (u64, EntryHash),
    pub length: u64,
}

/// The public statements a transfer record makes, in log order.
fn statements_of(record: &TransferRecord) -> Vec<SignedMessage> {
    let mut said = vec![record.signed.clone()];
    if record.role == TransferRole::Incoming {
        said.extend(record.signed_decision.clone());
    }
    said
}

/// The chain being extended by one atomic batch.
pub(super) struct Chaining {
    position: u64,
    hash: EntryHash,
    /// Transfers chained earlier in this batch (a later delta may update them).
    chained: HashSet<TransferId>,
}

impl Chaining {
    pub(super) fn start(store: &Store) -> Result<Chaining, StoreError> {
        let (position, hash) = store.log_head()?;
        Ok(Chaining { position, hash, chained: HashSet::new() })
    }

    /// Chains the statements of the transfers `d` records first, in journal
    /// order (a transfer already in the state database is only updated here:
    /// its statements were chained when it was recorded).
    pub(super) fn add(&mut self, store: &Store, batch: &mut sled::Batch, d: &Delta) -> Result<(), StoreError> {
        let mut new = Vec::new();
        for t in d.transfers.values() {
            if !self.chained.contains(&t.id) && !store.db.contains_key(key("t:", &t.id.0))? {
                new.push(t);
            }
        }
        new.sort_by_key(|t| t.seq);
        for t in new {
            self.chained.insert(t.id);
            for (i, statement) in statements_of(t).iter().enumerate() {
                self.position += 1;
                self.hash = link(&self.hash, statement);
                batch.insert(seq_key("lp:", self.position), enc(&(t.id, i == 1, self.hash)));
            }
        }
        Ok(())
    }

    pub(super) fn finish(self, batch: &mut sled::Batch) {
        // A batch that chained nothing leaves the head as it was (one key less to write).
        if !self.chained.is_empty() {
            batch.insert(LOG_HEAD_KEY, enc(&(self.position, self.hash)));
        }
    }
}

impl Store {
    /// Our public log's head: how many statements it holds, and the chain hash after the last.
    pub fn log_head(&self) -> Result<(u64, EntryHash), StoreError> {
        Ok(self.get::<(u64, EntryHash)>(LOG_HEAD_KEY.as_bytes())?.unwrap_or((0, GENESIS)))
    }

    /// The chain hash after the statement at `position` (position 0: before any).
    fn log_hash_at(&self, position: u64) -> Result<Option<EntryHash>, StoreError> {
        if position == 0 {
            return Ok(Some(GENESIS));
        }
        Ok(self.get::<Link>(&seq_key("lp:", position))?.map(|(_, _, hash)| hash))
    }

    /// Our chained public log after position `after`: at most `max`
    /// statements and about [`MAX_LOG_BATCH_BYTES`] bytes (one larger
    /// statement goes alone), with the chain hashes to sign.
    pub fn chained_log(&self, after: u64, max: usize) -> Result<LogPage, StoreError> {
        // The head first: a batch landing while we read adds after it, which we leave out.
        let (length, _) = self.log_head()?;
        let after_hash = if after <= length { self.log_hash_at(after)? } else { None };
        let (mut statements, mut bytes, mut end) = (Vec::new(), 0usize, (after, after_hash.unwrap_or(GENESIS)));
        let mut record: Option<TransferRecord> = None;
        if after < length {
            for kv in self.db.range(seq_key("lp:", after + 1)..=seq_key("lp:", length)) {
                let (k, v) = kv?;
                let position = seq_of("public log position", &k[3..])?;
                let (id, second, hash): Link = dec("public log link", &v)?;
                if record.as_ref().is_none_or(|r| r.id != id) {
                    record = Some(
                        self.get(&key("t:", &id.0))?
                            .ok_or_else(|| StoreError::Damaged("the public log names a missing transfer".into()))?,
                    );
                }
                let said = record.as_ref().map(statements_of).unwrap_or_default();
                let statement = said
                    .get(usize::from(second))
                    .cloned()
                    .ok_or_else(|| StoreError::Damaged("the public log names a missing decision".into()))?;
                let size = statement.envelope.len() + statement.signature.len();
                if !statements.is_empty() && (statements.len() >= max || bytes + size > MAX_LOG_BATCH_BYTES) {
                    break;
                }
                bytes += size;
                statements.push(statement);
                end = (position, hash);
            }
        }
        Ok(LogPage { after, after_hash, statements, end, length })
    }

    /// Where we stand in `bank`'s chained public log (the start if nowhere).
    pub fn log_chain_cursor(&self, bank: &BankId) -> Result<Cursor, StoreError> {
        match self.view.get(key("vl:", &bank.0))? {
            Some(v) => dec("log chain cursor", &v),
            None => Ok(Cursor::start()),
        }
    }

    pub fn set_log_chain_cursor(&self, bank: &BankId, cursor: &Cursor) -> Result<(), StoreError> {
        self.view.insert(key("vl:", &bank.0), enc(cursor))?;
        Ok(())
    }
}

/// The unchained public log (`PeerRequest::Log`, for banks that still ask
/// for it), and what we keep of other banks' public logs.
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

    fn head_seq(&self) -> Result<u64, StoreError> {
        Ok(self.get::<(u64, EntryHash)>(b"meta:head")?.map(|(seq, _)| seq).unwrap_or(0))
    }

    /// Keeps a transfer between other banks with the payee bank's decision
    /// (paired by the federation's pairing). Returns whether it was new.
    pub fn remember_pair(&self, pair: &DecidedPair) -> Result<bool, StoreError> {
        let previous =
            self.view.compare_and_swap(key("vt:", &pair.id.0), None as Option<&[u8]>, Some(enc(&(&pair.transfer, &pair.decision))))?;
        Ok(previous.is_ok())
    }

    /// Every decided transfer other banks told us of: (transfer, decision).
    pub fn public_transfers(&self) -> Result<Vec<(SignedMessage, SignedMessage)>, StoreError> {
        self.view.scan_prefix("vt:").map(|kv| dec("transfer seen", &kv?.1)).collect()
    }

    /// Every kept pair, with its transfer id.
    pub fn kept_pairs(&self) -> Result<Vec<DecidedPair>, StoreError> {
        self.view
            .scan_prefix("vt:")
            .map(|kv| {
                let (k, v) = kv?;
                let id =
                    k.get(3..).and_then(|b| <[u8; 32]>::try_from(b).ok()).ok_or_else(|| StoreError::Damaged("a kept pair's key".into()))?;
                let (transfer, decision) = dec("transfer seen", &v)?;
                Ok(DecidedPair { id: TransferId(id), transfer, decision })
            })
            .collect()
    }

    /// The kept pair on one transfer, if any: (transfer, decision).
    pub fn kept_pair(&self, id: &TransferId) -> Result<Option<(SignedMessage, SignedMessage)>, StoreError> {
        match self.view.get(key("vt:", &id.0))? {
            Some(v) => Ok(Some(dec("transfer seen", &v)?)),
            None => Ok(None),
        }
    }

    /// Forgets a kept pair (its banks no longer vouched for).
    pub fn forget_pair(&self, id: &TransferId) -> Result<(), StoreError> {
        self.view.remove(key("vt:", &id.0))?;
        Ok(())
    }

    /// The newest journal head `bank` signed that we hold: (its seq, the signed message).
    pub fn newest_head(&self, bank: &BankId) -> Result<Option<(u64, SignedMessage)>, StoreError> {
        match self.view.get(key("vh:", &bank.0))? {
            Some(v) => Ok(Some(dec("newest head", &v)?)),
            None => Ok(None),
        }
    }

    /// Keeps `signed` (a verified head of `bank` at `seq`) if it is newer
    /// than the one held. Returns whether it was kept.
    pub fn keep_newest_head(&self, bank: &BankId, seq: u64, signed: &SignedMessage) -> Result<bool, StoreError> {
        let newer = enc(&(seq, signed));
        let mut kept = false;
        // Atomic, so two heads arriving at once cannot leave the older one.
        self.view.fetch_and_update(key("vh:", &bank.0), |held| {
            let held_seq = held.and_then(|v| dec::<(u64, SignedMessage)>("newest head", v).ok()).map(|(s, _)| s);
            kept = held_seq.is_none_or(|h| h < seq);
            if kept {
                Some(newer.clone())
            } else {
                held.map(<[u8]>::to_vec)
            }
        })?;
        Ok(kept)
    }
}
