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

use super::{dec, enc, key, seq_key, seq_of, Store, StoreError};
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
