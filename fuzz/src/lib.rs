//! # amser-fuzz
//!
//! What the fuzz targets in `fuzz_targets/` share: the federation and keys
//! the seeds are signed with, the canonical-encoding check every decoder
//! target makes, and [`samples`], real messages of every kind from which the
//! seed corpora in `seeds/` are made (`cargo run --example seeds`).
//!
//! The node's journal scanner and peer codec come from `amser-wire`, the
//! crate the node itself uses for them, rather than from `amser-node`: the
//! node would bring sled, axum and all of libp2p into the instrumented
//! build, which triples its time (see README.md).

use std::fmt::Debug;

use amser_protocol::encoding::{decode, encode};
use amser_protocol::signing::FederationId;
use ed25519_dalek::SigningKey;
use serde::{de::DeserializeOwned, Serialize};

pub mod samples;

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
