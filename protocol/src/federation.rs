//! What banks say to each other. Every statement is a [`SignedMessage`]
//! whose body is one of these types; the bytes carry member codes, amounts,
//! categories, dates and hashes — never a name, contact, note or special need.
//!
//! A transfer: the payer's bank signs a [`Transfer`]; the payee's bank
//! answers with a signed [`Decision`] (accept or reject with a reason), the
//! same decision every time it is asked. Heads ([`crate::journal::JournalHead`])
//! are signed and gossiped so two different heads for one seq are evidence.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::date::ServiceDate;
use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::{hash_with, BankId, MemberCode};
use crate::limits::{MAX_SHORT_TEXT_CHARS, MAX_SIGNED_MESSAGE_BYTES};
use crate::minutes::Minutes;
use crate::signing::SignedMessage;

/// The last service date a transfer may carry, in days since 1970-01-01
/// (early in the year 2200); the first is 1970-01-01 itself.
pub const MAX_TRANSFER_DAY: i32 = 84_000;

/// blake3 context of transfer ids.
pub const TRANSFER_CONTEXT: &str = "amser/v1 transfer-id";

/// A transfer's id: the hash of its canonical content, the same at every bank.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
pub struct TransferId(pub [u8; 32]);

impl TransferId {
    pub fn to_hex(&self) -> String {
        hex::encode(self.0)
    }
}

impl fmt::Display for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for TransferId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TransferId({})", &self.to_hex()[..12])
    }
}

impl std::str::FromStr for TransferId {
    type Err = crate::ids::IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut out = [0u8; 32];
        hex::decode_to_slice(s.trim(), &mut out).map_err(|_| crate::ids::IdError::BadHash(s.to_string()))?;
        Ok(TransferId(out))
    }
}

/// Time moving from a member of one bank to a member of another: the payer
/// (at `from`) received help from the payee (at `to`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Transfer {
    pub from: BankId,
    pub to: BankId,
    pub payer: MemberCode,
    pub payee: MemberCode,
    pub minutes: Minutes,
    pub category: String,
    pub date: ServiceDate,
    /// Makes two identical exchanges on one day two transfers; the same
    /// nonce (a retried request) makes the same transfer.
    pub nonce: [u8; 16],
}

impl Transfer {
    pub fn id(&self) -> Result<TransferId, EncodeError> {
        Ok(TransferId(hash_with(TRANSFER_CONTEXT, &encode("transfer", self)?)))
    }

    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("transfer", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<Transfer, DecodeError> {
        decode("transfer", bytes, MAX_SIGNED_MESSAGE_BYTES)
    }

    /// Checks what can be checked without either bank's state.
    pub fn check_shape(&self) -> Result<(), String> {
        if self.from == self.to {
            return Err("a transfer must go between two different banks".into());
        }
        if self.minutes.0 <= 0 || self.minutes.0 > crate::limits::MAX_PARSE_MINUTES {
            return Err(format!("{} minutes is not an amount a transfer may carry", self.minutes.0));
        }
        crate::text::check("category", &self.category, MAX_SHORT_TEXT_CHARS, false).map_err(|e| e.to_string())?;
        if !(0..=MAX_TRANSFER_DAY).contains(&self.date.0) {
            return Err(format!("day {} is not a service date a transfer may carry (1970 to about 2200)", self.date.0));
        }
        Ok(())
    }
}

/// Why a payee's bank refused a transfer. Stable: peers store and show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum RejectReason {
    UnknownPayee,
    PayeeNotActive,
    /// Accepting would take the payer bank's debt here past the trust line.
    TrustLineFull {
        trust_minutes: i64,
        owed_minutes: i64,
    },
    OverTransferMaximum {
        max_minutes: i64,
    },
    /// The payee would go above their ceiling.
    PayeeCeiling,
    /// The trust line with the payer's bank is frozen (evidence of misbehaviour).
    Frozen,
    /// The transfer is not well formed.
    Malformed(String),
    /// A clearing asks a bank to cancel more than it owes, or is owed, on the ring.
    ClearingTooLarge {
        owed_minutes: i64,
    },
    /// The bank does not take part in clearing (its coordinator's choice).
    ClearingDeclined,
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::UnknownPayee => f.write_str("the other bank has no member with that code"),
            RejectReason::PayeeNotActive => f.write_str("that member of the other bank is not active"),
            RejectReason::TrustLineFull { trust_minutes, owed_minutes } => write!(
                f,
                "the other bank's trust line with us is full (our members already owe {} of the {} hours it extends)",
                Minutes(*owed_minutes),
                Minutes(*trust_minutes)
            ),
            RejectReason::OverTransferMaximum { max_minutes } => {
                write!(f, "more than the other bank accepts in one transfer ({} hours)", Minutes(*max_minutes))
            }
            RejectReason::PayeeCeiling => f.write_str("the member at the other bank would go above their ceiling"),
            RejectReason::Frozen => f.write_str("the trust line between the banks is frozen"),
            RejectReason::Malformed(why) => write!(f, "the transfer was not well formed: {why}"),
            RejectReason::ClearingTooLarge { owed_minutes } => {
                write!(f, "a bank on the ring owes, or is owed, only {} hours of it", Minutes(*owed_minutes))
            }
            RejectReason::ClearingDeclined => f.write_str("a bank on the ring does not take part in clearing"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Verdict {
    Accept,
    Reject(RejectReason),
}

/// The payee bank's answer to a transfer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub transfer: TransferId,
    /// The bank that decided (the transfer's `to`).
    pub by: BankId,
    pub verdict: Verdict,
    pub decided_ms: u64,
}

impl Decision {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("decision", self)
    }
    pub fn decode(bytes: &[u8]) -> Result<Decision, DecodeError> {
        decode("decision", bytes, MAX_SIGNED_MESSAGE_BYTES)
    }
}

