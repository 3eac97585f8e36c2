//! Accounts: setting a password, signing in, what each role sees, throttling,
//! tokens, disabling, and accounts across a restart.

use super::*;

#[test]
fn rhymneys_coordinator_sets_a_password_signs_in_and_reads_the_bank_in_english_and_welsh() {
    let f = fixture();
    let mut browser = Browser::new(&f.node.addr);
    // Not signed in: the address the node prints leads to the sign-in page, not a JSON 401.
    let first = browser.get("/");
    assert_eq!((first.status, first.location.as_deref()), (303, Some("/sign-in")));
    let sign_in = browser.get("/sign-in");
    assert!(sign_in.shows("Sign in to Rhymney Time Bank") && sign_in.shows("lang=\"en\""), "{}", sign_in.html);

    // The one-time link: two different passwords are refused plainly, then one is chosen.
    let link = add_user(&f.bank, "Siân Lewis", "coordinator", None);
    let form = browser.get(&link);
    assert!(form.shows("Hello Siân Lewis"), "{}", form.html);
    let csrf = form.csrf();
    let mismatch = browser.post(&link, &[("csrf", &csrf), ("password", PASSWORD), ("confirm", "something else entirely")]);
    assert_eq!(mismatch.status, 422);
    assert!(mismatch.shows("The two passwords are not the same"), "{}", mismatch.html);
    let done = browser.welcome(&link, PASSWORD);
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/")));
    let session = done.set_cookies.iter().find(|c| c.starts_with("amser_session=")).expect("a session cookie");
    assert!(session.contains("HttpOnly") && session.contains("SameSite=Strict"), "{session}");
    assert!(!session.contains("Secure"), "not behind TLS by default: {session}");
    assert_eq!(browser.get(&link).status, 404, "the link works once");

    // The dashboard: this month's hours (2:00), members, the chart and its table.
    let dashboard = browser.get("/");
    assert_eq!(dashboard.status, 200, "{}", dashboard.html);
    for text in ["Hours given this month", "2:00", "Active members", "<svg", "Signed in as Siân Lewis (coordinator)"] {
        assert!(dashboard.shows(text), "the dashboard lacks '{text}':\n{}", dashboard.html);
    }

    // The register, searched by skill; Mair's page with her contact and safeguarding notes.
    let members = browser.get("/members?q=garden");
    assert!(members.shows("Mair Jones") && !members.shows("Gwen Davies"), "{}", members.html);
    assert!(members.shows(CONTACT), "the coordinator sees contacts");
    let mair = browser.get(&format!("/members/{}", f.mair));
    assert!(mair.shows("Visits in pairs only") && mair.shows(CONTACT), "{}", mair.html);
    assert!(mair.shows("Gwen Davies") && mair.shows("2:00"), "her exchange with Gwen: {}", mair.html);

    // Cymraeg: the language is remembered on her account.
    let csrf = browser.get("/").csrf();
    let switched = browser.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    assert_eq!(switched.status, 303);
    let dangosfwrdd = browser.get("/");
    for text in ["lang=\"cy\"", "Oriau a roddwyd y mis hwn", "Aelodau gweithgar", "Wedi mewngofnodi fel Siân Lewis (cydlynydd)", "Rhag"] {
        assert!(dangosfwrdd.shows(text), "the Welsh dashboard lacks '{text}':\n{}", dangosfwrdd.html);
    }
    let aelodau = browser.get("/members");
    assert!(aelodau.shows("Dau aelod"), "two members, in Welsh: {}", aelodau.html);
    let mut again = Browser::new(&f.node.addr);
    assert_eq!(again.sign_in("siân lewis", PASSWORD).status, 303, "names are matched ignoring case");
    assert!(again.get("/").shows("lang=\"cy\""), "the account's language, on another browser");
}

#[test]
fn a_trustee_with_a_viewer_account_sees_the_figures_but_never_a_contact_or_a_safeguarding_note() {
    let f = fixture();
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    let pages = [trustee.get("/"), trustee.get("/members"), trustee.get(&format!("/members/{}", f.mair)), trustee.get("/members?q=Mair")];
    for page in &pages {
        assert_eq!(page.status, 200, "{}", page.html);
        for secret in [SAFEGUARDING_TAG, "Visits in pairs", CONTACT, "note-console-kq"] {
            assert!(!page.shows(secret), "a viewer's page shows '{secret}':\n{}", page.html);
        }
    }
    assert!(pages[2].shows("Mair Jones") && pages[2].shows("2:00"), "names and hours are shown: {}", pages[2].html);
}

