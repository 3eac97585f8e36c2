//! Nothing acknowledged is lost by kill -9: eight clients record exchanges
//! through the HTTP API as fast as the node takes them; after a counted
//! number of acknowledgements the node is SIGKILLed while requests are still
//! in flight, then restarted, and every exchange it acknowledged (HTTP 201)
//! must be there, with balances summing to zero and the audit passing.
//! Three kill/restart rounds in one bank.

mod common;

use std::collections::HashMap;
use std::os::unix::process::ExitStatusExt;
use std::sync::{mpsc, Arc};

use common::{Api, Bank, Node, RHYMNEY};
use serde_json::{json, Value};

/// Concurrent clients.
const CLIENTS: usize = 8;
/// Acknowledged exchanges per round before the kill.
const ACKS_BEFORE_KILL: usize = 300;
/// Kill/restart rounds.
const ROUNDS: usize = 3;
/// Agencies the clients move time between (agency limits are ±500 h, far
/// more than a few hundred exchanges of at most 5 minutes can reach).
const AGENCIES: usize = 4;

/// One client, on its own thread with its own connection: records exchanges
/// until the node stops answering. Sends the id and minutes of each
/// acknowledged exchange to `acks`. Any answer other than 201 while the node
/// is up is a failure.
fn client(api: Api, agencies: Arc<Vec<String>>, round: usize, c: usize, acks: mpsc::Sender<(String, i64)>) -> Result<usize, String> {
    let mut acknowledged = 0;
    for n in 0usize.. {
        let provider = &agencies[(c + n) % AGENCIES];
        let receiver = &agencies[(c + n + 1) % AGENCIES];
        let minutes = 1 + (n % 5) as i64;
        let body = json!({
            "providers": [provider],
            "receivers": [receiver],
            "minutes": minutes,
            "category": "crash test",
            "client_ref": format!("round{round}-client{c}-{n}"),
        });
        let answer = match api.try_post("/api/v1/exchanges", &body) {
            Ok(answer) => answer,
            // The node was killed: connection refused, reset, or cut mid-answer.
            Err(_) => break,
        };
        let text = &answer.text;
        if answer.status != 201 {
            return Err(format!("client {c}: exchange {n} answered {}: {text}", answer.status));
        }
        let v: Value = serde_json::from_str(text).map_err(|e| format!("client {c}: 201 with a body that is not JSON ({e}): {text}"))?;
        let id = v["id"].as_str().ok_or_else(|| format!("client {c}: 201 without an id: {text}"))?.to_string();
        if v["minutes_each"] != json!(minutes) {
            return Err(format!("client {c}: recorded {} minutes, sent {minutes}", v["minutes_each"]));
        }
        acknowledged += 1;
        if acks.send((id, minutes)).is_err() {
            break;
        }
    }
    Ok(acknowledged)
}

/// Runs the clients against `node` until `ACKS_BEFORE_KILL` acknowledgements
/// have arrived, SIGKILLs the node with requests still in flight, waits for
/// every client to notice, and adds what was acknowledged to `acked`.
fn load_then_kill(node: &Node, agencies: Arc<Vec<String>>, round: usize, acked: &mut HashMap<String, i64>) {
    let (tx, rx) = mpsc::channel();
    let threads: Vec<_> = (0..CLIENTS)
        .map(|c| {
            let (api, agencies, tx) = (node.api(), agencies.clone(), tx.clone());
            std::thread::spawn(move || client(api, agencies, round, c, tx))
        })
        .collect();
    drop(tx);
    let mut this_round = 0;
    let mut killed = false;
    // Ends when every client has stopped (each holds a sender).
    for (id, minutes) in rx {
        assert!(acked.insert(id.clone(), minutes).is_none(), "exchange {id} acknowledged twice");
        this_round += 1;
        if this_round == ACKS_BEFORE_KILL {
            node.signal(libc::SIGKILL);
            killed = true;
        }
    }
    let mut per_client = Vec::new();
    for t in threads {
        per_client.push(t.join().expect("client thread").unwrap_or_else(|e| panic!("round {round}: {e}")));
    }
    assert!(killed, "round {round}: the clients stopped after only {this_round} acknowledgements");
    // Responses already written before the kill may still arrive: they were acknowledged.
    println!("round {round}: {this_round} acknowledged ({per_client:?} per client), killed after {ACKS_BEFORE_KILL}");
}

