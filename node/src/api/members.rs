//! Member routes: the coordinator's register.

use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, MemberStatus, ServiceDate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::{ApiError, AppState, Body, Params};
use crate::ledger::{Command, LedgerRead, MemberChanges};
use crate::model::{ExchangeView, LimitQuery, MemberPatch, MemberQuery, MemberView, NewMember};
use crate::storage::writer::Reply;

/// Most exchanges one listing returns unless asked for fewer.
pub const DEFAULT_LIST_LIMIT: usize = 100;
/// Most exchanges one listing returns at all.
pub const MAX_LIST_LIMIT: usize = 10_000;

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

pub async fn list(State(state): State<AppState>, Params(q): Params<MemberQuery>) -> Result<Json<Vec<MemberView>>, ApiError> {
    let status: Option<MemberStatus> =
        q.status.as_deref().map(str::parse).transpose().map_err(|e: String| ApiError::bad_request("bad_status", e))?;
    let kind: Option<MemberKind> =
        q.kind.as_deref().map(str::parse).transpose().map_err(|e: String| ApiError::bad_request("bad_kind", e))?;
    let skill = q.skill.map(|s| s.to_lowercase());
    let members = state
        .read(move |store| {
            let mut out = Vec::new();
            for m in store.members()? {
                if status.is_some_and(|s| s != m.status) || kind.is_some_and(|k| k != m.profile.kind) {
                    continue;
                }
                if let Some(skill) = &skill {
                    if !m.profile.skills_offered.iter().any(|s| s.to_lowercase().contains(skill)) {
                        continue;
                    }
                }
                let balance = store.balance(&m.code)?;
                out.push(MemberView::new(m, balance));
            }
            Ok(out)
        })
        .await?;
    Ok(Json(members))
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

pub async fn exchanges(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Params(q): Params<LimitQuery>,
) -> Result<Json<Vec<ExchangeView>>, ApiError> {
    let code = parse_code(&code)?;
    let limit = q.limit.unwrap_or(DEFAULT_LIST_LIMIT).min(MAX_LIST_LIMIT);
    let list = state
        .read(move |store| {
            store.member(&code)?.ok_or_else(|| ApiError::from(crate::ledger::LedgerError::UnknownMember(code.clone())))?;
            Ok(store.exchanges_of(&code, limit)?)
        })
        .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}