/// Two signed statements by one bank that cannot both be true: two journal
/// heads with one seq and different hashes, or two decisions on one
/// transfer with different verdicts. The kind of the messages inside tells
/// which (the journal format is the same for both).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    pub first: SignedMessage,
    pub second: SignedMessage,
}

/// What a piece of [`Evidence`] shows its bank did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Equivocation {
    /// Two journal heads with this seq and different hashes.
    Heads { seq: u64 },
    /// Two decisions with different verdicts on this transfer.
    Decisions { transfer: TransferId },
    /// Two heads of its public log with this position and different hashes.
    LogHeads { position: u64 },
}

/// Why two messages are not evidence against a bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotEvidence {
    #[error("a message in it does not verify: {0}")]
    Verify(#[from] crate::signing::VerifyError),
    #[error("a message in it does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("it must be two journal heads, two log heads or two decisions, not a {0} and a {1}")]
    Kinds(&'static str, &'static str),
    #[error("its two messages are not both signed by the bank they speak for")]
    Signers,
    #[error("two heads are evidence only with one seq (or position) and different hashes")]
    HeadsAgree,
    #[error("two decisions are evidence only on one transfer with different verdicts")]
    DecisionsAgree,
}

impl Evidence {
    /// Checks both signatures and that the two statements contradict each
    /// other; returns the bank that signed both and what it did.
    pub fn check(&self, federation: crate::signing::FederationId) -> Result<(BankId, Equivocation), NotEvidence> {
        use crate::signing::MessageKind;
        let (first, second) = (self.first.verify(federation)?, self.second.verify(federation)?);
        if first.signer != second.signer {
            return Err(NotEvidence::Signers);
        }
        let bank = first.signer;
        match (first.kind, second.kind) {
            (MessageKind::JournalHead, MessageKind::JournalHead) => {
                let bound = crate::limits::MAX_JOURNAL_HEAD_BYTES;
                let a: crate::journal::JournalHead = decode("journal head", &first.body, bound)?;
                let b: crate::journal::JournalHead = decode("journal head", &second.body, bound)?;
                if a.bank != bank || b.bank != bank {
                    return Err(NotEvidence::Signers);
                }
                if a.seq != b.seq || a.hash == b.hash {
                    return Err(NotEvidence::HeadsAgree);
                }
                Ok((bank, Equivocation::Heads { seq: a.seq }))
            }
            (MessageKind::Decision, MessageKind::Decision) => {
                let (a, b) = (Decision::decode(&first.body)?, Decision::decode(&second.body)?);
                if a.by != bank || b.by != bank {
                    return Err(NotEvidence::Signers);
                }
                // The same verdict signed twice (another time stamp) harms no
                // one: only an accept and a reject (or two reasons) is a lie.
                if a.transfer != b.transfer || a.verdict == b.verdict {
                    return Err(NotEvidence::DecisionsAgree);
                }
                Ok((bank, Equivocation::Decisions { transfer: a.transfer }))
            }
            (MessageKind::LogHead, MessageKind::LogHead) => {
                let (a, b) = (crate::public_log::LogHead::decode(&first.body)?, crate::public_log::LogHead::decode(&second.body)?);
                if a.bank != bank || b.bank != bank {
                    return Err(NotEvidence::Signers);
                }
                if a.position != b.position || a.hash == b.hash {
                    return Err(NotEvidence::HeadsAgree);
                }
                Ok((bank, Equivocation::LogHeads { position: a.position }))
            }
            (a, b) => Err(NotEvidence::Kinds(a.name(), b.name())),
        }
    }
}

