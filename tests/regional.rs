//! A regional network of real nodes on loopback: banks that never admitted
//! each other, reached through the banks that did (DESIGN.md §2c).
//!
//! Rhymney admits Gwynedd, Gwynedd admits Cardiff, and Rhymney and Cardiff
//! never meet. Each bank signs and gossips the room on its trust lines
//! (`LineRoom`); Rhymney hears Cardiff's advert through Gwynedd and finds
//! the path a transfer to a Cardiff member would take, and the transfer
//! goes along it (`protocol::route`): held at every hop, settled at every
//! bank on the way by Cardiff's one signed decision, or released at every
//! bank by a signed refusal; a hop killed midway changes neither. When
//! debts go round a ring of banks, one of them proposes clearing the ring
//! and, once every bank on it has signed, each takes the same amount off
//! its two debts on the ring (`protocol::clearing`). Each bank signs its
//! monthly figures, and any bank sums the network's from them.
//!
//! Waiting polls what a bank shows, as in tests/federation.rs; the harness
//! is tests/common/federation.rs.

mod common;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::time::Duration;

use common::federation::{Federation, Layout, C, G, R};
use common::{BankName, CARDIFF, GWYNEDD, RHYMNEY};
use serde_json::{json, Value};

/// Banks in the sparse network story: the "at least 20".
const SPARSE_BANKS: usize = 20;
/// The most lines a path may cross (`region::paths::MAX_HOPS`).
const MAX_HOPS: usize = 4;
/// How long the sparse network may take to hear every advert: a bank asks
/// its peers again within 30 s at the latest (seconds apart while it is
/// still hearing of new banks), and two busy cores slow every step.
const SPARSE_WAIT: Duration = Duration::from_secs(60);

/// Rhymney–Gwynedd and Gwynedd–Cardiff admit each other, each with `trust` hours.
fn a_line_of_three(trust: &str) -> Federation {
    let mut fed = Federation::on_loopback(false);
    for (i, j) in [(R, G), (G, R), (G, C), (C, G)] {
        fed.admit(i, j, trust, false);
    }
    fed.wait_linked();
    fed
}

/// The fourth bank of the routed stories, between Gwynedd and Cardiff.
const POWYS: BankName = BankName { name: "Powys Time Bank", handle: "powys", region: "Powys" };

/// Each bank admits the next and the one before, with `trust` hours.
fn a_line_of(banks: &[BankName], trust: &str) -> Federation {
    let mut fed = Federation::start_banks(Layout::loopback(false), banks).expect("loopback needs no namespaces");
    for i in 1..banks.len() {
        fed.admit(i - 1, i, trust, false);
        fed.admit(i, i - 1, trust, false);
    }
    fed.wait_linked();
    fed
}

/// Waits until bank `at` holds transfer `id` decided; that record.
#[track_caller]
fn decided_at(fed: &Federation, at: usize, id: &str) -> Value {
    fed.wait_for(&format!("{} to hold transfer {id} decided", fed[at].handle), || {
        fed[at].transfer(id).filter(|t| t["state"] != json!("pending"))
    })
}

/// The handles along a path answer, or the error's code.
fn path(fed: &Federation, at: usize, to: &str, hours: &str) -> Result<Vec<String>, (u16, Value)> {
    let a = fed[at].api().get(&format!("/api/v1/federation/path?to={to}&hours={hours}"));
    if a.status != 200 {
        return Err((a.status, a.body));
    }
    Ok(a.body["banks"].as_array().expect("banks").iter().map(|b| b["handle"].as_str().unwrap_or("?").to_string()).collect())
}

