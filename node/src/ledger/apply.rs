//! Deriving state from a journal entry: the same code applies an entry when
//! it is first written and when the journal is replayed after a restart.

use std::collections::BTreeMap;

use amser_protocol::exchange::sum;
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::{EntryHash, MemberCode, Minutes, Posting};

use amser_protocol::federation::{Transfer, TransferId, Verdict};
use amser_protocol::route::RoutedTransfer;
use amser_protocol::signing::SignedMessage;
use amser_protocol::BankId;

use super::{ExchangeRecord, LedgerError, LedgerRead, ListingRecord, RingRecord, StateWrite, TransferRecord, TransferRole};

fn transfer_id(t: &Transfer) -> Result<TransferId, LedgerError> {
    t.id().map_err(|e| LedgerError::Corrupt(e.to_string()))
}

fn balance_writes(view: &impl LedgerRead, postings: &[Posting]) -> Result<Vec<StateWrite>, LedgerError> {
    if sum(postings) != 0 {
        return Err(LedgerError::Corrupt("an entry's postings do not sum to zero".into()));
    }
    let mut balances: BTreeMap<&MemberCode, Minutes> = BTreeMap::new();
    for p in postings {
        let current = match balances.get(&p.member) {
            Some(b) => *b,
            None => view.balance(&p.member)?,
        };
        let next = current.checked_add(p.minutes).ok_or_else(|| LedgerError::Corrupt("a balance overflowed".into()))?;
        balances.insert(&p.member, next);
    }
    Ok(balances.into_iter().map(|(c, b)| StateWrite::Balance(c.clone(), b)).collect())
}

/// What an accepted transfer moves at one bank on its way, `us`: at the
/// payer's (`Outgoing`) the payer is debited and the clearing account for
/// the bank after us credited; at the payee's (`Incoming`) the payee is
/// credited and the clearing account for the bank before us debited; at a
/// hop (`Forwarded`) the bank before us comes to owe us and we the bank
/// after us, members untouched. For a direct transfer the bank after the
/// payer's is the payee's, and the other way round.
fn accepted(view: &impl LedgerRead, record: &TransferRecord, us: &BankId) -> Result<Vec<StateWrite>, LedgerError> {
    let t = &record.transfer;
    let m = t.minutes.0;
    let beside = |b: Option<BankId>| b.ok_or_else(|| LedgerError::Corrupt("a transfer's way does not pass through this bank".into()));
    let (member, clearings) = match record.role {
        TransferRole::Outgoing => (Some((&t.payer, -m)), vec![(beside(record.after(us))?, m)]),
        TransferRole::Incoming => (Some((&t.payee, m)), vec![(beside(record.before(us))?, -m)]),
        TransferRole::Forwarded => (None, vec![(beside(record.before(us))?, -m), (beside(record.after(us))?, m)]),
    };
    let overflow = || LedgerError::Corrupt("a transfer overflowed a balance or a clearing account".into());
    let mut w = Vec::new();
    if let Some((code, minutes)) = member {
        w.push(StateWrite::Balance(code.clone(), Minutes(view.balance(code)?.0.checked_add(minutes).ok_or_else(overflow)?)));
    }
    for (bank, minutes) in clearings {
        w.push(StateWrite::Clearing(bank, Minutes(view.clearing(&bank)?.0.checked_add(minutes).ok_or_else(overflow)?)));
    }
    Ok(w)
}

/// A member who joined (or a visitor registered) as the `number`th, with nothing yet.
fn joined(member: &amser_protocol::Member, number: u64) -> Vec<StateWrite> {
    vec![StateWrite::Member(member.clone()), StateWrite::MemberCount(number), StateWrite::Balance(member.code.clone(), Minutes::ZERO)]
}

/// Our bank's id, which every transfer entry needs to know its place.
fn us(view: &impl LedgerRead) -> Result<BankId, LedgerError> {
    Ok(view.profile()?.ok_or_else(|| LedgerError::Corrupt("a transfer entry before the bank was opened".into()))?.bank)
}

