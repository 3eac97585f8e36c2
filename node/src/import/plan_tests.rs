//! Stories of a plan: a second run finds everything there, the fund is
//! added once, unknown and paused members are named, and balances beyond
//! today's limits are listed, not refused.

use super::*;
use crate::import::{parse_exchanges, parse_members, timeoverflow};
use amser_protocol::Handle;

fn today() -> ServiceDate {
    ServiceDate::parse("2026-12-02").unwrap()
}

fn code(n: u64) -> MemberCode {
    let handle: Handle = "rhymney".parse().unwrap();
    MemberCode::derive(&BankId([7; 32]), &handle, n, 0)
}

fn person(name: &str, balance: i64) -> Registered {
    Registered {
        name: name.into(),
        status: MemberStatus::Active,
        limits: Limits { floor: Minutes::from_hours(-10), ceiling: Minutes::from_hours(100) },
        balance: Minutes(balance),
    }
}

/// Rhymney with Ana (TimeOverflow 1) and Joan (12) imported already.
fn rhymney() -> Register {
    let mut r = Register {
        bank: BankId([7; 32]),
        handle: "rhymney".into(),
        bank_name: "Rhymney Time Bank".into(),
        members: HashMap::new(),
        sources: HashMap::new(),
        group_limits: Limits { floor: Minutes::from_hours(-1000), ceiling: Minutes::from_hours(1000) },
    };
    for (n, name) in [(1, "Ana"), (12, "Joan")] {
        r.members.insert(code(n), person(name, 0));
        r.sources.insert(timeoverflow::source_id(n), code(n));
    }
    r
}

const TRANSFERS: &str = "Date,from,from ID,to,to ID,post,post ID,Reason,quantity\n\
    2024-03-05,Rhymney,0,Ana,1,,,Welcome,2\n\
    2024-03-06,Ana,1,Joan,12,,,Garden,12.5\n\
    2024-03-06,Ana,1,Joan,12,,,Garden,12.5\n\
    2024-03-07,Mystery,99,Joan,12,,,,1\n";

fn nothing_recorded(_: &ExchangeId) -> Result<bool, LedgerError> {
    Ok(false)
}

#[test]
fn members_already_in_the_register_are_found_and_the_rest_are_new() {
    let file = "N,Username,Email,Phone,Alt. phone\n1,Ana,,,\n2,Pau,,,\n";
    let plan = members(parse_members(file.as_bytes(), Format::Timeoverflow, today()), &rhymney());
    assert_eq!(plan.already, [(2, code(1))]);
    assert_eq!(plan.add.iter().map(|r| (r.line, r.source.as_str())).collect::<Vec<_>>(), [(3, "timeoverflow:2")]);
}

#[test]
fn an_unknown_id_is_named_by_line_and_two_equal_rows_are_two_exchanges() {
    let plan = exchanges(
        parse_exchanges(TRANSFERS.as_bytes(), Format::Timeoverflow, today()),
        Format::Timeoverflow,
        &rhymney(),
        &nothing_recorded,
    )
    .unwrap();
    assert_eq!(plan.problems, [Problem::at(5, Reason::UnknownMember { column: Column::Receiver, id: "99".into() })]);
    assert_eq!(plan.record.len(), 3);
    assert_ne!(plan.record[1].client_ref, plan.record[2].client_ref, "the same transfer twice on one day is two transfers");
    assert!(plan.record.iter().all(|x| x.client_ref.len() <= amser_protocol::limits::MAX_CLIENT_REF_CHARS));
    assert_eq!(plan.new_fund.as_deref(), Some("Rhymney"), "the fund is named as TimeOverflow named the bank's account");
    assert_eq!(plan.record[0].receiver, Side::NewFund);
}

#[test]
fn history_beyond_todays_limits_is_listed_with_where_it_leaves_each_member() {
    let file: String = TRANSFERS.lines().take(4).map(|l| format!("{l}\n")).collect();
    let plan =
        exchanges(parse_exchanges(file.as_bytes(), Format::Timeoverflow, today()), Format::Timeoverflow, &rhymney(), &nothing_recorded)
            .unwrap();
    assert_eq!(plan.problems, []);
    // Ana earned 2 h and paid 25 h: -23 h, below her floor of -10 h; Joan +25 h is within 100 h.
    assert_eq!(plan.beyond.len(), 1, "{:?}", plan.beyond);
    assert_eq!((plan.beyond[0].name.as_str(), plan.beyond[0].balance_after), ("Ana", Minutes(-23 * 60)));
    assert_eq!(plan.beyond[0].floor, Minutes::from_hours(-10));
}

#[test]
fn a_second_run_finds_every_row_recorded_and_the_fund_in_the_register() {
    let mut register = rhymney();
    register.members.insert(code(3), person("Rhymney", 0));
    register.sources.insert(FUND_SOURCE.into(), code(3));
    let file: String = TRANSFERS.lines().take(4).map(|l| format!("{l}\n")).collect();
    let first =
        exchanges(parse_exchanges(file.as_bytes(), Format::Timeoverflow, today()), Format::Timeoverflow, &register, &nothing_recorded)
            .unwrap();
    assert_eq!((first.new_fund.clone(), first.record.len()), (None, 3));
    let ids: Vec<ExchangeId> = first
        .record
        .iter()
        .map(|x| {
            let (Side::Member(p), Side::Member(r)) = (&x.provider, &x.receiver) else { panic!("members") };
            crate::ledger::exchange_id(
                &register.bank,
                std::slice::from_ref(p),
                std::slice::from_ref(r),
                x.minutes,
                &x.category,
                x.date,
                &x.client_ref,
            )
            .unwrap()
        })
        .collect();
    let recorded = move |id: &ExchangeId| Ok(ids.contains(id));
    let again =
        exchanges(parse_exchanges(file.as_bytes(), Format::Timeoverflow, today()), Format::Timeoverflow, &register, &recorded).unwrap();
    assert_eq!((again.record.len(), again.already, again.beyond.len()), (0, vec![2, 3, 4], 0));
}

#[test]
fn a_paused_member_and_another_banks_member_are_refused_by_line() {
    let mut register = rhymney();
    register.members.get_mut(&code(12)).unwrap().status = MemberStatus::Paused;
    let file = "2024-03-06,Ana,1,Joan,12,,,,1\n2024-03-06,Ana,1,X,gwynedd:ABCD-EF,,,,1\n";
    let plan =
        exchanges(parse_exchanges(file.as_bytes(), Format::Timeoverflow, today()), Format::Timeoverflow, &register, &nothing_recorded)
            .unwrap();
    assert_eq!(
        plan.problems,
        [
            Problem::at(1, Reason::NotActive { column: Column::Provider, code: code(12).to_string(), status: "paused".into() }),
            Problem::at(2, Reason::OtherBank { column: Column::Provider, code: "gwynedd:ABCD-EF".into() }),
        ]
    );
}
