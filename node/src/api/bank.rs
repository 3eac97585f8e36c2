//! Whole-bank routes: status, balances, reports, audit and export.

use amser_protocol::ServiceDate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::members::parse_code;
use super::page::{self, List};
use super::{ApiError, AppState, Params};
use crate::ledger::{LedgerError, LedgerRead};
use crate::model::member::details_of;
use crate::model::{
    AuditReport, BalanceView, Balances, ClearingView, ExportQuery, PageQuery, PolicyConfig, Report, ReportQuery, Status, NEXT_CURSOR_HEADER,
};

pub async fn status(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let bank = state.bank;
    let federation = state.federation.name.clone();
    let p2p_listen = state.federation.listen_addrs();
    let halted = state.ledger.halted().map(|e| e.to_string());
    let opening = state.ledger.gate().phase() != crate::storage::start_gate::Phase::Open;
    let who_records = state.who_records;
    let s = state
        .read(move |store| {
            let profile = store.profile()?.ok_or(LedgerError::NotOpen)?;
            let (seq, hash) = store.head()?;
            Ok(Status {
                bank_id: bank.to_string(),
                name: profile.name,
                handle: profile.handle.to_string(),
                region: profile.region,
                journal_seq: seq,
                journal_head: hash.to_hex(),
                members: usize::try_from(store.member_count()?).unwrap_or(usize::MAX),
                version: env!("CARGO_PKG_VERSION").to_string(),
                policy: PolicyConfig { who_records, ..PolicyConfig::from_policy(&store.policy()?) },
                federation,
                p2p_listen,
                halted,
                opening,
            })
        })
        .await?;
    Ok(Json(s))
}

/// A page of members' balances in code order; the first page also has the
/// clearing accounts and the sum of every account.
pub async fn balances(State(state): State<AppState>, Params(q): Params<PageQuery>) -> Result<Json<Balances>, ApiError> {
    let limit = page::limit(q.limit)?;
    let after = page::code_after(List::Balances, q.cursor.as_deref())?;
    let first = after.is_none();
    let keys = state.keys();
    let out = state
        .read(move |store| {
            let span = store.balances_page(after.as_ref(), limit)?;
            let mut accounts = Vec::with_capacity(span.items.len());
            for (code, m) in span.items {
                let name = match store.member(&code)? {
                    Some(m) => details_of(&m, &*keys)?.name,
                    None => String::new(),
                };
                accounts.push(BalanceView::new(code, name, m));
            }
            let (mut clearing, mut sum_minutes) = (Vec::new(), None);
            if first {
                for (bank, m) in store.clearings()? {
                    let handle = store.peer(&bank)?.and_then(|p| p.handle).map(|h| h.to_string());
                    clearing.push(ClearingView { bank_id: bank.to_string(), handle, minutes: m.0, balance: m.to_string() });
                }
                sum_minutes = Some(store.sum_of_accounts()?);
            }
            let next = span.next.map(|c| page::code_cursor(List::Balances, &c));
            Ok(Balances { accounts, clearing, sum_minutes, next })
        })
        .await?;
    Ok(Json(out))
}

pub async fn balance(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<BalanceView>, ApiError> {
    let code = parse_code(&code)?;
    let keys = state.keys();
    let view = state
        .read(move |store| {
            let m = store.member(&code)?.ok_or_else(|| ApiError::from(LedgerError::UnknownMember(code.clone())))?;
            Ok(BalanceView::new(code.clone(), details_of(&m, &*keys)?.name, store.balance(&code)?))
        })
        .await?;
    Ok(Json(view))
}

pub async fn report(State(state): State<AppState>, Params(q): Params<ReportQuery>) -> Result<Json<Report>, ApiError> {
    if let Some(m) = q.active_months {
        if m == 0 || m > 120 {
            return Err(ApiError::bad_request("bad_months", "active_months must be between 1 and 120"));
        }
    }
    let today = ServiceDate::today(state.clock.now_ms());
    let keys = state.keys();
    let r = state.read(move |store| Ok(crate::reading::report::report(store, &*keys, today, q.active_months)?)).await?;
    Ok(Json(r))
}

pub async fn audit(State(state): State<AppState>) -> Result<Json<AuditReport>, ApiError> {
    let ledger = state.ledger.clone();
    let report = tokio::task::spawn_blocking(move || crate::reading::audit::audit_running(&ledger))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(report))
}

/// A page of the export: CSV rows of exchanges (the next page's cursor in
/// the `amser-next-cursor` header), or a JSON [`crate::model::ExportPage`].
pub async fn export(State(state): State<AppState>, Params(q): Params<ExportQuery>) -> Result<Response, ApiError> {
    let limit = page::limit(q.limit)?;
    match q.format.as_deref().unwrap_or("json") {
        "csv" => {
            let from = page::export_after(List::ExportCsv, q.cursor.as_deref())?;
            let keys = state.keys();
            let (bytes, next) = state.read(move |store| Ok(crate::reading::export::csv_page(store, &*keys, from, limit)?)).await?;
            let mut response = ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response();
            if let Some(next) = next.map(|p| page::export_cursor(List::ExportCsv, &p)) {
                let value = header::HeaderValue::from_str(&next).map_err(|e| ApiError::internal(e.to_string()))?;
                response.headers_mut().insert(NEXT_CURSOR_HEADER, value);
            }
            Ok(response)
        }
        "json" => {
            let from = page::export_after(List::ExportJson, q.cursor.as_deref())?;
            let keys = state.keys();
            let (mut doc, next) = state.read(move |store| Ok(crate::reading::export::json_page(store, &*keys, from, limit)?)).await?;
            doc.next = next.map(|p| page::export_cursor(List::ExportJson, &p));
            Ok(Json(doc).into_response())
        }
        other => Err(ApiError::bad_request("bad_format", format!("'{other}' is not an export format; use csv or json"))),
    }
}
