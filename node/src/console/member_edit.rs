//! Changing a member from the console, for coordinators: their register
//! fields (`GET /members/{code}/edit`, `POST /members/{code}/edit`: name,
//! kind, contact, skills, needs, availability, special-needs and
//! safeguarding notes) and their status (`POST /members/{code}/status`:
//! pause, mark as left, make active again), each as
//! `Command::UpdateMember`. Only the fields that differ from the register
//! are sent, so two coordinators changing different fields do not undo each
//! other. Each form carries a one-time token ([`crate::accounts::Submitted`]),
//! so sending it twice changes the member once.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::{MemberCode, MemberKind, MemberStatus, Minutes};

use super::exchanges::refusal;
use super::register::MemberForm;
use super::web::{coordinators_only, error_page, page, Chrome, ErrorPage, Visitor};
use crate::accounts::sessions::random_token;
use crate::accounts::Claim;
use crate::api::AppState;
use crate::ledger::{Command, LedgerRead, MemberChanges};
use crate::model::MemberView;

#[derive(Template)]
#[template(path = "member_edit.html")]
pub struct EditPage {
    pub chrome: Chrome,
    pub title: String,
    pub code: String,
    pub form: MemberForm,
    /// active, paused or left (the register's word, for the buttons).
    pub status: String,
    pub status_now: String,
    pub status_once: String,
    pub notice: Option<String>,
    pub problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    pub saved: Option<String>,
    pub unchanged: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct StatusForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub status_once: String,
    #[serde(default)]
    pub status: String,
}

