//! Offers and requests, and who could help with a request, from the console.

use super::exchanges_more::add_in_console;
use super::*;

/// The ids of the listings a page links to, in the page's order.
fn listing_ids(page: &common::browser::Page) -> Vec<String> {
    let mut ids: Vec<String> = Vec::new();
    for piece in page.html.split("href=\"/listings/").skip(1) {
        let id: String = piece.chars().take_while(|c| c.is_ascii_hexdigit()).collect();
        if id.len() == 64 && !ids.contains(&id) {
            ids.push(id);
        }
    }
    ids
}

/// Posts the listing form as the browser's account; the answer.
fn post_listing(browser: &mut Browser, kind: &str, member: &str, category: &str, description: &str) -> common::browser::Page {
    let form = browser.get("/listings/new");
    assert_eq!(form.status, 200, "{}", form.html);
    let (csrf, once) = (form.csrf(), form.field("once"));
    let fields = [
        ("csrf", csrf.as_str()),
        ("once", &once),
        ("kind", kind),
        ("member", member),
        ("category", category),
        ("description", description),
    ];
    browser.post("/listings", &fields)
}

#[test]
fn dais_request_for_bike_repair_lists_ifan_whose_skills_say_bikes() {
    let f = fixture();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let dai = add_in_console(&mut sian, "Dai Price", "singing");
    let ifan = add_in_console(&mut sian, "Ifan Hughes", "fixing bikes\ngardening");
    add_in_console(&mut sian, "Nia Rowlands", "baking");

    // A request with no category is refused plainly, and the form comes back as filled in.
    let missing = post_listing(&mut sian, "request", &dai, " ", "My bike's chain keeps slipping");
    assert_eq!(missing.status, 422, "{}", missing.html);
    assert!(missing.shows("Give a category") && missing.says("My bike's chain keeps slipping"), "{}", missing.html);

    let posted = post_listing(&mut sian, "request", &dai, "Bike repair", "My bike's chain keeps slipping");
    assert_eq!(posted.status, 303, "{}", posted.html);
    let listings = sian.get(posted.location.as_deref().unwrap());
    assert!(listings.shows("Posted.") && listings.shows("Requests for help") && listings.shows("bike repair"), "{}", listings.html);
    assert!(listings.shows("Dai Price") && listings.shows("Who could help"), "{}", listings.html);
    let id = listing_ids(&listings).pop().expect("a link to the request");

    // Ifan's skills say bikes: he is listed, with why; Nia bakes, and Dai asked.
    let request = sian.get(&format!("/listings/{id}"));
    assert_eq!(request.status, 200, "{}", request.html);
    assert!(request.shows("Who could help") && request.shows("One member could help."), "{}", request.html);
    assert!(request.shows("Ifan Hughes") && request.shows("skills: “fixing bikes” (matching bike)"), "{}", request.html);
    assert!(!request.shows("Nia Rowlands") && !request.shows(&format!("href=\"/members/{dai}\"")), "{}", request.html);

    // An open offer that shares words counts too; a paused member is not listed.
    post_listing(&mut sian, "offer", &f.mair, "transport", "I can repair a puncture on a bike");
    let request = sian.get(&format!("/listings/{id}"));
    let (mair_at, ifan_at) = (request.html.find("Mair Jones").expect("Mair's offer matches"), request.html.find("Ifan Hughes").unwrap());
    assert!(mair_at < ifan_at, "two shared words before one: {}", request.html);
    assert!(request.shows("offer: “transport: I can repair a puncture on a bike” (matching bike, repair)"), "{}", request.html);
    f.bank.json(&["member", "set", &ifan, "--status", "paused"]);
    let request = sian.get(&format!("/listings/{id}"));
    assert!(!request.shows("Ifan Hughes") && request.shows("Mair Jones"), "active members only: {}", request.html);

    // In Welsh, the page is Welsh.
    let csrf = sian.get("/").csrf();
    sian.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let cy = sian.get(&format!("/listings/{id}"));
    assert!(cy.shows("Pwy allai helpu") && cy.shows("Gallai un aelod helpu.") && cy.shows("yn cyfateb ar bike"), "{}", cy.html);
    for english in ["Who could help", "could help", "Posted by", "matching", "Back to"] {
        assert!(!cy.shows(english), "English '{english}' on a Welsh page: {}", cy.html);
    }
}

