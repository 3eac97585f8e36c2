//! Our public log, and what we keep of other banks' public logs.
//!
//! Our public log is read from the journal's transfers (`ts:`), and chained
//! as it is written: each statement gets a position and a chain hash
//! (`amser_protocol::public_log::link`), appended in journal order by the
//! same atomic batch that records the transfer, so a state database rebuilt
//! from the journal holds the same chain. Keys (main tree):
//! ```text
//! meta:log            (position, chain hash): the public log's head
//! lp:<position BE>    Said (transfer id, second, chain hash): the statement at
//!                     that position is the transfer's signed message, or
//!                     (second) our signed decision on it; or Restart (hash):
//!                     the log restarts there, after a `Recovered` entry
//! ```
//! And in `federation_view`, where we stand in each other bank's chained log:
//! ```text
//! vl:<bank>           a `public_log::Cursor`: position, chain hash, its signed head
//! ```

use std::collections::HashSet;

use amser_protocol::federation::{TransferId, MAX_LOG_BATCH_BYTES};
use amser_protocol::public_log::{link, restart_hash, restart_position, Cursor, GENESIS};
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, EntryHash};
use serde::{Deserialize, Serialize};

use super::{dec, enc, key, seq_key, seq_of, Store, StoreError};
use crate::ledger::{Delta, TransferRecord, TransferRole};

/// Key of our public log's head.
const LOG_HEAD_KEY: &str = "meta:log";

/// What `lp:<position>` holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Link {
    /// A statement: the transfer's signed message, or (second) our signed
    /// decision on it; and the chain hash after it.
    Said { transfer: TransferId, second: bool, hash: EntryHash },
    /// The log restarts here, after a journal put back from an older copy
    /// (`public_log::restart_hash`); nothing is said at this position.
    Restart { hash: EntryHash },
}

impl Link {
    fn hash(&self) -> EntryHash {
        match self {
            Link::Said { hash, .. } | Link::Restart { hash } => *hash,
        }
    }
}

/// A page of our chained public log, before it is signed: the statements
/// after `after`, the chain hash at `after` (none when our log is shorter,
/// or nothing is there), the restart they follow if what follows `after`
/// was lost (its position and hash), the chain hash at the page's end, and
/// how long the log is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogPage {
    pub after: u64,
    pub after_hash: Option<EntryHash>,
    pub restart: Option<(u64, EntryHash)>,
    pub statements: Vec<SignedMessage>,
    pub end: (u64, EntryHash),
    pub length: u64,
}

/// The public statements a transfer record makes when it is first
/// recorded, in log order: the signed transfer, and, as its payee's bank,
/// our decision; as a hop, the routed transfer we held (or refused, with
/// our signed refusal). Only a decision made by the entry that recorded
/// the transfer is ours: a hop's record settled later in the same batch
/// carries the payee's, and the chain must not depend on how entries were
/// batched (a rebuilt state database has the same chain).
fn statements_of(record: &TransferRecord) -> Vec<SignedMessage> {
    let mut said = vec![record.signed.clone()];
    let ours_decided = match record.role {
        TransferRole::Incoming => true,
        TransferRole::Forwarded => record.settled_seq == Some(record.seq),
        TransferRole::Outgoing => false,
    };
    if ours_decided {
        said.extend(record.signed_decision.clone());
    }
    said
}

/// The chain being extended by one atomic batch.
pub(super) struct Chaining {
    position: u64,
    hash: EntryHash,
    /// The journal entry the batch has reached (to see one that jumps).
    journal_seq: u64,
    /// Transfers chained earlier in this batch (a later delta may update them).
    chained: HashSet<TransferId>,
    moved: bool,
}

impl Chaining {
    pub(super) fn start(store: &Store) -> Result<Chaining, StoreError> {
        let (position, hash) = store.log_head()?;
        let journal_seq = store.get::<(u64, EntryHash)>(b"meta:head")?.map(|(seq, _)| seq).unwrap_or(0);
        Ok(Chaining { position, hash, journal_seq, chained: HashSet::new(), moved: false })
    }

