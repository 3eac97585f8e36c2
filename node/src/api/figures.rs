//! The network's figures for a month (`GET /federation/stats`): this
//! bank's own, signed now, and every bank's signed figures it holds or its
//! connected peers hand over, each verified and summed; the banks the
//! federation knows whose figures are missing are named, and figures that
//! do not verify are counted and left out.

use std::collections::BTreeMap;

use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_FIGURES_BATCH};
use amser_protocol::figures::is_month;
use amser_protocol::{BankId, Minutes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::{region, ApiError, AppState, Params};
use crate::federation::figures_book::FIGURES_ASK_TIMEOUT;
use crate::federation::swarm::peer_of;
use crate::ledger::LedgerRead;
use crate::model::{BankFiguresView, CategoryFiguresView, FederationStatsView, StatsQuery};

pub async fn stats(State(state): State<AppState>, Params(q): Params<StatsQuery>) -> Result<Json<FederationStatsView>, ApiError> {
    let figures = state.federation.figures.clone();
    let month = q.month.unwrap_or_else(|| figures.this_and_last_month()[0].clone());
    if !is_month(&month) {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "bad_month",
            format!("month: '{month}' is not a month; write it as YYYY-MM, like 2026-11"),
        ));
    }
    let (ours, _) = figures.ours(&month).await?;
    // Ask every connected admitted bank at once, each for at most FIGURES_ASK_TIMEOUT.
    let (profile, peers) = state.read(|s| Ok((s.profile()?, s.peers()?))).await?;
    let mut asked = tokio::task::JoinSet::new();
    for line in peers.iter().filter(|l| !l.removed && state.federation.presence(&l.bank).connected) {
        let (net, request) = (state.federation.net.clone(), PeerRequest::Figures { month: month.clone(), max: MAX_FIGURES_BATCH });
        let peer = peer_of(&line.bank);
        asked.spawn(async move { tokio::time::timeout(FIGURES_ASK_TIMEOUT, net.request(peer, request)).await });
    }
    let mut refused = 0;
    while let Some(answer) = asked.join_next().await {
        let Ok(Ok(Ok(PeerResponse::Figures { totals }))) = answer else { continue };
        for signed in totals.into_iter().take(MAX_FIGURES_BATCH as usize) {
            if let Err(e) = figures.take(signed) {
                if matches!(e, crate::federation::figures::NotTaken::Refused(_)) {
                    refused += 1;
                }
                tracing::info!(error = %e, "figures handed over by a peer were not taken");
            }
        }
    }
    let mut held = figures.book.read().map(|b| b.month(&month)).unwrap_or_default();
    held.retain(|h| h.totals.bank != ours.totals.bank);
    held.insert(0, ours);

    // Handles to show the banks by: ours and our peers', then what adverts claim.
    let handles = region::shown(&region::book(&state)?, &region::first_hand_of(profile.as_ref(), &peers));
    let bank_ref = |b: &BankId| region::bank_ref(&handles, b);

    let mut by_category: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut view = FederationStatsView {
        month: month.clone(),
        banks: Vec::new(),
        exchanges: 0,
        minutes: 0,
        hours: 0.0,
        active_members: 0,
        across_banks_minutes: 0,
        by_category: Vec::new(),
        missing: Vec::new(),
        refused,
    };
    for h in &held {
        let t = &h.totals;
        view.exchanges += t.exchanges;
        view.minutes += t.minutes.0;
        view.active_members += t.active_members;
        view.across_banks_minutes += t.across_banks_in.0;
        for c in &t.by_category {
            let e = by_category.entry(c.category.clone()).or_default();
            e.0 += c.exchanges;
            e.1 += c.minutes.0;
        }
        view.banks.push(BankFiguresView {
            bank: bank_ref(&t.bank),
            exchanges: t.exchanges,
            minutes: t.minutes.0,
            hours: t.minutes.as_hours_f64(),
            active_members: t.active_members,
            across_banks_in_minutes: t.across_banks_in.0,
            across_banks_out_minutes: t.across_banks_out.0,
            signed_ms: t.signed_ms,
        });
    }
    view.hours = Minutes(view.minutes).as_hours_f64();
    view.by_category = by_category
        .into_iter()
        .map(|(category, (exchanges, minutes))| CategoryFiguresView {
            category,
            exchanges,
            minutes,
            hours: Minutes(minutes).as_hours_f64(),
        })
        .collect();
    let have: std::collections::BTreeSet<BankId> = held.iter().map(|h| h.totals.bank).collect();
    view.missing = figures.known().iter().filter(|b| !have.contains(b)).map(bank_ref).collect();
    Ok(Json(view))
}
