//! Moving from TimeOverflow on the console's import page (DESIGN.md §1d):
//! an upload (multipart, as a browser sends a file input) or the file's
//! text pasted, a check that names each bad line, then the import.

use std::path::PathBuf;

use serde_json::json;

use super::*;

fn data(name: &str) -> Vec<u8> {
    std::fs::read(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/data/timeoverflow").join(name)).expect("a sample file")
}

/// Uploads `file` as the kind of file `kind`, for `step` (check or import).
fn upload(browser: &mut Browser, csrf: &str, kind: &str, step: &str, name: &str) -> common::browser::Page {
    browser.post_file("/import", &[("csrf", csrf), ("kind", kind), ("format", "timeoverflow"), ("step", step)], ("file", name, &data(name)))
}

/// The member code the import page lists on the row of `name`.
fn code_on_page(page: &common::browser::Page, name: &str) -> String {
    let at = page.html.find(&format!("<td>{name}</td>")).unwrap_or_else(|| panic!("{name} on the page:\n{}", page.html));
    let rest = &page.html[at..];
    let start = rest.find("/members/").expect("a link to the member") + "/members/".len();
    rest[start..].split('"').next().expect("a code").to_string()
}

#[test]
fn rhymney_moves_from_timeoverflow_the_check_names_lines_4_and_7_and_the_fixed_file_imports_once() {
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    let f = Fixture { bank, node, mair: String::new(), gwen: String::new() };
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let form = sian.get("/import");
    assert_eq!(form.status, 200, "{}", form.html);
    assert!(form.shows("Bring members and exchanges over") && form.shows("enctype=\"multipart/form-data\""), "{}", form.html);
    assert!(form.shows("<label for=\"file\">") && form.shows("<label for=\"csv\">"), "every control has its label");
    let csrf = form.csrf();

    // The members: a check, then the import; the page lists each with their new code.
    let checked = upload(&mut sian, &csrf, "members", "check", "members.csv");
    assert_eq!(checked.status, 200, "{}", checked.html);
    assert!(checked.shows("4 members to add.") && checked.shows("Import 4 members"), "{}", checked.html);
    assert_eq!(f.bank.json(&["status"])["members"], json!(0), "a check writes nothing");
    let imported = upload(&mut sian, &csrf, "members", "import", "members.csv");
    assert!(imported.shows("4 members added.") && imported.shows("Imported."), "{}", imported.html);
    let gwen = code_on_page(&imported, "Gwen Davies");
    let sian_lewis = code_on_page(&imported, "Siân Lewis");

    // The transfers with two bad lines: each named by line, nothing written, the text back in the box.
    let before = f.bank.snapshot();
    let bad = upload(&mut sian, &csrf, "exchanges", "check", "transfers-with-problems.csv");
    assert_eq!(bad.status, 422, "{}", bad.html);
    assert!(bad.shows("The file has 2 problems, so nothing has been written."), "{}", bad.html);
    assert!(bad.shows("Line 4: “2024-02-30 09:00:00 +0000” in the date is not a date."), "{}", bad.html);
    assert!(bad.shows("Line 7: “1.255” has more than 2 decimal places."), "{}", bad.html);
    assert!(!bad.shows("value=\"import\""), "no import is offered while the file has a problem");
    assert!(bad.shows("Video calls,1.255"), "the file's text comes back to be put right: {}", bad.html);
    let refused = upload(&mut sian, &csrf, "exchanges", "import", "transfers-with-problems.csv");
    assert_eq!(refused.status, 422);
    assert_eq!(f.bank.snapshot(), before, "nothing written by the check or the refused import");

    // The fixed file, pasted: checked, Gwen listed beyond today's floor, then imported.
    let fixed = String::from_utf8(data("transfers.csv")).unwrap();
    let paste = |browser: &mut Browser, step: &str| {
        browser.post("/import", &[("csrf", &csrf), ("kind", "exchanges"), ("format", "timeoverflow"), ("step", step), ("csv", &fixed)])
    };
    let good = paste(&mut sian, "check");
    assert_eq!(good.status, 200, "{}", good.html);
    assert!(good.shows("7 exchanges to record.") && good.shows("Import 7 exchanges"), "{}", good.html);
    assert!(good.shows("becomes a new fund: Rhymney Time Bank."), "{}", good.html);
    assert!(good.shows("Beyond today&#39;s limits") || good.shows("Beyond today's limits"), "{}", good.html);
    assert!(good.shows(&format!("Gwen Davies ({gwen})")) && good.shows("-14.42") && good.shows("-10.00 to 100.00"), "{}", good.html);
    assert_eq!(f.bank.snapshot(), before);
    let done = paste(&mut sian, "import");
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.shows("7 exchanges recorded.") && done.shows("See the members and their balances"), "{}", done.html);
    // The balances are TimeOverflow's (its export: Gwen -51900 s, Siân 47700 s), in the register too.
    assert_eq!((f.bank.balance(&gwen), f.bank.balance(&sian_lewis)), (-865, 795));
    let register = sian.get("/members");
    assert!(register.shows("Rhymney Time Bank") && register.shows("Siân Lewis"), "{}", register.html);

    // The same file again adds nothing.
    let after = f.bank.snapshot();
    let again = upload(&mut sian, &csrf, "exchanges", "import", "transfers.csv");
    assert!(again.shows("0 exchanges recorded.") && again.shows("7 were recorded already."), "{}", again.html);
    assert_eq!(f.bank.snapshot(), after);

    // In Welsh, the problems are Welsh too.
    sian.post("/language", &[("csrf", &csrf), ("language", "cy")]);
    let cy = upload(&mut sian, &csrf, "exchanges", "check", "transfers-with-problems.csv");
    assert!(cy.shows("Llinell 4: Nid yw “2024-02-30 09:00:00 +0000” yn y dyddiad yn ddyddiad."), "{}", cy.html);
    assert!(cy.shows("Llinell 7: Mae mwy na 2 le degol yn “1.255”."), "{}", cy.html);
    assert!(cy.shows("Mae dwy broblem yn y ffeil") && cy.shows("Gwirio&#39;r ffeil"), "{}", cy.html);
    for english in ["is not a date", "decimal places", "Check the file", "nothing has been written"] {
        assert!(!cy.shows(english), "English '{english}' on the Welsh page: {}", cy.html);
    }

    // A trustee sees no import page and cannot import by posting to it.
    let mut trustee = signed_in(&f, "Huw Trustee", "viewer", None);
    assert_eq!(trustee.get("/import").status, 403);
    let csrf = trustee.get("/").csrf();
    let members_before = f.bank.json(&["status"])["members"].clone();
    let refused = trustee.post_file(
        "/import",
        &[("csrf", &csrf), ("kind", "members"), ("format", "generic"), ("step", "import")],
        ("file", "m.csv", b"id,name,kind,contact,joined\nX1,Someone,,,\n"),
    );
    assert_eq!(refused.status, 403);
    assert_eq!(f.bank.json(&["status"])["members"], members_before);
    assert!(!trustee.get("/").shows("href=\"/import\""), "no import link for a trustee");
}
