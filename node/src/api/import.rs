//! `POST /import/members` and `POST /import/exchanges` (DESIGN.md §1d): the
//! CSV file is the body, `?format=timeoverflow|generic&dry_run=true`. The
//! file is read and planned against the register in one read of committed
//! state ([`crate::import`]); a dry run answers the plan, an import with
//! any problem answers it too and writes nothing, and an import without one
//! submits the plan: members one by one in the file's order, then the fund
//! (once), then the exchanges, [`IMPORT_IN_FLIGHT`] at a time so they share
//! journal syncs. [`run`] is the whole of it, for the console as well;
//! one import writes at a time.

use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, ServiceDate};
use axum::body::Bytes;
use axum::extract::State;
use axum::Json;

use super::{ApiError, AppState, Params, COORDINATOR};
use crate::import::plan::{self, Beyond, Registered, FUND_KIND, FUND_SOURCE};
use crate::import::{ExchangesPlan, Format, Kind, MembersPlan, PlannedExchange, Problem, Register, Side, MAX_PROBLEMS_LISTED};
use crate::ledger::{Command, LedgerRead};
use crate::model::member::details_of;
use crate::model::{BeyondView, FundView, ImportQuery, ImportReport, ImportedMember};
use crate::storage::store::Store;
use crate::storage::writer::Reply;

/// How many imported exchanges are submitted at once (they share journal syncs).
pub const IMPORT_IN_FLIGHT: usize = 64;
/// What `recorded_by` says after the account's name, so imported history
/// is told apart from exchanges recorded here.
pub const IMPORTED_BY_SUFFIX: &str = " (import)";
/// The largest body `POST /import/*` takes: the largest file, and room for
/// the console's form around it.
pub const MAX_IMPORT_BODY_BYTES: usize = crate::import::MAX_IMPORT_BYTES + 64 * 1024;

pub async fn members(State(state): State<AppState>, Params(q): Params<ImportQuery>, body: Bytes) -> Result<Json<ImportReport>, ApiError> {
    Ok(Json(run(&state, Kind::Members, q.format.unwrap_or(Format::Timeoverflow), body.to_vec(), q.dry_run, COORDINATOR).await?))
}

pub async fn exchanges(State(state): State<AppState>, Params(q): Params<ImportQuery>, body: Bytes) -> Result<Json<ImportReport>, ApiError> {
    Ok(Json(run(&state, Kind::Exchanges, q.format.unwrap_or(Format::Timeoverflow), body.to_vec(), q.dry_run, COORDINATOR).await?))
}

/// One import writes at a time on a node: a second one waits, then plans
/// against what the first wrote (so the same file sent twice at once still
/// adds its members once). Dry runs do not wait.
static ONE_IMPORT_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// Reads, plans and (unless `dry_run` or a problem) imports a file, as `who`.
pub async fn run(state: &AppState, kind: Kind, format: Format, file: Vec<u8>, dry_run: bool, who: &str) -> Result<ImportReport, ApiError> {
    let _writing = if dry_run { None } else { Some(ONE_IMPORT_AT_A_TIME.lock().await) };
    let today = ServiceDate::today(state.clock.now_ms());
    let keys = state.keys();
    let recorded_by = format!("{who}{IMPORTED_BY_SUFFIX}");
    match kind {
        Kind::Members => {
            let (plan, register) = state
                .read(move |store| {
                    let register = register(store, &keys)?;
                    let parsed = crate::import::parse_members(&file, format, today);
                    Ok((plan::members(parsed, &register), register))
                })
                .await?;
            let mut report = members_report(format, dry_run, &plan, &register);
            if dry_run || !report.problems.is_empty() {
                return Ok(report);
            }
            for (row, shown) in plan.add.into_iter().zip(report.members.iter_mut()) {
                let code = add_member(state, row.profile, row.joined).await.map_err(|e| stopped(row.line, e, report.written))?;
                shown.code = Some(code.to_string());
                report.written = true;
            }
            Ok(report)
        }
        Kind::Exchanges => {
            let (plan, register) = state
                .read(move |store| {
                    let register = register(store, &keys)?;
                    let parsed = crate::import::parse_exchanges(&file, format, today);
                    let recorded = |id: &amser_protocol::ExchangeId| Ok(store.exchange(id)?.is_some());
                    Ok((plan::exchanges(parsed, format, &register, &recorded)?, register))
                })
                .await?;
            let mut report = exchanges_report(format, dry_run, &plan, &register);
            if dry_run || !report.problems.is_empty() {
                return Ok(report);
            }
            let fund = match &plan.new_fund {
                None => None,
                Some(name) => {
                    let mut profile = MemberProfile::new(name.clone(), FUND_KIND);
                    profile.special_needs = FUND_SOURCE.to_string();
                    let first = plan.record.first().map(|x| x.line).unwrap_or(0);
                    let code = add_member(state, profile, None).await.map_err(|e| stopped(first, e, false))?;
                    if let Some(f) = report.fund.as_mut() {
                        f.code = Some(code.to_string());
                    }
                    for b in report.beyond_limits.iter_mut().filter(|b| b.code.is_none()) {
                        b.code = Some(code.to_string());
                    }
                    report.written = true;
                    Some(code)
                }
            };
            record_all(state, plan.record, fund, &recorded_by, &mut report).await?;
            Ok(report)
        }
    }
}

