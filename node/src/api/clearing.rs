//! Clearing rings of debts between banks (`ledger::clearing`): proposing
//! the rings this bank is on, and the clearings it holds.

use amser_protocol::federation::Verdict;
use amser_protocol::{BankId, Minutes};
use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;

use super::peers::{found_rings, Seen, MAX_RINGS_READ};
use super::{ApiError, AppState};
use crate::ledger::{Command, LedgerError, LedgerRead, RingRecord};
use crate::model::RingClearingView;
use crate::storage::writer::Reply;

fn view(r: &RingRecord, seen: &Seen) -> RingClearingView {
    let c = &r.clearing;
    RingClearingView {
        id: r.id.to_hex(),
        state: r.state().into(),
        reject_reason: r.decision.as_ref().and_then(|d| match &d.verdict {
            Verdict::Reject(why) => Some(why.to_string()),
            Verdict::Accept => None,
        }),
        decided_by: r.decision.as_ref().map(|d| d.by.to_string()),
        banks: c.ring.iter().map(|b| seen.bank(b)).collect(),
        minutes: c.minutes.0,
        hours: c.minutes.as_hours_f64(),
        proposed_ms: c.proposed_ms,
        signature: hex::encode(&r.signed.signature),
        decision_signature: r.signed_decision.as_ref().map(|d| hex::encode(&d.signature)),
    }
}

/// The rings starting at `us`, in the order their debts go.
fn from_us(banks: &[BankId], us: &BankId) -> Option<Vec<BankId>> {
    let at = banks.iter().position(|b| b == us)?;
    Some(banks[at..].iter().chain(&banks[..at]).copied().collect())
}

/// Proposes clearing each ring of debts this bank is on, as far as its own
/// two debts on the ring allow, unless a clearing of ours is still going
/// round. What was proposed (nothing when there is no ring through us).
pub async fn run(State(state): State<AppState>) -> Result<(StatusCode, Json<Vec<RingClearingView>>), ApiError> {
    let us = state.bank;
    let pending = state.read(|s| Ok(s.pending_rings()?)).await?;
    if pending.iter().any(|r| r.clearing.proposer == us) {
        return Err(ApiError::new(
            StatusCode::CONFLICT,
            "clearing_under_way",
            "a clearing this bank proposed is still going round its ring; `amser clearing list` shows it. Run again once it is decided",
        ));
    }
    let (rings, seen) = found_rings(&state).await?;
    let mut proposed = Vec::new();
    for ring in rings {
        let Some(banks) = from_us(&ring.banks, &us) else { continue };
        let (next, before) = (banks[1], banks[banks.len() - 1]);
        let ours = state.read(move |s| Ok((s.clearing(&next)?, s.clearing(&before)?))).await?;
        let minutes = Minutes(ring.minutes.0.min(ours.0 .0).min(-ours.1 .0));
        if minutes.0 <= 0 {
            continue;
        }
        match state.ledger.submit(Command::ProposeClearing { ring: banks, minutes }).await {
            Ok(Reply::Ring(r)) => proposed.push(view(&r, &seen)),
            Ok(_) => {}
            // Our own accounts moved since the positions were read: that ring waits for the next run.
            Err(LedgerError::BadRing(why)) => tracing::info!(%why, "a ring was not proposed"),
            Err(e) => return Err(e.into()),
        }
    }
    state.federation.poke();
    Ok((if proposed.is_empty() { StatusCode::OK } else { StatusCode::ACCEPTED }, Json(proposed)))
}

/// The clearings this bank proposed or was asked to promise, newest first.
pub async fn list(State(state): State<AppState>) -> Result<Json<Vec<RingClearingView>>, ApiError> {
    let rings = state.read(|s| Ok(s.rings(MAX_RINGS_READ)?)).await?;
    let seen = Seen::read(&state).await?;
    Ok(Json(rings.iter().map(|r| view(r, &seen)).collect()))
}
