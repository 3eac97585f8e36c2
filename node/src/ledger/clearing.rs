//! Clearing a ring of debts (`protocol::clearing`) as each bank on the
//! ring decides it.
//!
//! ```text
//!  proposer                 each bank on the ring, in the way's order           proposer again
//!  ProposeClearing ─► ClearingPromised
//!    signed Clearing ─► ReceiveTransfer ─► ClearingPromised (checks its two debts) ─► ... ─► ReceiveTransfer
//!                                          or ClearingSettled, rejected (signed)          ─► ClearingSettled, accepted
//!   ◄──────────── the proposer's signed decision, by any route (answers bank by bank, gossip) ──
//!  ApplyDecision ─► ClearingSettled at every bank: what it owes the bank it owes and what the
//!                   bank that owes it owes it both go down by the amount; members untouched
//! ```
//!
//! Only the proposer accepts, when its proposal comes back round (every
//! bank has promised by then); a rejection signed by a bank the proposal
//! reached after us releases our promise. Nothing is decided by a timeout.

use amser_protocol::clearing::Clearing;
use amser_protocol::federation::{Decision, RejectReason, TransferId, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::{BankId, Minutes};

use super::decide::{Context, Ruling};
use super::transfer::{bad, signed, verify};
use super::{LedgerError, LedgerRead, RingRecord};

/// This bank proposes cancelling `minutes` off the ring of debts `ring`
/// (`ring[0]` is this bank; each owes the next, the last owes us).
pub(super) fn propose(
    view: &impl LedgerRead,
    profile: &BankProfile,
    ring: Vec<BankId>,
    minutes: Minutes,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let clearing = Clearing { proposer: profile.bank, ring, minutes, proposed_ms: ctx.now_ms };
    clearing.check_shape().map_err(LedgerError::BadRing)?;
    if let Some(reason) = refusal(view, profile, &clearing)? {
        return Err(LedgerError::BadRing(reason.to_string()));
    }
    let id = clearing.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    if view.ring(&id)?.is_some() {
        return Ok(Ruling::KnownTransfer(id));
    }
    let signed = signed(ctx, MessageKind::Clearing, clearing.encode().map_err(|e| LedgerError::Storage(e.to_string()))?)?;
    Ok(Ruling::Append(EntryBody::ClearingPromised { clearing, signed }))
}

/// A clearing delivered by `delivered_by`, the bank before us on its way:
/// promised (or refused, signed) by a bank on the ring; decided by its
/// proposer when it comes back round. `decline` is this bank's choice not
/// to take part in clearing (`[federation] clearing = "decline"`).
pub(super) fn receive(
    view: &impl LedgerRead,
    profile: &BankProfile,
    signed_clearing: SignedMessage,
    delivered_by: BankId,
    decline: bool,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let verified = verify(&signed_clearing, ctx, MessageKind::Clearing)?;
    let clearing = Clearing::decode(&verified.body).map_err(bad)?;
    if verified.signer != clearing.proposer {
        return Err(bad("a clearing must be signed by the bank that proposes it"));
    }
    clearing.check_shape().map_err(bad)?;
    let way = clearing.way();
    // The bank before us on the way: for the proposer, the last bank the proposal reached.
    let before = if clearing.proposer == profile.bank {
        way[way.len() - 2]
    } else {
        let at = way[..way.len() - 1]
            .iter()
            .position(|b| *b == profile.bank)
            .ok_or_else(|| bad("this clearing's ring does not pass through this bank"))?;
        way[at - 1]
    };
    if delivered_by != before {
        return Err(bad("a clearing must be delivered by the bank before us on its way"));
    }
    let id = clearing.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    let known = view.ring(&id)?;
    if clearing.proposer == profile.bank {
        // Back round: every bank on the ring has promised. We decide, once.
        let Some(ours) = known else { return Err(bad("a clearing this bank never proposed")) };
        if !ours.is_pending() {
            return Ok(Ruling::KnownTransfer(id));
        }
        let verdict = match refusal(view, profile, &clearing)? {
            None => Verdict::Accept,
            Some(reason) => Verdict::Reject(reason),
        };
        return decided(profile, ctx, clearing, signed_clearing, id, verdict);
    }
    if known.is_some() {
        return Ok(Ruling::KnownTransfer(id));
    }
    let reason = if decline { Some(RejectReason::ClearingDeclined) } else { refusal(view, profile, &clearing)? };
    match reason {
        None => Ok(Ruling::Append(EntryBody::ClearingPromised { clearing, signed: signed_clearing })),
        Some(reason) => decided(profile, ctx, clearing, signed_clearing, id, Verdict::Reject(reason)),
    }
}

/// Our signed decision on a clearing: the proposer's (accept or reject), or our refusal.
fn decided(
    profile: &BankProfile,
    ctx: &Context,
    clearing: Clearing,
    signed_clearing: SignedMessage,
    id: TransferId,
    verdict: Verdict,
) -> Result<Ruling, LedgerError> {
    let decision = Decision { transfer: id, by: profile.bank, verdict, decided_ms: ctx.now_ms };
    let signed_decision = signed(ctx, MessageKind::Decision, decision.encode().map_err(|e| LedgerError::Storage(e.to_string()))?)?;
    Ok(Ruling::Append(EntryBody::ClearingSettled { clearing, signed: signed_clearing, decision, signed_decision }))
}

/// Why this bank will not take part in `clearing`, if it will not: a line
/// with a neighbour on the ring is not admitted or is frozen, or we owe the
/// bank we owe, or are owed by the bank that owes us, less than the amount
/// once the other clearings in flight here over the same debt are counted
/// (two clearings racing on one line never cancel more than it holds).
fn refusal(view: &impl LedgerRead, profile: &BankProfile, clearing: &Clearing) -> Result<Option<RejectReason>, LedgerError> {
    let n = clearing.neighbours(&profile.bank).ok_or_else(|| bad("this clearing's ring does not pass through this bank"))?;
    for bank in [n.owes, n.owed_by] {
        match view.peer(&bank)? {
            Some(line) if line.frozen => return Ok(Some(RejectReason::Frozen)),
            Some(line) if !line.removed => {}
            _ => return Ok(Some(RejectReason::Malformed(super::route::NEXT_NOT_ADMITTED.into()))),
        }
    }
    // Our clearing account for a bank is what we owe it (what it owes us when below zero).
    let (mut we_owe, mut owed_to_us) = (view.clearing(&n.owes)?.0, -view.clearing(&n.owed_by)?.0);
    let id = clearing.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    for other in view.rings_in_flight()?.into_iter().filter(|r| r.id != id) {
        let Some(theirs) = other.clearing.neighbours(&profile.bank) else { continue };
        if theirs.owes == n.owes {
            we_owe -= other.clearing.minutes.0;
        }
        if theirs.owed_by == n.owed_by {
            owed_to_us -= other.clearing.minutes.0;
        }
    }
    let least = we_owe.min(owed_to_us);
    if least < clearing.minutes.0 {
        return Ok(Some(RejectReason::ClearingTooLarge { owed_minutes: least.max(0) }));
    }
    Ok(None)
}

/// Whether `decision` (verified, by `decision.by`) settles our pending
/// clearing `record`: an acceptance only from its proposer, a rejection from
/// any bank the proposal reached after us.
pub(super) fn settles(record: &RingRecord, us: &BankId, decision: &Decision) -> Result<(), LedgerError> {
    let ok = match decision.verdict {
        Verdict::Accept => decision.by == record.clearing.proposer,
        Verdict::Reject(_) => record.clearing.reached_after(&decision.by, us),
    };
    if !ok {
        return Err(bad("a decision on a clearing from a bank that may not decide it here"));
    }
    Ok(())
}
