//! Wrong input, from a person at the command line or a program on the API:
//! each is refused with a message that says what to fix (and, with --json,
//! an `{"error": {"code", ...}}` document), and each leaves the bank exactly
//! as it was: same journal head, same balances.

mod common;

use common::{journal_frames, run_amser, unknown_code, wait_for, Bank, Node, RHYMNEY, SLOW_POLL, WAIT};
use reqwest::Method;
use serde_json::json;

/// A running bank with two people and an agency.
struct Fixture {
    /// Before `bank`: fields drop in order, and the node must stop before its directory goes.
    node: Node,
    bank: Bank,
    mair: String,
    gwen: String,
    centre: String,
}

fn fixture() -> Fixture {
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    let mair = bank.add_member("Mair Jones", "person");
    let gwen = bank.add_member("Gwen Davies", "person");
    let centre = bank.add_member("Rhymney Youth Centre", "agency");
    bank.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2"]);
    Fixture { bank, node, mair, gwen, centre }
}

/// A valid exchange body for the API.
fn exchange_body(provider: &str, receiver: &str, hours: serde_json::Value) -> serde_json::Value {
    json!({"providers": [provider], "receivers": [receiver], "hours": hours, "category": "gardening"})
}

#[test]
fn an_unknown_member_code_is_refused_with_where_to_look_and_nothing_changes() {
    let f = fixture();
    let before = f.bank.snapshot();
    // Well formed, this bank's handle, but nobody has it.
    let nobody = unknown_code(RHYMNEY.handle);
    let nobody = nobody.as_str();
    let (code, message) =
        f.bank.amser(&["exchange", "record", "--provider", nobody, "--receiver", &f.gwen, "--hours", "1", "--json"]).json_error();
    assert_eq!(code, "unknown_member");
    assert!(message.contains(nobody) && message.contains("amser member list"), "{message}");
    let text = f.bank.amser(&["exchange", "record", "--provider", &f.mair, "--receiver", nobody, "--hours", "1"]).error_text();
    assert!(text.contains(nobody) && text.contains("amser member list"), "{text}");
    let (code, _) = f.bank.amser(&["balance", nobody, "--json"]).json_error();
    assert_eq!(code, "unknown_member");
    // Not a code at all.
    let (code, message) =
        f.bank.amser(&["exchange", "record", "--provider", &f.mair, "--receiver", "Gwen", "--hours", "1", "--json"]).json_error();
    assert_eq!(code, "bad_member_code");
    assert!(message.contains("rhymney:7KQ2-M9"), "shows what a code looks like: {message}");
    f.node.api().post("/api/v1/exchanges", &exchange_body(&f.mair, nobody, json!("1"))).expect_error(404, "unknown_member");
    assert_eq!(f.bank.snapshot(), before);
}

#[test]
fn another_banks_member_is_refused_until_that_bank_is_admitted_and_a_payer_records_at_home() {
    let f = fixture();
    let before = f.bank.snapshot();
    let (code, message) = f
        .bank
        .amser(&["exchange", "record", "--provider", &f.mair, "--receiver", "gwynedd:7KQ2-M9", "--hours", "1", "--json"])
        .json_error();
    assert_eq!(code, "record_at_payers_bank");
    assert!(message.contains("gwynedd:7KQ2-M9") && message.contains("record this exchange at that bank"), "{message}");
    let message =
        f.node.api().post("/api/v1/exchanges", &exchange_body("gwynedd:7KQ2-M9", &f.gwen, json!(1))).expect_error(422, "unknown_peer");
    assert!(message.contains("amser peer add"), "{message}");
    assert_eq!(f.bank.snapshot(), before);
}