fn routed_id(routed: &RoutedTransfer) -> Result<TransferId, LedgerError> {
    routed.id().map_err(|e| LedgerError::Corrupt(e.to_string()))
}

/// A new record of a transfer at this bank, undecided unless `decided`.
fn record(id: TransferId, transfer: &Transfer, signed: &SignedMessage, role: TransferRole, seq: u64, path: Vec<BankId>) -> TransferRecord {
    TransferRecord {
        id,
        transfer: transfer.clone(),
        signed: signed.clone(),
        role,
        decision: None,
        signed_decision: None,
        note: None,
        seq,
        settled_seq: None,
        path,
    }
}

fn add(held: Minutes, minutes: i64) -> Result<Minutes, LedgerError> {
    held.0.checked_add(minutes).map(Minutes).ok_or_else(|| LedgerError::Corrupt("a hold overflowed".into()))
}

/// The writes that `entry` (whose hash is `hash`) makes to the state in `view`.
pub fn apply(view: &impl LedgerRead, entry: &JournalEntry, hash: EntryHash) -> Result<Vec<StateWrite>, LedgerError> {
    let mut writes = match &entry.body {
        EntryBody::BankOpened { profile, policy } => vec![StateWrite::Profile(profile.clone()), StateWrite::Policy(policy.clone())],
        EntryBody::PolicyChanged { policy } => vec![StateWrite::Policy(policy.clone())],
        EntryBody::MemberJoined { member, number } => joined(member, *number),
        EntryBody::MemberUpdated { member } => vec![StateWrite::Member(member.clone())],
        EntryBody::VisitorJoined { member, number, visit, .. } => {
            let mut w = joined(member, *number);
            w.push(StateWrite::Visiting(member.code.clone(), visit.clone()));
            w
        }
        EntryBody::MemberIntroduced { .. } => vec![],
        EntryBody::MemberErased { member: code, .. } => {
            // The record keeps what the ledger's facts need (code, kind, limits,
            // joined) and loses the sealed details; they take no new exchanges.
            let mut member =
                view.member(code)?.ok_or_else(|| LedgerError::Corrupt(format!("entry {} erases a member who never joined", entry.seq)))?;
            member.details = None;
            member.status = amser_protocol::MemberStatus::Left;
            vec![StateWrite::Member(member)]
        }
        EntryBody::ExchangeRecorded { exchange } => {
            let mut w = balance_writes(view, &exchange.postings)?;
            w.push(StateWrite::Exchange(ExchangeRecord {
                exchange: exchange.clone(),
                seq: entry.seq,
                time_ms: entry.time_ms,
                reversed: None,
            }));
            w
        }
        EntryBody::ExchangeReversed { reversal } => {
            let mut record = view
                .exchange(&reversal.exchange)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} reverses an exchange that is not recorded", entry.seq)))?;
            let mut w = balance_writes(view, &reversal.postings)?;
            record.reversed = Some((entry.seq, reversal.reason.clone()));
            w.push(StateWrite::Exchange(record));
            w
        }
        EntryBody::ListingPosted { listing } => {
            vec![StateWrite::Listing(ListingRecord { listing: listing.clone(), open: true, shared: false, title: None })]
        }
        EntryBody::ListingClosed { listing } => {
            let mut record = view
                .listing(listing)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} closes a listing that does not exist", entry.seq)))?;
            record.open = false;
            vec![StateWrite::Listing(record)]
        }
        EntryBody::ListingShared { listing, shared, title } => {
            let mut record = view
                .listing(listing)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} shares a listing that does not exist", entry.seq)))?;
            record.shared = *shared;
            record.title = title.clone();
            vec![StateWrite::Listing(record)]
        }
        EntryBody::PeerLineSet { peer } => vec![StateWrite::Peer(peer.clone())],
        EntryBody::TransferSent { transfer, signed, note } => {
            let mut r = record(transfer_id(transfer)?, transfer, signed, TransferRole::Outgoing, entry.seq, Vec::new());
            r.note = note.clone();
            vec![StateWrite::Hold(transfer.payer.clone(), add(view.hold(&transfer.payer)?, transfer.minutes.0)?), StateWrite::Transfer(r)]
        }
        EntryBody::RoutedSent { routed, signed, note } => {
            let t = &routed.transfer;
            let mut r = record(routed_id(routed)?, t, signed, TransferRole::Outgoing, entry.seq, routed.path.clone());
            r.note = note.clone();
            vec![StateWrite::Hold(t.payer.clone(), add(view.hold(&t.payer)?, t.minutes.0)?), StateWrite::Transfer(r)]
        }
        EntryBody::TransferForwarded { routed, signed } => {
            let r = record(routed_id(routed)?, &routed.transfer, signed, TransferRole::Forwarded, entry.seq, routed.path.clone());
            let before =
                r.before(&us(view)?).ok_or_else(|| LedgerError::Corrupt("a forwarded transfer whose path does not pass here".into()))?;
            vec![StateWrite::LineHold(before, add(view.line_hold(&before)?, routed.transfer.minutes.0)?), StateWrite::Transfer(r)]
        }
        EntryBody::TransferReceived { transfer, signed, decision, signed_decision, note } => {
            let mut r = record(transfer_id(transfer)?, transfer, signed, TransferRole::Incoming, entry.seq, Vec::new());
            let mut w = if decision.verdict == Verdict::Accept { accepted(view, &r, &transfer.to)? } else { vec![] };
            r.decision = Some(decision.clone());
            r.signed_decision = Some(signed_decision.clone());
            r.note = note.clone();
            r.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(r));
            w
        }
        EntryBody::RoutedDecided { routed, signed, decision, signed_decision } => {
            // The payee's bank decides; a hop that decides refuses (checked when it was decided).
            let ours = us(view)?;
            let role = if routed.transfer.to == ours { TransferRole::Incoming } else { TransferRole::Forwarded };
            let mut r = record(routed_id(routed)?, &routed.transfer, signed, role, entry.seq, routed.path.clone());
            let mut w = match (&decision.verdict, role) {
                (Verdict::Accept, TransferRole::Incoming) => accepted(view, &r, &ours)?,
                (Verdict::Accept, _) => {
                    return Err(LedgerError::Corrupt(format!("entry {} accepts a transfer for another bank", entry.seq)))
                }
                _ => vec![],
            };
            r.decision = Some(decision.clone());
            r.signed_decision = Some(signed_decision.clone());
            r.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(r));
            w
        }
        EntryBody::TransferSettled { transfer: id, decision, signed_decision } => {
            let mut record = view
                .transfer(id)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} settles a transfer that was never sent", entry.seq)))?;
            let ours = us(view)?;
            let t = record.transfer.clone();
            // What was held for it is released, whatever the verdict.
            let mut w = match record.role {
                TransferRole::Forwarded => {
                    let before = record
                        .before(&ours)
                        .ok_or_else(|| LedgerError::Corrupt("a forwarded transfer whose path does not pass here".into()))?;
                    vec![StateWrite::LineHold(before, add(view.line_hold(&before)?, -t.minutes.0)?)]
                }
                _ => vec![StateWrite::Hold(t.payer.clone(), add(view.hold(&t.payer)?, -t.minutes.0)?)],
            };
            if decision.verdict == Verdict::Accept {
                w.extend(accepted(view, &record, &ours)?);
            }
            record.decision = Some(decision.clone());
            record.signed_decision = Some(signed_decision.clone());
            record.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(record));
            w
        }
        EntryBody::MemberMoved { member, to, transfer, signed } => {
            let mut moved =
                view.member(member)?.ok_or_else(|| LedgerError::Corrupt(format!("entry {} moves a member who never joined", entry.seq)))?;
            moved.status = amser_protocol::MemberStatus::Moved;
            let mut w = vec![StateWrite::Member(moved), StateWrite::MovedTo(member.clone(), to.clone())];
            // Their balance goes as a transfer like any other: held until the other bank decides.
            if let (Some(t), Some(s)) = (transfer, signed) {
                w.push(StateWrite::Hold(t.payer.clone(), add(view.hold(&t.payer)?, t.minutes.0)?));
                w.push(StateWrite::Transfer(record(transfer_id(t)?, t, s, TransferRole::Outgoing, entry.seq, Vec::new())));
            }
            w
        }
        EntryBody::ClearingPromised { clearing, signed } => vec![StateWrite::Ring(RingRecord {
            id: clearing.id().map_err(|e| LedgerError::Corrupt(e.to_string()))?,
            clearing: clearing.clone(),
            signed: signed.clone(),
            decision: None,
            signed_decision: None,
            seq: entry.seq,
            settled_seq: None,
        })],
        EntryBody::ClearingSettled { clearing, signed, decision, signed_decision } => {
            let id = clearing.id().map_err(|e| LedgerError::Corrupt(e.to_string()))?;
            let mut w = Vec::new();
            if decision.verdict == Verdict::Accept {
                // What we owe the bank we owe, and what the bank that owes us owes us, both go down.
                let n = clearing
                    .neighbours(&us(view)?)
                    .ok_or_else(|| LedgerError::Corrupt("a clearing whose ring does not pass here".into()))?;
                let overflow = || LedgerError::Corrupt("a clearing overflowed a clearing account".into());
                let owes = view.clearing(&n.owes)?.0.checked_sub(clearing.minutes.0).ok_or_else(overflow)?;
                let owed_by = view.clearing(&n.owed_by)?.0.checked_add(clearing.minutes.0).ok_or_else(overflow)?;
                w.push(StateWrite::Clearing(n.owes, Minutes(owes)));
                w.push(StateWrite::Clearing(n.owed_by, Minutes(owed_by)));
            }
            let seq = view.ring(&id)?.map_or(entry.seq, |r| r.seq);
            w.push(StateWrite::Ring(RingRecord {
                id,
                clearing: clearing.clone(),
                signed: signed.clone(),
                decision: Some(decision.clone()),
                signed_decision: Some(signed_decision.clone()),
                seq,
                settled_seq: Some(entry.seq),
            }));
            w
        }
        EntryBody::Recovered { .. } => vec![],
        EntryBody::TransferRecalled { transfer, signed, decision, signed_decision } => {
            let ours = us(view)?;
            let role = if ours == transfer.from { TransferRole::Outgoing } else { TransferRole::Incoming };
            // As the payer's bank settles it, or as the payee's bank receives it.
            let mut r = record(transfer_id(transfer)?, transfer, signed, role, entry.seq, Vec::new());
            let mut w = if decision.verdict == Verdict::Accept { accepted(view, &r, &ours)? } else { vec![] };
            r.decision = Some(decision.clone());
            r.signed_decision = Some(signed_decision.clone());
            r.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(r));
            w
        }
        EntryBody::RoutedRecalled { routed, signed, decision, signed_decision } => {
            let ours = us(view)?;
            let t = &routed.transfer;
            let role = match (t.from == ours, t.to == ours) {
                (true, _) => TransferRole::Outgoing,
                (_, true) => TransferRole::Incoming,
                _ => TransferRole::Forwarded,
            };
            // As its decision settled it at the payer's bank or a hop, or as the payee's bank (or a refusing hop) decided it.
            let mut r = record(routed_id(routed)?, t, signed, role, entry.seq, routed.path.clone());
            let mut w = if decision.verdict == Verdict::Accept { accepted(view, &r, &ours)? } else { vec![] };
            r.decision = Some(decision.clone());
            r.signed_decision = Some(signed_decision.clone());
            r.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(r));
            w
        }
        EntryBody::EvidenceRecorded { against, evidence } => {
            let mut w = vec![StateWrite::Evidence(*against, super::evidence::evidence_id(evidence))];
            if let Some(mut peer) = view.peer(against)? {
                peer.frozen = true;
                w.push(StateWrite::Peer(peer));
            }
            w
        }
    };
    writes.push(StateWrite::Head(entry.seq, hash));
    Ok(writes)
}
