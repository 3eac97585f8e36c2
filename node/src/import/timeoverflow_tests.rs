//! Stories of TimeOverflow's exports as banks have them: headers in
//! Spanish and Catalan, the longer member shapes, the bank's own account,
//! members TimeOverflow no longer names, and every kind of bad cell.

use super::*;
use crate::import::table::read;

fn today() -> ServiceDate {
    ServiceDate::parse("2026-12-02").unwrap()
}

fn day(s: &str) -> ServiceDate {
    ServiceDate::parse(s).unwrap()
}

#[test]
fn a_spanish_members_export_is_read_by_position_with_its_contacts_joined() {
    let text = "N,Nombre de usuario,Email,Teléfono,Teléfono alternativo\n\
                1,Ana García,ana@example.org,600 111 222,\n\
                12,\"Pérez, Joan\",,,93 555 0101\n";
    let p = members(&read(text.as_bytes()).unwrap(), today());
    assert_eq!(p.problems, []);
    assert_eq!(p.rows.len(), 2);
    assert_eq!((p.rows[0].line, p.rows[0].source.as_str(), p.rows[0].profile.name.as_str()), (2, "timeoverflow:1", "Ana García"));
    assert_eq!(p.rows[0].profile.contact, "ana@example.org, 600 111 222");
    assert_eq!((p.rows[1].profile.name.as_str(), p.rows[1].profile.contact.as_str()), ("Pérez, Joan", "93 555 0101"));
    assert_eq!(p.rows[1].profile.special_needs, "timeoverflow:12", "the id is kept where only coordinators see it");
}

#[test]
fn the_nine_and_sixteen_column_shapes_give_the_join_date_from_created_at() {
    let nine = "N,Nom d'usuari,Correu electrònic,Telèfon,Telèfon alternatiu,Creat,Últim accés,Idioma,Saldo\n\
                3,Marta,marta@example.org,,,2019-05-01 10:00:00 +0200,,ca,3600\n";
    let p = members(&read(nine.as_bytes()).unwrap(), today());
    assert_eq!(p.problems, []);
    assert_eq!(p.rows[0].joined, Some(day("2019-05-01")));
    let mut sixteen = vec!["4", "Pau", "pau@example.org", "1980-01-01", "600", "601", "C/ Major 1", "2020-02-03 09:00:00", ""];
    sixteen.extend(["", "", "", "", "", "", ""]);
    let row = sixteen.join(",");
    let p = members(&read(row.as_bytes()).unwrap(), today());
    assert_eq!(p.problems, []);
    assert_eq!((p.rows[0].line, p.rows[0].profile.contact.as_str()), (1, "pau@example.org, 600, 601"));
    assert_eq!(p.rows[0].joined, Some(day("2020-02-03")));
}

#[test]
fn bad_member_rows_are_each_named_by_line_and_good_ones_still_read() {
    let text = "N,Username,Email,Phone,Alt. phone\n\
                1,Mair,,,\n\
                0,The bank,,,\n\
                x7,Gwen,,,\n\
                1,Ifan,,,\n\
                5,,,,\n\
                6,Dai,,\n";
    let p = members(&read(text.as_bytes()).unwrap(), today());
    assert_eq!(p.rows.len(), 1);
    let got: Vec<(u64, Reason)> = p.problems.into_iter().map(|p| (p.line, p.reason)).collect();
    assert_eq!(
        got,
        [
            (3, Reason::BankAccountAsMember),
            (4, Reason::BadId { column: Column::Id, value: "x7".into() }),
            (5, Reason::DuplicateId { id: "1".into(), first_line: 2 }),
            (6, Reason::Missing { column: Column::Name }),
            (7, Reason::WrongColumns { found: 4, expected: 5, layout: Layout::TimeoverflowMembers }),
        ]
    );
}

#[test]
fn a_file_of_the_wrong_shape_says_what_shape_it_should_have() {
    let p = members(&read(b"Name,Email\nMair,m@example.org\n").unwrap(), today());
    assert_eq!(p.problems, [Problem::at(1, Reason::WrongColumns { found: 2, expected: 5, layout: Layout::TimeoverflowMembers })]);
    assert!(p.problems[0].to_string().contains("N, Username, Email, Phone, Alt. phone"));
    let p = members(&read(b"N,Username,Email,Phone,Alt. phone\n").unwrap(), today());
    assert_eq!(p.problems, [Problem::at(0, Reason::NoRows)]);
}

