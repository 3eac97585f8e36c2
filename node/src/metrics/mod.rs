//! The node's figures for its operator: numbers only, never a member's
//! name, code or contact.
//!
//! - [`counters`]: what the node counts as it goes (exchanges and transfers
//!   recorded, gossip in and out, the journal's fdatasync times), each owned
//!   by the part that counts: the writer's pipeline, the swarm task. It uses
//!   only the ledger's types, so `storage` and `federation` can hold it.

pub mod counters;
