//! The console in a real browser (issue 11's browser stories): Debian's
//! chromium driven by playwright-core from `tests/browser/stories.mjs`,
//! with axe-core on every page in both languages and a screenshot of each
//! under `target/console-screenshots/`. This test starts the node (port 0),
//! makes the accounts, hands the script its stage, and checks the ledger
//! through the CLI afterwards, so a page that only looks right fails.
//!
//! Needs `chromium` (or `AMSER_CHROMIUM=PATH`), `node`, and `npm ci` run in
//! `tests/browser/`. Without them it says so and passes, unless
//! `AMSER_BROWSER_TESTS=required` (set by `.ci/run`, which installs them),
//! when it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use super::*;

/// Set to `required` to fail, not skip, when the browser or its packages are missing.
const REQUIRED_ENV: &str = "AMSER_BROWSER_TESTS";
/// Chromium's path, when not Debian's.
const CHROMIUM_ENV: &str = "AMSER_CHROMIUM";
const DEBIAN_CHROMIUM: &str = "/usr/bin/chromium";
/// The shortest run of English words checked for on a Welsh page: single
/// words ("English" on the language button) may rightly appear.
const MIN_ENGLISH_WORDS: usize = 2;

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the workspace").to_path_buf()
}

/// Chromium and the script's packages, or why not.
fn browser() -> Result<PathBuf, String> {
    let chromium = std::env::var_os(CHROMIUM_ENV).map(PathBuf::from).unwrap_or_else(|| PathBuf::from(DEBIAN_CHROMIUM));
    if !chromium.exists() {
        return Err(format!("no chromium at {} (apt-get install chromium, or set {CHROMIUM_ENV})", chromium.display()));
    }
    let packages = repo().join("tests/browser/node_modules/playwright-core");
    if !packages.exists() {
        return Err("the browser tests' npm packages are not installed (cd tests/browser && npm ci)".into());
    }
    if Command::new("node").arg("--version").output().map(|o| !o.status.success()).unwrap_or(true) {
        return Err("node is not installed (apt-get install nodejs)".into());
    }
    Ok(chromium)
}

/// One language's messages: id → the text of its value and variants.
fn messages(language: &str) -> BTreeMap<String, String> {
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    let dir = repo().join("node/locales").join(language);
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.expect("an entry").path();
        if path.extension().is_none_or(|e| e != "ftl") {
            continue;
        }
        let mut id = String::new();
        for line in std::fs::read_to_string(&path).expect("a Fluent file").lines() {
            if line.trim_start().starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let starts_message = line.chars().next().is_some_and(|c| c.is_ascii_lowercase());
            let text = match line.split_once('=') {
                Some((name, value)) if starts_message => {
                    id = name.trim().to_string();
                    value
                }
                _ => line,
            };
            out.entry(id.clone()).or_default().push_str(&format!("{text}\n"));
        }
    }
    out
}

/// The runs of words between a message's placeables and variant keys.
fn pieces(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for line in text.lines() {
        let line = line.trim_start().trim_start_matches('*');
        let line = if line.starts_with('[') { line.split_once(']').map_or("", |(_, rest)| rest) } else { line };
        let mut depth = 0;
        let mut piece = String::new();
        for c in line.chars() {
            match c {
                '{' => {
                    depth += 1;
                    out.push(std::mem::take(&mut piece));
                }
                '}' => depth -= 1,
                _ if depth == 0 => piece.push(c),
                _ => {}
            }
        }
        out.push(piece);
    }
    out.into_iter().map(|p| p.trim().trim_matches(|c: char| c.is_ascii_punctuation()).trim().to_string()).collect()
}

/// English text that must not be left on a Welsh page: every run of at
/// least two words of an English message that its Welsh twin does not hold.
fn english_strings() -> Vec<String> {
    let (en, cy) = (messages("en"), messages("cy"));
    let mut out: Vec<String> = Vec::new();
    for (id, text) in &en {
        let welsh = cy.get(id).unwrap_or_else(|| panic!("{id} has no Welsh"));
        for piece in pieces(text) {
            if piece.split_whitespace().count() >= MIN_ENGLISH_WORDS && !welsh.contains(&piece) && !out.contains(&piece) {
                out.push(piece);
            }
        }
    }
    assert!(out.len() > 60, "only {} English strings to look for", out.len());
    out
}

