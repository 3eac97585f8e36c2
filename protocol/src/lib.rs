//! # amser-protocol
//!
//! The pure core of Amser: everything two banks, or a bank and its own disk,
//! must agree on byte for byte. No I/O, no clocks, no tasks: only types,
//! their canonical encoding, their ids and their signatures, so the same code
//! can be fuzzed, simulated and reused anywhere.
//!
//! Layout:
//! - [`minutes`]: amounts of time (whole minutes) and the parser for the hours
//!   people type (`1.5`, `1:30`).
//! - [`date`]: the calendar date a service was given.
//! - [`ids`]: bank ids (ed25519 public keys, shown as libp2p peer ids),
//!   member codes (`rhymney:7KQ2-M9`), and blake3 hashes with one derivation
//!   context per kind.
//! - [`member`], [`exchange`], [`listing`], [`policy`]: the time bank's domain.
//! - [`journal`]: the bank's append-only, hash-chained journal entries.
//! - [`federation`]: what banks say to each other: trust lines, transfers,
//!   decisions, evidence, public statements, peer requests and answers.
//! - [`public_log`]: a bank's public log as a hash chain whose head it
//!   signs, and the check a peer runs on each page of it.
//! - [`room`]: a bank's signed advert of the room on its trust lines, read
//!   by banks further away to find a path for a transfer.
//! - [`route`]: a transfer along a path of trust lines, signed with its
//!   path by the payer's bank, settled by the payee bank's one decision.
//! - [`clearing`]: a proposal to cancel an amount off a ring of debts
//!   between banks, signed by every bank on it in turn.
//! - [`figures`]: a bank's signed figures for a month (hours, exchanges,
//!   active members, by category word), summed by any bank for funders.
//! - [`directory`]: the federation directory: a search for offers and
//!   requests at other banks, and what a bank tells of a listing it shares
//!   (never a name or a contact).
//! - [`introduction`]: a home bank's signed letter introducing a visiting
//!   member to a host bank (no personal data).
//! - [`sealed`]: members' personal data as it is kept: encrypted under the
//!   keys of the members it is about, so destroying a key erases it.
//! - [`category`]: the bounded vocabulary of categories a transfer between
//!   banks may carry (free text stays in the bank that wrote it).
//! - [`text`]: the checks every piece of text people type passes (length,
//!   control characters).
//! - [`encoding`]: the one place that turns values into bytes and back (postcard),
//!   with size bounds.
//! - [`signing`]: the one place that signs and verifies (ed25519 `verify_strict`
//!   over a domain-separated, versioned envelope).
//! - [`limits`]: every size bound in one list.

pub mod category;
pub mod clearing;
pub mod date;
pub mod directory;
pub mod encoding;
pub mod exchange;
pub mod federation;
pub mod figures;
pub mod ids;
pub mod introduction;
pub mod journal;
pub mod limits;
pub mod listing;
pub mod member;
pub mod minutes;
pub mod policy;
pub mod public_log;
pub mod room;
pub mod route;
pub mod sealed;
pub mod signing;
pub mod text;

pub use date::ServiceDate;
pub use exchange::{Exchange, ExchangeShapeError, Posting, Reversal};
pub use ids::{BankId, EntryHash, ExchangeId, Handle, ListingId, MemberCode};
pub use journal::{EntryBody, JournalEntry};
pub use member::{Member, MemberKind, MemberStatus};
pub use minutes::{HoursError, Minutes};
pub use policy::{Limits, Policy};
