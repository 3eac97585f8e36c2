//! DESIGN.md §4 checked across running ledgers through their APIs: shared by
//! the federation stories and the fault harness.

use std::collections::{BTreeSet, HashMap};

use serde_json::{json, Value};

use super::Node;

/// bank id -> minutes, from a GET /balances document.
pub fn clearing_of(balances: &Value) -> HashMap<String, i64> {
    balances["clearing"]
        .as_array()
        .expect("clearing accounts")
        .iter()
        .map(|c| {
            let id = c["bank_id"].as_str().expect("bank_id").to_string();
            (id, c["minutes"].as_i64().expect("minutes"))
        })
        .collect()
}

/// DESIGN.md §4 across the ledgers of `nodes`, which must be quiescent except
/// for transfers that are still pending at their payer's bank:
/// 1. each bank's member and clearing accounts sum to zero;
/// 2. for each pair with nothing pending between them, the two clearing
///    accounts are exact opposites;
/// 3. every transfer is decided the same way on both sides of each line on
///    its way (accepted on both or rejected on both, one signed decision;
///    a routed one refused by a hop is unknown past it), is listed once per
///    bank, and each clearing account is exactly what the accepted
///    transfers with that bank put there (never debited or credited twice);
/// 9. so a routed transfer settles at every bank on its way or at none;
/// 10. and a clearing moves only clearing accounts, by its amount, at
///     every bank on its ring (members' balances are the transfers' alone);
/// 8. the audit (`amser audit`) passes on every node.
#[track_caller]
pub fn check_invariants(nodes: &[&Node]) {
    struct Ledger {
        id: String,
        clearing: HashMap<String, i64>,
        transfers: HashMap<String, Value>,
    }
    let mut ledgers = Vec::new();
    for node in nodes {
        let api = node.api();
        let get = |path: &str| {
            let a = api.get(path);
            assert_eq!(a.status, 200, "{} GET {path}: {}", node.bank_id, a.text);
            a.body
        };
        let id = node.bank_id.clone();

        let balances = api.balances();
        let accounts: i64 =
            balances["accounts"].as_array().expect("accounts").iter().map(|a| a["minutes"].as_i64().expect("minutes")).sum();
        let clearing = clearing_of(&balances);
        assert_eq!(
            accounts + clearing.values().sum::<i64>(),
            0,
            "§4.1: {id}'s accounts and clearing accounts must sum to zero: {balances}"
        );
        assert_eq!(balances["sum_minutes"], json!(0), "§4.1 at {id}: {balances}");

        let mut transfers = HashMap::new();
        for t in &api.get_all("/api/v1/transfers") {
            let banks = way(t);
            let at =
                banks.iter().position(|b| *b == id).unwrap_or_else(|| panic!("§4.3 at {id}: a transfer whose way does not pass here: {t}"));
            let role = match at {
                0 => "outgoing",
                i if i == banks.len() - 1 => "incoming",
                _ => "forwarded",
            };
            assert_eq!(t["role"], json!(role), "§4.3 at {id}: the role follows the bank's place on the way: {t}");
            if role == "incoming" {
                assert_eq!(t["to_bank"], json!(id), "{t}");
                assert_ne!(t["state"], json!("pending"), "§4.3 at {id}: the payee bank decides at once: {t}");
            }
            let tid = t["id"].as_str().expect("id").to_string();
            assert!(transfers.insert(tid, t.clone()).is_none(), "§4.3 at {id}: a transfer listed twice: {t}");
        }
        // Each clearing account is what the accepted transfers with that bank
        // made it: the bank before us on a transfer's way owes us, we owe the bank after.
        let mut expected: HashMap<String, i64> = HashMap::new();
        for t in transfers.values().filter(|t| t["state"] == json!("accepted")) {
            let minutes = t["minutes"].as_i64().expect("minutes");
            let banks = way(t);
            let at = banks.iter().position(|b| *b == id).expect("on its way");
            if at > 0 {
                *expected.entry(banks[at - 1].clone()).or_default() -= minutes;
            }
            if at + 1 < banks.len() {
                *expected.entry(banks[at + 1].clone()).or_default() += minutes;
            }
        }
        // And what the clearings it signed took off: the debt to the bank it owes on the
        // ring, and the debt to it of the bank that owes it, both down by the amount.
        let clearings = get("/api/v1/clearing");
        for c in clearings.as_array().expect("a list of clearings").iter().filter(|c| c["state"] == json!("accepted")) {
            let ring: Vec<String> =
                c["banks"].as_array().expect("banks").iter().map(|b| b["bank"].as_str().expect("bank").to_string()).collect();
            let at = ring
                .iter()
                .position(|b| *b == id)
                .unwrap_or_else(|| panic!("§4.10 at {id}: a clearing whose ring does not pass here: {c}"));
            let minutes = c["minutes"].as_i64().expect("minutes");
            *expected.entry(ring[(at + 1) % ring.len()].clone()).or_default() -= minutes;
            *expected.entry(ring[(at + ring.len() - 1) % ring.len()].clone()).or_default() += minutes;
        }
        for bank in expected.keys().chain(clearing.keys()) {
            assert_eq!(
                clearing.get(bank).copied().unwrap_or(0),
                expected.get(bank).copied().unwrap_or(0),
                "§4.3 at {id}: the clearing account for {bank} must equal its accepted transfers (outgoing minus incoming)"
            );
        }

        // What `amser audit` asks a running node (and prints as it is), asked
        // directly so that it works for a node in its own network namespace.
        let report = get("/api/v1/audit");
        assert_eq!(report["ok"], json!(true), "§4.8: the audit of {id} found problems: {report}");
        assert_eq!(report["balance_sum_minutes"], json!(0), "§4.1 per the audit of {id}: {report}");

        ledgers.push(Ledger { id, clearing, transfers });
    }

    for (n, a) in ledgers.iter().enumerate() {
        for b in &ledgers[n + 1..] {
            // The transfers on the line between a and b: those on whose way they are neighbours,
            // with the bank nearer the payer first.
            let on_line = |t: &Value| -> Option<(bool, usize)> {
                let banks = way(t);
                let (i, j) = (banks.iter().position(|x| *x == a.id)?, banks.iter().position(|x| *x == b.id)?);
                (i + 1 == j || j + 1 == i).then_some((i < j, i.max(j)))
            };
            let ids: BTreeSet<&String> =
                a.transfers.iter().chain(b.transfers.iter()).filter(|(_, t)| on_line(t).is_some()).map(|(id, _)| id).collect();
            let mut pending = false;
            for id in ids {
                let t = a.transfers.get(id).or_else(|| b.transfers.get(id)).expect("listed");
                let (a_first, later_at) = on_line(t).expect("on the line");
                let (payer, payee) = if a_first { (a, b) } else { (b, a) };
                let at_payer = payer.transfers.get(id).unwrap_or_else(|| {
                    panic!("§4.3: {} holds transfer {id} that the bank before it on its way, {}, never recorded", payee.id, payer.id)
                });
                match (at_payer["state"].as_str().expect("state"), payee.transfers.get(id)) {
                    // Not delivered yet, or decided there and not yet settled here.
                    ("pending", _) => pending = true,
                    (state, Some(at_payee)) => {
                        assert_eq!(json!(state), at_payee["state"], "§4.3: transfer {id} decided differently:\n{at_payer}\n{at_payee}");
                        for field in ["payer", "payee", "minutes", "category", "date", "transfer_signature", "decision_signature"] {
                            assert_eq!(at_payer[field], at_payee[field], "§4.3: transfer {id} differs in {field}:\n{at_payer}\n{at_payee}");
                        }
                    }
                    // Refused by a bank before the later one: it never came this far.
                    (_, None) if at_payer["path"][later_at]["state"] == json!("not_reached") => {}
                    (state, None) => {
                        panic!(
                            "§4.3: transfer {id} is {state} at {}, the bank before {} on its way, which does not know it",
                            payer.id, payee.id
                        )
                    }
                }
            }
            if !pending {
                let ab = a.clearing.get(&b.id).copied().unwrap_or(0);
                let ba = b.clearing.get(&a.id).copied().unwrap_or(0);
                assert_eq!(
                    ab, -ba,
                    "§4.2: with nothing pending, {}'s clearing for {} ({ab}) and {}'s for {} ({ba}) must be opposites",
                    a.id, b.id, b.id, a.id
                );
            }
        }
    }
}

/// The banks on a transfer's way as the API shows it: a routed one's path,
/// or its two banks.
fn way(t: &Value) -> Vec<String> {
    let path: Vec<String> = t["path"].as_array().into_iter().flatten().filter_map(|h| h["bank"].as_str().map(String::from)).collect();
    if path.is_empty() {
        vec![t["from_bank"].as_str().expect("from").to_string(), t["to_bank"].as_str().expect("to").to_string()]
    } else {
        path
    }
}
