//! One journal entry's bytes, as the node reads them from its journal file
//! on start and in audits: `JournalEntry::decode`. Properties: decoding is
//! canonical (decode → encode gives the input bytes back), so the entry's
//! hash over its bytes equals the hash of the decoded entry; an entry always
//! follows its own (seq - 1, prev_hash); only a proper opening entry may
//! come first; and every check the ledger runs on what an entry holds
//! (policy, member profile, postings, transfer shape) returns without panicking.
#![no_main]

use amser_fuzz::{assert_canonical, federation};
use amser_protocol::exchange::sum;
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::EntryHash;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = JournalEntry::decode(data) else { return };
    assert_canonical("journal entry", data, &entry);
    assert_eq!(entry.hash(), Ok(JournalEntry::hash_of_bytes(data)));
    assert!(!entry.body.kind().is_empty());

    let opening = entry.seq == 1 && entry.prev_hash == EntryHash::default() && matches!(entry.body, EntryBody::BankOpened { .. });
    assert_eq!(entry.check_follows(None).is_ok(), opening);
    // The entry it follows: the one before, or for a `Recovered` entry (the one
    // kind that skips numbers) the one it names; it follows it exactly when
    // its seq is the one `seq_after` gives.
    let previous = match &entry.body {
        EntryBody::Recovered { journal_ended, .. } => Some(*journal_ended),
        _ => entry.seq.checked_sub(1),
    };
    if let Some(previous) = previous.filter(|p| *p > 0) {
        let numbered = entry.body.seq_after(previous) == entry.seq;
        assert_eq!(entry.check_follows(Some((previous, entry.prev_hash))).is_ok(), numbered);
        if let Err(e) = entry.check_follows(Some((previous, JournalEntry::hash_of_bytes(b"another")))) {
            assert!(!e.to_string().is_empty());
        }
    }

    match &entry.body {
        EntryBody::BankOpened { policy, .. } | EntryBody::PolicyChanged { policy } => {
            let _ = policy.problem();
        }
        EntryBody::MemberJoined { member, .. } | EntryBody::MemberUpdated { member } => {
            let _ = (member.is_erased(), member.joined.to_string(), member.joined.month());
        }
        EntryBody::ExchangeRecorded { exchange } => {
            let _ = (sum(&exchange.postings), exchange.date.to_string(), exchange.minutes_each.to_string());
        }
        EntryBody::ExchangeReversed { reversal } => {
            let _ = sum(&reversal.postings);
        }
        EntryBody::TransferSent { transfer, signed, .. } => {
            let _ = (transfer.check_shape(), transfer.id(), signed.verify(federation()));
        }
        EntryBody::TransferReceived { transfer, signed, decision, signed_decision, .. } => {
            let _ = (transfer.check_shape(), signed.verify(federation()), signed_decision.verify(federation()));
            if let amser_protocol::federation::Verdict::Reject(reason) = &decision.verdict {
                let _ = reason.to_string();
            }
        }
        EntryBody::TransferSettled { signed_decision, .. } => {
            let _ = signed_decision.verify(federation());
        }
        EntryBody::EvidenceRecorded { evidence, .. } => {
            let _ = (evidence.first.verify(federation()), evidence.second.verify(federation()));
        }
        EntryBody::TransferRecalled { transfer, signed, signed_decision, .. } => {
            let _ = (transfer.check_shape(), signed.verify(federation()), signed_decision.verify(federation()));
        }
        EntryBody::RoutedSent { routed, signed, .. } | EntryBody::TransferForwarded { routed, signed } => {
            let _ = (routed.check_shape(), routed.id(), signed.verify(federation()));
        }
        EntryBody::RoutedDecided { routed, signed, signed_decision, .. } => {
            let _ = (routed.check_shape(), signed.verify(federation()), signed_decision.verify(federation()));
        }
        EntryBody::RoutedRecalled { routed, signed, signed_decision, .. } => {
            let _ = (routed.check_shape(), signed.verify(federation()), signed_decision.verify(federation()));
        }
        EntryBody::ClearingPromised { clearing, signed } => {
            let _ = (clearing.check_shape(), clearing.id(), signed.verify(federation()));
        }
        EntryBody::ClearingSettled { clearing, signed, signed_decision, .. } => {
            let _ = (clearing.check_shape(), signed.verify(federation()), signed_decision.verify(federation()));
        }
        EntryBody::VisitorJoined { visit, letter, .. } => {
            let _ = (visit.check_shape(), letter.verify(federation()));
        }
        EntryBody::MemberIntroduced { letter, .. } => {
            let _ = letter.verify(federation());
        }
        EntryBody::MemberMoved { transfer, signed, .. } => {
            let _ = (transfer.as_ref().map(|t| t.check_shape()), signed.as_ref().map(|s| s.verify(federation())));
        }
        EntryBody::Recovered { journal_ended, peers_saw } => {
            let _ = (journal_ended, entry.body.seq_after(*peers_saw));
        }
        EntryBody::ListingPosted { .. }
        | EntryBody::ListingClosed { .. }
        | EntryBody::ListingShared { .. }
        | EntryBody::PeerLineSet { .. }
        | EntryBody::MemberErased { .. } => {}
    }
});
