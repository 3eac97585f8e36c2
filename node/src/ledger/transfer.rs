//! The transfer protocol's three steps as seen by one bank (admitting peers
//! is in `peer.rs`, evidence against them in `evidence.rs`).
//!
//! ```text
//!  payer's bank                                  payee's bank
//!  SendTransfer ─► TransferSent (hold payer)
//!                  signed Transfer ───────────►  ReceiveTransfer ─► TransferReceived
//!                                                 accept: payee +m, clearing[payer bank] -m
//!                  signed Decision ◄───────────  (same signed decision on every retry)
//!  ApplyDecision ─► TransferSettled
//!     accept: payer -m, clearing[payee bank] +m, hold released
//!     reject: hold released
//! ```
//!
//! Every step is idempotent on the transfer id: a retried, duplicated or
//! replayed message finds the transfer known and changes nothing.

use amser_protocol::category;
use amser_protocol::federation::TransferId;
use amser_protocol::federation::{Decision as PeerDecision, PeerLine, RejectReason, Transfer, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::limits::{MAX_CLIENT_REF_CHARS, MAX_LONG_TEXT_CHARS};
use amser_protocol::sealed::Sealed;
use amser_protocol::signing::{sign, MessageKind, SignedMessage, Verified};
use amser_protocol::text::check;
use amser_protocol::{BankId, MemberCode, MemberStatus, Minutes, ServiceDate};

use super::decide::{Context, Ruling, DEFAULT_CATEGORY, MAX_DAYS_AHEAD};
use super::privacy;
use super::{Command, LedgerError, LedgerRead, TransferRole};
use amser_protocol::sealed::Purpose;

pub(super) fn bad(e: impl std::fmt::Display) -> LedgerError {
    LedgerError::BadMessage(e.to_string())
}

pub(super) fn verify(signed: &SignedMessage, ctx: &Context, kind: MessageKind) -> Result<Verified, LedgerError> {
    let verified = signed.verify(ctx.federation).map_err(bad)?;
    if verified.kind != kind {
        return Err(bad(format!("expected a {} message, got a {}", kind.name(), verified.kind.name())));
    }
    Ok(verified)
}

pub(super) fn signed(ctx: &Context, kind: MessageKind, body: Vec<u8>) -> Result<SignedMessage, LedgerError> {
    sign(ctx.key, kind, ctx.federation, body).map_err(|e| LedgerError::Storage(e.to_string()))
}

/// Decides a transfer command: send, receive, or apply the payee bank's decision.
pub fn decide(view: &impl LedgerRead, profile: &BankProfile, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    match command {
        Command::SendTransfer { payer, payee, minutes, category, note, date, client_ref } => {
            let peer = view.peer_by_handle(payee.handle())?.ok_or_else(|| LedgerError::UnknownPeer(payee.handle().to_string()))?;
            let to = peer.bank;
            let send = Send { payer, payee, minutes, category, note, date, client_ref };
            let (transfer, note) = match prepare(view, profile, ctx, send, &peer, to, |t| t.id())? {
                Prepared::Known(id) => return Ok(Ruling::KnownTransfer(id)),
                Prepared::Ready(transfer, note) => (transfer, note),
            };
            let body = transfer.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
            let signed = signed(ctx, MessageKind::Transfer, body)?;
            Ok(Ruling::Append(EntryBody::TransferSent { transfer, signed, note }))
        }
        Command::ReceiveTransfer { signed: signed_transfer, note, delivered_by } => {
            if signed_transfer.verify(ctx.federation).is_ok_and(|v| v.kind == MessageKind::RoutedTransfer) {
                return super::route::receive(view, profile, signed_transfer, delivered_by, ctx);
            }
            let verified = verify(&signed_transfer, ctx, MessageKind::Transfer)?;
            let transfer = Transfer::decode(&verified.body).map_err(bad)?;
            if verified.signer != transfer.from || delivered_by != transfer.from {
                return Err(bad("a transfer must be signed and delivered by the payer's own bank"));
            }
            if transfer.to != profile.bank {
                return Err(bad("this transfer is for another bank"));
            }
            // A transfer already decided is answered with that decision whatever the
            // payer bank's admission is now: a bank removed (or frozen) since must
            // still learn the answer, or its member's hold never clears.
            let id = transfer.id().map_err(|e| LedgerError::Storage(e.to_string()))?;
            if view.transfer(&id)?.is_some() {
                return Ok(Ruling::KnownTransfer(id));
            }
            let peer = view.peer(&transfer.from)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(transfer.from))?;
            // The payer bank's note, kept sealed under our payee's key; dropped when
            // it is not a text we would take, or the payee has no key here.
            let note = match ctx.keys.key(&transfer.payee) {
                Some(_) if check("note", &note, MAX_LONG_TEXT_CHARS, true).is_ok() => {
                    privacy::seal_text(ctx.keys, Purpose::Note, std::slice::from_ref(&transfer.payee), &note)?
                }
                _ => None,
            };
            let verdict = match judge(view, profile, &peer, &transfer)? {
                None => Verdict::Accept,
                Some(reason) => Verdict::Reject(reason),
            };
            let decision = PeerDecision { transfer: id, by: profile.bank, verdict, decided_ms: ctx.now_ms };
            let signed_decision = signed(ctx, MessageKind::Decision, decision.encode().map_err(|e| LedgerError::Storage(e.to_string()))?)?;
            Ok(Ruling::Append(EntryBody::TransferReceived { transfer, signed: signed_transfer, decision, signed_decision, note }))
        }
        Command::ApplyDecision { signed: signed_decision } => {
            let verified = verify(&signed_decision, ctx, MessageKind::Decision)?;
            let decision = PeerDecision::decode(&verified.body).map_err(bad)?;
            if verified.signer != decision.by {
                return Err(bad("a decision must be signed by the bank that made it"));
            }
            if let Some(ring) = view.ring(&decision.transfer)? {
                super::clearing::settles(&ring, &profile.bank, &decision)?;
                if !ring.is_pending() {
                    return Ok(Ruling::KnownTransfer(decision.transfer));
                }
                let (clearing, signed) = (ring.clearing, ring.signed);
                return Ok(Ruling::Append(EntryBody::ClearingSettled { clearing, signed, decision, signed_decision }));
            }
            let record = view.transfer(&decision.transfer)?.ok_or_else(|| bad("a decision on a transfer this bank never sent"))?;
            if !record.path.is_empty() {
                super::route::settles(&record, &profile.bank, &decision)?;
            } else if record.role != TransferRole::Outgoing || record.transfer.to != decision.by {
                return Err(bad("a decision from a bank that was not this transfer's payee bank"));
            }
            if record.decision.is_some() {
                return Ok(Ruling::KnownTransfer(decision.transfer));
            }
            Ok(Ruling::Append(EntryBody::TransferSettled { transfer: decision.transfer, decision, signed_decision }))
        }
        Command::SendRouted { payer, payee, minutes, category, note, date, client_ref, path } => {
            super::route::send(view, profile, Send { payer, payee, minutes, category, note, date, client_ref }, path, ctx)
        }
        _ => Err(LedgerError::Storage("not a transfer command".into())),
    }
}

