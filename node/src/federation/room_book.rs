//! The room adverts this bank holds (`protocol::room`): the newest signed
//! advert of each bank the federation knows, kept so the payer's bank can
//! find a path (`region::paths`) and can answer a peer's `Rooms` request.
//!
//! Pure: the driver offers adverts it verified (gossip, answers, its own),
//! prunes the banks it no longer knows, and reads the room on each line.
//! An advert older than [`ROOM_ADVERT_MAX_AGE_MS`] is kept (it still names
//! a bank and its handle) but gives no room: a line may have filled since.

use std::collections::{BTreeMap, HashMap};

use amser_protocol::room::LineRoom;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, Handle, Minutes};

/// How often a bank signs its advert again when nothing changed, so banks
/// that joined later, or lost one, have a fresh one.
pub const ROOM_ADVERT_REFRESH_MS: u64 = 2 * 60 * 1000;
/// An advert older than this gives no room to path finding: five refreshes
/// missed means the bank, or the way to it, is gone.
pub const ROOM_ADVERT_MAX_AGE_MS: u64 = 5 * ROOM_ADVERT_REFRESH_MS;
/// An advert dated further ahead of our clock than this is not taken: it
/// would outlive every honest advert of its bank.
pub const ROOM_ADVERT_MAX_AHEAD_MS: u64 = 5 * 60 * 1000;

/// One bank's newest advert and the signed bytes it came in.
#[derive(Debug, Clone)]
pub struct HeldAdvert {
    pub advert: LineRoom,
    pub signed: SignedMessage,
}

/// What happened to an advert offered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Offered {
    /// Kept: the bank's first, or newer than the one held.
    Kept,
    /// Not newer than the one held: nothing changed.
    Older,
    /// Dated too far ahead of our clock: not taken.
    Ahead,
}

/// Why a handle does not lead to one bank.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    #[error("no bank with the handle '{0}' is known here (no admitted bank, and no room advert that reached us, has it)")]
    Unknown(String),
    #[error("more than one bank calls itself '{0}' in the adverts that reached us; admit the right one directly")]
    Ambiguous(String),
}

/// The newest advert of each bank.
#[derive(Debug, Default, Clone)]
pub struct RoomBook {
    adverts: HashMap<BankId, HeldAdvert>,
}

impl RoomBook {
    /// Keeps `advert` (verified by the caller) if it is its bank's newest.
    pub fn offer(&mut self, advert: LineRoom, signed: SignedMessage, now_ms: u64) -> Offered {
        if advert.at_ms > now_ms.saturating_add(ROOM_ADVERT_MAX_AHEAD_MS) {
            return Offered::Ahead;
        }
        if self.adverts.get(&advert.bank).is_some_and(|held| held.advert.at_ms >= advert.at_ms) {
            return Offered::Older;
        }
        self.adverts.insert(advert.bank, HeldAdvert { advert, signed });
        Offered::Kept
    }

    /// Forgets the adverts of banks that `keep` no longer allows.
    pub fn retain(&mut self, keep: impl Fn(&BankId) -> bool) {
        self.adverts.retain(|bank, _| keep(bank));
    }

    pub fn get(&self, bank: &BankId) -> Option<&HeldAdvert> {
        self.adverts.get(bank)
    }

    pub fn len(&self) -> usize {
        self.adverts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.adverts.is_empty()
    }

    /// Every advert held, by bank.
    pub fn all(&self) -> BTreeMap<BankId, &HeldAdvert> {
        self.adverts.iter().map(|(b, h)| (*b, h)).collect()
    }

    /// Whether `held` is young enough for its room to count.
    pub fn is_fresh(held: &HeldAdvert, now_ms: u64) -> bool {
        now_ms.saturating_sub(held.advert.at_ms) <= ROOM_ADVERT_MAX_AGE_MS
    }

    /// The room on each line, as path finding reads it: `(a, b)` is how many
    /// more minutes `a`'s members may come to owe `b`, from `b`'s fresh advert.
    pub fn room(&self, now_ms: u64) -> BTreeMap<(BankId, BankId), Minutes> {
        let mut out = BTreeMap::new();
        for held in self.adverts.values().filter(|h| Self::is_fresh(h, now_ms)) {
            for line in &held.advert.lines {
                out.insert((line.peer, held.advert.bank), line.minutes);
            }
        }
        out
    }

    /// The banks each advert lists, for `vouching` (a bank vouches for the
    /// banks it says it has lines with).
    pub fn listed(&self) -> HashMap<BankId, Vec<BankId>> {
        self.adverts.iter().map(|(b, h)| (*b, h.advert.lines.iter().map(|l| l.peer).collect())).collect()
    }

    /// The bank `handle` names. `first_hand` holds the handles this bank
    /// learnt itself (its own, its admitted peers'; no two alike): one of
    /// those wins over any advert's claim. Otherwise the one advert, of a
    /// bank not known first hand, that carries it.
    pub fn resolve(&self, handle: &Handle, first_hand: &HashMap<BankId, String>) -> Result<BankId, HandleError> {
        if let Some((bank, _)) = first_hand.iter().find(|(_, h)| h.as_str() == handle.as_str()) {
            return Ok(*bank);
        }
        let mut found =
            self.adverts.values().filter(|h| &h.advert.handle == handle && !first_hand.contains_key(&h.advert.bank)).map(|h| h.advert.bank);
        match (found.next(), found.next()) {
            (Some(bank), None) => Ok(bank),
            (None, _) => Err(HandleError::Unknown(handle.as_str().to_string())),
            (Some(_), Some(_)) => Err(HandleError::Ambiguous(handle.as_str().to_string())),
        }
    }

