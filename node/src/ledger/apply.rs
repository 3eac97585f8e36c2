//! Deriving state from a journal entry: the same code applies an entry when
//! it is first written and when the journal is replayed after a restart.

use std::collections::BTreeMap;

use amser_protocol::exchange::sum;
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::{EntryHash, MemberCode, Minutes, Posting};

use amser_protocol::federation::{Transfer, TransferId, Verdict};

use super::{ExchangeRecord, LedgerError, LedgerRead, ListingRecord, StateWrite, TransferRecord, TransferRole};

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

/// What an accepted transfer moves at one of its two banks: at the payer's
/// (`Outgoing`) the payer is debited and the clearing account for the payee's
/// bank credited; at the payee's (`Incoming`) the payee is credited and the
/// clearing account for the payer's bank debited.
fn accepted(view: &impl LedgerRead, t: &Transfer, role: TransferRole) -> Result<Vec<StateWrite>, LedgerError> {
    let (member, member_minutes, bank, clearing_minutes) = match role {
        TransferRole::Outgoing => (&t.payer, -t.minutes.0, t.to, t.minutes.0),
        TransferRole::Incoming => (&t.payee, t.minutes.0, t.from, -t.minutes.0),
    };
    let overflow = || LedgerError::Corrupt("a transfer overflowed a balance or a clearing account".into());
    let balance = view.balance(member)?.0.checked_add(member_minutes).ok_or_else(overflow)?;
    let clearing = view.clearing(&bank)?.0.checked_add(clearing_minutes).ok_or_else(overflow)?;
    Ok(vec![StateWrite::Balance(member.clone(), Minutes(balance)), StateWrite::Clearing(bank, Minutes(clearing))])
}

/// The writes that `entry` (whose hash is `hash`) makes to the state in `view`.
pub fn apply(view: &impl LedgerRead, entry: &JournalEntry, hash: EntryHash) -> Result<Vec<StateWrite>, LedgerError> {
    let mut writes = match &entry.body {
        EntryBody::BankOpened { profile, policy } => vec![StateWrite::Profile(profile.clone()), StateWrite::Policy(policy.clone())],
        EntryBody::PolicyChanged { policy } => vec![StateWrite::Policy(policy.clone())],
        EntryBody::MemberJoined { member, number } => vec![
            StateWrite::Member(member.clone()),
            StateWrite::MemberCount(*number),
            StateWrite::Balance(member.code.clone(), Minutes::ZERO),
        ],
        EntryBody::MemberUpdated { member } => vec![StateWrite::Member(member.clone())],
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
        EntryBody::ListingPosted { listing } => vec![StateWrite::Listing(ListingRecord { listing: listing.clone(), open: true })],
        EntryBody::ListingClosed { listing } => {
            let mut record = view
                .listing(listing)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} closes a listing that does not exist", entry.seq)))?;
            record.open = false;
            vec![StateWrite::Listing(record)]
        }
        EntryBody::PeerLineSet { peer } => vec![StateWrite::Peer(peer.clone())],
        EntryBody::TransferSent { transfer, signed, note } => {
            let hold = view
                .hold(&transfer.payer)?
                .checked_add(transfer.minutes)
                .ok_or_else(|| LedgerError::Corrupt("a hold overflowed".into()))?;
            vec![
                StateWrite::Hold(transfer.payer.clone(), hold),
                StateWrite::Transfer(TransferRecord {
                    id: transfer_id(transfer)?,
                    transfer: transfer.clone(),
                    signed: signed.clone(),
                    role: TransferRole::Outgoing,
                    decision: None,
                    signed_decision: None,
                    note: note.clone(),
                    seq: entry.seq,
                    settled_seq: None,
                }),
            ]
        }
        EntryBody::TransferReceived { transfer, signed, decision, signed_decision, note } => {
            let mut w = if decision.verdict == Verdict::Accept { accepted(view, transfer, TransferRole::Incoming)? } else { vec![] };
            w.push(StateWrite::Transfer(TransferRecord {
                id: transfer_id(transfer)?,
                transfer: transfer.clone(),
                signed: signed.clone(),
                role: TransferRole::Incoming,
                decision: Some(decision.clone()),
                signed_decision: Some(signed_decision.clone()),
                note: note.clone(),
                seq: entry.seq,
                settled_seq: Some(entry.seq),
            }));
            w
        }
        EntryBody::TransferSettled { transfer: id, decision, signed_decision } => {
            let mut record = view
                .transfer(id)?
                .ok_or_else(|| LedgerError::Corrupt(format!("entry {} settles a transfer that was never sent", entry.seq)))?;
            let t = record.transfer.clone();
            let hold = Minutes(view.hold(&t.payer)?.0 - t.minutes.0);
            let mut w = vec![StateWrite::Hold(t.payer.clone(), hold)];
            if decision.verdict == Verdict::Accept {
                w.extend(accepted(view, &t, TransferRole::Outgoing)?);
            }
            record.decision = Some(decision.clone());
            record.signed_decision = Some(signed_decision.clone());
            record.settled_seq = Some(entry.seq);
            w.push(StateWrite::Transfer(record));
            w
        }
        EntryBody::Recovered { .. } => vec![],
        EntryBody::TransferRecalled { transfer, signed, decision, signed_decision } => {
            let ours = view.profile()?.map(|p| p.bank);
            let role = if ours == Some(transfer.from) { TransferRole::Outgoing } else { TransferRole::Incoming };
            // As the payer's bank settles it, or as the payee's bank receives it.
            let mut w = if decision.verdict == Verdict::Accept { accepted(view, transfer, role)? } else { vec![] };
            w.push(StateWrite::Transfer(TransferRecord {
                id: transfer_id(transfer)?,
                transfer: transfer.clone(),
                signed: signed.clone(),
                role,
                decision: Some(decision.clone()),
                signed_decision: Some(signed_decision.clone()),
                note: None,
                seq: entry.seq,
                settled_seq: Some(entry.seq),
            }));
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
