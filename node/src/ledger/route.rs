//! A transfer along a path of trust lines (`protocol::route`) as each bank
//! on the path decides it. Direct transfers are in `transfer.rs`; the
//! payer's checks are the same (`transfer::prepare`).
//!
//! ```text
//!  payer's bank          hop (one or more)                          payee's bank
//!  SendRouted ─► RoutedSent (hold payer)
//!    signed RoutedTransfer ─► ReceiveTransfer ─► TransferForwarded
//!                              (line with the bank before held)
//!                              passes the same signed bytes on ─►  ReceiveTransfer ─► RoutedDecided
//!                                                                   accept: payee +m, clearing[bank before] -m
//!   ◄──────────── the payee bank's signed decision, by any route (answers hop by hop, gossip) ──
//!  ApplyDecision ─► TransferSettled at every bank before the payee's:
//!    accept: payer -m, clearing[next] +m  |  hop: clearing[before] -m, clearing[after] +m
//!    reject: holds released
//! ```
//!
//! Only the payee's bank accepts. A hop that cannot carry the transfer
//! signs a rejection instead of passing it on (`RoutedDecided` with a
//! reject, nothing held), and a rejection signed by any bank after us on
//! the path releases our hold. Nothing is ever decided by a timeout
//! (docs/DESIGN.md §2c).

use amser_protocol::federation::{Decision, PeerLine, RejectReason, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::route::{Place, RoutedTransfer};
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::BankId;

use super::decide::{Context, Ruling};
use super::transfer::{bad, judge, prepare, signed, Prepared, Send};
use super::{LedgerError, LedgerRead, TransferRecord, TransferRole};

/// Our member pays a member of the bank at the end of `path`, through the banks on it.
pub(super) fn send(
    view: &impl LedgerRead,
    profile: &BankProfile,
    send: Send,
    path: Vec<BankId>,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    if path.first() != Some(&profile.bank) {
        return Err(LedgerError::BadPath("it does not start at this bank".into()));
    }
    let Some(&next) = path.get(1) else { return Err(LedgerError::BadPath("it names no other bank".into())) };
    let Some(&to) = path.last() else { return Err(LedgerError::BadPath("it is empty".into())) };
    let first = view.peer(&next)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(next))?;
    let (transfer, note) = match prepare(view, profile, ctx, send, &first, to, RoutedTransfer::id_of)? {
        Prepared::Known(id) => return Ok(Ruling::KnownTransfer(id)),
        Prepared::Ready(transfer, note) => (transfer, note),
    };
    let routed = RoutedTransfer { transfer, path };
    routed.check_shape().map_err(LedgerError::BadPath)?;
    let signed = signed(ctx, MessageKind::RoutedTransfer, routed.encode().map_err(|e| LedgerError::Storage(e.to_string()))?)?;
    Ok(Ruling::Append(EntryBody::RoutedSent { routed, signed, note }))
}

