//! The report for funders and coordinators (`GET /report`): hours
//! exchanged and active members, by category, by month and by agency.
//! `reading::report` works it out.

use std::collections::BTreeMap;

use amser_protocol::MemberCode;
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
