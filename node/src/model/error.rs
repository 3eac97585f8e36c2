//! The body of every failed request.

use serde::{Deserialize, Serialize};

/// `{"error": {"code", "message"}}`: what every failed request answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

/// One failure: a stable code for programs, a message for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable across versions (`unknown_member`, `below_floor`, ...): scripts match on it.
    pub code: String,
    /// What happened and what to do next, for the coordinator.
    pub message: String,
}
