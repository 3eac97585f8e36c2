//! Properties of the protocol's bytes: every value survives encoding, every
//! changed byte of a signed message is caught, and no input makes a decoder panic.

use amser_protocol::exchange::postings;
use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::member::MemberDetails;
use amser_protocol::sealed::{seal, MemberKey, Purpose, Sealed};
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{
    BankId, EntryHash, Exchange, ExchangeId, Handle, Member, MemberCode, MemberKind, MemberStatus, Minutes, Policy, ServiceDate,
};
use ed25519_dalek::SigningKey;
use proptest::prelude::*;

fn code() -> impl Strategy<Value = MemberCode> {
    (any::<u64>(), any::<u32>()).prop_map(|(n, a)| MemberCode::derive(&BankId([3; 32]), &"rhymney".parse::<Handle>().unwrap(), n, a))
}

fn text() -> impl Strategy<Value = String> {
    "\\PC{0,40}"
}

fn member() -> impl Strategy<Value = Member> {
    (code(), text(), text(), prop::collection::vec(text(), 0..4), 0u8..3, 0u8..3, -20000i32..40000).prop_map(
        |(code, name, contact, skills, kind, status, joined)| Member {
            code: code.clone(),
            kind: [MemberKind::Person, MemberKind::Agency, MemberKind::Group][kind as usize],
            own_limits: None,
            details: Some(sealed(
                &MemberDetails {
                    name,
                    contact,
                    skills_offered: skills.clone(),
                    needs: skills,
                    availability: String::new(),
                    special_needs: "private".into(),
                },
                Purpose::MemberDetails,
                code.clone(),
            )),
            status: [MemberStatus::Active, MemberStatus::Paused, MemberStatus::Left][status as usize],
            joined: ServiceDate(joined),
        },
    )
}

/// `value` sealed under one member's (made-up) key.
fn sealed<T: serde::Serialize>(value: &T, purpose: Purpose, member: MemberCode) -> Sealed {
    seal(value, purpose, vec![member], &[MemberKey([5; 32])], [6; 24]).unwrap()
}

fn exchange() -> impl Strategy<Value = Exchange> {
    (prop::collection::btree_set(code(), 2..8), 1i64..2000, text(), any::<[u8; 32]>()).prop_map(|(codes, minutes, note, id)| {
        let codes: Vec<_> = codes.into_iter().collect();
        let (providers, receivers) = codes.split_at(1);
        let moves = postings(providers, receivers, Minutes(minutes)).unwrap();
        Exchange {
            id: ExchangeId(id),
            providers: providers.to_vec(),
            receivers: receivers.to_vec(),
            minutes_each: Minutes(minutes),
            category: "gardening".into(),
            note: Some(sealed(&note, Purpose::Note, providers[0].clone())),
            date: ServiceDate(20000),
            recorded_by: "coordinator".into(),
            postings: moves,
        }
    })
}

fn body() -> impl Strategy<Value = EntryBody> {
    prop_oneof![
        text().prop_map(|name| EntryBody::BankOpened {
            profile: BankProfile { bank: BankId([1; 32]), name, handle: "rhymney".parse().unwrap(), region: "Wales".into() },
            policy: Policy::default()
        }),
        (member(), any::<u64>()).prop_map(|(member, number)| EntryBody::MemberJoined { member, number }),
        member().prop_map(|member| EntryBody::MemberUpdated { member }),
        exchange().prop_map(|exchange| EntryBody::ExchangeRecorded { exchange }),
    ]
}

fn entry() -> impl Strategy<Value = JournalEntry> {
    (any::<u64>(), any::<[u8; 32]>(), any::<u64>(), body()).prop_map(|(seq, prev, time_ms, body)| JournalEntry {
        seq,
        prev_hash: EntryHash(prev),
        time_ms,
        body,
    })
}

