//! Room adverts on the wire: signing ours, taking other banks' from gossip
//! and from peers' `Rooms` answers, and answering that request
//! (`room_book` holds them, `vouching` learns from them which banks they
//! reach).
//!
//! ```text
//!   tick ──► advertise_due: our lines' room changed, or REFRESH passed ──► sign, publish, keep
//!   gossip LineRoom ──► take ──► RoomBook::offer ──► vouching.set_listed ──► prune the book
//!   connected, then after 1, 2, 4 ... ROOMS_ASK_INTERVAL s ──► PeerRequest::Rooms ──► take (all of the answer, in rounds)
//! ```
//! An advert is taken only from a bank the federation knows (admitted, or
//! reached through adverts already held); one answer is taken in rounds,
//! so a chain of adverts in it (Gwynedd's naming Cardiff, Cardiff's naming
//! Swansea) is taken whole whatever its order.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_ROOMS_BATCH};
use amser_protocol::limits::MAX_PARSE_MINUTES;
use amser_protocol::room::{LineRoom, RoomOnLine, MAX_ADVERT_LINES};
use amser_protocol::signing::{MessageKind, SignedMessage, Verified};
use amser_protocol::{BankId, Minutes};

use super::driver::Driver;
use super::room_book::{Offered, RoomBook, ROOM_ADVERT_REFRESH_MS};
use super::swarm::peer_of;
use super::vouching::Vouching;
use crate::ledger::{LedgerError, LedgerRead};

/// How often our lines' room is read to see whether our advert changed.
pub const ROOM_CHECK_INTERVAL: Duration = Duration::from_secs(1);
/// How often each connected peer is asked for the adverts it holds once
/// things are quiet. It is asked at once when it connects, then after
/// [`ROOMS_ASK_AGAIN`], twice that, and so on up to this: a peer that has
/// just started is still hearing of banks further off, whose adverts we
/// then want too.
pub const ROOMS_ASK_INTERVAL: Duration = Duration::from_secs(30);
/// The first wait between two requests for adverts to one peer, and the
/// wait again whenever adverts taken reached banks not known before (whose
/// adverts that peer may hold).
pub const ROOMS_ASK_AGAIN: Duration = Duration::from_secs(1);

/// What the driver remembers of advertising.
#[derive(Default)]
pub(super) struct Advertising {
    /// Our last advert's lines and time.
    published: Option<(Vec<RoomOnLine>, u64)>,
    checked: Option<Instant>,
    /// When each peer was last asked for its adverts, and the wait before the next time.
    asked: HashMap<BankId, (Instant, Duration)>,
    /// Set when adverts taken reached banks not known before: their own
    /// adverts may be held by our peers already, so ask them again soon.
    reach_grew: Arc<AtomicBool>,
}

/// The room we extend on each line now: trust less what that bank's
/// members owe ours and what is held on the line for routed transfers in
/// flight, never below nothing, no more than one transfer may
/// carry; nothing on a frozen line; removed banks left out.
fn our_lines(store: &crate::storage::store::Store) -> Result<Vec<RoomOnLine>, LedgerError> {
    let mut lines = Vec::new();
    for line in store.peers()? {
        if line.removed {
            continue;
        }
        let owed = store.owed_on_line(&line.bank)?.0;
        let mut room = if line.frozen { 0 } else { (line.trust.0 - owed).clamp(0, MAX_PARSE_MINUTES) };
        if let Some(max) = line.max_transfer {
            room = room.min(max.0.max(0));
        }
        lines.push(RoomOnLine { peer: line.bank, minutes: Minutes(room) });
    }
    // The most room first when there are more lines than an advert carries.
    lines.sort_by(|a, b| b.minutes.cmp(&a.minutes).then(a.peer.cmp(&b.peer)));
    lines.truncate(MAX_ADVERT_LINES);
    lines.sort_by_key(|l| l.peer);
    Ok(lines)
}

/// Takes adverts (each verified by the caller) from banks the federation
/// knows, in rounds until no more can be taken; keeps `vouching`'s reach
/// and the book in step. Returns how many were kept, and sets `grew` when
/// the banks known now include one not known before.
pub(super) fn take(
    rooms: &RwLock<RoomBook>,
    vouching: &RwLock<Vouching>,
    ourselves: BankId,
    mut adverts: Vec<(LineRoom, SignedMessage)>,
    now_ms: u64,
    grew: &AtomicBool,
) -> usize {
    let (Ok(mut book), Ok(mut vouching)) = (rooms.write(), vouching.write()) else { return 0 };
    let known_before = vouching.known();
    adverts.retain(|(a, _)| a.bank != ourselves);
    let mut kept = 0;
    loop {
        let (known, rest): (Vec<_>, Vec<_>) = adverts.into_iter().partition(|(a, _)| vouching.knows(&a.bank));
        adverts = rest;
        let mut changed = false;
        for (advert, signed) in known {
            if book.offer(advert, signed, now_ms) == Offered::Kept {
                kept += 1;
                changed = true;
            }
        }
        if !changed {
            break;
        }
        settle(&mut book, &mut vouching);
        if adverts.is_empty() {
            break;
        }
    }
    if vouching.known().iter().any(|b| !known_before.contains(b)) {
        grew.store(true, Ordering::Relaxed);
    }
    kept
}

