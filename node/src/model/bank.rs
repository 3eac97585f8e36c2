//! The whole bank: its status and policy, every balance, and the queries
//! of the report and the export.

use amser_protocol::{Limits, MemberCode, Minutes, Policy};
use serde::{Deserialize, Serialize};

use super::hours;

/// `GET /status`: which bank this node is, and where its journal stands.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Status {
    pub bank_id: String,
    pub name: String,
    pub handle: String,
    pub region: String,
    /// The last entry written, and its hash (hex).
    pub journal_seq: u64,
    pub journal_head: String,
    pub members: usize,
    /// The node's version (the amser-node crate's).
    pub version: String,
    pub policy: PolicyConfig,
    /// The federation's name: banks in different federations never talk.
    pub federation: String,
    /// Where peer banks reach this node (each ends in /p2p/<bank id>).
    pub p2p_listen: Vec<String>,
    /// Why the node records nothing new, when it does not (its journal is
    /// behind what a peer holds): what happened and what to do.
    #[serde(default)]
    pub halted: Option<String>,
    /// True just after a start, while new work waits for admitted peers to
    /// say what they hold of our journal (at most `[federation] start_check_secs`).
    #[serde(default)]
    pub opening: bool,
}

/// The policy in whole hours, as a coordinator writes it in config.toml's
/// `[policy]` and as `GET /status` shows it (one shape for both).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PolicyConfig {
    pub person_floor_hours: i64,
    pub person_ceiling_hours: i64,
    pub agency_floor_hours: i64,
    pub agency_ceiling_hours: i64,
    pub group_floor_hours: i64,
    pub group_ceiling_hours: i64,
    /// Most hours one provider may be credited in one exchange.
    pub max_hours_per_person: i64,
    /// Months within which a member who took part in an exchange counts as active.
    pub active_months: u32,
    /// Who may record an exchange from the console: the coordinator only, or
    /// either member taking part, the other confirming it. Not a ledger rule
    /// (it is not in the journal): the console's.
    pub who_records: WhoRecords,
}

/// `[policy] who_records`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhoRecords {
    /// Only a coordinator records exchanges.
    #[default]
    Coordinator,
    /// A member records an exchange they gave or received; it waits for the
    /// other member's confirmation (or a coordinator's).
    EitherParty,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        PolicyConfig::from_policy(&Policy::default())
    }
}

impl PolicyConfig {
    pub fn from_policy(p: &Policy) -> Self {
        PolicyConfig {
            person_floor_hours: p.person.floor.0 / 60,
            person_ceiling_hours: p.person.ceiling.0 / 60,
            agency_floor_hours: p.agency.floor.0 / 60,
            agency_ceiling_hours: p.agency.ceiling.0 / 60,
            group_floor_hours: p.group.floor.0 / 60,
            group_ceiling_hours: p.group.ceiling.0 / 60,
            max_hours_per_person: p.max_minutes_per_person.0 / 60,
            active_months: p.active_months,
            who_records: WhoRecords::default(),
        }
    }

    pub fn to_policy(&self) -> Policy {
        let limits =
            |floor: i64, ceiling: i64| Limits { floor: Minutes(floor.saturating_mul(60)), ceiling: Minutes(ceiling.saturating_mul(60)) };
        Policy {
            person: limits(self.person_floor_hours, self.person_ceiling_hours),
            agency: limits(self.agency_floor_hours, self.agency_ceiling_hours),
            group: limits(self.group_floor_hours, self.group_ceiling_hours),
            max_minutes_per_person: Minutes(self.max_hours_per_person.saturating_mul(60)),
            active_months: self.active_months,
        }
    }
}

/// One member's balance: `GET /balances/{code}`, and each account of `GET /balances`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BalanceView {
    pub code: MemberCode,
    pub name: String,
    pub minutes: i64,
    /// As H:MM.
    pub balance: String,
    pub hours: f64,
}

impl BalanceView {
    pub fn new(code: MemberCode, name: String, minutes: Minutes) -> Self {
        BalanceView { code, name, minutes: minutes.0, balance: minutes.to_string(), hours: hours(minutes) }
    }
}

/// Our clearing account for one peer bank.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClearingView {
    pub bank_id: String,
    pub handle: Option<String>,
    /// Positive: our members owe that bank; negative: its members owe us.
    pub minutes: i64,
    /// As H:MM.
    pub balance: String,
}

/// `GET /balances?cursor=&limit=`: a page of members' accounts, in code
/// order. The first page (no cursor) also carries the clearing accounts
/// and the sum of every account; later pages only accounts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Balances {
    pub accounts: Vec<BalanceView>,
    /// Our clearing account for each peer bank (first page only).
    #[serde(default)]
    pub clearing: Vec<ClearingView>,
    /// Members' and clearing accounts together: always 0 for a bank in good
    /// order (first page only: it reads every account once).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sum_minutes: Option<i64>,
    /// The cursor of the next page of accounts; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

/// `GET /report?active_months=`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    /// Count members active within this many months (1 to 120; the policy's when absent).
    pub active_months: Option<u32>,
}

/// `GET /export?format=&cursor=&limit=`: csv (exchanges, for a
/// spreadsheet) or json (the whole register and ledger; json when absent),
/// a page at a time (see [`super::export`]).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportQuery {
    pub format: Option<String>,
    /// The `next` of the page before.
    pub cursor: Option<String>,
    /// Most rows (members, exchanges and listings together) in the page.
    pub limit: Option<usize>,
}
