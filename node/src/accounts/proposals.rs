//! Exchanges a member recorded that wait for confirmation (`[policy]
//! who_records = "either_party"`), and their file, `proposals.json` (0600,
//! written whole like `accounts.json`).
//!
//! A proposal moves no hours, so it is not a ledger fact and is not in the
//! journal: it is a request, like a sign-in link. When the other member (or
//! a coordinator) confirms it, it becomes an ordinary exchange whose client
//! reference is the proposal's id, so a confirmation sent twice records once.
//! Confirming first marks the proposal durably as confirmed, then records the
//! exchange, then forgets the proposal: a kill -9 between those steps leaves
//! a confirmed proposal, which the node records (again, harmlessly) at its
//! next start ([`ProposalBook::confirmed`]). Proposals hold no free-text note,
//! only who, how long, the category and the date; an erased member's are
//! forgotten.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use amser_protocol::{MemberCode, Minutes, ServiceDate};
use serde::{Deserialize, Serialize};

/// The proposals file's name in the data directory.
pub const PROPOSALS_FILE: &str = "proposals.json";
const FILE_VERSION: u32 = 1;
/// Most proposals waiting in the whole bank.
pub const MAX_PROPOSALS: usize = 2_000;
/// Most proposals one member may have waiting (as either party).
pub const MAX_PROPOSALS_PER_MEMBER: usize = 20;
/// Longest category kept.
pub const MAX_CATEGORY_CHARS: usize = 60;

/// The prefix of the client reference a confirmed proposal is recorded with.
pub const CLIENT_REF_PREFIX: &str = "proposal:";

/// An exchange one member recorded, waiting for the other's confirmation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    pub id: String,
    /// Gave the help (earns the hours).
    pub provider: MemberCode,
    /// Received it (spends them).
    pub receiver: MemberCode,
    pub minutes: Minutes,
    pub category: String,
    pub date: ServiceDate,
    /// Which of the two recorded it, and as which account.
    pub proposed_by: MemberCode,
    pub proposed_by_account: String,
    pub proposed_at_ms: u64,
    /// Set, durably, before the exchange is recorded: the account that confirmed it.
    #[serde(default)]
    pub confirmed_by: Option<String>,
}

impl Proposal {
    /// The member who must confirm it (the one who did not propose it).
    pub fn other_party(&self) -> &MemberCode {
        if self.proposed_by == self.provider {
            &self.receiver
        } else {
            &self.provider
        }
    }

    pub fn involves(&self, code: &MemberCode) -> bool {
        &self.provider == code || &self.receiver == code
    }

    /// The client reference the exchange is recorded with.
    pub fn client_ref(&self) -> String {
        format!("{CLIENT_REF_PREFIX}{}", self.id)
    }

