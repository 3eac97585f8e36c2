//! Member routes: the coordinator's register.

use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, MemberStatus, ServiceDate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::page::{self, List};
use super::{ApiError, AppState, Body, Params};
use crate::ledger::{Command, LedgerRead, MemberChanges};
use crate::model::member::details_of;
use crate::model::{
    EraseRequest, ExchangeView, IntroduceRequest, LetterView, MemberExport, MemberPatch, MemberQuery, MemberView, MoveRequest, MoveView,
    NewMember, NewVisitor, Page, PageQuery, TransferView,
};
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
        Reply::Member(m) => Ok((StatusCode::CREATED, Json(MemberView::new(m, Default::default(), &*state.keys())?))),
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
    let keys = state.keys();
    let filter_keys = keys.clone();
    let keep = move |m: &amser_protocol::Member| {
        let skilled = |skill: &String| {
            // Skills are sealed with the member's other details: opened to be matched, never kept.
            details_of(m, &*filter_keys).is_ok_and(|d| d.skills_offered.iter().any(|s| s.to_lowercase().contains(skill)))
        };
        status.is_none_or(|s| s == m.status) && kind.is_none_or(|k| k == m.kind) && skill.as_ref().is_none_or(skilled)
    };
    let page = state
        .read(move |store| {
            let span = store.members_page(after.as_ref(), limit, keep)?;
            let mut items = Vec::with_capacity(span.items.len());
            for m in span.items {
                let balance = store.balance(&m.code)?;
                items.push(MemberView::new(m, balance, &*keys)?);
            }
            Ok(Page::new(items, span.next.map(|c| page::code_cursor(List::Members, &c))))
        })
        .await?;
    Ok(Json(page))
}

pub async fn show(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<MemberView>, ApiError> {
    Ok(Json(view_of(&state, parse_code(&code)?).await?))
}

/// One member as the API shows them, with their balance.
async fn view_of(state: &AppState, code: MemberCode) -> Result<MemberView, ApiError> {
    let keys = state.keys();
    state
        .read(move |store| {
            let m = store.member(&code)?.ok_or_else(|| ApiError::from(crate::ledger::LedgerError::UnknownMember(code.clone())))?;
            let mut view = MemberView::new(m, store.balance(&code)?, &*keys)?;
            view.moved_to = store.moved_to(&code)?.map(|c| c.to_string());
            view.visiting = store.visiting(&code)?.map(Into::into);
            Ok(view)
        })
        .await
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
            Ok(Json(MemberView::new(m, balance, &*state.keys())?))
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
    let keys = state.keys();
    let items = span.items.into_iter().map(|r| ExchangeView::new(r, &*keys)).collect::<Result<_, _>>()?;
    Ok(Json(Page::new(items, next)))
}

/// Everything the bank holds about one member (their right of access).
pub async fn export(State(state): State<AppState>, Path(code): Path<String>) -> Result<Json<MemberExport>, ApiError> {
    let code = parse_code(&code)?;
    let keys = state.keys();
    let now_ms = state.clock.now_ms();
    let export = state.read(move |store| Ok(crate::rights::export::member_export(store, &*keys, &code, now_ms)?)).await?;
    Ok(Json(export))
}

/// Erases a member's personal data (their right to erasure); answers with
/// the record as it now stands: their code, kind and balance, no details.
pub async fn erase(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Body(req): Body<EraseRequest>,
) -> Result<Json<MemberView>, ApiError> {
    let code = parse_code(&code)?;
    crate::rights::erase::erase(&state.ledger, &code, req.reason.trim()).await?;
    // Their exchanges waiting for confirmation go too (a failure here is put
    // right at the next start, which forgets erased members' proposals).
    if let Err(e) = state.proposals.forget_member(&code) {
        tracing::warn!(error = %e, "an erased member's waiting exchanges could not be forgotten yet");
    }
    let view = view_of(&state, code).await?;
    tracing::info!(member = %view.code, "erased a member's personal data");
    Ok(Json(view))
}

/// Moves a member to another bank, where their code is `to`: their balance
/// goes with them as one transfer to that bank (delivered now, decided
/// there like any other), and their code here is marked moved. Hand them
/// their history first (`GET /members/{code}/export`).
pub async fn move_to(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Body(req): Body<MoveRequest>,
) -> Result<(StatusCode, Json<MoveView>), ApiError> {
    let member = parse_code(&code)?;
    let to = parse_code(&req.to)?;
    let reply = state.ledger.submit(Command::MoveMember { member: member.clone(), to }).await?;
    let transfer = match reply {
        Reply::Transfer(t) => {
            state.federation.deliver(t.clone());
            Some(TransferView::new(t, &*state.keys())?)
        }
        _ => None,
    };
    let status = if transfer.is_some() { StatusCode::ACCEPTED } else { StatusCode::OK };
    Ok((status, Json(MoveView { member: view_of(&state, member).await?, transfer })))
}

/// Signs a letter introducing an active member to another bank (by its
/// handle) for a visit until `until`: the member hands it to that bank.
pub async fn introduce(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Body(req): Body<IntroduceRequest>,
) -> Result<(StatusCode, Json<LetterView>), ApiError> {
    let member = parse_code(&code)?;
    let until = ServiceDate::parse(&req.until).map_err(|e| ApiError::bad_request("bad_date", format!("until: {e}")))?;
    let handle = req.to.trim().to_string();
    let host = state
        .read(move |s| Ok(s.peer_by_handle(&handle)?))
        .await?
        .ok_or_else(|| ApiError::from(crate::ledger::LedgerError::UnknownPeer(req.to.trim().to_string())))?;
    let command = Command::IntroduceMember { member, host: host.bank, until, checks_done: req.checks_done };
    let Reply::Letter(letter) = state.ledger.submit(command).await? else { return Err(ApiError::internal("no letter came back")) };
    let visit = amser_protocol::introduction::Introduction::check(
        &letter,
        amser_protocol::signing::FederationId::from_name(&state.federation.name),
    )
    .map_err(|e| ApiError::internal(format!("the letter just signed does not check: {e}")))?;
    let bytes = letter.to_bytes().map_err(|e| ApiError::internal(e.to_string()))?;
    Ok((StatusCode::CREATED, Json(LetterView { letter: hex::encode(bytes), visit: visit.into() })))
}

/// Registers a visitor on the letter of introduction their home bank gave
/// them (checked here: signed by a bank we admitted, for us, holding today).
pub async fn add_visitor(State(state): State<AppState>, Body(new): Body<NewVisitor>) -> Result<(StatusCode, Json<MemberView>), ApiError> {
    let bytes = hex::decode(new.letter.trim())
        .map_err(|_| ApiError::bad_request("bad_letter", "letter: give the letter exactly as the home bank printed it (hexadecimal)"))?;
    let letter = amser_protocol::signing::SignedMessage::from_bytes(&bytes)
        .map_err(|e| ApiError::bad_request("bad_letter", format!("letter: it does not read as a signed letter ({e})")))?;
    let profile = MemberProfile {
        name: new.name,
        kind: MemberKind::Person,
        contact: new.contact,
        skills_offered: Vec::new(),
        needs: Vec::new(),
        availability: String::new(),
        special_needs: String::new(),
        own_limits: None,
    };
    let Reply::Member(m) = state.ledger.submit(Command::AddVisitor { letter, profile }).await? else {
        return Err(ApiError::internal("no member came back"));
    };
    Ok((StatusCode::CREATED, Json(view_of(&state, m.code).await?)))
}
