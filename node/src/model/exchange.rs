//! Exchanges: who gave time to whom, as the API shows them, and the bodies
//! that record and reverse them.

use amser_protocol::MemberCode;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::hours;
use super::peer::TransferView;
use crate::ledger::privacy::{self, MemberKeys};
use crate::ledger::{ExchangeRecord, LedgerError};
use amser_protocol::sealed::{Purpose, Sealed};

/// One member's side of an exchange: credited (positive) or debited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostingView {
    pub member: MemberCode,
    pub minutes: i64,
}

/// An exchange: `GET /exchanges`, `GET /exchanges/{id}`, a member's
/// exchanges, and the answer to recording or reversing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExchangeView {
    /// The full id (hex); its first characters find it too.
    pub id: String,
    /// The journal entry that recorded it.
    pub seq: u64,
    /// When the help was given, YYYY-MM-DD.
    pub date: String,
    pub providers: Vec<MemberCode>,
    pub receivers: Vec<MemberCode>,
    pub minutes_each: i64,
    pub hours_each: f64,
    /// Credited to the providers altogether (`minutes_each` times their number).
    pub total_minutes: i64,
    pub category: String,
    pub note: String,
    pub recorded_by: String,
    pub reversed: bool,
    pub reversal_reason: Option<String>,
    pub postings: Vec<PostingView>,
}

/// What a text sealed with an erased member's data reads as.
pub const ERASED_TEXT: &str = "(erased)";

/// A sealed free text opened for people: empty when there was none.
pub fn text_of(keys: &dyn MemberKeys, purpose: Purpose, sealed: Option<&Sealed>) -> Result<String, LedgerError> {
    Ok(privacy::open_text(keys, purpose, sealed)?.unwrap_or_else(|| ERASED_TEXT.to_string()))
}

impl ExchangeView {
    pub fn new(r: ExchangeRecord, keys: &dyn MemberKeys) -> Result<Self, LedgerError> {
        let note = text_of(keys, Purpose::Note, r.exchange.note.as_ref())?;
        let reversal_reason = match &r.reversed {
            Some((_, why)) => Some(text_of(keys, Purpose::ReversalReason, why.as_ref())?),
            None => None,
        };
        let x = r.exchange;
        Ok(ExchangeView {
            id: x.id.to_hex(),
            seq: r.seq,
            date: x.date.to_string(),
            total_minutes: x.minutes_each.0 * x.providers.len() as i64,
            providers: x.providers,
            receivers: x.receivers,
            minutes_each: x.minutes_each.0,
            hours_each: hours(x.minutes_each),
            category: x.category,
            note,
            recorded_by: x.recorded_by,
            reversed: r.reversed.is_some(),
            reversal_reason,
            postings: x.postings.into_iter().map(|p| PostingView { member: p.member, minutes: p.minutes.0 }).collect(),
        })
    }
}

/// `POST /exchanges`: provider(s) gave time to receiver(s). The amount is
/// `hours` or `minutes`, exactly one.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewExchange {
    /// Member codes (as text, so a bad one is answered `bad_member_code`).
    pub providers: Vec<String>,
    pub receivers: Vec<String>,
    /// Hours each provider gave: "1.5", "1:30", or a JSON number. Any JSON
    /// is taken here, so that anything else is answered `bad_hours` with
    /// what to write instead.
    #[serde(default)]
    pub hours: Option<Value>,
    /// Or the same in whole minutes.
    #[serde(default)]
    pub minutes: Option<i64>,
    #[serde(default)]
    pub category: String,
    #[serde(default)]
    pub note: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub date: Option<String>,
    /// The caller's reference: a retried request with the same one records once.
    #[serde(default)]
    pub client_ref: Option<String>,
}

/// What `POST /exchanges` recorded: an exchange within this bank (201), or,
/// with another bank's member, a transfer pending until that bank decides
/// (202). Serialized as the view itself, with no wrapper.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Recorded {
    /// First: only a transfer carries `"kind": "transfer"`.
    Transfer(TransferView),
    Exchange(ExchangeView),
}

/// `POST /exchanges/{id}/reverse`: why the exchange is undone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReverseRequest {
    pub reason: String,
}

/// `GET /exchanges?order=&cursor=&limit=`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExchangeQuery {
    /// Most exchanges in the page (see [`super::page::MAX_PAGE_ITEMS`]).
    pub limit: Option<usize>,
    /// "oldest" for journal order; newest first otherwise.
    pub order: Option<String>,
    /// The `next` of the page before (see [`super::Page`]).
    pub cursor: Option<String>,
}
