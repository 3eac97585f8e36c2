//! Deriving state from a journal entry: the same code applies an entry when
//! it is first written and when the journal is replayed after a restart.

use std::collections::BTreeMap;

use amser_protocol::exchange::sum;
use amser_protocol::journal::{EntryBody, JournalEntry};
use amser_protocol::{EntryHash, MemberCode, Minutes, Posting};

use super::{ExchangeRecord, LedgerError, LedgerRead, ListingRecord, StateWrite};

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
        EntryBody::ExchangeRecorded { exchange } => {
            let mut w = balance_writes(view, &exchange.postings)?;
            w.push(StateWrite::Exchange(ExchangeRecord { exchange: exchange.clone(), seq: entry.seq, time_ms: entry.time_ms, reversed: None }));
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
    };
    writes.push(StateWrite::Head(entry.seq, hash));
    Ok(writes)
}
