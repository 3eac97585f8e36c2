//! A signed message as it arrives by gossip or inside a peer's answer:
//! `SignedMessage::from_bytes`, then `verify`, then the body's decoder for
//! the verified kind (what the node's gossip validator and driver do).
//! Properties: decoding is canonical (what decodes encodes back to the same
//! bytes); a message that verifies is refused by another federation; its
//! body, decoded by kind, is canonical too.
#![no_main]

use amser_fuzz::{decode_canonical, federation, other_federation};
use amser_protocol::federation::{Decision, Evidence, Transfer};
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::MAX_SIGNED_MESSAGE_BYTES;
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::BankId;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some(message) = decode_canonical::<SignedMessage>("signed message", data, MAX_SIGNED_MESSAGE_BYTES) else {
        assert!(SignedMessage::from_bytes(data).is_err());
        return;
    };
    assert_eq!(SignedMessage::from_bytes(data).as_ref(), Ok(&message));
    let Ok(verified) = message.verify(federation()) else { return };
    assert!(message.verify(other_federation()).is_err(), "a message verified for two federations");
    // The gossip validator compares the signer with the publishing peer id.
    assert_eq!(BankId::from_peer_id_bytes(&verified.signer.peer_id_bytes()), Some(verified.signer));
    let body = &verified.body;
    match verified.kind {
        MessageKind::JournalHead => {
            let _ = decode_canonical::<JournalHead>("journal head", body, amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES);
        }
        MessageKind::Transfer => {
            if let Some(transfer) = decode_canonical::<Transfer>("transfer", body, MAX_SIGNED_MESSAGE_BYTES) {
                assert_eq!(Transfer::decode(body).as_ref(), Ok(&transfer));
                let _ = transfer.check_shape();
            }
        }
        MessageKind::Decision => {
            if let Some(decision) = decode_canonical::<Decision>("decision", body, MAX_SIGNED_MESSAGE_BYTES) {
                assert_eq!(Decision::decode(body).as_ref(), Ok(&decision));
            }
        }
        MessageKind::Evidence => {
            if let Some(evidence) = decode_canonical::<Evidence>("evidence", body, MAX_SIGNED_MESSAGE_BYTES) {
                for part in [&evidence.first, &evidence.second] {
                    let _ = part.verify(federation());
                }
                let _ = evidence.check(federation());
            }
        }
        MessageKind::LogHead => {
            use amser_protocol::public_log::{LogHead, MAX_LOG_HEAD_BYTES};
            if let Some(head) = decode_canonical::<LogHead>("log head", body, MAX_LOG_HEAD_BYTES) {
                assert_eq!(LogHead::decode(body).as_ref(), Ok(&head));
            }
        }
        MessageKind::RoutedTransfer => {
            use amser_protocol::route::RoutedTransfer;
            if let Some(routed) = decode_canonical::<RoutedTransfer>("routed transfer", body, MAX_SIGNED_MESSAGE_BYTES) {
                assert_eq!(RoutedTransfer::decode(body).as_ref(), Ok(&routed));
                if routed.check_shape().is_ok() {
                    assert!(routed.place_of(&routed.transfer.from).is_some());
                    assert!(routed.path.len() <= amser_protocol::route::MAX_PATH_LINES + 1);
                }
            }
        }
        MessageKind::Clearing => {
            use amser_protocol::clearing::Clearing;
            if let Some(clearing) = decode_canonical::<Clearing>("clearing", body, MAX_SIGNED_MESSAGE_BYTES) {
                assert_eq!(Clearing::decode(body).as_ref(), Ok(&clearing));
                if clearing.check_shape().is_ok() {
                    let way = clearing.way();
                    assert_eq!((way.first(), way.last()), (Some(&clearing.proposer), Some(&clearing.proposer)));
                    assert!(clearing.ring.iter().all(|b| clearing.neighbours(b).is_some()));
                }
            }
        }
        MessageKind::MonthlyTotals => {
            // Figures check as a bank's only when signed by that bank, and are well formed then.
            if let Ok(figures) = amser_protocol::figures::MonthlyTotals::check(&message, federation()) {
                assert_eq!(figures.bank, verified.signer);
                assert!(amser_protocol::figures::is_month(&figures.month));
            }
        }
        MessageKind::Introduction => {
            // A letter checks only when signed by the bank it speaks for, and holds at most a year then.
            if let Ok(letter) = amser_protocol::introduction::Introduction::check(&message, federation()) {
                assert_eq!(letter.bank, verified.signer);
                assert!(letter.valid_until.0 - letter.issued.0 <= amser_protocol::introduction::MAX_VISIT_DAYS);
            }
        }
        MessageKind::LineRoom => {
            // A verified advert checks as one only when signed by the bank it speaks for.
            if let Ok(advert) = amser_protocol::room::LineRoom::check(&message, federation()) {
                assert_eq!(advert.bank, verified.signer);
            }
        }
    }
});
