//! The one place that turns values into bytes and back: postcard, with a
//! size bound on every decode and no trailing bytes allowed, so one value
//! has exactly one encoding that we accept.

use serde::{de::DeserializeOwned, Serialize};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DecodeError {
    #[error("{what} is {len} bytes, more than the {max} allowed")]
    TooLarge { what: &'static str, len: usize, max: usize },
    #[error("{what} could not be decoded: {reason}")]
    Malformed { what: &'static str, reason: String },
    #[error("{what} has {extra} unexpected bytes after its end")]
    TrailingBytes { what: &'static str, extra: usize },
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("could not encode {what}: {reason}")]
pub struct EncodeError {
    pub what: &'static str,
    pub reason: String,
}

/// Canonical bytes of a value.
pub fn encode<T: Serialize>(what: &'static str, value: &T) -> Result<Vec<u8>, EncodeError> {
    postcard::to_stdvec(value).map_err(|e| EncodeError { what, reason: e.to_string() })
}

/// Decodes a value from bytes of at most `max` length, refusing leftovers.
pub fn decode<T: DeserializeOwned>(what: &'static str, bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { what, len: bytes.len(), max });
    }
    let (value, rest) = postcard::take_from_bytes::<T>(bytes).map_err(|e| DecodeError::Malformed { what, reason: e.to_string() })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { what, extra: rest.len() });
    }
    Ok(value)
}
