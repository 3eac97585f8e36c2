//! Reports for funders and coordinators: hours exchanged, active members,
//! and the same by category, by month and by agency; [`report`] for the
//! CLI and the API, [`period_report`] over chosen months for the console.

use std::collections::{BTreeMap, BTreeSet};

use amser_protocol::{MemberCode, MemberKind, ServiceDate};

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{ExchangeRecord, LedgerRead};
use crate::model::member::details_of;
use crate::model::{AgencyTally, MonthFigures, Months, PeriodReport, Report, Tally};
use crate::storage::store::{Store, StoreError};

/// Builds the report as of `today`; `active_months` overrides the policy's window.
pub fn report(store: &Store, keys: &dyn MemberKeys, today: ServiceDate, active_months: Option<u32>) -> Result<Report, StoreError> {
    let profile = store.profile().map_err(|e| StoreError::Damaged(e.to_string()))?;
    let policy = store.policy().map_err(|e| StoreError::Damaged(e.to_string()))?;
    let months = active_months.unwrap_or(policy.active_months);
    let since = today.months_before(months);
    // One member at a time: the report keeps agencies' names and counts, not the register.
    let (mut agencies, mut members, mut members_by_status) = (BTreeMap::new(), 0usize, BTreeMap::new());
    let mut unreadable = None;
    store.for_each_member(|m| {
        members += 1;
        *members_by_status.entry(m.status.to_string()).or_insert(0) += 1;
        if m.kind == MemberKind::Agency {
            match details_of(&m, keys) {
                Ok(d) => {
                    agencies.insert(m.code, d.name);
                }
                Err(e) => unreadable = Some(e),
            }
        }
    })?;
    if let Some(e) = unreadable {
        return Err(StoreError::Damaged(e.to_string()));
    }
    let agencies: BTreeMap<MemberCode, String> = agencies;
    let mut total = Tally::default();
    let mut active = BTreeSet::new();
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_month: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_agency: BTreeMap<MemberCode, AgencyTally> = BTreeMap::new();
    store.for_each_exchange(|record: ExchangeRecord| {
        if record.reversed.is_some() {
            return;
        }
        let x = &record.exchange;
        let given = x.minutes_each.0 * x.providers.len() as i64;
        total.add(given);
        by_category.entry(x.category.clone()).or_default().add(given);
        by_month.entry(x.date.month()).or_default().add(given);
        if x.date >= since {
            active.extend(x.postings.iter().map(|p| p.member.clone()));
        }
        count_agencies(&record, &agencies, &mut by_agency);
    })?;
    Ok(Report {
        bank: profile.map(|p| p.name).unwrap_or_default(),
        as_of: today.to_string(),
        total,
        active_members: active.len(),
        active_since: since.to_string(),
        active_months: months,
        members,
        members_by_status,
        by_category,
        by_month,
        by_agency: by_agency.into_values().collect(),
    })
}

/// What `record` gave and received at each agency of `agencies`, added to `by_agency`.
fn count_agencies(record: &ExchangeRecord, agencies: &BTreeMap<MemberCode, String>, by_agency: &mut BTreeMap<MemberCode, AgencyTally>) {
    for p in &record.exchange.postings {
        if let Some(name) = agencies.get(&p.member) {
            let t = by_agency.entry(p.member.clone()).or_insert_with(|| AgencyTally {
                code: p.member.clone(),
                name: name.clone(),
                minutes_given: 0,
                minutes_received: 0,
                exchanges: 0,
            });
            t.exchanges += 1;
            if p.minutes.0 > 0 {
                t.minutes_given += p.minutes.0;
            } else {
                t.minutes_received -= p.minutes.0;
            }
        }
    }
}

/// The report over the months of `period`: exchanges not reversed whose
/// service date is in it, by month, category and agency; who was active
/// in each month (gave or received in an exchange dated in it) and who
/// joined in it.
pub fn period_report(store: &Store, keys: &dyn MemberKeys, period: &Months) -> Result<PeriodReport, StoreError> {
    let profile = store.profile().map_err(|e| StoreError::Damaged(e.to_string()))?;
    let n = period.len();
    let mut new_members = vec![0usize; n];
    let mut agencies = BTreeMap::new();
    let mut unreadable = None;
    store.for_each_member(|m| {
        if let Some(i) = period.position(m.joined) {
            new_members[i] += 1;
        }
        if m.kind == MemberKind::Agency {
            match details_of(&m, keys) {
                Ok(d) => {
                    agencies.insert(m.code, d.name);
                }
                Err(e) => unreadable = Some(e),
            }
        }
    })?;
    if let Some(e) = unreadable {
        return Err(StoreError::Damaged(e.to_string()));
    }
    let mut total = Tally::default();
    let mut given = vec![Tally::default(); n];
    let mut active: Vec<BTreeSet<MemberCode>> = vec![BTreeSet::new(); n];
    let mut by_category: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_agency: BTreeMap<MemberCode, AgencyTally> = BTreeMap::new();
    store.for_each_exchange(|record: ExchangeRecord| {
        let Some(i) = period.position(record.exchange.date) else { return };
        if record.reversed.is_some() {
            return;
        }
        let x = &record.exchange;
        let minutes = x.minutes_each.0 * x.providers.len() as i64;
        total.add(minutes);
        given[i].add(minutes);
        by_category.entry(x.category.clone()).or_default().add(minutes);
        active[i].extend(x.postings.iter().map(|p| p.member.clone()));
        count_agencies(&record, &agencies, &mut by_agency);
    })?;
    let active_members = active.iter().flatten().collect::<BTreeSet<_>>().len();
    let months = period
        .keys()
        .into_iter()
        .zip(given)
        .zip(active.iter().zip(&new_members))
        .map(|((month, given), (active, new))| MonthFigures { month, given, active_members: active.len(), new_members: *new })
        .collect();
    Ok(PeriodReport {
        bank: profile.map(|p| p.name).unwrap_or_default(),
        from: period.first(),
        to: period.last_month(),
        total,
        active_members,
        new_members: new_members.iter().sum(),
        months,
        by_category,
        by_agency: by_agency.into_values().collect(),
    })
}
