//! Federation routes: admitted peer banks, their trust lines, and transfers.

use amser_protocol::federation::PeerLine;
use amser_protocol::{BankId, Minutes};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::page::{self, List};
use super::{ApiError, AppState, Body, Params};
use crate::ledger::{Command, LedgerError, LedgerRead, PeerChanges, TransferRole};
use crate::model::{BankRef, ClearingRingView, NewPeer, Page, PageQuery, PeerView, PositionView, RemovePeerQuery, TransferView};
use crate::storage::writer::Reply;

fn view(state: &AppState, line: PeerLine, clearing: Minutes, pending: usize) -> PeerView {
    let presence = state.federation.presence(&line.bank);
    PeerView {
        bank_id: line.bank.to_string(),
        handle: line.handle.map(|h| h.to_string()),
        addrs: line.addrs,
        trust_minutes: line.trust.0,
        trust_hours: line.trust.as_hours_f64(),
        max_transfer_minutes: line.max_transfer.map(|m| m.0),
        frozen: line.frozen,
        removed: line.removed,
        connected: presence.connected,
        last_seen_ms: presence.last_seen_ms,
        clearing_minutes: clearing.0,
        pending_transfers: pending,
        head_seq: None,
    }
}

/// A page of admitted banks, in the order of their ids.
pub async fn list(State(state): State<AppState>, Params(q): Params<PageQuery>) -> Result<Json<Page<PeerView>>, ApiError> {
    let limit = page::limit(q.limit)?;
    let after = page::bank_after(q.cursor.as_deref())?;
    let (rows, next) = state
        .read(move |store| {
            let span = store.peers_page(after.as_ref(), limit)?;
            // Pending transfers by the other bank, counted for this page's banks only.
            let mut pending: std::collections::HashMap<BankId, usize> = span.items.iter().map(|l| (l.bank, 0)).collect();
            store.for_each_pending_transfer(|t| {
                for bank in [t.transfer.to, t.transfer.from] {
                    if let Some(n) = pending.get_mut(&bank) {
                        *n += 1;
                    }
                }
            })?;
            let mut out = Vec::with_capacity(span.items.len());
            for line in span.items {
                let clearing = store.clearing(&line.bank)?;
                let n = pending.get(&line.bank).copied().unwrap_or(0);
                let head = store.newest_head(&line.bank)?.map(|(seq, _)| seq);
                out.push((line, clearing, n, head));
            }
            Ok((out, span.next))
        })
        .await?;
    let next = next.map(|bank| page::id_cursor(List::Peers, &bank.0));
    Ok(Json(Page::new(rows.into_iter().map(|(l, c, n, head)| PeerView { head_seq: head, ..view(&state, l, c, n) }).collect(), next)))
}

fn parse_bank(text: &str) -> Result<BankId, ApiError> {
    text.parse().map_err(|e: amser_protocol::ids::IdError| ApiError::bad_request("bad_bank_id", e.to_string()))
}

fn hours(field: &'static str, v: &Value) -> Result<Minutes, ApiError> {
    let text = match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => {
            return Err(ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "bad_hours",
                format!("{field} must be a number of hours, not {other}"),
            ))
        }
    };
    if text.trim() == "0" {
        return Ok(Minutes::ZERO);
    }
    Minutes::parse_hours(&text).map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hours", format!("{field}: {e}")))
}

pub async fn add(State(state): State<AppState>, Body(new): Body<NewPeer>) -> Result<(StatusCode, Json<PeerView>), ApiError> {
    let bank = parse_bank(&new.bank_id)?;
    let addr: libp2p::Multiaddr = new.addr.parse().map_err(|_| {
        ApiError::bad_request("bad_address", format!("'{}' is not a libp2p address; write it like /ip4/192.0.2.7/tcp/7301", new.addr))
    })?;
    let trust = hours("trust_hours", &new.trust_hours)?;
    let max_transfer = new.max_transfer_hours.as_ref().map(|v| hours("max_transfer_hours", v)).transpose()?;
    let handle = new
        .handle
        .as_deref()
        .map(str::parse)
        .transpose()
        .map_err(|e: amser_protocol::ids::IdError| ApiError::bad_request("bad_handle", e.to_string()))?;
    let command = Command::AdmitPeer { bank, handle, addrs: vec![addr.to_string()], trust, max_transfer };
    let line = match state.ledger.submit(command).await? {
        Reply::Peer(line) => line,
        other => return Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    };
    state.federation.poke();
    let clearing = state.read(move |s| Ok(s.clearing(&bank)?)).await?;
    Ok((StatusCode::CREATED, Json(view(&state, line, clearing, 0))))
}

