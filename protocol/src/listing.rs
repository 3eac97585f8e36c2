//! Listings: offers of help and requests for it, by category, so the
//! coordinator can match people.

use serde::{Deserialize, Serialize};

use crate::date::ServiceDate;
use crate::ids::{ListingId, MemberCode};
use crate::sealed::Sealed;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ListingKind {
    /// "I can help with..."
    Offer,
    /// "I need help with..."
    Request,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Listing {
    pub id: ListingId,
    pub kind: ListingKind,
    pub member: MemberCode,
    pub category: String,
    /// What is offered or asked for, sealed under the member's key; `None` once erased.
    pub description: Option<Sealed>,
    pub posted: ServiceDate,
}
