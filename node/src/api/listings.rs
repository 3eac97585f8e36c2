//! Listing routes: offers and requests by category, for matching.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;

use super::members::parse_code;
use super::page::{self, List};
use super::{ApiError, AppState, Body, Params};
use crate::ledger::Command;
use crate::model::{ListingQuery, ListingView, NewListing, Page};
use crate::storage::writer::Reply;

pub async fn post(State(state): State<AppState>, Body(new): Body<NewListing>) -> Result<(StatusCode, Json<ListingView>), ApiError> {
    let member = parse_code(&new.member)?;
    match state.ledger.submit(Command::PostListing { kind: new.kind, member, category: new.category, description: new.description }).await?
    {
        Reply::Listing(l) => Ok((StatusCode::CREATED, Json(ListingView::new(l, &*state.keys())?))),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

/// A page of listings in the order of their ids, with the filters asked for.
pub async fn list(State(state): State<AppState>, Params(q): Params<ListingQuery>) -> Result<Json<Page<ListingView>>, ApiError> {
    let limit = page::limit(q.limit)?;
    let after = page::listing_after(q.cursor.as_deref())?;
    let category = q.category.map(|c| c.trim().to_lowercase());
    let (closed, kind) = (q.closed, q.kind);
    let keep = move |l: &crate::ledger::ListingRecord| {
        (closed || l.open) && kind.is_none_or(|k| k == l.listing.kind) && category.as_ref().is_none_or(|c| &l.listing.category == c)
    };
    let span = state.read(move |store| Ok(store.listings_page(after.as_ref(), limit, keep)?)).await?;
    let next = span.next.map(|id| page::id_cursor(List::Listings, &id.0));
    let keys = state.keys();
    let items = span.items.into_iter().map(|r| ListingView::new(r, &*keys)).collect::<Result<_, _>>()?;
    Ok(Json(Page::new(items, next)))
}

pub async fn close(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ListingView>, ApiError> {
    let shown = id.clone();
    let record = state
        .read(move |store| {
            store.find_listing(&id)?.ok_or_else(|| ApiError::not_found("unknown_listing", format!("no listing with id {shown}")))
        })
        .await?;
    match state.ledger.submit(Command::CloseListing { id: record.listing.id }).await? {
        Reply::Listing(l) => Ok(Json(ListingView::new(l, &*state.keys())?)),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}