async fn change(state: AppState, bank: String, changes: PeerChanges) -> Result<Json<PeerView>, ApiError> {
    let bank = parse_bank(&bank)?;
    let line = match state.ledger.submit(Command::UpdatePeer { bank, changes }).await? {
        Reply::Peer(line) => line,
        other => return Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    };
    state.federation.poke();
    let clearing = state.read(move |s| Ok(s.clearing(&bank)?)).await?;
    Ok(Json(view(&state, line, clearing, 0)))
}

pub async fn freeze(State(state): State<AppState>, Path(bank): Path<String>) -> Result<Json<PeerView>, ApiError> {
    change(state, bank, PeerChanges { frozen: Some(true), ..Default::default() }).await
}

pub async fn unfreeze(State(state): State<AppState>, Path(bank): Path<String>) -> Result<Json<PeerView>, ApiError> {
    change(state, bank, PeerChanges { frozen: Some(false), ..Default::default() }).await
}

/// Removes a bank from the federation. Refused while transfers from our
/// members wait for its decision, unless forced (see [`RemovePeerQuery`]).
pub async fn remove(
    State(state): State<AppState>,
    Path(bank): Path<String>,
    Params(q): Params<RemovePeerQuery>,
) -> Result<Json<PeerView>, ApiError> {
    let id = parse_bank(&bank)?;
    // Ours waiting on it: sent (or, as a hop, passed) to it and not yet decided.
    let us = state.bank;
    let pending = state
        .read(move |s| Ok(s.pending_transfers()?.iter().filter(|t| t.role != TransferRole::Incoming && t.after(&us) == Some(id)).count()))
        .await?;
    if pending > 0 && !q.force {
        return Err(LedgerError::TransfersInFlight { bank: id, pending }.into());
    }
    if pending > 0 {
        tracing::warn!(bank = %id, pending, "removing a bank with transfers still waiting for its decision (forced)");
    }
    change(state, bank, PeerChanges { removed: Some(true), ..Default::default() }).await
}

/// A page of transfers with other banks, newest first.
pub async fn transfers(State(state): State<AppState>, Params(q): Params<PageQuery>) -> Result<Json<Page<TransferView>>, ApiError> {
    let limit = page::limit(q.limit)?;
    let after = page::seq_after(List::Transfers, q.cursor.as_deref())?;
    let span = state.read(move |s| Ok(s.transfers_page(after, true, limit)?)).await?;
    let next = span.next.map(|seq| page::seq_cursor(List::Transfers, seq));
    let keys = state.keys();
    let items = span.items.into_iter().map(|r| TransferView::new(r, &*keys)).collect::<Result<_, _>>()?;
    Ok(Json(Page::new(items, next)))
}

