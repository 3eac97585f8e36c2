//! Identifiers. A bank is its ed25519 public key (shown as the libp2p peer id
//! it also is); a member is an opaque code that other banks may see; entries,
//! exchanges and listings are blake3 hashes of their canonical bytes, each kind
//! with its own derivation context so no hash of one kind can pass for another.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;
use thiserror::Error;

/// blake3 `derive_key` contexts, one per kind of hashed thing.
pub mod context {
    pub const JOURNAL_ENTRY: &str = "amser/v1 journal-entry";
    pub const EXCHANGE: &str = "amser/v1 exchange-id";
    pub const LISTING: &str = "amser/v1 listing-id";
    pub const MEMBER_CODE: &str = "amser/v1 member-code";
    pub const FRAME_CHECKSUM: &str = "amser/v1 journal-frame-checksum";
}

/// blake3 of `bytes` under a derivation context.
pub fn hash_with(context: &str, bytes: &[u8]) -> [u8; 32] {
    let mut hasher = blake3::Hasher::new_derive_key(context);
    hasher.update(bytes);
    *hasher.finalize().as_bytes()
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("'{0}' is not a bank id; a bank id looks like 12D3KooW... (run `amser status` on that bank to see it)")]
    BadBankId(String),
    #[error("'{0}' is not a bank handle; use 2 to 32 lower-case letters, digits or '-', starting with a letter (like rhymney)")]
    BadHandle(String),
    #[error("'{0}' is not a member code; a member code looks like rhymney:7KQ2-M9")]
    BadMemberCode(String),
    #[error("'{0}' is not an id; ids are 64 hexadecimal characters (a shorter unique prefix is accepted where noted)")]
    BadHash(String),
}

/// A bank's identity: its ed25519 public key. The same key is the node's
/// libp2p identity, so the bank id is shown as its libp2p peer id.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct BankId(pub [u8; 32]);

/// The protobuf prefix of an ed25519 public key inside a libp2p peer id
/// (identity multihash: code 0x00, length 36; key type 1 = Ed25519; data 32 bytes).
const PEER_ID_PREFIX: [u8; 6] = [0x00, 0x24, 0x08, 0x01, 0x12, 0x20];

impl BankId {
    /// The libp2p peer id bytes of this key.
    pub fn peer_id_bytes(&self) -> [u8; 38] {
        let mut out = [0u8; 38];
        out[..6].copy_from_slice(&PEER_ID_PREFIX);
        out[6..].copy_from_slice(&self.0);
        out
    }
}

impl BankId {
    /// The bank id inside libp2p peer id bytes (only ed25519 identity peer ids are banks).
    pub fn from_peer_id_bytes(bytes: &[u8]) -> Option<BankId> {
        if bytes.len() != 38 || bytes[..6] != PEER_ID_PREFIX {
            return None;
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[6..]);
        Some(BankId(key))
    }
}

impl fmt::Display for BankId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&bs58::encode(self.peer_id_bytes()).into_string())
    }
}

impl fmt::Debug for BankId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "BankId({self})")
    }
}

impl FromStr for BankId {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || IdError::BadBankId(s.to_string());
        let bytes = bs58::decode(s.trim()).into_vec().map_err(|_| bad())?;
        if bytes.len() != 38 || bytes[..6] != PEER_ID_PREFIX {
            return Err(bad());
        }
        let mut key = [0u8; 32];
        key.copy_from_slice(&bytes[6..]);
        Ok(BankId(key))
    }
}

/// A bank's short handle, like `rhymney`: the prefix of its member codes.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Handle(String);

impl Handle {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Handle {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let ok = (2..=32).contains(&s.len())
            && s.as_bytes()[0].is_ascii_lowercase()
            && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(Handle(s))
        } else {
            Err(IdError::BadHandle(s))
        }
    }
}

impl From<Handle> for String {
    fn from(h: Handle) -> String {
        h.0
    }
}

impl FromStr for Handle {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Handle::try_from(s.trim().to_string())
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Crockford base32 without I, L, O, U: easy to read aloud and type.
const CODE_ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/// A member's opaque code, `handle:XXXX-XX`. It may be shown to other
/// banks; a member's name never is.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MemberCode(String);

impl MemberCode {
    /// Derives the code for the `n`th attempt of a bank's `number`th member:
    /// deterministic (so replay and simulation agree) but not guessable from
    /// the join order without the bank id.
    pub fn derive(bank: &BankId, handle: &Handle, number: u64, attempt: u32) -> MemberCode {
        let mut input = Vec::with_capacity(44);
        input.extend_from_slice(&bank.0);
        input.extend_from_slice(&number.to_le_bytes());
        input.extend_from_slice(&attempt.to_le_bytes());
        let h = hash_with(context::MEMBER_CODE, &input);
        let c = |i: usize| CODE_ALPHABET[(h[i] & 31) as usize] as char;
        MemberCode(format!("{}:{}{}{}{}-{}{}", handle, c(0), c(1), c(2), c(3), c(4), c(5)))
    }

