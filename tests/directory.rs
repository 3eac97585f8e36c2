//! The federation directory across real nodes on loopback (DESIGN.md §2c,
//! "Federation directory, as built"): Gwynedd shares its directory and two
//! of its three listings; Rhymney searches and finds those two, each with
//! the member's code, the bank and the category, and records an exchange
//! from a result; Cardiff does not share its directory and answers nothing.
//! The wire tap holds every byte each bank sent the others: the member's
//! name, contact, notes, the listings' descriptions and the unshared
//! listing stand nowhere in it.
//!
//! Waiting polls what a bank shows; the harness is tests/common/federation.rs.

mod common;

use common::federation::{Federation, Site, C, G, R, TRUST};
use serde_json::{json, Value};

/// What Gwynedd's member told her coordinator, none of which may leave Gwynedd.
const NAME: &str = "Gwenllian Pritchard";
const EMAIL: &str = "gwenllian.p@example.org";
const PHONE: &str = "07700 900461";
const SPECIAL_NEEDS: &str = "hearing loop at the door";
const AVAILABILITY: &str = "Tuesdays after the surgery";
/// The listings' own descriptions (sealed; never shared).
const DESCRIPTION: &str = "Gwenllian mends bikes in her shed on Stryd Fawr";
const UNSHARED_DESCRIPTION: &str = "Tandem repairs, ask for Gwenllian";
/// The directory titles the coordinator wrote, which other banks do see.
const OFFER_TITLE: &str = "Punctures, brakes and gears";
const REQUEST_TITLE: &str = "Someone to true a wheel";

/// Turns `[directory] share` on at `at` (stopped and started again).
fn share_directory(fed: &mut Federation, at: usize) {
    fed.stop(at);
    let config = fed[at].bank.dir.join("config.toml");
    let text = std::fs::read_to_string(&config).expect("config.toml");
    assert!(text.contains("[directory]\nshare = false"), "a new bank does not share its directory: {text}");
    std::fs::write(&config, text.replacen("[directory]\nshare = false", "[directory]\nshare = true", 1)).expect("config.toml");
    fed.up(at);
}

/// POST /listings at `site`; its id.
fn post_listing(site: &Site, kind: &str, member: &str, category: &str, description: &str) -> String {
    let body = json!({"kind": kind, "member": member, "category": category, "description": description});
    let a = site.api().post("/api/v1/listings", &body);
    assert_eq!(a.status, 201, "{}: a listing: {}", site.handle, a.text);
    a.body["id"].as_str().expect("listing id").to_string()
}

/// `amser listing share ID --title TITLE --json` at `site`.
fn share(site: &Site, id: &str, title: &str) -> Value {
    let v = site.bank.json(&["listing", "share", id, "--title", title]);
    assert_eq!(v["shared"], json!(true), "{v}");
    assert_eq!(v["title"], json!(title), "{v}");
    v
}

/// `amser directory search WORDS [ARGS...] --json` at `site`.
fn search(site: &Site, words: &str, args: &[&str]) -> Value {
    let mut all = vec!["directory", "search", words];
    all.extend_from_slice(args);
    site.bank.json(&all)
}

/// What `bank` (a handle) answered in a search.
fn answer_of<'a>(found: &'a Value, bank: &str) -> &'a Value {
    found["banks"]
        .as_array()
        .expect("banks")
        .iter()
        .find(|b| b["bank"]["handle"] == json!(bank))
        .unwrap_or_else(|| panic!("{bank} not in {found}"))
}