/// Bytes of a direct request between two banks (request-response).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerRequest {
    /// Here is a transfer to your member; `note` is the free-text note, sent
    /// only to you, never gossiped.
    Deliver { transfer: SignedMessage, note: String },
    /// What did you decide about this transfer?
    Status { transfer: TransferId },
    /// Send me the signed messages of your public log from journal entry
    /// `from_seq` on, at most `max` of them (catch-up after a restart or a
    /// partition). The public log is what a bank says to the federation: the
    /// transfers it signed as payer, and, as payee, each transfer it received
    /// followed by its signed decision.
    Log { from_seq: u64, max: u32 },
    /// Who are you? (handle and name, learnt once on first contact)
    Hello,
    /// What is the newest journal head of mine, signed by me, that you hold?
    /// Asked on every connection, before this bank gossips a head of its own:
    /// a journal restored from an older copy ends below what its peers have
    /// seen, and a bank that went on from there would sign a second history.
    NewestHead,
    /// Send me the transfers between you and me that you hold decided (both
    /// ways, each with the payee bank's signed decision), from your journal
    /// entry `from_seq` on, at most `max` pairs: how a bank whose disk was
    /// lost reads back what it had signed with you.
    Recall { from_seq: u64, max: u32 },
    /// Send me the statements of your public log after position `after`
    /// (the first `after` I have read), at most `max`, with your signed log
    /// heads at `after` and at the page's end (see `public_log`).
    ChainedLog { after: u64, max: u32 },
    /// Send me the room adverts you hold (yours and other banks', each
    /// signed by the bank it speaks for), at most `max`: how a bank learns
    /// the lines beyond its own peers without waiting for their next advert.
    Rooms { max: u32 },
    /// Send me your signed figures for `month` (`YYYY-MM`), and those of
    /// other banks you hold for it, at most `max` in all.
    Figures { month: String, max: u32 },
    /// Which of your members' shared offers and requests match these words
    /// (and this region, if given), at most `max` of them? Answered only
    /// by a bank that shares its directory (`directory`).
    DirectorySearch { words: String, region: Option<String>, max: u32 },
}

