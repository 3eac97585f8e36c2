//! Erasing a member is two durable steps (DESIGN.md §1b): the journal entry,
//! then their key destroyed in the key file. These stories stop the node
//! between the two, both ways round, and show that the next start leaves
//! the member whole or erased, never half: a kill -9 after the entry (key
//! still on disk) is finished at start-up; a journal restored from before
//! the erasure (key already a tombstone) records the erasure again.

mod common;

use amser_node::ledger::privacy::MemberKeys;
use amser_node::ledger::{Command, LedgerError, LedgerRead};
use amser_node::model::MemberView;
use amser_node::storage::keys::KeyRing;
use amser_node::storage::writer::Reply;
use amser_node::Node;
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};
use common::{init_rhymney, start_node};

const SPECIAL_NEEDS: &str = "Insulin at noon; two visitors only (ytkvq)";

async fn join(node: &Node, name: &str) -> MemberCode {
    let profile = MemberProfile { special_needs: SPECIAL_NEEDS.into(), ..MemberProfile::new(name, MemberKind::Person) };
    match node.ledger().submit(Command::AddMember { profile, joined: None }).await {
        Ok(Reply::Member(m)) => m.code,
        other => panic!("unexpected reply {other:?}"),
    }
}

async fn shown(node: &Node, code: &MemberCode) -> MemberView {
    let ledger = node.ledger().clone();
    let code = code.clone();
    let keys = ledger.keys().clone();
    ledger
        .read(move |s| {
            let m = s.member(&code).unwrap().expect("the member is still in the register");
            MemberView::new(m, s.balance(&code).unwrap(), &*keys).unwrap()
        })
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_node_killed_between_the_erasure_entry_and_the_key_destruction_finishes_the_erasure_when_it_starts() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_rhymney(dir.path()).await;
    let node = start_node(&data).await;
    let mair = join(&node, "Mair Jones").await;
    let rhys = join(&node, "Rhys Price").await;
    node.ledger().submit(Command::exchange(&[&rhys], &[&mair], Minutes(60))).await.unwrap();
    // Step 1 only, as if the node died right after the entry was synced.
    node.ledger().submit(Command::EraseMember { code: mair.clone(), reason: "member's request".into() }).await.unwrap();
    assert!(node.ledger().keys().key(&mair).is_some(), "the key is still there: half way");
    assert!(shown(&node, &mair).await.erased, "the ledger already shows her erased");
    node.shutdown().await;

    let node = start_node(&data).await;
    assert_eq!(node.ledger().keys().key(&mair), None, "the start-up finished the erasure");
    assert_eq!(node.ledger().keys().destroyed(), vec![mair.clone()]);
    let view = shown(&node, &mair).await;
    assert_eq!(view.name, format!("erased member {mair}"));
    assert_eq!(view.special_needs, "");
    assert_eq!(view.balance_minutes, -60, "her balance stays");
    assert_eq!(shown(&node, &rhys).await.special_needs, SPECIAL_NEEDS, "Rhys is untouched");
    // Nothing more can be sealed for her, and a second erasure is refused plainly.
    let again = node.ledger().submit(Command::EraseMember { code: mair.clone(), reason: "again".into() }).await;
    assert!(matches!(again, Err(LedgerError::MemberErased(_))), "{again:?}");
    let update =
        node.ledger().submit(Command::UpdateMember { code: mair.clone(), changes: amser_node::ledger::MemberChanges::default() }).await;
    assert!(matches!(update, Err(LedgerError::MemberErased(_))), "{update:?}");
    node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_from_before_an_erasure_meets_the_key_files_tombstone_and_the_erasure_is_recorded_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_rhymney(dir.path()).await;
    let node = start_node(&data).await;
    let mair = join(&node, "Mair Jones").await;
    let seq_before = node.ledger().acknowledged_seq();
    node.shutdown().await;
    // The key destroyed with no erasure in the journal: what a restore of an
    // older journal over a data directory whose key file has the tombstone looks like.
    KeyRing::open(data.root()).unwrap().destroy(&mair).unwrap();

    let node = start_node(&data).await;
    let view = shown(&node, &mair).await;
    assert!(view.erased, "the erasure was re-applied: {view:?}");
    assert_eq!(view.name, format!("erased member {mair}"));
    assert!(node.ledger().acknowledged_seq() > seq_before, "as a new journal entry");
    let last = node.ledger().read(|s| s.head().unwrap().0).await.unwrap();
    assert_eq!(last, node.ledger().acknowledged_seq());
    node.shutdown().await;

    // And it holds across another restart, with the audit passing.
    let node = start_node(&data).await;
    assert!(shown(&node, &mair).await.erased);
    let report = amser_node::reading::audit::audit_running(node.ledger());
    assert!(report.ok, "{report:?}");
    node.shutdown().await;
}