#[test]
fn rhymney_finds_the_way_to_cardiff_through_gwynedd_and_loses_it_when_cardiffs_line_fills() {
    let fed = a_line_of_three("5");
    let through = vec![RHYMNEY.handle.to_string(), GWYNEDD.handle.to_string(), CARDIFF.handle.to_string()];
    let found = fed.wait_for("Rhymney to find a path to Cardiff", || path(&fed, R, CARDIFF.handle, "2").ok());
    assert_eq!(found, through);
    assert_eq!(path(&fed, R, GWYNEDD.handle, "2").expect("a direct path"), [RHYMNEY.handle, GWYNEDD.handle]);
    let peers = fed[R].api().get_all("/api/v1/peers");
    assert!(peers.iter().all(|p| p["handle"] != json!(CARDIFF.handle)), "Rhymney never admitted Cardiff: {peers:?}");

    // What Rhymney holds of Cardiff's advert: the room Cardiff extends to Gwynedd, numbers only.
    // Rhymney re-signs its own advert within a second of its line changing: wait for that one.
    let own_line = |rooms: &Value| {
        rooms
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["bank"]["handle"] == json!(RHYMNEY.handle) && a["lines"].as_array().map(Vec::len) == Some(1))
    };
    let rooms = fed.wait_for("Rhymney to hold its own advert, to hand on", || Some(fed[R].get("/federation/rooms")).filter(own_line));
    let cardiff = rooms.as_array().unwrap().iter().find(|a| a["bank"]["handle"] == json!(CARDIFF.handle)).expect("Cardiff's advert");
    assert_eq!(cardiff["fresh"], json!(true), "{cardiff}");
    assert_eq!(cardiff["lines"], json!([{"peer": {"bank": fed[G].id, "handle": GWYNEDD.handle}, "minutes": 300, "hours": 5.0}]));
    let text = fed[R].bank.amser(&["transfer", "path", "--to", CARDIFF.handle, "--hours", "2"]).ok().stdout.clone();
    assert!(
        text.contains(&format!("{} -> {} -> {}", RHYMNEY.handle, GWYNEDD.handle, CARDIFF.handle)) && text.contains("2 trust lines"),
        "{text}"
    );
    let text = fed[R].bank.amser(&["peer", "rooms"]).ok().stdout.clone();
    assert!(text.contains(CARDIFF.handle) && text.contains("5:00"), "{text}");

    // More than any line on the way has room for: no path, and the error says what to do.
    let (status, body) = path(&fed, R, CARDIFF.handle, "6").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (409, json!("no_path")), "{body}");
    assert!(body["error"]["message"].as_str().unwrap().contains("trust line"), "{body}");

    // A Cardiff member helps Gwynedd's for 4 hours: Gwynedd's members now owe
    // Cardiff's 4 of the 5 hours Cardiff extends, and Rhymney hears of it.
    let (gwen, cai) = (fed[G].member("Gwen Roberts"), fed[C].member("Cai Morgan"));
    let id = fed[G].record(&cai, &gwen, "4", "");
    fed.wait_settled(G, C, &id);
    fed.wait_until("Rhymney to hear that Cardiff's line with Gwynedd has 1 hour of room", || {
        matches!(path(&fed, R, CARDIFF.handle, "2"), Err((409, _)))
    });
    assert_eq!(path(&fed, R, CARDIFF.handle, "1").expect("one hour still fits"), through);

    let (status, body) = path(&fed, R, "swansea", "1").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (404, json!("unknown_bank")), "{body}");
    let (status, body) = path(&fed, R, RHYMNEY.handle, "1").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (400, json!("own_bank")), "{body}");
    let (status, body) = path(&fed, R, CARDIFF.handle, "0").unwrap_err();
    assert_eq!((status, body["error"]["code"].clone()), (422, json!("bad_hours")), "{body}");
    fed.check_invariants();
}

