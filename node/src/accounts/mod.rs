//! The people who use the bank's web console, and how they sign in
//! (DESIGN.md §1c). Accounts belong to this bank alone: they are kept in the
//! data directory's `accounts.json`, never in the journal and never in any
//! byte sent to another bank.
//!
//! - `book`: the accounts and their durable file (written whole, synced,
//!   renamed), one-time sign-in links.
//! - `password`: argon2id hashing and checking, off the async threads.
//! - `sessions`: signed-in sessions (cookie tokens, CSRF tokens, idle
//!   expiry), the throttle on failed sign-ins, per account and address, and
//!   the one-time tokens that make a form sent twice act once.
//! - `proposals`: exchanges a member recorded that wait for the other
//!   member's confirmation (`proposals.json`).
//! - `durable`: writing those small files whole, so a crash leaves the old
//!   file or the new one.

pub mod book;
pub mod durable;
pub mod password;
pub mod proposals;
pub mod sessions;

use serde::{Deserialize, Serialize};

pub use book::{Account, AccountBook, AccountError, Invitation, ACCOUNTS_FILE};
pub use proposals::{Proposal, ProposalBook, ProposalError, PROPOSALS_FILE};
pub use sessions::{Claim, Session, Sessions, Submitted, Throttle};

/// What an account may see and do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything: the register with contacts and notes, recording, the federation.
    Coordinator,
    /// Read-only, for trustees and funders: figures and the register without
    /// contacts or special-needs notes.
    Viewer,
    /// One member's own account.
    Member,
}

impl Role {
    /// Whether this role sees members' contacts and special-needs notes.
    pub fn sees_personal_details(self) -> bool {
        self == Role::Coordinator
    }

    /// Whether this role may change the register or record exchanges.
    pub fn may_record(self) -> bool {
        self == Role::Coordinator
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Role::Coordinator => "coordinator",
            Role::Viewer => "viewer",
            Role::Member => "member",
        })
    }
}

impl std::str::FromStr for Role {
    type Err = AccountError;
    fn from_str(s: &str) -> Result<Role, AccountError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "coordinator" => Ok(Role::Coordinator),
            "viewer" => Ok(Role::Viewer),
            "member" => Ok(Role::Member),
            _ => Err(AccountError::UnknownRole(s.to_string())),
        }
    }
}

/// The languages the console speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Language {
    #[default]
    En,
    Cy,
}

impl Language {
    pub const ALL: [Language; 2] = [Language::En, Language::Cy];

    /// The BCP 47 tag (`en`, `cy`).
    pub fn tag(self) -> &'static str {
        match self {
            Language::En => "en",
            Language::Cy => "cy",
        }
    }

    /// The language named by a tag such as `cy`, `cy-GB` or `en-gb`.
    pub fn from_tag(tag: &str) -> Option<Language> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "en" => Some(Language::En),
            "cy" => Some(Language::Cy),
            _ => None,
        }
    }

    /// The first language of an `Accept-Language` header that the console
    /// speaks, by the weights given; English when none is.
    pub fn from_accept_language(header: &str) -> Language {
        let mut best: Option<(f32, Language)> = None;
        for part in header.split(',') {
            let mut pieces = part.split(';');
            let Some(lang) = pieces.next().and_then(Language::from_tag) else { continue };
            let q = pieces.find_map(|p| p.trim().strip_prefix("q=").and_then(|q| q.parse::<f32>().ok())).unwrap_or(1.0);
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, lang));
            }
        }
        best.map(|(_, l)| l).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_browser_set_to_welsh_first_gets_welsh_and_one_set_to_french_gets_english() {
        assert_eq!(Language::from_accept_language("cy-GB,cy;q=0.9,en-GB;q=0.8,en;q=0.7"), Language::Cy);
        assert_eq!(Language::from_accept_language("en-GB,en;q=0.9,cy;q=0.8"), Language::En);
        assert_eq!(Language::from_accept_language("fr-FR,fr;q=0.9"), Language::En);
        assert_eq!(Language::from_accept_language("fr, cy;q=0.5"), Language::Cy);
        assert_eq!(Language::from_accept_language(""), Language::En);
    }
}
