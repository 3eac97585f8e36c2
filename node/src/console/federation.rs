//! The federation page (`GET /federation`, coordinators; viewers read it):
//! every admitted bank, online or not, its trust line and how much of it
//! is used (a bar and the same in words), the clearing position with it,
//! and the transfers with other banks and their states, newest first, a
//! page at a time (`?after=SEQ`). A coordinator freezes or unfreezes a
//! line (`GET /federation/{bank}/freeze` asks to confirm; the `POST` does
//! it, as `amser peer freeze` does).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use serde::Deserialize;

use amser_protocol::federation::{PeerLine, RejectReason, Verdict};
use amser_protocol::{BankId, MemberCode, Minutes, ServiceDate};

use super::i18n::{Arg, Tr};
use super::web::{coordinators_only, error_page, page, Chrome, Visitor};
use crate::accounts::Role;
use crate::api::AppState;
use crate::ledger::{Command, LedgerRead, PeerChanges, TransferRecord, TransferRole};
use crate::model::member::details_of;
use crate::storage::store::Store;
use crate::storage::writer::Reply;

/// Banks the page lists at most (a regional federation has a few tens).
pub const MAX_PEERS_SHOWN: usize = 1_000;
/// Transfers on one page.
pub const TRANSFERS_PER_PAGE: usize = 25;
/// Characters of a bank id shown when its handle is not known yet.
const SHORT_ID_CHARS: usize = 16;

/// One admitted bank as the page shows it.
pub struct PeerRow {
    pub id: String,
    pub name: String,
    pub online: bool,
    pub presence: String,
    pub frozen: bool,
    pub trust: String,
    /// How much of the line is used, 0 to 100 (the bar's length).
    pub percent: u32,
    pub used: String,
    pub position: String,
    pub pending: String,
}

/// One transfer as the page shows it.
pub struct TransferRow {
    pub date: String,
    pub bank: String,
    pub ours: String,
    pub direction: String,
    pub theirs: String,
    pub hours: String,
    pub category: String,
    pub state: String,
    pub state_class: &'static str,
    pub reason: String,
}

#[derive(Template)]
#[template(path = "federation.html")]
pub struct FederationPage {
    pub chrome: Chrome,
    pub notice: Option<String>,
    pub peers: Vec<PeerRow>,
    pub transfers: Vec<TransferRow>,
    /// The link to the next (older) page of transfers.
    pub older: Option<String>,
    /// Whether this is a later page of transfers (offer the newest again).
    pub later_page: bool,
}

#[derive(Template)]
#[template(path = "federation_confirm.html")]
pub struct ConfirmPage {
    pub chrome: Chrome,
    pub id: String,
    pub change: &'static str,
    pub question: String,
    pub explained: String,
    pub button: String,
}

#[derive(Debug, Default, Deserialize)]
pub struct FederationQuery {
    /// Transfers recorded before this journal entry (the next page); text,
    /// so that a link mangled by hand shows the newest page, not an error.
    #[serde(default)]
    pub after: Option<String>,
    /// What was just done: `freeze` or `unfreeze`, and to which bank.
    #[serde(default)]
    pub done: Option<String>,
    #[serde(default)]
    pub bank: Option<String>,
}

#[derive(Deserialize)]
pub struct ChangeForm {
    pub csrf: String,
}

/// A change a coordinator makes to a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Change {
    Freeze,
    Unfreeze,
}

impl Change {
    fn of(text: &str) -> Option<Change> {
        match text {
            "freeze" => Some(Change::Freeze),
            "unfreeze" => Some(Change::Unfreeze),
            _ => None,
        }
    }

    fn slug(self) -> &'static str {
        match self {
            Change::Freeze => "freeze",
            Change::Unfreeze => "unfreeze",
        }
    }
}

/// A bank's name on the page: its handle, else the start of its id.
fn bank_name(line: Option<&PeerLine>, id: &BankId) -> String {
    match line.and_then(|l| l.handle.as_ref()) {
        Some(h) => h.to_string(),
        None => id.to_string().chars().take(SHORT_ID_CHARS).collect::<String>() + "…",
    }
}

