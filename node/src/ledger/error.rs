//! Why the ledger refused a command. Each message says what happened and
//! what to do; each has a stable code for the API.

use amser_protocol::exchange::ExchangeShapeError;
use amser_protocol::text::TextError;
use amser_protocol::{ExchangeId, ListingId, MemberCode, Minutes};
use thiserror::Error;

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum LedgerError {
    #[error("no member with code {0}; check the code with `amser member list`")]
    UnknownMember(MemberCode),
    #[error(
        "{code} is {status} and cannot take part in new exchanges; set them active first with `amser member set {code} --status active`"
    )]
    MemberNotActive { code: MemberCode, status: String },
    #[error("{code} has {balance} hours now; this exchange would take them to {would_be}, below their floor of {floor}. Record fewer hours, or change the limit ([policy] in config.toml, or the member's own limits)")]
    BelowFloor { code: MemberCode, balance: Minutes, would_be: Minutes, floor: Minutes },
    #[error("{code} has {balance} hours now; this exchange would take them to {would_be}, above their ceiling of {ceiling}. Record fewer hours, or change the limit ([policy] in config.toml, or the member's own limits)")]
    AboveCeiling { code: MemberCode, balance: Minutes, would_be: Minutes, ceiling: Minutes },
    #[error(
        "{given} hours for one person in one exchange is more than this bank allows ({max}); record separate exchanges for separate days"
    )]
    TooLongForOnePerson { given: Minutes, max: Minutes },
    #[error("the service date {0} is in the future; record exchanges after the help was given")]
    FutureDate(amser_protocol::ServiceDate),
    #[error(transparent)]
    Shape(#[from] ExchangeShapeError),
    #[error(transparent)]
    Text(#[from] TextError),
    #[error("no exchange with id {0}; check it with `amser exchange list`")]
    UnknownExchange(ExchangeId),
    #[error("exchange {0} was already reversed; nothing more to undo")]
    AlreadyReversed(ExchangeId),
    #[error("no listing with id {0}")]
    UnknownListing(ListingId),
    #[error("listing {0} is already closed")]
    ListingClosed(ListingId),
    #[error("the bank is already open; a data directory holds one bank")]
    AlreadyOpen,
    #[error("the bank has not been opened yet; run `amser init` first")]
    NotOpen,
    #[error("the policy cannot work: {0}")]
    BadPolicy(String),
    #[error("the journal holds an entry the ledger cannot apply: {0}")]
    Corrupt(String),
    #[error("no admitted bank has the handle '{0}'; admit it first with `amser peer add BANK_ID ADDRESS --trust-hours N` (its handle is learnt when it connects)")]
    UnknownPeer(String),
    #[error("the trust line with '{0}' is frozen; no transfers go either way until the coordinator unfreezes it")]
    PeerFrozen(String),
    #[error("this evidence against bank {0} is already recorded (the coordinator has seen it); it does not freeze the line again")]
    EvidenceHandled(String),
    #[error("bank {0} is not admitted here; nothing it sends changes this ledger")]
    NotAdmitted(amser_protocol::BankId),
    #[error("a message from another bank was refused: {0}")]
    BadMessage(String),
    #[error("{receiver} is a member of '{bank}'; record this exchange at that bank, whose member received the help and pays for it")]
    RecordAtPayersBank { receiver: MemberCode, bank: String },
    #[error(transparent)]
    TransferCategory(#[from] amser_protocol::category::NotATransferCategory),
    #[error("an exchange with another bank's member has one provider and one receiver; record group events with other banks as separate exchanges")]
    CrossBankGroup,
    #[error("bank {bank} has not yet decided {pending} transfer(s) from our members; removing it now would leave those hours held on our members until its signed decision reaches us (this bank never decides alone that a transfer failed). Wait until `amser transfer list` shows them settled, or remove it anyway with --force")]
    TransfersInFlight { bank: amser_protocol::BankId, pending: usize },
    #[error("the path chosen for this transfer cannot be used: {0}. See the paths the node finds with `amser transfer path --to HANDLE --hours N`")]
    BadPath(String),
    #[error("this ring of debts cannot be cleared: {0}. See the rings the node finds with `amser clearing rings`")]
    BadRing(String),
    #[error("this letter of introduction cannot be used: {0}")]
    BadLetter(String),
    #[error("this member cannot move yet: {0}")]
    CannotMove(String),
    #[error("no transfer with id {0}")]
    UnknownTransfer(String),
    #[error("this bank's journal ends at entry {journal_seq}, but {peer} holds a journal head this bank signed at entry {peer_seq}: the journal is older than what the bank told its peers (was it restored from an old copy?). The node is reading back from its peers the transfers it had signed with them, numbered past what they saw, and takes new work once every connected peer has been read; try again in a moment. Changes only this bank held after that copy (members who joined, local exchanges) are not in any peer's hands: restore a newer backup if you have one (see \"A journal behind its peers\" in the README)")]
    BehindPeers { journal_seq: u64, peer: String, peer_seq: u64 },
    #[error("this bank's journal holds a different entry {seq} from the one {peer} holds signed by this bank: the journal was replaced by another copy, and the node went on from that copy under numbers its peers had already seen. The node takes no more changes. Stop it, put back the journal it was running on before (or restore your newest backup with `amser restore`: the node then reads back from its peers what it had signed), and start it again (see \"A journal behind its peers\" in the README)")]
    ForkedFromPeers { seq: u64, peer: String },
    #[error("the bank has just started and is asking its peers what they hold of its journal, so that nothing is recorded under a number they have already seen; this takes a moment (at most {wait_secs} s after the start). Try again shortly")]
    AskingPeers { wait_secs: u64 },
    #[error("{0}'s personal data has been erased; nothing about them can be changed or sealed any more (their code and balance stay)")]
    MemberErased(MemberCode),
    #[error("the node's storage failed: {0}")]
    Storage(String),
    #[error("{0}")]
    DiskFull(String),
    #[error("{0}")]
    ReadOnly(String),
}

impl LedgerError {
    /// A stable, machine-readable code for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            LedgerError::UnknownMember(_) => "unknown_member",
            LedgerError::MemberNotActive { .. } => "member_not_active",
            LedgerError::BelowFloor { .. } => "below_floor",
            LedgerError::AboveCeiling { .. } => "above_ceiling",
            LedgerError::TooLongForOnePerson { .. } => "too_many_hours",
            LedgerError::FutureDate(_) => "future_date",
            LedgerError::Shape(_) => "bad_exchange",
            LedgerError::Text(_) => "bad_text",
            LedgerError::UnknownExchange(_) => "unknown_exchange",
            LedgerError::AlreadyReversed(_) => "already_reversed",
            LedgerError::UnknownListing(_) => "unknown_listing",
            LedgerError::ListingClosed(_) => "listing_closed",
            LedgerError::AlreadyOpen => "already_open",
            LedgerError::NotOpen => "not_open",
            LedgerError::BadPolicy(_) => "bad_policy",
            LedgerError::Corrupt(_) => "corrupt_journal",
            LedgerError::UnknownPeer(_) => "unknown_peer",
            LedgerError::PeerFrozen(_) => "peer_frozen",
            LedgerError::NotAdmitted(_) => "not_admitted",
            LedgerError::EvidenceHandled(_) => "evidence_handled",
            LedgerError::BadMessage(_) => "bad_message",
            LedgerError::RecordAtPayersBank { .. } => "record_at_payers_bank",
            LedgerError::CrossBankGroup => "cross_bank_group",
            LedgerError::TransferCategory(_) => "not_a_transfer_category",
            LedgerError::TransfersInFlight { .. } => "transfers_in_flight",
            LedgerError::BadPath(_) => "bad_path",
            LedgerError::BadRing(_) => "bad_ring",
            LedgerError::CannotMove(_) => "cannot_move",
            LedgerError::BadLetter(_) => "bad_letter",
            LedgerError::UnknownTransfer(_) => "unknown_transfer",
            LedgerError::BehindPeers { .. } => "journal_behind_peers",
            LedgerError::ForkedFromPeers { .. } => "journal_forked",
            LedgerError::AskingPeers { .. } => "asking_peers",
            LedgerError::MemberErased(_) => "member_erased",
            LedgerError::Storage(_) => "storage_failed",
            LedgerError::DiskFull(_) => "disk_full",
            LedgerError::ReadOnly(_) => "read_only",
        }
    }

    /// Whether the caller's request was at fault (as opposed to the node).
    pub fn is_callers(&self) -> bool {
        !matches!(
            self,
            LedgerError::Corrupt(_)
                | LedgerError::Storage(_)
                | LedgerError::DiskFull(_)
                | LedgerError::ReadOnly(_)
                | LedgerError::BehindPeers { .. }
                | LedgerError::ForkedFromPeers { .. }
                | LedgerError::AskingPeers { .. }
        )
    }
}