/// Twenty banks round a ring, each trading only with its two neighbours,
/// and six with a line across (2 or 3 lines each). Every bank finds, from
/// the adverts alone, a path with as few lines as the graph allows to each
/// bank at most four lines away, and none to a bank further off. Then the
/// three banks of the one small ring (2, 3, 4) clear the debts that go round
/// it, and members spend hours two to four lines away; at the end every
/// invariant holds on all twenty ledgers.
#[test]
fn twenty_banks_on_a_sparse_ring_find_their_ways_clear_a_ring_and_pay_across_several_lines() {
    let names: Vec<BankName> = (1..=SPARSE_BANKS)
        .map(|n| {
            let handle: &'static str = Box::leak(format!("bank{n:02}").into_boxed_str());
            let name: &'static str = Box::leak(format!("Time Bank {n}").into_boxed_str());
            BankName { name, handle, region: "" }
        })
        .collect();
    let mut layout = Layout::loopback(false);
    layout.wait = SPARSE_WAIT;
    let began = std::time::Instant::now();
    let mut fed = Federation::start_banks(layout, &names).expect("loopback needs no namespaces");
    eprintln!("sparse: {} nodes up after {:?}", SPARSE_BANKS, began.elapsed());
    let mut lines: BTreeSet<(usize, usize)> = (0..SPARSE_BANKS).map(|i| (i, (i + 1) % SPARSE_BANKS)).collect();
    lines.extend([(0, 10), (5, 15), (2, 4)]);
    let mut next: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
    for &(a, b) in &lines {
        fed.admit(a, b, "10", false);
        fed.admit(b, a, "10", false);
        next.entry(a).or_default().push(b);
        next.entry(b).or_default().push(a);
    }
    assert!(next.values().all(|n| (2..=4).contains(&n.len())), "2 to 4 lines each: {next:?}");
    fed.wait_linked();
    eprintln!("sparse: linked after {:?}", began.elapsed());

    let distances = |from: usize| -> Vec<usize> {
        let mut d = vec![usize::MAX; SPARSE_BANKS];
        d[from] = 0;
        let mut queue = VecDeque::from([from]);
        while let Some(at) = queue.pop_front() {
            for &n in &next[&at] {
                if d[n] == usize::MAX {
                    d[n] = d[at] + 1;
                    queue.push_back(n);
                }
            }
        }
        d
    };
    let index = |handle: &str| names.iter().position(|n| n.handle == handle).expect("a bank of the story");
    for from in [0, 3, 7] {
        let d = distances(from);
        for to in (0..SPARSE_BANKS).filter(|&to| to != from) {
            let what = format!("{} to find its way to {} ({} lines off)", names[from].handle, names[to].handle, d[to]);
            if d[to] > MAX_HOPS {
                let a = fed[from].api().get(&format!("/api/v1/federation/path?to={}&hours=1", names[to].handle));
                assert!(matches!(a.status, 404 | 409), "{what}: {} {}", a.status, a.text);
                continue;
            }
            let banks = fed.wait_for(&what, || path(&fed, from, names[to].handle, "1").ok());
            let at: Vec<usize> = banks.iter().map(|h| index(h)).collect();
            assert_eq!(at.len() - 1, d[to], "{what}: {banks:?}");
            assert!(at.windows(2).all(|w| next[&w[0]].contains(&w[1])), "{what}: every step is a trust line: {banks:?}");
            assert_eq!((at[0], at[at.len() - 1]), (from, to));
        }
        eprintln!("sparse: {} found every path after {:?}", names[from].handle, began.elapsed());
    }

    // Bank 2's members owe bank 3's three hours, 3's owe 4's, 4's owe 2's: bank 2 clears the ring.
    let members: Vec<String> = (0..SPARSE_BANKS).map(|i| fed[i].member(&format!("Member of bank {i}"))).collect();
    for (payer, payee) in [(2, 3), (3, 4), (4, 2)] {
        let id = fed[payer].record(&members[payee], &members[payer], "3", "");
        fed.wait_settled(payer, payee, &id);
    }
    fed.wait_until("bank 2 to see the ring of debts", || {
        fed[2].get("/clearing/rings").as_array().is_some_and(|r| r.iter().any(|ring| ring["ours"] == json!(true)))
    });
    let proposed = fed[2].bank.amser(&["clearing", "run", "--json"]).ok().json();
    let id = proposed[0]["id"].as_str().expect("a clearing proposed").to_string();
    for i in [2, 3, 4] {
        fed.wait_until(&format!("bank {i} to hold the clearing accepted"), || {
            fed[i].get("/clearing").as_array().is_some_and(|l| l.iter().any(|c| c["id"] == json!(id) && c["state"] == json!("accepted")))
        });
    }
    for (a, b) in [(2, 3), (3, 4), (4, 2)] {
        assert_eq!(fed[a].clearing(&fed[b]), 0, "bank {a}'s three hours to bank {b} are cleared");
    }
    eprintln!("sparse: the ring cleared after {:?}", began.elapsed());

    // Members of banks 0, 7 and 12 are helped by members of banks three and four lines off.
    let mut paid = Vec::new();
    for from in [0, 7, 12] {
        let d = distances(from);
        for lines_off in [3, 4] {
            let to = (0..SPARSE_BANKS).find(|&to| d[to] == lines_off).expect("a bank that far");
            let id = fed[from].record(&members[to], &members[from], "1", "");
            paid.push((from, to, id));
        }
    }
    for (from, to, id) in &paid {
        let settled = fed.wait_for(&format!("bank {from}'s transfer from bank {to} to settle"), || {
            fed[*from].transfer(id).filter(|t| t["state"] != json!("pending"))
        });
        assert_eq!(settled["state"], json!("accepted"), "{settled}");
        assert!(settled["path"].as_array().is_some_and(|p| p.len() >= 4), "three or four lines: {settled}");
        fed.wait_until(&format!("bank {to} to hold it decided"), || fed[*to].transfer(id).is_some());
    }
    eprintln!("sparse: {} transfers across three and four lines settled after {:?}", paid.len(), began.elapsed());
    // Every bank on every way settles from the payee's decision: wait until none is pending anywhere.
    fed.wait_until("every bank on every way to have settled", || {
        (0..SPARSE_BANKS).all(|i| fed[i].transfers().iter().all(|t| t["state"] != json!("pending")))
    });
    fed.check_invariants();
}

