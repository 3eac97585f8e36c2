//! The writer's cache and the store applier behind it: sled lags the journal
//! by design, yet nobody can tell.
//!
//! - what the API acknowledged, the API reads back at once (exchange list,
//!   balances, a member's exchanges): reads wait until sled has caught up;
//! - a reversal right after the recording finds the exchange (in the cache,
//!   before sled has it);
//! - a restart with sled far behind the journal replays it, and a state
//!   database in an older key layout is rebuilt from the journal.

use std::sync::Arc;

use amser_node::api::client::Client;
use amser_node::clock::SystemClock;
use amser_node::ledger::{Command, LedgerRead};
use amser_node::model::{ExchangeQuery, ExchangeView, NewExchange, PageQuery, Recorded, ReverseRequest};
use amser_node::reading::audit::audit;
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{ExchangeId, MemberCode, MemberKind, Minutes};

async fn start(data: &DataDir) -> Node {
    Node::start(data.clone(), NodeOptions::loopback(Arc::new(SystemClock))).await.unwrap()
}

async fn new_bank(dir: &std::path::Path) -> (DataDir, Node) {
    let data = DataDir::new(dir.join("bank"));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, "Cache Time Bank", "cache", "Wales", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();
    let node = start(&data).await;
    (data, node)
}

async fn add_agency(ledger: &LedgerHandle, name: &str) -> MemberCode {
    let profile = MemberProfile::new(name, MemberKind::Agency);
    match ledger.submit(Command::AddMember { profile, joined: None }).await.unwrap() {
        Reply::Member(m) => m.code,
        other => panic!("unexpected reply {other:?}"),
    }
}

async fn record(ledger: &LedgerHandle, from: &MemberCode, to: &MemberCode, minutes: i64) -> ExchangeId {
    match ledger.submit(Command::exchange(&[from], &[to], Minutes(minutes))).await.unwrap() {
        Reply::Exchange(x) => x.exchange.id,
        other => panic!("unexpected reply {other:?}"),
    }
}

/// The node's API, through the typed client.
fn api(data: &DataDir, node: &Node) -> Client {
    Client::new(node.api_addr, &data.load_token().unwrap()).unwrap()
}

