//! Group events, reversing an exchange with a reason, and changing a
//! member's details and status, from the console.

use super::*;

/// Adds a member through the console's form; their code.
pub fn add_in_console(browser: &mut Browser, name: &str, skills: &str) -> String {
    let form = browser.get("/members/new");
    let (csrf, once) = (form.csrf(), form.field("once"));
    let added = browser.post("/members", &[("csrf", &csrf), ("once", &once), ("name", name), ("kind", "person"), ("skills", skills)]);
    assert_eq!(added.status, 303, "{}", added.html);
    added.location.expect("to the member's page").trim_start_matches("/members/").to_string()
}

/// Posts the record form with `fields` and the page's own csrf and client reference.
fn send_exchange(browser: &mut Browser, fields: &[(&str, &str)]) -> common::browser::Page {
    let form = browser.get("/exchanges/new");
    let (csrf, client_ref) = (form.csrf(), form.field("client_ref"));
    let mut all = vec![("csrf", csrf.as_str()), ("client_ref", client_ref.as_str())];
    all.extend_from_slice(fields);
    browser.post("/exchanges", &all)
}

fn ticked(page: &common::browser::Page, list: &str, code: &str) -> bool {
    page.shows(&format!("name=\"{list}\" value=\"{code}\" checked"))
}

#[test]
fn sian_records_the_rhymney_jazz_band_playing_for_the_lunch_club() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let band: Vec<String> =
        ["Rhys Band", "Owain Band", "Catrin Band", "Elin Band"].iter().map(|n| add_in_console(&mut browser, n, "jazz")).collect();
    let club: Vec<String> = (1..=30).map(|i| add_in_console(&mut browser, &format!("Lunch Club {i:02}"), "")).collect();

    // The form says plainly how the hours are shared.
    let form = browser.get("/exchanges/new");
    assert!(form.shows("share that time equally") && form.shows("16 minutes each"), "{}", form.html);

    // The name filter works without JavaScript and keeps what is ticked.
    let form = browser.get("/exchanges/new");
    let (csrf, client_ref) = (form.csrf(), form.field("client_ref"));
    let found = browser.post(
        "/exchanges",
        &[("csrf", &csrf), ("client_ref", &client_ref), ("providers", &band[0]), ("hours", "2"), ("find", "Owain"), ("finding", "1")],
    );
    assert_eq!(found.status, 200, "{}", found.html);
    assert!(found.shows("Owain Band") && !found.shows("Catrin Band") && !found.shows("Lunch Club 07"), "filtered: {}", found.html);
    assert!(ticked(&found, "providers", &band[0]) && found.shows("Rhys Band"), "Rhys stays ticked though the filter leaves him out");
    assert!(found.shows("more members are not shown") && found.field("hours") == "2", "{}", found.html);
    assert_eq!(f.bank.json(&["exchange", "list"]).as_array().unwrap().len(), 1, "filtering records nothing");
    let by_get = browser.get("/exchanges/new?find=catrin");
    assert!(by_get.shows("Catrin Band") && !by_get.shows("Owain Band"), "a filter in the address too");

    // A member ticked on both sides is refused plainly, and the ticks come back.
    let mut fields: Vec<(&str, &str)> = band.iter().map(|c| ("providers", c.as_str())).collect();
    fields.extend(club.iter().map(|c| ("receivers", c.as_str())));
    let mut twice = fields.clone();
    twice.push(("receivers", band[1].as_str()));
    twice.extend([("hours", "2"), ("category", "music")]);
    let refused = send_exchange(&mut browser, &twice);
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.shows("ticked both as giving and as receiving"), "{}", refused.html);
    assert!(ticked(&refused, "providers", &band[3]) && ticked(&refused, "receivers", &club[29]), "nothing is lost");

    // Four players, two hours each, thirty listeners: 8 hours shared, 16 minutes each.
    fields.extend([("hours", "2"), ("category", "music"), ("note", "Jazz at the lunch club")]);
    let done = send_exchange(&mut browser, &fields);
    assert_eq!(done.status, 303, "{}", done.html);
    let after = browser.get(done.location.as_deref().unwrap());
    assert!(after.shows("Recorded: 2 music (4 gave, 30 received)."), "{}", after.html);
    for player in &band {
        assert_eq!(f.bank.balance(player), 120);
    }
    for listener in &club {
        assert_eq!(f.bank.balance(listener), -16);
    }

    // The one-to-one path still works alongside.
    let one = send_exchange(&mut browser, &[("provider", &f.mair), ("receiver", &f.gwen), ("hours", "1"), ("category", "gardening")]);
    assert_eq!(one.status, 303, "{}", one.html);
    assert!(browser.get(one.location.as_deref().unwrap()).shows("Recorded: 1 gardening."));

    // In Welsh, the group form is Welsh throughout.
    let csrf = browser.get("/").csrf();
    browser.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let cy = browser.get("/exchanges/new?find=Owain");
    for welsh in ["Ticiwch bawb a roddodd amser", "16 munud yr un", "Dangos yr aelodau sy'n cyfateb", "Ni ddangosir"] {
        assert!(cy.says(welsh), "lacks '{welsh}': {}", cy.html);
    }
    for english in ["Tick everyone", "share that time", "Show matching", "not shown", "Find members"] {
        assert!(!cy.shows(english), "English '{english}' on a Welsh page: {}", cy.html);
    }
}