/// Everything that must hold after a restart.
fn check_after_restart(node: &Node, acked: &HashMap<String, i64>, rounds_done: usize) {
    let api = node.api();
    // Every answer here must come, and be JSON; the status only matters where checked.
    let get = |path: String| {
        let a = api.get(&format!("/api/v1{path}"));
        (a.status, a.json().clone())
    };
    let mut missing = Vec::new();
    for (id, minutes) in acked {
        let (status, v) = get(format!("/exchanges/{id}"));
        if status != 200 {
            missing.push(format!("{id}: {status} {v}"));
            continue;
        }
        assert_eq!(v["id"], json!(id));
        assert_eq!(v["minutes_each"], json!(minutes), "{v}");
        assert_eq!(v["reversed"], json!(false), "{v}");
    }
    assert!(
        missing.is_empty(),
        "{} of {} acknowledged exchanges are missing after kill -9:\n{}",
        missing.len(),
        acked.len(),
        missing.join("\n")
    );

    // Unacknowledged requests may or may not have been recorded, but at most
    // one per client was in flight at each kill.
    let recorded = api.get_all("/api/v1/exchanges").len();
    let most = acked.len() + CLIENTS * rounds_done;
    assert!(
        recorded >= acked.len() && recorded <= most,
        "{recorded} exchanges recorded; {} were acknowledged and at most {most} sent",
        acked.len()
    );

    let balances = api.balances();
    let sum: i64 = balances["accounts"].as_array().unwrap().iter().map(|a| a["minutes"].as_i64().unwrap()).sum();
    assert_eq!(sum, 0, "balances sum to zero after a crash: {balances}");
    assert_eq!(balances["sum_minutes"], json!(0));

    let (_, audit) = get("/audit".to_string());
    assert_eq!(audit["ok"], json!(true), "{audit}");
    assert_eq!(audit["exchanges"], json!(recorded), "{audit}");
    println!("after restart {rounds_done}: all {} acknowledged exchanges present, {recorded} recorded, audit ok", acked.len());
}

#[test]
fn acknowledged_exchanges_survive_three_kill_minus_nine_restarts_under_eight_clients() {
    let bank = Bank::init(RHYMNEY);
    let mut node = bank.up();
    let agencies: Arc<Vec<String>> = Arc::new((0..AGENCIES).map(|i| bank.add_member(&format!("Agency {i}"), "agency")).collect());
    let mut acked: HashMap<String, i64> = HashMap::new();

    for round in 1..=ROUNDS {
        load_then_kill(&node, agencies.clone(), round, &mut acked);
        let status = node.wait_for_exit();
        assert_eq!(
            status.signal(),
            Some(libc::SIGKILL),
            "the node died of the kill, not of something else: {status}; log:\n{}",
            bank.log()
        );
        assert!(acked.len() >= round * ACKS_BEFORE_KILL);

        node = bank.up();
        check_after_restart(&node, &acked, round);
    }

    // The CLI agrees, and so does an audit of the files after a clean stop.
    assert_eq!(bank.json(&["audit"])["ok"], json!(true));
    assert_eq!(bank.json(&["balance"])["sum_minutes"], json!(0));
    assert_eq!(node.terminate().code(), Some(0));
    let offline = bank.amser(&["audit", "--json"]).ok().json();
    assert_eq!(offline["ok"], json!(true), "{offline}");
    assert!(offline["exchanges"].as_u64().unwrap() >= (ROUNDS * ACKS_BEFORE_KILL) as u64);
}
