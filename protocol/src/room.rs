//! Room adverts: what a bank tells the federation about the room on its
//! trust lines, so that a payer's bank two or more banks away can find a
//! path for a transfer (DESIGN.md §2c).
//!
//! A [`LineRoom`] is signed by the bank it speaks for (as a
//! [`MessageKind::LineRoom`] message) and says, for each bank it admitted,
//! how many more minutes that bank's members may come to owe it: the trust
//! it extends less what is owed already, and no more than its most for one
//! transfer. Numbers and bank ids only: no member, no name, no category.
//! An advert only ever suggests a path: every bank on it checks its own
//! line again when the transfer arrives.

use serde::{Deserialize, Serialize};

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::{BankId, Handle};
use crate::limits::MAX_PARSE_MINUTES;
use crate::minutes::Minutes;
use crate::signing::{FederationId, MessageKind, SignedMessage, Verified, VerifyError};

/// Most lines one advert carries (a bank with more admitted banks
/// advertises the ones with the most room).
pub const MAX_ADVERT_LINES: usize = 64;
/// Most bytes of an advert's body: 64 lines of a 32-byte id and an amount,
/// a handle and a time, with room to spare.
pub const MAX_ADVERT_BYTES: usize = 4096;

/// The room on one of the advertising bank's lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomOnLine {
    /// The bank whose members may come to owe the advertiser more.
    pub peer: BankId,
    /// How many more minutes, at most, one transfer from `peer` may carry now.
    pub minutes: Minutes,
}

/// A bank's signed advert of the room on its lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineRoom {
    /// The bank that extends the room (and signs this).
    pub bank: BankId,
    /// Its handle, the prefix of its members' codes, so that a bank that
    /// never met it can turn `cardiff:CODE` into a bank to find a path to.
    pub handle: Handle,
    /// One entry per line, sorted by peer, each peer once.
    pub lines: Vec<RoomOnLine>,
    /// When it was made, by the advertiser's clock (milliseconds since
    /// 1970): the newest advert of a bank replaces the older, and one too
    /// old is ignored.
    pub at_ms: u64,
}

