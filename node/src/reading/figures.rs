//! This bank's figures for one month, as it signs them for the federation
//! (`protocol::figures`): local exchanges dated in the month and not
//! reversed, the minutes given in them, the members who gave or received,
//! by the federation's category words (any other category counts as
//! "other": a coordinator's free text is never published), and the minutes
//! moved in accepted transfers with other banks. One pass over the
//! exchanges and one over the transfers.

use std::collections::{BTreeMap, BTreeSet};

use amser_protocol::category::{check_transfer_category, normalise};
use amser_protocol::federation::Verdict;
use amser_protocol::figures::{CategoryFigure, MonthlyTotals, OTHER_CATEGORY};
use amser_protocol::{BankId, MemberCode, Minutes};

use crate::ledger::TransferRole;
use crate::model::Months;
use crate::storage::store::{Store, StoreError};

/// The category word a local exchange's category is counted under.
fn published(category: &str) -> String {
    let slug = normalise(category);
    if check_transfer_category(&slug).is_ok() {
        slug
    } else {
        OTHER_CATEGORY.to_string()
    }
}

/// `bank`'s figures for `month` (`YYYY-MM`), to be signed at `now_ms`.
pub fn monthly_totals(store: &Store, bank: BankId, month: &str, now_ms: u64) -> Result<MonthlyTotals, StoreError> {
    let period = Months::parse(month, month).map_err(|e| StoreError::Damaged(format!("month {month}: {e}")))?;
    let (mut exchanges, mut minutes) = (0u64, 0i64);
    let mut active: BTreeSet<MemberCode> = BTreeSet::new();
    let mut by_category: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    store.for_each_exchange(|record| {
        if record.reversed.is_some() || period.position(record.exchange.date).is_none() {
            return;
        }
        let x = &record.exchange;
        let given = x.minutes_each.0 * x.providers.len() as i64;
        exchanges += 1;
        minutes += given;
        let c = by_category.entry(published(&x.category)).or_default();
        c.0 += 1;
        c.1 += given;
        active.extend(x.postings.iter().map(|p| p.member.clone()));
    })?;
    let (mut across_in, mut across_out) = (0i64, 0i64);
    store.for_each_transfer(|r| {
        let accepted = r.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept);
        if !accepted || period.position(r.transfer.date).is_none() {
            return;
        }
        match r.role {
            TransferRole::Incoming => across_in += r.transfer.minutes.0,
            TransferRole::Outgoing => across_out += r.transfer.minutes.0,
            TransferRole::Forwarded => {}
        }
    })?;
    Ok(MonthlyTotals {
        bank,
        month: month.to_string(),
        exchanges,
        minutes: Minutes(minutes),
        active_members: active.len() as u64,
        by_category: by_category
            .into_iter()
            .map(|(category, (exchanges, minutes))| CategoryFigure { category, exchanges, minutes: Minutes(minutes) })
            .collect(),
        across_banks_in: Minutes(across_in),
        across_banks_out: Minutes(across_out),
        signed_ms: now_ms,
    })
}
