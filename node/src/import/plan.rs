//! A file's rows against the register as it is: which members are new and
//! which were imported before (their file id is in the register), which
//! exchanges are already recorded (their client reference, derived from the
//! row, gives the same exchange id), the bank's fund for TimeOverflow's
//! ID 0 (found, or to be added once), every row that cannot be taken and
//! why, and whose balance the history leaves beyond today's limits. The
//! dry run and the import make the same plan; only the import submits it.

use std::collections::{BTreeMap, HashMap};

use amser_protocol::ids::hash_with;
use amser_protocol::policy::Limits;
use amser_protocol::{BankId, ExchangeId, MemberCode, MemberKind, MemberStatus, Minutes, ServiceDate};
use serde::{Deserialize, Serialize};

use super::problem::{Column, Problem, Reason};
use super::{ExchangeRow, Format, MemberRow, Parsed, Party, EXCHANGE_REF_HEX_CHARS, EXCHANGE_REF_PREFIX};
use crate::ledger::LedgerError;

/// The blake3 context of an imported row's client reference.
const ROW_CONTEXT: &str = "amser/v1 import-row";
/// The register's id of the bank's own account in TimeOverflow.
pub const FUND_SOURCE: &str = "timeoverflow:0";

/// A member of the register, as the plan needs them.
#[derive(Debug, Clone)]
pub struct Registered {
    pub name: String,
    pub status: MemberStatus,
    pub limits: Limits,
    pub balance: Minutes,
}

/// The register as the import finds it.
#[derive(Debug, Clone)]
pub struct Register {
    pub bank: BankId,
    pub handle: String,
    /// The bank's name, for a fund the file does not name.
    pub bank_name: String,
    pub members: HashMap<MemberCode, Registered>,
    /// Members imported before, by their file id (`timeoverflow:12`).
    pub sources: HashMap<String, MemberCode>,
    /// The limits a new fund (a group) gets.
    pub group_limits: Limits,
}

/// One side of a planned exchange.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Member(MemberCode),
    /// The fund this import adds first.
    NewFund,
}

/// An exchange to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedExchange {
    pub line: u64,
    pub date: ServiceDate,
    pub provider: Side,
    pub receiver: Side,
    pub minutes: Minutes,
    pub category: String,
    pub note: String,
    pub client_ref: String,
}

/// What a members file would do.
#[derive(Debug, Default)]
pub struct MembersPlan {
    pub add: Vec<MemberRow>,
    /// Lines whose member the register already has, and their code.
    pub already: Vec<(u64, MemberCode)>,
    pub problems: Vec<Problem>,
}

/// What an exchanges file would do.
#[derive(Debug, Default)]
pub struct ExchangesPlan {
    pub record: Vec<PlannedExchange>,
    /// Lines already recorded by an earlier run.
    pub already: Vec<u64>,
    /// The fund to add for the bank's own account, named so.
    pub new_fund: Option<String>,
    pub beyond: Vec<Beyond>,
    pub problems: Vec<Problem>,
}

/// A member whose balance the history leaves outside today's limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Beyond {
    pub member: Side,
    pub name: String,
    pub balance_after: Minutes,
    pub floor: Minutes,
    pub ceiling: Minutes,
}

/// Plans a members file.
pub fn members(parsed: Parsed<MemberRow>, register: &Register) -> MembersPlan {
    let mut plan = MembersPlan { problems: parsed.problems, ..Default::default() };
    for row in parsed.rows {
        match register.sources.get(&row.source) {
            Some(code) => plan.already.push((row.line, code.clone())),
            None => plan.add.push(row),
        }
    }
    plan.problems.sort_by_key(|p| p.line);
    plan
}

