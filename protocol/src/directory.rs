//! The federation directory: what a bank tells an admitted bank that asks
//! (`PeerRequest::DirectorySearch`) about its members' open offers and
//! requests, when it shares them at all (`[directory] share`) and only for
//! the listings its coordinator shared one by one.
//!
//! ```text
//!   asker: DirectoryQuery::new(words, region) ──► DirectorySearch ──► each admitted peer
//!   answerer: every shared open listing ──► matches(query, category, title) ──► at most MAX_DIRECTORY_RESULTS
//! ```
//! A [`DirectoryListing`] carries the listing's id, kind, category, the
//! title the coordinator wrote for the directory, the member's code and the
//! date posted: never the member's name, contact, notes or the listing's
//! own description (all sealed under the member's key and kept at home).

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::date::ServiceDate;
use crate::ids::{ListingId, MemberCode};
use crate::listing::ListingKind;
use crate::text::check;

/// Most characters of the words a search looks for.
pub const MAX_DIRECTORY_WORDS_CHARS: usize = 100;
/// Most characters of the region a search is narrowed to.
pub const MAX_DIRECTORY_REGION_CHARS: usize = crate::limits::MAX_NAME_CHARS;
/// Most characters of a listing's directory title (short: a line in a list,
/// not a description).
pub const MAX_DIRECTORY_TITLE_CHARS: usize = 80;
/// Most listings one bank sends in one answer (each under a few kilobytes,
/// well within `federation::MAX_PEER_MESSAGE_BYTES`).
pub const MAX_DIRECTORY_RESULTS: u32 = 50;

/// What a search looks for: words (each must appear in a listing's category
/// or title, in any case) and, if given, the region the bank must be in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryQuery {
    /// Lower case, trimmed.
    pub words: String,
    /// Lower case, trimmed; `None` for every region.
    pub region: Option<String>,
}

/// Why a search cannot be asked (or answered).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DirectoryQueryError {
    #[error("a directory search needs words to look for, e.g. \"bike repair\"")]
    NoWords,
    #[error("the words to look for are {chars} characters long; use at most {max}")]
    WordsTooLong { chars: usize, max: usize },
    #[error("the region is {chars} characters long; use at most {max}")]
    RegionTooLong { chars: usize, max: usize },
    #[error("the {0} holds a control character; type plain text")]
    ControlCharacter(&'static str),
}

impl DirectoryQuery {
    /// A query from what a person typed, checked against the bounds.
    pub fn new(words: &str, region: Option<&str>) -> Result<DirectoryQuery, DirectoryQueryError> {
        let chars = words.chars().count();
        if chars > MAX_DIRECTORY_WORDS_CHARS {
            return Err(DirectoryQueryError::WordsTooLong { chars, max: MAX_DIRECTORY_WORDS_CHARS });
        }
        if words.trim().is_empty() {
            return Err(DirectoryQueryError::NoWords);
        }
        check("words", words, MAX_DIRECTORY_WORDS_CHARS, false).map_err(|_| DirectoryQueryError::ControlCharacter("words"))?;
        let region = region.map(str::trim).filter(|r| !r.is_empty());
        if let Some(r) = region {
            let chars = r.chars().count();
            if chars > MAX_DIRECTORY_REGION_CHARS {
                return Err(DirectoryQueryError::RegionTooLong { chars, max: MAX_DIRECTORY_REGION_CHARS });
            }
            check("region", r, MAX_DIRECTORY_REGION_CHARS, false).map_err(|_| DirectoryQueryError::ControlCharacter("region"))?;
        }
        Ok(DirectoryQuery { words: words.trim().to_lowercase(), region: region.map(str::to_lowercase) })
    }

    /// Whether a bank in `region` is in the region asked for (any, when none was).
    pub fn in_region(&self, region: &str) -> bool {
        self.region.as_ref().is_none_or(|r| r == &region.trim().to_lowercase())
    }

    /// Whether every word asked for stands in the category or the title.
    pub fn matches(&self, category: &str, title: &str) -> bool {
        let text = format!("{} {}", category.to_lowercase(), title.to_lowercase());
        self.words.split_whitespace().all(|w| text.contains(w))
    }
}

/// One shared listing as another bank sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DirectoryListing {
    pub listing: ListingId,
    pub kind: ListingKind,
    /// The member's code (`gwynedd:7KQ2-M9`): what an exchange with them is recorded against.
    pub member: MemberCode,
    pub category: String,
    /// The words the coordinator wrote for the directory when sharing it
    /// (empty: the category says it all).
    pub title: String,
    pub posted: ServiceDate,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_must_stand_in_the_category_or_the_title_in_any_case() {
        let q = DirectoryQuery::new("  Bike REPAIR ", None).unwrap();
        assert_eq!(q.words, "bike repair");
        assert!(q.matches("repairs", "Bike: punctures and brakes"));
        assert!(q.matches("bike repair", ""));
        assert!(!q.matches("gardening", "bike"));
    }

    #[test]
    fn a_region_narrows_the_banks_and_none_takes_every_bank() {
        let q = DirectoryQuery::new("garden", Some(" Gwynedd ")).unwrap();
        assert!(q.in_region("gwynedd") && !q.in_region("Caerphilly"));
        assert!(DirectoryQuery::new("garden", Some("")).unwrap().in_region("anywhere"));
    }

    #[test]
    fn empty_long_or_odd_words_are_refused_with_what_to_do() {
        assert_eq!(DirectoryQuery::new("   ", None), Err(DirectoryQueryError::NoWords));
        let long = "a".repeat(MAX_DIRECTORY_WORDS_CHARS + 1);
        assert!(matches!(DirectoryQuery::new(&long, None), Err(DirectoryQueryError::WordsTooLong { .. })));
        assert!(matches!(DirectoryQuery::new("bike\u{7}", None), Err(DirectoryQueryError::ControlCharacter("words"))));
        let region = "r".repeat(MAX_DIRECTORY_REGION_CHARS + 1);
        assert!(matches!(DirectoryQuery::new("bike", Some(&region)), Err(DirectoryQueryError::RegionTooLong { .. })));
    }
}
