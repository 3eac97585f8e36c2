//! The federation directory's routes: a search of the listings other
//! banks share (`GET /directory`), and sharing one of ours or withdrawing
//! it (`POST /listings/{id}/share|unshare`).
//!
//! ```text
//!   GET /directory?q=&region= ──► DirectoryQuery::new (400 bad_search) ──► admitted peers, connected ones asked
//!       (federation::directory::search, in parallel) ──► merged, newest first, with what each bank answered
//! ```

use amser_protocol::directory::DirectoryQuery;
use amser_protocol::BankId;
use axum::extract::{Path, State};
use axum::Json;

use super::{ApiError, AppState, Body, Params};
use crate::federation::directory::{search as ask_banks, Asked};
use crate::ledger::Command;
use crate::model::{
    BankRef, DirectoryAnswer, DirectoryBankView, DirectoryResult, DirectorySearch, DirectoryView, ListingView, ShareListing,
};
use crate::storage::writer::Reply;

/// The listings other banks share that match the words (and region), from
/// every connected admitted bank, newest first; and what each admitted
/// bank answered.
pub async fn search(State(state): State<AppState>, Params(q): Params<DirectorySearch>) -> Result<Json<DirectoryView>, ApiError> {
    let query = DirectoryQuery::new(&q.q, q.region.as_deref()).map_err(|e| ApiError::bad_request("bad_search", format!("q: {e}")))?;
    let lines = state.read(|s| Ok(s.peers()?)).await?;
    let admitted: Vec<(BankId, BankRef)> = lines
        .into_iter()
        .filter(|l| !l.removed)
        .map(|l| (l.bank, BankRef { bank: l.bank.to_string(), handle: l.handle.map(|h| h.to_string()) }))
        .collect();
    let connected: Vec<BankId> = admitted.iter().map(|(b, _)| *b).filter(|b| state.federation.presence(b).connected).collect();
    let answers = ask_banks(&state.federation, &connected, &query).await;
    let (mut results, mut banks) = (Vec::new(), Vec::new());
    for (bank, shown) in admitted {
        let answer = answers.iter().find(|(b, _)| *b == bank).map(|(_, a)| a);
        let (answer, found, reason) = match answer {
            None => (DirectoryAnswer::NotConnected, 0, None),
            Some(Asked::NotSharing) => (DirectoryAnswer::NotSharing, 0, None),
            Some(Asked::NoAnswer(why)) => (DirectoryAnswer::NoAnswer, 0, Some(why.clone())),
            Some(Asked::Listings { region, listings }) => {
                // A bank speaks for its own members only: a code of another bank's is not taken from it.
                let listings: Vec<_> = listings.iter().filter(|l| shown.handle.as_deref().is_none_or(|h| l.member.handle() == h)).collect();
                results.extend(listings.iter().map(|l| DirectoryResult {
                    bank: shown.clone(),
                    region: region.clone(),
                    listing: l.listing.to_hex(),
                    kind: l.kind,
                    member: l.member.clone(),
                    category: l.category.clone(),
                    title: l.title.clone(),
                    posted: l.posted.to_string(),
                }));
                (DirectoryAnswer::Listings, listings.len(), None)
            }
        };
        banks.push(DirectoryBankView { bank: shown, answer, found, reason });
    }
    results.sort_by(|a, b| b.posted.cmp(&a.posted).then_with(|| a.bank.handle.cmp(&b.bank.handle)).then_with(|| a.listing.cmp(&b.listing)));
    Ok(Json(DirectoryView { results, banks }))
}

/// Shares an open listing in the directory under `title`.
pub async fn share(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Body(body): Body<ShareListing>,
) -> Result<Json<ListingView>, ApiError> {
    set_shared(state, id, true, body.title).await
}

/// Withdraws a listing from the directory.
pub async fn unshare(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ListingView>, ApiError> {
    set_shared(state, id, false, String::new()).await
}

async fn set_shared(state: AppState, id: String, shared: bool, title: String) -> Result<Json<ListingView>, ApiError> {
    let shown = id.clone();
    let record = state
        .read(move |store| {
            store.find_listing(&id)?.ok_or_else(|| ApiError::not_found("unknown_listing", format!("no listing with id {shown}")))
        })
        .await?;
    match state.ledger.submit(Command::ShareListing { id: record.listing.id, shared, title }).await? {
        Reply::Listing(l) => Ok(Json(ListingView::new(l, &*state.keys())?)),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}
