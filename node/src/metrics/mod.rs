//! The node's figures for its operator, in the Prometheus (OpenMetrics)
//! text format, through prometheus-client: numbers only, never a member's
//! name, code or contact. Off unless `[metrics] enabled` (or `amser up
//! --metrics-listen`).
//!
//! - [`counters`]: what the node counts as it goes (exchanges and transfers
//!   recorded, gossip in and out, the journal's fdatasync times), each owned
//!   by the part that counts: the writer's pipeline, the swarm task. It uses
//!   only the ledger's types, so `storage` and `federation` can hold it.
//! - [`scrape`]: one scrape: those counters, and gauges read at scrape time
//!   from cheap sources (journal length, sled's lag, peers, the pending
//!   transfers' index), encoded.
//! - [`endpoint`]: `GET /metrics` on a listener of its own behind a token of
//!   its own (`metrics-token`); beside `api`, above `storage` and `federation`.

pub mod counters;
pub mod endpoint;
pub mod scrape;

pub use endpoint::{MetricsError, Serving};
