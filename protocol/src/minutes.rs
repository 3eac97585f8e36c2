//! Amounts of time. One hour of anyone's help is one time credit; Amser
//! stores it as 60 whole minutes in an `i64` and never uses floats.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;

use crate::limits::MAX_PARSE_MINUTES;

/// A signed amount of time in whole minutes (1 hour = 1 credit = 60).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Minutes(pub i64);

/// Why an amount of hours was refused. Each message says what is accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HoursError {
    #[error("'{0}' is not an amount of hours. Write hours as a number with up to 2 decimal places (1.5) or as hours:minutes (1:30)")]
    Unparseable(String),
    #[error("'{0}' has more than 2 decimal places. Write hours as 1.25 or as hours:minutes (1:15)")]
    TooPrecise(String),
    #[error("the amount must be more than zero; to undo an exchange, reverse it instead")]
    NotPositive,
    #[error("minutes after the colon must be 0 to 59, got '{0}'")]
    BadMinutes(String),
    #[error("{0} is far too large to be an amount of time given; check for a typing mistake")]
    Absurd(String),
}

impl Minutes {
    pub const ZERO: Minutes = Minutes(0);

    /// From whole hours.
    pub const fn from_hours(hours: i64) -> Minutes {
        Minutes(hours * 60)
    }

    /// Parses an amount of time as people write it: `2`, `1.5`, `0.25`,
    /// `1:30`, `0:45`, optionally followed by `h`. Decimals are rounded to the
    /// nearest whole minute (half up). Refuses zero, negatives, more than two
    /// decimal places, non-numbers (`NaN`, `inf`) and amounts over a year.
    pub fn parse_hours(input: &str) -> Result<Minutes, HoursError> {
        let text = input.trim();
        let text = text.strip_suffix(['h', 'H']).unwrap_or(text).trim();
        if text.starts_with('-') {
            return Err(HoursError::NotPositive);
        }
        let text = text.strip_prefix('+').unwrap_or(text);
        let unparseable = || HoursError::Unparseable(input.trim().to_string());
        let minutes: i128 = if let Some((h, m)) = text.split_once(':') {
            let hours = parse_digits(h).ok_or_else(unparseable)?;
            if m.len() != 2 {
                return Err(HoursError::BadMinutes(m.to_string()));
            }
            let mins = parse_digits(m).ok_or_else(unparseable)?;
            if mins > 59 {
                return Err(HoursError::BadMinutes(m.to_string()));
            }
            hours * 60 + mins
        } else if let Some((whole, frac)) = text.split_once('.') {
            if frac.len() > 2 && frac.bytes().all(|b| b.is_ascii_digit()) {
                return Err(HoursError::TooPrecise(input.trim().to_string()));
            }
            let hours = if whole.is_empty() { 0 } else { parse_digits(whole).ok_or_else(unparseable)? };
            if frac.is_empty() && whole.is_empty() {
                return Err(unparseable());
            }
            let hundredths = match frac.len() {
                0 => 0,
                1 => parse_digits(frac).ok_or_else(unparseable)? * 10,
                _ => parse_digits(frac).ok_or_else(unparseable)?,
            };
            // hours * 60 + hundredths * 60 / 100, rounded half up.
            hours * 60 + (hundredths * 60 + 50) / 100
        } else {
            parse_digits(text).ok_or_else(unparseable)? * 60
        };
        if minutes > MAX_PARSE_MINUTES as i128 {
            return Err(HoursError::Absurd(input.trim().to_string()));
        }
        if minutes <= 0 {
            return Err(HoursError::NotPositive);
        }
        Ok(Minutes(minutes as i64))
    }

    /// Hours as a decimal number, for reports and JSON (never used for sums).
    pub fn as_hours_f64(self) -> f64 {
        self.0 as f64 / 60.0
    }

    pub fn checked_add(self, other: Minutes) -> Option<Minutes> {
        self.0.checked_add(other.0).map(Minutes)
    }

    pub fn checked_mul(self, n: i64) -> Option<Minutes> {
        self.0.checked_mul(n).map(Minutes)
    }
}

/// Digits only (no sign, no spaces), at most 12 of them so nothing overflows.
fn parse_digits(s: &str) -> Option<i128> {
    if s.is_empty() || s.len() > 12 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Shows minutes as `H:MM` (with a sign when negative), the way a
/// coordinator reads a time sheet.
impl fmt::Display for Minutes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = self.0.unsigned_abs();
        write!(f, "{sign}{}:{:02}", abs / 60, abs % 60)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn people_write_hours_in_several_ways() {
        assert_eq!(Minutes::parse_hours("2"), Ok(Minutes(120)));
        assert_eq!(Minutes::parse_hours("1.5"), Ok(Minutes(90)));
        assert_eq!(Minutes::parse_hours("0.25"), Ok(Minutes(15)));
        assert_eq!(Minutes::parse_hours(".5"), Ok(Minutes(30)));
        assert_eq!(Minutes::parse_hours("1:30"), Ok(Minutes(90)));
        assert_eq!(Minutes::parse_hours("0:45"), Ok(Minutes(45)));
        assert_eq!(Minutes::parse_hours(" 3h "), Ok(Minutes(180)));
        assert_eq!(Minutes::parse_hours("1.33"), Ok(Minutes(80)));
        assert_eq!(Minutes::parse_hours("0.01"), Ok(Minutes(1)));
        assert_eq!(Minutes::parse_hours("2."), Ok(Minutes(120)));
    }

    #[test]
    fn nonsense_amounts_are_refused_with_what_is_accepted() {
        for bad in ["", "abc", "NaN", "inf", "-inf", "1e3", "1,5", "1:5", "1:60", ":", ".", "1.2.3", "1:30:00", "0x10"] {
            let err = Minutes::parse_hours(bad).unwrap_err();
            assert!(!err.to_string().is_empty(), "{bad}");
        }
        assert_eq!(Minutes::parse_hours("0"), Err(HoursError::NotPositive));
        assert_eq!(Minutes::parse_hours("0:00"), Err(HoursError::NotPositive));
        assert_eq!(Minutes::parse_hours("0.001"), Err(HoursError::TooPrecise("0.001".into())));
        assert_eq!(Minutes::parse_hours("-2"), Err(HoursError::NotPositive));
        assert!(matches!(Minutes::parse_hours("99999999"), Err(HoursError::Absurd(_))));
        assert!(Minutes::parse_hours("abc").unwrap_err().to_string().contains("1:30"));
    }

    #[test]
    fn minutes_display_as_hours_and_minutes() {
        assert_eq!(Minutes(90).to_string(), "1:30");
        assert_eq!(Minutes(-125).to_string(), "-2:05");
        assert_eq!(Minutes(0).to_string(), "0:00");
    }
}
