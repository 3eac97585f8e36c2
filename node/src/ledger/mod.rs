//! The ledger rules as a pure state machine: a [`Command`] and a read-only
//! view of the bank's state go in; a journal entry body (or a refusal) comes
//! out. Applying an entry yields the [`StateWrite`]s that derive balances and
//! records from it. No files, sockets, clocks or threads in here: the writer
//! drives it against sled, the audit and the tests against memory.
//!
//! - `step`: [`step`], the one way a command becomes an entry: decide, build
//!   the entry, apply (the writer, [`memory::MemBank`], tests, the simulator).
//! - `decide`: the rules for members, exchanges, listings and policy; it
//!   hands peer, transfer and evidence commands to their own modules:
//!   `peer` (admitting banks, trust lines), `transfer` (send, receive,
//!   settle), `route` (the same along a path of trust lines: payer, hop,
//!   payee), `clearing` (a ring of debts cancelled: propose, promise,
//!   settle), `moving` (a member's balance taken along to another bank),
//!   `visiting` (letters of introduction signed and taken),
//!   `evidence` (two heads with one seq, two verdicts on one
//!   transfer) and `recall` (putting back, after a lost disk, what the bank
//!   had signed with other banks, read back from them).
//! - [`privacy`]: sealing personal data under members' keys as commands
//!   bring it in, and opening it for people ([`privacy::MemberKeys`]).
//! - `apply`: an entry's changes to derived state ([`StateWrite`]s).
//! - `command`: what may be asked of the ledger; `error`: why it refuses.
//! - `state`: the [`LedgerRead`] view, records, [`Delta`] and [`MemState`];
//!   `overlay`: [`Overlay`], changes not yet written laid over a view.
//! - [`memory`]: a whole bank in memory.

mod apply;
mod clearing;
mod command;
mod decide;
mod error;
mod evidence;
pub mod memory;
mod moving;
mod overlay;
mod peer;
pub mod privacy;
mod recall;
mod route;
mod state;
mod step;
mod transfer;
mod visiting;

pub use apply::apply;
pub use command::{Command, MemberChanges, PeerChanges};
pub use decide::{decide, exchange_category, exchange_id, Context, Ruling};
pub use error::LedgerError;
pub(crate) use overlay::rings_over;
pub use overlay::Overlay;
pub use state::{
    Delta, EvidenceId, ExchangeRecord, LedgerRead, ListingRecord, MemState, RingRecord, StateWrite, TransferRecord, TransferRole,
};
pub use step::{step, Appended, Step};