/// A transfer's nonce from what names the request (its client reference,
/// or the journal seq): the same request makes the same transfer.
pub(super) fn nonce_of(source: &str) -> [u8; 16] {
    let hash = amser_protocol::ids::hash_with("amser/v1 transfer-nonce", source.as_bytes());
    let mut nonce = [0u8; 16];
    nonce.copy_from_slice(&hash[..16]);
    nonce
}

/// A transfer our member `payer` asks to send (to a direct peer or along a path).
pub(super) struct Send {
    pub(super) payer: MemberCode,
    pub(super) payee: MemberCode,
    pub(super) minutes: Minutes,
    pub(super) category: String,
    pub(super) note: String,
    pub(super) date: Option<ServiceDate>,
    pub(super) client_ref: Option<String>,
}

/// A transfer checked at the payer's bank, or the id of the one a retried request recorded.
// Made once per request and moved, never stored: boxing would only add an allocation.
#[allow(clippy::large_enum_variant)]
pub(super) enum Prepared {
    Known(TransferId),
    Ready(Transfer, Option<Sealed>),
}

/// The payer's bank's checks, the same direct or along a path: the
/// category is a word of the federation's vocabulary (what a transfer says
/// is gossiped to every bank, never the coordinator's free text), the payer
/// is active and stays above their floor with what is held, and `first`
/// (the bank we deliver to) is not frozen. `id_of` names the transfer as it
/// will be signed, so a retried request finds the one it recorded.
pub(super) fn prepare(
    view: &impl LedgerRead,
    profile: &BankProfile,
    ctx: &Context,
    send: Send,
    first: &PeerLine,
    to: BankId,
    id_of: impl Fn(&Transfer) -> Result<TransferId, amser_protocol::encoding::EncodeError>,
) -> Result<Prepared, LedgerError> {
    let Send { payer, payee, minutes, category, note, date, client_ref } = send;
    let category = if category.trim().is_empty() { DEFAULT_CATEGORY.to_string() } else { category::normalise(&category) };
    category::check_transfer_category(&category)?;
    check("note", &note, MAX_LONG_TEXT_CHARS, true)?;
    if let Some(r) = &client_ref {
        check("client reference", r, MAX_CLIENT_REF_CHARS, false)?;
    }
    let next_seq = view.head()?.0 + 1;
    let nonce = nonce_of(&client_ref.unwrap_or_else(|| format!("seq:{next_seq}")));
    let today = ServiceDate::today(ctx.now_ms);
    let transfer = Transfer { from: profile.bank, to, payer, payee, minutes, category, date: date.unwrap_or(today), nonce };
    let id = id_of(&transfer).map_err(|e| LedgerError::Storage(e.to_string()))?;
    // A retried request finds its transfer before the checks its first attempt changed the
    // answer to (the payer's hold, a member paused or a line frozen since): it was recorded.
    if view.transfer(&id)?.is_some() {
        return Ok(Prepared::Known(id));
    }
    let policy = view.policy()?;
    if minutes > policy.max_minutes_per_person {
        return Err(LedgerError::TooLongForOnePerson { given: minutes, max: policy.max_minutes_per_person });
    }
    if minutes.0 <= 0 {
        return Err(amser_protocol::exchange::ExchangeShapeError::NotPositive.into());
    }
    if transfer.date.0 > today.0 + MAX_DAYS_AHEAD {
        return Err(LedgerError::FutureDate(transfer.date));
    }
    let member = view.member(&transfer.payer)?.ok_or_else(|| LedgerError::UnknownMember(transfer.payer.clone()))?;
    if member.status != MemberStatus::Active {
        return Err(LedgerError::MemberNotActive { code: member.code, status: member.status.to_string() });
    }
    if first.frozen {
        return Err(LedgerError::PeerFrozen(
            first.handle.as_ref().map(|h| h.as_str().to_string()).unwrap_or_else(|| transfer.payee.handle().to_string()),
        ));
    }
    let limits = member.own_limits.unwrap_or_else(|| policy.limits_for(member.kind));
    let balance = view.balance(&transfer.payer)?;
    let available_after = Minutes(balance.0 - view.hold(&transfer.payer)?.0 - minutes.0);
    if available_after < limits.floor {
        return Err(LedgerError::BelowFloor { code: transfer.payer, balance, would_be: available_after, floor: limits.floor });
    }
    let note = privacy::seal_text(ctx.keys, Purpose::Note, std::slice::from_ref(&transfer.payer), &note)?;
    Ok(Prepared::Ready(transfer, note))
}

