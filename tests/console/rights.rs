//! A member's data rights from the console: Siân hands Mair everything the
//! bank holds about her (printable, and as a file), then erases her
//! personal data after saying why and typing her code again; a trustee can
//! do neither, and a mistyped code erases nothing.

use super::*;

#[test]
fn sian_gives_mair_a_copy_of_her_data_then_erases_it_and_a_trustee_can_do_neither() {
    let f = fixture();
    let mut sian = signed_in(&f, "Siân Lewis", "coordinator", None);
    let member = sian.get(&format!("/members/{}", f.mair));
    assert!(member.shows(&format!("href=\"/members/{}/export\"", f.mair)), "{}", member.html);

    // Everything held, special needs and the exchange's note included.
    let copy = sian.get(&format!("/members/{}/export", f.mair));
    assert_eq!(copy.status, 200, "{}", copy.html);
    for held in ["Mair Jones", CONTACT, "gardening", &f.gwen] {
        assert!(copy.shows(held), "the copy lacks {held}: {}", copy.html);
    }
    assert!(copy.says(SPECIAL_NEEDS) && copy.says(NOTE), "{}", copy.html);
    let file = sian.get(&format!("/members/{}/export.json", f.mair));
    assert_eq!(file.status, 200);
    let json: Value = serde_json::from_str(&file.html).expect("the download is JSON");
    assert_eq!(json["export"]["member"]["special_needs"], serde_json::json!(SPECIAL_NEEDS), "{json}");
    assert_eq!(json["export"]["exchanges"].as_array().map(Vec::len), Some(1), "{json}");

    // A trustee may not see it nor erase.
    let mut tom = signed_in(&f, "Trustee Tom", "viewer", None);
    assert_eq!(tom.get(&format!("/members/{}/export", f.mair)).status, 403);
    assert_eq!(tom.get(&format!("/members/{}/export.json", f.mair)).status, 403);
    let csrf = tom.get("/").csrf();
    let tried = tom.post(&format!("/members/{}/erase", f.mair), &[("csrf", &csrf), ("reason", "asked"), ("confirm_code", &f.mair)]);
    assert_eq!(tried.status, 403);

    // A mistyped code, or no reason, erases nothing; the form says what to fix.
    let form = sian.get(&format!("/members/{}/erase", f.mair));
    assert_eq!(form.status, 200, "{}", form.html);
    let csrf = form.csrf();
    let wrong =
        sian.post(&format!("/members/{}/erase", f.mair), &[("csrf", &csrf), ("reason", "left the bank"), ("confirm_code", &f.gwen)]);
    assert_eq!(wrong.status, 422, "{}", wrong.html);
    assert!(wrong.shows("nothing was erased"), "{}", wrong.html);
    let no_reason = sian.post(&format!("/members/{}/erase", f.mair), &[("csrf", &csrf), ("reason", " "), ("confirm_code", &f.mair)]);
    assert_eq!(no_reason.status, 422);
    assert!(sian.get(&format!("/members/{}", f.mair)).shows("Mair Jones"), "still whole");

    let done = sian.post(
        &format!("/members/{}/erase", f.mair),
        &[("csrf", &csrf), ("reason", "left the bank, asked to be forgotten"), ("confirm_code", &f.mair)],
    );
    assert_eq!((done.status, done.location.clone()), (303, Some(format!("/members/{}", f.mair))), "{}", done.html);
    let after = sian.get(&format!("/members/{}", f.mair));
    assert!(!after.shows("Mair Jones") && !after.says(SPECIAL_NEEDS) && !after.shows(CONTACT), "{}", after.html);
    assert!(!after.shows(&format!("/members/{}/erase", f.mair)), "no second erasure offered");
    assert_eq!(f.bank.balance(&f.mair), 120, "her balance stays with her code");
    let audit = f.bank.json(&["audit"]);
    assert_eq!(audit["ok"], serde_json::json!(true), "{audit}");
}