#[test]
fn gwen_with_a_member_account_sees_her_own_balance_and_no_one_elses_record() {
    let f = fixture();
    let mut gwen = signed_in(&f, "Gwen Davies", "member", Some(&f.gwen));
    let own = gwen.get("/");
    assert_eq!(own.status, 200, "{}", own.html);
    assert!(own.shows("Your balance") && own.shows("-2:00"), "her own balance: {}", own.html);
    assert!(own.shows("note-console-kq"), "her own exchange's note: {}", own.html);
    assert!(!own.shows(SAFEGUARDING_TAG) && !own.shows(CONTACT), "nothing of Mair's personal record: {}", own.html);
    assert_eq!(gwen.get("/members").status, 403, "members cannot browse the register");
    let mairs = gwen.get(&format!("/members/{}", f.mair));
    assert_eq!(mairs.status, 403);
    assert!(!mairs.shows(SAFEGUARDING_TAG) && !mairs.shows(CONTACT));
    // A member account must name a member that exists.
    let (code, message) = f
        .bank
        .amser(&["user", "add", "--name", "Nobody", "--role", "member", "--member", &common::unknown_code("rhymney"), "--json"])
        .json_error();
    assert_eq!(code, "unknown_member", "{message}");
}

#[test]
fn wrong_passwords_are_throttled_forms_without_their_token_refused_and_a_disabled_account_signed_out() {
    let f = fixture();
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);

    // A sign-out form without this session's token does nothing.
    let forged = browser.post("/sign-out", &[("csrf", "not-the-token")]);
    assert_eq!(forged.status, 403, "{}", forged.html);
    assert_eq!(browser.get("/").status, 200, "still signed in");
    // A sign-in form posted without the sign-in page's cookie (another site's form) is refused.
    let mut stranger = Browser::new(&f.node.addr);
    let cross_site = stranger.post("/sign-in", &[("csrf", "guess"), ("name", "Siân Lewis"), ("password", PASSWORD)]);
    assert_eq!(cross_site.status, 403, "{}", cross_site.html);
    assert!(!cross_site.set_cookies.iter().any(|c| c.starts_with("amser_session=")));

    // Five wrong passwords, then even the right one waits.
    let mut guesser = Browser::new(&f.node.addr);
    for _ in 0..5 {
        let wrong = guesser.sign_in("Siân Lewis", "not her password at all");
        assert_eq!(wrong.status, 401);
        assert!(wrong.shows("That name and password do not match"), "{}", wrong.html);
    }
    let throttled = guesser.sign_in("Siân Lewis", PASSWORD);
    assert_eq!(throttled.status, 429, "{}", throttled.html);
    assert!(throttled.shows("Too many tries. Wait 15 minutes"), "{}", throttled.html);

    // Disabled by the volunteer: her open session ends at once.
    let off = f.bank.json(&["user", "disable", "Siân Lewis"]);
    assert_eq!(off["disabled"], Value::Bool(true), "{off}");
    let after = browser.get("/");
    assert_eq!((after.status, after.location.as_deref()), (303, Some("/sign-in")));
}

#[test]
fn accounts_survive_a_restart_and_names_are_escaped_on_every_page() {
    let f = fixture();
    let hostile = f.bank.add_member("<script>alert('x')</script> Evans", "person");
    let mut browser = signed_in(&f, "Siân Lewis", "coordinator", None);
    let members = browser.get("/members");
    assert!(!members.shows("<script>alert"), "a name is text, never markup:\n{}", members.html);
    assert!(members.shows("&#60;script&#62;") || members.shows("&lt;script&gt;"), "shown escaped: {}", members.html);
    assert_eq!(browser.get(&format!("/members/{hostile}")).status, 200);
    let Fixture { bank, node, .. } = f;
    node.terminate();
    let node = bank.up();
    let mut later = Browser::new(&node.addr);
    assert_eq!(later.get("/").status, 303, "sessions end with the node");
    assert_eq!(later.sign_in("Siân Lewis", PASSWORD).status, 303, "the account and its password survive a restart");
    let listed = bank.json(&["user", "list"]);
    assert_eq!(listed[0]["has_password"], Value::Bool(true), "{listed}");
    let file = std::fs::read_to_string(bank.dir.join("accounts.json")).unwrap();
    assert!(file.contains("$argon2id$") && !file.contains(PASSWORD), "only the argon2id hash is kept");
}

#[test]
fn every_console_answer_forbids_scripts_framing_and_sending_a_sign_in_link_on_as_a_referrer() {
    let f = fixture();
    let link = add_user(&f.bank, "Siân Lewis", "coordinator", None);
    let mut browser = Browser::new(&f.node.addr);
    let welcome = browser.get(&link);
    let mut pages = vec![("/sign-in", browser.get("/sign-in")), ("the sign-in link", welcome), ("a 404", browser.get("/nowhere"))];
    browser.welcome(&link, PASSWORD);
    for path in ["/", "/members", "/exchanges/new", "/reports", "/assets/console.css"] {
        pages.push((path, browser.get(path)));
    }
    for (path, page) in &pages {
        let csp = page.header("content-security-policy").unwrap_or_else(|| panic!("{path}: no Content-Security-Policy"));
        assert!(csp.contains("default-src 'none'") && !csp.contains("unsafe-inline") && !csp.contains("script-src"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
        assert_eq!(page.header("referrer-policy"), Some("no-referrer"), "{path}");
        assert_eq!(page.header("x-content-type-options"), Some("nosniff"), "{path}");
        assert!(!page.html.contains("<script"), "{path} carries a script");
    }
}
