//! A coordinator's day with the real `amser` binary: create the bank, run
//! its node, add people, an agency and a group, record one-to-one,
//! person-to-agency and group exchanges, and read back balances, reports,
//! the audit and the exports. Every number checked here is worked out by
//! hand in the comments next to it.

mod common;

use common::{Bank, Node, RHYMNEY};
use serde_json::{json, Value};

/// The 15th of the month before the one `date` (YYYY-MM-DD) falls in: a day
/// that is in the past, in another month, and well inside the 12-month
/// window that makes a member "active".
fn mid_last_month(date: &str) -> String {
    let year: i32 = date[..4].parse().expect("year");
    let month: u32 = date[5..7].parse().expect("month");
    let (y, m) = if month == 1 { (year - 1, 12) } else { (year, month - 1) };
    format!("{y:04}-{m:02}-15")
}

/// A bank with a running node and the cast of the day.
struct Rhymney {
    /// Before `bank`: fields drop in order, and the node must stop before its directory goes.
    node: Node,
    bank: Bank,
    mair: String,
    gwen: String,
    dai: String,
    carys: String,
    youth_centre: String,
    pot: String,
}

fn rhymney() -> Rhymney {
    let bank = Bank::empty();
    let created = bank.json(&["init", "--name", RHYMNEY.name, "--handle", RHYMNEY.handle]);
    assert_eq!(created["handle"], json!(RHYMNEY.handle), "{created}");
    assert!(created["bank_id"].as_str().is_some_and(|id| id.starts_with("12D3KooW")), "a bank id is an ed25519 libp2p peer id: {created}");
    let node = bank.up();
    assert_eq!(node.bank_id, created["bank_id"].as_str().unwrap(), "the ready line names the bank that init created");
    let mair = bank.add_member("Mair Jones", "person");
    let gwen = bank.add_member("Gwen Davies", "person");
    let dai = bank.add_member("Dai Price", "person");
    let carys = bank.add_member("Carys Evans", "person");
    let youth_centre = bank.add_member("Rhymney Youth Centre", "agency");
    let pot = bank.add_member("Community Pot", "group");
    for code in [&mair, &gwen, &dai, &carys, &youth_centre, &pot] {
        assert!(code.starts_with(&format!("{}:", RHYMNEY.handle)) && code.len() == "rhymney:7KQ2-M9".len(), "member code {code}");
    }
    Rhymney { bank, node, mair, gwen, dai, carys, youth_centre, pot }
}

