//! Members' data rights through the real binary (DESIGN.md §1b): a member
//! of Rhymney with special needs, a contact, a listing, a local exchange
//! and an exchange with a Gwynedd member asks for a copy of their data and
//! then to be erased. Afterwards no byte of what was personal to them is
//! anywhere in Rhymney's data directory, every ledger still adds up and
//! audits, Gwynedd's records are unchanged, and a restart keeps it so.

mod common;

use std::path::Path;

use common::federation::{Federation, G, R};
use serde_json::{json, Value};

const NAME: &str = "Angharad Pritchard-Llewellyn";
const CONTACT: &str = "07700 900417, angharad.p@example.invalid";
/// Her special needs: it carries [`common::SAFEGUARDING_TAG`], which no log of a test run may hold.
const SPECIAL_NEEDS: &str = "Wheelchair user; safeguarding: visits in pairs only (qwfpgj sgtag-7Hq2)";
const SKILL: &str = "crochet-for-beginners";
const LOCAL_NOTE: &str = "Rhys took Angharad to the surgery (note-zxkqv)";
const TRANSFER_NOTE: &str = "Gwen read to Angharad at home (note-plkmn)";
const LISTING_TEXT: &str = "Angharad teaches crochet at her flat (listing-vbnmw)";
const REASON: &str = "member's written request of 2 December";

/// Every text that was personal to the member and must be gone after the erasure.
fn personal() -> [&'static str; 7] {
    [NAME, CONTACT, SPECIAL_NEEDS, SKILL, LOCAL_NOTE, TRANSFER_NOTE, LISTING_TEXT]
}

/// Every file under `dir`, with its bytes (journal, sled's files, the key file, torn tails and all).
fn files_under(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in std::fs::read_dir(&d).expect("read the data directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                out.push((path.display().to_string(), std::fs::read(&path).expect("read a data file")));
            }
        }
    }
    out
}

/// The files under `dir` that hold `text` as bytes.
fn holding(dir: &Path, text: &str) -> Vec<String> {
    let needle = text.as_bytes();
    files_under(dir).into_iter().filter(|(_, bytes)| bytes.windows(needle.len()).any(|w| w == needle)).map(|(p, _)| p).collect()
}

fn exchange_record(fed: &Federation, provider: &str, receiver: &str, note: &str) -> Value {
    fed[R].bank.record(&["--provider", provider, "--receiver", receiver, "--hours", "1.5", "--note", note])
}

