//! The ledger rules as a pure state machine: a [`Command`] and a read-only
//! view of the bank's state go in; a journal entry body (or a refusal) comes
//! out. Applying an entry yields the [`StateWrite`]s that derive balances and
//! records from it. No files, sockets, clocks or threads in here: the writer
//! drives it against sled, the audit and the tests against memory.

mod apply;
mod command;
mod decide;
mod error;
pub mod memory;
mod overlay;
mod state;
mod step;
mod transfer;

pub use apply::apply;
pub use command::{Command, MemberChanges, PeerChanges};
pub use decide::{decide, Context, Ruling};
pub use error::LedgerError;
pub use overlay::Overlay;
pub use state::{Delta, ExchangeRecord, LedgerRead, ListingRecord, MemState, StateWrite, TransferRecord, TransferRole};
pub use step::{step, Appended, Step};
