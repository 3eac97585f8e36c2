//! A bank with more than one page of everything, through the real `amser`
//! binary (issue 10, finding 13): Rhymney's coordinator lists the register,
//! the exchanges, the balances and the listings and exports them, and gets
//! every row, once, though the node answers a bounded page at a time; and
//! asks for one page and the next by its cursor.

mod common;

use std::collections::HashSet;

use common::{Bank, RHYMNEY};
use serde_json::{json, Value};

/// More than the node's default page (100), so every list takes two pages or more.
const MEMBERS: usize = 130;
const EXCHANGES: usize = 230;

fn codes(list: &Value) -> Vec<String> {
    list.as_array().unwrap_or_else(|| panic!("a list: {list}")).iter().map(|m| m["code"].as_str().expect("code").to_string()).collect()
}

#[test]
fn rhymney_coordinator_lists_and_exports_a_bank_larger_than_a_page() {
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    let api = node.api();
    // Members and exchanges straight through the API: a process per row would be slow.
    let mut members = Vec::new();
    for i in 0..MEMBERS {
        let kind = if i < 2 { "agency" } else { "person" };
        let a = api.post("/api/v1/members", &json!({"name": format!("Member {i}"), "kind": kind}));
        assert_eq!(a.status, 201, "{}", a.text);
        members.push(a.body["code"].as_str().expect("code").to_string());
    }
    let (youth_centre, library) = (&members[0], &members[1]);
    for i in 0..EXCHANGES {
        let (from, to) = if i % 2 == 0 { (youth_centre, library) } else { (library, youth_centre) };
        let a = api.post("/api/v1/exchanges", &json!({"providers": [from], "receivers": [to], "minutes": 1 + i % 3}));
        assert_eq!(a.status, 201, "{}", a.text);
    }
    for i in 0..(MEMBERS - 2) {
        let body = json!({"kind": "offer", "member": members[2 + i], "category": "gardening", "description": format!("veg beds {i}")});
        assert_eq!(api.post("/api/v1/listings", &body).status, 201);
    }
    let first_page = api.get("/api/v1/members");
    assert_eq!(first_page.body["items"].as_array().map(Vec::len), Some(100), "the node answers a page: {}", first_page.text);

    // The whole register, each member once, as one JSON list.
    let listed = codes(&bank.json(&["member", "list"]));
    assert_eq!(listed.len(), MEMBERS);
    assert_eq!(listed.iter().collect::<HashSet<_>>(), members.iter().collect::<HashSet<_>>());
    assert_eq!(bank.json(&["member", "list", "--kind", "agency"]).as_array().map(Vec::len), Some(2));
    let text = bank.amser(&["member", "list"]).ok().stdout.clone();
    assert!(text.trim_end().ends_with(&format!("{MEMBERS} members")), "{text}");

    // Every exchange, newest first, each once.
    let exchanges = bank.json(&["exchange", "list"]);
    let seqs: Vec<u64> = exchanges.as_array().expect("a list").iter().map(|x| x["seq"].as_u64().expect("seq")).collect();
    assert_eq!(seqs.len(), EXCHANGES);
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first, each once");

    // Every balance, and the sum from the first page.
    let balances = bank.json(&["balance"]);
    assert_eq!(balances["accounts"].as_array().map(Vec::len), Some(MEMBERS), "{balances}");
    assert_eq!(balances["sum_minutes"], json!(0));
    assert!(balances.get("next").is_none(), "the whole list has no cursor: {balances}");

    // Listings, all of them.
    assert_eq!(bank.json(&["listing", "list"]).as_array().map(Vec::len), Some(MEMBERS - 2));

    // One page, then the next by its cursor; together they are the first 100 of the register.
    let page = bank.json(&["member", "list", "--limit", "60"]);
    assert_eq!(page["items"].as_array().map(Vec::len), Some(60), "{page}");
    let cursor = page["next"].as_str().expect("a cursor for the next page").to_string();
    let next = bank.json(&["member", "list", "--limit", "40", "--cursor", &cursor]);
    let mut both = codes(&page["items"]);
    both.extend(codes(&next["items"]));
    assert_eq!(both, listed[..100].to_vec());
    let text = bank.amser(&["exchange", "list", "--limit", "5"]).ok().stdout.clone();
    assert!(text.contains("More: give --cursor "), "the text says how to go on: {text}");
    let (code, message) = bank.amser(&["member", "list", "--cursor", "nonsense", "--json"]).failed().json_error();
    assert_eq!(code, "bad_cursor", "{message}");
    let (code, message) = bank.amser(&["member", "list", "--limit", "5000", "--json"]).failed().json_error();
    assert_eq!(code, "limit_too_large");
    assert!(message.contains("1000"), "{message}");

    // The export: the CLI joins the pages into one document or one CSV.
    let export = bank.amser(&["export", "--format", "json"]).ok().json();
    assert_eq!(export["members"].as_array().map(Vec::len), Some(MEMBERS), "{export}");
    assert_eq!(export["exchanges"].as_array().map(Vec::len), Some(EXCHANGES));
    assert_eq!(export["listings"].as_array().map(Vec::len), Some(MEMBERS - 2));
    assert_eq!(export["bank"]["handle"], json!(RHYMNEY.handle));
    let csv = bank.amser(&["export", "--format", "csv"]).ok().stdout.clone();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + EXCHANGES, "the header once and a row per exchange");
    assert!(lines[0].starts_with("exchange_id,"));
    let audit = bank.json(&["audit"]);
    assert_eq!(audit["ok"], json!(true), "{audit}");
}