/// A Cardiff member helps a Rhymney member; Rhymney trades only with
/// Gwynedd, Gwynedd with Powys, Powys with Cardiff. The exchange is
/// recorded at Rhymney as any other, goes along the three lines, and
/// Cardiff's one signed acceptance settles it at every bank: each hop is
/// owed by the bank before it and owes the bank after, members untouched.
#[test]
fn a_cardiff_member_helps_a_rhymney_member_across_three_trust_lines_and_every_bank_on_the_way_settles_once() {
    let fed = a_line_of(&[RHYMNEY, GWYNEDD, POWYS, CARDIFF], "5");
    let (r, g, p, c) = (0, 1, 2, 3);
    let way = [RHYMNEY.handle, GWYNEDD.handle, POWYS.handle, CARDIFF.handle];
    fed.wait_until("Rhymney to find its way to Cardiff", || path(&fed, r, CARDIFF.handle, "2").is_ok_and(|p| p == way));
    let (rhian, cai) = (fed[r].member("Rhian Evans"), fed[c].member("Cai Morgan"));
    let id = fed[r].record(&cai, &rhian, "2", "a lift to the hospital");

    let at_payer = decided_at(&fed, r, &id);
    assert_eq!(at_payer["state"], json!("accepted"), "{at_payer}");
    let ids: Vec<&str> = [r, g, p, c].iter().map(|&i| fed[i].id.as_str()).collect();
    let shown: Vec<&str> = at_payer["path"].as_array().expect("a path").iter().map(|h| h["bank"].as_str().unwrap()).collect();
    assert_eq!(shown, ids, "{at_payer}");
    assert!(at_payer["path"].as_array().unwrap().iter().all(|h| h["state"] == json!("settled")), "{at_payer}");
    for (i, role) in [(g, "forwarded"), (p, "forwarded"), (c, "incoming")] {
        let there = decided_at(&fed, i, &id);
        assert_eq!((there["role"].clone(), there["state"].clone()), (json!(role), json!("accepted")), "{there}");
        assert_eq!(there["decision_signature"], at_payer["decision_signature"], "one signed decision settles every bank");
        assert_eq!(there["transfer_signature"], at_payer["transfer_signature"], "the payer's bank's bytes, passed on unchanged");
        assert_eq!(there["note"], json!(""), "the note stays at the payer's bank: {there}");
    }
    assert_eq!(at_payer["note"], json!("a lift to the hospital"));

    assert_eq!((fed[r].balance(&rhian), fed[c].balance(&cai)), (-120, 120));
    let owed = [(r, g, 120), (g, r, -120), (g, p, 120), (p, g, -120), (p, c, 120), (c, p, -120)];
    for (at, with, minutes) in owed {
        assert_eq!(fed[at].clearing(&fed[with]), minutes, "{}'s clearing account for {}", fed[at].handle, fed[with].handle);
    }
    assert_eq!(fed[r].clearing(&fed[c]), 0, "Rhymney and Cardiff never trade directly");
    for i in [r, g, p, c] {
        assert_eq!(fed[i].transfers().len(), 1, "{}: {:?}", fed[i].handle, fed[i].transfers());
    }
    let shown = fed[r].bank.amser(&["transfer", "show", &id]).ok().stdout.clone();
    assert!(shown.contains("Path (3 trust lines):") && shown.matches("settled").count() == 4, "{shown}");
    fed.check_invariants();
}

/// The same along Gwynedd to a code Cardiff has never issued: Cardiff
/// signs a refusal, and it releases the hold at every bank on the way;
/// every ledger is as it was before.
#[test]
fn a_transfer_refused_at_the_last_bank_releases_every_hold_on_the_way_and_leaves_every_ledger_as_it_was() {
    let fed = a_line_of(&[RHYMNEY, GWYNEDD, CARDIFF], "5");
    let (r, g, c) = (0, 1, 2);
    fed.wait_until("Rhymney to find its way to Cardiff", || path(&fed, r, CARDIFF.handle, "2").is_ok_and(|p| p.len() == 3));
    let rhian = fed[r].member("Rhian Evans");
    let before: Vec<Value> = [r, g, c].iter().map(|&i| fed[i].api().balances()).collect();
    let id = fed[r].record(&common::unknown_code(CARDIFF.handle), &rhian, "2", "");

    let at_payer = decided_at(&fed, r, &id);
    assert_eq!(at_payer["state"], json!("rejected"), "{at_payer}");
    assert!(at_payer["reject_reason"].as_str().unwrap().contains("no member with that code"), "{at_payer}");
    let states: Vec<&str> = at_payer["path"].as_array().unwrap().iter().map(|h| h["state"].as_str().unwrap()).collect();
    assert_eq!(states, ["released", "released", "refused"], "{at_payer}");
    for (i, role) in [(g, "forwarded"), (c, "incoming")] {
        let there = decided_at(&fed, i, &id);
        assert_eq!((there["role"].clone(), there["state"].clone()), (json!(role), json!("rejected")), "{there}");
        assert_eq!(there["decision_signature"], at_payer["decision_signature"]);
    }
    for (n, &i) in [r, g, c].iter().enumerate() {
        assert_eq!(fed[i].api().balances(), before[n], "{}'s ledger is as it was", fed[i].handle);
    }
    // The audit in the invariants checks every hold against the transfers in flight: none.
    fed.check_invariants();
}

