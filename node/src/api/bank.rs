//! Whole-bank routes: status, balances, reports, audit and export.

use amser_protocol::ServiceDate;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::members::parse_code;
use super::{ApiError, AppState, Params};
use crate::ledger::{LedgerError, LedgerRead};
use crate::model::{AuditReport, BalanceView, Balances, ClearingView, ExportQuery, PolicyConfig, Report, ReportQuery, Status};

pub async fn status(State(state): State<AppState>) -> Result<Json<Status>, ApiError> {
    let bank = state.bank;
    let federation = state.federation.name.clone();
    let p2p_listen = state.federation.listen_addrs();
    let halted = state.ledger.halted().map(|e| e.to_string());
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
                members: store.members()?.len(),
                version: env!("CARGO_PKG_VERSION").to_string(),
                policy: PolicyConfig::from_policy(&store.policy()?),
                federation,
                p2p_listen,
                halted,
            })
        })
        .await?;
    Ok(Json(s))
}

pub async fn balances(State(state): State<AppState>) -> Result<Json<Balances>, ApiError> {
    let out = state
        .read(|store| {
            let names: std::collections::HashMap<_, _> = store.members()?.into_iter().map(|m| (m.code, m.profile.name)).collect();
            let accounts: Vec<BalanceView> = store
                .balances()?
                .into_iter()
                .map(|(code, m)| BalanceView::new(code.clone(), names.get(&code).cloned().unwrap_or_default(), m))
                .collect();
            let handles: std::collections::HashMap<_, _> = store.peers()?.into_iter().map(|p| (p.bank, p.handle)).collect();
            let clearing: Vec<ClearingView> = store
                .clearings()?
                .into_iter()
                .map(|(bank, m)| ClearingView {
                    bank_id: bank.to_string(),
                    handle: handles.get(&bank).cloned().flatten().map(|h| h.to_string()),
                    minutes: m.0,
                    balance: m.to_string(),
                })
                .collect();
            let sum_minutes = accounts.iter().map(|a| a.minutes).sum::<i64>() + clearing.iter().map(|c| c.minutes).sum::<i64>();
            Ok(Balances { accounts, clearing, sum_minutes })
        })
        .await?;
    Ok(Json(out))
}

pub async fn balance(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<BalanceView>, ApiError> {
    let code = parse_code(&code)?;
    let view = state
        .read(move |store| {
            let m = store.member(&code)?.ok_or_else(|| ApiError::from(LedgerError::UnknownMember(code.clone())))?;
            Ok(BalanceView::new(code.clone(), m.profile.name, store.balance(&code)?))
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
    let r = state.read(move |store| Ok(crate::reading::report::report(store, today, q.active_months)?)).await?;
    Ok(Json(r))
}

pub async fn audit(State(state): State<AppState>) -> Result<Json<AuditReport>, ApiError> {
    let ledger = state.ledger.clone();
    let report = tokio::task::spawn_blocking(move || crate::reading::audit::audit_running(&ledger))
        .await
        .map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(Json(report))
}

pub async fn export(State(state): State<AppState>, Params(q): Params<ExportQuery>) -> Result<Response, ApiError> {
    match q.format.as_deref().unwrap_or("json") {
        "csv" => {
            let bytes = state.read(|store| Ok(crate::reading::export::exchanges_csv(store)?)).await?;
            Ok(([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], bytes).into_response())
        }
        "json" => {
            let doc = state.read(|store| Ok(crate::reading::export::json(store)?)).await?;
            Ok(Json(doc).into_response())
        }
        other => Err(ApiError::bad_request("bad_format", format!("'{other}' is not an export format; use csv or json"))),
    }
}
