//! Exports for coordinators and funders: exchanges as CSV (for a
//! spreadsheet), or the whole register and ledger as JSON, a page at a time
//! so that neither the node nor the export's reader holds a million
//! entries at once.
//!
//! The export walks three sections in order: members (by code), exchanges
//! (by journal entry, up to the head the first page saw, so an export taken
//! while the bank records still ends), listings (by id). An
//! [`ExportPosition`] says where the next page starts; the API turns it
//! into an opaque cursor.

use amser_protocol::{ListingId, MemberCode};

use amser_protocol::sealed::Purpose;

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{ExchangeRecord, LedgerError, LedgerRead};
use crate::model::exchange::text_of;
use crate::model::{BankView, ExchangeView, ExportPage, ListingView, MemberView, PolicyConfig};
use crate::storage::store::{Store, StoreError};

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 13] = [
    "exchange_id",
    "seq",
    "date",
    "providers",
    "receivers",
    "minutes_each",
    "hours_each",
    "total_minutes",
    "category",
    "note",
    "recorded_by",
    "reversed",
    "reversal_reason",
];

/// Which section the next page starts in, and after which row of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Section {
    Members(Option<MemberCode>),
    Exchanges(Option<u64>),
    Listings(Option<ListingId>),
}

/// Where the next page of an export starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportPosition {
    /// The journal head when the export began: later exchanges are not in it.
    pub head: u64,
    pub section: Section,
}

fn damaged(e: LedgerError) -> StoreError {
    StoreError::Damaged(e.to_string())
}

/// One page of exchanges as CSV rows, in journal order from `from` (the
/// header row first, on the first page only), and where the next starts.
pub fn csv_page(
    store: &Store,
    keys: &dyn MemberKeys,
    from: Option<ExportPosition>,
    limit: usize,
) -> Result<(Vec<u8>, Option<ExportPosition>), StoreError> {
    let first = from.is_none();
    let (head, after) = match from {
        Some(ExportPosition { head, section: Section::Exchanges(after) }) => (head, after),
        Some(_) => return Ok((Vec::new(), None)),
        None => (store.head().map_err(damaged)?.0, None),
    };
    let bad = |e: csv::Error| StoreError::Damaged(e.to_string());
    let mut out = csv::Writer::from_writer(Vec::new());
    if first {
        out.write_record(CSV_HEADER).map_err(bad)?;
    }
    let span = store.exchanges_through(after, head, limit)?;
    for r in span.items {
        out.write_record(csv_row(&r, keys).map_err(damaged)?).map_err(bad)?;
    }
    let next = span.next.map(|seq| ExportPosition { head, section: Section::Exchanges(Some(seq)) });
    Ok((out.into_inner().map_err(|e| StoreError::Damaged(e.to_string()))?, next))
}

fn csv_row(r: &ExchangeRecord, keys: &dyn MemberKeys) -> Result<[String; 13], LedgerError> {
    let x = &r.exchange;
    let reason = match &r.reversed {
        Some((_, why)) => text_of(keys, Purpose::ReversalReason, why.as_ref())?,
        None => String::new(),
    };
    let join = |v: &[MemberCode]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" ");
    Ok([
        x.id.to_hex(),
        r.seq.to_string(),
        x.date.to_string(),
        join(&x.providers),
        join(&x.receivers),
        x.minutes_each.0.to_string(),
        format!("{:.2}", x.minutes_each.as_hours_f64()),
        (x.minutes_each.0 * x.providers.len() as i64).to_string(),
        x.category.clone(),
        text_of(keys, Purpose::Note, x.note.as_ref())?,
        x.recorded_by.clone(),
        r.reversed.is_some().to_string(),
        reason,
    ])
}

/// One page of the JSON export from `from` (the bank and policy on the
/// first page), at most `limit` rows across the sections, and where the
/// next page starts.
pub fn json_page(
    store: &Store,
    keys: &dyn MemberKeys,
    from: Option<ExportPosition>,
    limit: usize,
) -> Result<(ExportPage, Option<ExportPosition>), StoreError> {
    let mut page =
        ExportPage { bank: None, policy: None, head_seq: None, members: vec![], exchanges: vec![], listings: vec![], next: None };
    let ExportPosition { head, mut section } = match from {
        Some(p) => p,
        None => {
            page.bank = store.profile().map_err(damaged)?.map(|p| BankView {
                bank_id: p.bank.to_string(),
                name: p.name,
                handle: p.handle.to_string(),
                region: p.region,
            });
            page.policy = Some(PolicyConfig::from_policy(&store.policy().map_err(damaged)?));
            let head = store.head().map_err(damaged)?.0;
            page.head_seq = Some(head);
            ExportPosition { head, section: Section::Members(None) }
        }
    };
    let rows = |p: &ExportPage| p.members.len() + p.exchanges.len() + p.listings.len();
    loop {
        let left = limit.saturating_sub(rows(&page));
        if left == 0 {
            return Ok((page, Some(ExportPosition { head, section })));
        }
        section = match section {
            Section::Members(after) => {
                let span = store.members_page(after.as_ref(), left, |_| true)?;
                for m in span.items {
                    let balance = store.balance(&m.code).map_err(damaged)?;
                    page.members.push(MemberView::new(m, balance, keys).map_err(damaged)?);
                }
                match span.next {
                    Some(code) => return Ok((page, Some(ExportPosition { head, section: Section::Members(Some(code)) }))),
                    None => Section::Exchanges(None),
                }
            }
            Section::Exchanges(after) => {
                let span = store.exchanges_through(after, head, left)?;
                for r in span.items {
                    page.exchanges.push(ExchangeView::new(r, keys).map_err(damaged)?);
                }
                match span.next {
                    Some(seq) => return Ok((page, Some(ExportPosition { head, section: Section::Exchanges(Some(seq)) }))),
                    None => Section::Listings(None),
                }
            }
            Section::Listings(after) => {
                let span = store.listings_page(after.as_ref(), left, |_| true)?;
                for r in span.items {
                    page.listings.push(ListingView::new(r, keys).map_err(damaged)?);
                }
                match span.next {
                    Some(id) => return Ok((page, Some(ExportPosition { head, section: Section::Listings(Some(id)) }))),
                    None => return Ok((page, None)),
                }
            }
        };
    }
}
