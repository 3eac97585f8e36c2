//! TimeOverflow's admin exports (github.com/coopdevs/timeoverflow,
//! `app/decorators/*report_decorator.rb`), read by position, so headers in
//! Spanish, Catalan or any language are taken when the header row has the
//! shape: a first cell that is not a number (members) or not a date
//! (transfers).
//!
//! Members, in the three shapes TimeOverflow has written:
//!
//! ```text
//!  5 columns  N, Username, Email, Phone, Alt. phone
//!  9 columns  the same, then Created at, Last sign in, Locale, Balance
//! 16 columns  N, Username, Email, Date of birth, Phone, Alt. phone, Address, Created at, ...
//! ```
//!
//! Transfers (the "complete" report): `Date, from, from ID, to, to ID,
//! post, post ID, Reason, quantity`, where `from` pays and `to` earns,
//! `quantity` is hours to two decimals (`(seconds / 3600.0).round(2)`, so
//! rounding to the nearest minute gives back every whole-minute transfer),
//! ID `0` is the bank's own account (the organisation) and a member no
//! longer active shows as `inactive_user` or `deleted_user`.

use amser_protocol::limits::{MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, ServiceDate};

use super::cells;
use super::problem::{Column, Layout, Problem, Reason};
use super::table::{Row, Table};
use super::{ExchangeRow, MemberRow, Parsed, Party};

/// What a member imported from TimeOverflow is known by in the register.
pub const SOURCE_PREFIX: &str = "timeoverflow:";
/// TimeOverflow's id of the bank's own account.
pub const BANK_ACCOUNT_ID: &str = "0";
/// How many days ahead of today a date may be (time zones, as the ledger allows).
pub const MAX_DAYS_AHEAD: i32 = 1;
/// The columns of the transfers report.
const TRANSFER_COLUMNS: usize = 9;

/// Where each field is in one of the members shapes.
struct MemberShape {
    columns: usize,
    phone: usize,
    alt_phone: usize,
    created: Option<usize>,
}

const MEMBER_SHAPES: [MemberShape; 3] = [
    MemberShape { columns: 5, phone: 3, alt_phone: 4, created: None },
    MemberShape { columns: 9, phone: 3, alt_phone: 4, created: Some(5) },
    MemberShape { columns: 16, phone: 4, alt_phone: 5, created: Some(7) },
];

/// The register's id of TimeOverflow member `n`.
pub fn source_id(n: u64) -> String {
    format!("{SOURCE_PREFIX}{n}")
}

/// The members export.
pub fn members(table: &Table, today: ServiceDate) -> Parsed<MemberRow> {
    let mut out = Parsed::default();
    let first = &table.rows[0];
    let Some(shape) = MEMBER_SHAPES.iter().find(|s| s.columns == first.cells.len()) else {
        out.problems.push(wrong_columns(first, 5, Layout::TimeoverflowMembers));
        return out;
    };
    let rows = data_rows(table, |r| !cells::is_number(r.cell(0)));
    if rows.is_empty() {
        out.problems.push(Problem::at(0, Reason::NoRows));
    }
    let mut seen = std::collections::HashMap::new();
    for row in rows {
        if row.cells.len() != shape.columns {
            out.problems.push(wrong_columns(row, shape.columns, Layout::TimeoverflowMembers));
            continue;
        }
        let mut problems = Vec::new();
        let n = match row.cell(0).parse::<u64>() {
            Ok(0) => Err(Reason::BankAccountAsMember),
            Ok(n) => Ok(n),
            Err(_) => Err(Reason::BadId { column: Column::Id, value: row.cell(0).to_string() }),
        };
        let n = n.map_err(|r| problems.push(r)).ok();
        if let Some(n) = n {
            if let Some(first_line) = seen.insert(n, row.line) {
                problems.push(Reason::DuplicateId { id: n.to_string(), first_line });
                seen.insert(n, first_line);
            }
        }
        let name = cells::text(Column::Name, row.cell(1), MAX_NAME_CHARS, false).map_err(|r| problems.push(r)).ok();
        let contact: Vec<&str> = [2, shape.phone, shape.alt_phone].iter().map(|&i| row.cell(i)).filter(|c| !c.is_empty()).collect();
        let contact = cells::text(Column::Contact, &contact.join(", "), MAX_SHORT_TEXT_CHARS, true).map_err(|r| problems.push(r)).ok();
        let joined = match shape.created.map(|i| row.cell(i)).filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => match cells::date(Column::Joined, c) {
                Ok(d) if d.0 > today.0 + MAX_DAYS_AHEAD => {
                    problems.push(Reason::FutureDate { value: c.to_string() });
                    None
                }
                Ok(d) => Some(d),
                Err(r) => {
                    problems.push(r);
                    None
                }
            },
        };
        match (n, name, contact, problems.is_empty()) {
            (Some(n), Some(name), Some(contact), true) => {
                let source = source_id(n);
                let mut profile = MemberProfile::new(name, MemberKind::Person);
                profile.contact = contact;
                profile.special_needs = source.clone();
                out.rows.push(MemberRow { line: row.line, source, profile, joined });
            }
            _ => out.problems.extend(problems.into_iter().map(|r| Problem::at(row.line, r))),
        }
    }
    out
}

