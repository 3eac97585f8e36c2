//! The categories a transfer between two banks may carry: a fixed, bounded
//! vocabulary of slugs. A transfer is signed and gossiped to every bank of
//! the federation, so whatever its category says is published; free text
//! typed by a coordinator ("Mair's insulin") must never get there. Within one
//! bank, exchanges keep whatever category the coordinator types; a transfer
//! carries one of these words (the console shows each in the reader's
//! language), and anything else stays in the bank that wrote it.

use thiserror::Error;

/// Every category a transfer may carry, in the order people are shown them.
/// Append only: banks running an older list reject a transfer whose category
/// they do not know (as malformed), so a new word is used once they all have it.
pub const TRANSFER_CATEGORIES: &[&str] = &[
    "general",
    "befriending",
    "care",
    "childcare",
    "community",
    "computers",
    "cooking",
    "creative",
    "diy",
    "education",
    "events",
    "gardening",
    "health",
    "household",
    "languages",
    "music",
    "office",
    "pets",
    "repairs",
    "shopping",
    "sport",
    "transport",
    "volunteering",
    "youth-work",
    // A member's balance taken along when they move to another bank.
    "moving",
];

/// The payee bank's reason for refusing a transfer whose category is not in
/// the vocabulary: signed and gossiped, so it never repeats the category.
pub const NOT_IN_VOCABULARY: &str = "its category is not one of the federation's transfer categories";

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("'{given}' is not a category a transfer with another bank may carry (what a transfer says is seen by every bank in the federation). Choose one of: {}; details belong in the note, which only the two banks see", TRANSFER_CATEGORIES.join(", "))]
pub struct NotATransferCategory {
    pub given: String,
}

/// Checks that `category` is one of [`TRANSFER_CATEGORIES`].
pub fn check_transfer_category(category: &str) -> Result<(), NotATransferCategory> {
    if TRANSFER_CATEGORIES.contains(&category) {
        Ok(())
    } else {
        Err(NotATransferCategory { given: category.chars().take(crate::limits::MAX_SHORT_TEXT_CHARS).collect() })
    }
}

/// The slug a coordinator most likely meant: trimmed, lower case, spaces and
/// underscores as hyphens ("Youth work" → "youth-work").
pub fn normalise(typed: &str) -> String {
    typed.trim().to_lowercase().split([' ', '_', '-']).filter(|w| !w.is_empty()).collect::<Vec<_>>().join("-")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_vocabulary_is_slugs_without_repeats() {
        let mut seen = std::collections::HashSet::new();
        for c in TRANSFER_CATEGORIES {
            assert_eq!(normalise(c), *c, "{c} is its own normal form");
            assert!(c.chars().all(|ch| ch.is_ascii_lowercase() || ch == '-'), "{c}");
            assert!(seen.insert(c), "{c} twice");
        }
    }

    #[test]
    fn free_text_is_refused_with_the_choices() {
        let e = check_transfer_category("mair's insulin").unwrap_err();
        assert!(e.to_string().contains("gardening") && e.to_string().contains("note"), "{e}");
        assert!(check_transfer_category(&normalise("Youth work")).is_ok());
        assert!(check_transfer_category(&normalise(" GARDENING ")).is_ok());
    }
}
