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
//! Below `reading` and `api`: this module uses only [`crate::ledger`],
//! [`crate::import`]'s problem types and `amser_protocol`.
//!
//! - [`member`]: members, their limits, adding and changing them.
//! - [`exchange`]: exchanges and their postings, recording and reversing.
//! - [`bank`]: status, the policy, balances, report and export queries.
//! - [`report`]: the report for funders and coordinators.
//! - [`audit`]: what an audit of the journal found.
//! - [`listing`]: offers and requests.
//! - [`directory`]: the federation directory: a search of other banks'
//!   shared listings, and sharing one of ours.
//! - [`peer`]: peer banks, transfers between banks, positions.
//! - [`region`]: room adverts held and the path a transfer would take.
//! - [`error`]: the body of every failed request.
//! - [`page`]: one bounded page of a list and the cursor of the next.
//! - [`export`]: the JSON export, a page at a time.
//! - [`rights`]: a member's subject access export, and the erasure request.
//! - [`account`]: the console's accounts and their sign-in links.
//! - [`import`]: the import's query and its report (problems by line).

pub mod account;
pub mod audit;
pub mod bank;
pub mod directory;
pub mod error;
pub mod exchange;
pub mod export;
pub mod import;
pub mod listing;
pub mod member;
pub mod page;
pub mod peer;
pub mod region;
pub mod report;
pub mod rights;

pub use account::{AccountLink, AccountView, DisableAccount, NewAccount};
pub use audit::AuditReport;
pub use bank::{BalanceView, Balances, ClearingView, ExportQuery, PolicyConfig, ReportQuery, Status, WhoRecords};
pub use directory::{DirectoryAnswer, DirectoryBankView, DirectoryResult, DirectorySearch, DirectoryView, ShareListing};
pub use error::{ErrorBody, ErrorDetail};
pub use exchange::{ExchangeQuery, ExchangeView, NewExchange, PostingView, Recorded, ReverseRequest};
pub use export::{BankView, ExportDocument, ExportPage};
pub use import::{BeyondView, FundView, ImportQuery, ImportReport, ImportedMember};
pub use listing::{ListingQuery, ListingView, NewListing};
pub use member::{
    IntroduceRequest, LetterView, LimitsView, MemberPatch, MemberQuery, MemberView, MoveRequest, MoveView, NewMember, NewVisitor, VisitView,
};
pub use page::{Page, PageQuery, Paged, DEFAULT_PAGE_ITEMS, MAX_PAGE_ITEMS, NEXT_CURSOR_HEADER};
pub use peer::{
    BankRef, ClearingRingView, HopView, NewPeer, PeerView, PositionView, RemovePeerQuery, RingClearingView, TransferKind, TransferView,
};
pub use region::{
    BankFiguresView, CategoryFiguresView, FederationStatsView, PathQuery, PathView, RoomAdvertView, RoomLineView, StatsQuery,
};
pub use report::{AgencyTally, MonthFigures, Months, PeriodError, PeriodReport, Report, Tally};
pub use rights::{EraseRequest, MemberExport};

use amser_protocol::Minutes;

