//! Recording an exchange from the console (`GET /exchanges/new`, `POST
//! /exchanges`), for coordinators: one member helped another, or an agency,
//! or a group event (several who gave, several who received: a band of four
//! playing for thirty listeners), or a member of another bank helped one of
//! ours (a transfer, sent to that bank for its answer). Members are ticked
//! by name in two lists, which a name filter narrows without JavaScript (the
//! form is sent back with `find`, and nothing ticked is lost); another
//! bank's member is given by code. The form carries a fresh client
//! reference, so a form sent twice records once. Every exchange records the
//! account that recorded it. A refusal is said in the visitor's language,
//! with what to change, and the form comes back as it was filled in.

use askama::Template;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::limits::MAX_PARTIES;
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
/// Longest name filter taken.
const MAX_FIND_CHARS: usize = 100;
/// Members each list shows at most (those ticked are always shown).
pub const MAX_CHOICES_SHOWN: usize = 500;
/// Members taken from one list: one more than an exchange may hold, so the
/// ledger refuses too many with its own message rather than some being dropped.
const MAX_PICKED: usize = MAX_PARTIES + 1;

/// A member to pick in the form.
pub struct Choice {
    pub code: String,
    pub name: String,
    /// Ticked as one who gave.
    pub gave: bool,
    /// Ticked as one who received.
    pub received: bool,
}

/// What the form was filled in with.
#[derive(Default, Clone)]
pub struct ExchangeForm {
    pub csrf: String,
    pub client_ref: String,
    /// Members of this bank who gave, by code (the `providers` ticks and a `provider` choice).
    pub providers: Vec<String>,
    /// Another bank's member, by code (instead of `providers`).
    pub provider_elsewhere: String,
    /// Those who received, by code.
    pub receivers: Vec<String>,
    pub hours: String,
    pub category: String,
    pub date: String,
    pub note: String,
    /// The name filter of the two lists.
    pub find: String,
    /// The filter's button was pressed: show the form again, record nothing.
    pub finding: bool,
}

impl ExchangeForm {
    /// The form from its fields as sent (repeated `providers` and
    /// `receivers`, each member once, in the order ticked).
    pub fn from_fields(fields: Vec<(String, String)>) -> ExchangeForm {
        let mut form = ExchangeForm::default();
        for (name, value) in fields {
            let add = |list: &mut Vec<String>, code: String| {
                let code = code.trim().to_string();
                if !code.is_empty() && list.len() < MAX_PICKED && !list.contains(&code) {
                    list.push(code);
                }
            };
            match name.as_str() {
                "csrf" => form.csrf = value,
                "client_ref" => form.client_ref = value,
                "provider" | "providers" => add(&mut form.providers, value),
                "receiver" | "receivers" => add(&mut form.receivers, value),
                "provider_elsewhere" => form.provider_elsewhere = value,
                "hours" => form.hours = value,
                "category" => form.category = value,
                "date" => form.date = value,
                "note" => form.note = value,
                "find" => form.find = value.trim().chars().take(MAX_FIND_CHARS).collect(),
                "finding" => form.finding = !value.is_empty(),
                _ => {}
            }
        }
        form
    }
}

#[derive(Template)]
#[template(path = "record.html")]
pub struct RecordPage {
    pub chrome: Chrome,
    pub members: Vec<Choice>,
    pub form: ExchangeForm,
    /// How many are ticked on each side, said for people.
    pub ticked_gave: String,
    pub ticked_received: String,
    /// The filter left some members out.
    pub filtered: Option<String>,
    pub problem: Option<String>,
    pub notice: Option<String>,
}

#[derive(Deserialize)]
pub struct Recorded {
    pub recorded: Option<String>,
    /// How many gave and received (a group event).
    pub givers: Option<usize>,
    pub receivers: Option<usize>,
    /// A name filter given in the address.
    pub find: Option<String>,
}

