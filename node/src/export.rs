//! Exports for coordinators and funders: exchanges as CSV (for a
//! spreadsheet), or the whole register and ledger as JSON.

use serde::Serialize;

use crate::ledger::{ExchangeRecord, LedgerRead};
use crate::store::{Store, StoreError};

/// The CSV columns, in order.
pub const CSV_HEADER: [&str; 13] = [
    "exchange_id", "seq", "date", "providers", "receivers", "minutes_each", "hours_each", "total_minutes", "category", "note", "recorded_by", "reversed", "reversal_reason",
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

#[derive(Debug, Serialize)]
pub struct JsonExport {
    pub bank: Option<amser_protocol::journal::BankProfile>,
    pub policy: amser_protocol::Policy,
    pub members: Vec<amser_protocol::Member>,
    pub balances: Vec<(amser_protocol::MemberCode, i64)>,
    pub exchanges: Vec<ExchangeRecord>,
    pub listings: Vec<crate::ledger::ListingRecord>,
}

/// The register and the ledger as one JSON document.
pub fn json(store: &Store) -> Result<JsonExport, StoreError> {
    let mut exchanges = Vec::new();
    store.for_each_exchange(|r| exchanges.push(r))?;
    Ok(JsonExport {
        bank: store.profile().map_err(|e| StoreError::Damaged(e.to_string()))?,
        policy: store.policy().map_err(|e| StoreError::Damaged(e.to_string()))?,
        members: store.members()?,
        balances: store.balances()?.into_iter().map(|(c, m)| (c, m.0)).collect(),
        exchanges,
        listings: store.listings()?,
    })
}
