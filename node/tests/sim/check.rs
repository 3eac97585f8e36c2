//! The invariants of DESIGN.md §4, as the simulator checks them: [`step`]
//! after every step (under faults, mid-flight), [`end`] once the federation
//! is quiescent. Each message starts with the invariant's number.

use std::collections::BTreeMap;
use std::path::Path;

use amser_node::ledger::{LedgerError, MemState, TransferRole};
use amser_protocol::federation::Verdict;
use amser_protocol::{BankId, MemberCode};

use super::bank::Recorded;
use super::World;

macro_rules! ensure {
    ($cond:expr, $($why:tt)+) => {
        if !$cond {
            return Err(format!($($why)+));
        }
    };
}

/// Checked after every step, whatever is in flight:
/// - (1) each bank's accounts sum to zero;
/// - each hold is the sum of its member's pending outgoing transfers (none outlives its transfer);
/// - each clearing account is the sum of the transfers settled with that peer (none counted twice);
/// - (3, 4) a payer's bank settles only on the decision the payee's bank durably holds, and a
///   payee's bank holds only transfers the payer's bank durably sent: no message reveals an entry
///   a crash could still take back.
pub fn step(world: &World) -> Result<(), String> {
    let banks = &world.banks;
    let index =
        |id: &BankId| banks.iter().position(|b| &b.id == id).ok_or_else(|| format!("a transfer names a bank outside the federation: {id}"));
    for (i, bank) in banks.iter().enumerate() {
        let state = &bank.state;
        ensure!(state.sum() == 0, "1. bank {i}'s accounts sum to {} instead of zero", state.sum());
        let mut held: BTreeMap<&MemberCode, i64> = BTreeMap::new();
        let mut clearing: BTreeMap<BankId, i64> = BTreeMap::new();
        for t in state.transfers.values() {
            let minutes = t.transfer.minutes.0;
            let accepted = t.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept);
            match t.role {
                TransferRole::Outgoing => {
                    let Some(decision) = &t.decision else {
                        *held.entry(&t.transfer.payer).or_default() += minutes;
                        continue;
                    };
                    if accepted {
                        *clearing.entry(t.transfer.to).or_default() += minutes;
                    }
                    let payee_bank = index(&t.transfer.to)?;
                    match banks[payee_bank].state.transfers.get(&t.id) {
                        None => {
                            return Err(format!(
                                "3. bank {i} settled transfer {:?} on a decision from bank {payee_bank}, which does not know the transfer: \
                                 the decision was sent before it was durable",
                                t.id
                            ))
                        }
                        Some(theirs) => ensure!(
                            theirs.role == TransferRole::Incoming && theirs.decision.as_ref() == Some(decision),
                            "3. banks {i} and {payee_bank} disagree on transfer {:?}: decided {:?} at {} ms here, {:?} there",
                            t.id,
                            decision.verdict,
                            decision.decided_ms,
                            theirs.decision.as_ref().map(|d| (&d.verdict, d.decided_ms))
                        ),
                    }
                }
                TransferRole::Incoming => {
                    if accepted {
                        *clearing.entry(t.transfer.from).or_default() -= minutes;
                    }
                    let payer_bank = index(&t.transfer.from)?;
                    let theirs = banks[payer_bank].state.transfers.get(&t.id);
                    ensure!(
                        theirs.is_some_and(|r| r.role == TransferRole::Outgoing),
                        "3. bank {i} decided transfer {:?} that bank {payer_bank}, its payer's bank, does not know: it was sent before it was durable",
                        t.id
                    );
                }
            }
        }
        for (code, hold) in &state.holds {
            let expected = held.get(code).copied().unwrap_or(0);
            ensure!(hold.0 == expected, "bank {i} holds {} minutes of {code}, whose pending transfers come to {expected}", hold.0);
        }
        for (code, expected) in &held {
            let hold = state.holds.get(*code).map_or(0, |m| m.0);
            ensure!(hold == *expected, "bank {i} holds {hold} minutes of {code}, whose pending transfers come to {expected}");
        }
        for (peer, minutes) in &state.clearing {
            let expected = clearing.get(peer).copied().unwrap_or(0);
            ensure!(
                minutes.0 == expected,
                "3. bank {i}'s clearing account for {peer} is {}, its settled transfers come to {expected}",
                minutes.0
            );
        }
        for (peer, expected) in &clearing {
            let minutes = state.clearing.get(peer).map_or(0, |m| m.0);
            ensure!(
                minutes == *expected,
                "3. bank {i}'s clearing account for {peer} is {minutes}, its settled transfers come to {expected}"
            );
        }
    }
    Ok(())
}

