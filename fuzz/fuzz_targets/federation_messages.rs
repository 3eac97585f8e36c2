//! The bodies of signed messages and the peer line a bank journals. The
//! first input byte picks the decoder: transfer, decision, journal head (with
//! the node's 1 KiB bound), evidence, peer line, room advert. Properties: decoding is
//! canonical (decode → encode gives the input bytes back); a transfer's id is
//! the hash of exactly those bytes; a transfer that passes `check_shape` is
//! within its documented bounds; every reject reason can be shown.
#![no_main]

use amser_fuzz::{decode_canonical, federation};
use amser_protocol::federation::{Decision, Evidence, PeerLine, Transfer, TransferId, Verdict, TRANSFER_CONTEXT};
use amser_protocol::ids::hash_with;
use amser_protocol::journal::JournalHead;
use amser_protocol::limits::{MAX_ENTRY_BYTES, MAX_PARSE_MINUTES, MAX_SIGNED_MESSAGE_BYTES};
use libfuzzer_sys::fuzz_target;

fn transfer(bytes: &[u8]) {
    let decoded = Transfer::decode(bytes);
    let Some(t) = decode_canonical::<Transfer>("transfer", bytes, MAX_SIGNED_MESSAGE_BYTES) else {
        assert!(decoded.is_err());
        return;
    };
    assert_eq!(decoded.as_ref(), Ok(&t));
    assert_eq!(t.encode().as_deref(), Ok(bytes));
    assert_eq!(t.id(), Ok(TransferId(hash_with(TRANSFER_CONTEXT, bytes))));
    if t.check_shape().is_ok() {
        assert_ne!(t.from, t.to);
        assert!(t.minutes.0 > 0 && t.minutes.0 <= MAX_PARSE_MINUTES);
        assert!(!t.category.trim().is_empty());
    }
    let _ = (t.date.to_string(), t.date.month(), t.minutes.to_string());
}

fn decision(bytes: &[u8]) {
    let decoded = Decision::decode(bytes);
    let Some(d) = decode_canonical::<Decision>("decision", bytes, MAX_SIGNED_MESSAGE_BYTES) else {
        assert!(decoded.is_err());
        return;
    };
    assert_eq!(decoded.as_ref(), Ok(&d));
    assert_eq!(d.encode().as_deref(), Ok(bytes));
    if let Verdict::Reject(reason) = &d.verdict {
        assert!(!reason.to_string().is_empty());
    }
}

fn evidence(bytes: &[u8]) {
    let Some(e) = decode_canonical::<Evidence>("evidence", bytes, MAX_SIGNED_MESSAGE_BYTES) else { return };
    for part in [&e.first, &e.second] {
        let wire = part.to_bytes().expect("a decoded signed message encodes");
        assert!(wire.len() < bytes.len());
        let _ = part.verify(federation());
    }
}

fn room_advert(bytes: &[u8]) {
    use amser_protocol::room::{LineRoom, MAX_ADVERT_BYTES, MAX_ADVERT_LINES};
    let decoded = LineRoom::decode(bytes);
    let Some(a) = decode_canonical::<LineRoom>("room advert", bytes, MAX_ADVERT_BYTES) else {
        assert!(decoded.is_err());
        return;
    };
    assert_eq!(decoded.as_ref(), Ok(&a));
    if a.check_shape().is_ok() {
        assert!(a.lines.len() <= MAX_ADVERT_LINES);
        assert!(a.lines.windows(2).all(|w| w[0].peer < w[1].peer));
        assert!(a.lines.iter().all(|l| l.peer != a.bank && (0..=MAX_PARSE_MINUTES).contains(&l.minutes.0)));
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    match selector % 6 {
        0 => transfer(bytes),
        1 => decision(bytes),
        2 => {
            let _ = decode_canonical::<JournalHead>("journal head", bytes, amser_protocol::limits::MAX_JOURNAL_HEAD_BYTES);
        }
        3 => evidence(bytes),
        5 => room_advert(bytes),
        _ => {
            if let Some(line) = decode_canonical::<PeerLine>("peer line", bytes, MAX_ENTRY_BYTES) {
                let _ = (line.trust.to_string(), line.max_transfer.map(|m| m.to_string()));
            }
        }
    }
});
