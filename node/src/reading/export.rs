//! Exports for coordinators and funders: exchanges as CSV (for a
//! spreadsheet), or the whole register and ledger as JSON.

use serde::Serialize;

use crate::ledger::{ExchangeRecord, LedgerRead};
use crate::model::{ExchangeView, ListingView, MemberView};
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

/// Every exchange as CSV, in journal order.
pub fn exchanges_csv(store: &Store) -> Result<Vec<u8>, StoreError> {
    let mut out = csv::Writer::from_writer(Vec::new());
    let mut failed = None;
    out.write_record(CSV_HEADER).map_err(|e| StoreError::Damaged(e.to_string()))?;
    store.for_each_exchange(|r: ExchangeRecord| {
        let x = &r.exchange;
        let join = |v: &[amser_protocol::MemberCode]| v.iter().map(|c| c.as_str()).collect::<Vec<_>>().join(" ");
        let row = [
            x.id.to_hex(),
            r.seq.to_string(),
            x.date.to_string(),
            join(&x.providers),
            join(&x.receivers),
            x.minutes_each.0.to_string(),
            format!("{:.2}", x.minutes_each.as_hours_f64()),
            (x.minutes_each.0 * x.providers.len() as i64).to_string(),
            x.category.clone(),
            x.note.clone(),
            x.recorded_by.clone(),
            r.reversed.is_some().to_string(),
            r.reversed.as_ref().map(|(_, why)| why.clone()).unwrap_or_default(),
        ];
        if let Err(e) = out.write_record(&row) {
            failed = Some(e);
        }
    })?;
    if let Some(e) = failed {
        return Err(StoreError::Damaged(e.to_string()));
    }
    out.into_inner().map_err(|e| StoreError::Damaged(e.to_string()))
}

/// The bank as exported: ids and dates as text, the same as the API shows them.
#[derive(Debug, Serialize)]
pub struct BankView {
    pub bank_id: String,
    pub name: String,
    pub handle: String,
    pub region: String,
}

#[derive(Debug, Serialize)]
pub struct JsonExport {
    pub bank: Option<BankView>,
    pub policy: crate::config::PolicyConfig,
    pub members: Vec<MemberView>,
    pub exchanges: Vec<ExchangeView>,
    pub listings: Vec<ListingView>,
}

/// The register and the ledger as one JSON document (members with their balances).
pub fn json(store: &Store) -> Result<JsonExport, StoreError> {
    let damaged = |e: crate::ledger::LedgerError| StoreError::Damaged(e.to_string());
    let mut exchanges = Vec::new();
    store.for_each_exchange(|r| exchanges.push(ExchangeView::from(r)))?;
    let mut members = Vec::new();
    for m in store.members()? {
        let balance = store.balance(&m.code).map_err(damaged)?;
        members.push(MemberView::new(m, balance));
    }
    Ok(JsonExport {
        bank: store.profile().map_err(damaged)?.map(|p| BankView {
            bank_id: p.bank.to_string(),
            name: p.name,
            handle: p.handle.to_string(),
            region: p.region,
        }),
        policy: crate::config::PolicyConfig::from_policy(&store.policy().map_err(damaged)?),
        members,
        exchanges,
        listings: store.listings()?.into_iter().map(ListingView::from).collect(),
    })
}
