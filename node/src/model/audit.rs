//! What an audit of the journal found (`GET /audit`, and `amser audit` on a
//! stopped node). `reading::audit` does the audit.

use serde::{Deserialize, Serialize};

/// What the audit found. `ok` is true only if nothing is wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditReport {
    pub ok: bool,
    pub entries: u64,
    pub head_seq: u64,
    pub head_hash: String,
    pub members: usize,
    pub exchanges: usize,
    /// Sum of every balance recomputed from the journal (must be 0).
    pub balance_sum_minutes: i128,
    /// Problems, each naming the entry or member concerned: at most
    /// `reading::audit::MAX_AUDIT_PROBLEMS`, the first found.
    pub problems: Vec<String>,
    /// Problems found past those listed (0 when all are listed).
    #[serde(default)]
    pub more_problems: usize,
    /// Notes that are not problems (an unfinished write at the end of a stopped node's journal).
    pub notes: Vec<String>,
}
