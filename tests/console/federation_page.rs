//! The federation page with two real nodes admitted to each other
//! (Rhymney and Gwynedd, on loopback): the peer, its trust line and use,
//! the clearing position, transfers and their states; freezing and
//! unfreezing a line from the console.

use amser_node::accounts::Language;
use amser_node::console::i18n::Tr;
use common::federation::{Federation, Site, G, R, TRUST};

use super::*;

/// A browser signed in at `site` as a new account of `role`.
fn signed_in_at(site: &Site, name: &str, role: &str, member: Option<&str>) -> Browser {
    let link = add_user(&site.bank, name, role, member);
    let mut browser = Browser::new(&site.node().addr);
    let done = browser.welcome(&link, PASSWORD);
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/")), "{}", done.html);
    browser
}

#[test]
fn the_federation_page_shows_gwynedd_its_trust_line_and_the_transfers_with_their_states() {
    let mut fed = Federation::on_loopback(false);
    fed.admit(R, G, TRUST, false);
    fed.admit(G, R, TRUST, false);
    fed.wait_linked();
    let mair = fed[R].member("Mair Jones");
    let gwen = fed[G].member("Gwen Williams");
    // Gwen (Gwynedd) drove Mair (Rhymney): accepted.
    let drove = fed[R].record(&gwen, &mair, "1.5", "Gwen drove Mair to Bangor");
    fed.wait_settled(R, G, &drove);
    // While Gwynedd has frozen its line with Rhymney, another is refused.
    let rhymney_id = fed[R].id.clone();
    fed[G].bank.json(&["peer", "freeze", &rhymney_id]);
    let refused = fed[R].record(&gwen, &mair, "1", "Gwen mended Mair's gate");
    let (at_rhymney, _) = fed.wait_settled(R, G, &refused);
    assert_eq!(at_rhymney["state"], "rejected", "{at_rhymney}");
    fed[G].bank.json(&["peer", "unfreeze", &rhymney_id]);

    let mut sian = signed_in_at(&fed[R], "Siân Lewis", "coordinator", None);
    let page = sian.get("/federation");
    assert_eq!(page.status, 200, "{}", page.html);
    assert!(page.shows("<h3>gwynedd</h3>") && page.shows("Online now"), "{}", page.html);
    // Rhymney's members owe Gwynedd's; none of the line Rhymney extends is used.
    assert!(page.shows("0:00 of 20:00 hours used (0%)") && page.shows("Our members owe theirs 1:30 hours"), "{}", page.html);
    assert!(page.shows(&format!("Mair Jones ({mair})")) && page.shows(&format!("<code>{gwen}</code>")) && page.shows("Received help"));
    assert!(page.shows("<span class=\"state accepted\">Accepted</span>"), "{}", page.html);
    assert!(page.shows("<span class=\"state refused\">Refused</span>") && page.shows("The line between the two banks was frozen."));
    let (newer, older) = (page.html.find("state refused"), page.html.find("state accepted"));
    assert!(newer.is_some() && newer < older, "newest first");
    assert_eq!(sian.get("/federation?after=soon").status, 200, "a mangled page link shows the newest page");
    assert!(!page.shows("Gwen drove Mair"), "transfer notes are not on the page");
    assert!(page.html.find("mended").is_none());

    // At Gwynedd the same hours are a use of the line it extends to Rhymney.
    let mut gwynedd = signed_in_at(&fed[G], "Gwilym Hughes", "coordinator", None);
    let there = gwynedd.get("/federation");
    assert!(there.shows("<h3>rhymney</h3>") && there.shows("1:30 of 20:00 hours used (7%)"), "{}", there.html);
    assert!(there.shows("<rect class=\"bar\" width=\"7\" height=\"8\">"), "the bar: {}", there.html);
    assert!(there.shows("Their members owe ours 1:30 hours") && there.shows("Gave help"));

    // Online or not: Gwynedd goes away and Rhymney's page says when it was last seen.
    fed.stop(G);
    fed.wait_until("Rhymney to see Gwynedd go", || fed[R].peer(&fed[G]).is_some_and(|p| p["connected"] == false));
    let away = sian.get("/federation");
    assert!(away.shows("Offline; last seen on ") && !away.shows("Online now"), "{}", away.html);

    // In Welsh, every word of it.
    let csrf = sian.get("/").csrf();
    sian.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let cy_page = sian.get("/federation");
    assert!(cy_page.shows("Banciau eraill") && cy_page.shows("Gwrthodwyd") && cy_page.shows("Wedi derbyn help"), "{}", cy_page.html);
    let (en, cy) = (Tr::new(Language::En), Tr::new(Language::Cy));
    for id in [
        "federation-title",
        "federation-explained",
        "federation-presence",
        "federation-trust",
        "federation-position",
        "federation-transfers",
        "federation-our-member",
        "transfer-state-accepted",
        "transfer-state-refused",
        "transfer-refused-frozen",
        "federation-direction-received",
        "nav-reports",
    ] {
        assert!(!cy_page.shows(&en.t(id)), "English on the Welsh page: {id} ({})", en.t(id));
        assert!(cy_page.shows(&cy.t(id).replace('\'', "&#39;")), "{id} in Welsh: {}", cy_page.html);
    }
}

