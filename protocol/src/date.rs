//! The calendar date a service was given. Times in Amser are informational;
//! order comes from journal sequence numbers.

use serde::{Deserialize, Serialize};
use std::fmt;
use thiserror::Error;
use time::{macros::format_description, Date, OffsetDateTime};

/// A date as days since 1970-01-01 (so it encodes as one small integer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ServiceDate(pub i32);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("'{0}' is not a date. Write dates as YYYY-MM-DD, for example 2026-11-26")]
pub struct DateError(pub String);

const UNIX_EPOCH_JULIAN_DAY: i32 = 2_440_588;

impl ServiceDate {
    /// The date of a unix time in milliseconds (UTC).
    pub fn from_unix_ms(ms: u64) -> ServiceDate {
        ServiceDate((ms / 86_400_000) as i32)
    }

    /// Parses `YYYY-MM-DD`.
    pub fn parse(input: &str) -> Result<ServiceDate, DateError> {
        let format = format_description!("[year]-[month]-[day]");
        Date::parse(input.trim(), &format)
            .map(|d| ServiceDate(d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY))
            .map_err(|_| DateError(input.trim().to_string()))
    }

    /// The calendar date, if in the range the `time` crate can show.
    pub fn to_date(self) -> Option<Date> {
        Date::from_julian_day(self.0.checked_add(UNIX_EPOCH_JULIAN_DAY)?).ok()
    }

    /// `YYYY-MM`, the key of monthly reports.
    pub fn month(self) -> String {
        match self.to_date() {
            Some(d) => format!("{}-{:02}", Year(d.year()), u8::from(d.month())),
            None => "unknown".to_string(),
        }
    }

    /// The date `months` calendar months before this one (clamped to the
    /// month's last day), for "active in the last 12 months".
    pub fn months_before(self, months: u32) -> ServiceDate {
        let Some(d) = self.to_date() else { return self };
        let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 - i64::from(months);
        let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
        let Ok(year) = i32::try_from(year) else { return self };
        let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::January);
        let day = d.day().min(month.length(year));
        Date::from_calendar_date(year, month, day).map(|d| ServiceDate(d.to_julian_day() - UNIX_EPOCH_JULIAN_DAY)).unwrap_or(self)
    }

    /// Today's date from a unix time in ms, for callers that hold a clock.
    pub fn today(now_ms: u64) -> ServiceDate {
        Self::from_unix_ms(now_ms)
    }

    /// Unix ms at the start of this date (for tests and displays).
    pub fn start_unix_ms(self) -> i64 {
        self.0 as i64 * 86_400_000
    }

    /// Helper for callers with an `OffsetDateTime`.
    pub fn from_datetime(t: OffsetDateTime) -> ServiceDate {
        ServiceDate(t.date().to_julian_day() - UNIX_EPOCH_JULIAN_DAY)
    }
}

/// A year as `[year]` parses it: at least four digits after any sign
/// (`-0667`, not `-667`, which `{:04}` gives).
struct Year(i32);

impl fmt::Display for Year {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}{:04}", self.0.unsigned_abs())
    }
}

impl fmt::Display for ServiceDate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.to_date() {
            Some(d) => write!(f, "{}-{:02}-{:02}", Year(d.year()), u8::from(d.month()), d.day()),
            None => write!(f, "day {}", self.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_through_text() {
        let d = ServiceDate::parse("2026-11-26").unwrap();
        assert_eq!(d.to_string(), "2026-11-26");
        assert_eq!(d.month(), "2026-11");
        assert_eq!(ServiceDate::parse("1970-01-01").unwrap(), ServiceDate(0));
        assert!(ServiceDate::parse("26/11/2026").is_err());
        assert_eq!(ServiceDate::parse("2026-03-31").unwrap().months_before(1).to_string(), "2026-02-28");
        assert_eq!(ServiceDate::parse("2026-11-26").unwrap().months_before(12).to_string(), "2025-11-26");
    }

    /// Found by the `text` fuzz target: `months as i32` wrapped for counts
    /// over `i32::MAX`, so "4294967040 months before" moved the date forward
    /// (and a count of 2^31 overflowed).
    #[test]
    fn months_before_never_moves_forward() {
        let d = ServiceDate::parse("1858-07-07").unwrap();
        for months in [u32::MAX - 255, 1 << 31, u32::MAX] {
            assert!(d.months_before(months) <= d, "{months}");
        }
        assert_eq!(d.months_before(12 * 100).to_string(), "1758-07-07");
    }

    /// Found by the `text` fuzz target: a date before year 0 (a peer may
    /// send any day number) showed as `-667-04-15`, which does not parse.
    #[test]
    fn every_date_shown_parses_back() {
        for day in [-963_040, -719_893, -1, 0, 20_000, 2_932_896] {
            let d = ServiceDate(day);
            assert_eq!(ServiceDate::parse(&d.to_string()), Ok(d), "{d}");
        }
        assert_eq!(ServiceDate(-963_040).to_string(), "-0667-04-15");
        assert_eq!(ServiceDate(-963_040).month(), "-0667-04");
    }
}
