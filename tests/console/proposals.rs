//! Members recording their own exchanges (`[policy] who_records =
//! "either_party"`): Gwen records the two hours she gave Mair, Mair
//! confirms, and only then do the balances move; a limit refuses a
//! confirmation plainly and the exchange waits again; the other member
//! declines; no one else may answer; what waits survives a restart, and a
//! confirmation a crash cut short is recorded at the next start. Where only
//! the coordinator records, members are told so and their posts refused.

use super::*;

/// The ids of the exchanges a page offers to `action` (`confirm` or `decline`).
fn offered(page: &common::browser::Page, action: &str) -> Vec<String> {
    let suffix = format!("/{action}\"");
    page.html
        .split("action=\"/proposals/")
        .skip(1)
        .filter_map(|rest| rest.split_once('"').map(|(path, _)| format!("{path}\"")))
        .filter(|path| path.ends_with(&suffix))
        .map(|path| path.trim_end_matches(&suffix).to_string())
        .collect()
}

/// Rhymney with members recording: Gwen, Mair, Ifan, each with an account.
struct Members {
    bank: Bank,
    node: Node,
    gwen: String,
    mair: String,
    ifan: String,
}

fn members_record() -> Members {
    let bank = Bank::init(RHYMNEY);
    set_who_records(&bank, "either_party");
    let node = bank.up();
    let gwen = bank.add_member("Gwen Davies", "person");
    let mair = bank.add_member("Mair Jones", "person");
    let ifan = bank.add_member("Ifan Rees", "person");
    Members { bank, node, gwen, mair, ifan }
}

fn member_browser(m: &Members, name: &str, code: &str) -> Browser {
    let link = add_user(&m.bank, name, "member", Some(code));
    let mut browser = Browser::new(&m.node.addr);
    let done = browser.welcome(&link, PASSWORD);
    assert_eq!(done.status, 303, "{}", done.html);
    browser
}

fn propose(browser: &mut Browser, direction: &str, other: &str, hours: &str) -> common::browser::Page {
    let form = browser.get("/my/record");
    assert_eq!(form.status, 200, "{}", form.html);
    let csrf = form.csrf();
    browser.post("/my/record", &[("csrf", &csrf), ("direction", direction), ("other", other), ("hours", hours), ("category", "Gardening")])
}

fn answer(browser: &mut Browser, id: &str, action: &str) -> common::browser::Page {
    let home = browser.get("/");
    let csrf = home.csrf();
    browser.post(&format!("/proposals/{id}/{action}"), &[("csrf", &csrf)])
}

#[test]
fn gwen_records_the_two_hours_she_gave_mair_and_only_mairs_confirmation_moves_the_balances() {
    let m = members_record();
    let mut gwen = member_browser(&m, "Gwen Davies", &m.gwen);
    let mut mair = member_browser(&m, "Mair Jones", &m.mair);
    let mut ifan = member_browser(&m, "Ifan Rees", &m.ifan);

    // Gwen's own page offers her the form; what she sends waits.
    assert!(gwen.get("/").shows("href=\"/my/record\""));
    let bad = propose(&mut gwen, "gave", &m.mair, "lots");
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.shows("lots"), "what to fix is said: {}", bad.html);
    let sent = propose(&mut gwen, "gave", &m.mair, "2");
    assert_eq!((sent.status, sent.location.as_deref()), (303, Some("/")), "{}", sent.html);
    let gwens_page = gwen.get("/");
    assert!(offered(&gwens_page, "confirm").is_empty(), "Gwen may not confirm her own: {}", gwens_page.html);
    let ids = offered(&gwens_page, "decline");
    assert_eq!(ids.len(), 1, "{}", gwens_page.html);
    assert!(gwens_page.shows("Withdraw"), "{}", gwens_page.html);
    assert_eq!((m.bank.balance(&m.gwen), m.bank.balance(&m.mair)), (0, 0), "nothing moves before the confirmation");

    // Ifan, a third member, sees nothing of it and may not answer it; a viewer neither.
    assert!(offered(&ifan.get("/"), "confirm").is_empty());
    assert_eq!(answer(&mut ifan, &ids[0], "confirm").status, 403);
    assert_eq!(answer(&mut ifan, &ids[0], "decline").status, 403);
    let viewer_link = add_user(&m.bank, "Trustee Tom", "viewer", None);
    let mut viewer = Browser::new(&m.node.addr);
    viewer.welcome(&viewer_link, PASSWORD);
    assert_eq!(answer(&mut viewer, &ids[0], "confirm").status, 403);

    // Mair confirms: recorded once, however often the form is sent.
    let mairs_page = mair.get("/");
    assert_eq!(offered(&mairs_page, "confirm"), ids, "{}", mairs_page.html);
    let confirmed = answer(&mut mair, &ids[0], "confirm");
    assert_eq!(confirmed.status, 303, "{}", confirmed.html);
    assert_eq!((m.bank.balance(&m.gwen), m.bank.balance(&m.mair)), (120, -120));
    let again = answer(&mut mair, &ids[0], "confirm");
    assert_eq!(again.status, 404, "{}", again.html);
    assert!(again.shows("no longer waiting"), "{}", again.html);
    assert_eq!((m.bank.balance(&m.gwen), m.bank.balance(&m.mair)), (120, -120));
    let recorded = m.node.api().get_all("/api/v1/exchanges");
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0]["recorded_by"], serde_json::json!("Gwen Davies (confirmed by Mair Jones)"), "{recorded:?}");

    // Mair says she received nine more hours from Gwen: her floor (-10 h)
    // refuses it when Gwen confirms, said with the figures, and it waits again.
    assert_eq!(propose(&mut mair, "received", &m.gwen, "9").status, 303);
    let ids = offered(&gwen.get("/"), "confirm");
    assert_eq!(ids.len(), 1);
    let refused = answer(&mut gwen, &ids[0], "confirm");
    assert_eq!(refused.status, 422, "{}", refused.html);
    assert!(refused.shows("-11:00") && refused.shows("-10:00"), "the refusal gives the figures: {}", refused.html);
    assert_eq!(offered(&gwen.get("/"), "confirm"), ids, "it waits again");
    // Gwen declines it: nothing recorded, nothing waits.
    assert_eq!(answer(&mut gwen, &ids[0], "decline").status, 303);
    assert!(offered(&mair.get("/"), "decline").is_empty());
    assert_eq!((m.bank.balance(&m.gwen), m.bank.balance(&m.mair)), (120, -120));

    // Proposals with yourself, and posts without the form's token, are refused.
    assert_eq!(propose(&mut gwen, "gave", &m.gwen, "1").status, 422);
    let no_token = gwen.post("/my/record", &[("direction", "gave"), ("other", &m.mair), ("hours", "1")]);
    assert_eq!(no_token.status, 403);
}

