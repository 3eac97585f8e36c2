//! A bank's monthly figures, signed: what a regional network hands its
//! funders, summed from what each bank signed so that nobody (not even the
//! bank that adds them up) can inflate another bank's figure. Numbers and
//! the federation's category words only: no member, no free text.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::ids::BankId;
use crate::limits::MAX_PARSE_MINUTES;
use crate::minutes::Minutes;
use crate::signing::{FederationId, MessageKind, SignedMessage, Verified, VerifyError};

/// Most categories one month's figures list: the federation's vocabulary and [`OTHER_CATEGORY`].
pub const MAX_FIGURE_CATEGORIES: usize = crate::category::TRANSFER_CATEGORIES.len() + 1;
/// Most bytes of the body of one month's figures.
pub const MAX_FIGURES_BYTES: usize = 4096;
/// Where a local exchange's free-text category goes: it is not published.
pub const OTHER_CATEGORY: &str = "other";
/// The most exchanges, or members, a month's figure may claim.
pub const MAX_FIGURE_COUNT: u64 = 1_000_000_000;

/// Hours and exchanges under one category word.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CategoryFigure {
    pub category: String,
    pub exchanges: u64,
    pub minutes: Minutes,
}

/// One bank's figures for one month (`MessageKind::MonthlyTotals`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthlyTotals {
    pub bank: BankId,
    /// `YYYY-MM`.
    pub month: String,
    /// Local exchanges dated in the month and not reversed.
    pub exchanges: u64,
    /// Minutes given in them (credited to the providers).
    pub minutes: Minutes,
    /// Members who gave or received in the month.
    pub active_members: u64,
    /// By the federation's category words, sorted; any other category is counted as [`OTHER_CATEGORY`].
    pub by_category: Vec<CategoryFigure>,
    /// Minutes our members were paid, and paid, in transfers with other banks accepted and dated in the month.
    pub across_banks_in: Minutes,
    pub across_banks_out: Minutes,
    /// When these were signed (unix ms): the newer of two figures for one month wins.
    pub signed_ms: u64,
}