/// The active members who can give or receive, by name: those the filter
/// matches, and those already ticked.
async fn choices(state: &AppState, form: &ExchangeForm) -> Result<(Vec<Choice>, usize), crate::api::ApiError> {
    let keys = state.keys();
    let (providers, receivers, needle) = (form.providers.clone(), form.receivers.clone(), form.find.to_lowercase());
    state
        .read(move |store| {
            let mut out = Vec::new();
            let mut failed = None;
            let mut left_out = 0;
            store.for_each_member(|m| {
                if m.status != MemberStatus::Active || m.is_erased() {
                    return;
                }
                match details_of(&m, &*keys) {
                    Ok(d) => {
                        let code = m.code.to_string();
                        let (gave, received) = (providers.contains(&code), receivers.contains(&code));
                        let matches = needle.is_empty() || d.name.to_lowercase().contains(&needle) || code.to_lowercase().contains(&needle);
                        if matches || gave || received {
                            out.push(Choice { gave, received, code, name: d.name })
                        } else {
                            left_out += 1;
                        }
                    }
                    Err(e) => failed = Some(e),
                }
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            out.sort_by_key(|c| (!(c.gave || c.received), c.name.to_lowercase()));
            left_out += out.len().saturating_sub(MAX_CHOICES_SHOWN);
            out.truncate(MAX_CHOICES_SHOWN);
            out.sort_by_key(|c| c.name.to_lowercase());
            Ok((out, left_out))
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
    let (members, left_out) = match choices(state, &form).await {
        Ok(m) => m,
        Err(_) => return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    let tr = visitor.tr;
    let chrome = Chrome::of(state, visitor, "record").await;
    let (ticked_gave, ticked_received) = (tr.n("group-ticked", form.providers.len()), tr.n("group-ticked", form.receivers.len()));
    let filtered = (left_out > 0).then(|| tr.n("group-filtered", left_out));
    page(status, &RecordPage { chrome, members, form, ticked_gave, ticked_received, filtered, problem, notice })
}

/// A form with a fresh client reference and today's date.
fn blank(state: &AppState) -> ExchangeForm {
    let today = ServiceDate::today(state.clock.now_ms());
    ExchangeForm { client_ref: random_token(), date: today.to_string(), ..ExchangeForm::default() }
}

/// `GET /exchanges/new` (`?recorded=…` after one was recorded, `?find=` to filter the lists).
pub async fn new(State(state): State<AppState>, visitor: Visitor, Query(q): Query<Recorded>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let tr = visitor.tr;
    let notice = q.recorded.filter(|r| !r.is_empty()).map(|r| match (q.givers, q.receivers) {
        (Some(g), Some(r_count)) if g > 1 || r_count > 1 => tr.with(
            "group-recorded-notice",
            &[("summary", Arg::Text(&r)), ("givers", Arg::Number(g as i64)), ("receivers", Arg::Number(r_count as i64))],
        ),
        _ => tr.t1("recorded-notice", "summary", &r),
    });
    let mut form = blank(&state);
    form.find = q.find.unwrap_or_default().trim().chars().take(MAX_FIND_CHARS).collect();
    form_page(&state, &visitor, StatusCode::OK, form, None, notice).await
}

/// `POST /exchanges`.
pub async fn record(State(state): State<AppState>, visitor: Visitor, Form(fields): Form<Vec<(String, String)>>) -> Response {
    let form = ExchangeForm::from_fields(fields);
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    if form.finding {
        return form_page(&state, &visitor, StatusCode::OK, form, None, None).await;
    }
    let tr = visitor.tr;
    let command = match command(&form, &visitor.account.name, tr) {
        Ok(c) => c,
        Err(problem) => return form_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, form, Some(problem), None).await,
    };
    match state.ledger.submit(command).await {
        Ok(reply) => {
            if let Reply::Transfer(t) = &reply {
                state.federation.deliver(t.clone());
            }
            let summary = format!("{} {}", form.hours.trim(), form.category.trim());
            let givers = (form.providers.len().max(1)).to_string();
            let receivers = form.receivers.len().to_string();
            let query = serde_urlencoded::to_string([
                ("recorded", summary.as_str()),
                ("givers", givers.as_str()),
                ("receivers", receivers.as_str()),
            ])
            .unwrap_or_default();
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
    let providers = match (form.providers.is_empty(), form.provider_elsewhere.trim()) {
        (true, "") => return Err(tr.t("record-choose-provider")),
        (true, elsewhere) => vec![code(elsewhere)?],
        (false, "") => form.providers.iter().map(|p| code(p)).collect::<Result<Vec<_>, _>>()?,
        (false, _) => return Err(tr.t("group-elsewhere-alone")),
    };
    if form.receivers.is_empty() {
        return Err(tr.t("record-choose-receiver"));
    }
    let receivers = form.receivers.iter().map(|r| code(r)).collect::<Result<Vec<_>, _>>()?;
    let minutes_each = Minutes::parse_hours(&form.hours).map_err(|_| tr.t1("record-bad-hours", "hours", form.hours.trim()))?;
    let date = match form.date.trim() {
        "" => None,
        d => Some(ServiceDate::parse(d).map_err(|_| tr.t1("record-bad-date", "date", d))?),
    };
    let text = |t: &str| t.trim().chars().take(MAX_FIELD_CHARS).collect::<String>();
    Ok(Command::RecordExchange {
        providers,
        receivers,
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
        "reason" => "reverse-reason",
        "description" => "listing-description",
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
        LedgerError::Shape(shape) => shape_problem(tr, shape),
        LedgerError::CrossBankGroup => tr.t("refused-cross-bank-group"),
        LedgerError::AlreadyReversed(_) => tr.t("refused-already-reversed"),
        LedgerError::UnknownExchange(_) => tr.t("refused-unknown-exchange"),
        LedgerError::UnknownListing(_) => tr.t("refused-unknown-listing"),
        LedgerError::ListingClosed(_) => tr.t("refused-listing-closed"),
        LedgerError::DiskFull(_) | LedgerError::ReadOnly(_) | LedgerError::Storage(_) | LedgerError::Corrupt(_) => tr.t("error-storage"),
        LedgerError::AskingPeers { .. } => tr.t("refused-asking-peers"),
        LedgerError::BehindPeers { .. } => tr.t("refused-behind-peers"),
        LedgerError::ForkedFromPeers { .. } => tr.t("refused-forked"),
        other => tr.t1("refused-other", "detail", &other.to_string()),
    }
}

/// An exchange whose shape cannot be recorded, said for people.
fn shape_problem(tr: Tr, shape: &amser_protocol::exchange::ExchangeShapeError) -> String {
    use amser_protocol::exchange::ExchangeShapeError as Shape;
    match shape {
        Shape::NoProvider => tr.t("record-choose-provider"),
        Shape::NoReceiver => tr.t("record-choose-receiver"),
        Shape::TooManyParties(count) => {
            tr.with("refused-too-many-people", &[("count", Arg::Number(*count as i64)), ("max", Arg::Number(MAX_PARTIES as i64))])
        }
        Shape::Duplicate(code) => tr.t1("refused-listed-twice", "member", code.as_str()),
        Shape::SelfExchange(code) => tr.t1("refused-self-exchange", "member", code.as_str()),
        Shape::NotPositive | Shape::Overflow => tr.t("refused-bad-amount"),
    }
}
