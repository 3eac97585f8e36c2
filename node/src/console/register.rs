//! Adding a member from the console (`GET /members/new`, `POST /members`),
//! for coordinators: name, kind, contact, skills offered and needs (one per
//! line or comma-separated), availability and special-needs notes. The form
//! carries a one-time token ([`crate::accounts::Submitted`]), so sending it
//! twice adds the member once.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::member::MemberProfile;
use amser_protocol::MemberKind;

use super::exchanges::refusal;
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::accounts::sessions::random_token;
use crate::accounts::Claim;
use crate::api::AppState;
use crate::ledger::Command;
use crate::storage::writer::Reply;

#[derive(Deserialize, Default, Clone)]
pub struct MemberForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub once: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub skills: String,
    #[serde(default)]
    pub needs: String,
    #[serde(default)]
    pub availability: String,
    #[serde(default)]
    pub special_needs: String,
}

#[derive(Template)]
#[template(path = "member_new.html")]
pub struct NewMemberPage {
    pub chrome: Chrome,
    pub form: MemberForm,
    pub problem: Option<String>,
}

fn list(text: &str) -> Vec<String> {
    text.split([',', '\n']).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

async fn form_page(state: &AppState, visitor: &Visitor, status: StatusCode, form: MemberForm, problem: Option<String>) -> Response {
    let chrome = Chrome::of(state, visitor, "members").await;
    page(status, &NewMemberPage { chrome, form, problem })
}

/// `GET /members/new`.
pub async fn new(State(state): State<AppState>, visitor: Visitor) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let form = MemberForm { once: random_token(), kind: "person".into(), ..MemberForm::default() };
    form_page(&state, &visitor, StatusCode::OK, form, None).await
}

/// `POST /members`.
pub async fn add(State(state): State<AppState>, visitor: Visitor, Form(form): Form<MemberForm>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let tr = visitor.tr;
    let Ok(kind) = form.kind.parse::<MemberKind>() else {
        return form_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, form, Some(tr.t("member-choose-kind"))).await;
    };
    match state.submitted.claim(&form.once) {
        Claim::Done(code) => return Redirect::to(&format!("/members/{code}")).into_response(),
        Claim::InFlight => return Redirect::to("/members").into_response(),
        Claim::New => {}
    }
    let profile = MemberProfile {
        name: form.name.trim().to_string(),
        kind,
        contact: form.contact.trim().to_string(),
        skills_offered: list(&form.skills),
        needs: list(&form.needs),
        availability: form.availability.trim().to_string(),
        special_needs: form.special_needs.trim().to_string(),
        own_limits: None,
    };
    match state.ledger.submit(Command::AddMember { profile, joined: None }).await {
        Ok(Reply::Member(m)) => {
            state.submitted.finish(&form.once, Some(m.code.to_string()));
            Redirect::to(&format!("/members/{}", m.code)).into_response()
        }
        Ok(_) => {
            state.submitted.finish(&form.once, None);
            error_page(&state, &visitor, StatusCode::INTERNAL_SERVER_ERROR, "error-storage").await
        }
        Err(e) => {
            state.submitted.finish(&form.once, None);
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            form_page(&state, &visitor, status, form, Some(refusal(tr, &e))).await
        }
    }
}