#[test]
fn rhymney_coordinator_records_a_jazz_afternoon_for_three_listeners_and_reports_the_day() {
    let r = rhymney();
    let b = &r.bank;

    // 1. One to one, hours as a decimal: Mair gardens for Gwen, 1.5 h.
    let garden =
        b.record(&["--provider", &r.mair, "--receiver", &r.gwen, "--hours", "1.5", "--category", "Gardening", "--note", "veg beds"]);
    assert_eq!(garden["minutes_each"], json!(90), "1.5 hours is 90 minutes: {garden}");
    assert_eq!(garden["category"], json!("gardening"), "categories are kept in lower case: {garden}");
    assert_eq!(garden["recorded_by"], json!("coordinator"));
    assert_eq!(garden["reversed"], json!(false));
    let today = garden["date"].as_str().expect("service date").to_string();
    let last_month = mid_last_month(&today);

    // 2. One to one, hours as hours:minutes: Gwen shops for Dai, 1:30.
    let shopping = b.record(&["--provider", &r.gwen, "--receiver", &r.dai, "--hours", "1:30", "--category", "shopping", "--date", &today]);
    assert_eq!(shopping["minutes_each"], json!(90), "1:30 is 90 minutes, the same as 1.5: {shopping}");

    // 3. Group, one provider to many receivers: Dai plays a 3-hour jazz
    //    afternoon for Mair, Gwen and Carys. Dai earns 180; the three
    //    listeners share it, 60 each.
    let listeners = format!("{},{},{}", r.mair, r.gwen, r.carys);
    let jazz = b.record(&[
        "--provider",
        &r.dai,
        "--receiver",
        &listeners,
        "--hours",
        "3",
        "--category",
        "music",
        "--note",
        "jazz afternoon",
        "--date",
        &today,
    ]);
    assert_eq!(jazz["providers"], json!([r.dai]));
    assert_eq!(jazz["receivers"], json!([r.mair, r.gwen, r.carys]));
    assert_eq!(jazz["total_minutes"], json!(180));
    let postings: Vec<(String, i64)> = jazz["postings"]
        .as_array()
        .expect("postings")
        .iter()
        .map(|p| (p["member"].as_str().unwrap().to_string(), p["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(postings, vec![(r.dai.clone(), 180), (r.mair.clone(), -60), (r.gwen.clone(), -60), (r.carys.clone(), -60)], "{jazz}");

    // 4. Person to agency, last month: Carys helps at the youth centre, 2 h.
    let youth = b.record(&[
        "--provider",
        &r.carys,
        "--receiver",
        &r.youth_centre,
        "--hours",
        "2",
        "--category",
        "youth work",
        "--date",
        &last_month,
    ]);
    assert_eq!(youth["date"], json!(last_month));

    // 5. Group, many providers to one agency: Mair and Gwen each give the
    //    youth centre's open day 1 hour; the centre pays 120.
    let providers = format!("{},{}", r.mair, r.gwen);
    let open_day =
        b.record(&["--provider", &providers, "--receiver", &r.youth_centre, "--hours", "1", "--category", "youth work", "--date", &today]);
    assert_eq!(open_day["total_minutes"], json!(120), "{open_day}");

    // 6. A group account: Dai stewards the litter pick the Community Pot runs, 1 h.
    b.record(&["--provider", &r.dai, "--receiver", &r.pot, "--hours", "1", "--category", "community", "--date", &today]);

    // Balances, worked out by hand:
    //   Mair   +90 (garden) -60 (jazz) +60 (open day)            =   90
    //   Gwen   -90 (garden) +90 (shopping) -60 (jazz) +60 (open)  =    0
    //   Dai    -90 (shopping) +180 (jazz) +60 (litter pick)       =  150
    //   Carys  -60 (jazz) +120 (youth centre)                     =   60
    //   Youth centre -120 (Carys) -120 (open day)                 = -240
    //   Community Pot -60 (litter pick)                           =  -60
    let expected = [(&r.mair, 90), (&r.gwen, 0), (&r.dai, 150), (&r.carys, 60), (&r.youth_centre, -240), (&r.pot, -60)];
    for (code, minutes) in expected {
        assert_eq!(b.balance(code), minutes, "balance of {code}");
    }
    let all = b.json(&["balance"]);
    assert_eq!(all["sum_minutes"], json!(0), "a bank's balances always sum to zero: {all}");
    assert_eq!(all["accounts"].as_array().unwrap().len(), 6, "{all}");
    let dai = all["accounts"].as_array().unwrap().iter().find(|a| a["code"] == json!(r.dai)).expect("Dai's account");
    assert_eq!(dai["name"], json!("Dai Price"));
    assert_eq!(dai["balance"], json!("2:30"), "shown as H:MM: {dai}");

    // The report funders ask for: 90+90+180+120+120+60 = 660 minutes = 11 h in 6 exchanges.
    let report = b.json(&["report"]);
    assert_eq!(report["bank"], json!(RHYMNEY.name));
    assert_eq!(report["total"], json!({"exchanges": 6, "minutes": 660, "hours": 11.0}), "{report}");
    assert_eq!(report["members"], json!(6));
    assert_eq!(report["active_members"], json!(6), "everyone took part this year: {report}");
    assert_eq!(
        report["by_category"],
        json!({
            "gardening": {"exchanges": 1, "minutes": 90, "hours": 1.5},
            "shopping": {"exchanges": 1, "minutes": 90, "hours": 1.5},
            "music": {"exchanges": 1, "minutes": 180, "hours": 3.0},
            "youth work": {"exchanges": 2, "minutes": 240, "hours": 4.0},
            "community": {"exchanges": 1, "minutes": 60, "hours": 1.0},
        }),
        "{report}"
    );
    assert_eq!(
        report["by_month"],
        json!({
            today[..7].to_string(): {"exchanges": 5, "minutes": 540, "hours": 9.0},
            last_month[..7].to_string(): {"exchanges": 1, "minutes": 120, "hours": 2.0},
        }),
        "{report}"
    );
    assert_eq!(
        report["by_agency"],
        json!([{"code": r.youth_centre, "name": "Rhymney Youth Centre", "minutes_given": 0, "minutes_received": 240, "exchanges": 2}]),
        "{report}"
    );
    // A shorter window leaves out nobody here, but it is honoured and shown.
    let one_month = b.json(&["report", "--active-months", "1"]);
    assert_eq!(one_month["active_months"], json!(1), "{one_month}");

    // The audit re-reads the whole journal: 1 opening + 6 members + 6 exchanges.
    let status = b.json(&["status"]);
    assert_eq!(status["journal_seq"], json!(13), "{status}");
    let audit = b.json(&["audit"]);
    assert_eq!(audit["ok"], json!(true), "{audit}");
    assert_eq!(audit["entries"], json!(13), "{audit}");
    assert_eq!(audit["head_hash"], status["journal_head"], "audit and status agree on the journal head");
    assert_eq!(audit["members"], json!(6));
    assert_eq!(audit["exchanges"], json!(6));
    assert_eq!(audit["balance_sum_minutes"], json!(0));
    assert_eq!(audit["problems"], json!([]));

    // CSV export: the header and one row per exchange, in journal order.
    let csv = b.amser(&["export", "--format", "csv"]).ok().stdout.clone();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "exchange_id,seq,date,providers,receivers,minutes_each,hours_each,total_minutes,category,note,recorded_by,reversed,reversal_reason",
        "{csv}"
    );
    assert_eq!(lines.len(), 1 + 6, "{csv}");
    let jazz_row: Vec<&str> =
        lines.iter().find(|l| l.starts_with(jazz["id"].as_str().unwrap())).expect("the jazz afternoon's row").split(',').collect();
    assert_eq!(jazz_row[3], r.dai);
    assert_eq!(jazz_row[4], format!("{} {} {}", r.mair, r.gwen, r.carys));
    assert_eq!(&jazz_row[5..13], &["180", "3.00", "180", "music", "jazz afternoon", "coordinator", "false", ""]);
    for x in [&garden, &shopping, &jazz, &youth, &open_day] {
        assert_eq!(lines.iter().filter(|l| l.starts_with(x["id"].as_str().unwrap())).count(), 1, "exchange {} once in the CSV", x["id"]);
    }

    // JSON export: the whole register and ledger.
    let export = b.amser(&["export", "--format", "json"]).ok().json();
    assert_eq!(export["members"].as_array().map(Vec::len), Some(6), "{export}");
    assert_eq!(export["exchanges"].as_array().map(Vec::len), Some(6));
    let members = export["members"].as_array().expect("members");
    assert_eq!(members.iter().map(|m| m["balance_minutes"].as_i64().unwrap()).sum::<i64>(), 0);
    assert!(members.iter().any(|m| m["code"] == json!(r.youth_centre) && m["balance_minutes"] == json!(-240)), "{members:?}");
    // Ids and dates read the same as in the CSV and the API.
    let csv_ids: Vec<&str> = csv.lines().skip(1).filter_map(|l| l.split(',').next()).collect();
    for x in export["exchanges"].as_array().unwrap() {
        assert!(csv_ids.contains(&x["id"].as_str().unwrap()), "{x}");
        assert_eq!(x["date"].as_str().unwrap().len(), "2026-11-26".len(), "{x}");
    }
    assert_eq!(export["bank"]["name"], json!(RHYMNEY.name));

    // And with --output, to a file the coordinator can send on.
    let file = b.dir.parent().unwrap().join("exchanges.csv");
    let written = b.json(&["export", "--format", "csv", "--output", file.to_str().unwrap()]);
    assert_eq!(written["bytes"], json!(csv.len()));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), csv);
}

