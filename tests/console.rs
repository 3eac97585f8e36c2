//! The web console through the real binary (issue 11, DESIGN.md §1c): a
//! Rhymney coordinator is given an account with `amser user add`, sets a
//! password from the one-time link, signs in, sees the bank at a glance and
//! the register in English and in Welsh; a trustee with a viewer account
//! sees figures and names but never a contact or a special-needs note; a
//! member sees their own account only. Wrong passwords are throttled, forms
//! without their token are refused, a disabled account is signed out, and
//! accounts survive a restart. No JavaScript: a browser that only follows
//! links and posts forms ([`common::browser`]).

mod common;

use common::browser::Browser;
use common::{Bank, Node, RHYMNEY, SAFEGUARDING_TAG};
use serde_json::Value;

const PASSWORD: &str = "afon rhymni yn y glaw";
const SPECIAL_NEEDS: &str = "Visits in pairs only; hard of hearing (sgtag-7Hq2)";
const CONTACT: &str = "01443 555 0171";
const NOTE: &str = "Dug Mair i'r feddygfa (note-console-kq)";

/// Rhymney with two members, one with a contact and special needs, and an exchange between them.
struct Fixture {
    bank: Bank,
    node: Node,
    mair: String,
    gwen: String,
}

fn fixture() -> Fixture {
    assert!(SPECIAL_NEEDS.contains(SAFEGUARDING_TAG));
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    let mair = bank.json(&[
        "member",
        "add",
        "--name",
        "Mair Jones",
        "--contact",
        CONTACT,
        "--special-needs",
        SPECIAL_NEEDS,
        "--skills",
        "gardening",
    ]);
    let mair = mair["code"].as_str().unwrap().to_string();
    let gwen = bank.add_member("Gwen Davies", "person");
    bank.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2", "--category", "gardening", "--note", NOTE]);
    Fixture { bank, node, mair, gwen }
}

/// `amser user add`: the account and its link's path.
fn add_user(bank: &Bank, name: &str, role: &str, member: Option<&str>) -> String {
    let mut args = vec!["user", "add", "--name", name, "--role", role];
    if let Some(code) = member {
        args.extend(["--member", code]);
    }
    let v: Value = bank.json(&args);
    let link = v["link"].as_str().expect("a sign-in link").to_string();
    assert!(link.starts_with("http://127.0.0.1:"), "{link}");
    link.split_once("/welcome/").map(|(_, t)| format!("/welcome/{t}")).expect("a welcome path")
}

/// A browser signed in as a new account of `role`.
fn signed_in(f: &Fixture, name: &str, role: &str, member: Option<&str>) -> Browser {
    let link = add_user(&f.bank, name, role, member);
    let mut browser = Browser::new(&f.node.addr);
    let done = browser.welcome(&link, PASSWORD);
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/")), "{}", done.html);
    browser
}

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
