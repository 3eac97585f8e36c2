//! Exchange routes: recording who gave time to whom, and correcting mistakes.

use amser_protocol::{ExchangeId, Handle, Minutes, ServiceDate};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use serde_json::Value;

use super::members::parse_code;
use super::page::{self, List};
use super::{ApiError, AppState, Body, Params, COORDINATOR};
use crate::ledger::{Command, LedgerError};
use crate::model::{ExchangeQuery, ExchangeView, NewExchange, Page, Recorded, ReverseRequest, TransferView};
use crate::storage::writer::Reply;

/// The amount each provider gave, from `hours` or `minutes` (exactly one).
fn amount(hours: Option<Value>, minutes: Option<i64>) -> Result<Minutes, ApiError> {
    let bad = |m: String| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_hours", m);
    match (hours, minutes) {
        (Some(_), Some(_)) => Err(bad("give either hours or minutes, not both".into())),
        (None, None) => Err(bad("say how long: give hours (like \"1.5\" or \"1:30\") or minutes".into())),
        (None, Some(m)) if m <= 0 => Err(bad("the amount must be more than zero; to undo an exchange, reverse it instead".into())),
        (None, Some(m)) if m > amser_protocol::limits::MAX_PARSE_MINUTES => {
            Err(bad(format!("{m} minutes is far too large to be an amount of time given")))
        }
        (None, Some(m)) => Ok(Minutes(m)),
        (Some(Value::String(s)), None) => Minutes::parse_hours(&s).map_err(|e| bad(e.to_string())),
        (Some(Value::Number(n)), None) => Minutes::parse_hours(&n.to_string()).map_err(|e| bad(e.to_string())),
        (Some(other), None) => Err(bad(format!("hours must be text like \"1.5\" or \"1:30\" or a number, not {other}"))),
    }
}

pub async fn record(State(state): State<AppState>, Body(new): Body<NewExchange>) -> Result<(StatusCode, Json<Recorded>), ApiError> {
    let minutes_each = amount(new.hours, new.minutes)?;
    let providers = new.providers.iter().map(|c| parse_code(c)).collect::<Result<Vec<_>, _>>()?;
    let receivers = new.receivers.iter().map(|c| parse_code(c)).collect::<Result<Vec<_>, _>>()?;
    let date = match new.date.as_deref() {
        Some(d) => Some(ServiceDate::parse(d).map_err(|e| ApiError::bad_request("bad_date", e.to_string()))?),
        None => None,
    };
    let command = Command::RecordExchange {
        providers: providers.clone(),
        receivers: receivers.clone(),
        minutes_each,
        category: new.category.clone(),
        note: new.note.clone(),
        date,
        recorded_by: COORDINATOR.to_string(),
        client_ref: new.client_ref.clone(),
    };
    let reply = match state.ledger.submit(command).await {
        // With a member of a bank we have no trust line with: along a path of
        // lines through banks that have (the ledger checked everything else first).
        Err(LedgerError::UnknownPeer(handle)) => {
            let unknown = LedgerError::UnknownPeer(handle.clone());
            let handle: Handle = handle.parse().map_err(|e| ApiError::bad_request("bad_handle", format!("provider: {e}")))?;
            // A bank no advert names either: the ledger's own advice (admit it) says what to do.
            let (path, _) = match super::region::route(&state, &handle, minutes_each).await {
                Err(e) if e.code == "unknown_bank" => return Err(unknown.into()),
                found => found?,
            };
            let command = Command::SendRouted {
                payer: receivers[0].clone(),
                payee: providers[0].clone(),
                minutes: minutes_each,
                category: new.category,
                note: new.note,
                date,
                client_ref: new.client_ref,
                path: path.banks,
            };
            state.ledger.submit(command).await?
        }
        other => other?,
    };
    match reply {
        Reply::Exchange(x) => Ok((StatusCode::CREATED, Json(Recorded::Exchange(ExchangeView::new(x, &*state.keys())?)))),
        // With another bank's member: a transfer, pending until that bank decides.
        Reply::Transfer(t) => {
            state.federation.deliver(t.clone());
            Ok((StatusCode::ACCEPTED, Json(Recorded::Transfer(TransferView::new(t, &*state.keys())?))))
        }
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

/// A page of exchanges in journal order, newest first unless `order=oldest`.
pub async fn list(State(state): State<AppState>, Params(q): Params<ExchangeQuery>) -> Result<Json<Page<ExchangeView>>, ApiError> {
    let limit = page::limit(q.limit)?;
    let (newest_first, list) = match q.order.as_deref() {
        None | Some("newest") => (true, List::ExchangesNewest),
        Some("oldest") => (false, List::ExchangesOldest),
        Some(other) => return Err(ApiError::bad_request("bad_order", format!("'{other}' is not an order; use newest or oldest"))),
    };
    let after = page::seq_after(list, q.cursor.as_deref())?;
    let span = state.read(move |store| Ok(store.exchanges_page(after, newest_first, limit)?)).await?;
    let next = span.next.map(|seq| page::seq_cursor(list, seq));
    let keys = state.keys();
    let items = span.items.into_iter().map(|r| ExchangeView::new(r, &*keys)).collect::<Result<_, _>>()?;
    Ok(Json(Page::new(items, next)))
}

async fn find(state: &AppState, id: String) -> Result<crate::ledger::ExchangeRecord, ApiError> {
    let shown = id.clone();
    state
        .read(move |store| {
            store.find_exchange(&id)?.ok_or_else(|| {
                ApiError::not_found(
                    "unknown_exchange",
                    format!("no exchange with id {shown}; give the full id or at least its first 6 characters (see `amser exchange list`)"),
                )
            })
        })
        .await
}

pub async fn show(State(state): State<AppState>, Path(id): Path<String>) -> Result<Json<ExchangeView>, ApiError> {
    Ok(Json(ExchangeView::new(find(&state, id).await?, &*state.keys())?))
}

pub async fn reverse(
    State(state): State<AppState>,
    Path(id): Path<String>,
    Body(req): Body<ReverseRequest>,
) -> Result<Json<ExchangeView>, ApiError> {
    let id: ExchangeId = find(&state, id).await?.exchange.id;
    match state.ledger.submit(Command::ReverseExchange { id, reason: req.reason }).await? {
        Reply::Exchange(x) => Ok(Json(ExchangeView::new(x, &*state.keys())?)),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}