#[test]
fn a_mistaken_exchange_is_reversed_and_every_balance_comes_back() {
    let r = rhymney();
    let b = &r.bank;
    b.record(&["--provider", &r.mair, "--receiver", &r.gwen, "--hours", "2"]);
    let before = b.snapshot();

    // Recorded by mistake: Dai to three people at once, 4:15.
    let listeners = format!("{},{},{}", r.mair, r.gwen, r.carys);
    let wrong = b.record(&["--provider", &r.dai, "--receiver", &listeners, "--hours", "4:15", "--category", "music"]);
    assert_eq!(b.balance(&r.dai), 255);
    assert_eq!(b.balance(&r.mair), 120 - 85);
    let id = wrong["id"].as_str().unwrap();

    // Reversed by its first characters, as a coordinator would type it.
    let reversed = b.json(&["exchange", "reverse", &id[..10], "--reason", "entered for the wrong week"]);
    assert_eq!(reversed["id"], json!(id));
    assert_eq!(reversed["reversed"], json!(true));
    assert_eq!(reversed["reversal_reason"], json!("entered for the wrong week"));

    let after = b.snapshot();
    assert_eq!(after.balances, before.balances, "the reversal restores every balance");
    assert_eq!(after.journal_seq, before.journal_seq + 2, "the mistake and its reversal are both on record, nothing was edited");
    let shown = b.json(&["exchange", "show", id]);
    assert_eq!(shown["reversed"], json!(true), "{shown}");
    assert_eq!(shown["minutes_each"], json!(255), "the original stays as it was: {shown}");

    // Reversing twice is refused and changes nothing.
    let (code, message) = b.amser(&["exchange", "reverse", id, "--reason", "again", "--json"]).json_error();
    assert_eq!(code, "already_reversed");
    assert!(message.contains("already reversed"), "{message}");
    assert_eq!(b.snapshot(), after);

    // A reversed exchange counts for nothing in the report, but stays in the export.
    let report = b.json(&["report"]);
    assert_eq!(report["total"]["exchanges"], json!(1), "{report}");
    assert_eq!(report["total"]["minutes"], json!(120), "{report}");
    let csv = b.amser(&["export"]).ok().stdout.clone();
    let row = csv.lines().find(|l| l.starts_with(id)).expect("reversed exchange still exported");
    assert!(row.ends_with(",true,entered for the wrong week"), "{row}");
    assert_eq!(b.json(&["audit"])["ok"], json!(true));
}

