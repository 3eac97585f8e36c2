//! Member routes: the coordinator's register.

use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, MemberStatus, ServiceDate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::page::{self, List};
use super::{ApiError, AppState, Body, Params};
use crate::ledger::{Command, LedgerRead, MemberChanges};
use crate::model::{ExchangeView, MemberPatch, MemberQuery, MemberView, NewMember, Page, PageQuery};
use crate::storage::writer::Reply;

pub fn parse_code(text: &str) -> Result<MemberCode, ApiError> {
    text.parse().map_err(|e: amser_protocol::ids::IdError| ApiError::bad_request("bad_member_code", e.to_string()))
}

pub async fn add(State(state): State<AppState>, Body(new): Body<NewMember>) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let joined = match new.joined.as_deref() {
        Some(d) => Some(ServiceDate::parse(d).map_err(|e| ApiError::bad_request("bad_date", e.to_string()))?),
        None => None,
    };
    let profile = MemberProfile {
        name: new.name.trim().to_string(),
        kind: new.kind,
        contact: new.contact,
        skills_offered: new.skills_offered,
        needs: new.needs,
        availability: new.availability,
        special_needs: new.special_needs,
        own_limits: new.own_limits.map(Into::into),
    };
    match state.ledger.submit(Command::AddMember { profile, joined }).await? {
        Reply::Member(m) => Ok((StatusCode::CREATED, Json(MemberView::new(m, Default::default())))),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

/// A page of the register, in code order, with the filters asked for.
pub async fn list(State(state): State<AppState>, Params(q): Params<MemberQuery>) -> Result<Json<Page<MemberView>>, ApiError> {
    let status: Option<MemberStatus> =
        q.status.as_deref().map(str::parse).transpose().map_err(|e: String| ApiError::bad_request("bad_status", e))?;
    let kind: Option<MemberKind> =
        q.kind.as_deref().map(str::parse).transpose().map_err(|e: String| ApiError::bad_request("bad_kind", e))?;
    let skill = q.skill.map(|s| s.to_lowercase());
    let limit = page::limit(q.limit)?;
    let after = page::code_after(List::Members, q.cursor.as_deref())?;
    let keep = move |m: &amser_protocol::Member| {
        status.is_none_or(|s| s == m.status)
            && kind.is_none_or(|k| k == m.profile.kind)
            && skill.as_ref().is_none_or(|skill| m.profile.skills_offered.iter().any(|s| s.to_lowercase().contains(skill)))
    };
    let page = state
        .read(move |store| {
            let span = store.members_page(after.as_ref(), limit, keep)?;
            let mut items = Vec::with_capacity(span.items.len());
            for m in span.items {
                let balance = store.balance(&m.code)?;
                items.push(MemberView::new(m, balance));
            }
            Ok(Page::new(items, span.next.map(|c| page::code_cursor(List::Members, &c))))
        })
        .await?;
    Ok(Json(page))
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<MemberView>, ApiError> {
    let code = parse_code(&code)?;
    let view = state
        .read(move |store| {
            let m = store.member(&code)?.ok_or_else(|| ApiError::from(crate::ledger::LedgerError::UnknownMember(code.clone())))?;
            Ok(MemberView::new(m, store.balance(&code)?))
        })
        .await?;
    Ok(Json(view))
}

pub async fn update(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Body(patch): Body<MemberPatch>,
) -> Result<Json<MemberView>, ApiError> {
    let code = parse_code(&code)?;
    let MemberPatch { name, kind, contact, skills_offered, needs, availability, special_needs, status, own_limits, clear_own_limits } =
        patch;
    let changes = MemberChanges {
        name,
        kind,
        contact,
        skills_offered,
        needs,
        availability,
        special_needs,
        status,
        own_limits: own_limits.map(Into::into),
        clear_own_limits,
    };
    match state.ledger.submit(Command::UpdateMember { code: code.clone(), changes }).await? {
        Reply::Member(m) => {
            let balance = state.read(move |s| Ok(s.balance(&code)?)).await?;
            Ok(Json(MemberView::new(m, balance)))
        }
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

/// A page of a member's exchanges, newest first.
pub async fn exchanges(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Params(q): Params<PageQuery>,
) -> Result<Json<Page<ExchangeView>>, ApiError> {
    let code = parse_code(&code)?;
    let limit = page::limit(q.limit)?;
    let before = page::seq_after(List::MemberExchanges, q.cursor.as_deref())?;
    let span = state
        .read(move |store| {
            store.member(&code)?.ok_or_else(|| ApiError::from(crate::ledger::LedgerError::UnknownMember(code.clone())))?;
            Ok(store.member_exchanges_page(&code, before, limit)?)
        })
        .await?;
    let next = span.next.map(|seq| page::seq_cursor(List::MemberExchanges, seq));
    Ok(Json(Page::new(span.items.into_iter().map(Into::into).collect(), next)))
}
