//! Offers and requests in the console (`GET /listings`, `GET
//! /listings/new`, `POST /listings`, `GET /listings/{id}`, `POST
//! /listings/{id}/close`): the bank's open offers and requests by
//! category; a coordinator posts one for any active member or closes any;
//! a member signed in sees them all and posts and closes only their own; a
//! viewer reads them. Names are shown, never contacts. A request's page
//! shows the coordinator who could help ([`super::matching`]), each with
//! why. Posting carries a one-time token, so a form sent twice posts once.

use std::collections::BTreeMap;

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::listing::ListingKind;
use amser_protocol::{MemberCode, MemberStatus};

use super::exchanges::refusal;
use super::i18n::Tr;
use super::matching::{who_could_help, Candidate, Found};
use super::web::{csrf_ok, error_page, page, Chrome, Visitor};
use crate::accounts::sessions::random_token;
use crate::accounts::{Claim, Role};
use crate::api::{ApiError, AppState};
use crate::ledger::{Command, ListingRecord};
use crate::model::exchange::ERASED_TEXT;
use crate::model::member::details_of;
use crate::model::ListingView;

/// Open listings one page shows at most.
pub const MAX_LISTINGS_SHOWN: usize = 500;

/// A listing as a row, in the visitor's language.
pub struct ListingRow {
    pub id: String,
    pub request: bool,
    pub member: String,
    pub category: String,
    pub description: String,
    pub posted: String,
    pub open: bool,
    /// The visitor may close it (a coordinator, or its member).
    pub may_close: bool,
}

/// One category's listings.
pub struct Group {
    pub category: String,
    pub rows: Vec<ListingRow>,
}

#[derive(Template)]
#[template(path = "listings.html")]
pub struct ListingsPage {
    pub chrome: Chrome,
    pub requests: Vec<Group>,
    pub offers: Vec<Group>,
    pub may_post: bool,
    pub notice: Option<String>,
}

/// A helper as the request's page shows them.
pub struct HelperRow {
    pub code: String,
    pub name: String,
    pub why: Vec<String>,
}