/// The register as the import needs it: every member's name, standing,
/// limits and balance, and those imported before by their file id (a line
/// `timeoverflow:12` in the coordinator's notes).
fn register(store: &Store, keys: &crate::storage::keys::KeyRing) -> Result<Register, ApiError> {
    let profile = store.profile()?.ok_or_else(|| ApiError::internal("the bank is not open"))?;
    let policy = store.policy()?;
    let mut register = Register {
        bank: profile.bank,
        handle: profile.handle.to_string(),
        bank_name: profile.name,
        members: Default::default(),
        sources: Default::default(),
        group_limits: policy.group,
    };
    let mut failed = None;
    store.for_each_member(|m| {
        if failed.is_some() || m.is_erased() {
            return;
        }
        let details = match details_of(&m, keys) {
            Ok(d) => d,
            Err(e) => return failed = Some(ApiError::from(e)),
        };
        let balance = match store.balance(&m.code) {
            Ok(b) => b,
            Err(e) => return failed = Some(ApiError::from(e)),
        };
        for line in details.special_needs.lines().map(str::trim) {
            if line.starts_with(crate::import::timeoverflow::SOURCE_PREFIX) || line.starts_with(crate::import::generic::SOURCE_PREFIX) {
                register.sources.entry(line.to_string()).or_insert_with(|| m.code.clone());
            }
        }
        let limits = m.own_limits.unwrap_or_else(|| policy.limits_for(m.kind));
        register.members.insert(m.code.clone(), Registered { name: details.name, status: m.status, limits, balance });
    })?;
    match failed {
        Some(e) => Err(e),
        None => Ok(register),
    }
}

async fn add_member(state: &AppState, profile: MemberProfile, joined: Option<ServiceDate>) -> Result<MemberCode, ApiError> {
    match state.ledger.submit(Command::AddMember { profile, joined }).await? {
        Reply::Member(m) => Ok(m.code),
        other => Err(ApiError::internal(format!("unexpected reply {other:?}"))),
    }
}

