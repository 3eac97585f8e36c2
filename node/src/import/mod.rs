//! Moving a time bank's history into Amser from a CSV file (DESIGN.md §1d):
//! TimeOverflow's admin exports or the documented generic layout, members
//! first, then exchanges. Pure: bytes and a snapshot of the register go in,
//! a plan (what to add, what is already there, every problem by line) comes
//! out; `api::import` reads the snapshot and submits the plan, the CLI and
//! the console call that. Nothing here reads or writes the ledger.
//!
//! - `problem`: each problem as a type, with the line it is on and what to fix.
//! - `table`: the file as rows of cells with their line numbers (BOM, CRLF,
//!   `;` or `,`, quoting), within [`MAX_IMPORT_BYTES`] and [`MAX_IMPORT_ROWS`].
//! - `cells`: reading one cell: dates (ISO or DD/MM/YYYY), hours, text.
//! - `timeoverflow`: TimeOverflow's member and transfer exports.
//! - `generic`: the generic layout, for any other system.
//! - `plan`: the rows against the register: which members are new, which
//!   exchanges are already recorded, who ends up beyond today's limits.

mod cells;
pub mod generic;
pub mod plan;
pub mod problem;
pub mod table;
pub mod timeoverflow;

use serde::{Deserialize, Serialize};

pub use plan::{ExchangesPlan, MembersPlan, PlannedExchange, Register, Side};
pub use problem::{Problem, Reason};

/// The largest file taken (4 MiB: some 40,000 TimeOverflow transfers).
pub const MAX_IMPORT_BYTES: usize = 4 * 1024 * 1024;
/// The most rows one file may hold, header included.
pub const MAX_IMPORT_ROWS: usize = 20_000;
/// The most problems one answer lists (the rest are counted).
pub const MAX_PROBLEMS_LISTED: usize = 500;
/// What every client reference of an imported exchange starts with.
pub const EXCHANGE_REF_PREFIX: &str = "to-import:";
/// How many hex characters of the row's hash go into its client reference.
pub const EXCHANGE_REF_HEX_CHARS: usize = 48;

/// What a file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Members,
    Exchanges,
}

/// Whose layout a file is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// TimeOverflow's admin reports (members; transfers "complete").
    Timeoverflow,
    /// Amser's documented generic layout (README, DESIGN.md §1d).
    Generic,
}

impl std::str::FromStr for Kind {
    type Err = String;
    fn from_str(s: &str) -> Result<Kind, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "members" => Ok(Kind::Members),
            "exchanges" => Ok(Kind::Exchanges),
            other => Err(format!("'{other}' is not something to import; use members or exchanges")),
        }
    }
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s.trim().to_ascii_lowercase().as_str() {
            "timeoverflow" => Ok(Format::Timeoverflow),
            "generic" => Ok(Format::Generic),
            other => Err(format!("'{other}' is not a file layout; use timeoverflow or generic")),
        }
    }
}

impl std::fmt::Display for Kind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Kind::Members => "members",
            Kind::Exchanges => "exchanges",
        })
    }
}

impl std::fmt::Display for Format {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Format::Timeoverflow => "timeoverflow",
            Format::Generic => "generic",
        })
    }
}

/// A member as a file describes them, ready to add.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberRow {
    pub line: u64,
    /// The file's own id for them (`timeoverflow:12`, `import:ann`), kept in
    /// the register so that exchanges find them and a second run adds nobody.
    pub source: String,
    pub profile: amser_protocol::member::MemberProfile,
    pub joined: Option<amser_protocol::ServiceDate>,
}

/// One side of an exchange as a file names it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Party {
    /// A member by the file's own id (`timeoverflow:12`).
    Source(String),
    /// A member by their Amser code, written in the file instead of an id.
    Code(amser_protocol::MemberCode),
    /// The bank's own account (TimeOverflow's ID 0), as the file names it.
    Fund { name: String },
}

/// An exchange as a file describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExchangeRow {
    pub line: u64,
    pub date: amser_protocol::ServiceDate,
    /// Who gave the time (is credited).
    pub provider: Party,
    /// Who received it (is debited).
    pub receiver: Party,
    pub minutes: amser_protocol::Minutes,
    pub category: String,
    pub note: String,
    /// The row's cells as read, for its client reference.
    pub cells: Vec<String>,
}

/// What a file's rows became: the good rows, and a problem for each bad one.
#[derive(Debug)]
pub struct Parsed<T> {
    pub rows: Vec<T>,
    pub problems: Vec<Problem>,
}

impl<T> Default for Parsed<T> {
    fn default() -> Self {
        Parsed { rows: Vec::new(), problems: Vec::new() }
    }
}

/// Reads a members file in `format`.
pub fn parse_members(bytes: &[u8], format: Format, today: amser_protocol::ServiceDate) -> Parsed<MemberRow> {
    match table::read(bytes) {
        Err(problem) => Parsed { rows: Vec::new(), problems: vec![problem] },
        Ok(t) => match format {
            Format::Timeoverflow => timeoverflow::members(&t, today),
            Format::Generic => generic::members(&t, today),
        },
    }
}

/// Reads an exchanges file in `format`.
pub fn parse_exchanges(bytes: &[u8], format: Format, today: amser_protocol::ServiceDate) -> Parsed<ExchangeRow> {
    match table::read(bytes) {
        Err(problem) => Parsed { rows: Vec::new(), problems: vec![problem] },
        Ok(t) => match format {
            Format::Timeoverflow => timeoverflow::exchanges(&t, today),
            Format::Generic => generic::exchanges(&t, today),
        },
    }
}
