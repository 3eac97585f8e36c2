//! The one place that turns values into bytes and back: postcard, with a
//! size bound on every decode, no trailing bytes allowed, and only the
//! value's canonical bytes accepted (postcard itself also reads overlong
//! varints, such as `80 00` for 0), so one value has exactly one encoding
//! that we accept: a hash or signature over received bytes is one over
//! the value.

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
    #[error("{what} is not in its canonical encoding (a number written with more bytes than it needs)")]
    NotCanonical { what: &'static str },
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

/// Decodes a value from bytes of at most `max` length, refusing leftovers
/// and any encoding but the canonical one.
pub fn decode<T: Serialize + DeserializeOwned>(what: &'static str, bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    let value: T = decode_own(what, bytes, max)?;
    if postcard::to_stdvec(&value).ok().as_deref() != Some(bytes) {
        return Err(DecodeError::NotCanonical { what });
    }
    Ok(value)
}

/// Decodes bytes this program wrote itself and keeps (its state database):
/// bounded and whole like [`decode`], without the canonical check, which
/// guards ids and signatures over received bytes and would cost a second
/// encode on every read.
pub fn decode_own<T: DeserializeOwned>(what: &'static str, bytes: &[u8], max: usize) -> Result<T, DecodeError> {
    if bytes.len() > max {
        return Err(DecodeError::TooLarge { what, len: bytes.len(), max });
    }
    let (value, rest) = postcard::take_from_bytes(bytes).map_err(|e| DecodeError::Malformed { what, reason: e.to_string() })?;
    if !rest.is_empty() {
        return Err(DecodeError::TrailingBytes { what, extra: rest.len() });
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{sign, FederationId, MessageKind, SignedMessage};

    #[test]
    fn only_the_canonical_encoding_is_accepted() {
        assert_eq!(decode::<u64>("n", &[0x05], 8), Ok(5));
        // 5 and 0 as overlong varints: postcard reads them, we refuse them.
        assert_eq!(decode::<u64>("n", &[0x85, 0x00], 8), Err(DecodeError::NotCanonical { what: "n" }));
        assert_eq!(decode::<(Vec<u8>, Vec<u8>)>("pair", &[0x80, 0x00, 0x00], 8), Err(DecodeError::NotCanonical { what: "pair" }));
    }

    /// Found by the `signed_message` fuzz target: a signed message whose
    /// envelope length was written as an overlong varint decoded and still
    /// verified, so one message had many wire forms (and gossip ids).
    #[test]
    fn a_signed_message_with_an_overlong_length_is_refused() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[3; 32]);
        let fed = FederationId::from_name("wales");
        let message = sign(&key, MessageKind::JournalHead, fed, b"head".to_vec()).unwrap();
        let wire = message.to_bytes().unwrap();
        assert!(message.envelope.len() < 128, "the envelope's length is one varint byte");
        let mut overlong = vec![wire[0] | 0x80, 0x00];
        overlong.extend_from_slice(&wire[1..]);
        assert_eq!(SignedMessage::from_bytes(&overlong), Err(DecodeError::NotCanonical { what: "signed message" }));
        assert_eq!(SignedMessage::from_bytes(&wire).unwrap().verify(fed).unwrap().body, b"head");
    }
}