    /// The handle of the bank this member belongs to.
    pub fn handle(&self) -> &str {
        self.0.split_once(':').map(|(h, _)| h).unwrap_or("")
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for MemberCode {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        let bad = || IdError::BadMemberCode(s.clone());
        let (handle, local) = s.split_once(':').ok_or_else(bad)?;
        Handle::try_from(handle.to_string()).map_err(|_| bad())?;
        let b = local.as_bytes();
        let ok = b.len() == 7 && b[4] == b'-' && b.iter().enumerate().all(|(i, c)| i == 4 || CODE_ALPHABET.contains(c));
        if ok {
            Ok(MemberCode(s))
        } else {
            Err(bad())
        }
    }
}

impl From<MemberCode> for String {
    fn from(c: MemberCode) -> String {
        c.0
    }
}

impl FromStr for MemberCode {
    type Err = IdError;
    /// Accepts lower case and surrounding spaces, as people type them.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        match s.split_once(':') {
            Some((h, local)) => MemberCode::try_from(format!("{}:{}", h.to_ascii_lowercase(), local.to_ascii_uppercase())),
            None => Err(IdError::BadMemberCode(s.to_string())),
        }
    }
}

impl fmt::Display for MemberCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

macro_rules! hash_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
        pub struct $name(pub [u8; 32]);

        impl $name {
            /// Lower-case hex, the form people and JSON see.
            pub fn to_hex(&self) -> String {
                hex::encode(self.0)
            }
            /// The first 12 hex characters, for tables.
            pub fn short(&self) -> String {
                hex::encode(&self.0[..6])
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.to_hex())
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}({})", stringify!($name), self.short())
            }
        }

        impl FromStr for $name {
            type Err = IdError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                let mut out = [0u8; 32];
                hex::decode_to_slice(s.trim(), &mut out).map_err(|_| IdError::BadHash(s.to_string()))?;
                Ok($name(out))
            }
        }
    };
}

hash_id!(
    /// The hash of a journal entry; each entry names its predecessor's.
    EntryHash
);
hash_id!(
    /// An exchange's id: the hash of its canonical content.
    ExchangeId
);
hash_id!(
    /// A listing's (offer or request) id.
    ListingId
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_codes_look_like_the_design_card() {
        let bank = BankId([7; 32]);
        let handle: Handle = "rhymney".parse().unwrap();
        let code = MemberCode::derive(&bank, &handle, 1, 0);
        assert!(code.as_str().starts_with("rhymney:"));
        assert_eq!(code.as_str().len(), "rhymney:7KQ2-M9".len());
        assert_eq!(code.as_str().parse::<MemberCode>().unwrap(), code);
        assert_eq!(code.as_str().to_lowercase().parse::<MemberCode>().unwrap(), code);
        assert_eq!(code.handle(), "rhymney");
        assert_eq!("rhymney:7KQ2-M9".parse::<MemberCode>().unwrap().as_str(), "rhymney:7KQ2-M9");
        for bad in ["rhymney", "rhymney:7KQ2M9", "Rhymney:7KQ2-M9x", ":7KQ2-M9", "rhymney:7KQ2-MI", "r:7KQ2-M9"] {
            assert!(MemberCode::try_from(bad.to_string()).is_err(), "{bad}");
        }
    }

    #[test]
    fn bank_ids_are_libp2p_peer_ids() {
        let id = BankId([1; 32]);
        let text = id.to_string();
        assert!(text.starts_with("12D3KooW"), "{text}");
        assert_eq!(text.parse::<BankId>().unwrap(), id);
        assert!("12D3KooWnot-a-key".parse::<BankId>().is_err());
    }

    #[test]
    fn handles_are_checked() {
        assert!("rhymney".parse::<Handle>().is_ok());
        assert!("gwynedd-2".parse::<Handle>().is_ok());
        for bad in ["", "r", "Rhymney", "1bank", "has space", "a:b"] {
            assert!(bad.parse::<Handle>().is_err(), "{bad}");
        }
    }
}
