//! The report for funders and coordinators (`GET /report`): hours
//! exchanged and active members, by category, by month and by agency.
//! `reading::report` works it out; [`PeriodReport`] is the same over a
//! chosen period of whole [`Months`] (the console's reports page).

use std::collections::BTreeMap;

use amser_protocol::{MemberCode, ServiceDate};
use serde::{Deserialize, Serialize};

/// Exchanges counted and the time given in them.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Tally {
    pub exchanges: u64,
    /// Minutes given (credited to providers).
    pub minutes: i64,
    pub hours: f64,
}

impl Tally {
    /// Counts one more exchange, in which `minutes` were given.
    pub fn add(&mut self, minutes: i64) {
        self.exchanges += 1;
        self.minutes += minutes;
        self.hours = self.minutes as f64 / 60.0;
    }
}

/// What one agency gave and received.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgencyTally {
    pub code: MemberCode,
    pub name: String,
    pub minutes_given: i64,
    pub minutes_received: i64,
    pub exchanges: u64,
}

/// `GET /report`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Report {
    /// The bank's name.
    pub bank: String,
    /// YYYY-MM-DD.
    pub as_of: String,
    /// Exchanges recorded and not reversed.
    pub total: Tally,
    /// Members who gave or received in the window.
    pub active_members: usize,
    pub active_since: String,
    pub active_months: u32,
    pub members: usize,
    pub members_by_status: BTreeMap<String, usize>,
    pub by_category: BTreeMap<String, Tally>,
    /// By month (YYYY-MM).
    pub by_month: BTreeMap<String, Tally>,
    pub by_agency: Vec<AgencyTally>,
}

/// The longest period one report covers: ten years of months.
pub const MAX_PERIOD_MONTHS: u32 = 120;
/// The earliest and latest year a period may name.
const FIRST_YEAR: i32 = 1970;
const LAST_YEAR: i32 = 9999;

/// Why a period was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    /// Not `YYYY-MM` (the text given).
    #[error("'{0}' is not a month; write it as YYYY-MM, for example 2026-01")]
    BadMonth(String),
    /// The first month comes after the last.
    #[error("the period starts after it ends")]
    Backwards,
    /// More months than [`MAX_PERIOD_MONTHS`].
    #[error("the period is {months} months long, and at most {MAX_PERIOD_MONTHS} fit in one report")]
    TooLong { months: u32 },
}

/// A period of whole calendar months, from `first` to `last` inclusive,
/// each held as months since year 0 (`year * 12 + month - 1`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Months {
    first: i32,
    last: i32,
}

/// The month index of a date (`year * 12 + month - 1`).
fn index_of(date: ServiceDate) -> Option<i32> {
    date.to_date().map(|d| d.year() * 12 + i32::from(u8::from(d.month())) - 1)
}

/// The month index of `YYYY-MM`.
fn parse_month(text: &str) -> Result<i32, PeriodError> {
    let bad = || PeriodError::BadMonth(text.chars().take(20).collect());
    let (y, m) = text.trim().split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 {
        return Err(bad());
    }
    let (year, month) = (y.parse::<i32>().map_err(|_| bad())?, m.parse::<i32>().map_err(|_| bad())?);
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) || !(1..=12).contains(&month) {
        return Err(bad());
    }
    Ok(year * 12 + month - 1)
}

impl Months {
    /// The `count` months that end with the month of `today` (at least one).
    pub fn last(today: ServiceDate, count: u32) -> Months {
        let last = index_of(today).unwrap_or(FIRST_YEAR * 12);
        let count = count.clamp(1, MAX_PERIOD_MONTHS) as i32;
        Months { first: last - (count - 1), last }
    }

    /// The months from `from` to `to` (`YYYY-MM`, both included).
    pub fn parse(from: &str, to: &str) -> Result<Months, PeriodError> {
        let (first, last) = (parse_month(from)?, parse_month(to)?);
        if first > last {
            return Err(PeriodError::Backwards);
        }
        let months = (last - first + 1) as u32;
        if months > MAX_PERIOD_MONTHS {
            return Err(PeriodError::TooLong { months });
        }
        Ok(Months { first, last })
    }

    fn key(index: i32) -> String {
        format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
    }

    /// The first month, `YYYY-MM`.
    pub fn first(&self) -> String {
        Months::key(self.first)
    }

    /// The last month, `YYYY-MM`.
    pub fn last_month(&self) -> String {
        Months::key(self.last)
    }

    /// Every month of the period in order, `YYYY-MM` each.
    pub fn keys(&self) -> Vec<String> {
        (self.first..=self.last).map(Months::key).collect()
    }

    /// How many months the period has.
    pub fn len(&self) -> usize {
        (self.last - self.first + 1) as usize
    }

    /// Never: a period has at least one month.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// The place of `date`'s month in the period (0 for the first), if it is in it.
    pub fn position(&self, date: ServiceDate) -> Option<usize> {
        let i = index_of(date)?;
        (self.first..=self.last).contains(&i).then(|| (i - self.first) as usize)
    }

    /// Whether `date` falls before the period's first month.
    pub fn is_before(&self, date: ServiceDate) -> bool {
        index_of(date).is_some_and(|i| i < self.first)
    }
}

/// One month of a [`PeriodReport`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MonthFigures {
    /// YYYY-MM.
    pub month: String,
    /// Exchanges dated in the month, and the time given in them.
    pub given: Tally,
    /// Members who gave or received in an exchange dated in the month.
    pub active_members: usize,
    /// Members who joined in the month.
    pub new_members: usize,
}

/// The report over a chosen period of months (the console's reports page):
/// exchanges not reversed, counted by their service date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeriodReport {
    pub bank: String,
    /// YYYY-MM, the first and last month.
    pub from: String,
    pub to: String,
    pub total: Tally,
    /// Members who gave or received in the period (each counted once).
    pub active_members: usize,
    pub new_members: usize,
    /// One entry for every month of the period, in order (months with nothing in them too).
    pub months: Vec<MonthFigures>,
    pub by_category: BTreeMap<String, Tally>,
    /// Agencies (members whose kind is agency) that gave or received in the period.
    pub by_agency: Vec<AgencyTally>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> ServiceDate {
        ServiceDate::parse(text).unwrap()
    }

    #[test]
    fn a_period_of_months_knows_its_months_and_refuses_what_is_not_one() {
        let year = Months::last(day("2026-02-10"), 12);
        assert_eq!((year.first(), year.last_month(), year.len()), ("2025-03".to_string(), "2026-02".to_string(), 12));
        assert_eq!(year.position(day("2025-03-01")), Some(0));
        assert_eq!(year.position(day("2026-02-28")), Some(11));
        assert_eq!(year.position(day("2026-03-01")), None);
        assert!(year.is_before(day("2025-02-28")) && !year.is_before(day("2025-03-01")));
        let spring = Months::parse("2025-11", "2026-01").unwrap();
        assert_eq!(spring.keys(), ["2025-11", "2025-12", "2026-01"]);
        assert_eq!(Months::parse("2026-01", "2025-12"), Err(PeriodError::Backwards));
        assert_eq!(Months::parse("2016-01", "2026-01"), Err(PeriodError::TooLong { months: 121 }));
        for bad in ["2026-13", "26-01", "2026/01", "Ionawr", "", "2026-1", "0001-01"] {
            assert_eq!(Months::parse(bad, "2026-01"), Err(PeriodError::BadMonth(bad.to_string())), "{bad}");
        }
    }
}
