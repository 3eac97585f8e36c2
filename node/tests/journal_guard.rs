//! A bank whose journal file was put back from an older copy will not start
//! on it (issue 10, finding 1): its state database holds entries that were
//! acknowledged after that copy was taken, and a node that went on from the
//! shorter journal would lose them and sign a second history under numbers
//! its peers have already seen.

use std::sync::Arc;

use amser_node::clock::SystemClock;
use amser_node::ledger::{Command, LedgerRead};
use amser_node::storage::writer::Reply;
use amser_node::{DataDir, Node, NodeError, NodeOptions};
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};

async fn start(data: &DataDir) -> Result<Node, NodeError> {
    Node::start(data.clone(), NodeOptions::loopback(Arc::new(SystemClock))).await
}

async fn join(node: &Node, name: &str) -> MemberCode {
    match node.ledger().submit(Command::AddMember { profile: MemberProfile::new(name, MemberKind::Person), joined: None }).await {
        Ok(Reply::Member(m)) => m.code,
        other => panic!("unexpected reply {other:?}"),
    }
}

async fn record(node: &Node, from: &MemberCode, to: &MemberCode) {
    match node.ledger().submit(Command::exchange(&[from], &[to], Minutes(60))).await {
        Ok(Reply::Exchange(_)) => {}
        other => panic!("unexpected reply {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rhymney_will_not_start_on_a_journal_older_than_what_it_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("rhymney"));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, "Rhymney Time Bank", "rhymney", "Caerphilly", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();

    // Mair helps Gwen once; the volunteer copies the journal "as a backup".
    let node = start(&data).await.unwrap();
    let (mair, gwen) = (join(&node, "Mair Jones").await, join(&node, "Gwen Davies").await);
    record(&node, &mair, &gwen).await;
    let old_seq = node.ledger().acknowledged_seq();
    node.shutdown().await;
    let copy = dir.path().join("journal-copy.amj");
    std::fs::copy(data.journal(), &copy).unwrap();

    // Three more hours are recorded and acknowledged.
    let node = start(&data).await.unwrap();
    for _ in 0..3 {
        record(&node, &mair, &gwen).await;
    }
    let acknowledged = node.ledger().acknowledged_seq();
    node.shutdown().await;
    let right_journal = std::fs::read(data.journal()).unwrap();

    // The old copy is put back: the node refuses, names both numbers, and changes nothing.
    std::fs::copy(&copy, data.journal()).unwrap();
    let err = match start(&data).await {
        Err(e) => e,
        Ok(_) => panic!("the node started on a journal that ends before what it acknowledged"),
    };
    assert!(
        matches!(err, NodeError::JournalBehindState { journal_seq, acknowledged_seq, .. } if journal_seq == old_seq && acknowledged_seq == acknowledged),
        "{err:?}"
    );
    let said = err.to_string();
    assert!(said.contains(&format!("entry {old_seq}")) && said.contains(&format!("up to {acknowledged}")), "{said}");
    assert!(said.contains("Put back the journal"), "the error says what to do: {said}");
    assert_eq!(std::fs::read(data.journal()).unwrap(), std::fs::read(&copy).unwrap(), "the refused journal is left as it was");

    // With the right journal back, every acknowledged exchange is there.
    std::fs::write(data.journal(), right_journal).unwrap();
    let node = start(&data).await.unwrap();
    assert_eq!(node.ledger().acknowledged_seq(), acknowledged);
    let minutes = node.ledger().read(move |s| s.balance(&mair)).await.unwrap().unwrap();
    assert_eq!(minutes, Minutes(4 * 60), "Mair's four hours are all there");
    node.shutdown().await;
}

/// Byte offset where entry `seq`'s frame begins in the journal file.
fn frame_start(journal: &[u8], seq: u64) -> usize {
    let mut at = amser_node::storage::journal::MAGIC.len();
    for _ in 1..seq {
        let len = u32::from_le_bytes(journal[at..at + 4].try_into().unwrap()) as usize;
        at += amser_node::storage::journal::FRAME_HEADER_BYTES + len;
    }
    at
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_start_with_the_state_intact_reads_the_journal_only_after_the_state_head() {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("rhymney"));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, "Rhymney Time Bank", "rhymney", "Caerphilly", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();
    let node = start(&data).await.unwrap();
    let (mair, gwen) = (join(&node, "Mair Jones").await, join(&node, "Gwen Davies").await);
    for _ in 0..5 {
        record(&node, &mair, &gwen).await;
    }
    let acknowledged = node.ledger().acknowledged_seq();
    node.shutdown().await;

    // Entry 2 (Mair joining) gets a flipped byte. The state database holds
    // every entry, so the start decodes none of them again, but it checks
    // every frame before its head: the damage is found and named, with the
    // state intact as without it, and nothing is cut.
    let mut journal = std::fs::read(data.journal()).unwrap();
    let clean = journal.clone();
    let at = frame_start(&journal, 2) + 5;
    journal[at] ^= 0xff;
    std::fs::write(data.journal(), &journal).unwrap();
    match start(&data).await {
        Err(NodeError::Journal(amser_node::storage::journal::JournalError::Damaged { seq: 2, .. })) => {}
        Err(e) => panic!("expected damage at entry 2, got {e}"),
        Ok(_) => panic!("a start with the state intact read past a damaged frame"),
    }
    assert_eq!(std::fs::read(data.journal()).unwrap(), journal, "nothing cut to make it start");
    std::fs::write(data.journal(), &clean).unwrap();
    let node = start(&data).await.expect("the right journal back");
    assert_eq!(node.ledger().acknowledged_seq(), acknowledged);
    record(&node, &mair, &gwen).await;
    let acknowledged = node.ledger().acknowledged_seq();
    node.shutdown().await;

    // Without the state, the whole journal is read and decoded.
    std::fs::remove_dir_all(data.state()).unwrap();
    let node = start(&data).await.unwrap();
    assert_eq!(node.ledger().acknowledged_seq(), acknowledged, "rebuilt from the whole journal");
    let minutes = node.ledger().read(move |s| s.balance(&mair)).await.unwrap().unwrap();
    assert_eq!(minutes, Minutes(6 * 60));
    node.shutdown().await;
}