#[test]
fn receiving_eleven_hours_from_nothing_breaks_the_ten_hour_floor_and_nothing_changes() {
    let f = fixture();
    let dai = f.bank.add_member("Dai Price", "person");
    let before = f.bank.snapshot();
    let (code, message) =
        f.bank.amser(&["exchange", "record", "--provider", &f.mair, "--receiver", &dai, "--hours", "11", "--json"]).json_error();
    assert_eq!(code, "below_floor");
    assert!(
        message.contains(&dai) && message.contains("-11:00") && message.contains("-10:00") && message.contains("Record fewer hours"),
        "{message}"
    );
    // A group exchange where only one receiver would break the floor is refused whole.
    let both = format!("{dai},{}", f.centre);
    let (code, _) =
        f.bank.amser(&["exchange", "record", "--provider", &f.mair, "--receiver", &both, "--hours", "22", "--json"]).json_error();
    assert_eq!(code, "below_floor", "11 h each for Dai and the centre: Dai goes below -10 h");
    f.node
        .api()
        .post("/api/v1/exchanges", &json!({"providers": [f.mair], "receivers": [dai], "minutes": 601}))
        .expect_error(409, "below_floor");
    assert_eq!(f.bank.snapshot(), before, "not half-applied");
    // Exactly at the floor is allowed; one minute past it is not.
    f.bank.record(&["--provider", &f.mair, "--receiver", &dai, "--hours", "10"]);
    assert_eq!(f.bank.balance(&dai), -600);
    let at_floor = f.bank.snapshot();
    let (code, _) =
        f.bank.amser(&["exchange", "record", "--provider", &f.gwen, "--receiver", &dai, "--hours", "0:01", "--json"]).json_error();
    assert_eq!(code, "below_floor");
    assert_eq!(f.bank.snapshot(), at_floor);
}

#[test]
fn nonsense_hours_are_refused_with_how_to_write_them() {
    let f = fixture();
    let before = f.bank.snapshot();
    // (what the coordinator typed, the error code on the API, words the message must have)
    let cases: [(&str, &str, &str); 7] = [
        ("0", "bad_hours", "more than zero"),
        ("-1", "bad_hours", "more than zero"),
        ("abc", "bad_hours", "1:30"),
        ("NaN", "bad_hours", "1:30"),
        ("1.234", "bad_hours", "2 decimal places"),
        ("25", "too_many_hours", "(24:00)"),
        ("1:75", "bad_hours", "0 to 59"),
    ];
    let api = f.node.api();
    for (hours, api_code, words) in cases {
        let flag = format!("--hours={hours}");
        let args = ["exchange", "record", "--provider", &f.mair, "--receiver", &f.gwen, &flag];
        let text = f.bank.amser(&args).error_text();
        assert!(text.contains(words), "--hours {hours}: the message should say '{words}': {text}");
        let mut json_args = args.to_vec();
        json_args.push("--json");
        let (code, message) = f.bank.amser(&json_args).json_error();
        assert!(message.contains(words), "--hours {hours}: {code}: {message}");
        // The CLI checks most amounts itself before asking the node, so its
        // code is not always the API's; the API's codes are stable.
        if hours == "25" {
            assert_eq!(code, "too_many_hours");
        }
        let m = api.post("/api/v1/exchanges", &exchange_body(&f.mair, &f.gwen, json!(hours))).expect_error(422, api_code);
        assert!(m.contains(words), "API, hours {hours}: {m}");
    }
    // Numbers that JSON can carry but that are not amounts.
    for hours in [json!(0), json!(-1.5), json!(1.234), json!(true), json!([1])] {
        api.post("/api/v1/exchanges", &exchange_body(&f.mair, &f.gwen, hours.clone())).expect_error(422, "bad_hours");
    }
    api.post("/api/v1/exchanges", &json!({"providers": [f.mair], "receivers": [f.gwen], "minutes": 0})).expect_error(422, "bad_hours");
    api.post("/api/v1/exchanges", &json!({"providers": [f.mair], "receivers": [f.gwen], "hours": "1", "minutes": 60}))
        .expect_error(422, "bad_hours");
    api.post("/api/v1/exchanges", &json!({"providers": [f.mair], "receivers": [f.gwen]})).expect_error(422, "bad_hours");
    assert_eq!(f.bank.snapshot(), before);
    // 24 hours is the policy's most, and is allowed (an agency can owe it).
    f.bank.record(&["--provider", &f.mair, "--receiver", &f.centre, "--hours", "24"]);
}