fn peer_row(state: &AppState, tr: Tr, line: &PeerLine, clearing: Minutes, pending: usize) -> PeerRow {
    let presence = state.federation.presence(&line.bank);
    let last_seen = presence.last_seen_ms.and_then(|ms| ServiceDate::from_unix_ms(ms).to_date()).map(|d| tr.date(d));
    let presence_text = match (presence.connected, last_seen) {
        (true, _) => tr.t("federation-online"),
        (false, Some(date)) => tr.t1("federation-offline-since", "date", &date),
        (false, None) => tr.t("federation-never-seen"),
    };
    // What that bank's members owe ours: the part of the trust line in use.
    let owed = (-clearing.0).max(0);
    let percent = if line.trust.0 > 0 { (owed.saturating_mul(100) / line.trust.0).clamp(0, 100) as u32 } else { 100 * u32::from(owed > 0) };
    let (owed_text, trust_text) = (Minutes(owed).to_string(), line.trust.to_string());
    let used = tr.with(
        "federation-line-used",
        &[("owed", Arg::Text(&owed_text)), ("trust", Arg::Text(&trust_text)), ("percent", Arg::Number(i64::from(percent)))],
    );
    let position = match clearing.0 {
        0 => tr.t("federation-position-even"),
        c if c < 0 => tr.t1("federation-position-they-owe", "hours", &Minutes(-c).to_string()),
        c => tr.t1("federation-position-we-owe", "hours", &Minutes(c).to_string()),
    };
    PeerRow {
        id: line.bank.to_string(),
        name: bank_name(Some(line), &line.bank),
        online: presence.connected,
        presence: presence_text,
        frozen: line.frozen,
        trust: trust_text,
        percent,
        used,
        position,
        pending: tr.n("federation-pending", pending),
    }
}

/// Why the other bank refused, in the visitor's language.
fn refusal(tr: Tr, why: &RejectReason) -> String {
    match why {
        RejectReason::UnknownPayee => tr.t("transfer-refused-unknown-payee"),
        RejectReason::PayeeNotActive => tr.t("transfer-refused-payee-not-active"),
        RejectReason::TrustLineFull { trust_minutes, owed_minutes } => tr.with(
            "transfer-refused-trust-full",
            &[("owed", Arg::Text(&Minutes(*owed_minutes).to_string())), ("trust", Arg::Text(&Minutes(*trust_minutes).to_string()))],
        ),
        RejectReason::OverTransferMaximum { max_minutes } => {
            tr.t1("transfer-refused-over-maximum", "limit", &Minutes(*max_minutes).to_string())
        }
        RejectReason::PayeeCeiling => tr.t("transfer-refused-payee-ceiling"),
        RejectReason::Frozen => tr.t("transfer-refused-frozen"),
        RejectReason::Malformed(_) => tr.t("transfer-refused-malformed"),
        RejectReason::ClearingTooLarge { .. } => tr.t("transfer-refused-clearing-too-large"),
        RejectReason::ClearingDeclined => tr.t("transfer-refused-clearing-declined"),
    }
}

/// The name of our member `code`, if their details can be read.
fn our_member(store: &Store, keys: &dyn crate::ledger::privacy::MemberKeys, code: &MemberCode) -> Option<String> {
    let m = store.member(code).ok().flatten()?;
    if m.is_erased() {
        return None;
    }
    details_of(&m, keys).ok().map(|d| d.name)
}

fn transfer_row(tr: Tr, r: &TransferRecord, line: Option<&PeerLine>, our_name: Option<String>) -> TransferRow {
    let t = &r.transfer;
    let (bank, ours, theirs, direction) = match r.role {
        // (A hop's records are not listed: see `page`.)
        TransferRole::Outgoing | TransferRole::Forwarded => (t.to, &t.payer, &t.payee, tr.t("federation-direction-received")),
        TransferRole::Incoming => (t.from, &t.payee, &t.payer, tr.t("federation-direction-gave")),
    };
    let (state, state_class, reason) = match r.decision.as_ref().map(|d| &d.verdict) {
        None => (tr.t("transfer-state-pending"), "pending", String::new()),
        Some(Verdict::Accept) => (tr.t("transfer-state-accepted"), "accepted", String::new()),
        Some(Verdict::Reject(why)) => (tr.t("transfer-state-refused"), "refused", refusal(tr, why)),
    };
    TransferRow {
        date: t.date.to_date().map(|d| tr.date(d)).unwrap_or_else(|| t.date.to_string()),
        bank: bank_name(line, &bank),
        ours: match our_name {
            Some(name) => format!("{name} ({ours})"),
            None => tr.t1("erased-member", "code", ours.as_str()),
        },
        direction,
        theirs: theirs.to_string(),
        hours: t.minutes.to_string(),
        category: t.category.clone(),
        state,
        state_class,
        reason,
    }
}

