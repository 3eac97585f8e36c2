//! The one place that signs and verifies. Every signed message is an
//! envelope (version, kind, federation, signer, body) in canonical bytes; the
//! signature covers a domain prefix `amser/v1/<kind>` followed by those
//! bytes, and is checked with `verify_strict`.

use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::{hash_with, BankId};
use crate::limits::MAX_SIGNED_MESSAGE_BYTES;

/// The only envelope version this code speaks.
pub const PROTOCOL_VERSION: u8 = 1;

/// Kinds of signed message. The number is what goes on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MessageKind {
    JournalHead = 1,
    Transfer = 2,
    Decision = 3,
    Evidence = 4,
    /// A bank's signed head of its public log (`public_log::LogHead`).
    LogHead = 5,
    /// A bank's signed figures for one month (`figures::MonthlyTotals`).
    MonthlyTotals = 6,
    /// A bank's signed advert of the room on its trust lines (`room::LineRoom`).
    LineRoom = 8,
    /// A transfer along a path of trust lines (`route::RoutedTransfer`).
    RoutedTransfer = 9,
    /// A proposal to cancel an amount off a ring of debts (`clearing::Clearing`).
    Clearing = 10,
    /// A home bank's letter introducing a visiting member (`introduction::Introduction`).
    Introduction = 11,
}

impl MessageKind {
    pub fn from_byte(b: u8) -> Option<MessageKind> {
        Some(match b {
            1 => MessageKind::JournalHead,
            2 => MessageKind::Transfer,
            3 => MessageKind::Decision,
            4 => MessageKind::Evidence,
            5 => MessageKind::LogHead,
            6 => MessageKind::MonthlyTotals,
            8 => MessageKind::LineRoom,
            9 => MessageKind::RoutedTransfer,
            10 => MessageKind::Clearing,
            11 => MessageKind::Introduction,
            _ => return None,
        })
    }

    /// The name in the signature's domain prefix.
    pub fn name(self) -> &'static str {
        match self {
            MessageKind::JournalHead => "journal-head",
            MessageKind::Transfer => "transfer",
            MessageKind::Decision => "decision",
            MessageKind::Evidence => "evidence",
            MessageKind::LogHead => "log-head",
            MessageKind::MonthlyTotals => "monthly-totals",
            MessageKind::LineRoom => "line-room",
            MessageKind::RoutedTransfer => "routed-transfer",
            MessageKind::Clearing => "clearing",
            MessageKind::Introduction => "introduction",
        }
    }
}

/// Which federation a message belongs to: blake3 of its name, so a message
/// signed for one federation is refused by every other.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct FederationId(pub [u8; 32]);

impl FederationId {
    pub fn from_name(name: &str) -> FederationId {
        FederationId(hash_with("amser/v1 federation-id", name.as_bytes()))
    }
}

/// The signed part of a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Envelope {
    version: u8,
    kind: u8,
    federation: FederationId,
    signer: BankId,
    body: Vec<u8>,
}

/// A message as it travels: the envelope's bytes and the signature over them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedMessage {
    pub envelope: Vec<u8>,
    pub signature: Vec<u8>,
}

/// A message whose signature and envelope checked out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub kind: MessageKind,
    pub signer: BankId,
    pub body: Vec<u8>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum VerifyError {
    #[error(transparent)]
    Decode(#[from] DecodeError),
    #[error("message version {0} is not spoken here (this node speaks version {PROTOCOL_VERSION}); upgrade the older node")]
    UnknownVersion(u8),
    #[error("message kind {0} is not known to this node")]
    UnknownKind(u8),
    #[error("message is for another federation")]
    WrongFederation,
    #[error("the signer's key is not a valid ed25519 public key")]
    BadKey,
    #[error("the signature is not 64 bytes")]
    BadSignatureLength,
    #[error("the signature does not match the message")]
    BadSignature,
}

fn signed_bytes(kind: MessageKind, envelope: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(envelope.len() + 32);
    out.extend_from_slice(b"amser/v1/");
    out.extend_from_slice(kind.name().as_bytes());
    out.push(0);
    out.extend_from_slice(envelope);
    out
}

/// The bank id of a signing key.
pub fn bank_id(key: &SigningKey) -> BankId {
    BankId(key.verifying_key().to_bytes())
}

/// Signs `body` as a message of `kind` in `federation`.
pub fn sign(key: &SigningKey, kind: MessageKind, federation: FederationId, body: Vec<u8>) -> Result<SignedMessage, EncodeError> {
    let envelope = Envelope { version: PROTOCOL_VERSION, kind: kind as u8, federation, signer: bank_id(key), body };
    let envelope = encode("message envelope", &envelope)?;
    let signature = key.sign(&signed_bytes(kind, &envelope)).to_bytes().to_vec();
    Ok(SignedMessage { envelope, signature })
}

impl SignedMessage {
    pub fn to_bytes(&self) -> Result<Vec<u8>, EncodeError> {
        encode("signed message", self)
    }

    pub fn from_bytes(bytes: &[u8]) -> Result<SignedMessage, DecodeError> {
        decode("signed message", bytes, MAX_SIGNED_MESSAGE_BYTES)
    }

    /// Checks everything a receiver must before trusting a byte of the body:
    /// size, version, kind, federation, and the strict signature.
    pub fn verify(&self, federation: FederationId) -> Result<Verified, VerifyError> {
        let opened = self.open_verified_before(federation)?;
        let key = VerifyingKey::from_bytes(&opened.signer.0).map_err(|_| VerifyError::BadKey)?;
        let signature: [u8; 64] = self.signature.as_slice().try_into().map_err(|_| VerifyError::BadSignatureLength)?;
        key.verify_strict(&signed_bytes(opened.kind, &self.envelope), &Signature::from_bytes(&signature))
            .map_err(|_| VerifyError::BadSignature)?;
        Ok(opened)
    }

    /// Reads a message this bank verified before it kept it: every check of
    /// [`SignedMessage::verify`] but the signature, which costs far more
    /// than the rest. Never for bytes just received.
    pub fn open_verified_before(&self, federation: FederationId) -> Result<Verified, VerifyError> {
        let envelope: Envelope = decode("message envelope", &self.envelope, MAX_SIGNED_MESSAGE_BYTES)?;
        if envelope.version != PROTOCOL_VERSION {
            return Err(VerifyError::UnknownVersion(envelope.version));
        }
        let kind = MessageKind::from_byte(envelope.kind).ok_or(VerifyError::UnknownKind(envelope.kind))?;
        if envelope.federation != federation {
            return Err(VerifyError::WrongFederation);
        }
        Ok(Verified { kind, signer: envelope.signer, body: envelope.body })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_for_another_kind_or_federation_is_refused() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let fed = FederationId::from_name("wales");
        let msg = sign(&key, MessageKind::JournalHead, fed, b"head".to_vec()).unwrap();
        let ok = msg.verify(fed).unwrap();
        assert_eq!(ok.kind, MessageKind::JournalHead);
        assert_eq!(ok.signer, bank_id(&key));
        assert_eq!(msg.verify(FederationId::from_name("spain")), Err(VerifyError::WrongFederation));
    }
}
