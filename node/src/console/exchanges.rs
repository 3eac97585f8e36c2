//! Recording an exchange from the console (`GET /exchanges/new`, `POST
//! /exchanges`), for coordinators: one member helped another, or an agency,
//! or a member of another bank helped one of ours (a transfer, sent to that
//! bank for its answer). Members are picked by name; another bank's member
//! by code. The form carries a fresh client reference, so a form sent twice
//! (a double click, a browser's resend) records once. Every exchange records
//! the account that recorded it. A refusal is said in the visitor's language,
//! with what to change, and the form comes back as it was filled in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::{MemberCode, MemberStatus, Minutes, ServiceDate};

use super::i18n::{Arg, Tr};
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::accounts::sessions::random_token;
use crate::api::AppState;
use crate::ledger::{Command, LedgerError};
use crate::model::member::details_of;
use crate::storage::writer::Reply;

/// Longest category and note taken from the form (the ledger checks its own limits too).
const MAX_FIELD_CHARS: usize = 4_000;

/// A member to pick in the form.
pub struct Choice {
    pub code: String,
    pub name: String,
    pub selected_provider: bool,
    pub selected_receiver: bool,
}

/// What the form was filled in with.
#[derive(Deserialize, Default, Clone)]
pub struct ExchangeForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub client_ref: String,
    #[serde(default)]
    pub provider: String,
    /// Another bank's member, by code (instead of `provider`).
    #[serde(default)]
    pub provider_elsewhere: String,
    #[serde(default)]
    pub receiver: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub note: String,
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub members: Vec<Choice>,
    pub form: ExchangeForm,
    pub problem: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct Recorded {
    pub recorded: Option<String>,
}

