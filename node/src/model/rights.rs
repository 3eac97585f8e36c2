//! A member's data rights through the API: the subject access export
//! (`GET /members/{code}/export`) and erasure (`POST /members/{code}/erase`).

use serde::{Deserialize, Serialize};

use super::{BankView, ExchangeView, ListingView, MemberView, TransferView};

/// Everything the bank holds about one member (their right of access).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberExport {
    /// Who holds the data.
    pub bank: BankView,
    /// When the export was made (UTC, RFC 3339), and the journal entry it reflects.
    pub made_at: String,
    pub head_seq: u64,
    /// The register record: every field, special needs included.
    pub member: MemberView,
    /// Every exchange they took part in, oldest first; `recorded_by` names
    /// the account that recorded each (reads are not logged).
    pub exchanges: Vec<ExchangeView>,
    /// Every transfer with another bank they paid or were paid by.
    pub transfers: Vec<TransferView>,
    /// Their offers and requests, open or closed.
    pub listings: Vec<ListingView>,
    /// What other banks hold about them: only their member code, in the
    /// signed transfers above (never their name, contact or notes).
    pub other_banks_hold: String,
}

/// `POST /members/{code}/erase`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EraseRequest {
    /// Why (kept in the journal: do not repeat the member's personal data).
    pub reason: String,
}
