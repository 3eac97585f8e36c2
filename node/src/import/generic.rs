//! The generic layout, for a bank coming from a spreadsheet or any system
//! other than TimeOverflow (README, DESIGN.md §1d). Columns by position; the
//! first row is taken as a header, in any language, when it cannot be data
//! (below).
//!
//! ```text
//! members    id, name, kind, contact, joined
//!            id: the old system's id, unique in the file (the exchanges file uses it);
//!            kind: person, agency or group (empty: person); joined: a date or empty
//! exchanges  date, giver, receiver, hours, category, note
//!            giver and receiver: an id from the members file, or an Amser member code;
//!            the giver is credited, the receiver debited; category and note may be empty
//! ```
//!
//! A members header is a first row whose `kind` is not a kind and whose
//! `joined` is not a date; an exchanges header, one whose `date` is not a
//! date and whose `hours` are not hours.

use amser_protocol::limits::{MAX_CLIENT_REF_CHARS, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, ServiceDate};

use super::cells;
use super::problem::{Column, Layout, Problem, Reason};
use super::table::Table;
use super::timeoverflow::{data_rows, past_date, wrong_columns, MAX_DAYS_AHEAD};
use super::{ExchangeRow, MemberRow, Parsed, Party};

/// What a member imported in the generic layout is known by in the register.
pub const SOURCE_PREFIX: &str = "import:";
const MEMBER_COLUMNS: usize = 5;
const EXCHANGE_COLUMNS: usize = 6;

/// The generic members file.
pub fn members(table: &Table, today: ServiceDate) -> Parsed<MemberRow> {
    let mut out = Parsed::default();
    let rows = data_rows(table, |r| {
        let kind = r.cell(2);
        let joined = r.cell(4);
        !kind.is_empty() && self::kind(kind).is_err() && !joined.is_empty() && cells::date(Column::Joined, joined).is_err()
    });
    if rows.is_empty() {
        out.problems.push(Problem::at(0, Reason::NoRows));
    }
    let mut seen = std::collections::HashMap::new();
    for row in rows {
        if row.cells.len() != MEMBER_COLUMNS {
            out.problems.push(wrong_columns(row, MEMBER_COLUMNS, Layout::GenericMembers));
            continue;
        }
        let mut problems = Vec::new();
        let id = cells::text(Column::Id, row.cell(0), MAX_CLIENT_REF_CHARS, false).map_err(|r| problems.push(r)).ok();
        if let Some(id) = &id {
            if let Some(first_line) = seen.get(id) {
                problems.push(Reason::DuplicateId { id: id.clone(), first_line: *first_line });
            } else {
                seen.insert(id.clone(), row.line);
            }
        }
        let name = cells::text(Column::Name, row.cell(1), MAX_NAME_CHARS, false).map_err(|r| problems.push(r)).ok();
        let kind = match row.cell(2) {
            "" => Some(MemberKind::Person),
            k => kind(k).map_err(|_| problems.push(Reason::BadKind { value: k.to_string() })).ok(),
        };
        let contact = cells::text(Column::Contact, row.cell(3), MAX_SHORT_TEXT_CHARS, true).map_err(|r| problems.push(r)).ok();
        let joined = match row.cell(4) {
            "" => Some(None),
            j => match cells::date(Column::Joined, j) {
                Ok(d) if d.0 > today.0 + MAX_DAYS_AHEAD => {
                    problems.push(Reason::FutureDate { value: j.to_string() });
                    None
                }
                Ok(d) => Some(Some(d)),
                Err(r) => {
                    problems.push(r);
                    None
                }
            },
        };
        match (id, name, kind, contact, joined, problems.is_empty()) {
            (Some(id), Some(name), Some(kind), Some(contact), Some(joined), true) => {
                let source = format!("{SOURCE_PREFIX}{id}");
                let mut profile = MemberProfile::new(name, kind);
                profile.contact = contact;
                profile.special_needs = source.clone();
                out.rows.push(MemberRow { line: row.line, source, profile, joined });
            }
            _ => out.problems.extend(problems.into_iter().map(|r| Problem::at(row.line, r))),
        }
    }
    out
}

