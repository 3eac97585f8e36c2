//! # amser-node
//!
//! One time bank's node: its ledger and the local API its coordinator uses.
//!
//! Layout:
//! - [`ledger`]: the ledger and transfer rules, pure (commands in, journal entries out).
//! - [`journal`]: the append-only journal file, the durable truth (fdatasync).
//! - [`store`]: derived state in sled (members, balances, exchanges, indexes).
//! - [`writer`]: the single writer thread and its pipeline: decide against an
//!   in-memory cache ([`hot`]), group commit of the journal (its syncer
//!   thread), then the [`applier`] that writes sled behind it.
//! - [`bank`]: creating a bank (`init`) and running its node.
//! - [`network`]: the libp2p swarm task and its codec; [`federation`]: the
//!   driver that turns peers' messages into ledger commands and back.
//! - [`api`]: the HTTP API (axum) with bearer-token auth.
//! - [`audit`], [`report`], [`export`]: reading the ledger for people.
//! - [`config`], [`datadir`], [`clock`]: settings, files, time.

pub mod api;
pub mod applier;
pub mod audit;
pub mod bank;
pub mod clock;
pub mod config;
pub mod datadir;
pub mod export;
pub mod federation;
pub mod hot;
pub mod journal;
pub mod ledger;
pub mod network;
pub mod pairing;
pub mod positions;
pub mod report;
pub mod store;
mod syncer;
pub mod writer;

pub use bank::{init, Node, NodeError, NodeOptions};
pub use datadir::DataDir;
