//! The web console through the real binary (issue 11, DESIGN.md §1c): a
//! Rhymney coordinator is given an account with `amser user add`, sets a
//! password from the one-time link, signs in, sees the bank at a glance and
//! the register in English and in Welsh; a trustee with a viewer account
//! sees figures and names but never a contact or a special-needs note; a
//! member sees their own account only. Wrong passwords are throttled, forms
//! without their token are refused, a disabled account is signed out, and
//! accounts survive a restart. No JavaScript: a browser that only follows
//! links and posts forms ([`common::browser`]).

#[path = "../common/mod.rs"]
mod common;

// One story file per part of the console.
mod accounts;
mod exchanges_more;
mod federation_page;
mod import;
mod in_chromium;
mod listings;
mod proposals;
mod recording;
mod reports;
mod rights;

use common::browser::Browser;
use common::{Bank, Node, RHYMNEY, SAFEGUARDING_TAG};
use serde_json::Value;

pub const PASSWORD: &str = "afon rhymni yn y glaw";
pub const SPECIAL_NEEDS: &str = "Visits in pairs only; hard of hearing (sgtag-7Hq2)";
pub const CONTACT: &str = "01443 555 0171";
pub const NOTE: &str = "Dug Mair i'r feddygfa (note-console-kq)";

/// Rhymney with two members, one with a contact and special needs, and an exchange between them.
pub struct Fixture {
    pub bank: Bank,
    pub node: Node,
    pub mair: String,
    pub gwen: String,
}

pub fn fixture() -> Fixture {
    fixture_with(|_| {})
}

/// The same, with `prepare` done to the bank before its node starts (its config, say).
pub fn fixture_with(prepare: impl FnOnce(&Bank)) -> Fixture {
    assert!(SPECIAL_NEEDS.contains(SAFEGUARDING_TAG));
    let bank = Bank::init(RHYMNEY);
    prepare(&bank);
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

/// Sets `[policy] who_records` in the bank's config.toml (before its node starts).
pub fn set_who_records(bank: &Bank, who: &str) {
    let config = bank.dir.join("config.toml");
    let text = std::fs::read_to_string(&config).expect("config.toml");
    assert!(text.contains("who_records = \"coordinator\""), "init writes who records: {text}");
    std::fs::write(&config, text.replace("who_records = \"coordinator\"", &format!("who_records = \"{who}\""))).expect("config.toml");
}

/// `amser user add`: the account and its link's path.
pub fn add_user(bank: &Bank, name: &str, role: &str, member: Option<&str>) -> String {
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
pub fn signed_in(f: &Fixture, name: &str, role: &str, member: Option<&str>) -> Browser {
    let link = add_user(&f.bank, name, role, member);
    let mut browser = Browser::new(&f.node.addr);
    let done = browser.welcome(&link, PASSWORD);
    assert_eq!((done.status, done.location.as_deref()), (303, Some("/")), "{}", done.html);
    browser
}
