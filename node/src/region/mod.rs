//! The regional network's arithmetic: which banks a transfer can go
//! through, and which debts go round in a circle. Pure (no I/O); the
//! federation feeds it the lines and positions it has heard.
//!
//! - `paths`: a path of trust lines from the payer's bank to the payee's,
//!   at most [`paths::MAX_HOPS`] lines, fewest then widest.
//! - `cycles`: cycles of debt between banks and the amount each clears
//!   (multilateral set-off), at most [`cycles::MAX_CYCLE_BANKS`] banks.

pub mod cycles;
pub mod paths;
