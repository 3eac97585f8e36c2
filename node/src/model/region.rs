//! The regional network as this bank sees it: the room adverts it holds
//! (`GET /federation/rooms`) and the path a transfer to another bank would
//! take (`GET /federation/path?to=HANDLE&hours=H`), and the network's
//! figures for a month summed from what each bank signed (`GET /federation/stats`).

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

/// `GET /federation/stats?month=YYYY-MM`.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct StatsQuery {
    /// The month (`YYYY-MM`); this month when left out.
    pub month: Option<String>,
}

/// One bank's signed figures for a month, as summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BankFiguresView {
    pub bank: BankRef,
    pub exchanges: u64,
    pub minutes: i64,
    pub hours: f64,
    pub active_members: u64,
    /// Minutes its members were paid in, and paid out in, transfers with other banks.
    pub across_banks_in_minutes: i64,
    pub across_banks_out_minutes: i64,
    /// When the bank signed them (its clock, ms since 1970).
    pub signed_ms: u64,
}

/// Hours and exchanges under one of the federation's category words, summed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryFiguresView {
    pub category: String,
    pub exchanges: u64,
    pub minutes: i64,
    pub hours: f64,
}

/// The network's figures for a month, summed from the figures each bank signed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FederationStatsView {
    pub month: String,
    /// Each bank whose signed figures are held, this bank first.
    pub banks: Vec<BankFiguresView>,
    pub exchanges: u64,
    pub minutes: i64,
    pub hours: f64,
    pub active_members: u64,
    /// Minutes moved between banks (each transfer counted once, at its payee's bank).
    pub across_banks_minutes: i64,
    pub by_category: Vec<CategoryFiguresView>,
    /// Banks the federation knows whose figures for the month are not held.
    pub missing: Vec<BankRef>,
    /// Figures peers handed over that did not verify (tampered, forged, or a
    /// bank's figures signed by another): not counted.
    pub refused: u64,
}