/// Submits the planned exchanges, [`IMPORT_IN_FLIGHT`] at a time.
async fn record_all(
    state: &AppState,
    record: Vec<PlannedExchange>,
    fund: Option<MemberCode>,
    recorded_by: &str,
    report: &mut ImportReport,
) -> Result<(), ApiError> {
    let code = |side: Side| match side {
        Side::Member(c) => Ok(c),
        Side::NewFund => fund.clone().ok_or_else(|| ApiError::internal("an exchange with a fund that was not added")),
    };
    let mut rows = record.into_iter();
    loop {
        let mut batch = tokio::task::JoinSet::new();
        for x in rows.by_ref().take(IMPORT_IN_FLIGHT) {
            let command = Command::ImportExchange {
                providers: vec![code(x.provider)?],
                receivers: vec![code(x.receiver)?],
                minutes_each: x.minutes,
                category: x.category,
                note: x.note,
                date: x.date,
                recorded_by: recorded_by.to_string(),
                client_ref: x.client_ref,
            };
            let ledger = state.ledger.clone();
            batch.spawn(async move { (x.line, ledger.submit(command).await) });
        }
        if batch.is_empty() {
            return Ok(());
        }
        let mut first_refusal: Option<(u64, ApiError)> = None;
        while let Some(done) = batch.join_next().await {
            match done {
                Ok((_, Ok(_))) => report.written = true,
                Ok((line, Err(e))) => {
                    if first_refusal.as_ref().is_none_or(|(l, _)| line < *l) {
                        first_refusal = Some((line, ApiError::from(e)));
                    }
                }
                Err(e) => first_refusal = first_refusal.or(Some((0, ApiError::internal(format!("an import task failed: {e}"))))),
            }
        }
        if let Some((line, e)) = first_refusal {
            return Err(stopped(line, e, report.written));
        }
    }
}

/// The ledger refused a row the plan had found good (the register changed
/// meanwhile, or the disk failed): say which, and that running the same
/// file again finishes the import without writing anything twice.
fn stopped(line: u64, e: ApiError, written: bool) -> ApiError {
    let before = if written { "some rows before it were written; " } else { "" };
    ApiError::new(
        e.status,
        e.code,
        format!("the import stopped at line {line}: {}; {before}fix that and import the same file again: rows already written are not written twice", e.message),
    )
}

fn listed(mut problems: Vec<Problem>) -> (Vec<Problem>, usize) {
    let more = problems.len().saturating_sub(MAX_PROBLEMS_LISTED);
    problems.truncate(MAX_PROBLEMS_LISTED);
    (problems, more)
}

fn members_report(format: Format, dry_run: bool, plan: &MembersPlan, register: &Register) -> ImportReport {
    let (problems, more_problems) = listed(plan.problems.clone());
    let mut members: Vec<ImportedMember> = plan
        .add
        .iter()
        .map(|r| ImportedMember { line: r.line, source: r.source.clone(), name: r.profile.name.clone(), code: None })
        .collect();
    let already = plan.already.iter().map(|(line, code)| ImportedMember {
        line: *line,
        source: String::new(),
        name: register.members.get(code).map(|m| m.name.clone()).unwrap_or_default(),
        code: Some(code.to_string()),
    });
    let already_count = plan.already.len();
    let before: Vec<ImportedMember> = already.collect();
    members.extend(before);
    ImportReport {
        kind: Kind::Members,
        format,
        dry_run,
        problems,
        more_problems,
        new: plan.add.len(),
        already: already_count,
        written: false,
        fund: None,
        beyond_limits: Vec::new(),
        members,
    }
}

fn exchanges_report(format: Format, dry_run: bool, plan: &ExchangesPlan, register: &Register) -> ImportReport {
    let (problems, more_problems) = listed(plan.problems.clone());
    let fund = match &plan.new_fund {
        Some(name) => Some(FundView { name: name.clone(), code: None, new: true }),
        None => register.sources.get(FUND_SOURCE).map(|code| FundView {
            name: register.members.get(code).map(|m| m.name.clone()).unwrap_or_default(),
            code: Some(code.to_string()),
            new: false,
        }),
    };
    let beyond_limits = plan.beyond.iter().map(beyond_view).collect();
    ImportReport {
        kind: Kind::Exchanges,
        format,
        dry_run,
        problems,
        more_problems,
        new: plan.record.len(),
        already: plan.already.len(),
        written: false,
        fund,
        beyond_limits,
        members: Vec::new(),
    }
}

fn beyond_view(b: &Beyond) -> BeyondView {
    BeyondView {
        code: match &b.member {
            Side::Member(c) => Some(c.to_string()),
            Side::NewFund => None,
        },
        name: b.name.clone(),
        balance_minutes: b.balance_after.0,
        floor_minutes: b.floor.0,
        ceiling_minutes: b.ceiling.0,
    }
}