/// The codes a bank sends in [`PeerResponse::Refused`]: stable words, never
/// the local text of an error (which can hold file paths or members' data).
/// Besides these, a refusal by the payee's ledger sends that error's own
/// stable code (`not_admitted`, `bad_message`, `disk_full`, ...).
pub mod refusal {
    /// The asker's key is not a bank's (ed25519) key.
    pub const NOT_A_BANK: &str = "not_a_bank";
    /// The transfer delivered is one this bank sent, not one for it.
    pub const NOT_FOR_US: &str = "not_for_us";
    /// The ledger answered something the request cannot be answered with.
    pub const UNEXPECTED: &str = "unexpected_reply";
    /// The asking bank already has as many requests being answered as it
    /// may (or all banks together do): ask again after a wait.
    pub const BUSY: &str = "busy";
    /// This bank does not share its listings in the federation directory
    /// (`[directory] share = false`).
    pub const NOT_SHARING: &str = "directory_not_shared";
    /// The directory search asked for is not one this bank answers (no
    /// words, or words or region past their bounds).
    pub const BAD_SEARCH: &str = "bad_search";
    /// This bank lost its journal's end and is reading back from the banks
    /// before it on this transfer's way what it may have decided already:
    /// deliver it again after a wait.
    pub const READING_BACK: &str = "reading_back";
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum PeerResponse {
    /// The signed decision (the same every time).
    Decided { decision: SignedMessage },
    /// I have not seen that transfer.
    Unknown,
    /// I am not taking requests from you (not admitted, or busy); try later.
    /// `reason` is a stable code (see [`refusal`]), never local error text.
    Refused { reason: String },
    /// Part of my public log, from the seq asked: ask again from `next_seq`
    /// for more; `head_seq` is my journal's head, so `next_seq > head_seq`
    /// means you have it all.
    Log { entries: Vec<SignedMessage>, next_seq: u64, head_seq: u64 },
    /// My handle (the prefix of my member codes) and display name.
    Hello { handle: crate::ids::Handle, name: String },
    /// The newest signed journal head of yours that I hold, if any.
    NewestHead { head: Option<SignedMessage> },
    /// Transfers between us with their decisions, from the seq asked: ask
    /// again from `next_seq` for more; `next_seq > head_seq` means that is all.
    Recalled { pairs: Vec<RecalledPair>, next_seq: u64, head_seq: u64 },
    /// A page of my public log as a hash chain (see `public_log`).
    ChainedLog { page: crate::public_log::ChainedPage },
    /// Signed room adverts (`room::LineRoom`), newest per bank.
    Rooms { adverts: Vec<SignedMessage> },
    /// The routed transfer you delivered is held here and passed on to the
    /// next bank on its path: ask again for the payee bank's decision.
    Forwarded,
    /// Signed monthly figures (`figures::MonthlyTotals`), ours first.
    Figures { totals: Vec<SignedMessage> },
    /// The shared listings matching a `DirectorySearch`, and the region
    /// this bank is in (`BankProfile::region`).
    Directory { region: String, listings: Vec<crate::directory::DirectoryListing> },
}

/// A transfer between two banks and the payee bank's signed decision on it;
/// or, with no decision, a routed transfer the asking bank passed on to the
/// answering one, which holds it undecided (a bank that lost its disk must
/// hold it again, never decide it afresh: it had passed it on).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecalledPair {
    pub transfer: SignedMessage,
    pub decision: Option<SignedMessage>,
}

/// Most pairs in one `Recalled` answer (two messages each, within
/// [`MAX_PEER_MESSAGE_BYTES`] like a log page).
pub const MAX_RECALL_BATCH: u32 = MAX_LOG_BATCH / 2;

/// Most room adverts in one `Rooms` answer (each under
/// `room::MAX_ADVERT_BYTES` plus its envelope, within [`MAX_PEER_MESSAGE_BYTES`]).
pub const MAX_ROOMS_BATCH: u32 = 24;

/// Most banks' figures in one `Figures` answer (each under
/// `figures::MAX_FIGURES_BYTES` plus its envelope, within [`MAX_PEER_MESSAGE_BYTES`]).
pub const MAX_FIGURES_BATCH: u32 = 24;

/// Most signed messages in one catch-up answer.
pub const MAX_LOG_BATCH: u32 = 64;
/// Bytes of signed messages one catch-up answer carries at most (its
/// messages are small; one over this is sent alone in its own answer).
pub const MAX_LOG_BATCH_BYTES: usize = MAX_LOG_BATCH as usize * 2048;
/// Most bytes of one request or response on the wire.
pub const MAX_PEER_MESSAGE_BYTES: usize = MAX_LOG_BATCH_BYTES + MAX_SIGNED_MESSAGE_BYTES;

