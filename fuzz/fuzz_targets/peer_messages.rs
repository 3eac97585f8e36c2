//! Direct requests and responses between two banks, as their bytes arrive
//! (after the codec's length prefix): `PeerRequest::decode` and
//! `PeerResponse::decode`; the first input byte picks which. Properties:
//! decoding is canonical (decode → encode gives the input bytes back), and
//! every signed message inside is canonical too and can be checked without
//! panicking, and so can a chained log page (`public_log::check_page`).
#![no_main]

use amser_fuzz::{assert_canonical, federation};
use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_LOG_BATCH};
use amser_protocol::public_log::{check_page, Cursor};
use amser_protocol::signing::SignedMessage;
use libfuzzer_sys::fuzz_target;

fn signed(message: &SignedMessage) {
    let wire = message.to_bytes().expect("a decoded signed message encodes");
    assert_eq!(SignedMessage::from_bytes(&wire).as_ref(), Ok(message));
    let _ = message.verify(federation());
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, bytes)) = data.split_first() else { return };
    if selector % 2 == 0 {
        let Ok(request) = PeerRequest::decode(bytes) else { return };
        assert_canonical("peer request", bytes, &request);
        match &request {
            PeerRequest::Deliver { transfer, .. } => signed(transfer),
            PeerRequest::Status { transfer } => assert_eq!(transfer.to_hex().parse(), Ok(*transfer)),
            PeerRequest::Log { .. }
            | PeerRequest::Hello
            | PeerRequest::NewestHead
            | PeerRequest::Recall { .. }
            | PeerRequest::ChainedLog { .. }
            | PeerRequest::Rooms { .. } => {}
            PeerRequest::Figures { month, .. } => {
                let _ = amser_protocol::figures::is_month(month);
            }
            // A search is checked before it is answered, and never panics.
            PeerRequest::DirectorySearch { words, region, .. } => {
                let _ = amser_protocol::directory::DirectoryQuery::new(words, region.as_deref()).map(|q| q.matches("bike repair", words));
            }
        }
    } else {
        let Ok(response) = PeerResponse::decode(bytes) else { return };
        assert_canonical("peer response", bytes, &response);
        match &response {
            PeerResponse::Decided { decision } => signed(decision),
            PeerResponse::Log { entries, .. } => entries.iter().for_each(signed),
            PeerResponse::Hello { handle, .. } => assert_eq!(handle.as_str().parse().as_ref(), Ok(handle)),
            PeerResponse::NewestHead { head } => head.iter().for_each(signed),
            PeerResponse::Recalled { pairs, .. } => pairs.iter().for_each(|p| {
                signed(&p.transfer);
                p.decision.iter().for_each(signed);
            }),
            PeerResponse::ChainedLog { page } => {
                page.statements.iter().chain(&page.start).chain(&page.end).for_each(signed);
                // A page checks (or is refused) without panicking, from wherever we stand.
                let bank = amser_protocol::BankId([7; 32]);
                let _ = check_page(page, bank, federation(), &Cursor::start(), MAX_LOG_BATCH as usize);
                let held = Cursor { position: page.after, hash: amser_protocol::EntryHash([1; 32]), head: page.start.clone() };
                let _ = check_page(page, bank, federation(), &held, MAX_LOG_BATCH as usize);
            }
            PeerResponse::Rooms { adverts } => adverts.iter().for_each(|a| {
                signed(a);
                let _ = amser_protocol::room::LineRoom::check(a, federation());
            }),
            PeerResponse::Figures { totals } => totals.iter().for_each(|t| {
                signed(t);
                let _ = amser_protocol::figures::MonthlyTotals::check(t, federation());
            }),
            PeerResponse::Directory { listings, .. } => listings.iter().for_each(|l| {
                assert_eq!(l.listing.to_hex().parse(), Ok(l.listing));
                let _ = l.posted.to_string();
            }),
            PeerResponse::Unknown | PeerResponse::Refused { .. } | PeerResponse::Forwarded => {}
        }
    }
});
