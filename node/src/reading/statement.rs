//! A member's statement over a period of months: the balance brought in,
//! every exchange and accepted transfer with another bank dated in the
//! period with the balance after it, and the balance carried out. Figures
//! come from the same postings as the member's balance, so the closing
//! balance of a period that ends this month is their balance now.
//!
//! The rule, said on the statement: lines are in order of service date
//! (then of recording); an exchange later reversed is listed but counts
//! nothing; a transfer counts once the other bank accepted it.

use amser_protocol::{MemberCode, Minutes, ServiceDate};

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{ExchangeRecord, LedgerRead, TransferRole};
use crate::model::member::details_of;
use crate::model::Months;
use crate::storage::store::{Store, StoreError};

/// Exchanges read from the store at a time while a statement is built.
const EXCHANGES_READ_AT_ONCE: usize = 500;
/// The most lines one statement lists; the balances stay exact beyond it.
pub const MAX_STATEMENT_LINES: usize = 5_000;

/// Someone on the other side of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Party {
    pub code: MemberCode,
    /// Their name; `None` for another bank's member or an erased member.
    pub name: Option<String>,
}

/// What a line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// The member gave their time.
    Gave,
    /// The member received time.
    Received,
    /// An exchange that was reversed afterwards: it counts nothing.
    Reversed,
}

/// One line of a statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatementLine {
    pub date: ServiceDate,
    pub kind: LineKind,
    /// Who gave to, or received from, the member.
    pub others: Vec<Party>,
    /// Signed: earned (+) or spent (−); zero for a reversed exchange.
    pub minutes: Minutes,
    pub category: String,
    /// With another bank's member.
    pub other_bank: bool,
    /// The balance after this line.
    pub balance: Minutes,
}

/// A member's statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement {
    pub member: Party,
    pub opening: Minutes,
    pub lines: Vec<StatementLine>,
    pub closing: Minutes,
    /// Lines left off past [`MAX_STATEMENT_LINES`] (the closing balance counts them).
    pub left_off: usize,
}

/// One change to the member's balance, before the period sorts them.
struct Movement {
    date: ServiceDate,
    seq: u64,
    kind: LineKind,
    others: Vec<MemberCode>,
    minutes: i64,
    category: String,
    other_bank: bool,
}

fn damaged(e: impl std::fmt::Display) -> StoreError {
    StoreError::Damaged(e.to_string())
}

/// The party `code` of this bank, named if their details can be read.
fn party(store: &Store, keys: &dyn MemberKeys, code: &MemberCode) -> Result<Party, StoreError> {
    let name = match store.member(code).map_err(damaged)? {
        Some(m) if !m.is_erased() => Some(details_of(&m, keys).map_err(damaged)?.name),
        _ => None,
    };
    Ok(Party { code: code.clone(), name })
}

/// The movement `record` makes to `code`'s balance.
fn exchange_movement(code: &MemberCode, record: ExchangeRecord) -> Movement {
    let x = record.exchange;
    let minutes: i64 = x.postings.iter().filter(|p| &p.member == code).map(|p| p.minutes.0).sum();
    let gave = x.providers.contains(code);
    let others = if gave { x.receivers } else { x.providers };
    let kind = match (record.reversed.is_some(), gave) {
        (true, _) => LineKind::Reversed,
        (false, true) => LineKind::Gave,
        (false, false) => LineKind::Received,
    };
    Movement {
        date: x.date,
        seq: record.seq,
        kind,
        others: others.into_iter().filter(|o| o != code).collect(),
        minutes: if kind == LineKind::Reversed { 0 } else { minutes },
        category: x.category,
        other_bank: false,
    }
}

/// Every movement of `code`'s balance, in no particular order.
fn movements(store: &Store, code: &MemberCode) -> Result<Vec<Movement>, StoreError> {
    let mut out = Vec::new();
    let mut before = None;
    loop {
        let span = store.member_exchanges_page(code, before, EXCHANGES_READ_AT_ONCE)?;
        out.extend(span.items.into_iter().map(|r| exchange_movement(code, r)));
        match span.next {
            Some(next) => before = Some(next),
            None => break,
        }
    }
    store.for_each_transfer(|r| {
        if r.state() != "accepted" {
            return;
        }
        let t = r.transfer;
        let (ours, theirs, minutes, kind) = match r.role {
            TransferRole::Outgoing => (t.payer, t.payee, -t.minutes.0, LineKind::Received),
            TransferRole::Incoming => (t.payee, t.payer, t.minutes.0, LineKind::Gave),
            // A hop moves no member's hours.
            TransferRole::Forwarded => return,
        };
        if &ours == code {
            out.push(Movement { date: t.date, seq: r.seq, kind, others: vec![theirs], minutes, category: t.category, other_bank: true });
        }
    })?;
    Ok(out)
}

/// `code`'s statement over `period`; `None` if there is no such member.
pub fn statement(store: &Store, keys: &dyn MemberKeys, code: &MemberCode, period: &Months) -> Result<Option<Statement>, StoreError> {
    if store.member(code).map_err(damaged)?.is_none() {
        return Ok(None);
    }
    let member = party(store, keys, code)?;
    let mut all = movements(store, code)?;
    all.sort_by_key(|m| (m.date, m.seq));
    let opening: i64 = all.iter().filter(|m| period.is_before(m.date)).map(|m| m.minutes).sum();
    let mut balance = opening;
    let (mut lines, mut left_off) = (Vec::new(), 0);
    for m in all.into_iter().filter(|m| period.position(m.date).is_some()) {
        balance += m.minutes;
        if lines.len() >= MAX_STATEMENT_LINES {
            left_off += 1;
            continue;
        }
        let others = if m.other_bank {
            m.others.into_iter().map(|code| Party { code, name: None }).collect()
        } else {
            m.others.iter().map(|c| party(store, keys, c)).collect::<Result<_, _>>()?
        };
        lines.push(StatementLine {
            date: m.date,
            kind: m.kind,
            others,
            minutes: Minutes(m.minutes),
            category: m.category,
            other_bank: m.other_bank,
            balance: Minutes(balance),
        });
    }
    Ok(Some(Statement { member, opening: Minutes(opening), lines, closing: Minutes(balance), left_off }))
}
