//! Members' data rights (UK GDPR): a copy of everything the bank holds about
//! a member, and erasure of their personal data that leaves the ledger whole
//! and verifying (DESIGN.md §1b).
//!
//! - [`export`]: the subject access export, as JSON and as a printable text.
//! - [`erase`]: erasing a member (the journal entry, then their key), and
//!   putting right at start-up what a crash or a restore left between the two.

pub mod erase;
pub mod export;
