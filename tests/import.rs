//! Moving from TimeOverflow through the real binary (issue 11, DESIGN.md
//! §1d): Rhymney's coordinator runs `amser import` on the CSV files
//! TimeOverflow's admin reports export (tests/data/timeoverflow/). The dry
//! run names every bad line and writes nothing; a file with a problem is
//! refused whole; the fixed file imports with its original dates, the
//! bank's own account becomes one fund, every balance is TimeOverflow's,
//! and Gwen, whose history takes her below today's floor, is listed rather
//! than refused. The same files again add nothing.

mod common;

use std::path::PathBuf;

use common::{Bank, RHYMNEY};
use serde_json::{json, Value};

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/timeoverflow").join(name);
    path.to_str().expect("a UTF-8 path").to_string()
}

/// Each member's balance in minutes as TimeOverflow's members export has it (seconds / 60), by name.
fn timeoverflow_balances() -> Vec<(String, i64)> {
    let text = std::fs::read_to_string(data("members.csv")).unwrap();
    let mut reader = csv_rows(&text);
    reader.remove(0);
    reader.into_iter().map(|row| (row[1].clone(), row[8].parse::<i64>().unwrap() / 60)).collect()
}

/// A CSV file's rows, with quotes as TimeOverflow writes them (no newlines in cells here).
fn csv_rows(text: &str) -> Vec<Vec<String>> {
    text.trim_start_matches('\u{feff}')
        .lines()
        .map(|line| {
            let (mut cells, mut cell, mut quoted) = (Vec::new(), String::new(), false);
            for c in line.trim_end_matches('\r').chars() {
                match c {
                    '"' => quoted = !quoted,
                    ',' if !quoted => cells.push(std::mem::take(&mut cell)),
                    _ => cell.push(c),
                }
            }
            cells.push(cell);
            cells
        })
        .collect()
}

fn import(bank: &Bank, kind: &str, file: &str, extra: &[&str]) -> common::command::Run {
    let mut args = vec!["import", kind, file];
    args.extend_from_slice(extra);
    args.push("--json");
    bank.amser(&args)
}

fn lines_of(report: &Value) -> Vec<u64> {
    report["problems"].as_array().unwrap().iter().map(|p| p["line"].as_u64().unwrap()).collect()
}