#[test]
fn a_directory_search_across_banks_returns_the_shared_listings_and_no_personal_field_on_the_wire() {
    let mut fed = Federation::on_loopback(true);
    share_directory(&mut fed, G);
    fed.admit_all_but(None, TRUST);
    fed.wait_linked();

    let member = json!({"name": NAME, "contact": format!("{EMAIL} {PHONE}"), "special_needs": SPECIAL_NEEDS, "availability": AVAILABILITY});
    let a = fed[G].api().post("/api/v1/members", &member);
    assert_eq!(a.status, 201, "{}", a.text);
    let gwen = a.body["code"].as_str().expect("code").to_string();
    let offer = post_listing(&fed[G], "offer", &gwen, "Bike repair", DESCRIPTION);
    let request = post_listing(&fed[G], "request", &gwen, "bike repair", "a buckled back wheel");
    let unshared = post_listing(&fed[G], "offer", &gwen, "bike repair", UNSHARED_DESCRIPTION);
    share(&fed[G], &offer, OFFER_TITLE);
    share(&fed[G], &request, REQUEST_TITLE);
    // Cardiff shares a listing, but not its directory: it answers nothing.
    let cai = fed[C].member("Cai Morgan");
    let cardiffs = post_listing(&fed[C], "offer", &cai, "bike repair", "Cai's bike shop");
    share(&fed[C], &cardiffs, "Bike servicing in Splott");

    let found = search(&fed[R], "bike REPAIR", &[]);
    let results = found["results"].as_array().expect("results");
    assert_eq!(results.len(), 2, "Gwynedd's two shared listings and nothing else: {found}");
    for r in results {
        assert_eq!(r["bank"]["handle"], json!("gwynedd"), "{r}");
        assert_eq!(r["bank"]["bank"], json!(fed[G].id), "{r}");
        assert_eq!(r["region"], json!("Gwynedd"), "{r}");
        assert_eq!(r["member"], json!(gwen), "{r}");
        assert_eq!(r["category"], json!("bike repair"), "{r}");
        assert_ne!(r["listing"], json!(unshared), "{r}");
    }
    let by_id = |id: &str| results.iter().find(|r| r["listing"] == json!(id)).unwrap_or_else(|| panic!("{id} not in {found}"));
    assert_eq!((by_id(&offer)["kind"].clone(), by_id(&offer)["title"].clone()), (json!("offer"), json!(OFFER_TITLE)));
    assert_eq!((by_id(&request)["kind"].clone(), by_id(&request)["title"].clone()), (json!("request"), json!(REQUEST_TITLE)));
    assert_eq!(answer_of(&found, "gwynedd")["answer"], json!("listings"), "{found}");
    assert_eq!(answer_of(&found, "gwynedd")["found"], json!(2), "{found}");
    assert_eq!(answer_of(&found, "cardiff")["answer"], json!("not_sharing"), "{found}");
    let text = fed[R].bank.amser(&["directory", "search", "bike repair", "--member", "rhymney:YOU"]).ok().stdout.clone();
    assert!(text.contains(&format!("amser exchange record --provider {gwen} --receiver rhymney:YOU --hours N")), "{text}");
    assert!(text.contains("cardiff does not share its directory"), "{text}");

    // Narrowed by region: Gwynedd's in Gwynedd, none elsewhere; words not in a title or category find nothing.
    assert_eq!(search(&fed[R], "bike repair", &["--region", "gwynedd"])["results"].as_array().map(Vec::len), Some(2));
    assert_eq!(search(&fed[R], "bike repair", &["--region", "Powys"])["results"], json!([]));
    assert_eq!(search(&fed[R], "knitting", &[])["results"], json!([]));

    // Withdrawn from the directory: no longer found.
    let v = fed[G].bank.json(&["listing", "unshare", &request]);
    assert_eq!((v["shared"].clone(), v["title"].clone()), (json!(false), json!("")), "{v}");
    let found = search(&fed[R], "bike repair", &[]);
    assert_eq!(found["results"].as_array().map(|r| r.iter().map(|r| r["listing"].clone()).collect::<Vec<_>>()), Some(vec![json!(offer)]));

    // A cross-bank exchange started from a result: Gwenllian helped Rhymney's member.
    let rhian = fed[R].member("Rhian Evans");
    let id = fed[R].record(&gwen, &rhian, "1.5", "");
    fed.wait_settled(R, G, &id);
    assert_eq!(fed[G].balance(&gwen), 90);

    // Every byte Gwynedd and Cardiff sent other banks.
    let (gwynedds, cardiffs_bytes) = (fed[G].tapped(), fed[C].tapped());
    assert!(gwynedds.iter().any(|t| t.carries(OFFER_TITLE)), "the tap holds Gwynedd's answers");
    for secret in [NAME, "Gwenllian", EMAIL, PHONE, SPECIAL_NEEDS, AVAILABILITY, DESCRIPTION, UNSHARED_DESCRIPTION, "buckled"] {
        assert!(!gwynedds.iter().any(|t| t.carries(secret)), "Gwynedd sent '{secret}' to another bank");
    }
    let unshared_bytes = hex::decode(&unshared).expect("a listing id is hex");
    assert!(
        !gwynedds.iter().any(|t| t.bytes.windows(unshared_bytes.len()).any(|w| w == unshared_bytes)),
        "the unshared listing's id left Gwynedd"
    );
    for secret in ["Bike servicing in Splott", "Cai's bike shop", "Cai Morgan"] {
        assert!(!cardiffs_bytes.iter().any(|t| t.carries(secret)), "Cardiff sent '{secret}' though it does not share");
    }
    fed.check_invariants();
}

#[test]
fn a_search_with_no_words_or_too_many_and_a_title_too_long_are_refused_with_what_to_fix() {
    let fed = Federation::on_loopback(false);
    let (code, message) = fed[R].bank.amser(&["directory", "search", "   ", "--json"]).json_error();
    assert_eq!(code, "bad_search");
    assert!(message.contains("needs words"), "{message}");
    let long = "bike ".repeat(30);
    let (code, message) = fed[R].bank.amser(&["directory", "search", &long, "--json"]).json_error();
    assert_eq!(code, "bad_search");
    assert!(message.contains("at most 100"), "{message}");
    fed[R].api().get("/api/v1/directory?q=").expect_error(400, "bad_search");

    let rhian = fed[R].member("Rhian Evans");
    let id = post_listing(&fed[R], "offer", &rhian, "gardening", "weeding");
    let (code, message) = fed[R].bank.amser(&["listing", "share", &id, "--title", &"t".repeat(81), "--json"]).json_error();
    assert!(message.contains("80"), "{code}: {message}");
    // No bank admitted: nothing asked, nothing found.
    assert_eq!(search(&fed[R], "gardening", &[]), json!({"results": [], "banks": []}));
}