#[test]
fn a_rhymney_member_who_asked_for_their_data_and_then_to_be_erased_leaves_no_personal_byte_and_every_ledger_whole() {
    let mut fed = Federation::linked();
    let bank = &fed[R].bank;
    let added = bank.json(&[
        "member",
        "add",
        "--name",
        NAME,
        "--contact",
        CONTACT,
        "--special-needs",
        SPECIAL_NEEDS,
        "--skills",
        SKILL,
        "--needs",
        "lifts to the surgery",
        "--availability",
        "weekday afternoons",
    ]);
    let angharad = added["code"].as_str().expect("code").to_string();
    let rhys = fed[R].member("Rhys Price");
    let gwen = fed[G].member("Gwen Roberts");

    // Rhys helps Angharad (local); Gwen, at Gwynedd, helps her too (a transfer); she offers crochet.
    exchange_record(&fed, &rhys, &angharad, LOCAL_NOTE);
    let transfer = fed[R].record(&gwen, &angharad, "2", TRANSFER_NOTE);
    let (_, at_gwynedd_before) = fed.wait_settled(R, G, &transfer);
    fed[R].bank.json(&["listing", "add", "--kind", "offer", "--member", &angharad, "--category", "crafts", "--description", LISTING_TEXT]);
    let balance = fed[R].balance(&angharad);
    assert_eq!(balance, -90 - 120, "she received 1.5 h locally and 2 h from Gwynedd");

    // Her copy of everything Rhymney holds about her.
    let export = fed[R].bank.json(&["member", "export", &angharad]);
    let m = &export["member"];
    for (field, want) in [("name", NAME), ("contact", CONTACT), ("special_needs", SPECIAL_NEEDS), ("availability", "weekday afternoons")] {
        assert_eq!(m[field], json!(want), "export field {field}: {export}");
    }
    assert_eq!(m["skills_offered"], json!([SKILL]));
    assert_eq!(m["needs"], json!(["lifts to the surgery"]));
    assert_eq!(export["exchanges"].as_array().map(Vec::len), Some(1), "{export}");
    assert_eq!(export["exchanges"][0]["note"], json!(LOCAL_NOTE));
    assert_eq!(export["exchanges"][0]["recorded_by"], json!("coordinator"), "which account recorded it");
    assert_eq!(export["transfers"].as_array().map(Vec::len), Some(1), "{export}");
    assert_eq!(export["transfers"][0]["note"], json!(TRANSFER_NOTE));
    assert_eq!(export["listings"][0]["description"], json!(LISTING_TEXT));
    let printable = fed[R].bank.amser(&["member", "export", &angharad]).ok().stdout.clone();
    for text in [NAME, SPECIAL_NEEDS, LOCAL_NOTE, LISTING_TEXT] {
        assert!(printable.contains(text), "the printable export lacks '{text}':\n{printable}");
    }

    // Even before the erasure, nothing personal is on disk in the clear: it is sealed.
    let dir = fed[R].bank.dir.clone();
    assert!(!holding(&dir, "Rhymney").is_empty(), "the scan finds what is stored in the clear (the bank's name)");
    assert!(!holding(&dir, &angharad).is_empty(), "the scan finds her member code");
    for text in personal() {
        assert_eq!(holding(&dir, text), Vec::<String>::new(), "'{text}' is stored in the clear");
    }

    // The erasure: confirmation refused without the right code, then done.
    let refused = fed[R].bank.amser(&["member", "erase", &angharad, "--reason", REASON]);
    assert!(!refused.success(), "an erasure without confirmation (no code typed) must not happen");
    assert_eq!(fed[R].get(&format!("/members/{angharad}"))["name"], json!(NAME), "nothing was erased");
    let erased = fed[R].bank.json(&["member", "erase", &angharad, "--reason", REASON, "--yes"]);
    assert_eq!(erased["name"], json!(format!("erased member {angharad}")), "{erased}");
    assert_eq!(erased["erased"], json!(true));
    assert_eq!(erased["balance_minutes"], json!(balance), "her balance stays");

    let check_after = |fed: &Federation| {
        let shown = fed[R].get(&format!("/members/{angharad}"));
        assert_eq!(shown["name"], json!(format!("erased member {angharad}")), "{shown}");
        for field in ["contact", "special_needs", "availability"] {
            assert_eq!(shown[field], json!(""), "{field}: {shown}");
        }
        assert_eq!(fed[R].balance(&angharad), balance);
        let export = fed[R].bank.json(&["member", "export", &angharad]);
        assert_eq!(export["exchanges"][0]["note"], json!("(erased)"), "{export}");
        assert_eq!(export["exchanges"][0]["minutes_each"], json!(90), "the exchange's hours stay");
        assert_eq!(export["listings"][0]["description"], json!("(erased)"));
        assert_eq!(export["transfers"][0]["state"], json!("accepted"));
        fed.check_invariants();
        // Gwynedd's record of the transfer is as it was.
        let at_gwynedd = fed[G].transfer(&transfer).expect("Gwynedd keeps the transfer");
        assert_eq!(at_gwynedd, at_gwynedd_before);
    };
    check_after(&fed);

    // With the node stopped (every file complete), not one personal byte in the data directory.
    fed.stop(R);
    for text in personal() {
        assert_eq!(holding(&dir, text), Vec::<String>::new(), "'{text}' is still in Rhymney's data directory");
    }
    let audit = fed[R].bank.amser(&["audit", "--json"]);
    assert!(audit.success(), "the audit of the journal after an erasure: {}", audit.stdout);

    fed.up(R);
    fed.wait_linked();
    check_after(&fed);

    // The logs of the whole story never held her special needs.
    let logs = fed.logs();
    assert!(SPECIAL_NEEDS.contains(common::SAFEGUARDING_TAG), "the tag the run's log scan looks for");
    assert!(!logs.contains(SPECIAL_NEEDS) && !logs.contains("qwfpgj"), "special needs text in a node's log");
}

#[test]
fn special_needs_that_are_refused_are_never_repeated_in_the_error_or_the_log() {
    let fed = Federation::linked();
    let bank = &fed[R].bank;
    // Too long for the field, and with a control character: both refused, plainly.
    let long = format!("{} {}", common::SAFEGUARDING_TAG, "needs a hoist ".repeat(400));
    let control = format!("{} visits\u{7} in pairs", common::SAFEGUARDING_TAG);
    for special in [&long, &control] {
        let run = bank.amser(&["member", "add", "--name", "Eluned Morgan", "--special-needs", special, "--json"]);
        assert!(!run.success(), "refused: {}", run.stdout);
        let (code, message) = run.json_error();
        assert_eq!(code, "bad_text", "{message}");
        assert!(message.contains("special needs"), "the error names the field: {message}");
        assert!(!message.contains(common::SAFEGUARDING_TAG) && !run.stderr.contains(common::SAFEGUARDING_TAG), "{message}");
    }
    assert!(!fed.logs().contains(common::SAFEGUARDING_TAG), "a refused text in a node's log");
}
