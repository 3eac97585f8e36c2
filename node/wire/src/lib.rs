//! # amser-wire
//!
//! The bytes an Amser node keeps on disk and sends to other banks, and the
//! code that reads them back from whatever is there. The node uses these
//! modules as they are (`amser_node::storage::journal` and
//! `amser_node::federation::codec` re-export them), and so do the fuzz
//! targets (`fuzz/`): what is fuzzed is the code the node runs, built without
//! the node's sled, axum and libp2p transports.
//!
//! - [`journal`]: the journal file format (magic, frames, checksum), the
//!   scanner that checks a journal file frame by frame and tells a torn
//!   write at the end from damage, and the bounds that size a torn write
//!   ([`journal::MAX_BATCH_ENTRIES`], [`journal::MAX_TORN_TAIL_BYTES`]).
//!   Opening a journal for appending and syncing it is the node's
//!   (`amser_node::storage::journal::Journal`).
//! - [`codec`]: the request-response codec banks speak to each other
//!   directly: a postcard body behind a 4-byte length, the size cap checked
//!   before anything is allocated, and a deadline on every read.
//!
//! Nothing here starts a thread, opens a socket or reads the clock.

pub mod codec;
pub mod journal;
