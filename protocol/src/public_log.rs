//! A bank's public log as a hash chain, and the check a peer runs on each
//! page of it.
//!
//! The public log is what a bank said to the federation, in journal order
//! (each transfer it signed as payer; each transfer it received followed by
//! its signed decision). Statement `n` (counting from 1) has the chain hash
//! `h_n = blake3::derive_key(LOG_CONTEXT, h_{n-1} | len | envelope | signature)`,
//! `h_0` all zeros. A bank signs [`LogHead`] `{ bank, position, hash }`: "my
//! first `position` statements chain to `hash`". A page of statements after
//! position `p` carries the signed head at `p` (where it links on) and the
//! signed head at its end, so a peer that holds the chain hash at `p` finds a
//! statement left out or changed (the end does not match), a history
//! rewritten under what it read (the start does not match) and, when both
//! heads it holds at one position are signed, the evidence
//! ([`crate::federation::Evidence`] of two [`LogHead`]s).
//!
//! One break is allowed, and it is signed: a bank whose disk was lost, and
//! whose journal was put back from an older copy, no longer holds what it
//! said after the copy. Its journal then jumps past every seq its peers saw
//! (a `Recovered` entry), and its log *restarts* at a position past any it
//! can have signed ([`restart_position`]), with the hash [`restart_hash`]:
//! a page asked for from a position in what was lost starts from that
//! signed restart head. A reader takes the jump (its log says so: what the
//! bank said between the two is lost to it) only forward, past where it
//! stands; a restart at or below what it read is a rewrite like any other.

use serde::{Deserialize, Serialize};

use crate::encoding::{decode, encode, DecodeError, EncodeError};
use crate::federation::Evidence;
use crate::ids::{BankId, EntryHash};
use crate::signing::{FederationId, MessageKind, SignedMessage, VerifyError};

/// blake3 context of the public log's chain hashes.
pub const LOG_CONTEXT: &str = "amser/v1 public-log";
/// The chain hash before the first statement.
pub const GENESIS: EntryHash = EntryHash([0; 32]);
/// Most bytes of a signed log head's body.
pub const MAX_LOG_HEAD_BYTES: usize = 256;
/// blake3 context of a restarted log's hash.
pub const RESTART_CONTEXT: &str = "amser/v1 public-log-restart";

/// Where a bank's log restarts when its journal jumps to `recovered_seq`
/// (the `Recovered` entry's seq). Every journal entry adds at most two
/// statements, and every entry the bank had written before its disk was
/// lost is numbered below `recovered_seq`, so every position it can have
/// signed is below this.
pub fn restart_position(recovered_seq: u64) -> u64 {
    recovered_seq.saturating_mul(2)
}

/// The chain hash at a restart at `position`: it links to nothing before.
pub fn restart_hash(position: u64) -> EntryHash {
    EntryHash(crate::ids::hash_with(RESTART_CONTEXT, &position.to_le_bytes()))
}

/// The chain hash after `statement`, given the one before it.
pub fn link(previous: &EntryHash, statement: &SignedMessage) -> EntryHash {
    let mut hasher = blake3::Hasher::new_derive_key(LOG_CONTEXT);
    hasher.update(&previous.0);
    hasher.update(&(statement.envelope.len() as u64).to_le_bytes());
    hasher.update(&statement.envelope);
    hasher.update(&statement.signature);
    EntryHash(*hasher.finalize().as_bytes())
}

/// What a bank signs about its public log: its first `position` statements
/// chain to `hash`. No time: the same head signed twice is the same message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogHead {
    pub bank: BankId,
    pub position: u64,
    pub hash: EntryHash,
}

impl LogHead {
    pub fn encode(&self) -> Result<Vec<u8>, EncodeError> {
        encode("log head", self)
    }
    pub fn decode(bytes: &[u8]) -> Result<LogHead, DecodeError> {
        decode("log head", bytes, MAX_LOG_HEAD_BYTES)
    }

    /// Verifies `signed` as a log head of `bank` in `federation`.
    pub fn read(signed: &SignedMessage, federation: FederationId, bank: BankId) -> Result<LogHead, PageFault> {
        let verified = signed.verify(federation)?;
        if verified.kind != MessageKind::LogHead {
            return Err(PageFault::NotAHead);
        }
        let head = LogHead::decode(&verified.body)?;
        if verified.signer != bank || head.bank != bank {
            return Err(PageFault::NotAHead);
        }
        Ok(head)
    }
}