/// One per line or comma-separated, as the add form takes them.
fn list(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The member as the register holds them now (`None`: no such member).
async fn current(state: &AppState, code: MemberCode) -> Result<Option<MemberView>, crate::api::ApiError> {
    let keys = state.keys();
    state.read(move |store| Ok(store.member(&code)?.map(|m| MemberView::new(m, Minutes(0), &*keys)).transpose()?)).await
}

/// The edit form filled in from the register.
fn form_of(m: &MemberView) -> MemberForm {
    MemberForm {
        once: random_token(),
        name: m.name.clone(),
        kind: m.kind.clone(),
        contact: m.contact.clone(),
        skills: m.skills_offered.join("\n"),
        needs: m.needs.join("\n"),
        availability: m.availability.clone(),
        special_needs: m.special_needs.clone(),
        ..MemberForm::default()
    }
}

/// What a filled-in form changes of `m` (only the fields that differ).
fn changes(m: &MemberView, form: &MemberForm, kind: MemberKind) -> MemberChanges {
    let differs = |now: &str, sent: &str| (now != sent.trim()).then(|| sent.trim().to_string());
    let differs_list = |now: &[String], sent: &str| {
        let sent = list(sent);
        (now != sent.as_slice()).then_some(sent)
    };
    MemberChanges {
        name: differs(&m.name, &form.name),
        kind: (m.kind != kind.to_string()).then_some(kind),
        contact: differs(&m.contact, &form.contact),
        skills_offered: differs_list(&m.skills_offered, &form.skills),
        needs: differs_list(&m.needs, &form.needs),
        availability: differs(&m.availability, &form.availability),
        special_needs: differs(&m.special_needs, &form.special_needs),
        ..MemberChanges::default()
    }
}

async fn edit_page(
    state: &AppState,
    visitor: &Visitor,
    status: StatusCode,
    m: &MemberView,
    form: MemberForm,
    notice: Option<String>,
    problem: Option<String>,
) -> Response {
    let tr = visitor.tr;
    let chrome = Chrome::of(state, visitor, "members").await;
    let status_now = tr.t1("member-status-now", "status", &tr.t(&format!("status-{}", m.status)));
    let title = tr.t1("member-edit-title", "name", &m.name);
    let page_of = EditPage {
        chrome,
        title,
        code: m.code.to_string(),
        form,
        status: m.status.clone(),
        status_now,
        status_once: random_token(),
        notice,
        problem,
    };
    page(status, &page_of)
}

/// The member of the address, or the page that says why not.
async fn member_or_refusal(state: &AppState, visitor: &Visitor, code: &str) -> Result<MemberView, Response> {
    let Ok(code) = code.parse::<MemberCode>() else {
        return Err(error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await);
    };
    match current(state, code).await {
        Ok(Some(m)) if m.erased => {
            let chrome = Chrome::of(state, visitor, "members").await;
            Err(page(StatusCode::CONFLICT, &ErrorPage { chrome, message: visitor.tr.t1("refused-erased", "member", m.code.as_str()) }))
        }
        Ok(Some(m)) => Ok(m),
        Ok(None) => Err(error_page(state, visitor, StatusCode::NOT_FOUND, "error-unknown-member").await),
        Err(_) => Err(error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await),
    }
}

/// `GET /members/{code}/edit` (`?saved=1` or `?unchanged=1` after a change).
pub async fn form(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>, Query(done): Query<Done>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let m = match member_or_refusal(&state, &visitor, &code).await {
        Ok(m) => m,
        Err(refused) => return refused,
    };
    let notice = match (done.saved.is_some(), done.unchanged.is_some()) {
        (true, _) => Some(visitor.tr.t("member-edit-saved")),
        (false, true) => Some(visitor.tr.t("member-edit-nothing")),
        _ => None,
    };
    edit_page(&state, &visitor, StatusCode::OK, &m, form_of(&m), notice, None).await
}

/// Sends `changes` for `code`, once for the form's token `once`; to the edit page when done.
async fn change(state: &AppState, visitor: &Visitor, code: &MemberCode, once: &str, changes: MemberChanges) -> Result<Response, String> {
    let done = format!("/members/{code}/edit?saved=1");
    match state.submitted.claim(once) {
        Claim::Done(to) => return Ok(Redirect::to(&to).into_response()),
        Claim::InFlight => return Ok(Redirect::to(&done).into_response()),
        Claim::New => {}
    }
    if changes == MemberChanges::default() {
        let unchanged = format!("/members/{code}/edit?unchanged=1");
        state.submitted.finish(once, Some(unchanged.clone()));
        return Ok(Redirect::to(&unchanged).into_response());
    }
    match state.ledger.submit(Command::UpdateMember { code: code.clone(), changes }).await {
        Ok(_) => {
            state.submitted.finish(once, Some(done.clone()));
            Ok(Redirect::to(&done).into_response())
        }
        Err(e) => {
            state.submitted.finish(once, None);
            Err(refusal(visitor.tr, &e))
        }
    }
}

/// `POST /members/{code}/edit`.
pub async fn save(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>, Form(form): Form<MemberForm>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let m = match member_or_refusal(&state, &visitor, &code).await {
        Ok(m) => m,
        Err(refused) => return refused,
    };
    let Ok(kind) = form.kind.parse::<MemberKind>() else {
        let problem = Some(visitor.tr.t("member-choose-kind"));
        return edit_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &m, form, None, problem).await;
    };
    let wanted = changes(&m, &form, kind);
    match change(&state, &visitor, &m.code, &form.once, wanted).await {
        Ok(done) => done,
        Err(problem) => edit_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &m, form, None, Some(problem)).await,
    }
}

/// `POST /members/{code}/status`: pause, mark as left, or make active again.
pub async fn set_status(
    State(state): State<AppState>,
    visitor: Visitor,
    Path(code): Path<String>,
    Form(form): Form<StatusForm>,
) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let m = match member_or_refusal(&state, &visitor, &code).await {
        Ok(m) => m,
        Err(refused) => return refused,
    };
    let Ok(status) = form.status.parse::<MemberStatus>() else {
        let problem = Some(visitor.tr.t("member-choose-status"));
        return edit_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &m, form_of(&m), None, problem).await;
    };
    let wanted = MemberChanges { status: (m.status != status.to_string()).then_some(status), ..MemberChanges::default() };
    match change(&state, &visitor, &m.code, &form.status_once, wanted).await {
        Ok(done) => done,
        Err(problem) => edit_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, &m, form_of(&m), None, Some(problem)).await,
    }
}