#[test]
fn rhymney_moves_from_timeoverflow_and_the_balances_are_timeoverflows() {
    let bank = Bank::init(RHYMNEY);
    let _node = bank.up();
    let empty = bank.snapshot();

    // The members: a dry run says what it would add and writes nothing.
    let dry = import(&bank, "members", &data("members.csv"), &["--dry-run"]).ok().json();
    assert_eq!((dry["new"].clone(), dry["already"].clone(), dry["written"].clone()), (json!(4), json!(0), json!(false)), "{dry}");
    assert_eq!(bank.snapshot(), empty, "a dry run writes nothing");
    let members = import(&bank, "members", &data("members.csv"), &[]).ok().json();
    assert_eq!((members["new"].clone(), members["written"].clone()), (json!(4), json!(true)), "{members}");
    let code_of = |name: &str| -> String {
        let m = members["members"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == json!(name))
            .unwrap_or_else(|| panic!("{name} in {members}"));
        m["code"].as_str().expect("a code once added").to_string()
    };
    let ifan = bank.json(&["member", "show", &code_of("Rhys, Ifan ap")]);
    assert_eq!(ifan["member"]["contact"], json!("ifan@example.org, 07700 900123"), "{ifan}");
    assert_eq!(ifan["member"]["joined"], json!("2020-01-15"), "the join date is TimeOverflow's");

    // The transfers with two bad lines: the dry run names lines 4 and 7 and writes nothing.
    let after_members = bank.snapshot();
    let run = import(&bank, "exchanges", &data("transfers-with-problems.csv"), &["--dry-run"]);
    let dry = run.failed().json();
    assert_eq!(lines_of(&dry), [4, 7], "{dry}");
    assert_eq!(dry["problems"][0]["reason"], json!({"reason": "bad_date", "column": "date", "value": "2024-02-30 09:00:00 +0000"}));
    assert_eq!(dry["problems"][1]["reason"]["reason"], json!("too_precise"));
    // Without --dry-run the same file is refused whole, and says so for people.
    let refused = bank.amser(&["import", "exchanges", &data("transfers-with-problems.csv")]);
    refused.failed();
    assert!(refused.stdout.contains("line 4: '2024-02-30 09:00:00 +0000' is not a date"), "{}", refused.stdout);
    assert!(refused.stdout.contains("line 7: '1.255' has more than 2 decimal places"), "{}", refused.stdout);
    assert!(refused.stderr.contains("nothing was written"), "{}", refused.stderr);
    assert_eq!(bank.snapshot(), after_members, "a file with a problem writes nothing at all");

    // The fixed file: a dry run lists Gwen beyond today's floor and the new fund.
    let dry = import(&bank, "exchanges", &data("transfers.csv"), &["--dry-run"]).ok().json();
    assert_eq!((dry["new"].clone(), dry["fund"]["new"].clone()), (json!(7), json!(true)), "{dry}");
    assert_eq!(dry["fund"]["name"], json!("Rhymney Time Bank"));
    let beyond: Vec<(&str, i64)> = dry["beyond_limits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|b| (b["name"].as_str().unwrap(), b["balance_minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(beyond, [("Gwen Davies", -865)], "{dry}");
    assert_eq!(bank.snapshot(), after_members);

    let done = import(&bank, "exchanges", &data("transfers.csv"), &[]).ok().json();
    assert_eq!((done["new"].clone(), done["written"].clone()), (json!(7), json!(true)), "{done}");
    let fund = done["fund"]["code"].as_str().expect("the fund's code").to_string();
    for (name, minutes) in timeoverflow_balances() {
        assert_eq!(bank.balance(&code_of(&name)), minutes, "{name}'s balance is TimeOverflow's");
    }
    assert_eq!(bank.balance(&fund), -320, "the bank's own account paid 5 h and 0.33 h");
    let after_import = bank.snapshot();

    // History as it happened: the original dates, marked as imported, past today's limits.
    let exchanges = bank.json(&["exchange", "list"]);
    let list = exchanges.as_array().expect("a list");
    let mut dates: Vec<&str> = list.iter().map(|x| x["date"].as_str().unwrap()).collect();
    dates.sort();
    assert_eq!(dates, ["2024-01-10", "2024-02-01", "2024-02-28", "2024-03-03", "2024-03-10", "2024-03-11", "2024-04-01"]);
    assert!(list.iter().all(|x| x["recorded_by"] == json!("coordinator (import)")), "{exchanges}");
    let gwen = bank.json(&["member", "show", &code_of("Gwen Davies")]);
    assert_eq!(gwen["member"]["balance_minutes"], json!(-865), "{gwen}");
    // Today's rules still hold for new exchanges: Gwen cannot go further below her floor.
    let more = bank.amser(&[
        "exchange",
        "record",
        "--provider",
        &code_of("Mair Jones"),
        "--receiver",
        &code_of("Gwen Davies"),
        "--hours",
        "1",
        "--json",
    ]);
    assert!(more.failed().stdout.contains("below_floor"), "{}", more.stdout);

    // The same files again add nothing, and say so.
    let again = import(&bank, "exchanges", &data("transfers.csv"), &[]).ok().json();
    assert_eq!((again["new"].clone(), again["already"].clone(), again["written"].clone()), (json!(0), json!(7), json!(false)), "{again}");
    assert_eq!(again["fund"]["code"], json!(fund), "the fund is found, not added again");
    let again = import(&bank, "members", &data("members.csv"), &[]).ok().json();
    assert_eq!((again["new"].clone(), again["already"].clone()), (json!(0), json!(4)), "{again}");
    assert_eq!(bank.snapshot(), after_import, "nothing was written the second time");
    let audit = bank.json(&["audit"]);
    assert_eq!(audit["ok"], json!(true), "{audit}");
}

#[test]
fn a_bank_from_a_spreadsheet_uses_the_generic_layout_with_welsh_headers_and_member_codes() {
    let bank = Bank::init(RHYMNEY);
    let _node = bank.up();
    let dai = bank.add_member("Dai Morgan", "person");
    let dir = tempfile::tempdir().unwrap();
    let members = dir.path().join("aelodau.csv");
    std::fs::write(
        &members,
        "rhif;enw;math;cyswllt;ymunodd\nA7;Canolfan Ieuenctid Rhymni;asiantaeth;;2018-09-01\nB2;Eleri Hughes;;eleri@example.org;\n",
    )
    .unwrap();
    let added = import(&bank, "members", members.to_str().unwrap(), &["--format", "generic"]).ok().json();
    assert_eq!(added["new"], json!(2), "{added}");
    let exchanges = dir.path().join("cyfnewidiadau.csv");
    let text = format!(
        "dyddiad,rhoddwr,derbynnydd,oriau,categori,nodyn\n2023-05-01,A7,B2,30,youth work,\"Haf, 2023\"\n2023-06-01,B2,{dai},1:30,,\n"
    );
    std::fs::write(&exchanges, text).unwrap();
    let done = import(&bank, "exchanges", exchanges.to_str().unwrap(), &["--format", "generic"]).ok().json();
    assert_eq!((done["new"].clone(), done["fund"].clone()), (json!(2), Value::Null), "{done}");
    assert_eq!(bank.balance(&dai), -90);
    let list = bank.json(&["exchange", "list"]);
    let long = list.as_array().unwrap().iter().find(|x| x["date"] == json!("2023-05-01")).expect("the youth centre's exchange");
    assert_eq!(
        (long["minutes_each"].clone(), long["category"].clone()),
        (json!(1800), json!("youth work")),
        "30 hours in one go is history, not refused"
    );

    // A file larger than the API's usual body limit (64 KiB) is taken: 3,000 members, checked.
    let many = dir.path().join("many.csv");
    let rows: String =
        (1..=3000).map(|n| format!("{n},Member number {n} of the old bank,person,member{n}@example.org,2019-01-01\n")).collect();
    assert!(rows.len() > 64 * 1024);
    std::fs::write(&many, format!("id,name,kind,contact,joined\n{rows}")).unwrap();
    let dry = import(&bank, "members", many.to_str().unwrap(), &["--format", "generic", "--dry-run"]).ok().json();
    assert_eq!((dry["new"].clone(), dry["written"].clone()), (json!(3000), json!(false)), "{}", dry["problems"]);

    // A file too large is refused before it is sent.
    let big = dir.path().join("big.csv");
    std::fs::write(&big, vec![b'x'; amser_node::import::MAX_IMPORT_BYTES + 1]).unwrap();
    let refused = bank.amser(&["import", "members", big.to_str().unwrap()]);
    assert!(refused.failed().stderr.contains("split it into smaller files"), "{}", refused.stderr);
}