#[test]
fn a_body_over_64_kib_is_refused_with_413_body_too_large() {
    let f = fixture();
    let before = f.bank.snapshot();
    let mut body = exchange_body(&f.mair, &f.gwen, json!("1"));
    body["note"] = json!("x".repeat(65 * 1024));
    let bytes = body.to_string().into_bytes();
    assert!(bytes.len() > 64 * 1024);
    let api = f.node.api();
    let message = api
        .send(Method::POST, "/api/v1/exchanges", Some(&f.node.token), Some((bytes, "application/json")))
        .expect_error(413, "body_too_large");
    assert!(message.contains("max_body_bytes"), "{message}");
    // Members too.
    let member = json!({"name": "Big", "special_needs": "y".repeat(70 * 1024)});
    api.post("/api/v1/members", &member).expect_error(413, "body_too_large");
    // The node is still answering, and nothing changed.
    assert_eq!(f.bank.snapshot(), before);
}

#[test]
fn a_missing_or_wrong_token_is_refused_on_every_route_and_records_nothing() {
    let f = fixture();
    let before = f.bank.snapshot();
    let api = f.node.api();
    let good_exchange = exchange_body(&f.mair, &f.gwen, json!("1")).to_string().into_bytes();
    let new_member = br#"{"name": "Intruder"}"#.to_vec();
    let mair_path = format!("/api/v1/members/{}", f.mair.replace(':', "%3A"));
    let routes: Vec<(Method, String, Option<Vec<u8>>)> = vec![
        (Method::GET, "/api/v1/status".into(), None),
        (Method::GET, "/api/v1/members".into(), None),
        (Method::GET, mair_path.clone(), None),
        (Method::PATCH, mair_path, Some(br#"{"status": "left"}"#.to_vec())),
        (Method::POST, "/api/v1/members".into(), Some(new_member)),
        (Method::POST, "/api/v1/exchanges".into(), Some(good_exchange)),
        (Method::GET, "/api/v1/balances".into(), None),
        (Method::GET, "/api/v1/report".into(), None),
        (Method::GET, "/api/v1/audit".into(), None),
        (Method::GET, "/api/v1/export?format=json".into(), None),
        (Method::GET, "/api/v1/listings".into(), None),
    ];
    let wrong = "0".repeat(64);
    for (method, path, body) in routes {
        let body = body.map(|b| (b, "application/json"));
        let m = api.send(method.clone(), &path, None, body.clone()).expect_error(401, "missing_token");
        assert!(m.contains("api-token"), "says where the token is: {m}");
        let m = api.send(method.clone(), &path, Some(&wrong), body.clone()).expect_error(401, "wrong_token");
        assert!(m.contains("api-token"), "{m}");
        // An almost-right token (one character changed) is just as wrong.
        let mut close = f.node.token.clone();
        close.replace_range(0..1, if close.starts_with('a') { "b" } else { "a" });
        api.send(method.clone(), &path, Some(&close), body.clone()).expect_error(401, "wrong_token");
        // "Bearer " with nothing after it arrives as "Bearer" (HTTP trims header values): no token.
        api.send(method, &path, Some(""), body).expect_error(401, "missing_token");
    }
    assert_eq!(f.bank.snapshot(), before, "nothing sent without the right token changed anything");
    assert_eq!(f.bank.json(&["member", "list"]).as_array().map(Vec::len), Some(3));
}

#[test]
fn a_malformed_body_says_what_is_wrong_with_it() {
    let f = fixture();
    let before = f.bank.snapshot();
    let api = f.node.api();
    let post = |body: &str, content_type: &str| {
        api.send(Method::POST, "/api/v1/exchanges", Some(&f.node.token), Some((body.as_bytes().to_vec(), content_type)))
    };
    let m = post(r#"{"providers": ["#, "application/json").expect_error(400, "bad_json");
    assert!(m.contains("not valid JSON"), "{m}");
    post("", "application/json").expect_error(400, "bad_json");
    let m = post(&format!(r#"{{"providers": "{}", "receivers": ["{}"], "hours": "1"}}"#, f.mair, f.gwen), "application/json")
        .expect_error(422, "bad_field");
    assert!(m.contains("providers"), "names the field: {m}");
    let m = post(&format!(r#"{{"providers": ["{}"], "receivers": ["{}"], "hours": "1", "hourz": 2}}"#, f.mair, f.gwen), "application/json")
        .expect_error(422, "bad_field");
    assert!(m.contains("hourz"), "names the unknown field: {m}");
    let m = post(&exchange_body(&f.mair, &f.gwen, json!("1")).to_string(), "text/plain").expect_error(415, "not_json");
    assert!(m.contains("application/json"), "{m}");
    // A reverse with no reason.
    let listed = api.get("/api/v1/exchanges?limit=1");
    let id = listed.body["items"][0]["id"].as_str().expect("an exchange id").to_string();
    api.post(&format!("/api/v1/exchanges/{id}/reverse"), &json!({})).expect_error(422, "bad_field");
    api.post("/api/v1/exchanges/not-an-id/reverse", &json!({"reason": "x"})).expect_error(404, "unknown_exchange");
    // A bad date.
    let mut body = exchange_body(&f.mair, &f.gwen, json!("1"));
    body["date"] = json!("31/12/2024");
    api.post("/api/v1/exchanges", &body).expect_error(400, "bad_date");
    body["date"] = json!("2999-01-01");
    api.post("/api/v1/exchanges", &body).expect_error(422, "future_date");
    assert_eq!(f.bank.snapshot(), before);
}

#[test]
fn an_unknown_route_answers_a_json_404() {
    let f = fixture();
    let api = f.node.api();
    let everything = format!("/api/v1/members/{}/everything", unknown_code(RHYMNEY.handle).replace(':', "%3A"));
    for path in ["/api/v1/nothing-here", "/api/v2/status", &everything] {
        let m = api.get(path).expect_error(404, "no_such_route");
        assert!(m.contains("no such API route"), "{path}: {m}");
    }
    api.get("/api/v1/exchanges/0000000000000000").expect_error(404, "unknown_exchange");
    api.get("/api/v1/export?format=xls").expect_error(400, "bad_format");
}

#[test]
fn a_flipped_byte_in_a_middle_journal_entry_is_named_by_audit_and_up_refuses_to_start() {
    let f = fixture();
    f.bank.record(&["--provider", &f.gwen, "--receiver", &f.centre, "--hours", "1"]);
    f.bank.record(&["--provider", &f.centre, "--receiver", &f.mair, "--hours", "3"]);
    let seq = f.bank.snapshot().journal_seq;
    assert_eq!(f.node.terminate().code(), Some(0));

    // 1 opening + 3 members + 3 exchanges = 7 entries; damage entry 5 (the
    // first exchange) in the middle of its payload.
    let frames = journal_frames(&f.bank.journal());
    assert_eq!(frames.len() as u64, seq);
    let damaged_entry = 5;
    let (at, len) = frames[damaged_entry - 1];
    let mut bytes = std::fs::read(f.bank.journal()).unwrap();
    bytes[at + 12 + len / 2] ^= 0x20;
    std::fs::write(f.bank.journal(), &bytes).unwrap();
    let named = format!("journal entry {damaged_entry}");

    // The node is not running, so audit reads the files itself.
    let audit = f.bank.amser(&["audit"]);
    audit.failed();
    assert!(audit.stdout.contains("not running") && audit.stdout.contains("Audit FAILED"), "{}", audit.stdout);
    assert!(audit.stdout.contains(&named), "the audit names the damaged entry:\n{}", audit.stdout);
    assert!(audit.stderr.contains("the audit found problems"), "{}", audit.stderr);
    let audit = f.bank.amser(&["audit", "--json"]);
    audit.failed();
    let docs = audit.json_stream();
    assert_eq!(docs.len(), 1, "--json prints one document: {}", audit.stdout);
    let report = docs.into_iter().next().expect("the audit report");
    assert_eq!(report["ok"], json!(false));
    assert_eq!(report["entries"], json!(damaged_entry - 1), "entries before it are intact: {report}");
    assert!(report["problems"][0].as_str().unwrap().contains(&named), "{report}");

    // The node refuses to start on it, saying which entry, and cuts nothing off.
    let refused = f.bank.amser_up(&[]);
    let text = refused.error_text();
    assert!(text.contains(&named) && text.contains("backup"), "{text}");
    let err = f.bank.try_up().err().expect("the node must not start on a damaged journal");
    assert!(err.contains(&named), "{err}");
    assert_eq!(std::fs::read(f.bank.journal()).unwrap(), bytes, "acknowledged entries are never dropped to make the node start");
    assert!(!f.bank.api_addr_file().exists());
}

// A damaged length field in a middle entry must not pass for an unfinished
// write at the end (which would cut every acknowledged entry after it).
#[test]
fn a_damaged_length_in_a_middle_journal_entry_stops_the_node_instead_of_cutting_acknowledged_entries() {
    let f = fixture();
    f.bank.record(&["--provider", &f.gwen, "--receiver", &f.centre, "--hours", "1"]);
    f.bank.record(&["--provider", &f.centre, "--receiver", &f.mair, "--hours", "3"]);
    assert_eq!(f.node.terminate().code(), Some(0));
    let intact = std::fs::read(f.bank.journal()).unwrap();
    let frames = journal_frames(&f.bank.journal());
    assert_eq!(frames.len(), 7);
    let damaged_entry = 5;
    let (at, _) = frames[damaged_entry - 1];
    let named = format!("journal entry {damaged_entry}");

    // Two kinds of damage to entry 5's length: more than any entry may have
    // (+64 KiB), and a plausible length (+1 KiB) that runs past the end.
    for (byte, bit) in [(2, 0x01), (1, 0x04)] {
        let mut bytes = intact.clone();
        bytes[at + byte] ^= bit;
        std::fs::write(f.bank.journal(), &bytes).unwrap();

        let audit = f.bank.amser(&["audit"]);
        audit.failed();
        assert!(audit.stdout.contains(&named), "the audit names the damaged entry, not an unfinished write:\n{}", audit.stdout);
        let text = f.bank.amser_up(&[]).error_text();
        assert!(text.contains(&named), "{text}");
        assert_eq!(std::fs::read(f.bank.journal()).unwrap(), bytes, "acknowledged entries 5 to 7 must not be cut off");
        let aside: Vec<_> = std::fs::read_dir(&f.bank.dir)
            .unwrap()
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_string_lossy().contains("torn"))
            .collect();
        assert!(aside.is_empty(), "nothing was moved aside as a torn write: {aside:?}");
    }
}

#[test]
fn up_on_a_directory_without_a_bank_says_to_run_init() {
    let empty = Bank::empty();
    let text = empty.amser_up(&[]).error_text();
    assert!(text.contains("holds no bank") && text.contains("amser init"), "{text}");
    let (_, message) = empty.amser_up(&["--json"]).json_error();
    assert!(message.contains("amser init"), "{message}");
    assert!(!empty.dir.exists(), "up does not create a directory it cannot use");
    // Nor does any other command.
    let text = empty.amser(&["status"]).error_text();
    assert!(text.contains("amser init"), "{text}");
    let text = empty.amser(&["audit"]).error_text();
    assert!(text.contains("amser init"), "{text}");
}

#[test]
fn a_second_up_on_a_running_bank_is_refused_as_already_running() {
    let f = fixture();
    let before = f.bank.snapshot();
    let text = f.bank.amser_up(&[]).error_text();
    assert!(text.contains("already running"), "{text}");
    let err = f.bank.try_up().err().expect("a second node must not start");
    assert!(err.contains("already running"), "{err}");
    // The first node is untouched and still the one the CLI talks to.
    assert_eq!(std::fs::read_to_string(f.bank.api_addr_file()).unwrap().trim(), f.node.addr);
    assert_eq!(f.bank.snapshot(), before);
    f.bank.record(&["--provider", &f.gwen, "--receiver", &f.mair, "--hours", "1"]);
}

#[test]
fn init_twice_on_one_directory_is_refused_and_the_first_bank_survives() {
    let bank = Bank::init(RHYMNEY);
    let key = std::fs::read(bank.dir.join("bank.key")).unwrap();
    let token = bank.token();
    let journal = std::fs::read(bank.journal()).unwrap();
    let text = bank.amser(&["init", "--name", "Another Bank", "--handle", "another"]).error_text();
    assert!(text.contains("already holds a bank"), "{text}");
    let (_, message) = bank.amser(&["init", "--name", RHYMNEY.name, "--handle", RHYMNEY.handle, "--json"]).json_error();
    assert!(message.contains("already holds a bank"), "{message}");
    assert_eq!(std::fs::read(bank.dir.join("bank.key")).unwrap(), key, "the key is not replaced");
    assert_eq!(bank.token(), token);
    assert_eq!(std::fs::read(bank.journal()).unwrap(), journal);
    let _node = bank.up();
    assert_eq!(bank.json(&["status"])["name"], json!(RHYMNEY.name));

    // A bad handle or name is refused, and leaves no half-made directory.
    let other = Bank::empty();
    let dir = other.dir.to_str().unwrap();
    let failed = run_amser(&["--data", dir, "init", "--name", "X", "--handle", "Not A Handle!"]);
    assert!(!failed.success(), "{failed:?}");
    assert!(!other.dir.exists(), "nothing left behind");
}

/// A runaway script on the API: past `[api] rate_per_second` (and its burst)
/// the node answers 429 `rate_limited`, saying how long to wait and which
/// setting sets the limit. What it refused recorded nothing, and the node
/// serves again as soon as the rate drops.
#[test]
fn a_runaway_script_is_slowed_down_with_429_and_what_was_refused_records_nothing() {
    const RATE: usize = 20;
    let bank = Bank::init(RHYMNEY);
    let config_path = bank.dir.join("config.toml");
    let config = std::fs::read_to_string(&config_path).expect("config.toml");
    assert!(config.contains("rate_per_second"), "init writes the limit into config.toml: {config}");
    let limited: String = config
        .lines()
        .map(|l| match l.split('=').next().map(str::trim) {
            Some("rate_per_second") | Some("rate_burst") => format!("{} = {RATE}", l.split('=').next().unwrap_or("").trim()),
            _ => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&config_path, limited).expect("write config.toml");
    let node = bank.up();
    let api = node.api();
    let mair = api.post("/api/v1/members", &json!({"name": "Mair Jones", "kind": "person"}));
    let gwen = api.post("/api/v1/members", &json!({"name": "Gwen Davies", "kind": "person"}));
    let (mair, gwen) = (mair.body["code"].as_str().expect("code").to_string(), gwen.body["code"].as_str().expect("code").to_string());

    let (mut recorded, mut refused) = (0, 0);
    for i in 0..3 * RATE {
        let (p, r) = if i.is_multiple_of(2) { (&mair, &gwen) } else { (&gwen, &mair) };
        let a = api.post("/api/v1/exchanges", &exchange_body(p, r, json!("0.5")));
        match a.status {
            201 => recorded += 1,
            429 => {
                let message = a.expect_error(429, "rate_limited");
                assert!(message.contains("wait") && message.contains("rate_per_second"), "{message}");
                refused += 1;
            }
            other => panic!("unexpected {other}: {}", a.text),
        }
    }
    assert!(refused > 0, "{} requests in a burst of {RATE} were all served", 3 * RATE);

    // Polled more slowly than the limit, so the polls themselves let it recover.
    let served = || {
        let a = api.get("/api/v1/exchanges?limit=1000");
        if a.status == 200 {
            assert!(a.body["next"].is_null(), "one page holds them all: {}", a.text);
            return Some(a.body["items"].clone());
        }
        a.expect_error(429, "rate_limited");
        None
    };
    let listed = wait_for("the node to serve again", WAIT, SLOW_POLL, served, || bank.log());
    assert_eq!(listed.as_array().expect("a list").len(), recorded, "exactly the exchanges answered 201 were recorded");
}

/// The secret key, the API token and the journal are the bank's alone:
/// `init` makes the data directory and those files unreadable by other users
/// of the machine (a volunteer's shared box), and `up` keeps them so.
#[test]
fn the_key_token_and_journal_are_readable_only_by_the_banks_own_user() {
    use std::os::unix::fs::PermissionsExt;
    let bank = Bank::init(RHYMNEY);
    let node = bank.up();
    bank.add_member("Mair Jones", "person");
    let mode = |name: &str| std::fs::metadata(bank.dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}")).permissions().mode() & 0o777;
    assert_eq!(mode(""), 0o700, "the data directory");
    for file in ["bank.key", "api-token", "journal.amj"] {
        assert_eq!(mode(file) & 0o077, 0, "{file} is open to others: {:o}", mode(file));
    }
    drop(node);
}