/// Plans an exchanges file; `recorded` says whether an exchange id is in the ledger.
pub fn exchanges(
    parsed: Parsed<ExchangeRow>,
    format: Format,
    register: &Register,
    recorded: &dyn Fn(&ExchangeId) -> Result<bool, LedgerError>,
) -> Result<ExchangesPlan, LedgerError> {
    let mut plan = ExchangesPlan { problems: parsed.problems, ..Default::default() };
    let mut seen: HashMap<Vec<String>, u32> = HashMap::new();
    for row in parsed.rows {
        let occurrence = seen.entry(row.cells.clone()).or_insert(0);
        *occurrence += 1;
        let client_ref = client_ref(format, &row.cells, *occurrence);
        let provider = side(Column::Provider, &row.provider, register, &mut plan.new_fund);
        let receiver = side(Column::Receiver, &row.receiver, register, &mut plan.new_fund);
        let (provider, receiver) = match (provider, receiver) {
            (Ok(p), Ok(r)) if p == r => {
                plan.problems.push(Problem::at(row.line, Reason::SameMember { id: shown(&row.provider) }));
                continue;
            }
            (Ok(p), Ok(r)) => (p, r),
            (p, r) => {
                plan.problems.extend([p.err(), r.err()].into_iter().flatten().map(|reason| Problem::at(row.line, reason)));
                continue;
            }
        };
        let category = crate::ledger::exchange_category(&row.category);
        if let (Side::Member(p), Side::Member(r)) = (&provider, &receiver) {
            let id = crate::ledger::exchange_id(
                &register.bank,
                std::slice::from_ref(p),
                std::slice::from_ref(r),
                row.minutes,
                &category,
                row.date,
                &client_ref,
            )?;
            if recorded(&id)? {
                plan.already.push(row.line);
                continue;
            }
        }
        plan.record.push(PlannedExchange {
            line: row.line,
            date: row.date,
            provider,
            receiver,
            minutes: row.minutes,
            category,
            note: row.note,
            client_ref,
        });
    }
    if plan.new_fund.as_deref() == Some("") {
        plan.new_fund = Some(register.bank_name.clone());
    }
    if plan.record.iter().all(|x| x.provider != Side::NewFund && x.receiver != Side::NewFund) {
        plan.new_fund = None;
    }
    plan.beyond = beyond(&plan, register);
    plan.problems.sort_by_key(|p| p.line);
    Ok(plan)
}

/// The client reference of a row: its layout, cells and how many times the
/// same cells came before in the file (two equal transfers on one day are two).
pub fn client_ref(format: Format, cells: &[String], occurrence: u32) -> String {
    let mut input = format.to_string().into_bytes();
    for cell in cells {
        input.push(0x1f);
        input.extend_from_slice(cell.as_bytes());
    }
    input.push(0x1e);
    input.extend_from_slice(&occurrence.to_le_bytes());
    let hex = hex::encode(hash_with(ROW_CONTEXT, &input));
    format!("{EXCHANGE_REF_PREFIX}{}", &hex[..EXCHANGE_REF_HEX_CHARS])
}

/// A party as the register knows them, or why not.
fn side(column: Column, party: &Party, register: &Register, new_fund: &mut Option<String>) -> Result<Side, Reason> {
    let code = match party {
        Party::Fund { name } => match register.sources.get(FUND_SOURCE) {
            Some(code) => code.clone(),
            None => {
                if new_fund.as_deref().is_none_or(str::is_empty) {
                    *new_fund = Some(name.clone());
                }
                return Ok(Side::NewFund);
            }
        },
        Party::Source(source) => register.sources.get(source).cloned().ok_or_else(|| Reason::UnknownMember { column, id: shown(party) })?,
        Party::Code(code) if code.handle() != register.handle => {
            return Err(Reason::OtherBank { column, code: code.to_string() });
        }
        Party::Code(code) => code.clone(),
    };
    let Some(member) = register.members.get(&code) else {
        return Err(Reason::UnknownMember { column, id: code.to_string() });
    };
    if member.status != MemberStatus::Active {
        return Err(Reason::NotActive { column, code: code.to_string(), status: member.status.to_string() });
    }
    Ok(Side::Member(code))
}

/// A party as the file wrote it.
fn shown(party: &Party) -> String {
    match party {
        Party::Source(s) => s.split_once(':').map(|(_, id)| id).unwrap_or(s).to_string(),
        Party::Code(c) => c.to_string(),
        Party::Fund { .. } => super::timeoverflow::BANK_ACCOUNT_ID.to_string(),
    }
}

/// Everyone whose balance after the planned exchanges is outside their limits.
fn beyond(plan: &ExchangesPlan, register: &Register) -> Vec<Beyond> {
    let mut moves: BTreeMap<&Side, i64> = BTreeMap::new();
    for x in &plan.record {
        *moves.entry(&x.provider).or_default() += x.minutes.0;
        *moves.entry(&x.receiver).or_default() -= x.minutes.0;
    }
    let mut out = Vec::new();
    for (who, change) in moves {
        let (name, balance, limits) = match who {
            Side::NewFund => (plan.new_fund.clone().unwrap_or_default(), Minutes::ZERO, register.group_limits),
            Side::Member(code) => match register.members.get(code) {
                Some(m) => (m.name.clone(), m.balance, m.limits),
                None => continue,
            },
        };
        let after = Minutes(balance.0.saturating_add(change));
        if !limits.allows(after) {
            out.push(Beyond { member: who.clone(), name, balance_after: after, floor: limits.floor, ceiling: limits.ceiling });
        }
    }
    out.sort_by_key(|b| b.name.to_lowercase());
    out
}

/// The kind of member a new fund is.
pub const FUND_KIND: MemberKind = MemberKind::Group;

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
