//! Every parser of text people type or config files hold, and the small
//! byte decoders of ids. The first input byte picks the parser; the rest is
//! its input. Properties: what parses shows as text that parses back to the
//! same value (and, for ids, shows exactly as it was written), and accepted
//! values are within their documented bounds.
#![no_main]

use amser_protocol::federation::TransferId;
use amser_protocol::limits::MAX_PARSE_MINUTES;
use amser_protocol::signing::MessageKind;
use amser_protocol::{BankId, EntryHash, ExchangeId, Handle, ListingId, MemberCode, MemberKind, MemberStatus, Minutes, ServiceDate};
use libfuzzer_sys::fuzz_target;
use std::fmt::Debug;
use std::str::FromStr;

/// parse → display → parse gives the same value.
fn stable<T: FromStr + ToString + PartialEq + Debug>(value: &T) {
    let shown = value.to_string();
    match shown.parse::<T>() {
        Ok(again) => assert_eq!(&again, value, "'{shown}' parses to another value"),
        Err(_) => panic!("{value:?} shows as '{shown}', which does not parse"),
    }
}

fn hours(text: &str) {
    let Ok(m) = Minutes::parse_hours(text) else { return };
    assert!(m.0 > 0 && m.0 <= MAX_PARSE_MINUTES, "'{text}' parsed to {m:?}");
    // Minutes show as H:MM, which is itself an accepted way to write hours.
    assert_eq!(Minutes::parse_hours(&m.to_string()), Ok(m), "'{text}' shows as '{m}'");
    // A trailing `h` and surrounding spaces change nothing.
    if !text.trim_end().ends_with(['h', 'H']) {
        assert_eq!(Minutes::parse_hours(&format!(" {text}h ")), Ok(m), "'{text}h'");
    }
}

fn date(text: &str) {
    let Ok(d) = ServiceDate::parse(text) else { return };
    assert!(d.to_date().is_some(), "'{text}' parsed to {d:?}, which is no calendar date");
    assert_eq!(ServiceDate::parse(&d.to_string()), Ok(d), "'{text}' shows as '{d}'");
    months(d, text.len() as u32);
}

/// `months_before` never panics, never moves forward, and is the identity for 0.
fn months(d: ServiceDate, n: u32) {
    assert_eq!(d.months_before(0), d);
    for n in [1, 12, n, n.wrapping_mul(7919)] {
        let earlier = d.months_before(n);
        assert!(earlier <= d, "{n} months before {d} is {earlier}");
    }
    let _ = d.month();
}

fn member_code(text: &str) {
    let Ok(code) = MemberCode::from_str(text) else { return };
    stable(&code);
    assert_eq!(MemberCode::try_from(code.to_string()).as_ref(), Ok(&code));
    assert!(code.handle().parse::<Handle>().is_ok(), "{code:?} has handle '{}'", code.handle());
    assert!(text.trim().eq_ignore_ascii_case(code.as_str()), "'{text}' parsed to {code:?}");
}

fn handle(text: &str) {
    let Ok(h) = Handle::from_str(text) else { return };
    stable(&h);
    assert_eq!(h.as_str(), text.trim());
}

fn bank_id(text: &str) {
    let Ok(id) = BankId::from_str(text) else { return };
    stable(&id);
    // One text per bank id: it shows exactly as written.
    assert_eq!(id.to_string(), text.trim());
    assert_eq!(BankId::from_peer_id_bytes(&id.peer_id_bytes()), Some(id));
}

fn hash_id<T: FromStr + ToString + PartialEq + Debug>(text: &str) {
    let Ok(id) = T::from_str(text) else { return };
    stable(&id);
    assert_eq!(id.to_string(), text.trim().to_ascii_lowercase());
}

fn word<T: FromStr + ToString + PartialEq + Debug>(text: &str) {
    let Ok(value) = T::from_str(text) else { return };
    stable(&value);
    assert_eq!(value.to_string(), text.trim().to_ascii_lowercase());
}

fn bytes(selector: u8, input: &[u8]) {
    match selector {
        // A date from the wire (any i32): shows as a date that parses back,
        // or as "day N" when the calendar cannot show it.
        0 => {
            let mut raw = [0u8; 8];
            raw[..input.len().min(8)].copy_from_slice(&input[..input.len().min(8)]);
            let d = ServiceDate(i32::from_le_bytes(raw[..4].try_into().unwrap()));
            let shown = d.to_string();
            if d.to_date().is_some() {
                assert_eq!(ServiceDate::parse(&shown), Ok(d), "{d:?} shows as '{shown}'");
            } else {
                assert!(shown.starts_with("day "), "{d:?} shows as '{shown}'");
            }
            months(d, u32::from_le_bytes(raw[4..].try_into().unwrap()));
        }
        1 => {
            if let Some(id) = BankId::from_peer_id_bytes(input) {
                assert_eq!(&id.peer_id_bytes()[..], input);
                stable(&id);
            }
        }
        _ => {
            let b = input.first().copied().unwrap_or(0);
            if let Some(kind) = MessageKind::from_byte(b) {
                assert_eq!(kind as u8, b);
                assert!(!kind.name().is_empty());
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, rest)) = data.split_first() else { return };
    if selector >= 0xf0 {
        return bytes(selector & 0x0f, rest);
    }
    let Ok(text) = std::str::from_utf8(rest) else { return };
    match selector % 10 {
        0 => hours(text),
        1 => date(text),
        2 => member_code(text),
        3 => handle(text),
        4 => bank_id(text),
        5 => hash_id::<EntryHash>(text),
        6 => word::<MemberKind>(text),
        7 => word::<MemberStatus>(text),
        8 => hash_id::<TransferId>(text),
        _ => {
            hash_id::<ExchangeId>(text);
            hash_id::<ListingId>(text);
        }
    }
});
