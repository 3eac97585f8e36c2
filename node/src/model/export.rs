//! The JSON export for coordinators and funders (`GET /export?format=json`),
//! a page at a time: the register, then the exchanges in journal order, then
//! the listings. `reading::export` reads the pages; the CLI joins them into
//! one document ([`ExportDocument`]'s shape) as they come.

use serde::{Deserialize, Serialize};

use super::{ExchangeView, ListingView, MemberView, PolicyConfig};

/// The bank as exported: ids as text, as the API shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankView {
    pub bank_id: String,
    pub name: String,
    pub handle: String,
    pub region: String,
}

/// One page of the export. The export walks three sections in order
/// (members by code, exchanges by journal entry up to the head the first
/// page saw, listings by id); a page holds at most `limit` rows in all and
/// may span the end of one section and the start of the next.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportPage {
    /// The bank and its policy: on the first page (no cursor) only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bank: Option<BankView>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<PolicyConfig>,
    /// The journal entry the export stops at (exchanges recorded after it
    /// are not in this export): on the first page only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub head_seq: Option<u64>,
    #[serde(default)]
    pub members: Vec<MemberView>,
    #[serde(default)]
    pub exchanges: Vec<ExchangeView>,
    #[serde(default)]
    pub listings: Vec<ListingView>,
    /// The cursor of the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// The whole export as `amser export --format json` writes it: every page's
/// rows joined, in one JSON document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExportDocument {
    pub bank: Option<BankView>,
    pub policy: PolicyConfig,
    pub members: Vec<MemberView>,
    pub exchanges: Vec<ExchangeView>,
    pub listings: Vec<ListingView>,
}