/// The transfers export ("complete": with ids).
pub fn exchanges(table: &Table, today: ServiceDate) -> Parsed<ExchangeRow> {
    let mut out = Parsed::default();
    let first = &table.rows[0];
    if first.cells.len() != TRANSFER_COLUMNS {
        out.problems.push(wrong_columns(first, TRANSFER_COLUMNS, Layout::TimeoverflowTransfers));
        return out;
    }
    let rows = data_rows(table, |r| cells::date(Column::Date, r.cell(0)).is_err() && cells::hours(r.cell(8)).is_err());
    if rows.is_empty() {
        out.problems.push(Problem::at(0, Reason::NoRows));
    }
    for row in rows {
        if row.cells.len() != TRANSFER_COLUMNS {
            out.problems.push(wrong_columns(row, TRANSFER_COLUMNS, Layout::TimeoverflowTransfers));
            continue;
        }
        let mut problems = Vec::new();
        let date = past_date(row.cell(0), today).map_err(|r| problems.push(r)).ok();
        let receiver = party(Column::Receiver, row.cell(2), row.cell(1)).map_err(|r| problems.push(r)).ok();
        let provider = party(Column::Provider, row.cell(4), row.cell(3)).map_err(|r| problems.push(r)).ok();
        if let (Some(p), Some(r)) = (&provider, &receiver) {
            if p == r {
                problems.push(Reason::SameMember { id: row.cell(4).to_string() });
            }
        }
        let minutes = cells::hours(row.cell(8)).map_err(|r| problems.push(r)).ok();
        let note = match (row.cell(5), row.cell(7)) {
            ("", reason) => reason.to_string(),
            (post, "") => post.to_string(),
            (post, reason) => format!("{post}: {reason}"),
        };
        let note = cells::text(Column::Note, &note, MAX_LONG_TEXT_CHARS, true).map_err(|r| problems.push(r)).ok();
        match (date, provider, receiver, minutes, note, problems.is_empty()) {
            (Some(date), Some(provider), Some(receiver), Some(minutes), Some(note), true) => out.rows.push(ExchangeRow {
                line: row.line,
                date,
                provider,
                receiver,
                minutes,
                category: String::new(),
                note,
                cells: row.cells.clone(),
            }),
            _ => out.problems.extend(problems.into_iter().map(|r| Problem::at(row.line, r))),
        }
    }
    out
}

/// A date no later than tomorrow.
pub(super) fn past_date(value: &str, today: ServiceDate) -> Result<ServiceDate, Reason> {
    let d = cells::date(Column::Date, value)?;
    if d.0 > today.0 + MAX_DAYS_AHEAD {
        return Err(Reason::FutureDate { value: value.to_string() });
    }
    Ok(d)
}

/// A side of a transfer from its id cell (and the name beside it).
fn party(column: Column, id: &str, name: &str) -> Result<Party, Reason> {
    match id {
        BANK_ACCOUNT_ID => Ok(Party::Fund { name: name.to_string() }),
        "inactive_user" | "deleted_user" => Err(Reason::NoLongerThere { column, value: id.to_string() }),
        _ if cells::is_number(id) => match id.parse::<u64>() {
            Ok(0) => Ok(Party::Fund { name: name.to_string() }),
            Ok(n) => Ok(Party::Source(source_id(n))),
            Err(_) => Err(Reason::BadId { column, value: id.to_string() }),
        },
        _ => id.parse::<MemberCode>().map(Party::Code).map_err(|_| Reason::BadId { column, value: id.to_string() }),
    }
}

/// The rows after the header, if the first row is one (`is_header`).
pub(super) fn data_rows(table: &Table, is_header: impl Fn(&Row) -> bool) -> &[Row] {
    if is_header(&table.rows[0]) {
        &table.rows[1..]
    } else {
        &table.rows[..]
    }
}

pub(super) fn wrong_columns(row: &Row, expected: usize, layout: Layout) -> Problem {
    Problem::at(row.line, Reason::WrongColumns { found: row.cells.len(), expected, layout })
}

#[cfg(test)]
#[path = "timeoverflow_tests.rs"]
mod tests;