/// `POST /exchanges` of `minutes` from `from` to `to`, which must be answered 201 (an exchange).
async fn record_through_api(api: &Client, from: &MemberCode, to: &MemberCode, minutes: i64) -> ExchangeView {
    let new =
        NewExchange { providers: vec![from.to_string()], receivers: vec![to.to_string()], minutes: Some(minutes), ..Default::default() };
    match api.record_exchange(&new).await.unwrap() {
        Recorded::Exchange(x) => x,
        other => panic!("expected 201 and an exchange, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_api_acknowledged_it_reads_back_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let (data, node) = new_bank(dir.path()).await;
    let api = api(&data, &node);
    let a = add_agency(node.ledger(), "Youth centre").await;
    let b = add_agency(node.ledger(), "Library").await;
    let mut balance_a = 0i64;
    for n in 0..60i64 {
        let minutes = 1 + n % 7;
        let x = record_through_api(&api, &a, &b, minutes).await;
        balance_a += minutes;
        let id = x.id;
        let newest = api.exchanges(&ExchangeQuery { limit: Some(1), ..ExchangeQuery::default() }).await.unwrap().items;
        assert_eq!(newest[0].id, id, "the exchange list shows the exchange just acknowledged");
        let shown = api.balance(a.as_str()).await.unwrap();
        assert_eq!(shown.minutes, balance_a, "the balance includes the exchange just acknowledged");
        let theirs = api.member_exchanges(b.as_str(), &PageQuery::first(1)).await.unwrap().items;
        assert_eq!(theirs[0].id, id, "the member's exchanges show the exchange just acknowledged");
        let found = api.exchange(&id[..12]).await.unwrap();
        assert_eq!(found.id, id, "an id prefix finds it");
    }
    let all = api.balances(&PageQuery::default()).await.unwrap();
    assert_eq!(all.sum_minutes, Some(0));
    // In-process readers get the same: LedgerHandle::store() waits for sled.
    let id = record(node.ledger(), &b, &a, 5).await;
    assert!(node.ledger().store().exchange(&id).unwrap().is_some());
    assert_eq!(node.ledger().store().balance(&a).unwrap(), Minutes(balance_a - 5));
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_reversal_right_after_the_recording_finds_the_exchange() {
    let dir = tempfile::tempdir().unwrap();
    let (data, node) = new_bank(dir.path()).await;
    let ledger = node.ledger().clone();
    let a = add_agency(&ledger, "Surgery").await;
    let b = add_agency(&ledger, "Council").await;
    let mut sled_was_behind = 0;
    for n in 0..40 {
        let id = record(&ledger, &a, &b, 30).await;
        if ledger.applied_seq() < ledger.acknowledged_seq() {
            sled_was_behind += 1;
        }
        // Straight to the writer: it must find the exchange in its cache.
        match ledger.submit(Command::ReverseExchange { id, reason: format!("mistake {n}") }).await.unwrap() {
            Reply::Exchange(x) => {
                let view = amser_node::model::ExchangeView::new(x, &**ledger.keys()).unwrap();
                assert_eq!(view.reversal_reason, Some(format!("mistake {n}")));
            }
            other => panic!("unexpected reply {other:?}"),
        }
        // Twice is refused: the cache holds the reversal too.
        let again = ledger.submit(Command::ReverseExchange { id, reason: "again".into() }).await;
        assert!(again.is_err(), "a second reversal was accepted");
    }
    assert!(sled_was_behind > 0, "sled was never behind the journal: the cache was not exercised");
    // Many at once, each reversed as soon as it is acknowledged.
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (ledger, a, b) = (ledger.clone(), a.clone(), b.clone());
            tokio::spawn(async move {
                for _ in 0..25 {
                    let id = record(&ledger, &a, &b, 10 + t).await;
                    ledger.submit(Command::ReverseExchange { id, reason: "at once".into() }).await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    // Through the API as well (its lookup reads sled, which must have caught up).
    let api = api(&data, &node);
    let x = record_through_api(&api, &a, &b, 45).await;
    // The client takes only 200 as the answer to a reversal.
    let reversed = api.reverse_exchange(&x.id, &ReverseRequest { reason: "wrong people".into() }).await.unwrap();
    assert!(reversed.reversed, "{reversed:?}");
    assert_eq!(ledger.store().balance(&a).unwrap(), Minutes(0), "every exchange was reversed");
    assert_eq!(ledger.store().balance(&b).unwrap(), Minutes(0));
    drop(ledger);
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_with_sled_far_behind_replays_the_journal() {
    let dir = tempfile::tempdir().unwrap();
    let (data, node) = new_bank(dir.path()).await;
    let ledger = node.ledger().clone();
    let codes = [add_agency(&ledger, "One").await, add_agency(&ledger, "Two").await, add_agency(&ledger, "Three").await];
    for n in 0..50 {
        record(&ledger, &codes[n % 3], &codes[(n + 1) % 3], 7).await;
    }
    drop(ledger);
    node.shutdown().await;
    // Keep sled as it is now: later it stands for a state database that fell behind.
    let behind = dir.path().join("state-behind");
    copy_dir(&data.state(), &behind);

    let node = start(&data).await;
    let ledger = node.ledger().clone();
    let tasks: Vec<_> = (0..8)
        .map(|t| {
            let (ledger, codes) = (ledger.clone(), codes.clone());
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for n in 0..150 {
                    ids.push(record(&ledger, &codes[(t + n) % 3], &codes[(t + n + 1) % 3], 1 + (n % 5) as i64).await);
                }
                ids
            })
        })
        .collect();
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.unwrap());
    }
    let last_id = ids[ids.len() - 1];
    let balances: Vec<Minutes> = codes.iter().map(|c| ledger.store().balance(c).unwrap()).collect();
    let head = ledger.store().head().unwrap();
    let of_one = ledger.store().exchanges_of(&codes[0], 10_000).unwrap().len();
    drop(ledger);
    node.shutdown().await;

    // sled 1,200 entries behind the journal.
    std::fs::remove_dir_all(data.state()).unwrap();
    copy_dir(&behind, &data.state());
    let node = start(&data).await;
    let ledger = node.ledger().clone();
    assert_eq!(ledger.store().head().unwrap(), head, "the replay brings sled to the journal's head");
    for id in &ids {
        assert!(ledger.store().exchange(id).unwrap().is_some(), "exchange {id} is missing after the replay");
    }
    let after: Vec<Minutes> = codes.iter().map(|c| ledger.store().balance(c).unwrap()).collect();
    assert_eq!(after, balances);
    assert_eq!(after.iter().map(|m| m.0).sum::<i64>(), 0);
    assert_eq!(ledger.store().exchanges_of(&codes[0], 10_000).unwrap().len(), of_one, "the member index is rebuilt");
    // Replayed records are usable at once: reverse one, record more.
    ledger.submit(Command::ReverseExchange { id: last_id, reason: "replayed".into() }).await.unwrap();
    record(&ledger, &codes[0], &codes[1], 3).await;
    let report = audit(ledger.journal_path(), Some(ledger.synced_len()), Some(ledger.store()));
    assert!(report.ok, "{:?}", report.problems);
    drop(ledger);
    node.shutdown().await;

    // A state database without this version's layout mark is rebuilt from the journal.
    {
        let db = amser_node::storage::store::open_database(&data.state(), 1 << 20).unwrap();
        db.remove("meta:layout").unwrap();
        db.insert("x:stale", vec![1u8]).unwrap();
        db.flush().unwrap();
    }
    let node = start(&data).await;
    let ledger = node.ledger().clone();
    assert!(ledger.store().exchange(&last_id).unwrap().unwrap().reversed.is_some());
    assert_eq!(ledger.store().exchanges(true, 100_000).unwrap().len(), 50 + 8 * 150 + 1);
    let report = audit(ledger.journal_path(), Some(ledger.synced_len()), Some(ledger.store()));
    assert!(report.ok, "{:?}", report.problems);
    drop(ledger);
    node.shutdown().await;
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The coordinator runs `amser audit` while four volunteers record
/// exchanges as fast as they can: sled is written while the audit reads it,
/// and may pass the journal prefix the audit read. Every audit is clean; a
/// comparison that saw sled move is made again, not reported as damage.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audit_while_volunteers_record_finds_nothing_wrong() {
    /// Volunteers recording at once, and exchanges each.
    const VOLUNTEERS: usize = 4;
    const EACH: usize = 1_000;
    /// Audits that must run while they record.
    const MIN_AUDITS: usize = 3;
    let dir = tempfile::tempdir().unwrap();
    let (_data, node) = new_bank(dir.path()).await;
    let ledger = node.ledger().clone();
    let (a, b) = (add_agency(&ledger, "Youth Centre").await, add_agency(&ledger, "Surgery").await);
    let mut volunteers = tokio::task::JoinSet::new();
    for v in 0..VOLUNTEERS {
        let (ledger, a, b) = (ledger.clone(), a.clone(), b.clone());
        volunteers.spawn(async move {
            for i in 0..EACH {
                let (from, to) = if (i + v).is_multiple_of(2) { (&a, &b) } else { (&b, &a) };
                record(&ledger, from, to, 15).await;
            }
        });
    }
    // Audit again and again until the volunteers are done.
    let (mut audits, mut compared) = (0, 0);
    while !volunteers.is_empty() {
        let l = ledger.clone();
        let report = tokio::task::spawn_blocking(move || amser_node::reading::audit::audit_running(&l)).await.unwrap();
        assert!(report.ok, "{:?}", report.problems);
        audits += 1;
        compared += usize::from(report.notes.is_empty());
        while let Some(done) = volunteers.try_join_next() {
            done.unwrap();
        }
    }
    assert!(audits >= MIN_AUDITS, "only {audits} audits ran while the volunteers recorded");
    assert!(compared > 0, "no audit compared the state database while the volunteers recorded");
    let l = ledger.clone();
    let report = tokio::task::spawn_blocking({
        let l = l.clone();
        move || amser_node::reading::audit::audit_running(&l)
    })
    .await
    .unwrap();
    assert!(report.ok && report.notes.is_empty(), "{:?} {:?}", report.problems, report.notes);
    assert_eq!(report.exchanges, VOLUNTEERS * EACH);
    // The writer ends when the last handle to it goes.
    drop((ledger, l));
    node.shutdown().await;
}

/// Issue 10, finding 12: a node stops even while someone still holds a
/// handle to its ledger (before, shutdown waited for every handle to go);
/// what was acknowledged is kept, and the held handle is told the node stopped.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_node_stops_while_a_ledger_handle_is_still_held() {
    let dir = tempfile::tempdir().unwrap();
    let (data, node) = new_bank(dir.path()).await;
    let held = node.ledger().clone();
    let (a, b) = (add_agency(&held, "Youth centre").await, add_agency(&held, "Library").await);
    record(&held, &a, &b, 30).await;
    let acknowledged = held.acknowledged_seq();
    tokio::time::timeout(std::time::Duration::from_secs(60), node.shutdown()).await.expect("shutdown returned while a handle is held");
    let after = held.submit(Command::exchange(&[&a], &[&b], Minutes(30))).await;
    assert!(after.is_err(), "a stopped node took a change: {after:?}");
    drop(held);
    let node = start(&data).await;
    assert_eq!(node.ledger().acknowledged_seq(), acknowledged, "everything acknowledged before the stop is there");
    node.shutdown().await;
}
