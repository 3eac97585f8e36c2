//! The typed shapes of the local API (`/api/v1`): every request body and
//! query the node takes and every answer it sends, in one place. The
//! handlers in [`crate::api`] build and take them, [`crate::api::client`]
//! decodes them, and the CLI prints them, so a renamed field fails to
//! compile on both sides instead of turning up blank.
//!
//! Amounts are shown in minutes (exact) beside hours (for people). Request
//! bodies refuse fields they do not know (`deny_unknown_fields`), so a
//! typing mistake in a client is an error, not a field silently ignored.
//!
//! Below `reading` and `api`: this module uses only [`crate::ledger`] and
//! `amser_protocol`.
//!
//! - [`member`]: members, their limits, adding and changing them.
//! - [`exchange`]: exchanges and their postings, recording and reversing.
//! - [`bank`]: status, the policy, balances, report and export queries.
//! - [`report`]: the report for funders and coordinators.
//! - [`audit`]: what an audit of the journal found.
//! - [`listing`]: offers and requests.
//! - [`peer`]: peer banks, transfers between banks, positions.
//! - [`error`]: the body of every failed request.

pub mod audit;
pub mod bank;
pub mod error;
pub mod exchange;
pub mod listing;
pub mod member;
pub mod peer;
pub mod report;

pub use audit::AuditReport;
pub use bank::{BalanceView, Balances, ClearingView, ExportQuery, PolicyConfig, ReportQuery, Status};
pub use error::{ErrorBody, ErrorDetail};
pub use exchange::{ExchangeQuery, ExchangeView, NewExchange, PostingView, Recorded, ReverseRequest};
pub use listing::{ListingQuery, ListingView, NewListing};
pub use member::{LimitQuery, LimitsView, MemberPatch, MemberQuery, MemberView, NewMember};
pub use peer::{NewPeer, PeerView, PositionView, TransferKind, TransferView};
pub use report::{AgencyTally, Report, Tally};

use amser_protocol::Minutes;

/// Hours to two decimal places, for people (minutes stay the exact figure).
fn hours(m: Minutes) -> f64 {
    (m.0 as f64 / 60.0 * 100.0).round() / 100.0
}