#[test]
fn what_waits_outlives_a_restart_and_a_confirmation_cut_short_by_a_crash_is_recorded_at_the_next_start() {
    let m = members_record();
    let mut gwen = member_browser(&m, "Gwen Davies", &m.gwen);
    assert_eq!(propose(&mut gwen, "gave", &m.mair, "1.5").status, 303);
    assert_eq!(propose(&mut gwen, "gave", &m.ifan, "1").status, 303);
    let file = m.bank.dir.join("proposals.json");
    drop(gwen);
    let mode = std::os::unix::fs::PermissionsExt::mode(&std::fs::metadata(&file).expect("proposals.json").permissions());
    assert_eq!(mode & 0o777, 0o600, "the members' requests are the bank's alone");

    // Killed; then, as if the node had died between keeping Mair's
    // confirmation and recording it, her confirmation is in the file.
    let Members { bank, node, gwen: gwen_code, mair, ifan: ifan_code } = m;
    node.kill();
    let text = std::fs::read_to_string(&file).expect("proposals.json");
    let mut doc: serde_json::Value = serde_json::from_str(&text).expect("json");
    let waiting = doc["proposals"].as_array_mut().expect("proposals");
    assert_eq!(waiting.len(), 2, "{text}");
    let to_mair = waiting.iter_mut().find(|p| p["receiver"] == serde_json::json!(mair)).expect("Gwen's hours for Mair");
    to_mair["confirmed_by"] = serde_json::json!("Mair Jones");
    std::fs::write(&file, serde_json::to_vec(&doc).expect("json")).expect("proposals.json");
    let node = bank.up();

    assert_eq!((bank.balance(&gwen_code), bank.balance(&mair), bank.balance(&ifan_code)), (90, -90, 0));
    let mut ifan = Browser::new(&node.addr);
    ifan.accept_language = "cy".into();
    let link = add_user(&bank, "Ifan Rees", "member", Some(&ifan_code));
    ifan.welcome(&link, PASSWORD);
    let page = ifan.get("/");
    assert_eq!(offered(&page, "confirm").len(), 1, "Gwen's hour for Ifan still waits: {}", page.html);
    assert!(page.shows("Yn aros am gadarnhad") && page.shows("Cadarnhau"), "in Welsh: {}", page.html);
}

#[test]
fn where_the_coordinator_records_a_member_is_told_so_and_cannot_record() {
    let f = fixture();
    let mut gwen = signed_in(&f, "Gwen Davies", "member", Some(&f.gwen));
    assert!(!gwen.get("/").shows("href=\"/my/record\""));
    let page = gwen.get("/my/record");
    assert_eq!(page.status, 403);
    assert!(page.shows("the coordinator records exchanges"), "{}", page.html);
    let csrf = gwen.get("/").csrf();
    let post = gwen.post("/my/record", &[("csrf", &csrf), ("direction", "gave"), ("other", &f.mair), ("hours", "1")]);
    assert_eq!(post.status, 403);
    assert!(!f.bank.dir.join("proposals.json").exists(), "nothing was kept");
}