/// Gwynedd holds Rhymney's transfer while Cardiff is away, and is killed
/// with SIGKILL before it can pass it on. When both are back, Gwynedd
/// passes it on from its journal, Cardiff decides, and the transfer is
/// settled exactly once at every bank.
#[test]
fn the_bank_in_the_middle_killed_midway_passes_the_transfer_on_when_it_is_back_and_it_settles_exactly_once() {
    let mut fed = a_line_of(&[RHYMNEY, GWYNEDD, CARDIFF], "5");
    let (r, g, c) = (0, 1, 2);
    fed.wait_until("Rhymney to find its way to Cardiff", || path(&fed, r, CARDIFF.handle, "2").is_ok_and(|p| p.len() == 3));
    let (rhian, cai) = (fed[r].member("Rhian Evans"), fed[c].member("Cai Morgan"));
    fed.stop(c);
    let id = fed[r].record(&cai, &rhian, "2", "");
    let held = fed.wait_for("Gwynedd to hold the transfer for Cardiff", || fed[g].transfer(&id));
    assert_eq!((held["role"].clone(), held["state"].clone()), (json!("forwarded"), json!("pending")), "{held}");
    fed.crash(g);
    assert_eq!(fed[r].transfer(&id).expect("recorded")["state"], json!("pending"), "nobody decides for Cardiff");

    fed.up(c);
    fed.up(g);
    fed.readdress(g);
    fed.readdress(c);
    fed.wait_linked();
    let at_payer = decided_at(&fed, r, &id);
    assert_eq!(at_payer["state"], json!("accepted"), "{at_payer}");
    for i in [g, c] {
        assert_eq!(decided_at(&fed, i, &id)["decision_signature"], at_payer["decision_signature"]);
        assert_eq!(fed[i].transfers().len(), 1, "{}: {:?}", fed[i].handle, fed[i].transfers());
    }
    assert_eq!((fed[r].balance(&rhian), fed[c].balance(&cai)), (-120, 120), "paid once");
    for (at, with, minutes) in [(r, g, 120), (g, r, -120), (g, c, 120), (c, g, -120)] {
        assert_eq!(fed[at].clearing(&fed[with]), minutes, "{}'s clearing account for {}", fed[at].handle, fed[with].handle);
    }
    fed.check_invariants();
}

/// Rhymney, Gwynedd and Cardiff all trade with each other, and their debts
/// go round: Rhymney's members owe Gwynedd 3 hours, Gwynedd's owe Cardiff
/// 2, Cardiff's owe Rhymney 4. With `decline`, Gwynedd will not take part
/// in clearing. The debts made, and each bank's member.
fn a_ring_of_debts(decline: bool) -> (Federation, [String; 3]) {
    let mut fed = Federation::linked();
    if decline {
        fed.stop(G);
        let config = fed[G].bank.dir.join("config.toml");
        let text = std::fs::read_to_string(&config).expect("config.toml");
        assert!(text.contains("clearing = \"join\""), "a new bank joins clearings: {text}");
        std::fs::write(&config, text.replacen("clearing = \"join\"", "clearing = \"decline\"", 1)).expect("config.toml");
        fed.up(G);
        fed.readdress(G);
        fed.wait_linked();
    }
    let members = [fed[R].member("Rhian Evans"), fed[G].member("Gwen Roberts"), fed[C].member("Cai Morgan")];
    for (payer, payee, hours) in [(R, G, "3"), (G, C, "2"), (C, R, "4")] {
        let id = fed[payer].record(&members[payee], &members[payer], hours, "");
        fed.wait_settled(payer, payee, &id);
    }
    fed.wait_until("Rhymney to see the ring of debts", || {
        fed[R].get("/clearing/rings").as_array().is_some_and(|r| r.iter().any(|ring| ring["ours"] == json!(true)))
    });
    (fed, members)
}

/// Every clearing account, by (bank, other bank).
fn clearing_accounts(fed: &Federation) -> BTreeMap<(usize, usize), i64> {
    let mut out = BTreeMap::new();
    for a in [R, G, C] {
        for b in [R, G, C].into_iter().filter(|&b| b != a) {
            out.insert((a, b), fed[a].clearing(&fed[b]));
        }
    }
    out
}