/// The generic exchanges file.
pub fn exchanges(table: &Table, today: ServiceDate) -> Parsed<ExchangeRow> {
    let mut out = Parsed::default();
    let rows = data_rows(table, |r| cells::date(Column::Date, r.cell(0)).is_err() && cells::hours(r.cell(3)).is_err());
    if rows.is_empty() {
        out.problems.push(Problem::at(0, Reason::NoRows));
    }
    for row in rows {
        if row.cells.len() != EXCHANGE_COLUMNS {
            out.problems.push(wrong_columns(row, EXCHANGE_COLUMNS, Layout::GenericExchanges));
            continue;
        }
        let mut problems = Vec::new();
        let date = past_date(row.cell(0), today).map_err(|r| problems.push(r)).ok();
        let provider = party(Column::Provider, row.cell(1)).map_err(|r| problems.push(r)).ok();
        let receiver = party(Column::Receiver, row.cell(2)).map_err(|r| problems.push(r)).ok();
        if provider.is_some() && provider == receiver {
            problems.push(Reason::SameMember { id: row.cell(1).to_string() });
        }
        let minutes = cells::hours(row.cell(3)).map_err(|r| problems.push(r)).ok();
        let category = cells::text(Column::Category, row.cell(4), MAX_SHORT_TEXT_CHARS, true).map_err(|r| problems.push(r)).ok();
        let note = cells::text(Column::Note, row.cell(5), MAX_LONG_TEXT_CHARS, true).map_err(|r| problems.push(r)).ok();
        match (date, provider, receiver, minutes, category, note, problems.is_empty()) {
            (Some(date), Some(provider), Some(receiver), Some(minutes), Some(category), Some(note), true) => {
                out.rows.push(ExchangeRow { line: row.line, date, provider, receiver, minutes, category, note, cells: row.cells.clone() })
            }
            _ => out.problems.extend(problems.into_iter().map(|r| Problem::at(row.line, r))),
        }
    }
    out
}

/// A kind of member, in English or Welsh (`unigolyn`, `asiantaeth`, `grŵp`).
fn kind(value: &str) -> Result<MemberKind, ()> {
    match value.trim().to_lowercase().as_str() {
        "unigolyn" => Ok(MemberKind::Person),
        "asiantaeth" => Ok(MemberKind::Agency),
        "grŵp" | "grwp" => Ok(MemberKind::Group),
        other => other.parse().map_err(|_| ()),
    }
}

/// A side of an exchange: an Amser member code, else an id from the members file.
fn party(column: Column, value: &str) -> Result<Party, Reason> {
    if value.is_empty() {
        return Err(Reason::Missing { column });
    }
    if let Ok(code) = value.parse::<MemberCode>() {
        return Ok(Party::Code(code));
    }
    cells::text(column, value, MAX_CLIENT_REF_CHARS, false)?;
    Ok(Party::Source(format!("{SOURCE_PREFIX}{value}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::import::table::read;

    fn today() -> ServiceDate {
        ServiceDate::parse("2026-12-02").unwrap()
    }

    #[test]
    fn a_welsh_header_is_recognised_by_its_shape_and_kinds_default_to_person() {
        let t = read(
            "cod,enw,math,cyswllt,ymunodd\nA1,Mair Jones,,01443 555,2019-03-01\nYC,Canolfan Ieuenctid Rhymni,asiantaeth,,\n".as_bytes(),
        )
        .unwrap();
        let p = members(&t, today());
        assert_eq!(p.problems, []);
        assert_eq!(p.rows.len(), 2);
        assert_eq!((p.rows[0].line, p.rows[0].source.as_str(), p.rows[0].profile.kind), (2, "import:A1", MemberKind::Person));
        assert_eq!(p.rows[0].joined, Some(ServiceDate::parse("2019-03-01").unwrap()));
        assert_eq!((p.rows[1].profile.kind, p.rows[1].joined), (MemberKind::Agency, None));
    }

    #[test]
    fn a_file_without_a_header_starts_on_line_one_and_bad_kinds_and_twice_used_ids_are_named() {
        let t = read(b"A1,Mair,person,,\nA2,Gwen,wizard,,\nA1,Ifan,,,\n").unwrap();
        let p = members(&t, today());
        assert_eq!(p.rows.len(), 1);
        assert_eq!(
            p.problems,
            [
                Problem::at(2, Reason::BadKind { value: "wizard".into() }),
                Problem::at(3, Reason::DuplicateId { id: "A1".into(), first_line: 1 })
            ]
        );
    }

    #[test]
    fn exchanges_take_ids_or_member_codes_and_name_each_bad_cell() {
        let text = "dyddiad,rhoddwr,derbynnydd,oriau,categori,nodyn\n\
                    2024-01-05,A1,rhymney:ABCD-EF,1.5,gardening,\n\
                    2024-01-06,A1,A1,1,,\n\
                    2099-01-01,A1,A2,0,,\n";
        let p = exchanges(&read(text.as_bytes()).unwrap(), today());
        assert_eq!(p.rows.len(), 1);
        assert_eq!(p.rows[0].provider, Party::Source("import:A1".into()));
        assert_eq!(p.rows[0].receiver, Party::Code("rhymney:ABCD-EF".parse().unwrap()));
        let lines: Vec<(u64, &Reason)> = p.problems.iter().map(|p| (p.line, &p.reason)).collect();
        assert_eq!(
            lines,
            [
                (3, &Reason::SameMember { id: "A1".into() }),
                (4, &Reason::FutureDate { value: "2099-01-01".into() }),
                (4, &Reason::NotPositive { value: "0".into() })
            ]
        );
    }
}