/// Brings the book and `vouching`'s reach in step: a list that changed may
/// reach banks no longer (or newly), so prune until both hold still.
pub(super) fn settle(book: &mut RoomBook, vouching: &mut Vouching) {
    loop {
        vouching.set_listed(book.listed());
        let before = book.len();
        // Our own advert stays: peers that ask get it from us (gossip alone
        // may have had no one to carry it when it was signed).
        book.retain(|b| *b == vouching.ourselves() || vouching.knows(b));
        if book.len() == before {
            break;
        }
    }
}

impl Driver {
    /// Signs and publishes our advert when our lines' room changed, or when
    /// the last one is due for a refresh.
    pub(super) async fn advertise_due(&mut self) {
        if self.advertising.checked.is_some_and(|t| t.elapsed() < ROOM_CHECK_INTERVAL) {
            return;
        }
        self.advertising.checked = Some(Instant::now());
        let lines = match self.read(our_lines).await {
            Ok(lines) => lines,
            Err(e) => return tracing::warn!(error = %e, "could not read our trust lines' room"),
        };
        let now = self.clock.now_ms();
        let due = match &self.advertising.published {
            Some((last, at)) => *last != lines || now.saturating_sub(*at) >= ROOM_ADVERT_REFRESH_MS,
            None => true,
        };
        if !due {
            return;
        }
        let advert = LineRoom { bank: self.profile.bank, handle: self.profile.handle.clone(), lines: lines.clone(), at_ms: now };
        let Ok(body) = advert.encode() else { return };
        let Ok(signed) = amser_protocol::signing::sign(&self.key, MessageKind::LineRoom, self.federation, body) else { return };
        if let Ok(mut book) = self.rooms.write() {
            book.offer(advert, signed.clone(), now);
        }
        if let Ok(bytes) = signed.to_bytes() {
            self.publish_bytes(bytes);
        }
        self.advertising.published = Some((lines, now));
    }

    /// A room advert heard in gossip (its signature verified).
    pub(super) fn on_advert(&mut self, signed: SignedMessage, verified: &Verified) {
        match LineRoom::from_verified(verified) {
            Ok(advert) => {
                let grew = &self.advertising.reach_grew;
                take(&self.rooms, &self.vouching, self.profile.bank, vec![(advert, signed)], self.clock.now_ms(), grew);
            }
            Err(e) => tracing::debug!(signer = %verified.signer, error = %e, "ignored a room advert"),
        }
    }

    /// A peer that connected is asked for its adverts at the next tick.
    pub(super) fn ask_rooms_soon(&mut self, bank: BankId) {
        self.advertising.asked.remove(&bank);
    }

    /// Asks each connected admitted peer whose wait has passed for the adverts it holds.
    pub(super) fn ask_rooms_due(&mut self) {
        if self.advertising.reach_grew.swap(false, Ordering::Relaxed) {
            for (_, wait) in self.advertising.asked.values_mut() {
                *wait = ROOMS_ASK_AGAIN;
            }
        }
        let asked = &self.advertising.asked;
        let due: Vec<BankId> = self.connected_peers().filter(|b| asked.get(b).is_none_or(|(t, wait)| t.elapsed() >= *wait)).collect();
        for bank in due {
            let wait = self.advertising.asked.get(&bank).map_or(ROOMS_ASK_AGAIN, |(_, w)| (*w * 2).min(ROOMS_ASK_INTERVAL));
            self.advertising.asked.insert(bank, (Instant::now(), wait));
            let (net, rooms, vouching) = (self.net.clone(), self.rooms.clone(), self.vouching.clone());
            let (federation, ourselves, clock) = (self.federation, self.profile.bank, self.clock.clone());
            let grew = self.advertising.reach_grew.clone();
            self.tasks.spawn(async move {
                let adverts = match net.request(peer_of(&bank), PeerRequest::Rooms { max: MAX_ROOMS_BATCH }).await {
                    Ok(PeerResponse::Rooms { adverts }) => adverts,
                    Ok(_) => return tracing::debug!(%bank, "a peer answered a request for adverts with something else"),
                    Err(e) => return tracing::debug!(%bank, error = %e, "could not ask a peer for its adverts"),
                };
                let checked: Vec<(LineRoom, SignedMessage)> = adverts
                    .into_iter()
                    .take(MAX_ROOMS_BATCH as usize)
                    .filter_map(|signed| LineRoom::check(&signed, federation).ok().map(|a| (a, signed)))
                    .collect();
                let kept = take(&rooms, &vouching, ourselves, checked, clock.now_ms(), &grew);
                if kept > 0 {
                    tracing::debug!(%bank, kept, "took room adverts from a peer");
                }
            });
        }
    }
}

/// The answer to a peer's `Rooms` request: the adverts held, freshest first.
pub(super) fn answer(rooms: &Arc<RwLock<RoomBook>>, max: u32) -> PeerResponse {
    let max = max.clamp(1, MAX_ROOMS_BATCH) as usize;
    PeerResponse::Rooms { adverts: rooms.read().map(|b| b.signed(max)).unwrap_or_default() }
}
