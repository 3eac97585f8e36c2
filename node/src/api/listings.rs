//! Listing routes: offers and requests by category, for matching.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::members::parse_code;
use super::{ApiError, AppState, Body, Params};
use crate::ledger::Command;
use crate::model::{ListingQuery, ListingView, NewListing};
use crate::storage::writer::Reply;

pub async fn post(State(state): State<AppState>, Body(new): Body<NewListing>) -> Result<(StatusCode, Json<ListingView>), ApiError> {
    let member = parse_code(&new.member)?;
    match state.ledger.submit(Command::PostListing { kind: new.kind, member, category: new.category, description: new.description }).await?
    {
        Reply::Listing(l) => Ok((StatusCode::CREATED, Json(l.into()))),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

pub async fn list(State(state): State<AppState>, Params(q): Params<ListingQuery>) -> Result<Json<Vec<ListingView>>, ApiError> {
    let listings = state.read(|store| Ok(store.listings()?)).await?;
    let category = q.category.map(|c| c.trim().to_lowercase());
    let mut out: Vec<ListingView> = listings
        .into_iter()
        .filter(|l| {
            (q.closed || l.open) && q.kind.is_none_or(|k| k == l.listing.kind) && category.as_ref().is_none_or(|c| &l.listing.category == c)
        })
        .map(Into::into)
        .collect();
    out.sort_by(|a, b| (&a.category, &a.posted).cmp(&(&b.category, &b.posted)));
    Ok(Json(out))
}

pub async fn close(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ListingView>, ApiError> {
    let shown = id.clone();
    let record = state
        .read(move |store| {
            store.find_listing(&id)?.ok_or_else(|| ApiError::not_found("unknown_listing", format!("no listing with id {shown}")))
        })
        .await?;
    match state.ledger.submit(Command::CloseListing { id: record.listing.id }).await? {
        Reply::Listing(l) => Ok(Json(l.into())),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}
