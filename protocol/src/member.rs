//! Members: people, agencies and groups. A member's name, contact, notes and
//! special needs stay on their own bank's node, sealed under the member's
//! own key ([`crate::sealed`]); only the code is ever shown to other banks.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::date::ServiceDate;
use crate::ids::MemberCode;
use crate::limits::{MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use crate::policy::Limits;
use crate::sealed::Sealed;
use crate::text::{check, check_tags, TextError};

/// What sort of member this is; each kind has its own limits in the policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberKind {
    /// A person.
    Person,
    /// An organisation: youth centre, GP surgery, council service.
    Agency,
    /// A group or fund: a community pot, an event.
    Group,
}

/// Whether a member takes part in exchanges now.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Active,
    /// Away for a while; keeps their balance, takes no new exchanges.
    Paused,
    /// Has left the bank; kept for the record.
    Left,
    /// Moved to another bank, taking their balance (`EntryBody::MemberMoved`).
    Moved,
}

macro_rules! text_enum {
    ($t:ty, $what:literal, $($s:literal => $v:expr),+) => {
        impl FromStr for $t {
            type Err = String;
            fn from_str(s: &str) -> Result<Self, String> {
                match s.trim().to_ascii_lowercase().as_str() {
                    $($s => Ok($v),)+
                    other => Err(format!(concat!("'{}' is not a ", $what, "; use one of: {}"), other, [$($s),+].join(", "))),
                }
            }
        }
        impl fmt::Display for $t {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                $(if *self == $v { return f.write_str($s); })+
                Ok(())
            }
        }
    };
}

text_enum!(MemberKind, "member kind", "person" => MemberKind::Person, "agency" => MemberKind::Agency, "group" => MemberKind::Group);
text_enum!(MemberStatus, "member status", "active" => MemberStatus::Active, "paused" => MemberStatus::Paused, "left" => MemberStatus::Left, "moved" => MemberStatus::Moved);

/// What a coordinator knows about a member (the register).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberProfile {
    pub name: String,
    pub kind: MemberKind,
    /// Phone, email or address, as the member wishes to be reached.
    pub contact: String,
    pub skills_offered: Vec<String>,
    pub needs: Vec<String>,
    /// When they are free, in their own words.
    pub availability: String,
    /// Special needs and safeguarding notes. Sensitive: never leaves the node.
    pub special_needs: String,
    /// Limits for this member only, overriding the policy's for their kind.
    pub own_limits: Option<Limits>,
}

impl MemberProfile {
    /// A profile with a name and a kind and nothing else yet; the
    /// coordinator fills in the rest as they learn it.
    pub fn new(name: impl Into<String>, kind: MemberKind) -> Self {
        MemberProfile {
            name: name.into(),
            kind,
            contact: String::new(),
            skills_offered: Vec::new(),
            needs: Vec::new(),
            availability: String::new(),
            special_needs: String::new(),
            own_limits: None,
        }
    }

    /// Checks every field's length and characters.
    pub fn check(&self) -> Result<(), TextError> {
        check("name", &self.name, MAX_NAME_CHARS, false)?;
        check("contact", &self.contact, MAX_SHORT_TEXT_CHARS, true)?;
        check("availability", &self.availability, MAX_SHORT_TEXT_CHARS, true)?;
        check("special needs", &self.special_needs, MAX_LONG_TEXT_CHARS, true)?;
        check_tags("skills offered", &self.skills_offered, MAX_SHORT_TEXT_CHARS)?;
        check_tags("needs", &self.needs, MAX_SHORT_TEXT_CHARS)?;
        Ok(())
    }
}

impl MemberProfile {
    /// The personal part of the profile: what is sealed under the member's key.
    pub fn details(&self) -> MemberDetails {
        MemberDetails {
            name: self.name.clone(),
            contact: self.contact.clone(),
            skills_offered: self.skills_offered.clone(),
            needs: self.needs.clone(),
            availability: self.availability.clone(),
            special_needs: self.special_needs.clone(),
        }
    }

    /// A profile put back together from a member's record and their opened details.
    pub fn from_parts(details: MemberDetails, kind: MemberKind, own_limits: Option<Limits>) -> MemberProfile {
        let MemberDetails { name, contact, skills_offered, needs, availability, special_needs } = details;
        MemberProfile { name, kind, contact, skills_offered, needs, availability, special_needs, own_limits }
    }
}

/// A member's personal fields: the register's words about them, which the
/// journal keeps only sealed and an erasure destroys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberDetails {
    pub name: String,
    pub contact: String,
    pub skills_offered: Vec<String>,
    pub needs: Vec<String>,
    pub availability: String,
    pub special_needs: String,
}

/// A member of a bank as the bank's own ledger keeps them: the facts the
/// rules need in the clear, the person's details sealed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Member {
    pub code: MemberCode,
    pub kind: MemberKind,
    /// Limits for this member only, overriding the policy's for their kind.
    pub own_limits: Option<Limits>,
    pub status: MemberStatus,
    pub joined: ServiceDate,
    /// Their [`MemberDetails`], sealed under their key; `None` once erased.
    pub details: Option<Sealed>,
}

impl Member {
    /// Whether the member's personal data has been erased.
    pub fn is_erased(&self) -> bool {
        self.details.is_none()
    }
}
