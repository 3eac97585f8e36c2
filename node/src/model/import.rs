//! The import's query and answer (`POST /import/members|exchanges`, DESIGN.md
//! §1d): the CSV file is the request body; the answer says what the file
//! holds against the register, each problem by line, and, unless a dry run,
//! what was written.

use serde::{Deserialize, Serialize};

use crate::import::{Format, Kind, Problem};

/// `?format=timeoverflow|generic&dry_run=true`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportQuery {
    /// The file's layout; TimeOverflow's when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub format: Option<Format>,
    /// Check everything and write nothing.
    #[serde(default)]
    pub dry_run: bool,
}

/// What an import found, and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub kind: Kind,
    pub format: Format,
    pub dry_run: bool,
    /// Every problem by line (at most `import::MAX_PROBLEMS_LISTED`); any
    /// problem and nothing is written.
    pub problems: Vec<Problem>,
    /// Problems past those listed.
    pub more_problems: usize,
    /// Members to add or exchanges to record (the dry run), or added and
    /// recorded (the import).
    pub new: usize,
    /// Rows already in the register or the ledger from an earlier run.
    pub already: usize,
    /// Whether this answer wrote anything.
    pub written: bool,
    /// The fund that stands for the bank's own account (TimeOverflow's ID 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fund: Option<FundView>,
    /// Members the imported history leaves beyond today's limits (not refused: history is as it happened).
    pub beyond_limits: Vec<BeyondView>,
    /// Members added by this import (or to be added), with their codes once added.
    pub members: Vec<ImportedMember>,
}

/// The bank's fund for its own account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FundView {
    pub name: String,
    /// Its member code, once it exists.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// Whether this import adds it (or would).
    pub new: bool,
}

/// A member whose balance ends outside their limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BeyondView {
    /// Their code (absent for a fund a dry run would add).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub name: String,
    pub balance_minutes: i64,
    pub floor_minutes: i64,
    pub ceiling_minutes: i64,
}

/// A member from the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedMember {
    pub line: u64,
    /// Their id in the file (`timeoverflow:12`).
    pub source: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}
