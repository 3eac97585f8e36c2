//! A letter of introduction: a member visiting another bank for a while
//! carries their home bank's signed word that they are a member (since
//! when), whether the home bank's safeguarding checks are done, and until
//! when the letter holds. The host bank verifies it before registering them
//! as a visitor. No personal data: the host's coordinator enters the name.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::date::ServiceDate;
use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::{BankId, MemberCode};
use crate::signing::{FederationId, MessageKind, SignedMessage, VerifyError};

/// Most bytes of a letter's body.
pub const MAX_INTRODUCTION_BYTES: usize = 512;
/// The longest a letter may hold, in days (a long visit is a move).
pub const MAX_VISIT_DAYS: i32 = 366;

/// A home bank's signed introduction of one of its members to a host bank
/// (`MessageKind::Introduction`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Introduction {
    /// The home bank, which signs it.
    pub bank: BankId,
    pub member: MemberCode,
    pub member_since: ServiceDate,
    /// Whether the home bank's safeguarding checks on the member are done.
    pub checks_done: bool,
    /// The bank it introduces them to.
    pub host: BankId,
    /// The first and last day it holds.
    pub issued: ServiceDate,
    pub valid_until: ServiceDate,
}

/// Why a letter is not one a host bank takes.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LetterError {
    #[error("the letter's signature does not verify (was it changed, or written for another federation?)")]
    Verify(#[from] VerifyError),
    #[error("this is not a letter of introduction but a {0} message")]
    NotALetter(&'static str),
    #[error("the letter does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("the letter is signed by another bank than the one it speaks for")]
    WrongSigner,
    #[error("the letter is not well formed: {0}")]
    Shape(String),
}

impl Introduction {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("introduction", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Introduction, DecodeError> {
        decode("introduction", bytes, MAX_INTRODUCTION_BYTES)
    }

    /// A letter that holds from `issued` to `valid_until`, at most
    /// [`MAX_VISIT_DAYS`], for a member who joined before it was issued.
    pub fn check_shape(&self) -> Result<(), String> {
        if self.bank == self.host {
            return Err("a letter introduces a member to another bank".into());
        }
        if self.valid_until.0 < self.issued.0 || self.valid_until.0 - self.issued.0 > MAX_VISIT_DAYS {
            return Err(format!("a letter holds from the day it is issued for at most {MAX_VISIT_DAYS} days"));
        }
        if self.member_since.0 > self.issued.0 {
            return Err("a member cannot have joined after their letter was issued".into());
        }
        Ok(())
    }

    /// Verifies `signed` and reads the letter in it.
    pub fn check(signed: &SignedMessage, federation: FederationId) -> Result<Introduction, LetterError> {
        let verified = signed.verify(federation)?;
        if verified.kind != MessageKind::Introduction {
            return Err(LetterError::NotALetter(verified.kind.name()));
        }
        let letter = Introduction::decode(&verified.body)?;
        if letter.bank != verified.signer {
            return Err(LetterError::WrongSigner);
        }
        letter.check_shape().map_err(LetterError::Shape)?;
        Ok(letter)
    }

    /// Whether it holds on `day`.
    pub fn holds_on(&self, day: ServiceDate) -> bool {
        (self.issued.0..=self.valid_until.0).contains(&day.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{bank_id, sign};

    #[test]
    fn rhymneys_letter_for_rhian_checks_at_gwynedd_and_a_changed_or_stretched_one_does_not() {
        let fed = FederationId::from_name("wales");
        let rhymney = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let letter = Introduction {
            bank: bank_id(&rhymney),
            member: "rhymney:7KQ2-M9".parse().unwrap(),
            member_since: ServiceDate(19_000),
            checks_done: true,
            host: BankId([2; 32]),
            issued: ServiceDate(20_000),
            valid_until: ServiceDate(20_090),
        };
        let signed = sign(&rhymney, MessageKind::Introduction, fed, letter.encode().unwrap()).unwrap();
        assert_eq!(Introduction::check(&signed, fed), Ok(letter.clone()));
        assert!(letter.holds_on(ServiceDate(20_090)) && !letter.holds_on(ServiceDate(20_091)));
        let mut changed = signed.clone();
        let at = changed.envelope.len() - 3;
        changed.envelope[at] ^= 1;
        assert!(matches!(Introduction::check(&changed, fed), Err(LetterError::Verify(_))));
        let stretched = Introduction { valid_until: ServiceDate(21_000), ..letter.clone() };
        assert!(stretched.check_shape().unwrap_err().contains("366 days"));
        let to_itself = Introduction { host: letter.bank, ..letter };
        assert!(to_itself.check_shape().is_err());
    }
}