/// Why a message is not a bank's monthly figures.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum FiguresError {
    #[error("bad signature or envelope: {0}")]
    Verify(#[from] VerifyError),
    #[error("a {0} message is not monthly figures")]
    NotFigures(&'static str),
    #[error("the body does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("signed by another bank than the one whose figures they are")]
    WrongSigner,
    #[error("the figures are not well formed: {0}")]
    Shape(String),
}

/// Whether `text` is a month as `YYYY-MM` (1970 to 9999).
pub fn is_month(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() == 7
        && b[4] == b'-'
        && b[..4].iter().chain(&b[5..]).all(u8::is_ascii_digit)
        && text[..4].parse::<u16>().is_ok_and(|y| (1970..=9999).contains(&y))
        && text[5..].parse::<u8>().is_ok_and(|m| (1..=12).contains(&m))
}

impl MonthlyTotals {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("monthly totals", self)
    }

    pub fn decode(bytes: &[u8]) -> Result<MonthlyTotals, DecodeError> {
        decode("monthly totals", bytes, MAX_FIGURES_BYTES)
    }

    /// Checks what can be checked without any bank's state: the month, the
    /// bounds, and categories from the vocabulary (or "other"), sorted, once each.
    pub fn check_shape(&self) -> Result<(), String> {
        if !is_month(&self.month) {
            return Err(format!("'{}' is not a month (YYYY-MM)", self.month));
        }
        if self.by_category.len() > MAX_FIGURE_CATEGORIES {
            return Err(format!("{} categories, at most {MAX_FIGURE_CATEGORIES}", self.by_category.len()));
        }
        if self.by_category.windows(2).any(|w| w[0].category >= w[1].category) {
            return Err("categories must be sorted, each once".into());
        }
        let minutes =
            [self.minutes, self.across_banks_in, self.across_banks_out].into_iter().chain(self.by_category.iter().map(|c| c.minutes));
        if minutes.into_iter().any(|m| !(0..=MAX_PARSE_MINUTES * MAX_FIGURE_COUNT as i64).contains(&m.0)) {
            return Err("a figure of minutes out of bounds".into());
        }
        let counts = [self.exchanges, self.active_members].into_iter().chain(self.by_category.iter().map(|c| c.exchanges));
        if counts.into_iter().any(|n| n > MAX_FIGURE_COUNT) {
            return Err("a count out of bounds".into());
        }
        for c in &self.by_category {
            if c.category != OTHER_CATEGORY && crate::category::check_transfer_category(&c.category).is_err() {
                return Err(format!("'{}' is not a category word of the federation", c.category));
            }
        }
        Ok(())
    }

    /// Verifies `signed` and reads the figures in it.
    pub fn check(signed: &SignedMessage, federation: FederationId) -> Result<MonthlyTotals, FiguresError> {
        Self::from_verified(&signed.verify(federation)?)
    }

    /// Reads the figures in a message whose signature was just verified.
    pub fn from_verified(verified: &Verified) -> Result<MonthlyTotals, FiguresError> {
        if verified.kind != MessageKind::MonthlyTotals {
            return Err(FiguresError::NotFigures(verified.kind.name()));
        }
        let totals = MonthlyTotals::decode(&verified.body)?;
        if totals.bank != verified.signer {
            return Err(FiguresError::WrongSigner);
        }
        totals.check_shape().map_err(FiguresError::Shape)?;
        Ok(totals)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{bank_id, sign};

    fn gwynedds_november(key: &ed25519_dalek::SigningKey) -> MonthlyTotals {
        MonthlyTotals {
            bank: bank_id(key),
            month: "2026-11".into(),
            exchanges: 41,
            minutes: Minutes(3_000),
            active_members: 23,
            by_category: vec![
                CategoryFigure { category: "gardening".into(), exchanges: 30, minutes: Minutes(2_400) },
                CategoryFigure { category: OTHER_CATEGORY.into(), exchanges: 11, minutes: Minutes(600) },
            ],
            across_banks_in: Minutes(120),
            across_banks_out: Minutes(60),
            signed_ms: 1,
        }
    }

    #[test]
    fn gwynedds_signed_figures_check_and_a_tampered_or_borrowed_one_does_not() {
        let fed = FederationId::from_name("wales");
        let (gwynedd, mallory) = (ed25519_dalek::SigningKey::from_bytes(&[2; 32]), ed25519_dalek::SigningKey::from_bytes(&[9; 32]));
        let figures = gwynedds_november(&gwynedd);
        let signed = sign(&gwynedd, MessageKind::MonthlyTotals, fed, figures.encode().unwrap()).unwrap();
        assert_eq!(MonthlyTotals::check(&signed, fed), Ok(figures.clone()));
        let mut tampered = signed.clone();
        let at = tampered.envelope.len() - 20;
        tampered.envelope[at] ^= 1;
        assert!(matches!(MonthlyTotals::check(&tampered, fed), Err(FiguresError::Verify(_))));
        let borrowed = sign(&mallory, MessageKind::MonthlyTotals, fed, figures.encode().unwrap()).unwrap();
        assert_eq!(MonthlyTotals::check(&borrowed, fed), Err(FiguresError::WrongSigner));
    }

    #[test]
    fn free_text_categories_and_months_that_are_not_months_are_not_well_formed() {
        let key = ed25519_dalek::SigningKey::from_bytes(&[2; 32]);
        let mut figures = gwynedds_november(&key);
        figures.by_category[0].category = "Mair's insulin".into();
        assert!(figures.check_shape().unwrap_err().contains("not a category word"));
        for month in ["2026-13", "2026-1", "26-11", "2026/11", "1969-12"] {
            assert!(!is_month(month), "{month}");
            assert!(MonthlyTotals { month: month.into(), ..gwynedds_november(&key) }.check_shape().is_err());
        }
        assert!(is_month("2026-12"));
    }
}