#[test]
fn rhymney_gwynedd_and_cardiff_clear_the_two_hours_that_go_round_them_and_no_members_balance_moves() {
    let (fed, members) = a_ring_of_debts(false);
    let balances: Vec<i64> = [R, G, C].iter().map(|&i| fed[i].balance(&members[i])).collect();
    let before = clearing_accounts(&fed);
    let proposed = fed[R].bank.amser(&["clearing", "run", "--json"]).ok().json();
    let proposed = proposed.as_array().expect("the clearings proposed");
    assert_eq!(proposed.len(), 1, "{proposed:?}");
    let id = proposed[0]["id"].as_str().expect("id").to_string();
    assert_eq!((proposed[0]["minutes"].clone(), proposed[0]["state"].clone()), (json!(120), json!("pending")));
    let ring: Vec<&str> = proposed[0]["banks"].as_array().unwrap().iter().map(|b| b["handle"].as_str().unwrap()).collect();
    assert_eq!(ring, [RHYMNEY.handle, GWYNEDD.handle, CARDIFF.handle], "each owes the next, Cardiff owes Rhymney");

    for i in [R, G, C] {
        fed.wait_until(&format!("{} to hold the clearing accepted", fed[i].handle), || {
            fed[i].get("/clearing").as_array().is_some_and(|l| l.iter().any(|c| c["id"] == json!(id) && c["state"] == json!("accepted")))
        });
    }
    let after = clearing_accounts(&fed);
    for ((a, b), minutes) in &before {
        // Every debt on the ring goes down by two hours; nothing else moves.
        let owed_on_ring = [(R, G), (G, C), (C, R)].contains(&(*a, *b));
        let change = if owed_on_ring {
            -120
        } else if [(G, R), (C, G), (R, C)].contains(&(*a, *b)) {
            120
        } else {
            0
        };
        assert_eq!(after[&(*a, *b)], minutes + change, "{}'s clearing account for {}", fed[*a].handle, fed[*b].handle);
    }
    assert_eq!(after[&(G, C)], 0, "Gwynedd's whole debt to Cardiff is cleared");
    let balances_after: Vec<i64> = [R, G, C].iter().map(|&i| fed[i].balance(&members[i])).collect();
    assert_eq!(balances_after, balances, "no member's balance moves");
    let listed = fed[C].bank.amser(&["clearing", "list"]).ok().stdout.clone();
    assert!(listed.contains("cleared") && listed.contains("2:00"), "{listed}");
    let again = fed[R].bank.amser(&["clearing", "run"]).ok().stdout.clone();
    assert!(again.contains("No ring"), "what is cleared is not proposed again: {again}");
    fed.check_invariants();
}

#[test]
fn when_gwynedd_declines_to_clear_the_ring_cardiffs_promise_is_released_and_every_ledger_stays_as_it_was() {
    let (fed, members) = a_ring_of_debts(true);
    let before: Vec<Value> = [R, G, C].iter().map(|&i| fed[i].api().balances()).collect();
    let proposed = fed[R].bank.amser(&["clearing", "run", "--json"]).ok().json();
    let id = proposed[0]["id"].as_str().expect("a clearing proposed").to_string();
    let decided = fed.wait_for("Rhymney to hear the clearing refused", || {
        fed[R].get("/clearing").as_array()?.iter().find(|c| c["id"] == json!(id) && c["state"] != json!("pending")).cloned()
    });
    assert_eq!(decided["state"], json!("rejected"), "{decided}");
    assert_eq!(decided["decided_by"], json!(fed[G].id), "{decided}");
    assert!(decided["reject_reason"].as_str().unwrap().contains("does not take part"), "{decided}");
    // It goes round against the debts: Rhymney to Cardiff, who promised, then to Gwynedd, who refused.
    for i in [C, G] {
        let there = fed[i].get("/clearing");
        assert!(
            there.as_array().is_some_and(|l| l.len() == 1 && l[0]["id"] == json!(id) && l[0]["state"] == json!("rejected")),
            "{}: {there}",
            fed[i].handle
        );
    }
    for (n, &i) in [R, G, C].iter().enumerate() {
        assert_eq!(fed[i].api().balances(), before[n], "{}'s ledger is as it was", fed[i].handle);
    }
    assert_eq!(fed[R].balance(&members[0]), 60, "Rhymney's member gave 4 hours and received 3");
    fed.check_invariants();
}

/// A local exchange at `site`: `provider` gave `receiver` `hours` under `category`.
fn local(site: &common::federation::Site, provider: &str, receiver: &str, hours: &str, category: &str) {
    let body = json!({"providers": [provider], "receivers": [receiver], "hours": hours, "category": category});
    let a = site.api().post("/api/v1/exchanges", &body);
    assert_eq!(a.status, 201, "{}: {}", site.handle, a.text);
}