/// A page of a bank's chained public log: the statements after position
/// `after`, the signed heads at `after` (none when it is 0) and at its end
/// (none while the log is empty), and how long the log is now. When what
/// follows `after` was lost and the log restarted, `start` is the signed
/// restart head (past `after`) and the statements follow it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChainedPage {
    pub after: u64,
    pub start: Option<SignedMessage>,
    pub statements: Vec<SignedMessage>,
    pub end: Option<SignedMessage>,
    pub length: u64,
}

/// Where a peer stands in a bank's log: the position it has read to, the
/// chain hash there, and the bank's signed head there (none at position 0).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Cursor {
    pub position: u64,
    pub hash: EntryHash,
    pub head: Option<SignedMessage>,
}

impl Cursor {
    /// Before the first statement.
    pub fn start() -> Cursor {
        Cursor { position: 0, hash: GENESIS, head: None }
    }
}

/// Why a page is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageFault {
    #[error("a log head does not verify: {0}")]
    Verify(#[from] VerifyError),
    #[error("a log head does not decode: {0}")]
    Body(#[from] DecodeError),
    #[error("a log head is missing, or is not a log head of the bank asked")]
    NotAHead,
    #[error("the page starts at {got}, not at {asked} where we asked")]
    Misplaced { asked: u64, got: u64 },
    #[error("the page holds {0} statements, more than asked")]
    TooLong(usize),
    #[error("the bank's log is {length} long, shorter than the {held} we have read of it")]
    Shorter { length: u64, held: u64 },
    #[error("the bank's log no longer links to what we read of it at {position}: its history was rewritten")]
    Rewritten { position: u64 },
    #[error("the bank signed two different heads of its log at {position}")]
    Conflict { position: u64, evidence: Box<Evidence> },
    #[error("the page's statements do not chain to its signed end at {position}: a statement is missing or changed")]
    Broken { position: u64 },
}

/// Checks `page` of `bank`'s log against where we stand; returns where we
/// stand after it (whose statements are then the page's, in order, each
/// still to be checked as a public statement).
pub fn check_page(page: &ChainedPage, bank: BankId, federation: FederationId, at: &Cursor, max: usize) -> Result<Cursor, PageFault> {
    if page.after != at.position {
        return Err(PageFault::Misplaced { asked: at.position, got: page.after });
    }
    if page.statements.len() > max {
        return Err(PageFault::TooLong(page.statements.len()));
    }
    if page.length < at.position {
        return Err(PageFault::Shorter { length: page.length, held: at.position });
    }
    let mut from = (at.position, at.hash);
    if let Some(signed) = &page.start {
        let start = LogHead::read(signed, federation, bank)?;
        if start.position > at.position && start.hash == restart_hash(start.position) {
            // What followed our position was lost to the bank; it says so, signed.
            from = (start.position, start.hash);
        } else if start.position != at.position {
            return Err(PageFault::Misplaced { asked: at.position, got: start.position });
        } else if start.hash != at.hash {
            return Err(match &at.head {
                Some(held) => PageFault::Conflict {
                    position: at.position,
                    evidence: Box::new(Evidence { first: held.clone(), second: signed.clone() }),
                },
                None => PageFault::Rewritten { position: at.position },
            });
        }
    } else if at.position > 0 {
        return Err(PageFault::NotAHead);
    }
    let hash = page.statements.iter().fold(from.1, |h, s| link(&h, s));
    // A restart head near the end of the numbers must not wrap them.
    let position = from.0.checked_add(page.statements.len() as u64).ok_or(PageFault::Broken { position: from.0 })?;
    if position == 0 {
        return Ok(Cursor::start());
    }
    let signed = page.end.as_ref().ok_or(PageFault::NotAHead)?;
    let end = LogHead::read(signed, federation, bank)?;
    if end.position != position || end.hash != hash {
        return Err(PageFault::Broken { position });
    }
    Ok(Cursor { position, hash, head: Some(signed.clone()) })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::{bank_id, sign};
    use ed25519_dalek::SigningKey;

    fn fed() -> FederationId {
        FederationId::from_name("test")
    }

    fn statement(key: &SigningKey, n: u8) -> SignedMessage {
        sign(key, MessageKind::Transfer, fed(), vec![n]).unwrap()
    }

    fn head(key: &SigningKey, position: u64, hash: EntryHash) -> SignedMessage {
        sign(key, MessageKind::LogHead, fed(), LogHead { bank: bank_id(key), position, hash }.encode().unwrap()).unwrap()
    }

    /// What an honest bank sends: the page of `log` after `after`, `n` long.
    fn page(key: &SigningKey, log: &[SignedMessage], after: usize, n: usize) -> ChainedPage {
        let at = |p: usize| log[..p].iter().fold(GENESIS, |h, s| link(&h, s));
        let end = after + n;
        ChainedPage {
            after: after as u64,
            start: (after > 0).then(|| head(key, after as u64, at(after))),
            statements: log[after..end].to_vec(),
            end: (end > 0).then(|| head(key, end as u64, at(end))),
            length: log.len() as u64,
        }
    }

    #[test]
    fn pages_read_in_turn_chain_to_the_banks_signed_head() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let log: Vec<_> = (0..5).map(|n| statement(&key, n)).collect();
        let first = check_page(&page(&key, &log, 0, 3), bank_id(&key), fed(), &Cursor::start(), 64).unwrap();
        assert_eq!(first.position, 3);
        let second = check_page(&page(&key, &log, 3, 2), bank_id(&key), fed(), &first, 64).unwrap();
        assert_eq!(second.position, 5);
        let nothing_new = check_page(&page(&key, &log, 5, 0), bank_id(&key), fed(), &second, 64).unwrap();
        assert_eq!(nothing_new, second);
    }

    #[test]
    fn a_statement_left_out_or_changed_is_refused() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let log: Vec<_> = (0..4).map(|n| statement(&key, n)).collect();
        let mut gap = page(&key, &log, 0, 4);
        gap.statements.remove(1);
        let fault = check_page(&gap, bank_id(&key), fed(), &Cursor::start(), 64).unwrap_err();
        assert!(matches!(fault, PageFault::Broken { position: 3 }), "{fault:?}");
        let mut changed = page(&key, &log, 0, 4);
        changed.statements[2] = statement(&key, 9);
        assert!(matches!(check_page(&changed, bank_id(&key), fed(), &Cursor::start(), 64), Err(PageFault::Broken { .. })));
    }

    #[test]
    fn a_history_rewritten_under_what_was_read_gives_evidence() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let log: Vec<_> = (0..4).map(|n| statement(&key, n)).collect();
        let read = check_page(&page(&key, &log, 0, 2), bank_id(&key), fed(), &Cursor::start(), 64).unwrap();
        let mut rewritten = log.clone();
        rewritten[1] = statement(&key, 8);
        match check_page(&page(&key, &rewritten, 2, 2), bank_id(&key), fed(), &read, 64) {
            Err(PageFault::Conflict { position: 2, evidence }) => {
                assert_eq!(evidence.check(fed()).unwrap().0, bank_id(&key));
            }
            other => panic!("{other:?}"),
        }
        // A page from another bank's key is no head of this one.
        let mallory = SigningKey::from_bytes(&[4; 32]);
        let forged = page(&mallory, &log, 0, 2);
        assert!(matches!(check_page(&forged, bank_id(&key), fed(), &Cursor::start(), 64), Err(PageFault::NotAHead)));
    }

    #[test]
    fn a_log_restarted_after_a_lost_disk_is_read_on_only_forward() {
        let key = SigningKey::from_bytes(&[3; 32]);
        let log: Vec<_> = (0..4).map(|n| statement(&key, n)).collect();
        let read = check_page(&page(&key, &log, 0, 4), bank_id(&key), fed(), &Cursor::start(), 64).unwrap();
        // The bank lost statements 3 and 4 with its disk and restarted at 20.
        let after_restart: Vec<_> = (5..7).map(|n| statement(&key, n)).collect();
        let restart = |at: u64| {
            let (r, hash) = (at, restart_hash(at));
            let end = after_restart.iter().fold(hash, |h, s| link(&h, s));
            ChainedPage {
                after: read.position,
                start: Some(head(&key, r, hash)),
                statements: after_restart.clone(),
                end: Some(head(&key, r + 2, end)),
                length: r + 2,
            }
        };
        let on = check_page(&restart(20), bank_id(&key), fed(), &read, 64).unwrap();
        assert_eq!(on.position, 22);
        // Not backwards: a restart below what was read is refused.
        assert!(matches!(check_page(&restart(3), bank_id(&key), fed(), &read, 64), Err(PageFault::Misplaced { .. })));
        // A restart head at exactly where we stand, with another hash, is evidence.
        assert!(matches!(check_page(&restart(4), bank_id(&key), fed(), &read, 64), Err(PageFault::Conflict { .. })));
        assert!(restart_position(500) > 2 * 499, "past every position 499 entries can have made");
        let last = u64::MAX - 1;
        let at_the_end = ChainedPage {
            after: read.position,
            start: Some(head(&key, last, restart_hash(last))),
            statements: after_restart.clone(),
            end: Some(head(&key, u64::MAX, GENESIS)),
            length: u64::MAX,
        };
        assert!(check_page(&at_the_end, bank_id(&key), fed(), &read, 64).is_err(), "no wrap past the last number");
    }
}
