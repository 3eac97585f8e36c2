//! What the API shows: members, exchanges and balances as JSON, with
//! minutes (exact) beside hours (for people).

use amser_protocol::policy::Limits;
use amser_protocol::{Member, MemberCode, Minutes};
use serde::{Deserialize, Serialize};

use crate::ledger::{ExchangeRecord, ListingRecord};

fn hours(m: Minutes) -> f64 {
    (m.0 as f64 / 60.0 * 100.0).round() / 100.0
}

/// Limits in whole minutes, as the API shows and takes them.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsView {
    pub floor_minutes: i64,
    pub ceiling_minutes: i64,
}

impl From<Limits> for LimitsView {
    fn from(l: Limits) -> Self {
        LimitsView { floor_minutes: l.floor.0, ceiling_minutes: l.ceiling.0 }
    }
}

impl From<LimitsView> for Limits {
    fn from(l: LimitsView) -> Self {
        Limits { floor: Minutes(l.floor_minutes), ceiling: Minutes(l.ceiling_minutes) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MemberView {
    pub code: MemberCode,
    pub name: String,
    pub kind: String,
    pub status: String,
    pub contact: String,
    pub skills_offered: Vec<String>,
    pub needs: Vec<String>,
    pub availability: String,
    pub special_needs: String,
    pub joined: String,
    pub own_limits: Option<LimitsView>,
    pub balance_minutes: i64,
    pub balance: String,
    pub balance_hours: f64,
}

impl MemberView {
    pub fn new(m: Member, balance: Minutes) -> Self {
        MemberView {
            code: m.code,
            name: m.profile.name,
            kind: m.profile.kind.to_string(),
            status: m.status.to_string(),
            contact: m.profile.contact,
            skills_offered: m.profile.skills_offered,
            needs: m.profile.needs,
            availability: m.profile.availability,
            special_needs: m.profile.special_needs,
            joined: m.joined.to_string(),
            own_limits: m.profile.own_limits.map(Into::into),
            balance_minutes: balance.0,
            balance: balance.to_string(),
            balance_hours: hours(balance),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct PostingView {
    pub member: MemberCode,
    pub minutes: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ExchangeView {
    pub id: String,
    pub seq: u64,
    pub date: String,
    pub providers: Vec<MemberCode>,
    pub receivers: Vec<MemberCode>,
    pub minutes_each: i64,
    pub hours_each: f64,
    pub total_minutes: i64,
    pub category: String,
    pub note: String,
    pub recorded_by: String,
    pub reversed: bool,
    pub reversal_reason: Option<String>,
    pub postings: Vec<PostingView>,
}

impl From<ExchangeRecord> for ExchangeView {
    fn from(r: ExchangeRecord) -> Self {
        let x = r.exchange;
        ExchangeView {
            id: x.id.to_hex(),
            seq: r.seq,
            date: x.date.to_string(),
            total_minutes: x.minutes_each.0 * x.providers.len() as i64,
            providers: x.providers,
            receivers: x.receivers,
            minutes_each: x.minutes_each.0,
            hours_each: hours(x.minutes_each),
            category: x.category,
            note: x.note,
            recorded_by: x.recorded_by,
            reversed: r.reversed.is_some(),
            reversal_reason: r.reversed.map(|(_, why)| why),
            postings: x.postings.into_iter().map(|p| PostingView { member: p.member, minutes: p.minutes.0 }).collect(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct BalanceView {
    pub code: MemberCode,
    pub name: String,
    pub minutes: i64,
    pub balance: String,
    pub hours: f64,
}

impl BalanceView {
    pub fn new(code: MemberCode, name: String, minutes: Minutes) -> Self {
        BalanceView { code, name, minutes: minutes.0, balance: minutes.to_string(), hours: hours(minutes) }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ListingView {
    pub id: String,
    pub kind: amser_protocol::listing::ListingKind,
    pub member: MemberCode,
    pub category: String,
    pub description: String,
    pub posted: String,
    pub open: bool,
}

impl From<ListingRecord> for ListingView {
    fn from(r: ListingRecord) -> Self {
        let l = r.listing;
        ListingView {
            id: l.id.to_hex(),
            kind: l.kind,
            member: l.member,
            category: l.category,
            description: l.description,
            posted: l.posted.to_string(),
            open: r.open,
        }
    }
}