#[test]
fn a_retried_record_with_the_same_ref_is_recorded_once() {
    let r = rhymney();
    let b = &r.bank;
    let args = [
        "--provider",
        &r.mair,
        "--receiver",
        &r.youth_centre,
        "--hours",
        "1:45",
        "--category",
        "befriending",
        "--ref",
        "sheet-2024-07-visit-12",
    ];
    let first = b.record(&args);
    let seq = b.snapshot().journal_seq;
    // The coordinator's connection dropped; they run the same command again.
    let again = b.record(&args);
    assert_eq!(again["id"], first["id"], "the same reference gives the same exchange");
    assert_eq!(again["seq"], first["seq"]);
    assert_eq!(b.snapshot().journal_seq, seq, "nothing new was written");
    assert_eq!(b.balance(&r.mair), 105, "credited once, not twice");
    assert_eq!(b.balance(&r.youth_centre), -105);

    // Without a reference, each command is a new exchange (the CLI makes a fresh one).
    let plain = ["--provider", &r.mair, "--receiver", &r.youth_centre, "--hours", "1"];
    let one = b.record(&plain);
    let two = b.record(&plain);
    assert_ne!(one["id"], two["id"]);
    assert_eq!(b.balance(&r.mair), 105 + 120);
    assert_eq!(b.json(&["exchange", "list"]).as_array().map(Vec::len), Some(3));
}

#[test]
fn a_paused_member_cannot_take_part_until_made_active_again() {
    let r = rhymney();
    let b = &r.bank;
    let paused = b.json(&["member", "set", &r.gwen, "--status", "paused"]);
    assert_eq!(paused["status"], json!("paused"), "{paused}");
    let before = b.snapshot();

    for args in [["--provider", &r.mair, "--receiver", &r.gwen], ["--provider", &r.gwen, "--receiver", &r.mair]] {
        let mut all = vec!["exchange", "record", "--hours", "1", "--json"];
        all.extend_from_slice(&args);
        let (code, message) = b.amser(&all).json_error();
        assert_eq!(code, "member_not_active");
        assert!(
            message.contains(&r.gwen) && message.contains("paused") && message.contains("--status active"),
            "says who and how to fix it: {message}"
        );
    }
    let group = format!("{},{}", r.mair, r.gwen);
    let (code, _) = b.amser(&["exchange", "record", "--provider", &r.dai, "--receiver", &group, "--hours", "1", "--json"]).json_error();
    assert_eq!(code, "member_not_active", "one paused member refuses the whole group exchange");
    assert_eq!(b.snapshot(), before, "nothing was recorded, not even in part");
    assert_eq!(b.json(&["member", "list", "--status", "paused"]).as_array().map(Vec::len), Some(1));

    b.json(&["member", "set", &r.gwen, "--status", "active"]);
    b.record(&["--provider", &r.mair, "--receiver", &r.gwen, "--hours", "1"]);
    assert_eq!(b.balance(&r.gwen), -60);
}

