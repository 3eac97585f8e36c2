//! A regional network of real nodes on loopback: banks that never admitted
//! each other, reached through the banks that did (DESIGN.md §2c).
//!
//! Rhymney admits Gwynedd, Gwynedd admits Cardiff, and Rhymney and Cardiff
//! never meet. Each bank signs and gossips the room on its trust lines
//! (`LineRoom`); Rhymney hears Cardiff's advert through Gwynedd and finds
//! the path a transfer to a Cardiff member would take.
//!
//! Waiting polls what a bank shows, as in tests/federation.rs; the harness
//! is tests/common/federation.rs.

mod common;

use common::federation::{Federation, C, G, R};
use common::{CARDIFF, GWYNEDD, RHYMNEY};
use serde_json::{json, Value};

/// Rhymney–Gwynedd and Gwynedd–Cardiff admit each other, each with `trust` hours.
fn a_line_of_three(trust: &str) -> Federation {
    let mut fed = Federation::on_loopback(false);
    for (i, j) in [(R, G), (G, R), (G, C), (C, G)] {
        fed.admit(i, j, trust, false);
    }
    fed.wait_linked();
    fed
}

/// The handles along a path answer, or the error's code.
fn path(fed: &Federation, at: usize, to: &str, hours: &str) -> Result<Vec<String>, (u16, Value)> {
    let a = fed[at].api().get(&format!("/api/v1/federation/path?to={to}&hours={hours}"));
    if a.status != 200 {
        return Err((a.status, a.body));
    }
    Ok(a.body["banks"].as_array().expect("banks").iter().map(|b| b["handle"].as_str().unwrap_or("?").to_string()).collect())
}

#[test]
fn rhymney_finds_the_way_to_cardiff_through_gwynedd_and_loses_it_when_cardiffs_line_fills() {
    let fed = a_line_of_three("5");
    let through = vec![RHYMNEY.handle.to_string(), GWYNEDD.handle.to_string(), CARDIFF.handle.to_string()];
    let found = fed.wait_for("Rhymney to find a path to Cardiff", || path(&fed, R, CARDIFF.handle, "2").ok());
    assert_eq!(found, through);
    assert_eq!(path(&fed, R, GWYNEDD.handle, "2").expect("a direct path"), [RHYMNEY.handle, GWYNEDD.handle]);
    let peers = fed[R].api().get_all("/api/v1/peers");
    assert!(peers.iter().all(|p| p["handle"] != json!(CARDIFF.handle)), "Rhymney never admitted Cardiff: {peers:?}");

    // What Rhymney holds of Cardiff's advert: the room Cardiff extends to Gwynedd, numbers only.
    let rooms = fed[R].get("/federation/rooms");
    let cardiff = rooms.as_array().unwrap().iter().find(|a| a["bank"]["handle"] == json!(CARDIFF.handle)).expect("Cardiff's advert");
    assert_eq!(cardiff["fresh"], json!(true), "{cardiff}");
    assert_eq!(cardiff["lines"], json!([{"peer": {"bank": fed[G].id, "handle": GWYNEDD.handle}, "minutes": 300, "hours": 5.0}]));
    let text = fed[R].bank.amser(&["transfer", "path", "--to", CARDIFF.handle, "--hours", "2"]).ok().stdout.clone();
    assert!(
        text.contains(&format!("{} -> {} -> {}", RHYMNEY.handle, GWYNEDD.handle, CARDIFF.handle)) && text.contains("2 trust lines"),
        "{text}"
    );
    let text = fed[R].bank.amser(&["peer", "rooms"]).ok().stdout.clone();
    assert!(text.contains(CARDIFF.handle) && text.contains("5:00"), "{text}");

    // More than any line on the way has room for: no path, and the error says what to do.
    let (status, body) = path(&fed, R, CARDIFF.handle, "6").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (409, json!("no_path")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("trust line"), "{body}");

    // A Cardiff member helps Gwynedd's for 4 hours: Gwynedd's members now owe
    // Cardiff's 4 of the 5 hours Cardiff extends, and Rhymney hears of it.
    let (gwen, cai) = (fed[G].member("Gwen Roberts"), fed[C].member("Cai Morgan"));
    let id = fed[G].record(&cai, &gwen, "4", "");
    fed.wait_settled(G, C, &id);
    fed.wait_until("Rhymney to hear that Cardiff's line with Gwynedd has 1 hour of room", || {
        matches!(path(&fed, R, CARDIFF.handle, "2"), Err((409, _)))
    });
    assert_eq!(path(&fed, R, CARDIFF.handle, "1").expect("one hour still fits"), through);

    let (status, body) = path(&fed, R, "swansea", "1").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (404, json!("unknown_bank")), "{body}");
    let (status, body) = path(&fed, R, RHYMNEY.handle, "1").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (400, json!("own_bank")), "{body}");
    let (status, body) = path(&fed, R, CARDIFF.handle, "0").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (422, json!("bad_hours")), "{body}");
    fed.check_invariants();
}