const CATALAN_TRANSFERS: &str = "Data,de,de ID,a,a ID,anunci,anunci ID,Motiu,quantitat\n\
    2024-03-05 10:23:45 +0100,Banc del Temps Rhymney,0,Ana García,1,,,Benvinguda,2.0\n\
    05/03/2024,Ana García,1,\"Pérez, Joan\",12,Jardineria,44,\"Poda, i més\",1.5\n";

#[test]
fn a_catalan_transfers_export_maps_from_to_the_receiver_and_id_0_to_the_fund() {
    let p = exchanges(&read(CATALAN_TRANSFERS.as_bytes()).unwrap(), today());
    assert_eq!(p.problems, []);
    assert_eq!(p.rows.len(), 2);
    let first = &p.rows[0];
    assert_eq!(first.receiver, Party::Fund { name: "Banc del Temps Rhymney".into() });
    assert_eq!(first.provider, Party::Source("timeoverflow:1".into()));
    assert_eq!((first.date, first.minutes, first.note.as_str()), (day("2024-03-05"), amser_protocol::Minutes(120), "Benvinguda"));
    let second = &p.rows[1];
    assert_eq!((second.line, second.date), (3, day("2024-03-05")));
    assert_eq!((&second.receiver, &second.provider), (&Party::Source("timeoverflow:1".into()), &Party::Source("timeoverflow:12".into())));
    assert_eq!(second.note, "Jardineria: Poda, i més");
}

#[test]
fn bad_transfer_rows_name_the_cell_and_say_what_to_write() {
    let text = "Date,from,from ID,to,to ID,post,post ID,Reason,quantity\n\
                2024-01-01,A,1,B,2,,,ok,1.5\n\
                2024-02-30,A,1,B,2,,,,1\n\
                2024-01-02,A,1,B,2,,,,-1.5\n\
                2024-01-03,A,1,B,2,,,,1.255\n\
                2024-01-04,inactive_user,inactive_user,B,2,,,,1\n\
                2024-01-05,A,1,A,1,,,,1\n\
                2099-01-01,A,1,B,2,,,,0\n\
                2024-01-06,A,1,B,rhymney:ABCD-EF,,,,0.25\n";
    let p = exchanges(&read(text.as_bytes()).unwrap(), today());
    assert_eq!(p.rows.len(), 2, "{:?}", p.problems);
    assert_eq!(p.rows[1].provider, Party::Code("rhymney:ABCD-EF".parse().unwrap()), "a member code may stand in for an id");
    let got: Vec<(u64, Reason)> = p.problems.into_iter().map(|p| (p.line, p.reason)).collect();
    assert_eq!(
        got,
        [
            (3, Reason::BadDate { column: Column::Date, value: "2024-02-30".into() }),
            (4, Reason::NotPositive { value: "-1.5".into() }),
            (5, Reason::TooPrecise { value: "1.255".into() }),
            (6, Reason::NoLongerThere { column: Column::Receiver, value: "inactive_user".into() }),
            (7, Reason::SameMember { id: "1".into() }),
            (8, Reason::FutureDate { value: "2099-01-01".into() }),
            (8, Reason::NotPositive { value: "0".into() }),
        ]
    );
}

#[test]
fn the_short_transfers_report_without_ids_is_refused_naming_the_complete_one() {
    let p = exchanges(&read(b"Date,From,To,Post,Quantity\n2024-01-01,A,B,,1:00\n").unwrap(), today());
    assert_eq!(p.problems, [Problem::at(1, Reason::WrongColumns { found: 5, expected: 9, layout: Layout::TimeoverflowTransfers })]);
}

#[test]
fn a_transfers_file_without_a_header_starts_on_line_one() {
    let p = exchanges(&read(b"2024-01-01,A,1,B,2,,,,1\n").unwrap(), today());
    assert_eq!((p.rows.len(), p.rows[0].line), (1, 1));
}
