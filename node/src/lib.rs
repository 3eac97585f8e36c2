//! # amser-node
//!
//! One time bank's node: its ledger, its storage, its place in the
//! federation and the local API its coordinator uses.
//!
//! Layers, each using only those below it:
//!
//! ```text
//!   console ─► api ──► federation ──┐      (console, api ─► accounts)
//!    │                              ├──► storage ──► ledger ──► amser-protocol
//!    └───────────────► reading ─────┘        (model: the API's shapes, over ledger)
//! ```
//!
//! - [`ledger`]: the ledger and transfer rules, pure (commands in, journal entries out).
//! - [`storage`]: the journal (the durable truth), the writer → syncer →
//!   applier pipeline (group commit) and the derived state in sled.
//! - [`federation`]: the libp2p swarm, its codec, and the driver that turns
//!   peers' messages into ledger commands and back; pairing and positions.
//! - [`region`]: the regional network's arithmetic, pure: paths of trust
//!   lines for a transfer, and cycles of debt to clear.
//! - [`reading`]: the audit, reports and exports: reading the ledger for people.
//! - [`model`]: the typed shapes of every API request and answer, shared by
//!   the handlers, the typed client (`api::client`) and the CLI.
//! - [`api`]: the HTTP API (axum) with bearer-token auth, and its typed client.
//! - [`console`]: the coordinator's web console (server-rendered HTML, Welsh
//!   and English), on the API's listener.
//! - [`accounts`]: the console's accounts, sessions and sign-in throttle.
//! - [`bank`]: creating a bank (`init`) and running its node.
//! - [`rights`]: members' data rights: the subject access export, and
//!   erasure (the journal entry, then the member's key destroyed).
//! - [`backup`]: `amser backup` and `amser restore`: one verified file, and
//!   putting it back on a stopped node.
//! - [`import`]: reading another system's CSV exports (TimeOverflow's, or
//!   the generic layout) and planning them against the register; pure.
//! - [`metrics`]: `/metrics` for Prometheus on a listener and token of its
//!   own; its counters are kept by the storage pipeline and the swarm.
//! - [`config`], [`datadir`], [`clock`]: settings, files, time.

pub mod accounts;
pub mod api;
pub mod backup;
pub mod bank;
pub mod clock;
pub mod config;
pub mod console;
pub mod datadir;
pub mod federation;
pub mod import;
pub mod ledger;
pub mod metrics;
pub mod model;
pub mod reading;
pub mod region;
pub mod rights;
pub mod storage;

pub use bank::{init, Node, NodeError, NodeOptions};
pub use datadir::DataDir;