/// Hours to two decimal places, for people (minutes stay the exact figure).
fn hours(m: Minutes) -> f64 {
    (m.0 as f64 / 60.0 * 100.0).round() / 100.0
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;

    use amser_protocol::{MemberCode, MemberKind};
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::*;
    use crate::ledger::TransferRole;

    /// What the node encodes, the client decodes to the same value.
    fn round_trip<T: Serialize + DeserializeOwned + PartialEq + Debug>(value: &T) {
        let text = serde_json::to_string(value).unwrap();
        assert_eq!(&serde_json::from_str::<T>(&text).unwrap(), value, "{text}");
    }

    fn code(text: &str) -> MemberCode {
        text.parse().unwrap()
    }

    fn exchange() -> ExchangeView {
        let (mair, gwen) = (code("rhymney:7KQ2-M9"), code("rhymney:3ZZ4-A1"));
        ExchangeView {
            id: "ab".repeat(32),
            seq: 7,
            date: "2026-03-01".into(),
            providers: vec![mair.clone()],
            receivers: vec![gwen.clone()],
            minutes_each: 90,
            hours_each: 1.5,
            total_minutes: 90,
            category: "gardening".into(),
            note: String::new(),
            recorded_by: "coordinator".into(),
            reversed: true,
            reversal_reason: Some("the wrong week".into()),
            postings: vec![PostingView { member: mair, minutes: 90 }, PostingView { member: gwen, minutes: -90 }],
        }
    }

    fn transfer() -> TransferView {
        TransferView {
            kind: TransferKind::Transfer,
            id: "cd".repeat(32),
            role: TransferRole::Outgoing,
            state: "rejected".into(),
            reject_reason: Some("over the trust line".into()),
            from_bank: "12D3KooWA".into(),
            to_bank: "12D3KooWB".into(),
            payer: "rhymney:7KQ2-M9".into(),
            payee: "gwynedd:3ZZ4-A1".into(),
            minutes: 30,
            hours: 0.5,
            category: "lifts".into(),
            date: "2026-03-01".into(),
            note: "to town".into(),
            seq: 9,
            settled_seq: Some(11),
            transfer_signature: "00".repeat(64),
            decision_signature: None,
            path: Vec::new(),
        }
    }

    #[test]
    fn answers_decode_to_what_the_node_encodes() {
        round_trip(&exchange());
        round_trip(&transfer());
        round_trip(&BalanceView::new(code("rhymney:7KQ2-M9"), "Mair".into(), amser_protocol::Minutes(-150)));
        round_trip(&PolicyConfig::default());
        round_trip(&ErrorBody { error: ErrorDetail { code: "below_floor".into(), message: "Mair would go below -10:00".into() } });
        let mut report = Report {
            bank: "Rhymney".into(),
            as_of: "2026-03-01".into(),
            total: Tally::default(),
            active_members: 2,
            active_since: "2025-03-01".into(),
            active_months: 12,
            members: 3,
            members_by_status: [("active".to_string(), 3)].into(),
            by_category: Default::default(),
            by_month: Default::default(),
            by_agency: vec![],
        };
        report.total.add(90);
        report.by_category.entry("gardening".into()).or_default().add(90);
        round_trip(&report);
        let audit = AuditReport {
            ok: false,
            entries: 3,
            head_seq: 3,
            head_hash: "ef".repeat(32),
            members: 2,
            exchanges: 1,
            balance_sum_minutes: 0,
            problems: vec!["entry 4 is damaged".into()],
            more_problems: 2,
            notes: vec![],
        };
        round_trip(&audit);
    }

    #[test]
    fn request_bodies_decode_to_what_the_client_encodes() {
        round_trip(&NewMember {
            own_limits: Some(LimitsView { floor_minutes: -600, ceiling_minutes: 600 }),
            ..NewMember::new("Mair", MemberKind::Person)
        });
        round_trip(&MemberPatch { status: Some(amser_protocol::MemberStatus::Paused), ..MemberPatch::default() });
        round_trip(&NewExchange {
            providers: vec!["rhymney:7KQ2-M9".into()],
            receivers: vec!["rhymney:3ZZ4-A1".into()],
            hours: Some("1:30".into()),
            client_ref: Some("cli-1".into()),
            ..NewExchange::default()
        });
    }

    /// `POST /exchanges` answers the view itself, with no wrapper, and either
    /// kind decodes back to its own variant.
    #[test]
    fn an_answer_to_recording_is_the_view_itself() {
        for (recorded, view) in [
            (Recorded::Exchange(exchange()), serde_json::to_value(exchange()).unwrap()),
            (Recorded::Transfer(transfer()), serde_json::to_value(transfer()).unwrap()),
        ] {
            assert_eq!(serde_json::to_value(&recorded).unwrap(), view);
            round_trip(&recorded);
        }
    }
}
