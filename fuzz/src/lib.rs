//! # amser-fuzz
//!
//! What the fuzz targets in `fuzz_targets/` share: the federation and keys
//! the seeds are signed with, the canonical-encoding check every decoder
//! target makes, [`samples`], real messages of every kind from which the
//! seed corpora in `seeds/` are made (`cargo run --example seeds`), and the
//! node's [`codec`] and [`journal`] modules.
//!
//! The node's two modules are compiled here from the node's own source
//! files rather than by depending on `amser-node`: the node would bring sled,
//! axum and all of libp2p into the instrumented build, which triples its
//! time (see README.md). The files are the node's, unchanged; what they
//! reach through `crate::` is provided below, and a compile-time check makes
//! the build fail if the node's value of that constant changes.

use std::fmt::Debug;

use amser_protocol::encoding::{decode, encode};
use amser_protocol::signing::FederationId;
use ed25519_dalek::SigningKey;
use serde::{de::DeserializeOwned, Serialize};

pub mod samples;

/// `amser_node::network::codec`, from the node's source file.
#[path = "../../node/src/federation/codec.rs"]
pub mod codec;

/// `amser_node::journal`, from the node's source file.
#[path = "../../node/src/storage/journal.rs"]
pub mod journal;

/// `amser_node::clock` (the journal names the torn tail it moves aside by the time).
#[doc(hidden)]
#[path = "../../node/src/clock.rs"]
pub mod clock;

/// What the journal uses of `amser_node::writer`.
#[doc(hidden)]
pub mod writer {
    /// The node's most entries in one group commit (it sizes the largest torn tail).
    pub const MAX_BATCH_ENTRIES: usize = 256;
}

const _: () = assert!(
    contains(include_bytes!("../../node/src/storage/writer.rs"), b"pub const MAX_BATCH_ENTRIES: usize = 256;"),
    "node/src/storage/writer.rs changed MAX_BATCH_ENTRIES: change it in fuzz/src/lib.rs too"
);

/// Whether `needle` occurs in `haystack` (at compile time).
const fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    let mut start = 0;
    while start + needle.len() <= haystack.len() {
        let mut i = 0;
        while i < needle.len() && haystack[start + i] == needle[i] {
            i += 1;
        }
        if i == needle.len() {
            return true;
        }
        start += 1;
    }
    false
}

/// The federation every seed is signed for; the targets verify against it.
pub fn federation() -> FederationId {
    FederationId::from_name("wales")
}

/// A federation no seed is signed for.
pub fn other_federation() -> FederationId {
    FederationId::from_name("elsewhere")
}

/// The `n`th bank's key (deterministic, so the seeds are reproducible).
pub fn key(n: u8) -> SigningKey {
    SigningKey::from_bytes(&[n; 32])
}

/// Decodes `bytes` with the protocol's one decoder and, when that succeeds,
/// asserts the encoding is canonical: the value encodes back to exactly the
/// bytes it came from (one value, one accepted encoding).
pub fn decode_canonical<T: Serialize + DeserializeOwned + Debug>(what: &'static str, bytes: &[u8], max: usize) -> Option<T> {
    let value: T = decode(what, bytes, max).ok()?;
    assert_canonical(what, bytes, &value);
    Some(value)
}

/// Asserts `value` encodes to exactly `bytes`.
pub fn assert_canonical<T: Serialize + Debug>(what: &str, bytes: &[u8], value: &T) {
    let again = encode("value", value).unwrap_or_else(|e| panic!("a decoded {what} does not encode again: {e}; {value:?}"));
    assert_eq!(again, bytes, "a {what} decoded from bytes that are not its canonical encoding: {value:?}");
}