#[derive(Template)]
#[template(path = "listing.html")]
pub struct ListingPage {
    pub chrome: Chrome,
    pub l: ListingRow,
    pub kind: String,
    /// `Some` for a request, shown to the coordinator.
    pub helpers: Option<Vec<HelperRow>>,
    pub helpers_count: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct ListingForm {
    #[serde(default)]
    pub csrf: String,
    #[serde(default)]
    pub once: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub description: String,
}

/// A member to post for.
pub struct Choice {
    pub code: String,
    pub name: String,
}

#[derive(Template)]
#[template(path = "listing_new.html")]
pub struct NewListingPage {
    pub chrome: Chrome,
    pub form: ListingForm,
    /// Whom a coordinator may post for; empty for a member (they post for themselves).
    pub members: Vec<Choice>,
    pub problem: Option<String>,
}

#[derive(Deserialize)]
pub struct Done {
    pub posted: Option<String>,
    pub closed: Option<String>,
}

#[derive(Deserialize, Default)]
pub struct CloseForm {
    #[serde(default)]
    pub csrf: String,
}

/// Whether the visitor may post and close listings (a coordinator, or a member with a record).
fn may_post(visitor: &Visitor) -> bool {
    visitor.role() == Role::Coordinator || (visitor.role() == Role::Member && visitor.account.member.is_some())
}

/// The refusal of a form that writes: a viewer, or a form whose token is not this session's.
async fn writers_only(state: &AppState, visitor: &Visitor, csrf: &str) -> Option<Response> {
    if !may_post(visitor) {
        return Some(error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await);
    }
    if !csrf_ok(visitor, csrf) {
        return Some(error_page(state, visitor, StatusCode::FORBIDDEN, "form-expired").await);
    }
    None
}

fn row(view: ListingView, member: String, visitor: &Visitor) -> ListingRow {
    let tr = visitor.tr;
    let own = visitor.account.member.as_ref() == Some(&view.member);
    ListingRow {
        request: view.kind == ListingKind::Request,
        may_close: view.open && (visitor.role() == Role::Coordinator || (visitor.role() == Role::Member && own)),
        posted: amser_protocol::ServiceDate::parse(&view.posted)
            .ok()
            .and_then(|d| d.to_date())
            .map(|d| tr.date(d))
            .unwrap_or(view.posted.clone()),
        description: if view.description == ERASED_TEXT { tr.t("erased-text") } else { view.description },
        category: view.category,
        open: view.open,
        member,
        id: view.id,
    }
}

/// `GET /listings`.
pub async fn list(State(state): State<AppState>, visitor: Visitor, Query(done): Query<Done>) -> Response {
    let (keys, tr) = (state.keys(), visitor.tr);
    let read = state
        .read(move |store| {
            let open = store.listings_page(None, MAX_LISTINGS_SHOWN, |l: &ListingRecord| l.open)?.items;
            let mut out = Vec::with_capacity(open.len());
            for r in open {
                let name = super::names::name_of(store, &*keys, tr, &r.listing.member)?;
                out.push((ListingView::new(r, &*keys)?, name));
            }
            Ok(out)
        })
        .await;
    let Ok(found) = read else { return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await };
    let (mut requests, mut offers): (BTreeMap<String, Vec<ListingRow>>, BTreeMap<String, Vec<ListingRow>>) = Default::default();
    for (view, name) in found {
        let r = row(view, name, &visitor);
        let side = if r.request { &mut requests } else { &mut offers };
        side.entry(r.category.clone()).or_default().push(r);
    }
    let groups = |m: BTreeMap<String, Vec<ListingRow>>| m.into_iter().map(|(category, rows)| Group { category, rows }).collect();
    let notice = match (done.posted.is_some(), done.closed.is_some()) {
        (true, _) => Some(tr.t("listing-posted-notice")),
        (false, true) => Some(tr.t("listing-closed-notice")),
        _ => None,
    };
    let chrome = Chrome::of(&state, &visitor, "listings").await;
    page(StatusCode::OK, &ListingsPage { chrome, requests: groups(requests), offers: groups(offers), may_post: may_post(&visitor), notice })
}

/// The active members a coordinator may post for, by name.
async fn choices(state: &AppState) -> Result<Vec<Choice>, ApiError> {
    Ok(super::names::active_members(state, None).await?.into_iter().map(|(code, name)| Choice { code: code.to_string(), name }).collect())
}

async fn form_page(state: &AppState, visitor: &Visitor, status: StatusCode, form: ListingForm, problem: Option<String>) -> Response {
    let members = if visitor.role() == Role::Coordinator {
        match choices(state).await {
            Ok(m) => m,
            Err(_) => return error_page(state, visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
        }
    } else {
        Vec::new()
    };
    let chrome = Chrome::of(state, visitor, "listings").await;
    page(status, &NewListingPage { chrome, form, members, problem })
}

/// `GET /listings/new`.
pub async fn new(State(state): State<AppState>, visitor: Visitor) -> Response {
    if !may_post(&visitor) {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    let form = ListingForm { once: random_token(), kind: "offer".into(), ..ListingForm::default() };
    form_page(&state, &visitor, StatusCode::OK, form, None).await
}

/// `POST /listings`.
pub async fn post(State(state): State<AppState>, visitor: Visitor, Form(form): Form<ListingForm>) -> Response {
    if let Some(refused) = writers_only(&state, &visitor, &form.csrf).await {
        return refused;
    }
    let tr = visitor.tr;
    let again = |problem: &str| (StatusCode::UNPROCESSABLE_ENTITY, Some(tr.t(problem)));
    let kind = match form.kind.as_str() {
        "offer" => ListingKind::Offer,
        "request" => ListingKind::Request,
        _ => {
            let (status, problem) = again("listing-choose-kind");
            return form_page(&state, &visitor, status, form, problem).await;
        }
    };
    // A member posts for themselves, whatever the form says.
    let member = match (&visitor.account.member, visitor.role()) {
        (Some(own), Role::Member) => Ok(own.clone()),
        _ => form.member.trim().parse::<MemberCode>(),
    };
    let checks = [
        (member.is_err(), "listing-choose-member"),
        (form.category.trim().is_empty(), "listing-category-needed"),
        (form.description.trim().is_empty(), "listing-description-needed"),
    ];
    if let Some((_, problem)) = checks.iter().find(|(failed, _)| *failed) {
        let (status, problem) = again(problem);
        return form_page(&state, &visitor, status, form, problem).await;
    }
    let Ok(member) = member else { return error_page(&state, &visitor, StatusCode::UNPROCESSABLE_ENTITY, "listing-choose-member").await };
    match state.submitted.claim(&form.once) {
        Claim::Done(to) => return Redirect::to(&to).into_response(),
        Claim::InFlight => return Redirect::to("/listings").into_response(),
        Claim::New => {}
    }
    let command =
        Command::PostListing { kind, member, category: form.category.trim().to_string(), description: form.description.trim().to_string() };
    match state.ledger.submit(command).await {
        Ok(_) => {
            state.submitted.finish(&form.once, Some("/listings?posted=1".into()));
            Redirect::to("/listings?posted=1").into_response()
        }
        Err(e) => {
            state.submitted.finish(&form.once, None);
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            form_page(&state, &visitor, status, form, Some(refusal(tr, &e))).await
        }
    }
}

/// The listing `id` with its member's name, if there is one.
async fn find(state: &AppState, id: String, tr: Tr) -> Result<Option<(ListingView, String)>, ApiError> {
    let keys = state.keys();
    state
        .read(move |store| {
            let Some(r) = store.find_listing(&id)? else { return Ok(None) };
            let name = super::names::name_of(store, &*keys, tr, &r.listing.member)?;
            Ok(Some((ListingView::new(r, &*keys)?, name)))
        })
        .await
}

/// Who could help with `request`: active members other than its own, with their skills and open offers.
async fn helpers(state: &AppState, request: &ListingView, tr: Tr) -> Result<Vec<HelperRow>, ApiError> {
    let keys = state.keys();
    let asker = request.member.clone();
    let candidates = state
        .read(move |store| {
            let mut offers: BTreeMap<MemberCode, Vec<(String, String)>> = BTreeMap::new();
            for r in
                store.listings_page(None, MAX_LISTINGS_SHOWN, |l: &ListingRecord| l.open && l.listing.kind == ListingKind::Offer)?.items
            {
                let v = ListingView::new(r, &*keys)?;
                offers.entry(v.member).or_default().push((v.category, v.description));
            }
            let mut out = Vec::new();
            let mut failed = None;
            store.for_each_member(|m| {
                if m.status != MemberStatus::Active || m.is_erased() || m.code == asker {
                    return;
                }
                match details_of(&m, &*keys) {
                    Ok(d) => out.push(Candidate {
                        offers: offers.remove(&m.code).unwrap_or_default(),
                        code: m.code.to_string(),
                        name: d.name,
                        skills: d.skills_offered,
                    }),
                    Err(e) => failed = Some(e),
                }
            })?;
            if let Some(e) = failed {
                return Err(e.into());
            }
            Ok(out)
        })
        .await?;
    let wanted = format!("{} {}", request.category, request.description);
    Ok(who_could_help(&wanted, candidates)
        .into_iter()
        .map(|h| HelperRow {
            code: h.code,
            name: h.name,
            why: h
                .reasons
                .iter()
                .map(|r| {
                    let (id, what) = match &r.found {
                        Found::Skill(s) => ("helper-skill", s),
                        Found::Offer(o) => ("helper-offer", o),
                    };
                    tr.with(id, &[("what", super::i18n::Arg::Text(what)), ("words", super::i18n::Arg::Text(&r.words.join(", ")))])
                })
                .collect(),
        })
        .collect())
}

/// `GET /listings/{id}`: one offer or request; for a request, the coordinator sees who could help.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>) -> Response {
    let tr = visitor.tr;
    let (view, name) = match find(&state, id, tr).await {
        Ok(Some(found)) => found,
        Ok(None) => return error_page(&state, &visitor, StatusCode::NOT_FOUND, "refused-unknown-listing").await,
        Err(_) => return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    let helpers = if view.kind == ListingKind::Request && visitor.role() == Role::Coordinator {
        match helpers(&state, &view, tr).await {
            Ok(h) => Some(h),
            Err(_) => return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
        }
    } else {
        None
    };
    let helpers_count = tr.n("helpers-count", helpers.as_ref().map_or(0, Vec::len));
    let kind = tr.t(if view.kind == ListingKind::Request { "listing-kind-request" } else { "listing-kind-offer" });
    let chrome = Chrome::of(&state, &visitor, "listings").await;
    page(StatusCode::OK, &ListingPage { chrome, l: row(view, name, &visitor), kind, helpers, helpers_count })
}

/// `POST /listings/{id}/close`: a coordinator closes any; a member only their own.
pub async fn close(State(state): State<AppState>, visitor: Visitor, Path(id): Path<String>, Form(form): Form<CloseForm>) -> Response {
    if let Some(refused) = writers_only(&state, &visitor, &form.csrf).await {
        return refused;
    }
    let lookup = id.clone();
    let record = match state.read(move |store| Ok(store.find_listing(&lookup)?)).await {
        Ok(Some(r)) => r,
        Ok(None) => return error_page(&state, &visitor, StatusCode::NOT_FOUND, "refused-unknown-listing").await,
        Err(_) => return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await,
    };
    if visitor.role() == Role::Member && visitor.account.member.as_ref() != Some(&record.listing.member) {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "listing-not-yours").await;
    }
    if !record.open {
        // Sent twice (a double click): it is closed, as asked.
        return Redirect::to("/listings?closed=1").into_response();
    }
    match state.ledger.submit(Command::CloseListing { id: record.listing.id }).await {
        Ok(_) => Redirect::to("/listings?closed=1").into_response(),
        Err(e) => {
            let status = if e.is_callers() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::SERVICE_UNAVAILABLE };
            let chrome = Chrome::of(&state, &visitor, "listings").await;
            page(status, &super::web::ErrorPage { chrome, message: refusal(visitor.tr, &e) })
        }
    }
}
