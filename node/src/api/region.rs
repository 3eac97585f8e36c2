//! The regional network's routes: the room adverts this bank holds, and
//! the path a transfer to a bank it may never have met would take
//! (`federation::room_book`, `region::paths`).

use std::collections::HashMap;

use amser_protocol::federation::PeerLine;
use amser_protocol::journal::BankProfile;
use amser_protocol::{BankId, Handle, Minutes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::{ApiError, AppState, Params};
use crate::federation::room_book::{HandleError, RoomBook, ROOM_ADVERT_MAX_AGE_MS};
use crate::ledger::LedgerRead;
use crate::model::{BankRef, PathQuery, PathView, RoomAdvertView, RoomLineView};
use crate::region::paths::{find_path, Path, MAX_HOPS};

/// The handles this bank learnt itself: its own and its admitted peers'.
async fn first_hand(state: &AppState) -> Result<HashMap<BankId, String>, ApiError> {
    let (profile, peers) = state.read(|s| Ok((s.profile()?, s.peers()?))).await?;
    Ok(first_hand_of(profile.as_ref(), &peers))
}

/// [`first_hand`] from a profile and peer lines already read.
pub(super) fn first_hand_of(profile: Option<&BankProfile>, peers: &[PeerLine]) -> HashMap<BankId, String> {
    let ours = profile.map(|p| (p.bank, p.handle.to_string()));
    ours.into_iter().chain(peers.iter().filter_map(|l| Some((l.bank, l.handle.as_ref()?.to_string())))).collect()
}

/// Handles as pages show them: what adverts claim, under what this bank
/// learnt itself.
pub(super) fn shown(book: &RoomBook, first_hand: &HashMap<BankId, String>) -> HashMap<BankId, String> {
    let claimed = book.all().into_iter().map(|(b, h)| (b, h.advert.handle.to_string()));
    claimed.chain(first_hand.iter().map(|(b, h)| (*b, h.clone()))).collect()
}

pub(super) fn bank_ref(handles: &HashMap<BankId, String>, bank: &BankId) -> BankRef {
    BankRef { bank: bank.to_string(), handle: handles.get(bank).cloned() }
}

pub(super) fn book(state: &AppState) -> Result<RoomBook, ApiError> {
    state.federation.rooms.read().map(|b| b.clone()).map_err(|_| ApiError::internal("the room adverts could not be read"))
}

/// Every room advert held, ours among them.
pub async fn rooms(State(state): State<AppState>) -> Result<Json<Vec<RoomAdvertView>>, ApiError> {
    let book = book(&state)?;
    let handles = shown(&book, &first_hand(&state).await?);
    let now = state.clock.now_ms();
    let views = book
        .all()
        .into_iter()
        .map(|(bank, held)| RoomAdvertView {
            bank: bank_ref(&handles, &bank),
            at_ms: held.advert.at_ms,
            age_secs: now.saturating_sub(held.advert.at_ms) / 1000,
            fresh: RoomBook::is_fresh(held, now),
            lines: held
                .advert
                .lines
                .iter()
                .map(|l| RoomLineView { peer: bank_ref(&handles, &l.peer), minutes: l.minutes.0, hours: l.minutes.as_hours_f64() })
                .collect(),
        })
        .collect();
    Ok(Json(views))
}

/// The path a transfer of `minutes` to a member of the bank `handle` takes:
/// at most `MAX_HOPS` trust lines that each have room for it by the adverts
/// held, and the handles to show the banks on it by. Refused with what to do
/// when the handle names no bank (or two), this bank, or no path has room.
pub(super) async fn route(
    state: &AppState,
    handle: &Handle,
    minutes: Minutes,
) -> Result<(Path<BankId>, HashMap<BankId, String>), ApiError> {
    let book = book(state)?;
    let first_hand = first_hand(state).await?;
    let to = book.resolve(handle, &first_hand).map_err(|e| match e {
        HandleError::Unknown(_) => ApiError::not_found("unknown_bank", e.to_string()),
        HandleError::Ambiguous(_) => ApiError::new(StatusCode::CONFLICT, "ambiguous_bank", e.to_string()),
    })?;
    let handles = shown(&book, &first_hand);
    if to == state.bank {
        return Err(ApiError::bad_request("own_bank", format!("'{handle}' is this bank: record the exchange locally")));
    }
    let room = book.room(state.clock.now_ms());
    let found = find_path(&room, state.bank, to, minutes, MAX_HOPS).ok_or_else(|| {
        ApiError::new(
            StatusCode::CONFLICT,
            "no_path",
            format!(
                "no path of at most {MAX_HOPS} trust lines has room for {minutes} hours to '{handle}' in the adverts of the last {} minutes; try fewer hours, or ask a bank on the way to raise its trust line",
                ROOM_ADVERT_MAX_AGE_MS / 60_000
            ),
        )
    })?;
    Ok((found, handles))
}

/// The path a transfer of `hours` to a member of the bank `to` would take:
/// at most `MAX_HOPS` trust lines that each have room for it, by the
/// adverts held (each bank on it checks its own line again when it comes).
pub async fn path(State(state): State<AppState>, Params(q): Params<PathQuery>) -> Result<Json<PathView>, ApiError> {
    let minutes =
        Minutes::parse_hours(&q.hours).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hours", format!("hours: {e}")))?;
    if minutes.0 <= 0 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hours", "hours: a transfer carries more than nothing"));
    }
    let handle: Handle = q.to.parse().map_err(|e| ApiError::bad_request("bad_handle", format!("to: {e}")))?;
    let (found, handles) = route(&state, &handle, minutes).await?;
    Ok(Json(PathView {
        banks: found.banks.iter().map(|b| bank_ref(&handles, b)).collect(),
        hops: found.hops(),
        room_minutes: found.room.0,
        room_hours: found.room.as_hours_f64(),
    }))
}
