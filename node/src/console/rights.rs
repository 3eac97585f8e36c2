//! A member's data rights from their page (DESIGN.md §1b), for
//! coordinators: a copy of everything the bank holds about them, printable
//! or as JSON (the same `rights::export` as `amser member export`, plus the
//! exchanges they have waiting for confirmation), and their erasure, after a
//! page that says what it does and asks for a reason and their code typed
//! again.
//!
//! ```text
//! GET  /members/{code}/export        printable        GET /members/{code}/export.json
//! GET  /members/{code}/erase         the confirmation POST /members/{code}/erase
//! ```

use askama::Template;
use axum::extract::{Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::listing::ListingKind;
use amser_protocol::{MemberCode, Minutes, ServiceDate};

use super::i18n::Tr;
use super::members::MemberRow;
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::api::AppState;
use crate::ledger::LedgerError;
use crate::model::MemberExport;

/// Longest reason taken for an erasure (the ledger checks its own limit too).
const MAX_REASON_CHARS: usize = 500;

/// One exchange or transfer of the export, as the printable copy shows it.
pub struct ExportLine {
    pub date: String,
    pub providers: String,
    pub receivers: String,
    pub hours: String,
    pub category: String,
    pub note: String,
    pub recorded_by: String,
    pub state: String,
}

#[derive(Template)]
#[template(path = "member_export.html")]
pub struct ExportPage {
    pub chrome: Chrome,
    pub m: MemberRow,
    pub made_at: String,
    pub exchanges: Vec<ExportLine>,
    pub transfers: Vec<ExportLine>,
    pub listings: Vec<(String, String, String, String)>,
    pub waiting: Vec<super::proposals::WaitingRow>,
    pub other_banks_hold: String,
}

#[derive(Template)]
#[template(path = "member_erase.html")]
pub struct ErasePage {
    pub chrome: Chrome,
    pub code: String,
    pub name: String,
    pub balance: String,
    pub reason: String,
    pub problem: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct EraseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub reason: String,
    /// The member's code, typed again.
    #[serde(default)]
    pub confirm_code: String,
}

async fn export_of(state: &AppState, code: &MemberCode) -> Result<MemberExport, LedgerError> {
    let keys = state.keys();
    let (code, now_ms) = (code.clone(), state.clock.now_ms());
    state
        .ledger
        .read(move |store| crate::rights::export::member_export(store, &*keys, &code, now_ms))
        .await
        .map_err(|e| LedgerError::Storage(e.to_string()))?
}

/// The member's code from the path, and their export; or the page that says why not.
async fn exported(state: &AppState, visitor: &Visitor, code: &str) -> Result<MemberExport, Response> {
    if let Some(refused) = coordinators_only(state, visitor, None).await {
        return Err(refused);
    }
    let Ok(code) = code.parse::<MemberCode>() else {
        return Err(error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await);
    };
    match export_of(state, &code).await {
        Ok(x) => {
            // Who looked, and at whom: never what they saw.
            tracing::info!(account = %visitor.account.name, member = %code, "exported a member's data from the console");
            Ok(x)
        }
        Err(LedgerError::UnknownMember(_)) => Err(error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await),
        Err(e) => {
            tracing::error!(error = %e, "a member's export could not be made");
            Err(error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await)
        }
    }
}

fn date(tr: Tr, text: &str) -> String {
    ServiceDate::parse(text).ok().and_then(|d| d.to_date()).map(|d| tr.date(d)).unwrap_or_else(|| text.to_string())
}

fn codes(list: &[MemberCode]) -> String {
    list.iter().map(MemberCode::as_str).collect::<Vec<_>>().join(", ")
}

/// `GET /members/{code}/export`: everything held, to print and hand over.
pub async fn printable(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>) -> Response {
    let x = match exported(&state, &visitor, &code).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let tr = visitor.tr;
    let exchanges = x
        .exchanges
        .iter()
        .map(|e| ExportLine {
            date: date(tr, &e.date),
            providers: codes(&e.providers),
            receivers: codes(&e.receivers),
            hours: Minutes(e.minutes_each).to_string(),
            category: e.category.clone(),
            note: e.note.clone(),
            recorded_by: e.recorded_by.clone(),
            state: if e.reversed { tr.t("export-reversed") } else { String::new() },
        })
        .collect();
    let transfers = x
        .transfers
        .iter()
        .map(|t| ExportLine {
            date: date(tr, &t.date),
            providers: t.payee.clone(),
            receivers: t.payer.clone(),
            hours: Minutes(t.minutes).to_string(),
            category: t.category.clone(),
            note: t.note.clone(),
            recorded_by: String::new(),
            state: t.state.clone(),
        })
        .collect();
    let listings = x
        .listings
        .iter()
        .map(|l| {
            let kind = tr.t(match l.kind {
                ListingKind::Offer => "listing-kind-offer",
                ListingKind::Request => "listing-kind-request",
            });
            let open = tr.t(if l.open { "listing-status-open" } else { "listing-status-closed" });
            (kind, l.category.clone(), l.description.clone(), open)
        })
        .collect();
    let waiting = super::proposals::rows(&state, &visitor, state.proposals.of_member(&x.member.code)).await;
    let m = MemberRow::new(&x.member, tr, true, true);
    let chrome = Chrome::of(&state, &visitor, "members").await;
    let other_banks_hold = tr.t("export-other-banks-hold");
    page(StatusCode::OK, &ExportPage { chrome, m, made_at: x.made_at.clone(), exchanges, transfers, listings, waiting, other_banks_hold })
}

/// `GET /members/{code}/export.json`: the same, as the CLI writes it.
pub async fn json(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>) -> Response {
    let x = match exported(&state, &visitor, &code).await {
        Ok(x) => x,
        Err(refused) => return refused,
    };
    let waiting = state.proposals.of_member(&x.member.code);
    let body = serde_json::json!({ "export": x, "waiting_for_confirmation": waiting });
    let file = format!("attachment; filename=\"member-{}.json\"", x.member.code.as_str().replace(':', "-"));
    match serde_json::to_vec_pretty(&body) {
        Ok(bytes) => ([(header::CONTENT_TYPE, "application/json".to_string()), (header::CONTENT_DISPOSITION, file)], bytes).into_response(),
        Err(_) => error_page(&state, &visitor, StatusCode::INTERNAL_SERVER_ERROR, "error-storage").await,
    }
}

async fn erase_page(
    state: &AppState,
    visitor: &Visitor,
    code: &MemberCode,
    status: StatusCode,
    form: EraseForm,
    problem: Option<String>,
) -> Response {
    let x = match export_of(state, code).await {
        Ok(x) => x,
        Err(LedgerError::UnknownMember(_)) => return error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await,
        Err(_) => return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    if x.member.erased {
        return error_page(state, visitor, StatusCode::CONFLICT, "erase-already").await;
    }
    let chrome = Chrome::of(state, visitor, "members").await;
    let erase = ErasePage { chrome, code: code.to_string(), name: x.member.name, balance: x.member.balance, reason: form.reason, problem };
    page(status, &erase)
}

/// `GET /members/{code}/erase`: what erasing does, and the form.
pub async fn confirm(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let Ok(code) = code.parse::<MemberCode>() else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-unknown-member").await;
    };
    erase_page(&state, &visitor, &code, StatusCode::OK, EraseForm::default(), None).await
}

/// `POST /members/{code}/erase`.
pub async fn erase(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>, Form(form): Form<EraseForm>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let Ok(code) = code.parse::<MemberCode>() else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-unknown-member").await;
    };
    let tr = visitor.tr;
    if form.reason.trim().is_empty() || form.reason.chars().count() > MAX_REASON_CHARS {
        return erase_page(&state, &visitor, &code, StatusCode::UNPROCESSABLE_ENTITY, form, Some(tr.t("erase-reason-needed"))).await;
    }
    if form.confirm_code.trim() != code.as_str() {
        let problem = tr.t1("erase-code-mismatch", "code", code.as_str());
        return erase_page(&state, &visitor, &code, StatusCode::UNPROCESSABLE_ENTITY, form, Some(problem)).await;
    }
    match crate::rights::erase::erase(&state.ledger, &code, form.reason.trim()).await {
        Ok(()) | Err(LedgerError::MemberErased(_)) => {
            if let Err(e) = state.proposals.forget_member(&code) {
                tracing::warn!(error = %e, "an erased member's waiting exchanges could not be forgotten yet");
            }
            tracing::info!(account = %visitor.account.name, member = %code, "erased a member's personal data from the console");
            Redirect::to(&format!("/members/{code}")).into_response()
        }
        Err(e) => {
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            erase_page(&state, &visitor, &code, status, form, Some(super::exchanges::refusal(tr, &e))).await
        }
    }
}