/// The active members who can give or receive, by name.
async fn choices(state: &AppState, form: &ExchangeForm) -> Result<Vec<Choice>, crate::api::ApiError> {
    let keys = state.keys();
    let (provider, receiver) = (form.provider.clone(), form.receiver.clone());
    state
        .read(move |store| {
            let mut out = Vec::new();
            let mut failed = None;
            store.for_each_member(|m| {
                if m.status != MemberStatus::Active || m.is_erased() {
                    return;
                }
                match details_of(&m, &*keys) {
                    Ok(d) => {
                        let code = m.code.to_string();
                        out.push(Choice { selected_provider: code == provider, selected_receiver: code == receiver, code, name: d.name })
                    }
                    Err(e) => failed = Some(e),
                }
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            out.sort_by_key(|c| c.name.to_lowercase());
            Ok(out)
        })
        .await
}

async fn form_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    form: ExchangeForm,
    problem: Option<String>,
    notice: Option<String>,
) -> Response {
    let members = match choices(state, &form).await {
        Ok(m) => m,
        Err(_) => return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    let chrome = Chrome::of(state, visitor, "record").await;
    page(status, &RecordPage { chrome, members, form, problem, notice })
}

/// A form with a fresh client reference and today's date.
fn blank(state: &AppState) -> ExchangeForm {
    let today = ServiceDate::today(state.clock.now_ms());
    ExchangeForm { client_ref: random_token(), date: today.to_string(), ..ExchangeForm::default() }
}

/// `GET /exchanges/new` (`?recorded=…` after one was recorded).
pub async fn new(State(state): State<AppState>, visitor: Visitor, Query(q): Query<Recorded>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let notice = q.recorded.filter(|r| !r.is_empty()).map(|r| visitor.tr.t1("recorded-notice", "summary", &r));
    form_page(&state, &visitor, StatusCode::OK, blank(&state), None, notice).await
}

/// `POST /exchanges`.
pub async fn record(State(state): State<AppState>, visitor: Visitor, Form(form): Form<ExchangeForm>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let tr = visitor.tr;
    let command = match command(&form, &visitor.account.name, tr) {
        Ok(c) => c,
        Err(problem) => return form_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, form, Some(problem), None).await,
    };
    match state.ledger.submit(command).await {
        Ok(reply) => {
            if matches!(reply, Reply::Transfer(_)) {
                state.federation.poke();
            }
            let summary = format!("{} {}", form.hours.trim(), form.category.trim());
            let query = serde_urlencoded::to_string([("recorded", summary.as_str())]).unwrap_or_default();
            let to = format!("/exchanges/new?{query}");
            Redirect::to(&to).into_response()
        }
        Err(e) => {
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            form_page(&state, &visitor, status, form, Some(refusal(tr, &e)), None).await
        }
    }
}

/// The ledger command of a filled-in form, or what to fix, in the visitor's language.
fn command(form: &ExchangeForm, account: &str, tr: Tr) -> Result<Command, String> {
    let code =
        |text: &str| -> Result<MemberCode, String> { text.trim().parse().map_err(|_| tr.t1("record-bad-code", "code", text.trim())) };
    let provider = match (form.provider.trim(), form.provider_elsewhere.trim()) {
        ("", "") => return Err(tr.t("record-choose-provider")),
        (_, elsewhere) if !elsewhere.is_empty() => code(elsewhere)?,
        (here, _) => code(here)?,
    };
    if form.receiver.trim().is_empty() {
        return Err(tr.t("record-choose-receiver"));
    }
    let receiver = code(&form.receiver)?;
    let minutes_each = Minutes::parse_hours(&form.hours).map_err(|_| tr.t1("record-bad-hours", "hours", form.hours.trim()))?;
    let date = match form.date.trim() {
        "" => None,
        d => Some(ServiceDate::parse(d).map_err(|_| tr.t1("record-bad-date", "date", d))?),
    };
    let text = |t: &str| t.trim().chars().take(MAX_FIELD_CHARS).collect::<String>();
    Ok(Command::RecordExchange {
        providers: vec![provider],
        receivers: vec![receiver],
        minutes_each,
        category: text(&form.category),
        note: text(&form.note),
        date,
        recorded_by: account.to_string(),
        client_ref: Some(form.client_ref.trim().chars().take(64).collect()).filter(|r: &String| !r.is_empty()),
    })
}

/// The label people see for a field the ledger names.
fn field_label(tr: Tr, field: &str) -> String {
    let id = match field {
        "name" => "member-name",
        "contact" => "member-contact",
        "availability" => "member-availability",
        "special needs" => "member-special-needs",
        "skills offered" => "member-skills",
        "needs" => "member-needs",
        "category" => "exchange-category",
        "note" => "exchange-note",
        _ => return field.to_string(),
    };
    tr.t(id)
}

/// A text that was refused (too long, empty, a control character), said for people.
fn text_problem(tr: Tr, problem: &amser_protocol::text::TextError) -> String {
    use amser_protocol::text::TextError;
    match problem {
        TextError::TooLong { field, chars, max } => tr.with(
            "text-too-long",
            &[("field", Arg::Text(&field_label(tr, field))), ("chars", Arg::Number(*chars as i64)), ("max", Arg::Number(*max as i64))],
        ),
        TextError::Empty { field } => tr.t1("text-empty", "field", &field_label(tr, field)),
        TextError::ControlCharacter { field } => tr.t1("text-control", "field", &field_label(tr, field)),
        TextError::TooMany { field, count, max } => tr.with(
            "text-too-many",
            &[("field", Arg::Text(&field_label(tr, field))), ("count", Arg::Number(*count as i64)), ("max", Arg::Number(*max as i64))],
        ),
    }
}

/// A member's limit refused an exchange: message `id` with the figures.
fn limit(tr: Tr, id: &str, code: &MemberCode, balance: Minutes, would_be: Minutes, limit: Minutes) -> String {
    let (balance, would_be, limit) = (balance.to_string(), would_be.to_string(), limit.to_string());
    tr.with(
        id,
        &[
            ("member", Arg::Text(code.as_str())),
            ("balance", Arg::Text(&balance)),
            ("would", Arg::Text(&would_be)),
            ("limit", Arg::Text(&limit)),
        ],
    )
}

/// A refusal from the ledger, said for people.
pub fn refusal(tr: Tr, e: &LedgerError) -> String {
    match e {
        LedgerError::BelowFloor { code, balance, would_be, floor } => limit(tr, "refused-below-floor", code, *balance, *would_be, *floor),
        LedgerError::AboveCeiling { code, balance, would_be, ceiling } => {
            limit(tr, "refused-above-ceiling", code, *balance, *would_be, *ceiling)
        }
        LedgerError::UnknownMember(code) => tr.t1("refused-unknown-member", "member", code.as_str()),
        LedgerError::Text(problem) => text_problem(tr, problem),
        LedgerError::MemberNotActive { .. } => tr.t("refused-not-active"),
        LedgerError::MemberErased(code) => tr.t1("refused-erased", "member", code.as_str()),
        LedgerError::FutureDate(_) => tr.t("refused-future-date"),
        LedgerError::TooLongForOnePerson { .. } => tr.t("refused-too-many-hours"),
        LedgerError::PeerFrozen(_) | LedgerError::NotAdmitted(_) | LedgerError::UnknownPeer(_) => tr.t("refused-peer"),
        LedgerError::RecordAtPayersBank { bank, .. } => tr.t1("refused-payers-bank", "bank", bank),
        LedgerError::DiskFull(_) | LedgerError::ReadOnly(_) | LedgerError::Storage(_) | LedgerError::Corrupt(_) => tr.t("error-storage"),
        other => tr.t1("refused-other", "detail", &other.to_string()),
    }
}