/// Why an advert is not kept.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdvertError {
    #[error("bad signature or envelope: {0}")]
    Verify(#[from] VerifyError),
    #[error("a {0} message is not a room advert")]
    NotAnAdvert(&'static str),
    #[error("the advert does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("the advert is signed by another bank than the one it speaks for")]
    WrongSigner,
    #[error("the advert has {0} lines; at most {MAX_ADVERT_LINES} are allowed")]
    TooManyLines(usize),
    #[error("the advert's lines are not sorted by bank, each bank once")]
    Unsorted,
    #[error("the advert lists a line of a bank with itself")]
    OwnLine,
    #[error("the advert gives {0} minutes of room; room is between 0 and {MAX_PARSE_MINUTES} minutes")]
    BadRoom(i64),
}

impl LineRoom {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("room advert", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<LineRoom, DecodeError> {
        decode("room advert", bytes, MAX_ADVERT_BYTES)
    }

    /// Checks what can be checked without any bank's state.
    pub fn check_shape(&self) -> Result<(), AdvertError> {
        if self.lines.len() > MAX_ADVERT_LINES {
            return Err(AdvertError::TooManyLines(self.lines.len()));
        }
        if self.lines.windows(2).any(|w| w[0].peer >= w[1].peer) {
            return Err(AdvertError::Unsorted);
        }
        for line in &self.lines {
            if line.peer == self.bank {
                return Err(AdvertError::OwnLine);
            }
            if !(0..=MAX_PARSE_MINUTES).contains(&line.minutes.0) {
                return Err(AdvertError::BadRoom(line.minutes.0));
            }
        }
        Ok(())
    }

    /// Verifies `signed` (strict signature, federation, kind, signer) and
    /// reads the advert in it.
    pub fn check(signed: &SignedMessage, federation: FederationId) -> Result<LineRoom, AdvertError> {
        Self::from_verified(&signed.verify(federation)?)
    }

    /// Reads the advert in a message whose signature was just verified.
    pub fn from_verified(verified: &Verified) -> Result<LineRoom, AdvertError> {
        if verified.kind != MessageKind::LineRoom {
            return Err(AdvertError::NotAnAdvert(verified.kind.name()));
        }
        let advert = LineRoom::decode(&verified.body)?;
        if advert.bank != verified.signer {
            return Err(AdvertError::WrongSigner);
        }
        advert.check_shape()?;
        Ok(advert)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{bank_id, sign};
    use ed25519_dalek::SigningKey;

    fn advert(key: &SigningKey, lines: Vec<RoomOnLine>) -> LineRoom {
        LineRoom { bank: bank_id(key), handle: "gwynedd".parse().unwrap(), lines, at_ms: 1_000 }
    }

    fn line(peer: u8, minutes: i64) -> RoomOnLine {
        RoomOnLine { peer: BankId([peer; 32]), minutes: Minutes(minutes) }
    }

    #[test]
    fn gwynedds_advert_is_read_back_and_a_changed_number_or_another_signer_is_refused() {
        let (gwynedd, mallory) = (SigningKey::from_bytes(&[2; 32]), SigningKey::from_bytes(&[66; 32]));
        let fed = FederationId::from_name("wales");
        let room = advert(&gwynedd, vec![line(1, 600), line(3, 120)]);
        let signed = sign(&gwynedd, MessageKind::LineRoom, fed, room.encode().unwrap()).unwrap();
        assert_eq!(LineRoom::check(&signed, fed), Ok(room.clone()));
        assert!(matches!(LineRoom::check(&signed, FederationId::from_name("spain")), Err(AdvertError::Verify(_))));

        // Gwynedd's numbers under Mallory's signature: refused.
        let forged = sign(&mallory, MessageKind::LineRoom, fed, room.encode().unwrap()).unwrap();
        assert_eq!(LineRoom::check(&forged, fed), Err(AdvertError::WrongSigner));

        // One byte of the body changed after signing: the signature no longer matches.
        let mut tampered = signed.clone();
        let at = tampered.envelope.len() - 3;
        tampered.envelope[at] ^= 1;
        assert!(matches!(LineRoom::check(&tampered, fed), Err(AdvertError::Verify(_)) | Err(AdvertError::Body(_))));

        // A head signed by Gwynedd is not an advert.
        let head = sign(&gwynedd, MessageKind::JournalHead, fed, room.encode().unwrap()).unwrap();
        assert_eq!(LineRoom::check(&head, fed), Err(AdvertError::NotAnAdvert("journal-head")));
    }

    #[test]
    fn an_advert_with_unsorted_repeated_own_or_impossible_lines_is_refused() {
        let gwynedd = SigningKey::from_bytes(&[2; 32]);
        let cases = [
            (vec![line(3, 60), line(1, 60)], AdvertError::Unsorted),
            (vec![line(1, 60), line(1, 60)], AdvertError::Unsorted),
            (vec![line(1, -1)], AdvertError::BadRoom(-1)),
            (vec![line(1, MAX_PARSE_MINUTES + 1)], AdvertError::BadRoom(MAX_PARSE_MINUTES + 1)),
        ];
        for (lines, expected) in cases {
            assert_eq!(advert(&gwynedd, lines).check_shape(), Err(expected));
        }
        let own_line = RoomOnLine { peer: bank_id(&gwynedd), minutes: Minutes(60) };
        assert_eq!(advert(&gwynedd, vec![own_line]).check_shape(), Err(AdvertError::OwnLine));
        let many: Vec<RoomOnLine> = (0..=MAX_ADVERT_LINES as u8).map(|n| line(n, 60)).collect();
        assert_eq!(advert(&gwynedd, many).check_shape(), Err(AdvertError::TooManyLines(MAX_ADVERT_LINES + 1)));
        let full: Vec<RoomOnLine> = (0..MAX_ADVERT_LINES as u8).map(|n| line(n, MAX_PARSE_MINUTES)).collect();
        let full = advert(&gwynedd, full);
        assert_eq!(full.check_shape(), Ok(()));
        assert!(full.encode().unwrap().len() <= MAX_ADVERT_BYTES, "the largest advert fits its bound");
    }
}