/// This month's figures as a funder would be handed them: Rhymney sums
/// what Gwynedd and Cardiff signed with its own. Each bank's row is what
/// that bank itself signed; a category a coordinator typed as free text is
/// counted as "other" and never published.
#[test]
fn the_networks_figures_for_the_month_are_the_sum_of_what_each_bank_signed_and_publish_no_free_text() {
    let fed = Federation::linked();
    let (rhian, rhodri) = (fed[R].member("Rhian Evans"), fed[R].member("Rhodri Price"));
    let (gwen, glyn) = (fed[G].member("Gwen Roberts"), fed[G].member("Glyn Hughes"));
    let cai = fed[C].member("Cai Morgan");
    local(&fed[R], &rhian, &rhodri, "1", "gardening");
    local(&fed[R], &rhodri, &rhian, "1.5", "Mair's insulin round");
    local(&fed[G], &gwen, &glyn, "3", "transport");
    let id = fed[R].record(&cai, &rhian, "2", "");
    fed.wait_settled(R, C, &id);

    let stats = fed[R].bank.amser(&["federation", "stats", "--format", "json"]).ok().json();
    let row = |i: usize| {
        stats["banks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|b| b["bank"]["bank"] == json!(fed[i].id))
            .cloned()
            .unwrap_or_else(|| panic!("{stats}"))
    };
    assert_eq!(
        (row(R)["exchanges"].clone(), row(R)["minutes"].clone(), row(R)["active_members"].clone()),
        (json!(2), json!(150), json!(2))
    );
    assert_eq!(
        (row(G)["exchanges"].clone(), row(G)["minutes"].clone(), row(G)["active_members"].clone()),
        (json!(1), json!(180), json!(2))
    );
    assert_eq!((row(C)["exchanges"].clone(), row(C)["across_banks_in_minutes"].clone()), (json!(0), json!(120)));
    assert_eq!(row(R)["across_banks_out_minutes"], json!(120));
    assert_eq!((stats["exchanges"].clone(), stats["minutes"].clone(), stats["active_members"].clone()), (json!(3), json!(330), json!(4)));
    assert_eq!(stats["across_banks_minutes"], json!(120));
    assert_eq!(stats["missing"], json!([]), "{stats}");
    assert_eq!(stats["refused"], json!(0));
    let categories: BTreeMap<String, i64> = stats["by_category"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["category"].as_str().unwrap().to_string(), c["minutes"].as_i64().unwrap()))
        .collect();
    assert_eq!(categories, BTreeMap::from([("gardening".into(), 60), ("other".into(), 90), ("transport".into(), 180)]));
    assert!(!stats.to_string().contains("insulin"), "a coordinator's free text is never published: {stats}");

    // Each row is the bank's own: what Gwynedd signed is what Gwynedd says of itself.
    let at_gwynedd = fed[G].get("/federation/stats");
    let own = at_gwynedd["banks"].as_array().unwrap().iter().find(|b| b["bank"]["bank"] == json!(fed[G].id)).cloned().unwrap();
    assert_eq!((own["exchanges"].clone(), own["minutes"].clone()), (row(G)["exchanges"].clone(), row(G)["minutes"].clone()));

    let csv = fed[R].bank.amser(&["federation", "stats", "--format", "csv"]).ok().stdout.clone();
    assert!(csv.starts_with("month,bank,handle,exchanges,hours,active_members") && csv.lines().count() == 5, "{csv}");
    assert!(csv.lines().last().unwrap().contains(",total,,3,5.50,4,"), "{csv}");
    let table = fed[R].bank.amser(&["federation", "stats"]).ok().stdout.clone();
    assert!(table.contains("total") && table.contains("5:30"), "{table}");
    let bad = fed[R].api().get("/api/v1/federation/stats?month=2026-13");
    assert_eq!((bad.status, bad.body["error"]["code"].clone()), (422, json!("bad_month")), "{}", bad.text);
}

/// Rhian moves from Rhymney to Gwynedd, which has registered her: her three
/// hours go with her as one signed transfer, she takes her history with
/// her, and her Rhymney code is marked moved, pointing at her Gwynedd one.
/// No hour is made or lost: Rhymney now owes Gwynedd what she brought.
#[test]
fn rhian_moves_to_gwynedd_taking_her_hours_and_her_history_and_her_old_code_points_at_the_new_one() {
    let fed = Federation::linked();
    let (rhian, rhodri) = (fed[R].member("Rhian Evans"), fed[R].member("Rhodri Price"));
    local(&fed[R], &rhian, &rhodri, "3", "gardening");
    let new_code = fed[G].member("Rhian Evans");
    let history = fed[R].bank.dir.parent().expect("a temp dir").join("rhian-history.json");
    let moved =
        fed[R].bank.amser(&["member", "move", &rhian, "--to", &new_code, "--export", history.to_str().unwrap(), "--json"]).ok().json();
    assert_eq!((moved["member"]["status"].clone(), moved["member"]["moved_to"].clone()), (json!("moved"), json!(new_code)), "{moved}");
    let id = moved["transfer"]["id"].as_str().expect("a transfer takes her hours along").to_string();
    assert_eq!((moved["transfer"]["minutes"].clone(), moved["transfer"]["category"].clone()), (json!(180), json!("moving")));
    fed.wait_settled(R, G, &id);

    assert_eq!(
        (fed[R].balance(&rhian), fed[G].balance(&new_code), fed[R].balance(&rhodri)),
        (0, 180, -180),
        "her hours moved, Rhodri still owes his"
    );
    assert_eq!((fed[R].clearing(&fed[G]), fed[G].clearing(&fed[R])), (180, -180));
    let kept: Value = serde_json::from_str(&std::fs::read_to_string(&history).expect("her history was written")).expect("JSON");
    assert!(kept.to_string().contains(&rhodri) && kept.to_string().contains("Rhian Evans"), "her exchanges and details: {kept}");
    let refused = fed[R].api().post("/api/v1/exchanges", &json!({"providers": [rhodri], "receivers": [rhian], "hours": "1"}));
    assert_eq!((refused.status, refused.body["error"]["code"].clone()), (409, json!("member_not_active")), "{}", refused.text);
    let again = fed[R].api().post(&format!("/api/v1/members/{rhian}/move"), &json!({"to": new_code}));
    assert_eq!(again.body["error"]["code"], json!("member_not_active"), "moved once: {}", again.text);
    let owes = fed[R].api().post(&format!("/api/v1/members/{rhodri}/move"), &json!({"to": new_code}));
    assert_eq!(owes.body["error"]["code"], json!("cannot_move"), "{}", owes.text);
    assert!((400..500).contains(&owes.status), "the caller's to fix: {}", owes.status);
    assert!(owes.body["error"]["message"].as_str().unwrap().contains("owes 3:00 hours"), "{}", owes.text);
    fed.check_invariants();
}