/// A routed transfer delivered by `delivered_by`: as a hop we hold it and
/// pass it on (or refuse it, signed); as the payee's bank we decide it.
pub(super) fn receive(
    view: &impl LedgerRead,
    profile: &BankProfile,
    signed_transfer: SignedMessage,
    delivered_by: BankId,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let verified = super::transfer::verify(&signed_transfer, ctx, MessageKind::RoutedTransfer)?;
    let routed = RoutedTransfer::decode(&verified.body).map_err(bad)?;
    if verified.signer != routed.transfer.from {
        return Err(bad("a routed transfer must be signed by the payer's own bank"));
    }
    routed.check_shape().map_err(bad)?;
    let (before, after) = match routed.place_of(&profile.bank) {
        Some(Place::Hop { before, after }) => (before, Some(after)),
        Some(Place::Payee { before }) => (before, None),
        Some(Place::Payer { .. }) | None => return Err(bad("this routed transfer does not pass through this bank")),
    };
    if delivered_by != before {
        return Err(bad("a routed transfer must be delivered by the bank before us on its path"));
    }
    // As for a direct transfer: one already decided or held is answered as it
    // stands, whatever the admission of the bank before is now.
    // A payer's bank signs one path per transfer; two (a hostile payer's) get one answer,
    // for the first to arrive: the bank that brings the other is refused, and keeps its hold.
    let id = routed.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
    if let Some(known) = view.transfer(&id)? {
        if known.path != routed.path {
            return Err(bad("this transfer already came along another path"));
        }
        return Ok(Ruling::KnownTransfer(id));
    }
    let line = view.peer(&before)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(before))?;
    let refusal = match after {
        Some(after) => carry(view, &line, &routed, after)?,
        // The payee bank judges as for a direct transfer from the bank before it.
        None => judge(view, profile, &line, &routed.transfer)?,
    };
    let verdict = match (refusal, after) {
        (None, Some(_)) => return Ok(Ruling::Append(EntryBody::TransferForwarded { routed, signed: signed_transfer })),
        (None, None) => Verdict::Accept,
        (Some(reason), _) => Verdict::Reject(reason),
    };
    let decision = Decision { transfer: id, by: profile.bank, verdict, decided_ms: ctx.now_ms };
    let signed_decision = signed(ctx, MessageKind::Decision, decision.encode().map_err(|e| LedgerError::Storage(e.to_string()))?)?;
    Ok(Ruling::Append(EntryBody::RoutedDecided { routed, signed: signed_transfer, decision, signed_decision }))
}

/// Why a hop refuses to carry `routed` from the bank before it (`line`) to
/// `after`, if it does: the line is frozen, full with what it owes and what
/// is held on it, or over its most for one transfer; or `after` is not a
/// bank we admitted, or its line is frozen.
fn carry(view: &impl LedgerRead, line: &PeerLine, routed: &RoutedTransfer, after: BankId) -> Result<Option<RejectReason>, LedgerError> {
    let minutes = routed.transfer.minutes;
    if amser_protocol::category::check_transfer_category(&routed.transfer.category).is_err() {
        return Ok(Some(RejectReason::Malformed(amser_protocol::category::NOT_IN_VOCABULARY.into())));
    }
    if line.frozen {
        return Ok(Some(RejectReason::Frozen));
    }
    match view.peer(&after)? {
        Some(next) if !next.removed && !next.frozen => {}
        Some(next) if next.frozen => return Ok(Some(RejectReason::Frozen)),
        _ => return Ok(Some(RejectReason::Malformed(NEXT_NOT_ADMITTED.into()))),
    }
    if let Some(max) = line.max_transfer {
        if minutes > max {
            return Ok(Some(RejectReason::OverTransferMaximum { max_minutes: max.0 }));
        }
    }
    let owed = view.owed_on_line(&line.bank)?.0;
    if owed + minutes.0 > line.trust.0 {
        return Ok(Some(RejectReason::TrustLineFull { trust_minutes: line.trust.0, owed_minutes: owed }));
    }
    Ok(None)
}

/// The fixed reason a hop gives when the bank after it on the path is not
/// one it admitted (signed and gossiped, so it names no bank).
pub const NEXT_NOT_ADMITTED: &str = "the next bank on its path has no trust line with this bank";

/// Whether `decision` (already verified, by `by`) settles our pending
/// record of a routed transfer: an acceptance only from the payee's bank, a
/// rejection from any bank after us on the path.
pub(super) fn settles(record: &TransferRecord, us: &BankId, decision: &Decision) -> Result<(), LedgerError> {
    let routed = RoutedTransfer { transfer: record.transfer.clone(), path: record.path.clone() };
    let ok = match decision.verdict {
        Verdict::Accept => decision.by == record.transfer.to,
        Verdict::Reject(_) => routed.is_after(&decision.by, us),
    };
    if !matches!(record.role, TransferRole::Outgoing | TransferRole::Forwarded) || !ok {
        return Err(bad("a decision on a routed transfer from a bank that may not decide it here"));
    }
    Ok(())
}
