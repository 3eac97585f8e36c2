//! One step of the ledger: decide a command, build the journal entry that
//! records it, and apply that entry. The writer, the in-memory bank (tests,
//! the simulator) and the ledger-rule tests all run this one function, so
//! what a bank decides cannot differ between them.

use amser_protocol::federation::TransferId;
use amser_protocol::journal::JournalEntry;
use amser_protocol::limits::MAX_ENTRY_BYTES;
use amser_protocol::text::TextError;
use amser_protocol::{EntryHash, ExchangeId};

use super::{apply, decide, Command, Context, LedgerError, LedgerRead, Ruling, StateWrite};

/// What one command did to the ledger.
#[derive(Debug)]
// Made once per command and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Step {
    /// A new journal entry, not yet written anywhere: the caller frames
    /// `bytes` into its journal and lays `writes` over its state.
    Append(Appended),
    /// The same exchange is already recorded: nothing to write.
    AlreadyRecorded(ExchangeId),
    /// The transfer is already known here (a retry or a replay): nothing to write.
    KnownTransfer(TransferId),
}

impl Step {
    /// The entry written, if the step wrote one.
    pub fn into_entry(self) -> Option<JournalEntry> {
        match self {
            Step::Append(appended) => Some(appended.entry),
            _ => None,
        }
    }
}

/// A journal entry decided and applied (in memory only).
#[derive(Debug)]
pub struct Appended {
    pub entry: JournalEntry,
    /// The entry's canonical bytes, encoded once: what the journal frames.
    pub bytes: Vec<u8>,
    pub hash: EntryHash,
    /// The derived state it changes.
    pub writes: Vec<StateWrite>,
}

impl Appended {
    /// The entry's position: (seq, hash), the new head.
    pub fn head(&self) -> (u64, EntryHash) {
        (self.entry.seq, self.hash)
    }
}

/// Decides `command` against `view` and, when it writes, builds the next
/// entry after `view`'s head (time `ctx.now_ms`) and applies it. Nothing is
/// written: the caller lays [`Appended::writes`] over its state before the
/// next step, so the next command sees this one.
pub fn step(view: &impl LedgerRead, command: Command, ctx: &Context) -> Result<Step, LedgerError> {
    let body = match decide(view, command, ctx)? {
        Ruling::Append(body) => body,
        Ruling::AlreadyRecorded(id) => return Ok(Step::AlreadyRecorded(id)),
        Ruling::KnownTransfer(id) => return Ok(Step::KnownTransfer(id)),
    };
    let (seq, prev_hash) = view.head()?;
    let entry = JournalEntry { seq: body.seq_after(seq), prev_hash, time_ms: ctx.now_ms, body };
    let bytes = entry.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
    if bytes.len() > MAX_ENTRY_BYTES {
        return Err(LedgerError::Text(TextError::TooLong { field: "entry", chars: bytes.len(), max: MAX_ENTRY_BYTES }));
    }
    let hash = JournalEntry::hash_of_bytes(&bytes);
    let writes = apply(view, &entry, hash)?;
    Ok(Step::Append(Appended { entry, bytes, hash, writes }))
}
