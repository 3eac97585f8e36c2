//! The invariants of DESIGN.md §4, as the simulator checks them: [`step`]
//! after every step (under faults, mid-flight), [`end`] once the federation
//! is quiescent. Each message starts with the invariant's number. What is
//! said of two banks holds between honest ones: a hostile bank's own ledger
//! runs the same rules and is checked alone, but what it told others may
//! disagree with it.

use std::collections::{BTreeMap, BTreeSet};
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
/// - (9) each line hold is the sum of the routed transfers the bank before passed us, pending here;
/// - each clearing account is the sum of the transfers settled with that peer, direct or as
///   the bank before or after us on a path (none counted twice);
/// - (3) hours move for a transfer by one decision, once, however many decisions arrive;
/// - (8) each piece of evidence is recorded once, a line it froze stays frozen until the
///   coordinator unfreezes it, and no honest bank is accused;
/// - (6) nothing signed by a key nobody admitted is kept;
/// - (3, 4) between honest banks: a payer's bank settles only on the decision the payee's bank
///   durably holds, and a payee's bank holds only transfers the payer's bank durably sent: no
///   message reveals an entry a crash could still take back; a bank on a routed transfer's way
///   holds it only if the bank before it does, settles it only on the decision the bank that
///   decided it holds, and no bank after a hop that refused it knows it (see [`agreement`]).
pub fn step(world: &World) -> Result<(), String> {
    for (i, bank) in world.banks.iter().enumerate() {
        let state = &bank.state;
        ensure!(state.sum() == 0, "1. bank {i}'s accounts sum to {} instead of zero", state.sum());
        if world.honest(i) {
            journal_order(world, i)?;
        }
        let mut held: BTreeMap<&MemberCode, i64> = BTreeMap::new();
        let mut line_held: BTreeMap<BankId, i64> = BTreeMap::new();
        let mut clearing: BTreeMap<BankId, i64> = BTreeMap::new();
        for t in state.transfers.values() {
            let minutes = t.transfer.minutes.0;
            let accepted = t.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept);
            let (before, after) = (t.before(&bank.id), t.after(&bank.id));
            let beside =
                |b: Option<BankId>| b.ok_or_else(|| format!("6. bank {i} keeps transfer {:?}, whose way does not pass through it", t.id));
            match t.role {
                TransferRole::Outgoing => {
                    if t.is_pending() {
                        *held.entry(&t.transfer.payer).or_default() += minutes;
                    } else if accepted {
                        *clearing.entry(beside(after)?).or_default() += minutes;
                    }
                }
                TransferRole::Incoming => {
                    if accepted {
                        *clearing.entry(beside(before)?).or_default() -= minutes;
                    }
                }
                // A hop: while pending its line with the bank before is held; accepted,
                // the bank before comes to owe it, and it the bank after.
                TransferRole::Forwarded => {
                    if t.is_pending() {
                        *line_held.entry(beside(before)?).or_default() += minutes;
                    } else if accepted {
                        *clearing.entry(beside(before)?).or_default() -= minutes;
                        *clearing.entry(beside(after)?).or_default() += minutes;
                    }
                }
            }
        }
        for (peer, hold) in &state.line_holds {
            let expected = line_held.get(peer).copied().unwrap_or(0);
            ensure!(
                hold.0 == expected,
                "9. bank {i} holds {} minutes on its line with {peer}, whose routed transfers pending here come to {expected}: \
                 a hop keeps hours",
                hold.0
            );
        }
        for (peer, expected) in &line_held {
            let hold = state.line_holds.get(peer).map_or(0, |m| m.0);
            ensure!(
                hold == *expected,
                "9. bank {i} holds {hold} minutes on its line with {peer}, whose routed transfers pending here come to {expected}"
            );
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
    agreement(world, false)
}

/// What bank `i`'s journal says in order (`history.rs`), for an honest bank.
fn journal_order(world: &World, i: usize) -> Result<(), String> {
    let bank = &world.banks[i];
    let (state, history) = (&bank.state, &bank.history);
    if let Some((id, n)) = history.decided_twice {
        return Err(format!("3. bank {i} applied {n} decisions to transfer {id:?}: hours move by one decision, once"));
    }
    if let Some(against) = history.evidence_twice {
        return Err(format!("8. bank {i} recorded one piece of evidence against {against} twice: it froze the line again"));
    }
    for against in &history.frozen_by_evidence {
        ensure!(
            state.peers.get(against).is_some_and(|p| p.frozen),
            "8. bank {i} recorded evidence against {against}, and its line is open though no coordinator unfroze it since"
        );
    }
    for (b, other) in world.banks.iter().enumerate().filter(|(b, _)| world.honest(*b)) {
        ensure!(
            !history.accused.contains(&other.id),
            "8. bank {i} holds evidence against bank {b}, an honest bank{}",
            if other.lost_disks > 0 { " whose disk was lost: it signed a second history" } else { "" }
        );
    }
    for (against, _) in &state.evidence {
        ensure!(
            state.peers.contains_key(against),
            "6. bank {i} keeps evidence against {against}, a bank it never admitted: a stranger's statement made it store something"
        );
    }
    Ok(())
}

/// (3, 4, 9) Between honest banks, for every transfer, direct or along a
/// path (its way: `[payer's bank, hops..., payee's bank]`):
/// - the bank before us on its way, which delivered it, knows it (it was durable there);
/// - a decision we hold is the one the bank that made it holds (durable there), and that
///   bank is us or after us on the way: the payee's bank, or a hop that refused it;
/// - no bank after a hop that refused it knows it (the hop never passed it on);
/// - quiescent (`strict`), every bank on its way up to the one that decided it holds it,
///   decided the same: it settled at every hop or at none.
///
/// Under way (`strict` false), a bank whose disk was lost may not have read
/// back yet what the others hold (`recovery.rs`). A transfer the hostile bank
/// decided two ways may be settled two ways by honest banks: the evidence
/// freezes its lines, and people sort it out.
fn agreement(world: &World, strict: bool) -> Result<(), String> {
    let banks = &world.banks;
    let index = |id: &BankId| banks.iter().position(|b| &b.id == id);
    let waits_to_read_back = |o: usize| !strict && banks[o].lost_disks > 0;
    for (i, bank) in banks.iter().enumerate().filter(|(i, _)| world.honest(*i)) {
        for t in bank.state.transfers.values() {
            let way: Option<Vec<usize>> = t.banks().iter().map(index).collect();
            let Some(way) = way else { return Err(format!("6. bank {i} keeps transfer {:?} with a bank outside the federation", t.id)) };
            let Some(at) = way.iter().position(|b| *b == i) else {
                return Err(format!("6. bank {i} keeps transfer {:?}, whose way does not pass through it", t.id));
            };
            if at > 0 {
                let o = way[at - 1];
                ensure!(
                    !world.honest(o) || waits_to_read_back(o) || banks[o].state.transfers.contains_key(&t.id),
                    "3. bank {i} holds transfer {:?} that bank {o}, the bank before it on its way, does not know: \
                     it was sent before it was durable",
                    t.id
                );
            }
            let Some(decision) = &t.decision else { continue };
            let Some(by) = way.iter().position(|b| banks[*b].id == decision.by) else {
                return Err(format!("3. bank {i} settled transfer {:?} on a decision by a bank not on its way", t.id));
            };
            ensure!(by >= at, "3. bank {i} settled transfer {:?} on a decision by bank {}, before it on its way", t.id, way[by]);
            let decider = way[by];
            if world.lied_on(&t.id) || !world.honest(decider) {
                continue;
            }
            for &o in &way[by + 1..] {
                ensure!(
                    !world.honest(o) || !banks[o].state.transfers.contains_key(&t.id),
                    "9. bank {o} knows transfer {:?}, which bank {decider} before it on its way refused to pass on",
                    t.id
                );
            }
            let upto = if strict { &way[..=by] } else { std::slice::from_ref(&decider) };
            for &o in upto.iter().filter(|o| **o != i && world.honest(**o)) {
                match banks[o].state.transfers.get(&t.id) {
                    None if waits_to_read_back(o) => {}
                    None if o == decider => {
                        return Err(format!(
                            "3. bank {i} settled transfer {:?} on a decision from bank {o}, which does not know the transfer: \
                             the decision was sent before it was durable",
                            t.id
                        ))
                    }
                    None => return Err(format!("9. transfer {:?} was settled at bank {i} and is unknown at bank {o}, on its way", t.id)),
                    Some(theirs) => ensure!(
                        theirs.decision.as_ref() == Some(decision) && theirs.signed_decision == t.signed_decision,
                        "{}. banks {i} and {o} disagree on transfer {:?}: decided {:?} at {} ms here, {:?} there",
                        if t.path.is_empty() { 3 } else { 9 },
                        t.id,
                        decision.verdict,
                        decision.decided_ms,
                        theirs.decision.as_ref().map(|d| (&d.verdict, d.decided_ms))
                    ),
                }
            }
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

/// Checked once the federation is quiescent (healed, nothing in flight, nothing unsynced,
/// every lost disk read back):
/// - (3) every transfer ended, the same way on both sides of every honest pair, and every
///   transfer a peer holds with a bank that lost its disk is back in that bank's ledger;
/// - no hold is left, on a member or on a line;
/// - (2) each pair's clearing accounts are exact opposites, and equal the transfers accepted on
///   their line (direct, or as two banks next to each other on a path); across the federation
///   the clearing accounts sum to zero (so do members' balances: no hours created or lost);
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
        if let Some((peer, hold)) = bank.state.line_holds.iter().find(|(_, h)| h.0 != 0) {
            return Err(format!("9. bank {i} still holds {} minutes on its line with {peer} with nothing pending", hold.0));
        }
        acknowledged_kept(world, i)?;
        bank.audit(scratch, world.mutation).map_err(|e| format!("8. bank {i}: {e}"))?;
    }
    agreement(world, true)?;
    for ((b, client_ref), attempts) in &world.by_client_ref {
        let kept = attempts.iter().filter(|r| is_kept(&banks[*b].state, r)).count();
        ensure!(kept <= 1, "4. bank {b} recorded the request with client reference {client_ref} {kept} times");
    }
    // Minutes accepted by the payee's bank, per line on their way (the bank before, the bank after);
    // the lines on the way of a transfer the hostile bank decided two ways are excused.
    let mut accepted: BTreeMap<(usize, usize), i64> = BTreeMap::new();
    let mut excused: BTreeSet<(usize, usize)> = BTreeSet::new();
    let index = |id: &BankId| banks.iter().position(|b| &b.id == id).ok_or("a transfer with a bank outside the federation");
    for bank in banks {
        for t in bank.state.transfers.values() {
            let lied = world.lied_on(&t.id);
            if !lied && t.role != TransferRole::Incoming {
                continue;
            }
            let way = t.banks().iter().map(index).collect::<Result<Vec<usize>, _>>()?;
            for line in way.windows(2) {
                if lied {
                    excused.insert((line[0].min(line[1]), line[0].max(line[1])));
                } else if t.decision.as_ref().is_some_and(|d| d.verdict == Verdict::Accept) {
                    *accepted.entry((line[0], line[1])).or_default() += t.transfer.minutes.0;
                }
            }
        }
    }
    if world.no_lies() {
        let total: i64 = banks.iter().flat_map(|b| b.state.clearing.values()).map(|m| m.0).sum();
        ensure!(total == 0, "2. the federation's clearing accounts sum to {total}: hours were created or lost between banks");
    }
    for a in (0..banks.len()).filter(|a| world.honest(*a)) {
        for b in (a + 1..banks.len()).filter(|b| world.honest(*b) && !excused.contains(&(a, *b))) {
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