/// `GET /federation`.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Query(q): Query<FederationQuery>) -> Response {
    if visitor.role() == Role::Member {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    let keys = state.keys();
    let after = q.after.as_deref().and_then(|a| a.trim().parse::<u64>().ok());
    let read = state
        .read(move |store| {
            let lines: Vec<PeerLine> = store.peers_page(None, MAX_PEERS_SHOWN)?.items.into_iter().filter(|l| !l.removed).collect();
            let mut pending: std::collections::HashMap<BankId, usize> = lines.iter().map(|l| (l.bank, 0)).collect();
            store.for_each_pending_transfer(|t| {
                for bank in t.banks() {
                    if let Some(n) = pending.get_mut(&bank) {
                        *n += 1;
                    }
                }
            })?;
            let mut peers = Vec::with_capacity(lines.len());
            for line in &lines {
                peers.push((line.clone(), store.clearing(&line.bank)?, pending.get(&line.bank).copied().unwrap_or(0)));
            }
            let span = store.transfers_page(after, true, TRANSFERS_PER_PAGE)?;
            let mut transfers = Vec::with_capacity(span.items.len());
            // A hop's records move none of our members' hours: the page lists our members' transfers.
            for r in span.items.into_iter().filter(|r| r.role != TransferRole::Forwarded) {
                let ours = if r.role == TransferRole::Outgoing { &r.transfer.payer } else { &r.transfer.payee };
                let name = our_member(store, &*keys, ours);
                let us = store.profile()?.map(|p| p.bank);
                let other = us.and_then(|us| if r.role == TransferRole::Outgoing { r.after(&us) } else { r.before(&us) });
                let line = match other {
                    Some(bank) => store.peer(&bank)?,
                    None => None,
                };
                transfers.push((r, line, name));
            }
            Ok((peers, transfers, span.next))
        })
        .await;
    let (peers, transfers, next) = match read {
        Ok(found) => found,
        Err(e) => {
            tracing::error!(error = %e.message, "the federation page could not be read");
            return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    let tr = visitor.tr;
    let rows: Vec<PeerRow> = peers.iter().map(|(l, c, n)| peer_row(&state, tr, l, *c, *n)).collect();
    let notice = match (q.done.as_deref().and_then(Change::of), q.bank.as_deref()) {
        (Some(change), Some(bank)) => rows.iter().find(|r| r.id == bank).map(|r| {
            let id = if change == Change::Freeze { "federation-frozen-notice" } else { "federation-unfrozen-notice" };
            tr.t1(id, "bank", &r.name)
        }),
        _ => None,
    };
    let chrome = Chrome::of(&state, &visitor, "federation").await;
    let federation = FederationPage {
        chrome,
        notice,
        peers: rows,
        transfers: transfers.into_iter().map(|(r, line, name)| transfer_row(tr, &r, line.as_ref(), name)).collect(),
        older: next.map(|seq| format!("/federation?after={seq}")),
        later_page: after.is_some(),
    };
    page(StatusCode::OK, &federation)
}

/// The bank and change a freeze or unfreeze URL names, and that bank's line.
async fn line_of(state: &AppState, bank: &str, change: &str) -> Option<(PeerLine, Change)> {
    let change = Change::of(change)?;
    let id: BankId = bank.parse().ok()?;
    let line = state.read(move |store| Ok(store.peer(&id)?)).await.ok().flatten()?;
    (!line.removed).then_some((line, change))
}

/// `GET /federation/{bank}/freeze|unfreeze`: asks the coordinator to confirm.
pub async fn confirm(State(state): State<AppState>, visitor: Visitor, Path((bank, change)): Path<(String, String)>) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, None).await {
        return refused;
    }
    let Some((line, change)) = line_of(&state, &bank, &change).await else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "federation-unknown-bank").await;
    };
    let tr = visitor.tr;
    let name = bank_name(Some(&line), &line.bank);
    let (question, explained, button) = match change {
        Change::Freeze => ("federation-freeze-question", "federation-freeze-explained", "federation-freeze-button"),
        Change::Unfreeze => ("federation-unfreeze-question", "federation-unfreeze-explained", "federation-unfreeze-button"),
    };
    let chrome = Chrome::of(&state, &visitor, "federation").await;
    let confirm = ConfirmPage {
        chrome,
        id: line.bank.to_string(),
        change: change.slug(),
        question: tr.t1(question, "bank", &name),
        explained: tr.t1(explained, "bank", &name),
        button: tr.t(button),
    };
    page(StatusCode::OK, &confirm)
}

/// `POST /federation/{bank}/freeze|unfreeze`: the change, then back to the page.
pub async fn change(
    State(state): State<AppState>,
    visitor: Visitor,
    Path((bank, change)): Path<(String, String)>,
    Form(form): Form<ChangeForm>,
) -> Response {
    if let Some(refused) = coordinators_only(&state, &visitor, Some(&form.csrf)).await {
        return refused;
    }
    let Some((line, change)) = line_of(&state, &bank, &change).await else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "federation-unknown-bank").await;
    };
    let changes = PeerChanges { frozen: Some(change == Change::Freeze), ..Default::default() };
    match state.ledger.submit(Command::UpdatePeer { bank: line.bank, changes }).await {
        Ok(Reply::Peer(_)) => {
            state.federation.poke();
            tracing::info!(bank = %line.bank, change = change.slug(), by = %visitor.account.name, "a trust line changed from the console");
            Redirect::to(&format!("/federation?done={}&bank={}", change.slug(), line.bank)).into_response()
        }
        other => {
            tracing::error!(result = ?other.map(|_| ()), "a trust line could not be changed");
            error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await
        }
    }
}
