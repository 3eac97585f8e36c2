//! Reading the ledger for people: the audit, funders' reports and exports.
//! Nothing here writes the ledger.
//!
//! - [`audit`]: the journal verified end to end and checked against sled.
//! - [`report`]: hours given, active members, by category, month and agency.
//! - [`export`]: the register and the exchanges as CSV or JSON.
//! - [`figures`]: this bank's figures for a month, as it signs them for the federation.
//! - [`statement`]: one member's statement over a period, with running balances.

pub mod audit;
pub mod export;
pub mod figures;
pub mod report;
pub mod statement;