    /// Who recorded the exchange, as the ledger keeps it.
    pub fn recorded_by(&self) -> String {
        let confirmer = self.confirmed_by.as_deref().unwrap_or("?");
        format!("{} (confirmed by {confirmer})", self.proposed_by_account)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ProposalError {
    #[error("a member can record an exchange only with another member of this bank")]
    SameMember,
    #[error("the hours must be more than nothing")]
    NoTime,
    #[error("the category may have at most {MAX_CATEGORY_CHARS} characters, with no control characters")]
    BadCategory,
    #[error("{0} has {MAX_PROPOSALS_PER_MEMBER} exchanges waiting for confirmation, the most one member may have")]
    TooManyForMember(MemberCode),
    #[error("the bank has {MAX_PROPOSALS} exchanges waiting for confirmation, the most it may have")]
    TooMany,
    #[error("no exchange waits for confirmation with that id (it may have been confirmed or declined already)")]
    Unknown,
    #[error("could not use the proposals file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the proposals file {path} does not read ({reason}); move it aside to start with none waiting")]
    Damaged { path: PathBuf, reason: String },
}

#[derive(Serialize, Deserialize)]
struct ProposalsFile {
    version: u32,
    proposals: Vec<Proposal>,
}

/// The proposals waiting, in memory and in their file.
pub struct ProposalBook {
    path: PathBuf,
    proposals: Mutex<Vec<Proposal>>,
}

impl ProposalBook {
    /// Opens the proposals of the data directory `dir` (none if the file is absent).
    pub fn open(dir: &Path) -> Result<ProposalBook, ProposalError> {
        let path = dir.join(PROPOSALS_FILE);
        let proposals = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: ProposalsFile =
                    serde_json::from_slice(&bytes).map_err(|e| ProposalError::Damaged { path: path.clone(), reason: e.to_string() })?;
                if file.version != FILE_VERSION {
                    return Err(ProposalError::Damaged { path, reason: format!("it is version {}, not {FILE_VERSION}", file.version) });
                }
                file.proposals
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(ProposalError::Io { path, source }),
        };
        Ok(ProposalBook { path, proposals: Mutex::new(proposals) })
    }

    /// Keeps a new proposal, durably; checks its bounds first.
    pub fn add(&self, proposal: Proposal) -> Result<Proposal, ProposalError> {
        if proposal.provider == proposal.receiver {
            return Err(ProposalError::SameMember);
        }
        if proposal.minutes.0 <= 0 {
            return Err(ProposalError::NoTime);
        }
        if proposal.category.chars().count() > MAX_CATEGORY_CHARS || proposal.category.chars().any(char::is_control) {
            return Err(ProposalError::BadCategory);
        }
        self.change(|all| {
            if all.len() >= MAX_PROPOSALS {
                return Err(ProposalError::TooMany);
            }
            for party in [&proposal.provider, &proposal.receiver] {
                if all.iter().filter(|p| p.involves(party)).count() >= MAX_PROPOSALS_PER_MEMBER {
                    return Err(ProposalError::TooManyForMember(party.clone()));
                }
            }
            all.push(proposal.clone());
            Ok(proposal)
        })
    }

    pub fn get(&self, id: &str) -> Option<Proposal> {
        self.lock().iter().find(|p| p.id == id).cloned()
    }

    /// Every proposal waiting, oldest first.
    pub fn all(&self) -> Vec<Proposal> {
        self.lock().clone()
    }

    /// The proposals `code` takes part in, oldest first.
    pub fn of_member(&self, code: &MemberCode) -> Vec<Proposal> {
        self.lock().iter().filter(|p| p.involves(code)).cloned().collect()
    }

    /// Proposals confirmed whose exchange may not be recorded yet (a crash
    /// came between the two).
    pub fn confirmed(&self) -> Vec<Proposal> {
        self.lock().iter().filter(|p| p.confirmed_by.is_some()).cloned().collect()
    }

    /// Marks `id` confirmed by `account`, durably; the proposal as marked.
    pub fn mark_confirmed(&self, id: &str, account: &str) -> Result<Proposal, ProposalError> {
        self.change(|all| {
            let p = all.iter_mut().find(|p| p.id == id).ok_or(ProposalError::Unknown)?;
            p.confirmed_by = Some(account.to_string());
            Ok(p.clone())
        })
    }

    /// Takes back a confirmation the ledger refused: the proposal waits again.
    pub fn unconfirm(&self, id: &str) -> Result<(), ProposalError> {
        self.change(|all| {
            if let Some(p) = all.iter_mut().find(|p| p.id == id) {
                p.confirmed_by = None;
            }
            Ok(())
        })
    }

    /// Forgets `id` (recorded, declined or withdrawn).
    pub fn remove(&self, id: &str) -> Result<(), ProposalError> {
        self.change(|all| {
            let before = all.len();
            all.retain(|p| p.id != id);
            if all.len() == before {
                return Err(ProposalError::Unknown);
            }
            Ok(())
        })
    }

    /// Forgets every proposal `code` takes part in (their erasure); how many.
    pub fn forget_member(&self, code: &MemberCode) -> Result<usize, ProposalError> {
        self.change(|all| {
            let before = all.len();
            all.retain(|p| !p.involves(code));
            Ok(before - all.len())
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Proposal>> {
        self.proposals.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Applies `f` to a copy and, if it succeeds, makes the copy durable
    /// before it replaces the proposals in memory.
    fn change<T>(&self, f: impl FnOnce(&mut Vec<Proposal>) -> Result<T, ProposalError>) -> Result<T, ProposalError> {
        let mut proposals = self.lock();
        let mut changed = proposals.clone();
        let out = f(&mut changed)?;
        if changed != *proposals {
            let bytes = serde_json::to_vec_pretty(&ProposalsFile { version: FILE_VERSION, proposals: changed.clone() })
                .map_err(|e| ProposalError::Damaged { path: self.path.clone(), reason: e.to_string() })?;
            super::durable::write_whole(&self.path, &bytes).map_err(|source| ProposalError::Io { path: self.path.clone(), source })?;
            *proposals = changed;
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(s: &str) -> MemberCode {
        s.parse().expect("a member code")
    }

    fn gwen_helped_mair(id: &str) -> Proposal {
        Proposal {
            id: id.to_string(),
            provider: code("rhymney:GWEN-01"),
            receiver: code("rhymney:MARY-02"),
            minutes: Minutes(120),
            category: "gardening".into(),
            date: ServiceDate(20_000),
            proposed_by: code("rhymney:GWEN-01"),
            proposed_by_account: "Gwen Davies".into(),
            proposed_at_ms: 1,
            confirmed_by: None,
        }
    }

    #[test]
    fn gwens_two_hours_wait_for_mair_across_a_restart_and_a_confirmation_is_kept_before_it_is_recorded() {
        let dir = tempfile::tempdir().unwrap();
        let book = ProposalBook::open(dir.path()).unwrap();
        let p = book.add(gwen_helped_mair("a1")).unwrap();
        assert_eq!(p.other_party(), &code("rhymney:MARY-02"));
        book.mark_confirmed("a1", "Mair Jones").unwrap();
        drop(book);
        let again = ProposalBook::open(dir.path()).unwrap();
        let confirmed = again.confirmed();
        assert_eq!(confirmed.len(), 1);
        assert_eq!(confirmed[0].recorded_by(), "Gwen Davies (confirmed by Mair Jones)");
        assert_eq!(confirmed[0].client_ref(), "proposal:a1");
        again.remove("a1").unwrap();
        assert!(matches!(again.remove("a1"), Err(ProposalError::Unknown)));
        assert!(ProposalBook::open(dir.path()).unwrap().all().is_empty());
    }

    #[test]
    fn bounds_are_kept_and_an_erased_members_proposals_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let book = ProposalBook::open(dir.path()).unwrap();
        let mut same = gwen_helped_mair("s");
        same.receiver = same.provider.clone();
        assert!(matches!(book.add(same), Err(ProposalError::SameMember)));
        let mut none = gwen_helped_mair("n");
        none.minutes = Minutes(0);
        assert!(matches!(book.add(none), Err(ProposalError::NoTime)));
        for i in 0..MAX_PROPOSALS_PER_MEMBER {
            book.add(gwen_helped_mair(&format!("p{i}"))).unwrap();
        }
        assert!(matches!(book.add(gwen_helped_mair("one-more")), Err(ProposalError::TooManyForMember(_))));
        assert_eq!(book.forget_member(&code("rhymney:MARY-02")).unwrap(), MAX_PROPOSALS_PER_MEMBER);
        assert!(ProposalBook::open(dir.path()).unwrap().all().is_empty());
    }

    #[test]
    fn a_damaged_file_is_named_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(PROPOSALS_FILE), b"{ not json").unwrap();
        let err = ProposalBook::open(dir.path()).err().expect("refused").to_string();
        assert!(err.contains("proposals.json") && err.contains("move it aside"), "{err}");
    }
}