/// Rhian visits Gwynedd for the summer: Rhymney signs her a letter of
/// introduction (her code, since when she is a member, that its checks are
/// done, until when; nothing personal), and Gwynedd verifies it before it
/// registers her as a visitor. A letter changed on the way, one for another
/// bank, or one that has run out, is refused with what to do.
#[test]
fn rhian_visits_gwynedd_on_a_signed_letter_of_introduction_that_carries_nothing_personal() {
    let fed = Federation::linked();
    let rhian = fed[R].member("Rhian Evans");
    let dir = fed[R].bank.dir.parent().expect("a temp dir").to_path_buf();
    let until = amser_protocol::ServiceDate(amser_protocol::ServiceDate::today(now_ms()).0 + 60).to_string();
    let letter = dir.join("rhian-letter.txt");
    fed[R]
        .bank
        .amser(&[
            "member",
            "introduce",
            &rhian,
            "--to",
            GWYNEDD.handle,
            "--until",
            &until,
            "--checks-done",
            "--out",
            letter.to_str().unwrap(),
        ])
        .ok();
    let hex_letter = std::fs::read_to_string(&letter).expect("the letter");
    let bytes = hex::decode(hex_letter.trim()).expect("hex");
    assert!(!String::from_utf8_lossy(&bytes).contains("Rhian"), "no personal data in the letter");

    let visitor =
        fed[G].bank.amser(&["member", "visit", "--letter", letter.to_str().unwrap(), "--name", "Rhian Evans", "--json"]).ok().json();
    assert_eq!(visitor["name"], json!("Rhian Evans"));
    assert!(visitor["code"].as_str().unwrap().starts_with("gwynedd:"), "{visitor}");
    let visit = &visitor["visiting"];
    assert_eq!(
        (visit["home_code"].clone(), visit["checks_done"].clone(), visit["valid_until"].clone()),
        (json!(rhian), json!(true), json!(until)),
        "{visitor}"
    );
    assert_eq!(visit["home_bank"], json!(fed[R].id));

    // Changed on the way (the date pushed out, the signature no longer fits): refused, nothing registered.
    let mut changed = bytes.clone();
    let at = changed.len() - 70;
    changed[at] ^= 1;
    let refused = fed[G].api().post("/api/v1/visitors", &json!({"letter": hex::encode(&changed), "name": "Someone"}));
    assert_eq!((refused.status, refused.body["error"]["code"].clone()), (422, json!("bad_letter")), "{}", refused.text);
    // The same letter taken at Cardiff, which it was not written for.
    let elsewhere = fed[C].api().post("/api/v1/visitors", &json!({"letter": hex_letter.trim(), "name": "Rhian Evans"}));
    assert_eq!(elsewhere.body["error"]["code"], json!("bad_letter"), "{}", elsewhere.text);
    assert!(elsewhere.body["error"]["message"].as_str().unwrap().contains("another bank"), "{}", elsewhere.text);
    let too_long = fed[R].api().post(&format!("/api/v1/members/{rhian}/introduce"), &json!({"to": GWYNEDD.handle, "until": "2099-01-01"}));
    assert_eq!(too_long.body["error"]["code"], json!("bad_letter"), "{}", too_long.text);
    assert_eq!(fed[G].api().get_all("/api/v1/members").len(), 1, "only Rhian was registered at Gwynedd");
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).expect("after 1970").as_millis() as u64
}
