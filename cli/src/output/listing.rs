//! Offers and requests for people.

use amser_node::model::ListingView;
use amser_protocol::listing::ListingKind;

use super::short;

/// The word for a kind of listing, as the API writes it.
pub fn kind_word(kind: ListingKind) -> &'static str {
    match kind {
        ListingKind::Offer => "offer",
        ListingKind::Request => "request",
    }
}

/// The word for the kind, as the API writes it.
fn kind(l: &ListingView) -> &'static str {
    kind_word(l.kind)
}

pub fn listings(list: &[ListingView]) -> String {
    if list.is_empty() {
        return "No open offers or requests.".into();
    }
    list.iter()
        .map(|l| format!("{}  {:<7} {:<16} {:<18} {}", short(&l.id, 12), kind(l), l.category, l.member.as_str(), l.description))
        .collect::<Vec<_>>()
        .join("\n")
}

/// `amser listing add`.
pub fn posted(l: &ListingView) -> String {
    format!("Posted {} {} in '{}'", kind(l), l.id, l.category)
}

/// `amser listing close`.
pub fn closed(l: &ListingView) -> String {
    format!("Closed listing {}", l.id)
}

/// `amser listing share|unshare`.
pub fn shared(l: &ListingView) -> String {
    match (l.shared, l.title.is_empty()) {
        (false, _) => format!("Listing {} is not in the federation directory", l.id),
        (true, true) => format!("Shared listing {} in the federation directory as '{}'", l.id, l.category),
        (true, false) => format!("Shared listing {} in the federation directory as '{}: {}'", l.id, l.category, l.title),
    }
}
