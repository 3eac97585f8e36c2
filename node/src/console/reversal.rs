//! Reversing an exchange from the console (`GET /exchanges/{id}/reverse`,
//! `POST /exchanges/{id}/reverse`), for coordinators: a page that shows the
//! exchange and what reversing it does, asks why (a reason is required, and
//! kept sealed like a note), and reverses it only when that form is sent
//! (`Command::ReverseExchange`: every posting undone, balances back as they
//! were). The form carries a one-time token, so sending it twice reverses
//! once and lands where the first did. Refusals are said plainly: already
//! reversed (with the reason given then), a transfer with another bank
//! (both banks signed it; it cannot be undone here alone), no such exchange.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::federation::TransferId;
use amser_protocol::{MemberCode, Minutes};

use super::exchanges::refusal;
use super::i18n::Tr;
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::accounts::sessions::random_token;
use crate::accounts::Claim;
use crate::api::{ApiError, AppState};
use crate::ledger::{Command, LedgerRead};
use crate::model::exchange::ERASED_TEXT;
use crate::model::ExchangeView;

/// An exchange as the confirmation page shows it, in the visitor's language.
pub struct ExchangeSummary {
    pub id: String,
    pub date: String,
    pub givers: String,
    pub receivers: String,
    pub hours_each: String,
    pub category: String,
    /// What reversing does to each member, one line each ("Mair Jones: −2:00").
    pub undoes: Vec<String>,
    /// The reason given when it was reversed, if it was.
    pub reversed_because: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct ReverseForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub once: String,
    #[serde(default)]
    pub reason: String,
    /// The member page to go back to.
    #[serde(default)]
    pub back: String,
}

#[derive(Deserialize)]
pub struct From {
    pub from: Option<String>,
}

#[derive(Template)]
#[template(path = "reverse.html")]
pub struct ReversePage {
    pub chrome: Chrome,
    pub x: ExchangeSummary,
    pub form: ReverseForm,
    /// Whether the form is offered (not when it is already reversed).
    pub open: bool,
    pub problem: Option<String>,
}

/// What the reference in the address names.
enum Found {
    Exchange(Box<ExchangeSummary>),
    /// A transfer with another bank, not an exchange of ours alone.
    Transfer,
    Nothing,
}

async fn find(state: &AppState, id: String, tr: Tr) -> Result<Found, ApiError> {
    let keys = state.keys();
    state
        .read(move |store| {
            let Some(record) = store.find_exchange(&id)? else {
                let transfer = hex::decode(id.trim()).ok().and_then(|b| <[u8; 32]>::try_from(b).ok()).map(TransferId);
                return Ok(match transfer {
                    Some(t) if store.transfer(&t)?.is_some() => Found::Transfer,
                    _ => Found::Nothing,
                });
            };
            let view = ExchangeView::new(record, &*keys)?;
            let names = |codes: &[MemberCode]| -> Result<String, ApiError> {
                Ok(codes.iter().map(|c| super::names::name_of(store, &*keys, tr, c)).collect::<Result<Vec<_>, _>>()?.join(", "))
            };
            let mut undoes = Vec::with_capacity(view.postings.len());
            for p in &view.postings {
                undoes.push(format!("{}: {}", super::names::name_of(store, &*keys, tr, &p.member)?, Minutes(-p.minutes)));
            }
            let reversed_because =
                view.reversal_reason.as_deref().map(|r| if r == ERASED_TEXT { tr.t("erased-text") } else { r.to_string() });
            Ok(Found::Exchange(Box::new(ExchangeSummary {
                date: amser_protocol::ServiceDate::parse(&view.date)
                    .ok()
                    .and_then(|d| d.to_date())
                    .map(|d| tr.date(d))
                    .unwrap_or(view.date.clone()),
                givers: names(&view.providers)?,
                receivers: names(&view.receivers)?,
                hours_each: Minutes(view.minutes_each).to_string(),
                category: view.category,
                undoes,
                reversed_because,
                id: view.id,
            })))
        })
        .await
}

/// The page for exchange `id`, with `form` and `problem`; or the page saying why there is none.
async fn reverse_page(
    state: &AppState,
    visitor: &Visitor,
    id: String,
    form: ReverseForm,
    problem: Option<String>,
    status: StatusCode,
) -> Response {
    let tr = visitor.tr;
    match find(state, id, tr).await {
        Ok(Found::Exchange(x)) => {
            let open = x.reversed_because.is_none();
            let problem = if open { problem } else { Some(tr.t("refused-already-reversed")) };
            let status = if open { status } else { StatusCode::CONFLICT };
            let chrome = Chrome::of(state, visitor, "members").await;
            page(status, &ReversePage { chrome, x: *x, form, open, problem })
        }
        Ok(Found::Transfer) => error_page(state, visitor, StatusCode::CONFLICT, "reverse-transfer").await,
        Ok(Found::Nothing) => error_page(state, visitor, StatusCode::NOT_FOUND, "refused-unknown-exchange").await,
        Err(_) => error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    }
}

/// `GET /exchanges/{id}/reverse?from=CODE`: the confirmation page.
pub async fn confirm(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>, Query(q): Query<From>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let form = ReverseForm { once: random_token(), back: q.from.unwrap_or_default(), ..ReverseForm::default() };
    reverse_page(&state, &visitor, id, form, None, StatusCode::OK).await
}

/// Where to go once reversed: the member page the coordinator came from.
fn back_to(back: &str) -> String {
    match back.trim().parse::<MemberCode>() {
        Ok(code) => format!("/members/{code}"),
        Err(_) => "/members".to_string(),
    }
}

/// `POST /exchanges/{id}/reverse`.
pub async fn reverse(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>, Form(form): Form<ReverseForm>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let tr = visitor.tr;
    if form.reason.trim().is_empty() {
        return reverse_page(&state, &visitor, id, form, Some(tr.t("reverse-reason-needed")), StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    let lookup = id.clone();
    let record = match state.read(move |store| Ok(store.find_exchange(&lookup)?)).await {
        Ok(Some(record)) => record,
        Ok(None) => return reverse_page(&state, &visitor, id, form, None, StatusCode::NOT_FOUND).await,
        Err(_) => return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    match state.submitted.claim(&form.once) {
        Claim::Done(to) => return Redirect::to(&to).into_response(),
        Claim::InFlight => return Redirect::to(&back_to(&form.back)).into_response(),
        Claim::New => {}
    }
    let to = back_to(&form.back);
    match state.ledger.submit(Command::ReverseExchange { id: record.exchange.id, reason: form.reason.trim().to_string() }).await {
        Ok(_) => {
            state.submitted.finish(&form.once, Some(to.clone()));
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            state.submitted.finish(&form.once, None);
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            reverse_page(&state, &visitor, id, form, Some(refusal(tr, &e)), status).await
        }
    }
}