    /// At most `max` signed adverts, freshest first, for a peer that asks.
    pub fn signed(&self, max: usize) -> Vec<SignedMessage> {
        let mut held: Vec<&HeldAdvert> = self.adverts.values().collect();
        held.sort_by(|a, b| b.advert.at_ms.cmp(&a.advert.at_ms).then(a.advert.bank.cmp(&b.advert.bank)));
        held.into_iter().take(max).map(|h| h.signed.clone()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::room::RoomOnLine;

    const RHYMNEY: BankId = BankId([1; 32]);
    const GWYNEDD: BankId = BankId([2; 32]);
    const CARDIFF: BankId = BankId([3; 32]);

    fn advert(bank: BankId, handle: &str, lines: &[(BankId, i64)], at_ms: u64) -> (LineRoom, SignedMessage) {
        let lines = lines.iter().map(|(peer, m)| RoomOnLine { peer: *peer, minutes: Minutes(*m) }).collect();
        let signed = SignedMessage { envelope: vec![at_ms as u8], signature: vec![] };
        (LineRoom { bank, handle: handle.parse().unwrap(), lines, at_ms }, signed)
    }

    #[test]
    fn the_newest_advert_of_each_bank_gives_the_room_on_its_lines_until_it_is_too_old() {
        let mut book = RoomBook::default();
        let now = 10 * ROOM_ADVERT_MAX_AGE_MS;
        let (a, s) = advert(GWYNEDD, "gwynedd", &[(RHYMNEY, 600), (CARDIFF, 300)], now - 1_000);
        assert_eq!(book.offer(a, s, now), Offered::Kept);
        let (a, s) = advert(CARDIFF, "cardiff", &[(GWYNEDD, 120)], now);
        assert_eq!(book.offer(a, s, now), Offered::Kept);
        let room = book.room(now);
        assert_eq!(room.get(&(RHYMNEY, GWYNEDD)), Some(&Minutes(600)), "Rhymney's members may owe Gwynedd 10 h more");
        assert_eq!(room.get(&(GWYNEDD, CARDIFF)), Some(&Minutes(120)));
        assert_eq!(room.get(&(GWYNEDD, RHYMNEY)), None, "only Rhymney says what Gwynedd may owe it");

        // An older advert of Gwynedd's (a replay) changes nothing; a newer one replaces it.
        let (a, s) = advert(GWYNEDD, "gwynedd", &[(RHYMNEY, 0)], now - 2_000);
        assert_eq!(book.offer(a, s, now), Offered::Older);
        assert_eq!(book.room(now).get(&(RHYMNEY, GWYNEDD)), Some(&Minutes(600)));
        let (a, s) = advert(GWYNEDD, "gwynedd", &[(RHYMNEY, 60)], now);
        assert_eq!(book.offer(a, s, now), Offered::Kept);
        assert_eq!(book.room(now).get(&(RHYMNEY, GWYNEDD)), Some(&Minutes(60)));

        // Past its age an advert gives no room; one from the far future is not taken.
        let later = now + ROOM_ADVERT_MAX_AGE_MS + 1;
        assert!(book.room(later).is_empty());
        let (a, s) = advert(CARDIFF, "cardiff", &[(GWYNEDD, 999)], now + ROOM_ADVERT_MAX_AHEAD_MS + 1);
        assert_eq!(book.offer(a, s, now), Offered::Ahead);
        assert_eq!(book.room(now).get(&(GWYNEDD, CARDIFF)), Some(&Minutes(120)));
    }

    #[test]
    fn a_handle_names_one_bank_or_the_error_says_why_not_and_one_learnt_first_hand_wins_over_any_advert() {
        let mut book = RoomBook::default();
        let cardiff: Handle = "cardiff".parse().unwrap();
        let nobody = HashMap::new();
        let (a, s) = advert(CARDIFF, "cardiff", &[], 1);
        book.offer(a, s, 1);
        assert_eq!(book.resolve(&cardiff, &nobody), Ok(CARDIFF));
        assert!(matches!(book.resolve(&"swansea".parse().unwrap(), &nobody), Err(HandleError::Unknown(_))));
        // Mallory's advert claims Cardiff's handle too: ambiguous on adverts alone ...
        let mallory = BankId([66; 32]);
        let (a, s) = advert(mallory, "cardiff", &[], 1);
        book.offer(a, s, 1);
        assert!(matches!(book.resolve(&cardiff, &nobody), Err(HandleError::Ambiguous(_))));
        // ... but not when Cardiff is admitted here, its handle learnt from Cardiff itself,
        let admitted = HashMap::from([(CARDIFF, "cardiff".to_string())]);
        assert_eq!(book.resolve(&cardiff, &admitted), Ok(CARDIFF));
        // and an admitted bank's advert claiming another handle does not take it.
        let gwynedd_says = HashMap::from([(GWYNEDD, "gwynedd".to_string())]);
        let (a, s) = advert(GWYNEDD, "swansea", &[], 1);
        book.offer(a, s, 1);
        assert!(matches!(book.resolve(&"swansea".parse().unwrap(), &gwynedd_says), Err(HandleError::Unknown(_))));
        book.retain(|b| *b != mallory);
        assert_eq!(book.resolve(&cardiff, &nobody), Ok(CARDIFF));
        assert_eq!(book.listed().get(&CARDIFF), Some(&vec![]));
        assert_eq!(book.signed(10).len(), 2);
    }
}
