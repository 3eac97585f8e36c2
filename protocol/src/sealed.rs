//! Personal data as the journal and the store keep it: sealed (XChaCha20-
//! Poly1305) under the keys of the members it is about, so that destroying
//! one member's key destroys their data while every entry around it, its
//! hash and every signature over it stay exactly as they were.
//!
//! A [`Sealed`] value names the members whose keys seal it. Data about one
//! member (their register fields, their listing) is sealed under that
//! member's key; data about several (the note on a group exchange) under a
//! key derived from all of theirs, so erasing any one of them destroys it.
//! What is sealed is bound to its [`Purpose`] and its members (the AEAD's
//! associated data): a sealed note cannot be passed off as someone's name.
//!
//! This module is pure: the caller brings the keys and a fresh random
//! nonce; keeping keys (and destroying them) is the node's storage's job.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::MemberCode;

/// The length of a member's key.
pub const KEY_BYTES: usize = 32;
/// The length of a nonce (XChaCha20: random nonces are safe at any volume).
pub const NONCE_BYTES: usize = 24;
/// The derivation context of a key shared by several members.
const SHARED_KEY_CONTEXT: &str = "amser/v1 sealed shared key";
/// The domain of the associated data.
const AAD_DOMAIN: &str = "amser/v1 sealed";

/// A member's secret key: the only way to read their personal data.
#[derive(Clone, PartialEq, Eq)]
pub struct MemberKey(pub [u8; KEY_BYTES]);

impl std::fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MemberKey(..)")
    }
}

/// What a sealed value is, bound into its seal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Purpose {
    /// A member's register fields ([`crate::member::MemberDetails`]).
    MemberDetails,
    /// The free-text note on an exchange or a transfer.
    Note,
    /// The reason given for reversing an exchange.
    ReversalReason,
    /// The text of an offer or a request.
    ListingText,
    /// The title a coordinator wrote for a listing shared in the federation
    /// directory (opened only to answer another bank's search).
    DirectoryTitle,
}

/// Personal data, encrypted. Carries no plaintext and no key.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// Whose keys seal it, in the order the shared key is derived.
    pub members: Vec<MemberCode>,
    pub nonce: [u8; NONCE_BYTES],
    /// Ciphertext and tag.
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} bytes for {:?})", self.bytes.len(), self.members)
    }
}

/// Why a sealed value could not be made or read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SealError {
    #[error("sealed data names no member")]
    NoMembers,
    #[error("sealed data does not open with its members' keys (damaged, or sealed for another purpose)")]
    DoesNotOpen,
    #[error("sealed data could not be encoded: {0}")]
    Encode(#[from] EncodeError),
    #[error("sealed data opened but does not decode: {0}")]
    Decode(#[from] DecodeError),
}

/// The key of the members listed, in that order: one member's own key, or
/// one derived from all of theirs.
fn key_for(keys: &[MemberKey]) -> Result<[u8; KEY_BYTES], SealError> {
    match keys {
        [] => Err(SealError::NoMembers),
        [one] => Ok(one.0),
        many => {
            let mut hasher = blake3::Hasher::new_derive_key(SHARED_KEY_CONTEXT);
            for key in many {
                hasher.update(&key.0);
            }
            Ok(*hasher.finalize().as_bytes())
        }
    }
}

fn aad(purpose: Purpose, members: &[MemberCode]) -> Result<Vec<u8>, SealError> {
    Ok(encode("sealed data's associated data", &(AAD_DOMAIN, purpose, members))?)
}

/// Seals `value` for `purpose` under `keys`, the keys of `members` in the
/// same order, with a fresh random `nonce` (never reuse one).
pub fn seal<T: Serialize>(
    value: &T,
    purpose: Purpose,
    members: Vec<MemberCode>,
    keys: &[MemberKey],
    nonce: [u8; NONCE_BYTES],
) -> Result<Sealed, SealError> {
    if members.len() != keys.len() || members.is_empty() {
        return Err(SealError::NoMembers);
    }
    let plain = encode("sealed data", value)?;
    let cipher = XChaCha20Poly1305::new(&key_for(keys)?.into());
    let aad = aad(purpose, &members)?;
    let bytes = cipher.encrypt(XNonce::from_slice(&nonce), Payload { msg: &plain, aad: &aad }).map_err(|_| SealError::DoesNotOpen)?;
    Ok(Sealed { members, nonce, bytes })
}

/// Opens `sealed` for `purpose` with its members' `keys`, in its order.
pub fn open<T: serde::de::DeserializeOwned + Serialize>(sealed: &Sealed, purpose: Purpose, keys: &[MemberKey]) -> Result<T, SealError> {
    if sealed.members.len() != keys.len() {
        return Err(SealError::NoMembers);
    }
    let cipher = XChaCha20Poly1305::new(&key_for(keys)?.into());
    let aad = aad(purpose, &sealed.members)?;
    let plain =
        cipher.decrypt(XNonce::from_slice(&sealed.nonce), Payload { msg: &sealed.bytes, aad: &aad }).map_err(|_| SealError::DoesNotOpen)?;
    Ok(decode("sealed data", &plain, crate::limits::MAX_ENTRY_BYTES)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> MemberCode {
        s.parse().unwrap()
    }

    #[test]
    fn a_note_on_a_group_exchange_opens_only_with_every_members_key() {
        let (a, b) = (MemberKey([1; 32]), MemberKey([2; 32]));
        let members = vec![code("rhymney:AAAA-AA"), code("rhymney:BBBB-BB")];
        let sealed = seal(&"band played at the day centre".to_string(), Purpose::Note, members, &[a.clone(), b.clone()], [7; 24]).unwrap();
        let opened: String = open(&sealed, Purpose::Note, &[a.clone(), b.clone()]).unwrap();
        assert_eq!(opened, "band played at the day centre");
        assert_eq!(open::<String>(&sealed, Purpose::Note, &[a.clone(), MemberKey([0; 32])]), Err(SealError::DoesNotOpen));
        assert_eq!(open::<String>(&sealed, Purpose::ReversalReason, &[a, b]), Err(SealError::DoesNotOpen), "bound to its purpose");
    }

    #[test]
    fn sealed_bytes_hold_no_plaintext() {
        let members = vec![code("rhymney:AAAA-AA")];
        let sealed = seal(&"Mrs Angharad Pritchard".to_string(), Purpose::MemberDetails, members, &[MemberKey([9; 32])], [3; 24]).unwrap();
        let bytes = encode("test", &sealed).unwrap();
        assert!(!bytes.windows(9).any(|w| w == b"Angharad "), "the name is not in the sealed bytes");
    }
}