proptest! {
    #[test]
    fn journal_entries_survive_encoding(entry in entry()) {
        let bytes = entry.encode().unwrap();
        let back = JournalEntry::decode(&bytes).unwrap();
        prop_assert_eq!(&back, &entry);
        prop_assert_eq!(back.hash().unwrap(), JournalEntry::hash_of_bytes(&bytes));
    }

    #[test]
    fn an_entry_with_trailing_bytes_is_refused(entry in entry(), extra in prop::collection::vec(any::<u8>(), 1..8)) {
        let mut bytes = entry.encode().unwrap();
        bytes.extend(extra);
        prop_assert!(JournalEntry::decode(&bytes).is_err());
    }

    #[test]
    fn any_changed_byte_of_a_signed_message_fails_verification(
        body in prop::collection::vec(any::<u8>(), 0..300),
        seed in any::<[u8; 32]>(),
        index in any::<prop::sample::Index>(),
        flip in 1u8..=255,
    ) {
        let key = SigningKey::from_bytes(&seed);
        let fed = FederationId::from_name("wales");
        let msg = sign(&key, MessageKind::Transfer, fed, body).unwrap();
        prop_assert!(msg.verify(fed).is_ok());
        let wire = msg.to_bytes().unwrap();
        let mut tampered = wire.clone();
        let i = index.index(tampered.len());
        tampered[i] ^= flip;
        match SignedMessage::from_bytes(&tampered) {
            Err(_) => {}
            Ok(m) => prop_assert!(m.verify(fed).is_err(), "byte {} changed and still verified", i),
        }
    }

    #[test]
    fn decoding_arbitrary_bytes_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..2048)) {
        let _ = JournalEntry::decode(&bytes);
        if let Ok(m) = SignedMessage::from_bytes(&bytes) {
            let _ = m.verify(FederationId::from_name("wales"));
        }
        let _ = amser_protocol::encoding::decode::<Member>("member", &bytes, 4096);
    }

    #[test]
    fn parsing_arbitrary_text_never_panics(text in "\\PC{0,30}") {
        let _ = Minutes::parse_hours(&text);
        let _ = text.parse::<MemberCode>();
        let _ = text.parse::<BankId>();
        let _ = ServiceDate::parse(&text);
    }

    #[test]
    fn parsed_hours_are_whole_positive_minutes(h in 0u32..200, frac in 0u32..100) {
        let m = Minutes::parse_hours(&format!("{h}.{frac:02}"));
        let expected = (h as i64) * 60 + ((frac as i64) * 60 + 50) / 100;
        if expected == 0 {
            prop_assert!(m.is_err());
        } else {
            prop_assert_eq!(m.unwrap(), Minutes(expected));
        }
    }

    #[test]
    fn every_exchange_sums_to_zero(x in exchange(), extra in 1usize..40, minutes in 1i64..1440) {
        prop_assert_eq!(amser_protocol::exchange::sum(&x.postings), 0);
        let receivers: Vec<MemberCode> = (0..extra as u64).map(|n| MemberCode::derive(&BankId([4; 32]), &"gwynedd".parse::<Handle>().unwrap(), n, 0)).collect();
        let p = postings(&x.providers, &receivers, Minutes(minutes)).unwrap();
        prop_assert_eq!(amser_protocol::exchange::sum(&p), 0);
    }
}

#[test]
fn a_message_signed_by_one_bank_cannot_claim_another() {
    let fed = FederationId::from_name("wales");
    let rhymney = SigningKey::from_bytes(&[1; 32]);
    let msg = sign(&rhymney, MessageKind::Decision, fed, b"accept".to_vec()).unwrap();
    // Replace the signature with one by another key over the same envelope bytes.
    let gwynedd = SigningKey::from_bytes(&[2; 32]);
    let forged = sign(&gwynedd, MessageKind::Decision, fed, b"accept".to_vec()).unwrap();
    let mixed = SignedMessage { envelope: msg.envelope.clone(), signature: forged.signature };
    assert!(mixed.verify(fed).is_err());
}

#[test]
fn unknown_versions_and_kinds_are_refused_with_a_reason() {
    use amser_protocol::signing::VerifyError;
    // Version byte is the first byte of the envelope (postcard u8).
    let key = SigningKey::from_bytes(&[5; 32]);
    let fed = FederationId::from_name("wales");
    let msg = sign(&key, MessageKind::JournalHead, fed, vec![1, 2, 3]).unwrap();
    let mut v2 = msg.clone();
    v2.envelope[0] = 2;
    assert_eq!(v2.verify(fed), Err(VerifyError::UnknownVersion(2)));
    let mut unknown = msg.clone();
    unknown.envelope[1] = 99;
    assert_eq!(unknown.verify(fed), Err(VerifyError::UnknownKind(99)));
}