#[test]
fn a_wrong_exchange_is_reversed_with_a_reason_and_the_balances_go_back() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let (mair_before, gwen_before) = (f.bank.balance(&f.mair), f.bank.balance(&f.gwen));
    let wrong = send_exchange(&mut browser, &[("provider", &f.mair), ("receiver", &f.gwen), ("hours", "3"), ("category", "shopping")]);
    assert_eq!(wrong.status, 303, "{}", wrong.html);
    assert_eq!(f.bank.balance(&f.mair), mair_before + 180);

    // From Mair's page, the exchange's "Reverse" link leads to a confirmation page.
    let list: Value = f.bank.json(&["exchange", "list"]);
    let id = list.as_array().unwrap().iter().find(|x| x["category"] == "shopping").expect("the wrong exchange")["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mair = browser.get(&format!("/members/{}", f.mair));
    assert!(mair.shows(&format!("/exchanges/{id}/reverse")), "a reverse link on her page: {}", mair.html);
    let link = format!("/exchanges/{id}/reverse?from={}", f.mair);
    let confirm = browser.get(&link);
    assert_eq!(confirm.status, 200, "{}", confirm.html);
    assert!(confirm.shows("Reverse an exchange") && confirm.shows("shopping") && confirm.shows("Mair Jones: -3:00"), "{}", confirm.html);
    assert_eq!(f.bank.balance(&f.mair), mair_before + 180, "looking at the page changes nothing");

    // A reason is required; the page says so and nothing changes.
    let action = link.split('?').next().unwrap().to_string();
    let (csrf, once) = (confirm.csrf(), confirm.field("once"));
    let no_reason = browser.post(&action, &[("csrf", &csrf), ("once", &once), ("reason", "  "), ("back", &f.mair)]);
    assert_eq!(no_reason.status, 422, "{}", no_reason.html);
    assert!(no_reason.shows("Say why the exchange is being reversed"), "{}", no_reason.html);

    // A viewer's POST to reverse is refused.
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    let trustee_csrf = trustee.get("/").csrf();
    assert_eq!(trustee.get(&link).status, 403);
    let refused = trustee.post(&action, &[("csrf", &trustee_csrf), ("once", "trustee-once"), ("reason", "I think it is wrong")]);
    assert_eq!(refused.status, 403, "{}", refused.html);
    assert_eq!(f.bank.balance(&f.mair), mair_before + 180);
    let trustee_sees = trustee.get(&format!("/members/{}", f.mair));
    assert!(!trustee_sees.shows("/reverse"), "no reverse link for a viewer");

    // Reversed with a reason; sent twice (a double click), reversed once.
    let fields = [("csrf", csrf.as_str()), ("once", once.as_str()), ("reason", "Recorded for the wrong member"), ("back", f.mair.as_str())];
    let done = browser.post(&action, &fields);
    assert_eq!((done.status, done.location.clone()), (303, Some(format!("/members/{}", f.mair))), "{}", done.html);
    assert_eq!(browser.post(&action, &fields).status, 303, "the same form again lands in the same place");
    assert_eq!((f.bank.balance(&f.mair), f.bank.balance(&f.gwen)), (mair_before, gwen_before), "the balances go back");

    // The history shows it reversed, with the reason; the viewer sees it reversed, not why.
    let history = browser.get(&format!("/members/{}", f.mair));
    assert!(history.shows("Reversed: Recorded for the wrong member"), "{}", history.html);
    let trustee_sees = trustee.get(&format!("/members/{}", f.mair));
    assert!(trustee_sees.shows("Reversed") && !trustee_sees.shows("wrong member"), "{}", trustee_sees.html);

    // Reversing it again is refused plainly, in Welsh too.
    let again = browser.get(&link);
    assert_eq!(again.status, 409, "{}", again.html);
    assert!(again.shows("was reversed already") && again.shows("Recorded for the wrong member"), "{}", again.html);
    let late = browser.post(&action, &[("csrf", &csrf), ("once", "a-new-once"), ("reason", "again")]);
    assert!(late.shows("was reversed already"), "{}", late.html);
    let csrf_now = browser.get("/").csrf();
    browser.post("/language", &[("csrf", &csrf_now), ("language", "cy")]);
    let cy = browser.get(&link);
    assert!(cy.says("wedi'i wrthdroi'n barod") && !cy.shows("reversed already"), "{}", cy.html);
    assert_eq!(browser.get("/exchanges/abcdef0123/reverse").status, 404, "no such exchange");
}

