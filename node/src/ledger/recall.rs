//! Recovery after a lost disk: the bank's journal was put back from an older
//! copy, and its peers hold heads it signed past the copy's end.
//!
//! ```text
//!  Recover { peers_saw } ─► Recovered (numbered past every head the peers hold)
//!  Recall { transfer, decision } ─► as first signed, read back from the other bank:
//!     ours, sent, unknown here ─────► TransferRecalled (payer debited, clearing credited, if accepted)
//!     ours, sent, pending here ─────► TransferSettled (as its decision would have settled it)
//!     theirs, decided by us, unknown ► TransferRecalled (payee credited, clearing debited, if accepted)
//!     known and decided ────────────► nothing
//!  routed (the signed RoutedTransfer and the decision that ended it), for a bank on its way
//!  up to the bank that decided it:
//!     unknown here ─────────────────► RoutedRecalled (as it settled at the payer's bank or a hop,
//!                                      or as the payee's bank or a refusing hop decided it)
//!     sent or carried, pending here ► TransferSettled
//! ```
//!
//! Nothing is decided again: every statement is put back with the bytes it
//! was first signed with (a new decision on an old transfer would be a
//! second verdict, evidence against us), and limits are not checked (what
//! was signed was signed). A member who joined after the copy is lost with
//! it; a recalled transfer moves their hours under their code all the same,
//! so every ledger still sums to zero.

use amser_protocol::federation::{Decision, Transfer, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::route::{Place, RoutedTransfer};
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::BankId;

use super::decide::{Context, Ruling};
use super::transfer::{bad, verify};
use super::{Command, LedgerError, LedgerRead, TransferRole};

/// Decides `Recover` and `Recall`.
pub fn decide(view: &impl LedgerRead, profile: &BankProfile, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    match command {
        Command::Recover { peers_saw } => {
            let journal_ended = view.head()?.0;
            if peers_saw <= journal_ended {
                return Err(bad(format!("the journal reaches entry {journal_ended}: no peer holds a head past it ({peers_saw})")));
            }
            Ok(Ruling::Append(EntryBody::Recovered { journal_ended, peers_saw }))
        }
        Command::Recall { transfer: signed, decision: None, from } => passed_on(view, profile, signed, from, ctx),
        Command::Recall { transfer: signed, decision: Some(signed_decision), .. } => {
            if signed.verify(ctx.federation).is_ok_and(|v| v.kind == MessageKind::RoutedTransfer) {
                return routed(view, profile, signed, signed_decision, ctx);
            }
            let t = verify(&signed, ctx, MessageKind::Transfer)?;
            let transfer = Transfer::decode(&t.body).map_err(bad)?;
            let d = verify(&signed_decision, ctx, MessageKind::Decision)?;
            let decision = Decision::decode(&d.body).map_err(bad)?;
            let id = transfer.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
            if t.signer != transfer.from || d.signer != decision.by || decision.by != transfer.to || decision.transfer != id {
                return Err(bad("a recalled transfer must be signed by its payer's bank and decided by its payee's"));
            }
            if transfer.from != profile.bank && transfer.to != profile.bank {
                return Err(bad("a recalled transfer must be one of this bank's own"));
            }
            match view.transfer(&id)? {
                None => Ok(Ruling::Append(EntryBody::TransferRecalled { transfer, signed, decision, signed_decision })),
                Some(r) if r.role == TransferRole::Outgoing && r.decision.is_none() => {
                    Ok(Ruling::Append(EntryBody::TransferSettled { transfer: id, decision, signed_decision }))
                }
                Some(_) => Ok(Ruling::KnownTransfer(id)),
            }
        }
        _ => Err(LedgerError::Storage("not a recovery command".into())),
    }
}

/// A routed transfer we had passed on to `from` (as its payer's bank or a
/// hop), which holds it undecided: held again here as it was (the payer's
/// hours, or our line with the bank before), never decided afresh, since
/// the bank after us may accept it. Known here: nothing to do.
fn passed_on(
    view: &impl LedgerRead,
    profile: &BankProfile,
    signed: SignedMessage,
    from: BankId,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let v = verify(&signed, ctx, MessageKind::RoutedTransfer)?;
    let routed = RoutedTransfer::decode(&v.body).map_err(bad)?;
    if v.signer != routed.transfer.from {
        return Err(bad("a routed transfer must be signed by its payer's bank"));
    }
    routed.check_shape().map_err(bad)?;
    let id = routed.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    if view.transfer(&id)?.is_some() {
        return Ok(Ruling::KnownTransfer(id));
    }
    match routed.place_of(&profile.bank) {
        Some(Place::Payer { next }) if next == from => Ok(Ruling::Append(EntryBody::RoutedSent { routed, signed, note: None })),
        Some(Place::Hop { after, .. }) if after == from => Ok(Ruling::Append(EntryBody::TransferForwarded { routed, signed })),
        _ => Err(bad("a routed transfer this bank did not pass on to the bank that holds it")),
    }
}

/// A routed transfer read back: signed by its payer's bank, decided by its
/// payee's bank (or refused by a hop), and this bank on its way up to the
/// bank that decided it.
fn routed(
    view: &impl LedgerRead,
    profile: &BankProfile,
    signed: SignedMessage,
    signed_decision: SignedMessage,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let t = verify(&signed, ctx, MessageKind::RoutedTransfer)?;
    let routed = RoutedTransfer::decode(&t.body).map_err(bad)?;
    routed.check_shape().map_err(bad)?;
    let d = verify(&signed_decision, ctx, MessageKind::Decision)?;
    let decision = Decision::decode(&d.body).map_err(bad)?;
    let id = routed.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    let may_decide = match decision.verdict {
        Verdict::Accept => decision.by == routed.transfer.to,
        Verdict::Reject(_) => routed.is_after(&decision.by, &routed.transfer.from),
    };
    if t.signer != routed.transfer.from || d.signer != decision.by || decision.transfer != id || !may_decide {
        return Err(bad("a recalled routed transfer must be signed by its payer's bank and decided by its payee's or a refusing hop"));
    }
    let position = |bank: &amser_protocol::BankId| routed.path.iter().position(|b| b == bank);
    match (position(&profile.bank), position(&decision.by)) {
        (Some(at), Some(by)) if at <= by => {}
        _ => return Err(bad("a recalled routed transfer must have reached this bank on its way")),
    }
    match view.transfer(&id)? {
        None => Ok(Ruling::Append(EntryBody::RoutedRecalled { routed, signed, decision, signed_decision })),
        Some(r) if r.role != TransferRole::Incoming && r.decision.is_none() => {
            super::route::settles(&r, &profile.bank, &decision)?;
            Ok(Ruling::Append(EntryBody::TransferSettled { transfer: id, decision, signed_decision }))
        }
        Some(_) => Ok(Ruling::KnownTransfer(id)),
    }
}