    /// Chains the statements of the transfers `d` records first, in journal
    /// order (a transfer already in the state database is only updated here:
    /// its statements were chained when it was recorded), and restarts the
    /// log where the journal jumps (a `Recovered` entry: what the bank said
    /// after the copy its journal was put back from is lost to it).
    pub(super) fn add(&mut self, store: &Store, batch: &mut sled::Batch, d: &Delta) -> Result<(), StoreError> {
        let mut jumps = d.jumps.clone();
        if let Some(first) = d.first_seq {
            if first != self.journal_seq + 1 {
                jumps.push(first);
            }
        }
        jumps.sort_unstable();
        let mut new = Vec::new();
        for t in d.transfers.values() {
            if !self.chained.contains(&t.id) && !store.db.contains_key(key("t:", &t.id.0))? {
                new.push(t);
            }
        }
        new.sort_by_key(|t| t.seq);
        let mut jumps = jumps.into_iter().peekable();
        for t in new {
            while let Some(at) = jumps.next_if(|&at| at <= t.seq) {
                self.restart(batch, at);
            }
            self.chained.insert(t.id);
            self.moved = true;
            for (i, statement) in statements_of(t).iter().enumerate() {
                self.position += 1;
                self.hash = link(&self.hash, statement);
                batch.insert(seq_key("lp:", self.position), enc(&Link::Said { transfer: t.id, second: i == 1, hash: self.hash }));
            }
        }
        for at in jumps {
            self.restart(batch, at);
        }
        if let Some((seq, _)) = d.head {
            self.journal_seq = seq;
        }
        Ok(())
    }

    /// The log restarts past every position it can have signed before the
    /// journal jumped to `recovered_seq`.
    fn restart(&mut self, batch: &mut sled::Batch, recovered_seq: u64) {
        self.position = restart_position(recovered_seq).max(self.position + 1);
        self.hash = restart_hash(self.position);
        self.moved = true;
        batch.insert(seq_key("lp:", self.position), enc(&Link::Restart { hash: self.hash }));
    }

    pub(super) fn finish(self, batch: &mut sled::Batch) {
        // A batch that chained nothing leaves the head as it was (one key less to write).
        if self.moved {
            batch.insert(LOG_HEAD_KEY, enc(&(self.position, self.hash)));
        }
    }
}

impl Store {
    /// Our public log's head: its last position, and the chain hash there.
    pub fn log_head(&self) -> Result<(u64, EntryHash), StoreError> {
        Ok(self.get::<(u64, EntryHash)>(LOG_HEAD_KEY.as_bytes())?.unwrap_or((0, GENESIS)))
    }

    /// The chain hash at `position` (position 0: before any), if anything is there.
    fn log_hash_at(&self, position: u64) -> Result<Option<EntryHash>, StoreError> {
        if position == 0 {
            return Ok(Some(GENESIS));
        }
        Ok(self.get::<Link>(&seq_key("lp:", position))?.map(|l| l.hash()))
    }

    /// Our chained public log after position `after`: at most `max`
    /// statements and about [`MAX_LOG_BATCH_BYTES`] bytes (one larger
    /// statement goes alone), with the chain hashes to sign. A page never
    /// spans a restart: when the restart is what follows `after`, the page
    /// starts from it.
    pub fn chained_log(&self, after: u64, max: usize) -> Result<LogPage, StoreError> {
        // The head first: a batch landing while we read adds after it, which we leave out.
        let (length, _) = self.log_head()?;
        let after_hash = if after <= length { self.log_hash_at(after)? } else { None };
        let mut page =
            LogPage { after, after_hash, restart: None, statements: Vec::new(), end: (after, after_hash.unwrap_or(GENESIS)), length };
        let (mut bytes, mut record): (usize, Option<TransferRecord>) = (0, None);
        if after < length {
            for kv in self.db.range(seq_key("lp:", after + 1)..=seq_key("lp:", length)) {
                let (k, v) = kv?;
                let position = seq_of("public log position", &k[3..])?;
                let (transfer, second, hash) = match dec("public log link", &v)? {
                    Link::Restart { hash } if page.restart.is_none() && page.statements.is_empty() => {
                        page.restart = Some((position, hash));
                        page.end = (position, hash);
                        continue;
                    }
                    Link::Restart { .. } => break,
                    Link::Said { transfer, second, hash } => (transfer, second, hash),
                };
                if record.as_ref().is_none_or(|r| r.id != transfer) {
                    let missing = || StoreError::Damaged("the public log names a missing transfer".into());
                    record = Some(self.get(&key("t:", &transfer.0))?.ok_or_else(missing)?);
                }
                let said = record.as_ref().map(statements_of).unwrap_or_default();
                let missing = || StoreError::Damaged("the public log names a missing decision".into());
                let statement = said.get(usize::from(second)).cloned().ok_or_else(missing)?;
                let size = statement.envelope.len() + statement.signature.len();
                if !page.statements.is_empty() && (page.statements.len() >= max || bytes + size > MAX_LOG_BATCH_BYTES) {
                    break;
                }
                bytes += size;
                page.statements.push(statement);
                page.end = (position, hash);
            }
        }
        Ok(page)
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
