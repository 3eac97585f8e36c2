//! The regional network as this bank sees it: the room adverts it holds
//! (`GET /federation/rooms`) and the path a transfer to another bank would
//! take (`GET /federation/path?to=HANDLE&hours=H`).

use serde::{Deserialize, Serialize};

use super::BankRef;

/// The room one bank extends on one of its lines.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomLineView {
    /// The bank whose members may come to owe the advertiser more.
    pub peer: BankRef,
    pub minutes: i64,
    pub hours: f64,
}

/// One bank's newest advert held here.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RoomAdvertView {
    pub bank: BankRef,
    /// When the advertiser signed it (its clock, ms since 1970).
    pub at_ms: u64,
    /// Seconds since then by our clock (0 when it is dated ahead).
    pub age_secs: u64,
    /// Whether it is young enough for path finding to use.
    pub fresh: bool,
    pub lines: Vec<RoomLineView>,
}

/// The query of `GET /federation/path`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathQuery {
    /// The payee bank's handle (the part of its member codes before `:`).
    pub to: String,
    /// The hours to move, as people type them (`2`, `1.5`, `1:30`).
    pub hours: String,
}

/// The path a transfer would take: `banks[0]` is this bank, the last the payee's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathView {
    pub banks: Vec<BankRef>,
    /// Trust lines crossed (1: the two banks trade directly).
    pub hops: usize,
    /// The least room of any line on the path, in minutes and hours.
    pub room_minutes: i64,
    pub room_hours: f64,
}