#[test]
fn a_member_posts_an_offer_and_cannot_close_someone_elses() {
    let f = fixture();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    assert_eq!(post_listing(&mut sian, "request", &f.mair, "shopping", "A lift to the market on Fridays").status, 303);
    let mut gwen = signed_in(&f, "Gwen Davies", "member", Some(&f.gwen));

    // Gwen sees the bank's offers and requests, with names and never a contact.
    let listings = gwen.get("/listings");
    assert_eq!(listings.status, 200, "{}", listings.html);
    assert!(listings.shows("Mair Jones") && listings.shows("A lift to the market"), "{}", listings.html);
    for secret in [CONTACT, SAFEGUARDING_TAG, "Visits in pairs", "Who could help"] {
        assert!(!listings.shows(secret), "a member's page shows '{secret}'");
    }
    assert!(!listings.shows("/close"), "no close button on someone else's request: {}", listings.html);
    let mairs = listing_ids(&listings).pop().expect("Mair's request");
    let theirs = gwen.get(&format!("/listings/{mairs}"));
    assert!(!theirs.shows("Who could help") && !theirs.shows(CONTACT), "{}", theirs.html);

    // Gwen posts an offer: it is hers, whatever member the form names.
    let form = gwen.get("/listings/new");
    assert!(!form.shows("name=\"member\""), "a member posts for themselves: {}", form.html);
    let posted = post_listing(&mut gwen, "offer", &f.mair, "knitting", "Scarves for the winter");
    assert_eq!(posted.status, 303, "{}", posted.html);
    let listings = gwen.get("/listings");
    let hers = listing_ids(&listings).into_iter().find(|id| *id != mairs).expect("Gwen's offer");
    let api = f.node.api();
    let all = api.get_all("/api/v1/listings");
    let offer = all.iter().find(|l| l["id"] == hers.as_str()).expect("her offer in the API");
    assert_eq!(offer["member"], f.gwen.as_str(), "{offer}");

    // She cannot close Mair's request, even by posting directly; she closes her own.
    let csrf = listings.csrf();
    let refused = gwen.post(&format!("/listings/{mairs}/close"), &[("csrf", &csrf)]);
    assert_eq!(refused.status, 403, "{}", refused.html);
    assert!(refused.shows("only close your own"), "{}", refused.html);
    let closed = gwen.post(&format!("/listings/{hers}/close"), &[("csrf", &csrf)]);
    assert_eq!(closed.status, 303, "{}", closed.html);
    assert_eq!(gwen.post(&format!("/listings/{hers}/close"), &[("csrf", &csrf)]).status, 303, "closing twice is closed");
    let open: Vec<String> = api.get_all("/api/v1/listings").iter().map(|l| l["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(open, std::slice::from_ref(&mairs), "hers closed, Mair's open");

    // A viewer reads the listings but cannot post or close.
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    let seen = trustee.get("/listings");
    assert!(seen.status == 200 && !seen.shows("/listings/new") && !seen.shows("/close"), "{}", seen.html);
    let csrf = seen.csrf();
    assert_eq!(trustee.post(&format!("/listings/{mairs}/close"), &[("csrf", &csrf)]).status, 403);
    assert_eq!(trustee.post("/listings", &[("csrf", &csrf), ("kind", "offer"), ("member", &f.mair)]).status, 403);

    // In Welsh, Gwen's page is Welsh.
    let csrf = gwen.get("/").csrf();
    gwen.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let cy = gwen.get("/listings");
    assert!(cy.shows("Cynigion a cheisiadau") && cy.shows("Ceisiadau am help"), "{}", cy.html);
    for english in ["Offers and requests", "Requests for help", "Post an offer", "See it", "Posted"] {
        assert!(!cy.shows(english), "English '{english}' on a Welsh page: {}", cy.html);
    }
}