#[test]
fn a_coordinator_a_trustee_and_a_member_use_the_console_in_chromium_in_english_and_welsh() {
    let chromium = match browser() {
        Ok(path) => path,
        Err(why) if std::env::var(REQUIRED_ENV).as_deref() == Ok("required") => panic!("{REQUIRED_ENV}=required, but {why}"),
        Err(why) => {
            eprintln!("skipped: {why}");
            return;
        }
    };
    // Members record their own exchanges here, so the member's story can too.
    let f = fixture_with(|bank| set_who_records(bank, "either_party"));
    let coordinator = "Siân Lewis";
    let stage_dir = tempfile::tempdir().expect("a temp dir");
    let screenshots = repo().join("target/console-screenshots");
    let _ = std::fs::remove_dir_all(&screenshots);
    let stage = json!({
        "base": format!("http://{}", f.node.addr),
        "chromium": chromium,
        "password": PASSWORD,
        "coordinator_name": coordinator,
        "links": {
            "coordinator": add_user(&f.bank, coordinator, "coordinator", None),
            "viewer": add_user(&f.bank, "Trustee Tom", "viewer", None),
            "member": add_user(&f.bank, "Gwen Davies", "member", Some(&f.gwen)),
            "other_member": add_user(&f.bank, "Mair Jones", "member", Some(&f.mair)),
        },
        "member": { "code": f.gwen, "name": "Gwen Davies" },
        "other_member": { "code": f.mair, "name": "Mair Jones" },
        "vulnerable": { "code": f.mair, "contact": CONTACT, "special_needs": SPECIAL_NEEDS },
        // Ids of one word ("month") are words too; those with a hyphen are not.
        "message_ids": messages("en").keys().filter(|id| id.contains('-')).collect::<Vec<_>>(),
        "english_strings": english_strings(),
        "screenshots": screenshots,
        "timeoverflow": repo().join("tests/data/timeoverflow"),
    });
    let stage_file = stage_dir.path().join("stage.json");
    std::fs::write(&stage_file, serde_json::to_vec_pretty(&stage).expect("json")).expect("the stage");

    let script = repo().join("tests/browser/stories.mjs");
    let run = Command::new("node").arg(&script).arg(&stage_file).current_dir(repo().join("tests/browser")).output().expect("node runs");
    let out = String::from_utf8_lossy(&run.stdout);
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "the browser stories failed:\n{out}\n{err}\nnode log:\n{}", f.bank.log());
    let last: Value = serde_json::from_str(out.lines().last().unwrap_or("")).unwrap_or_else(|e| panic!("no result line ({e}):\n{out}"));
    assert_eq!(last["ok"], json!(true), "{last}");
    eprintln!("{out}");

    // What the pages did is in the ledger: Ceri gave two hours to Dafydd,
    // then Ceri and Dafydd an hour each at the youth centre.
    let codes = &last["codes"];
    let (ceri, dafydd, youth) =
        (codes["ceri"].as_str().expect("ceri"), codes["dafydd"].as_str().expect("dafydd"), codes["youth"].as_str().expect("youth"));
    assert_eq!((f.bank.balance(ceri), f.bank.balance(dafydd), f.bank.balance(youth)), (180, -60, -120));
    let members = f.bank.json(&["member", "list"]);
    let names: Vec<&str> = members.as_array().expect("members").iter().filter_map(|m| m["name"].as_str()).collect();
    assert!(names.contains(&"Canolfan Ieuenctid Rhymni"), "{names:?}");
    assert!(!names.contains(&"Not Allowed"), "a viewer's POST added a member: {names:?}");
    // The viewer's refused exchange moved nothing; the hour Gwen recorded
    // giving Mair moved once Mair confirmed it (Mair gave Gwen two before).
    assert_eq!((f.bank.balance(&f.mair), f.bank.balance(&f.gwen)), (60, -60));
    // TimeOverflow's balances came over with its history (members.csv's
    // last column, in seconds).
    let imported = |name: &str| {
        let m = members
            .as_array()
            .expect("members")
            .iter()
            .find(|m| m["name"] == json!(name))
            .unwrap_or_else(|| panic!("{name} was not imported"));
        m["code"].as_str().expect("a code").to_string()
    };
    assert_eq!(f.bank.balance(&imported("Rhys, Ifan ap")), -900 / 60);
    assert_eq!(f.bank.balance(&imported("Siân Lewis")), 47_700 / 60);
    assert!(last["pages_checked"].as_u64().unwrap_or(0) >= 18, "{last}");
    assert!(screenshots.join("cy-dashboard.png").exists() && screenshots.join("en-record-360px.png").exists());
}