/// (4) Every exchange and transfer acknowledged to a user at bank `b` is still there (after a crash).
pub fn acknowledged_kept(world: &World, b: usize) -> Result<(), String> {
    let state = &world.banks[b].state;
    for recorded in &world.acknowledged[b] {
        ensure!(is_kept(state, recorded), "4. bank {b} lost {recorded:?}, which it had acknowledged");
    }
    Ok(())
}

/// A request refused when its user retried it: the refusal must be true,
/// so nothing an earlier attempt wrote under its client reference may be kept.
pub fn refusal_recorded_nothing(world: &World, b: usize, client_ref: &str, refusal: &LedgerError) -> Result<(), String> {
    let state = &world.banks[b].state;
    for recorded in world.by_client_ref.get(&(b, client_ref.to_string())).into_iter().flatten() {
        ensure!(
            !is_kept(state, recorded),
            "4. bank {b} refused a retried request ({refusal}) that an earlier attempt had recorded as {recorded:?}"
        );
    }
    Ok(())
}

fn is_kept(state: &MemState, recorded: &Recorded) -> bool {
    match recorded {
        Recorded::Exchange(id) => state.exchanges.contains_key(id),
        Recorded::Transfer(id) => state.transfers.contains_key(id),
    }
}

/// Checked once the federation is quiescent (healed, nothing in flight, nothing unsynced):
/// - (3) every transfer ended, the same way on both sides (with [`step`]'s agreement check);
/// - no hold is left;
/// - (2) each pair's clearing accounts are exact opposites, and equal the transfers accepted between them;
/// - (4) everything acknowledged is there, and a request retried with a client reference is recorded once;
/// - (8) every bank's journal verifies end to end and replays to exactly the bank's state.
pub fn end(world: &World, scratch: &Path) -> Result<(), String> {
    let banks = &world.banks;
    for (i, bank) in banks.iter().enumerate() {
        if let Some(t) = bank.state.transfers.values().find(|t| t.is_pending()) {
            return Err(format!("3. transfer {:?} at bank {i} never ended", t.id));
        }
        if let Some((code, hold)) = bank.state.holds.iter().find(|(_, h)| h.0 != 0) {
            return Err(format!("bank {i} still holds {} minutes of {code} with nothing pending", hold.0));
        }
        acknowledged_kept(world, i)?;
        bank.audit(scratch, world.mutation).map_err(|e| format!("8. bank {i}: {e}"))?;
    }
    for ((b, client_ref), attempts) in &world.by_client_ref {
        let kept = attempts.iter().filter(|r| is_kept(&banks[*b].state, r)).count();
        ensure!(kept <= 1, "4. bank {b} recorded the request with client reference {client_ref} {kept} times");
    }
    // Minutes accepted by the payee's bank, per (payer's bank, payee's bank).
    let mut accepted: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    for (to, bank) in banks.iter().enumerate() {
        for t in bank.state.transfers.values().filter(|t| t.role == TransferRole::Incoming) {
            if t.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept) {
                let from = banks.iter().position(|b| b.id == t.transfer.from).ok_or("a transfer from outside the federation")?;
                *accepted.entry((from, to)).or_default() += t.transfer.minutes.0;
            }
        }
    }
    for a in 0..banks.len() {
        for b in a + 1..banks.len() {
            let at_a = banks[a].state.clearing.get(&banks[b].id).map_or(0, |m| m.0);
            let at_b = banks[b].state.clearing.get(&banks[a].id).map_or(0, |m| m.0);
            ensure!(at_a == -at_b, "2. the clearing accounts of banks {a} ({at_a}) and {b} ({at_b}) are not opposites");
            let owed = accepted.get(&(a, b)).copied().unwrap_or(0) - accepted.get(&(b, a)).copied().unwrap_or(0);
            ensure!(
                at_a == owed,
                "2. bank {a}'s clearing account for bank {b} is {at_a}; the transfers accepted between them come to {owed}"
            );
        }
    }
    Ok(())
}
