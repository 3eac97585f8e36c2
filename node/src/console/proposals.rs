//! Members recording their own exchanges (`[policy] who_records =
//! "either_party"`): a member says they gave or received help, the exchange
//! waits (`accounts::proposals`), and the other member or a coordinator
//! confirms it, when it is recorded like any other, or declines it. The one
//! who recorded it may withdraw it. With `who_records = "coordinator"` (the
//! default) members' recording is refused and its pages say who records.
//!
//! ```text
//! GET  /my/record             the member's form        POST /my/record
//! GET  /proposals             everything waiting (coordinators)
//! POST /proposals/{id}/confirm                          POST /proposals/{id}/decline
//! ```

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::{MemberCode, Minutes, ServiceDate};

use super::i18n::Tr;
use super::web::{csrf_ok, error_page, page, Chrome, Visitor};
use crate::accounts::proposals::{Proposal, ProposalError};
use crate::accounts::sessions::random_token;
use crate::accounts::Role;
use crate::api::AppState;
use crate::ledger::{Command, LedgerError, LedgerRead};
use crate::model::WhoRecords;

/// Hex digits of a proposal's id (128 random bits): with its prefix, it fits
/// the ledger's client reference.
const PROPOSAL_ID_CHARS: usize = 32;

/// One exchange waiting, as a page shows it.
pub struct WaitingRow {
    pub id: String,
    pub date: String,
    pub provider: String,
    pub receiver: String,
    pub hours: String,
    pub category: String,
    /// "Recorded by Gwen Davies".
    pub proposed_by: String,
    /// Whether this visitor may confirm it (the other member, a coordinator).
    pub may_confirm: bool,
    /// Whether this visitor may decline it (either member, a coordinator);
    /// for the one who recorded it, that is withdrawing it.
    pub may_decline: bool,
    pub decline_label: String,
}

/// What the member's form was filled in with.
#[derive(Deserialize, Default, Clone)]
pub struct ProposeForm {
    #[serde(default)]
    pub csrf: String,
    /// `gave` or `received`.
    #[serde(default)]
    pub direction: String,
    #[serde(default)]
    pub other: String,
    #[serde(default)]
    pub hours: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub date: String,
}

/// Another member to pick.
pub struct Other {
    pub code: String,
    pub name: String,
    pub selected: bool,
}

#[derive(Template)]
#[template(path = "propose.html")]
pub struct ProposePage {
    pub chrome: Chrome,
    pub others: Vec<Other>,
    pub form: ProposeForm,
    pub problem: Option<String>,
}