impl PeerRequest {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("peer request", self)
    }
    pub fn decode(bytes: &[u8]) -> Result<PeerRequest, DecodeError> {
        decode("peer request", bytes, MAX_PEER_MESSAGE_BYTES)
    }
}

impl PeerResponse {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("peer response", self)
    }
    pub fn decode(bytes: &[u8]) -> Result<PeerResponse, DecodeError> {
        decode("peer response", bytes, MAX_PEER_MESSAGE_BYTES)
    }
}

/// A transfer or decision a bank said to the federation (in gossip or in its
/// public log), checked: the strict signature, the federation, and that the
/// signer is the bank that may say it (a transfer is signed by the payer's
/// bank, a decision by the bank that made it: the payee's bank, or a hop
/// refusing a routed transfer).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicMessage {
    /// `path` is empty for a direct transfer, and the banks it goes through
    /// (`[from, hop, ..., to]`) for a routed one (`route::RoutedTransfer`).
    Transfer {
        id: TransferId,
        transfer: Transfer,
        path: Vec<BankId>,
    },
    Decision(Decision),
}

/// Why a message is not a public statement we keep.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PublicMessageError {
    #[error("bad signature or envelope: {0}")]
    Verify(#[from] crate::signing::VerifyError),
    #[error("a {0} message is not part of a public log")]
    NotPublic(&'static str),
    #[error("the body does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("the transfer's id cannot be computed: {0}")]
    Id(#[from] EncodeError),
    #[error("signed by a bank that may not say it")]
    WrongSigner,
    #[error("the transfer is not well formed: {0}")]
    Shape(String),
}

impl PublicMessage {
    /// Verifies `signed` and classifies it.
    pub fn check(signed: &SignedMessage, federation: crate::signing::FederationId) -> Result<PublicMessage, PublicMessageError> {
        Self::classify(signed.verify(federation)?)
    }

    /// Classifies a statement this bank checked before it kept it, without
    /// verifying its signature again (see [`SignedMessage::open_verified_before`]).
    pub fn read_kept(signed: &SignedMessage, federation: crate::signing::FederationId) -> Result<PublicMessage, PublicMessageError> {
        Self::classify(signed.open_verified_before(federation)?)
    }

    fn classify(verified: crate::signing::Verified) -> Result<PublicMessage, PublicMessageError> {
        use crate::signing::MessageKind;
        match verified.kind {
            MessageKind::Transfer => {
                let transfer = Transfer::decode(&verified.body)?;
                if verified.signer != transfer.from {
                    return Err(PublicMessageError::WrongSigner);
                }
                transfer.check_shape().map_err(PublicMessageError::Shape)?;
                Ok(PublicMessage::Transfer { id: transfer.id()?, transfer, path: Vec::new() })
            }
            MessageKind::RoutedTransfer => {
                let routed = crate::route::RoutedTransfer::decode(&verified.body)?;
                if verified.signer != routed.transfer.from {
                    return Err(PublicMessageError::WrongSigner);
                }
                routed.check_shape().map_err(PublicMessageError::Shape)?;
                let id = routed.id()?;
                Ok(PublicMessage::Transfer { id, transfer: routed.transfer, path: routed.path })
            }
            MessageKind::Decision => {
                let decision = Decision::decode(&verified.body)?;
                if verified.signer != decision.by {
                    return Err(PublicMessageError::WrongSigner);
                }
                Ok(PublicMessage::Decision(decision))
            }
            other => Err(PublicMessageError::NotPublic(other.name())),
        }
    }

    /// The bank that signed it.
    pub fn signer(&self) -> BankId {
        match self {
            PublicMessage::Transfer { transfer, .. } => transfer.from,
            PublicMessage::Decision(d) => d.by,
        }
    }

    /// The transfer it is about.
    pub fn transfer_id(&self) -> TransferId {
        match self {
            PublicMessage::Transfer { id, .. } => *id,
            PublicMessage::Decision(d) => d.transfer,
        }
    }
}

/// A bank's standing with one admitted peer, as the bank journals it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PeerLine {
    pub bank: BankId,
    /// The peer's handle (the prefix of its member codes), once known.
    pub handle: Option<crate::ids::Handle>,
    /// Where to reach it (multiaddrs, as text).
    pub addrs: Vec<String>,
    /// The most this peer's members may owe our bank in total (credit we extend).
    pub trust: Minutes,
    /// The most one transfer from this peer may carry, if limited.
    pub max_transfer: Option<Minutes>,
    /// Frozen after evidence of misbehaviour: no transfers either way.
    pub frozen: bool,
    /// Removed from the federation by the coordinator (kept for the record).
    pub removed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn transfer(day: i32) -> Transfer {
        Transfer {
            from: BankId([1; 32]),
            to: BankId([2; 32]),
            payer: "rhymney:AAAA-00".parse().unwrap(),
            payee: "gwynedd:BBBB-11".parse().unwrap(),
            minutes: Minutes(60),
            category: "gardening".into(),
            date: ServiceDate(day),
            nonce: [0; 16],
        }
    }

    #[test]
    fn a_kept_statement_is_read_without_its_signature_verified_again_but_a_received_one_is_verified() {
        use crate::signing::{bank_id, sign, FederationId, MessageKind};
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        let fed = FederationId::from_name("wales");
        let t = Transfer { from: bank_id(&key), ..transfer(20_000) };
        let mut signed = sign(&key, MessageKind::Transfer, fed, t.encode().unwrap()).unwrap();
        assert!(PublicMessage::check(&signed, fed).is_ok());
        signed.signature[0] ^= 1;
        assert!(matches!(PublicMessage::check(&signed, fed), Err(PublicMessageError::Verify(_))));
        assert!(matches!(PublicMessage::read_kept(&signed, fed), Ok(PublicMessage::Transfer { .. })));
        assert!(PublicMessage::read_kept(&signed, FederationId::from_name("spain")).is_err(), "the envelope is still checked");
    }

    #[test]
    fn an_accept_and_a_reject_on_one_transfer_are_evidence_but_one_verdict_twice_is_not() {
        use crate::signing::{bank_id, sign, FederationId, MessageKind};
        let gwynedd = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
        let fed = FederationId::from_name("wales");
        let id = transfer(20_000).id().unwrap();
        let decided = |verdict: Verdict, ms: u64, on: TransferId| {
            let d = Decision { transfer: on, by: bank_id(&gwynedd), verdict, decided_ms: ms };
            sign(&gwynedd, MessageKind::Decision, fed, d.encode().unwrap()).unwrap()
        };
        let accept = decided(Verdict::Accept, 1, id);
        let reject = decided(Verdict::Reject(RejectReason::PayeeCeiling), 1, id);
        let evidence = Evidence { first: accept.clone(), second: reject.clone() };
        assert_eq!(evidence.check(fed), Ok((bank_id(&gwynedd), Equivocation::Decisions { transfer: id })));
        let again = Evidence { first: accept.clone(), second: decided(Verdict::Accept, 2, id) };
        assert_eq!(again.check(fed), Err(NotEvidence::DecisionsAgree), "one verdict signed twice harms no one");
        let other = Evidence { first: accept.clone(), second: decided(Verdict::Reject(RejectReason::Frozen), 1, TransferId([7; 32])) };
        assert_eq!(other.check(fed), Err(NotEvidence::DecisionsAgree), "two transfers, two decisions");
        let mut tampered = reject;
        tampered.signature[1] ^= 1;
        assert!(matches!(Evidence { first: accept, second: tampered }.check(fed), Err(NotEvidence::Verify(_))));
    }

    #[test]
    fn a_transfer_dated_before_1970_or_centuries_ahead_is_not_well_formed() {
        assert!(transfer(20_000).check_shape().is_ok());
        assert!(transfer(0).check_shape().is_ok());
        assert!(transfer(MAX_TRANSFER_DAY).check_shape().is_ok());
        for day in [-1, MAX_TRANSFER_DAY + 1, i32::MIN, i32::MAX] {
            let why = transfer(day).check_shape().unwrap_err();
            assert!(why.contains("service date"), "{why}");
        }
    }
}