pub async fn transfer(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<TransferView>, ApiError> {
    let shown = id.clone();
    let record = state
        .read(move |s| {
            s.find_transfer(&id)?.ok_or_else(|| {
                ApiError::not_found(
                    "unknown_transfer",
                    format!("no transfer with id {shown}; give at least its first 6 characters (see `amser transfer list`)"),
                )
            })
        })
        .await?;
    Ok(Json(TransferView::new(record, &*state.keys())?))
}

/// What this bank has seen of who owes whom: the totals between every pair
/// of banks, and the handles it knows them by.
pub(super) struct Seen {
    totals: std::collections::BTreeMap<(BankId, BankId), crate::federation::positions::Position>,
    handles: std::collections::HashMap<BankId, String>,
}

impl Seen {
    /// Our own transfers, and what other banks said in gossip or in their
    /// public logs (caught up after a restart or a partition).
    pub(super) async fn read(state: &AppState) -> Result<Seen, ApiError> {
        let federation = amser_protocol::signing::FederationId::from_name(&state.federation.name);
        state
            .read(move |store| {
                let mut positions = crate::federation::positions::Positions::default();
                // One record at a time: memory grows with the pairs of banks, not the transfers.
                store.for_each_transfer(|r| positions.add(r.id, r.transfer, r.path, r.decision.as_ref()))?;
                store.for_each_public_transfer(|transfer, decision| positions.add_public(federation, &transfer, &decision))?;
                let totals = positions.totals();
                let mut handles = std::collections::HashMap::new();
                if let Some(p) = store.profile()? {
                    handles.insert(p.bank, p.handle.to_string());
                }
                for (from, to) in totals.keys() {
                    for bank in [from, to] {
                        if let Some(h) = store.peer(bank)?.and_then(|l| l.handle) {
                            handles.entry(*bank).or_insert_with(|| h.to_string());
                        }
                    }
                }
                Ok(Seen { totals, handles })
            })
            .await
    }

    pub(super) fn bank(&self, bank: &BankId) -> BankRef {
        BankRef { bank: bank.to_string(), handle: self.handles.get(bank).cloned() }
    }
}

/// Inter-bank positions across the federation, as far as this bank has seen.
pub async fn positions(State(state): State<AppState>) -> Result<Json<Vec<PositionView>>, ApiError> {
    let seen = Seen::read(&state).await?;
    let rows = seen
        .totals
        .iter()
        .map(|((from, to), p)| PositionView {
            from_bank: from.to_string(),
            from_handle: seen.handles.get(from).cloned(),
            to_bank: to.to_string(),
            to_handle: seen.handles.get(to).cloned(),
            accepted_minutes: p.accepted.0,
            accepted_hours: p.accepted.as_hours_f64(),
            accepted: p.accepted_count,
            rejected: p.rejected_count,
            undecided: p.undecided_count,
        })
        .collect();
    Ok(Json(rows))
}

/// The rings of debt on the positions this bank has seen, less what the
/// clearings it was on already cancelled (each counts as hours the other
/// way round its ring), and the banks' handles to show them by.
pub(super) async fn found_rings(state: &AppState) -> Result<(Vec<crate::region::cycles::Cycle<BankId>>, Seen), ApiError> {
    use crate::region::cycles::{find_cycles, net_debts, MAX_CYCLE_BANKS};
    let seen = Seen::read(state).await?;
    let cleared = state.read(|s| Ok(s.rings(MAX_RINGS_READ)?)).await?;
    let mut owed: std::collections::BTreeMap<(BankId, BankId), Minutes> = seen.totals.iter().map(|(pair, p)| (*pair, p.accepted)).collect();
    for ring in cleared.iter().filter(|r| r.state() == "accepted") {
        let c = &ring.clearing;
        for (i, debtor) in c.ring.iter().enumerate() {
            let creditor = c.ring[(i + 1) % c.ring.len()];
            let back = owed.entry((creditor, *debtor)).or_default();
            *back = Minutes(back.0 + c.minutes.0);
        }
    }
    Ok((find_cycles(&net_debts(&owed), MAX_CYCLE_BANKS), seen))
}

/// Most clearings read back when rings are looked for (a bank clears a
/// few rings a month; past this the oldest are left out).
pub const MAX_RINGS_READ: usize = 10_000;

/// The rings of debt between banks that clearing could cancel, found on
/// the positions above (`region::cycles`): each bank's members owe the
/// next bank's, and the ring's amount could come off every one of those
/// debts without changing any bank's net position or any member's balance.
pub async fn clearing_rings(State(state): State<AppState>) -> Result<Json<Vec<ClearingRingView>>, ApiError> {
    let (rings, seen) = found_rings(&state).await?;
    let us = state.bank;
    let rings = rings
        .into_iter()
        .map(|ring| ClearingRingView {
            ours: ring.banks.contains(&us),
            banks: ring.banks.iter().map(|b| seen.bank(b)).collect(),
            minutes: ring.minutes.0,
            hours: ring.minutes.as_hours_f64(),
        })
        .collect();
    Ok(Json(rings))
}
