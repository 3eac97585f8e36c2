//! Listings: offers and requests by category, for matching.

use amser_protocol::listing::ListingKind;
use amser_protocol::MemberCode;
use serde::{Deserialize, Serialize};

use amser_protocol::sealed::Purpose;

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{LedgerError, ListingRecord};

/// An offer or a request: `GET /listings`, and the answer to posting or closing one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingView {
    pub id: String,
    pub kind: ListingKind,
    pub member: MemberCode,
    pub category: String,
    pub description: String,
    /// YYYY-MM-DD.
    pub posted: String,
    pub open: bool,
    /// Shared in the federation directory.
    pub shared: bool,
    /// The title other banks see while it is shared (empty: the category alone).
    pub title: String,
}

impl ListingView {
    pub fn new(r: ListingRecord, keys: &dyn MemberKeys) -> Result<Self, LedgerError> {
        let description = super::exchange::text_of(keys, Purpose::ListingText, r.listing.description.as_ref())?;
        let title = super::exchange::text_of(keys, Purpose::DirectoryTitle, r.title.as_ref())?;
        let l = r.listing;
        Ok(ListingView {
            id: l.id.to_hex(),
            kind: l.kind,
            member: l.member,
            category: l.category,
            description,
            posted: l.posted.to_string(),
            open: r.open,
            shared: r.shared,
            title,
        })
    }
}

/// `POST /listings`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewListing {
    pub kind: ListingKind,
    /// The member's code (as text, so a bad one is answered `bad_member_code`).
    pub member: String,
    pub category: String,
    pub description: String,
}

/// `GET /listings?category=&kind=&closed=&cursor=&limit=`: open listings
/// unless `closed`, a page at a time, in the order of their ids.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListingQuery {
    pub category: Option<String>,
    pub kind: Option<ListingKind>,
    /// Closed listings too.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
    /// The `next` of the page before (see [`super::Page`]).
    pub cursor: Option<String>,
    /// Most listings in the page (see [`super::page::MAX_PAGE_ITEMS`]).
    pub limit: Option<usize>,
}
