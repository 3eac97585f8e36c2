//! The bank at a glance (`GET /`): hours given this month against last
//! month, active and new members, transfers with other banks waiting for an
//! answer, banks connected, and the hours of the last 12 months as a chart
//! and a table. A member sees their own balance and exchanges instead.

use askama::Template;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;

use amser_protocol::{Minutes, ServiceDate};

use super::chart::{self, Bar};
use super::i18n::Arg;
use super::web::{error_page, page, Chrome, Visitor};
use crate::accounts::Role;
use crate::api::AppState;

/// Months the dashboard's chart shows.
pub const CHART_MONTHS: u32 = 12;
/// Peers read for the "banks connected" figure (a regional network's size).
const MAX_PEERS_COUNTED: usize = 1_000;

/// One month's row.
pub struct MonthRow {
    pub month: String,
    pub hours: String,
    pub exchanges: u64,
}

/// What the dashboard shows.
pub struct Figures {
    pub hours_this_month: String,
    pub hours_last_month: String,
    pub active_members: usize,
    pub active_since: String,
    pub members: usize,
    pub new_members: usize,
    pub pending_transfers: usize,
    pub peers_online: usize,
    pub peers_total: usize,
    pub months: Vec<MonthRow>,
    pub chart: String,
}

#[derive(Template)]
#[template(path = "dashboard.html")]
pub struct DashboardPage {
    pub chrome: Chrome,
    pub f: Figures,
    pub last_month: String,
    pub active_since: String,
    pub new_members: String,
    pub peers: String,
}

/// `GET /`.
pub async fn show(State(state): State<AppState>, visitor: Visitor) -> Response {
    if visitor.role() == Role::Member {
        return super::members::own_page(&state, &visitor).await;
    }
    match figures(&state, &visitor).await {
        Ok(f) => {
            let chrome = Chrome::of(&state, &visitor, "dashboard").await;
            let tr = visitor.tr;
            let (online, total) = (f.peers_online.to_string(), f.peers_total.to_string());
            let dashboard = DashboardPage {
                last_month: tr.t1("hours-last-month", "hours", &f.hours_last_month),
                active_since: tr.t1("active-members-since", "date", &f.active_since),
                new_members: tr.n("new-members-this-month", f.new_members),
                peers: tr.with("peers-online-value", &[("online", Arg::Text(&online)), ("total", Arg::Text(&total))]),
                chrome,
                f,
            };
            page(StatusCode::OK, &dashboard)
        }
        Err(e) => {
            tracing::error!(error = %e.message, "the dashboard's figures could not be read");
            error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await
        }
    }
}

async fn figures(state: &AppState, visitor: &Visitor) -> Result<Figures, crate::api::ApiError> {
    let today = ServiceDate::today(state.clock.now_ms());
    let keys = state.keys();
    let (report, new_members, pending, peers) = state
        .read(move |store| {
            let report = crate::reading::report::report(store, &*keys, today, None)?;
            let this_month = today.month();
            let mut new_members = 0;
            store.for_each_member(|m| new_members += usize::from(m.joined.month() == this_month))?;
            let mut pending = 0;
            store.for_each_pending_transfer(|_| pending += 1)?;
            let peers = store.peers_page(None, MAX_PEERS_COUNTED)?.items;
            Ok((report, new_members, pending, peers))
        })
        .await?;
    let live: Vec<_> = peers.iter().filter(|p| !p.removed).collect();
    let peers_online = live.iter().filter(|p| state.federation.presence(&p.bank).connected).count();
    let tr = visitor.tr;
    let month_keys: Vec<String> = (0..CHART_MONTHS).rev().map(|back| today.months_before(back).month()).collect();
    let minutes_in = |key: &str| report.by_month.get(key).map(|t| t.minutes).unwrap_or(0);
    let months: Vec<MonthRow> = month_keys
        .iter()
        .map(|k| MonthRow {
            month: tr.month(k),
            hours: Minutes(minutes_in(k)).to_string(),
            exchanges: report.by_month.get(k).map(|t| t.exchanges).unwrap_or(0),
        })
        .collect();
    let bars: Vec<Bar> = month_keys.iter().map(|k| Bar { label: tr.short_month(k), minutes: minutes_in(k) }).collect();
    let this_month = month_keys.last().cloned().unwrap_or_default();
    let last_month = today.months_before(1).month();
    let since =
        ServiceDate::parse(&report.active_since).ok().and_then(|d| d.to_date()).map(|d| tr.date(d)).unwrap_or(report.active_since.clone());
    Ok(Figures {
        hours_this_month: Minutes(minutes_in(&this_month)).to_string(),
        hours_last_month: Minutes(minutes_in(&last_month)).to_string(),
        active_members: report.active_members,
        active_since: since,
        members: report.members,
        new_members,
        pending_transfers: pending,
        peers_online,
        peers_total: live.len(),
        chart: chart::bars(&tr.t("hours-by-month"), &bars),
        months,
    })
}
