//! The reports page (`GET /reports`, coordinators and viewers): hours by
//! month, category and agency, active and new members by month, over a
//! period of months chosen with `?from=YYYY-MM&to=YYYY-MM` (the last 12 by
//! default); each a chart and a table, each downloaded as CSV
//! (`GET /reports/<table>.csv`), the whole page printable (`?print=1`).
//! The figures are `reading::report::period_report`'s.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use amser_protocol::{Minutes, ServiceDate};

use super::i18n::{Arg, Tr};
use super::report_tables::{Shown, Table, TABLES};
use super::web::{error_page, page, Chrome, Visitor};
use crate::accounts::Role;
use crate::api::AppState;
use crate::model::{Months, PeriodError, PeriodReport};

/// Months a report covers when no period is chosen.
pub const DEFAULT_PERIOD_MONTHS: u32 = 12;
/// Longest text taken from a month field.
const MAX_MONTH_CHARS: usize = 20;

/// `?from=&to=&print=`: the period of a report or a statement.
#[derive(Debug, Default, Deserialize)]
pub struct PeriodQuery {
    #[serde(default)]
    pub from: Option<String>,
    #[serde(default)]
    pub to: Option<String>,
    #[serde(default)]
    pub print: Option<String>,
}

/// A period as the form was filled in, and what is wrong with it.
pub struct PeriodForm {
    pub from: String,
    pub to: String,
    /// What to fix, in the visitor's language.
    pub problem: Option<String>,
    /// The field in error: `from` or `to`.
    pub problem_field: &'static str,
}

impl PeriodQuery {
    pub fn print(&self) -> bool {
        self.print.as_deref().is_some_and(|p| !p.is_empty() && p != "0")
    }

    /// The months asked for (the last 12 when none are), or the form back with what to fix.
    pub fn months(&self, today: ServiceDate, tr: Tr) -> (PeriodForm, Option<Months>) {
        let field = |v: &Option<String>| v.as_deref().unwrap_or("").trim().chars().take(MAX_MONTH_CHARS).collect::<String>();
        let (from, to) = (field(&self.from), field(&self.to));
        let default = Months::last(today, DEFAULT_PERIOD_MONTHS);
        let to_month = if to.is_empty() { Months::last(today, 1).first() } else { to.clone() };
        let from_month = if from.is_empty() {
            match Months::parse(&to_month, &to_month) {
                Ok(last) => {
                    Months::last(ServiceDate::parse(&format!("{}-01", last.first())).unwrap_or(today), DEFAULT_PERIOD_MONTHS).first()
                }
                Err(_) => default.first(),
            }
        } else {
            from.clone()
        };
        let problem = |field: &'static str, e: PeriodError| {
            let message = match e {
                PeriodError::BadMonth(given) => tr.t1("period-bad-month", "detail", &given),
                PeriodError::Backwards => tr.t("period-backwards"),
                PeriodError::TooLong { months } => tr.with(
                    "period-too-long",
                    &[("count", Arg::Number(months as i64)), ("max", Arg::Number(crate::model::report::MAX_PERIOD_MONTHS as i64))],
                ),
            };
            (field, message)
        };
        let checked = Months::parse(&from_month, &from_month)
            .map_err(|e| problem("from", e))
            .and_then(|_| Months::parse(&to_month, &to_month).map_err(|e| problem("to", e)))
            .and_then(|_| Months::parse(&from_month, &to_month).map_err(|e| problem("from", e)));
        match checked {
            Ok(months) => (PeriodForm { from: months.first(), to: months.last_month(), problem: None, problem_field: "" }, Some(months)),
            Err((field, message)) => (PeriodForm { from, to, problem: Some(message), problem_field: field }, None),
        }
    }
}

/// A period written out: "January 2025 to December 2025".
pub fn period_words(tr: Tr, from: &str, to: &str) -> String {
    tr.with("period-words", &[("from", Arg::Text(&tr.month(from))), ("to", Arg::Text(&tr.month(to)))])
}

#[derive(Template)]
#[template(path = "reports.html")]
pub struct ReportsPage {
    pub chrome: Chrome,
    pub period: PeriodForm,
    /// The period as words, and the query that names it (for the links).
    pub period_words: String,
    pub query: String,
    pub total_hours: String,
    pub exchanges: String,
    pub active: String,
    pub new_members: String,
    pub tables: Vec<Shown>,
}

/// The report for `months`, read from the store.
async fn read(state: &AppState, months: Months) -> Result<PeriodReport, crate::api::ApiError> {
    let keys = state.keys();
    state.read(move |store| Ok(crate::reading::report::period_report(store, &*keys, &months)?)).await
}

/// The refusal of a member (reports are the coordinators' and viewers').
async fn members_refused(state: &AppState, visitor: &Visitor) -> Option<Response> {
    match visitor.role() {
        Role::Member => Some(error_page(state, visitor, StatusCode::FORBIDDEN, "error-forbidden").await),
        Role::Coordinator | Role::Viewer => None,
    }
}

/// `GET /reports`.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Query(q): Query<PeriodQuery>) -> Response {
    if let Some(refused) = members_refused(&state, &visitor).await {
        return refused;
    }
    let tr = visitor.tr;
    let (period, months) = q.months(ServiceDate::today(state.clock.now_ms()), tr);
    let mut chrome = Chrome::of(&state, &visitor, "reports").await;
    chrome.print = q.print() && months.is_some();
    let Some(months) = months else {
        let empty = ReportsPage {
            chrome,
            period,
            period_words: String::new(),
            query: String::new(),
            total_hours: String::new(),
            exchanges: String::new(),
            active: String::new(),
            new_members: String::new(),
            tables: Vec::new(),
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, &empty);
    };
    let report = match read(&state, months).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e.message, "the reports could not be read");
            return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    let reports = ReportsPage {
        period_words: period_words(tr, &report.from, &report.to),
        query: format!("from={}&to={}", report.from, report.to),
        total_hours: Minutes(report.total.minutes).to_string(),
        exchanges: tr.n("exchanges-count", report.total.exchanges as usize),
        active: tr.n("report-active-in-period", report.active_members),
        new_members: tr.n("report-new-in-period", report.new_members),
        tables: TABLES.iter().map(|t| t.shown(&report, tr)).collect(),
        chrome,
        period,
    };
    page(StatusCode::OK, &reports)
}

/// `GET /reports/{table}.csv`: one table as a CSV download.
pub async fn csv(State(state): State<AppState>, visitor: Visitor, Path(file): Path<String>, Query(q): Query<PeriodQuery>) -> Response {
    if let Some(refused) = members_refused(&state, &visitor).await {
        return refused;
    }
    let Some(table) = Table::of_csv_file(&file) else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-not-found").await;
    };
    let tr = visitor.tr;
    let (period, months) = q.months(ServiceDate::today(state.clock.now_ms()), tr);
    let Some(months) = months else {
        let chrome = Chrome::of(&state, &visitor, "reports").await;
        let message = period.problem.unwrap_or_default();
        return page(StatusCode::UNPROCESSABLE_ENTITY, &super::web::ErrorPage { chrome, message });
    };
    let report = match read(&state, months).await {
        Ok(r) => r,
        Err(e) => {
            tracing::error!(error = %e.message, "the reports could not be read");
            return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    match table.csv(&report, tr) {
        Ok(bytes) => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", table.file_name(&report)))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")), (header::CONTENT_DISPOSITION, disposition)],
                bytes,
            )
                .into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "a report's CSV could not be written");
            error_page(&state, &visitor, StatusCode::INTERNAL_SERVER_ERROR, "error-storage").await
        }
    }
}