#[test]
fn gwen_is_paused_then_marked_as_left_and_can_no_longer_be_picked() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let edit_path = format!("/members/{}/edit", f.mair);
    let form = browser.get(&edit_path);
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.shows("Change the details of Mair Jones") && form.shows("Visits in pairs only"), "{}", form.html);

    // Mair's details change; what was not touched stays.
    let (csrf, once) = (form.csrf(), form.field("once"));
    let edit = |once: &str, contact: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("once", once.to_string()),
            ("name", "Mair Jones".to_string()),
            ("kind", "person".to_string()),
            ("contact", contact.to_string()),
            ("skills", "gardening\nbaking bara brith".to_string()),
            ("needs", String::new()),
            ("availability", "Tuesday mornings".to_string()),
            ("special_needs", SPECIAL_NEEDS.to_string()),
        ]
    };
    let send = |browser: &mut Browser, path: &str, fields: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post(path, &pairs)
    };
    let saved = send(&mut browser, &edit_path, &edit(&once, "07700 900123"));
    assert_eq!(saved.status, 303, "{}", saved.html);
    assert!(browser.get(saved.location.as_deref().unwrap()).shows("The changes are saved."));
    let shown: Value = f.bank.json(&["member", "show", &f.mair]);
    assert_eq!(shown["member"]["contact"], "07700 900123", "{shown}");
    assert_eq!(shown["member"]["skills_offered"], serde_json::json!(["gardening", "baking bara brith"]));
    assert_eq!(shown["member"]["special_needs"], SPECIAL_NEEDS);
    // A name too long comes back with the form as filled in.
    let mut long = edit("another-once", "07700 900999");
    long[2].1 = "M".repeat(400);
    let refused = send(&mut browser, &edit_path, &long);
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.shows("Name is too long") && refused.shows("07700 900999"), "{}", refused.html);

    // Gwen is paused: she cannot be picked; then marked as left.
    let gwen_edit = browser.get(&format!("/members/{}/edit", f.gwen));
    let status_path = format!("/members/{}/status", f.gwen);
    let status_form_once = gwen_edit.field("status_once");
    let csrf = gwen_edit.csrf();
    let paused = browser.post(&status_path, &[("csrf", &csrf), ("status_once", &status_form_once), ("status", "paused")]);
    assert_eq!(paused.status, 303, "{}", paused.html);
    let page = browser.get(paused.location.as_deref().unwrap());
    assert!(page.shows("Status now: paused") && page.shows("Make active again"), "{}", page.html);
    assert!(!browser.get("/exchanges/new").shows("Gwen Davies"), "a paused member cannot be picked");
    let refused = send_exchange(&mut browser, &[("provider", &f.mair), ("receiver", &f.gwen), ("hours", "1")]);
    assert!(refused.shows("paused or has left"), "{}", refused.html);
    let left = browser.post(&status_path, &[("csrf", &csrf), ("status_once", "left-once"), ("status", "left")]);
    assert_eq!(left.status, 303, "{}", left.html);
    assert_eq!(f.bank.json(&["member", "show", &f.gwen])["member"]["status"], "left");
    assert!(!browser.get("/exchanges/new").shows("Gwen Davies"), "nor one who has left");
    assert!(browser.get(&format!("/members/{}", f.gwen)).shows("left"));

    // A viewer cannot change anyone, even by posting the form directly; nor can Gwen.
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    let trustee_csrf = trustee.get("/").csrf();
    assert_eq!(trustee.get(&edit_path).status, 403);
    let refused = trustee.post(&status_path, &[("csrf", &trustee_csrf), ("status_once", "x"), ("status", "active")]);
    assert_eq!(refused.status, 403);
    let mut gwen = signed_in(&f, "Gwen Davies", "member", Some(&f.gwen));
    let gwen_csrf = gwen.get("/").csrf();
    assert_eq!(gwen.post(&status_path, &[("csrf", &gwen_csrf), ("status_once", "y"), ("status", "active")]).status, 403);
    assert_eq!(f.bank.json(&["member", "show", &f.gwen])["member"]["status"], "left");

    // In Welsh, the edit page is Welsh.
    let csrf_now = browser.get("/").csrf();
    browser.post("/language", &[("csrf", &csrf_now), ("language", "cy")]);
    let cy = browser.get(&edit_path);
    assert!(cy.shows("Newid manylion Mair Jones") && cy.says("Cadw'r newidiadau") && !cy.shows("Save the changes"), "{}", cy.html);
}
