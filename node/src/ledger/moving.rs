//! A member moving to another bank: their balance goes with them as one
//! signed transfer (category `moving`) to the bank they join, decided
//! there like any other (its trust line and the new code's ceiling apply),
//! and their code here is marked `moved`, pointing at the new one. A
//! member who owes hours settles here first; one with transfers still in
//! flight waits for them.
//!
//! ```text
//!  MoveMember ─► MemberMoved (status moved, mv:<code> → new code; balance > 0: TransferSent's hold and record)
//!     └─► the transfer is delivered, decided and settled as any other (transfer.rs)
//! ```

use amser_protocol::federation::Transfer;
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::signing::MessageKind;
use amser_protocol::{MemberCode, MemberStatus, Minutes, ServiceDate};

use super::decide::{Context, Ruling};
use super::transfer::{nonce_of, signed};
use super::{LedgerError, LedgerRead};

/// The category of the transfer that takes a moving member's balance along.
pub const MOVING_CATEGORY: &str = "moving";

/// `member` moves to another bank, where their code is `to`.
pub(super) fn decide(
    view: &impl LedgerRead,
    profile: &BankProfile,
    member: MemberCode,
    to: MemberCode,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let record = view.member(&member)?.ok_or_else(|| LedgerError::UnknownMember(member.clone()))?;
    if record.is_erased() {
        return Err(LedgerError::MemberErased(member));
    }
    if matches!(record.status, MemberStatus::Left | MemberStatus::Moved) {
        return Err(LedgerError::MemberNotActive { code: member, status: record.status.to_string() });
    }
    if to.handle() == profile.handle.as_str() {
        return Err(LedgerError::CannotMove(format!("{to} is a code of this bank; give the code the member has at the bank they join")));
    }
    let peer = view.peer_by_handle(to.handle())?.ok_or_else(|| LedgerError::UnknownPeer(to.handle().to_string()))?;
    if peer.frozen {
        return Err(LedgerError::PeerFrozen(to.handle().to_string()));
    }
    let (balance, held) = (view.balance(&member)?, view.hold(&member)?);
    if held.0 != 0 {
        return Err(LedgerError::CannotMove(format!(
            "{member} has {held} hours in transfers with other banks not yet decided; move them once `amser transfer list` shows those settled"
        )));
    }
    if balance.0 < 0 {
        return Err(LedgerError::CannotMove(format!(
            "{member} owes {} hours here; settle that with the bank first (an exchange, or hours from a fund), then move them",
            Minutes(-balance.0)
        )));
    }
    let (transfer, signed_transfer) = if balance.0 > 0 {
        let nonce = nonce_of(&format!("move:{member}:{to}"));
        let transfer = Transfer {
            from: profile.bank,
            to: peer.bank,
            payer: member.clone(),
            payee: to.clone(),
            minutes: balance,
            category: MOVING_CATEGORY.into(),
            date: ServiceDate::today(ctx.now_ms),
            nonce,
        };
        let body = transfer.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
        let signed = signed(ctx, MessageKind::Transfer, body)?;
        (Some(transfer), Some(signed))
    } else {
        (None, None)
    };
    Ok(Ruling::Append(EntryBody::MemberMoved { member, to, transfer, signed: signed_transfer }))
}