#[derive(Template)]
#[template(path = "proposals.html")]
pub struct WaitingPage {
    pub chrome: Chrome,
    pub waiting: Vec<WaitingRow>,
    pub notice: Option<String>,
    pub problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// The member's code, when `visitor` is a member of a bank whose members record.
fn recording_member(state: &AppState, visitor: &Visitor) -> Option<MemberCode> {
    (state.who_records == WhoRecords::EitherParty && visitor.role() == Role::Member).then(|| visitor.account.member.clone()).flatten()
}

/// Names of `codes` as the visitor reads them.
async fn names_of(state: &AppState, tr: Tr, codes: Vec<MemberCode>) -> Vec<(MemberCode, String)> {
    let keys = state.keys();
    state
        .read(move |store| codes.into_iter().map(|c| super::names::name_of(store, &*keys, tr, &c).map(|n| (c, n))).collect())
        .await
        .unwrap_or_default()
}

/// The rows of `proposals` for `visitor`.
pub async fn rows(state: &AppState, visitor: &Visitor, proposals: Vec<Proposal>) -> Vec<WaitingRow> {
    let mut codes: Vec<MemberCode> = proposals.iter().flat_map(|p| [p.provider.clone(), p.receiver.clone()]).collect();
    codes.sort();
    codes.dedup();
    let named = names_of(state, visitor.tr, codes).await;
    let name = |c: &MemberCode| named.iter().find(|(code, _)| code == c).map(|(_, n)| n.clone()).unwrap_or_else(|| c.to_string());
    let tr = visitor.tr;
    let me = visitor.account.member.as_ref();
    let coordinator = visitor.role() == Role::Coordinator;
    proposals
        .into_iter()
        .map(|p| {
            let proposer = me == Some(&p.proposed_by);
            WaitingRow {
                date: p.date.to_date().map(|d| tr.date(d)).unwrap_or_else(|| p.date.to_string()),
                provider: name(&p.provider),
                receiver: name(&p.receiver),
                hours: p.minutes.to_string(),
                category: p.category.clone(),
                proposed_by: tr.t1("proposal-recorded-by", "name", &name(&p.proposed_by)),
                may_confirm: coordinator || me == Some(p.other_party()),
                may_decline: coordinator || me.is_some_and(|c| p.involves(c)),
                decline_label: tr.t(if proposer { "proposal-withdraw" } else { "proposal-decline" }),
                id: p.id,
            }
        })
        .collect()
}

/// The other active members of the bank, by name.
async fn others(state: &AppState, me: MemberCode, selected: String) -> Result<Vec<Other>, crate::api::ApiError> {
    let all = super::names::active_members(state, Some(me)).await?;
    Ok(all.into_iter().map(|(code, name)| Other { selected: code.as_str() == selected, code: code.to_string(), name }).collect())
}

async fn form_page(
    state: &AppState,
    visitor: &Visitor,
    me: MemberCode,
    status: StatusCode,
    form: ProposeForm,
    problem: Option<String>,
) -> Response {
    let Ok(others) = others(state, me, form.other.clone()).await else {
        return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
    };
    let chrome = Chrome::of(state, visitor, "propose").await;
    page(status, &ProposePage { chrome, others, form, problem })
}

/// `GET /my/record`.
pub async fn new(State(state): State<AppState>, visitor: Visitor) -> Response {
    let Some(me) = recording_member(&state, &visitor) else {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "proposal-coordinator-records").await;
    };
    let today = ServiceDate::today(state.clock.now_ms()).to_string();
    let form = ProposeForm { direction: "gave".into(), date: today, ..ProposeForm::default() };
    form_page(&state, &visitor, me, StatusCode::OK, form, None).await
}

/// `POST /my/record`.
pub async fn propose(State(state): State<AppState>, visitor: Visitor, Form(form): Form<ProposeForm>) -> Response {
    let Some(me) = recording_member(&state, &visitor) else {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "proposal-coordinator-records").await;
    };
    if !csrf_ok(&visitor, &form.csrf) {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "form-expired").await;
    }
    let proposal = match proposal_of(&form, &me, &visitor.account.name, state.clock.now_ms(), visitor.tr) {
        Ok(p) => p,
        Err(problem) => return form_page(&state, &visitor, me, StatusCode::UNPROCESSABLE_ENTITY, form, Some(problem)).await,
    };
    match state.proposals.add(proposal) {
        Ok(_) => Redirect::to("/").into_response(),
        Err(e @ (ProposalError::Io { .. } | ProposalError::Damaged { .. })) => {
            tracing::error!(error = %e, "a member's exchange could not be kept");
            error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await
        }
        Err(e) => {
            let problem = proposal_problem(visitor.tr, &e);
            form_page(&state, &visitor, me, StatusCode::UNPROCESSABLE_ENTITY, form, Some(problem)).await
        }
    }
}