#[test]
fn offers_and_requests_are_listed_by_category_and_closed_when_matched() {
    let r = rhymney();
    let b = &r.bank;
    let offer = b.json(&[
        "listing",
        "add",
        "--kind",
        "offer",
        "--member",
        &r.mair,
        "--category",
        "Gardening",
        "--description",
        "help with veg beds",
    ]);
    assert_eq!(offer["kind"], json!("offer"));
    assert_eq!(offer["category"], json!("gardening"));
    assert_eq!(offer["open"], json!(true));
    let request =
        b.json(&["listing", "add", "--kind", "request", "--member", &r.dai, "--category", "gardening", "--description", "hedge cut"]);
    let lift = b.json(&[
        "listing",
        "add",
        "--kind",
        "request",
        "--member",
        &r.carys,
        "--category",
        "transport",
        "--description",
        "lift to the surgery",
    ]);

    let ids = |v: Value| -> Vec<String> { v.as_array().unwrap().iter().map(|l| l["id"].as_str().unwrap().to_string()).collect() };
    let all = ids(b.json(&["listing", "list"]));
    assert_eq!(all.len(), 3);
    let mut gardening = ids(b.json(&["listing", "list", "--category", "gardening"]));
    gardening.sort();
    let mut expected = vec![offer["id"].as_str().unwrap().to_string(), request["id"].as_str().unwrap().to_string()];
    expected.sort();
    assert_eq!(gardening, expected);

    // Mair cuts Dai's hedge: the coordinator records it and closes the request.
    b.record(&["--provider", &r.mair, "--receiver", &r.dai, "--hours", "2", "--category", "gardening"]);
    let closed = b.json(&["listing", "close", request["id"].as_str().unwrap()]);
    assert_eq!(closed["open"], json!(false));
    let open = ids(b.json(&["listing", "list"]));
    assert_eq!(open.len(), 2);
    assert!(!open.contains(&request["id"].as_str().unwrap().to_string()));
    assert!(open.contains(&lift["id"].as_str().unwrap().to_string()));

    // Closing it again is refused.
    let (code, _) = b.amser(&["listing", "close", request["id"].as_str().unwrap(), "--json"]).json_error();
    assert_eq!(code, "listing_closed");
}

#[test]
fn status_names_the_bank_its_journal_position_and_policy() {
    let r = rhymney();
    let status = r.bank.json(&["status"]);
    assert_eq!(status["name"], json!(RHYMNEY.name));
    assert_eq!(status["handle"], json!(RHYMNEY.handle));
    assert_eq!(status["bank_id"], json!(r.node.bank_id));
    assert_eq!(status["members"], json!(6));
    assert_eq!(status["journal_seq"], json!(7), "the opening entry and six members: {status}");
    assert_eq!(status["journal_head"].as_str().map(str::len), Some(64));
    assert_eq!(status["policy"]["person_floor_hours"], json!(-10));
    assert_eq!(status["policy"]["max_hours_per_person"], json!(24));
    let text = r.bank.amser(&["status"]).ok().stdout.clone();
    let heading = format!("{} ({})", RHYMNEY.name, RHYMNEY.handle);
    assert!(text.contains(&heading) && text.contains("entry 7"), "{text}");
}

#[test]
fn sigterm_stops_the_node_cleanly_and_a_restart_shows_the_same_balances() {
    let Rhymney { bank, node, mair, gwen, dai, youth_centre, .. } = rhymney();
    bank.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2:20"]);
    bank.record(&["--provider", &format!("{dai},{gwen}"), "--receiver", &youth_centre, "--hours", "3.25"]);
    let before = bank.snapshot();
    assert!(bank.api_addr_file().exists(), "a running node says where its API is");

    let status = node.terminate();
    assert_eq!(status.code(), Some(0), "SIGTERM is a clean stop: {status}; log:\n{}", bank.log());
    assert!(!bank.api_addr_file().exists(), "a stopped node removes api.addr");
    assert!(bank.log().contains("node stopped"), "{}", bank.log());
    let (code, message) = bank.amser(&["status", "--json"]).json_error();
    assert!(message.contains("not running") && message.contains("amser up"), "{code}: {message}");
    // The offline audit reads the files directly.
    let offline = bank.amser(&["audit", "--json"]).ok().json();
    assert_eq!(offline["ok"], json!(true), "{offline}");
    assert_eq!(offline["head_seq"], json!(before.journal_seq));

    let _node = bank.up();
    assert_eq!(bank.snapshot(), before, "same journal head and balances after the restart");
    assert_eq!(bank.balance(&youth_centre), -390);
    assert_eq!(bank.json(&["audit"])["ok"], json!(true));
}