#[test]
fn sian_freezes_gwynedds_line_and_unfreezes_it_a_viewer_cannot() {
    let mut fed = Federation::on_loopback(false);
    fed.admit(R, G, TRUST, false);
    fed.admit(G, R, TRUST, false);
    fed.wait_linked();
    let gwynedd = fed[G].id.clone();
    let frozen = |fed: &Federation| fed[R].peer(&fed[G]).expect("admitted")["frozen"] == true;
    let mut sian = signed_in_at(&fed[R], "Siân Lewis", "coordinator", None);
    let page = sian.get("/federation");
    assert!(page.shows(&format!("href=\"/federation/{gwynedd}/freeze\"")) && page.shows("Freeze the line with gwynedd"), "{}", page.html);

    // First she is asked; nothing changes until she says yes.
    let ask = sian.get(&format!("/federation/{gwynedd}/freeze"));
    assert_eq!(ask.status, 200, "{}", ask.html);
    assert!(ask.shows("Freeze the line with gwynedd?") && ask.shows("no transfers go either way"), "{}", ask.html);
    assert!(!frozen(&fed));
    let forged = sian.post(&format!("/federation/{gwynedd}/freeze"), &[("csrf", "not-the-token")]);
    assert_eq!(forged.status, 403, "a form without its token is refused");
    assert!(!frozen(&fed));
    let done = sian.post(&format!("/federation/{gwynedd}/freeze"), &[("csrf", &ask.csrf())]);
    assert_eq!(done.status, 303, "{}", done.html);
    assert!(frozen(&fed), "the ledger's line is frozen");
    let after = sian.get(done.location.as_deref().expect("back to the page"));
    assert!(after.shows("The line with gwynedd is frozen") && after.shows("Frozen: no transfers either way"), "{}", after.html);
    assert!(after.shows(&format!("href=\"/federation/{gwynedd}/unfreeze\"")));

    // A trustee reads the page but can change nothing, even by posting the form.
    let mut trustee = signed_in_at(&fed[R], "Huw Trustee", "viewer", None);
    let read = trustee.get("/federation");
    assert_eq!(read.status, 200);
    assert!(read.shows("<h3>gwynedd</h3>") && !read.shows("/unfreeze\""), "no buttons for a viewer: {}", read.html);
    assert_eq!(trustee.get(&format!("/federation/{gwynedd}/unfreeze")).status, 403);
    let csrf = trustee.get("/").csrf();
    assert_eq!(trustee.post(&format!("/federation/{gwynedd}/unfreeze"), &[("csrf", &csrf)]).status, 403);
    assert!(frozen(&fed), "still frozen");
    let member = fed[R].member("Mair Jones");
    let mut mair = signed_in_at(&fed[R], "Mair Jones", "member", Some(&member));
    assert_eq!(mair.get("/federation").status, 403);

    // Siân unfreezes it.
    let ask = sian.get(&format!("/federation/{gwynedd}/unfreeze"));
    assert!(ask.shows("Unfreeze the line with gwynedd?"), "{}", ask.html);
    let done = sian.post(&format!("/federation/{gwynedd}/unfreeze"), &[("csrf", &ask.csrf())]);
    assert_eq!(done.status, 303);
    assert!(!frozen(&fed));
    assert!(sian.get(done.location.as_deref().expect("back")).shows("The line with gwynedd is open again."));
    assert_eq!(sian.get("/federation/12D3KooWnotabank/freeze").status, 404);
    assert_eq!(sian.get(&format!("/federation/{gwynedd}/melt")).status, 404);
}
