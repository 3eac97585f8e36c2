//! Issue 10, item 7: evidence the coordinator has seen does not freeze the
//! line again. Rhymney keeps Mallory's two signed histories and freezes the
//! line; the coordinator looks into it and unfreezes; the same evidence,
//! gossiped back by anyone, in either order, leaves the line open — after a
//! restart and after a rebuild of the state from the journal too — while
//! new evidence freezes it again.

mod common;

use amser_node::ledger::{Command, LedgerError, LedgerRead, PeerChanges};
use amser_node::Node;
use amser_protocol::encoding::encode;
use amser_protocol::federation::Evidence;
use amser_protocol::journal::JournalHead;
use amser_protocol::signing::{bank_id, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};
use common::{admit_peer, init_rhymney, sign_in_federation, start_node, MALLORY};
use ed25519_dalek::SigningKey;

fn head(key: &SigningKey, seq: u64, hash: u8) -> SignedMessage {
    let head = JournalHead { bank: bank_id(key), seq, hash: EntryHash([hash; 32]), time_ms: 1 };
    sign_in_federation(key, MessageKind::JournalHead, encode("head", &head).unwrap())
}

/// Two heads Mallory signed with one `seq`.
fn two_histories(key: &SigningKey, seq: u64) -> Evidence {
    Evidence { first: head(key, seq, 0xAA), second: head(key, seq, 0xBB) }
}

fn frozen(node: &Node, bank: &BankId) -> bool {
    node.ledger().store().peer(bank).unwrap().unwrap().frozen
}

async fn unfreeze(node: &Node, bank: BankId) {
    let changes = PeerChanges { frozen: Some(false), ..Default::default() };
    node.ledger().submit(Command::UpdatePeer { bank, changes }).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn evidence_the_coordinator_has_seen_does_not_freeze_the_line_again() {
    let dir = tempfile::tempdir().unwrap();
    let data = init_rhymney(dir.path()).await;
    let key = SigningKey::from_bytes(&MALLORY.seed);
    let mallory = bank_id(&key);
    let node = start_node(&data).await;
    node.ledger().submit(admit_peer(mallory, MALLORY.handle, 10)).await.unwrap();

    let evidence = two_histories(&key, 5);
    node.ledger().submit(Command::RecordEvidence { against: mallory, evidence: evidence.clone() }).await.unwrap();
    assert!(frozen(&node, &mallory), "two histories freeze the line");
    unfreeze(&node, mallory).await;

    let swapped = Evidence { first: evidence.second.clone(), second: evidence.first.clone() };
    for again in [evidence.clone(), swapped.clone()] {
        let err = node.ledger().submit(Command::RecordEvidence { against: mallory, evidence: again }).await.unwrap_err();
        assert!(matches!(err, LedgerError::EvidenceHandled(_)), "{err:?}");
        assert!(!frozen(&node, &mallory), "the coordinator's unfreeze stands");
    }

    // Kept across a restart, and when the state is rebuilt from the journal.
    node.shutdown().await;
    let node = start_node(&data).await;
    let err = node.ledger().submit(Command::RecordEvidence { against: mallory, evidence: swapped.clone() }).await.unwrap_err();
    assert!(matches!(err, LedgerError::EvidenceHandled(_)), "after a restart: {err:?}");
    node.shutdown().await;
    std::fs::remove_dir_all(data.state()).unwrap();
    let node = start_node(&data).await;
    let err = node.ledger().submit(Command::RecordEvidence { against: mallory, evidence: evidence.clone() }).await.unwrap_err();
    assert!(matches!(err, LedgerError::EvidenceHandled(_)), "after a rebuild: {err:?}");
    assert!(!frozen(&node, &mallory));

    // New evidence (another seq) is news: it freezes the line again.
    node.ledger().submit(Command::RecordEvidence { against: mallory, evidence: two_histories(&key, 6) }).await.unwrap();
    assert!(frozen(&node, &mallory), "new evidence freezes the line");
    node.shutdown().await;
}