/// The proposal of a filled-in form, or what to fix.
fn proposal_of(form: &ProposeForm, me: &MemberCode, account: &str, now_ms: u64, tr: Tr) -> Result<Proposal, String> {
    if form.other.trim().is_empty() {
        return Err(tr.t("proposal-choose-other"));
    }
    let other: MemberCode = form.other.trim().parse().map_err(|_| tr.t1("record-bad-code", "code", form.other.trim()))?;
    let (provider, receiver) = match form.direction.as_str() {
        "gave" => (me.clone(), other),
        "received" => (other, me.clone()),
        _ => return Err(tr.t("proposal-choose-direction")),
    };
    let minutes = Minutes::parse_hours(&form.hours).map_err(|_| tr.t1("record-bad-hours", "hours", form.hours.trim()))?;
    let date = match form.date.trim() {
        "" => ServiceDate::today(now_ms),
        d => ServiceDate::parse(d).map_err(|_| tr.t1("record-bad-date", "date", d))?,
    };
    if date > ServiceDate::today(now_ms) {
        return Err(tr.t("refused-future-date"));
    }
    Ok(Proposal {
        id: random_token().chars().take(PROPOSAL_ID_CHARS).collect(),
        provider,
        receiver,
        minutes,
        category: form.category.trim().to_lowercase(),
        date,
        proposed_by: me.clone(),
        proposed_by_account: account.to_string(),
        proposed_at_ms: now_ms,
        confirmed_by: None,
    })
}

fn proposal_problem(tr: Tr, e: &ProposalError) -> String {
    match e {
        ProposalError::SameMember => tr.t("proposal-same-member"),
        ProposalError::NoTime => tr.t1("record-bad-hours", "hours", "0"),
        ProposalError::BadCategory => tr.t("proposal-bad-category"),
        ProposalError::TooManyForMember(_) | ProposalError::TooMany => tr.t("proposal-too-many"),
        ProposalError::Unknown => tr.t("proposal-gone"),
        ProposalError::Io { .. } | ProposalError::Damaged { .. } => tr.t("error-storage"),
    }
}

/// `GET /proposals`: everything waiting (coordinators; `?done=` after an answer).
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(q): Query<Done>) -> Response {
    if visitor.role() != Role::Coordinator {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    let notice = q.done.as_deref().and_then(|d| done_notice(visitor.tr, d));
    waiting_page(&state, &visitor, StatusCode::OK, notice, None).await
}

fn done_notice(tr: Tr, done: &str) -> Option<String> {
    match done {
        "confirmed" => Some(tr.t("proposal-confirmed")),
        "declined" => Some(tr.t("proposal-declined")),
        _ => None,
    }
}

async fn waiting_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let waiting = rows(state, visitor, state.proposals.all()).await;
    let chrome = Chrome::of(state, visitor, "proposals").await;
    page(status, &WaitingPage { chrome, waiting, notice, problem })
}

#[derive(Deserialize)]
pub struct Answer {
    #[serde(default)]
    pub csrf: String,
}

/// Where an answer goes back to: the coordinator's list, or the member's page.
fn back(visitor: &Visitor, done: &str) -> Response {
    if visitor.role() == Role::Coordinator {
        Redirect::to(&format!("/proposals?done={done}")).into_response()
    } else {
        Redirect::to("/").into_response()
    }
}

/// The proposal `id`, if `visitor` may answer it (`confirm`: as the other
/// member or a coordinator; else as either member or a coordinator).
async fn answerable(state: &AppState, visitor: &Visitor, id: &str, csrf: &str, confirm: bool) -> Result<Proposal, Response> {
    if !csrf_ok(visitor, csrf) {
        return Err(error_page(state, visitor, StatusCode::FORBIDDEN, "form-expired").await);
    }
    if visitor.role() == Role::Viewer || (visitor.role() == Role::Member && state.who_records != WhoRecords::EitherParty) {
        return Err(error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await);
    }
    let Some(p) = state.proposals.get(id) else {
        return Err(error_page(state, visitor, StatusCode::NOT_FOUND, "proposal-gone").await);
    };
    let me = visitor.account.member.as_ref();
    let allowed =
        visitor.role() == Role::Coordinator || if confirm { me == Some(p.other_party()) } else { me.is_some_and(|c| p.involves(c)) };
    if !allowed {
        return Err(error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await);
    }
    Ok(p)
}

