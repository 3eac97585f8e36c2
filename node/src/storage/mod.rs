//! Where the ledger's state lives, and the one pipeline that writes it.
//!
//! - [`journal`]: the append-only journal file, the durable truth (fdatasync).
//! - [`writer`]: the single writer thread: decides each command against the
//!   in-memory [`cache`], in order, and hands batches to the syncer.
//! - [`syncer`]: one `write` + one `fdatasync` of the journal per group of
//!   batches; only then is anything acknowledged.
//! - [`applier`]: writes acknowledged batches into sled behind the syncer.
//! - [`replay`]: at start, brings sled up to the journal a chunk at a time
//!   (from sled's head on, or the whole journal for a rebuild).
//! - [`keys`]: the members' key file, which personal data is sealed under
//!   (fdatasynced like the journal; erasure overwrites a key in place).
//! - [`start_gate`]: after a start, new work waits until admitted peers
//!   have said what they hold of our journal.
//! - [`cache`]: what the rules read, in memory, plus batches sled lacks.
//! - [`store`]: the derived state in sled (members, balances, indexes,
//!   transfers, other banks' kept statements).

pub mod applier;
pub mod cache;
pub mod journal;
pub mod keys;
pub mod replay;
pub mod start_gate;
pub mod store;
mod syncer;
pub mod writer;