/// Why the payee's bank refuses `transfer`, if it does.
pub(super) fn judge(
    view: &impl LedgerRead,
    profile: &BankProfile,
    peer: &PeerLine,
    transfer: &Transfer,
) -> Result<Option<RejectReason>, LedgerError> {
    if let Err(why) = transfer.check_shape() {
        return Ok(Some(RejectReason::Malformed(why)));
    }
    // The reason is signed and gossiped: it names no category, so it cannot repeat free text.
    if category::check_transfer_category(&transfer.category).is_err() {
        return Ok(Some(RejectReason::Malformed(category::NOT_IN_VOCABULARY.into())));
    }
    if peer.frozen {
        return Ok(Some(RejectReason::Frozen));
    }
    if transfer.payee.handle() != profile.handle.as_str() {
        return Ok(Some(RejectReason::UnknownPayee));
    }
    let Some(member) = view.member(&transfer.payee)? else { return Ok(Some(RejectReason::UnknownPayee)) };
    if member.status != MemberStatus::Active {
        return Ok(Some(RejectReason::PayeeNotActive));
    }
    if let Some(max) = peer.max_transfer {
        if transfer.minutes > max {
            return Ok(Some(RejectReason::OverTransferMaximum { max_minutes: max.0 }));
        }
    }
    let owed = view.owed_on_line(&peer.bank)?.0;
    if owed + transfer.minutes.0 > peer.trust.0 {
        return Ok(Some(RejectReason::TrustLineFull { trust_minutes: peer.trust.0, owed_minutes: owed }));
    }
    let policy = view.policy()?;
    let limits = member.own_limits.unwrap_or_else(|| policy.limits_for(member.kind));
    if view.balance(&member.code)?.0 + transfer.minutes.0 > limits.ceiling.0 {
        return Ok(Some(RejectReason::PayeeCeiling));
    }
    Ok(None)
}