/// `POST /proposals/{id}/confirm`: recorded as an ordinary exchange.
pub async fn confirm(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>, Form(form): Form<Answer>) -> Response {
    let p = match answerable(&state, &visitor, &id, &form.csrf, true).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    let p = match state.proposals.mark_confirmed(&p.id, &visitor.account.name) {
        Ok(p) => p,
        Err(e) => {
            tracing::error!(error = %e, "a confirmation could not be kept");
            return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    match record(&state, &p).await {
        Ok(()) => back(&visitor, "confirmed"),
        Err(e) => {
            // Refused (a limit, a member who has left): it waits again, and the reason is said.
            if e.is_callers() {
                let _ = state.proposals.unconfirm(&p.id);
            }
            let problem = super::exchanges::refusal(visitor.tr, &e);
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            if visitor.role() == Role::Coordinator {
                waiting_page(&state, &visitor, status, None, Some(problem)).await
            } else {
                super::members::own_page_with(&state, &visitor, status, Some(problem)).await
            }
        }
    }
}

/// `POST /proposals/{id}/decline`: forgotten, nothing recorded.
pub async fn decline(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>, Form(form): Form<Answer>) -> Response {
    let p = match answerable(&state, &visitor, &id, &form.csrf, false).await {
        Ok(p) => p,
        Err(refused) => return refused,
    };
    if p.confirmed_by.is_some() {
        // Being recorded (or recorded and not yet forgotten): not the moment to decline.
        return error_page(&state, &visitor, StatusCode::CONFLICT, "proposal-gone").await;
    }
    match state.proposals.remove(&p.id) {
        Ok(()) | Err(ProposalError::Unknown) => back(&visitor, "declined"),
        Err(e) => {
            tracing::error!(error = %e, "a declined exchange could not be forgotten");
            error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await
        }
    }
}

/// Records a confirmed proposal (once, however often: its id is the client
/// reference) and forgets it.
async fn record(state: &AppState, p: &Proposal) -> Result<(), LedgerError> {
    state
        .ledger
        .submit(Command::RecordExchange {
            providers: vec![p.provider.clone()],
            receivers: vec![p.receiver.clone()],
            minutes_each: p.minutes,
            category: p.category.clone(),
            note: String::new(),
            date: Some(p.date),
            recorded_by: p.recorded_by(),
            client_ref: Some(p.client_ref()),
        })
        .await?;
    if let Err(e) = state.proposals.remove(&p.id) {
        // Recorded; it shows as waiting until the next start forgets it (recording it again is harmless).
        tracing::warn!(error = %e, "a recorded exchange could not be taken off the waiting list");
    }
    Ok(())
}

/// At start-up: records the proposals confirmed before a crash came between
/// the confirmation and the exchange, and forgets those of erased members.
pub async fn finish_interrupted(state: &AppState) {
    for p in state.proposals.confirmed() {
        match record(state, &p).await {
            Ok(()) => tracing::info!("recorded an exchange confirmed before the node stopped"),
            Err(e) if e.is_callers() => {
                tracing::warn!(error = %e, "an exchange confirmed before the node stopped is refused now; it waits again");
                let _ = state.proposals.unconfirm(&p.id);
            }
            Err(e) => tracing::error!(error = %e, "an exchange confirmed before the node stopped could not be recorded yet"),
        }
    }
    let codes: Vec<MemberCode> = state.proposals.all().iter().flat_map(|p| [p.provider.clone(), p.receiver.clone()]).collect();
    let erased = state
        .read(move |store| {
            Ok(codes.into_iter().filter(|c| store.member(c).ok().flatten().is_none_or(|m| m.is_erased())).collect::<Vec<_>>())
        })
        .await
        .unwrap_or_default();
    for code in erased {
        let _ = state.proposals.forget_member(&code);
    }
}
