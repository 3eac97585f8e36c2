//! Exchanges: who gave time to whom, how much, and the postings that move
//! balances. An exchange is one atomic entry however many people take part,
//! and its postings always sum to zero.

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::date::ServiceDate;
use crate::ids::{ExchangeId, MemberCode};
use crate::limits::MAX_PARTIES;
use crate::minutes::Minutes;
use crate::sealed::Sealed;

/// One change to one member's balance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Posting {
    pub member: MemberCode,
    /// Positive: the member earned time. Negative: the member spent it.
    pub minutes: Minutes,
}

/// A recorded exchange of time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Exchange {
    pub id: ExchangeId,
    /// Who gave their time; each is credited `minutes_each`.
    pub providers: Vec<MemberCode>,
    /// Who received it; together they are debited what the providers earned,
    /// shared equally (a group event: thirty listeners share the band's hours).
    pub receivers: Vec<MemberCode>,
    /// Time each provider gave.
    pub minutes_each: Minutes,
    pub category: String,
    /// Free text, sealed under the keys of every member in the exchange
    /// (erasing any of them destroys it); stays with the banks involved.
    pub note: Option<Sealed>,
    /// When the service was given.
    pub date: ServiceDate,
    /// Who recorded it ("coordinator", or later a member's code).
    pub recorded_by: String,
    /// The balance changes; they sum to zero.
    pub postings: Vec<Posting>,
}

/// A correction: an exchange undone by equal and opposite postings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reversal {
    pub exchange: ExchangeId,
    /// Sealed like the exchange's note; `None` once a member in it is erased.
    pub reason: Option<Sealed>,
    pub postings: Vec<Posting>,
}

/// An exchange whose shape cannot be right, whatever the balances.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExchangeShapeError {
    #[error("an exchange needs at least one provider (who gave time)")]
    NoProvider,
    #[error("an exchange needs at least one receiver (who received time)")]
    NoReceiver,
    #[error("too many people in one exchange: {0}, at most {MAX_PARTIES} are allowed; split the event into several exchanges")]
    TooManyParties(usize),
    #[error("{0} is listed twice; list each member once")]
    Duplicate(MemberCode),
    #[error("{0} is both a provider and a receiver; a member cannot give time to themselves")]
    SelfExchange(MemberCode),
    #[error("the amount must be more than zero")]
    NotPositive,
    #[error("the amount is too large to record")]
    Overflow,
}

/// The postings of an exchange: every provider earns `minutes_each`; the
/// receivers share the total equally, the first few paying one minute more
/// when it does not divide exactly. Sums to zero.
pub fn postings(providers: &[MemberCode], receivers: &[MemberCode], minutes_each: Minutes) -> Result<Vec<Posting>, ExchangeShapeError> {
    if providers.is_empty() {
        return Err(ExchangeShapeError::NoProvider);
    }
    if receivers.is_empty() {
        return Err(ExchangeShapeError::NoReceiver);
    }
    let parties = providers.len() + receivers.len();
    if parties > MAX_PARTIES {
        return Err(ExchangeShapeError::TooManyParties(parties));
    }
    if minutes_each.0 <= 0 {
        return Err(ExchangeShapeError::NotPositive);
    }
    let mut seen = std::collections::BTreeSet::new();
    for p in providers {
        if !seen.insert(p) {
            return Err(ExchangeShapeError::Duplicate(p.clone()));
        }
    }
    let mut seen_receivers = std::collections::BTreeSet::new();
    for r in receivers {
        if seen.contains(r) {
            return Err(ExchangeShapeError::SelfExchange(r.clone()));
        }
        if !seen_receivers.insert(r) {
            return Err(ExchangeShapeError::Duplicate(r.clone()));
        }
    }
    let total = minutes_each.checked_mul(providers.len() as i64).ok_or(ExchangeShapeError::Overflow)?.0;
    let share = total / receivers.len() as i64;
    let extra = total % receivers.len() as i64;
    let mut out = Vec::with_capacity(parties);
    out.extend(providers.iter().map(|p| Posting { member: p.clone(), minutes: minutes_each }));
    out.extend(
        receivers
            .iter()
            .enumerate()
            .map(|(i, r)| Posting { member: r.clone(), minutes: Minutes(-(share + i64::from((i as i64) < extra))) }),
    );
    Ok(out)
}

/// The postings that undo `original`.
pub fn reversing(original: &[Posting]) -> Vec<Posting> {
    original.iter().map(|p| Posting { member: p.member.clone(), minutes: Minutes(-p.minutes.0) }).collect()
}

/// Sum of postings (zero for every valid exchange).
pub fn sum(postings: &[Posting]) -> i128 {
    postings.iter().map(|p| p.minutes.0 as i128).sum()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> MemberCode {
        s.parse().unwrap()
    }

    #[test]
    fn a_jazz_band_playing_for_thirty_people_sums_to_zero() {
        let band = vec![code("rhymney:AAAA-01"), code("rhymney:AAAA-02"), code("rhymney:AAAA-03")];
        let audience: Vec<_> = (0..30).map(|i| code(&format!("rhymney:BBBB-{:02}", i))).collect();
        let p = postings(&band, &audience, Minutes(120)).unwrap();
        assert_eq!(sum(&p), 0);
        assert_eq!(p.len(), 33);
        assert_eq!(p[0].minutes, Minutes(120));
        assert_eq!(p[3].minutes, Minutes(-12));
    }

    #[test]
    fn uneven_shares_go_to_the_first_receivers() {
        let p = postings(
            &[code("rhymney:AAAA-01")],
            &[code("rhymney:BBBB-01"), code("rhymney:BBBB-02"), code("rhymney:BBBB-03")],
            Minutes(100),
        )
        .unwrap();
        let mins: Vec<i64> = p.iter().map(|p| p.minutes.0).collect();
        assert_eq!(mins, vec![100, -34, -33, -33]);
        assert_eq!(sum(&reversing(&p)), 0);
    }

    #[test]
    fn bad_shapes_are_refused() {
        let a = code("rhymney:AAAA-01");
        assert_eq!(postings(&[], std::slice::from_ref(&a), Minutes(1)), Err(ExchangeShapeError::NoProvider));
        assert_eq!(
            postings(std::slice::from_ref(&a), std::slice::from_ref(&a), Minutes(1)),
            Err(ExchangeShapeError::SelfExchange(a.clone()))
        );
        assert_eq!(postings(&[a.clone(), a.clone()], &[code("rhymney:AAAA-02")], Minutes(1)), Err(ExchangeShapeError::Duplicate(a)));
    }
}
