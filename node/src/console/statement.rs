//! A member's printable statement (`GET /members/{code}/statement`, the
//! coordinator's for any member, a member's for their own): the bank, the
//! member's name and code, the period (`?from=&to=`, the last 12 months by
//! default), the balance brought in, every exchange with its date, who,
//! hours, category and the balance after it, and the balance carried out.
//! Printed, each sheet holds [`LINES_PER_SHEET`] lines and starts with the
//! balance brought forward. The figures are `reading::statement`'s.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;

use amser_protocol::{MemberCode, Minutes, ServiceDate};

use super::i18n::Tr;
use super::reports::{period_words, PeriodForm, PeriodQuery};
use super::web::{error_page, page, Chrome, Visitor};
use crate::accounts::Role;
use crate::api::AppState;
use crate::reading::statement::{LineKind, Party, Statement};

/// Lines on one printed sheet (about what fits on A4 with the headings).
pub const LINES_PER_SHEET: usize = 40;
/// Names shown on one line; the rest are counted ("and 27 others").
const NAMES_SHOWN: usize = 3;

/// One line as the statement shows it.
pub struct LineRow {
    pub date: String,
    pub who: String,
    pub hours: String,
    pub category: String,
    pub balance: String,
    pub reversed: bool,
}

/// One printed sheet of lines.
pub struct Sheet {
    pub brought_forward: String,
    pub lines: Vec<LineRow>,
    pub carried_forward: String,
    pub last: bool,
}

#[derive(Template)]
#[template(path = "statement.html")]
pub struct StatementPage {
    pub chrome: Chrome,
    pub code: String,
    pub name: String,
    pub period: PeriodForm,
    pub period_words: String,
    pub query: String,
    pub opening: String,
    pub closing: String,
    pub sheets: Vec<Sheet>,
    pub left_off: String,
    pub shown: bool,
}

/// A party's name as the statement writes it.
fn name_of(tr: Tr, p: &Party, other_bank: bool) -> String {
    match (&p.name, other_bank) {
        (_, true) => tr.t1("statement-other-bank-member", "code", p.code.as_str()),
        (Some(name), false) => name.clone(),
        (None, false) => tr.t1("erased-member", "code", p.code.as_str()),
    }
}

/// Hours with their sign: `+2:00`, `-1:30`.
fn signed(m: Minutes) -> String {
    if m.0 > 0 {
        format!("+{m}")
    } else {
        m.to_string()
    }
}

/// A date written out in the visitor's language.
fn date_words(tr: Tr, d: ServiceDate) -> String {
    d.to_date().map(|d| tr.date(d)).unwrap_or_else(|| d.to_string())
}

fn sheets(tr: Tr, s: &Statement) -> Vec<Sheet> {
    let rows: Vec<(LineRow, Minutes)> = s
        .lines
        .iter()
        .map(|l| {
            let mut names: Vec<String> = l.others.iter().take(NAMES_SHOWN).map(|p| name_of(tr, p, l.other_bank)).collect();
            if l.others.len() > NAMES_SHOWN {
                names.push(tr.n("statement-and-others", l.others.len() - NAMES_SHOWN));
            }
            let names = names.join(", ");
            let who = match l.kind {
                LineKind::Gave => tr.t1("statement-gave-to", "name", &names),
                LineKind::Received => tr.t1("statement-received-from", "name", &names),
                LineKind::Reversed => tr.t1("statement-reversed", "name", &names),
            };
            let row = LineRow {
                date: date_words(tr, l.date),
                who,
                hours: signed(l.minutes),
                category: l.category.clone(),
                balance: l.balance.to_string(),
                reversed: l.kind == LineKind::Reversed,
            };
            (row, l.balance)
        })
        .collect();
    let mut out = Vec::new();
    let mut brought = s.opening;
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<(LineRow, Minutes)> = rows.by_ref().take(LINES_PER_SHEET).collect();
        let carried = chunk.last().map(|(_, b)| *b).unwrap_or(brought);
        out.push(Sheet {
            brought_forward: brought.to_string(),
            lines: chunk.into_iter().map(|(r, _)| r).collect(),
            carried_forward: carried.to_string(),
            last: false,
        });
        brought = carried;
    }
    if let Some(last) = out.last_mut() {
        last.last = true;
    }
    out
}

/// `GET /members/{code}/statement`.
pub async fn show(State(state): State<AppState>, visitor: Visitor, Path(code): Path<String>, Query(q): Query<PeriodQuery>) -> Response {
    let Ok(code) = code.parse::<MemberCode>() else {
        return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-unknown-member").await;
    };
    let own = visitor.account.member.as_ref() == Some(&code);
    let allowed = match visitor.role() {
        Role::Coordinator => true,
        Role::Member => own,
        Role::Viewer => false,
    };
    if !allowed {
        return error_page(&state, &visitor, StatusCode::FORBIDDEN, "error-forbidden").await;
    }
    let tr = visitor.tr;
    let (period, months) = q.months(ServiceDate::today(state.clock.now_ms()), tr);
    let here = if own { "mine" } else { "members" };
    let mut chrome = Chrome::of(&state, &visitor, here).await;
    chrome.print = q.print() && months.is_some();
    let Some(months) = months else {
        let empty = StatementPage {
            chrome,
            code: code.to_string(),
            name: String::new(),
            period,
            period_words: String::new(),
            query: String::new(),
            opening: String::new(),
            closing: String::new(),
            sheets: Vec::new(),
            left_off: String::new(),
            shown: false,
        };
        return page(StatusCode::UNPROCESSABLE_ENTITY, &empty);
    };
    let keys = state.keys();
    let wanted = code.clone();
    let read = state.read(move |store| Ok(crate::reading::statement::statement(store, &*keys, &wanted, &months)?)).await;
    let statement = match read {
        Ok(Some(s)) => s,
        Ok(None) => return error_page(&state, &visitor, StatusCode::NOT_FOUND, "error-unknown-member").await,
        Err(e) => {
            tracing::error!(error = %e.message, "a statement could not be read");
            return error_page(&state, &visitor, StatusCode::SERVICE_UNAVAILABLE, "error-storage").await;
        }
    };
    let (from, to) = (months.first(), months.last_month());
    let statement_page = StatementPage {
        code: code.to_string(),
        name: name_of(tr, &statement.member, false),
        period_words: period_words(tr, &from, &to),
        query: format!("from={from}&to={to}"),
        opening: statement.opening.to_string(),
        closing: statement.closing.to_string(),
        sheets: sheets(tr, &statement),
        left_off: if statement.left_off > 0 { tr.n("statement-left-off", statement.left_off) } else { String::new() },
        shown: true,
        chrome,
        period,
    };
    page(StatusCode::OK, &statement_page)
}
