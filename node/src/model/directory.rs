//! The federation directory's shapes: a search (`GET /directory`), what
//! it found at other banks, what each bank answered, and sharing a listing
//! (`POST /listings/{id}/share`).

use amser_protocol::listing::ListingKind;
use amser_protocol::MemberCode;
use serde::{Deserialize, Serialize};

use super::BankRef;

/// `GET /directory?q=bike+repair&region=Gwynedd`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectorySearch {
    /// The words to look for: each must stand in a listing's category or title.
    pub q: String,
    /// Only banks in this region (`[bank] region`); every region when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<String>,
}

/// One listing another bank shares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryResult {
    /// The bank that holds it, and its handle.
    pub bank: BankRef,
    /// That bank's region.
    pub region: String,
    pub listing: String,
    pub kind: ListingKind,
    /// The member's code, to record an exchange with them (`amser exchange record --provider CODE`).
    pub member: MemberCode,
    pub category: String,
    pub title: String,
    /// YYYY-MM-DD.
    pub posted: String,
}

/// What one asked bank answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DirectoryAnswer {
    /// It answered with its matching listings (perhaps none).
    Listings,
    /// It does not share its directory.
    NotSharing,
    /// It is admitted but not connected now: not asked.
    NotConnected,
    /// It did not answer in time, or refused.
    NoAnswer,
}

/// Each admitted bank and what it answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryBankView {
    pub bank: BankRef,
    pub answer: DirectoryAnswer,
    /// How many listings of its are in the results.
    pub found: usize,
    /// Why there was no answer, when there was none (a stable code, or what happened).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The answer to a directory search: every bank's listings together,
/// newest first, and what each admitted bank answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryView {
    pub results: Vec<DirectoryResult>,
    pub banks: Vec<DirectoryBankView>,
}

/// `POST /listings/{id}/share`: the title other banks will see (the
/// listing's own description is never shared).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShareListing {
    /// At most `protocol::directory::MAX_DIRECTORY_TITLE_CHARS`; empty
    /// shares the category alone. Must not hold the member's name or contact.
    #[serde(default)]
    pub title: String,
}
