//! Recording exchanges and adding members from the console.

use super::*;

#[test]
fn sian_records_an_exchange_in_seconds_and_a_form_sent_twice_records_once() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let form = browser.get("/exchanges/new");
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.shows("Mair Jones") && form.shows("Gwen Davies"), "members are picked by name: {}", form.html);
    let (csrf, client_ref) = (form.csrf(), form.field("client_ref"));
    let filled_as = |reference: &str, hours: &'static str, receiver: String| {
        vec![
            ("csrf", csrf.clone()),
            ("client_ref", reference.to_string()),
            ("provider", f.mair.clone()),
            ("receiver", receiver),
            ("hours", hours.to_string()),
            ("category", "gardening".to_string()),
            ("note", "Cut the hedge".to_string()),
        ]
    };
    let filled = |hours: &'static str, receiver: String| filled_as(&client_ref, hours, receiver);
    let send = |browser: &mut Browser, fields: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post("/exchanges", &pairs)
    };
    // What to fix is said plainly, and the form comes back as filled in.
    let bad = send(&mut browser, &filled("lots", f.gwen.clone()));
    assert_eq!(bad.status, 422);
    assert!(bad.shows("is not a number of hours") && bad.shows("Cut the hedge"), "{}", bad.html);
    let too_much = send(&mut browser, &filled_as("another-ref", "20", f.gwen.clone()));
    assert_eq!(too_much.status, 422, "{}", too_much.html);
    assert!(too_much.shows("Not recorded") && too_much.shows("below their limit"), "{}", too_much.html);

    // Recorded, then the same form again (a double click): one exchange, by Siân.
    let before = f.bank.balance(&f.mair);
    let done = send(&mut browser, &filled("1.5", f.gwen.clone()));
    assert_eq!(done.status, 303, "{}", done.html);
    let after = browser.get(done.location.as_deref().expect("back to the form"));
    assert!(after.shows("Recorded: 1.5 gardening"), "{}", after.html);
    assert_eq!(send(&mut browser, &filled("1.5", f.gwen.clone())).status, 303);
    assert_eq!(f.bank.balance(&f.mair), before + 90, "recorded once");
    let list: Value = f.bank.json(&["exchange", "list"]);
    let by: Vec<&str> = list.as_array().unwrap().iter().filter_map(|x| x["recorded_by"].as_str()).collect();
    assert_eq!(by.iter().filter(|b| **b == "Siân Lewis").count(), 1, "the account that recorded it: {by:?}");

    // In Welsh, a refusal is Welsh too.
    let csrf_now = browser.get("/").csrf();
    browser.post("/language", &[("csrf", &csrf_now), ("language", "cy")]);
    let cy = send(&mut browser, &filled_as("third-ref", "20", f.gwen.clone()));
    assert!(cy.shows("Heb ei gofnodi") && cy.shows("Cofnodi cyfnewid"), "{}", cy.html);

    // A trustee cannot record, and nothing changes.
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    assert_eq!(trustee.get("/exchanges/new").status, 403);
    let csrf = trustee.get("/").csrf();
    let refused = trustee.post("/exchanges", &[("csrf", &csrf), ("provider", &f.mair), ("receiver", &f.gwen), ("hours", "1")]);
    assert_eq!(refused.status, 403);
    assert_eq!(f.bank.balance(&f.mair), before + 90);
}

#[test]
fn sian_adds_a_member_once_however_often_the_form_is_sent_and_a_long_note_is_refused_in_welsh() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let form = browser.get("/members/new");
    assert_eq!(form.status, 200, "{}", form.html);
    let (csrf, once) = (form.csrf(), form.field("once"));
    let fields = |once: &str, special: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("once", once.to_string()),
            ("name", "Eluned Morgan".to_string()),
            ("kind", "person".to_string()),
            ("contact", "07700 900555".to_string()),
            ("skills", "knitting\nreading aloud".to_string()),
            ("needs", "lifts, shopping".to_string()),
            ("special_needs", special.to_string()),
        ]
    };
    let send = |browser: &mut Browser, fields: &[(&str, String)]| {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        browser.post("/members", &pairs)
    };
    let added = send(&mut browser, &fields(&once, "Prefers mornings (sgtag-7Hq2)"));
    assert_eq!(added.status, 303, "{}", added.html);
    let page_path = added.location.clone().expect("to her page");
    let again = send(&mut browser, &fields(&once, "Prefers mornings (sgtag-7Hq2)"));
    assert_eq!(again.location, Some(page_path.clone()), "the same form again goes to the member it added");
    let hers = browser.get(&page_path);
    assert!(hers.shows("Eluned Morgan") && hers.shows("reading aloud") && hers.shows("Prefers mornings"), "{}", hers.html);
    let named: Vec<Value> =
        f.bank.json(&["member", "list"]).as_array().unwrap().iter().filter(|m| m["name"] == "Eluned Morgan").cloned().collect();
    assert_eq!(named.len(), 1, "added once: {named:?}");
    assert_eq!(named[0]["skills_offered"], serde_json::json!(["knitting", "reading aloud"]));

    // In Welsh, notes too long for the field are refused in Welsh, and nothing is added.
    let csrf_now = browser.get("/").csrf();
    browser.post("/language", &[("csrf", &csrf_now), ("language", "cy")]);
    let long = "Angen help ".repeat(500);
    let refused = send(&mut browser, &fields("another-once", &long));
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.shows("yn rhy hir") && refused.shows("Anghenion arbennig"), "{}", refused.html);
    assert_eq!(f.bank.json(&["member", "list"]).as_array().unwrap().len(), 3, "nothing more was added");
}
