//! A bank's policy: the limits on balances and on single exchanges. Set in
//! the bank's config file; every change is journaled.

use serde::{Deserialize, Serialize};

use crate::member::MemberKind;
use crate::minutes::Minutes;

/// The lowest and highest balance an account may reach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// The lowest balance allowed (usually negative: the most a member may owe).
    pub floor: Minutes,
    /// The highest balance allowed.
    pub ceiling: Minutes,
}

impl Limits {
    pub fn allows(&self, balance: Minutes) -> bool {
        self.floor <= balance && balance <= self.ceiling
    }
}

/// The bank's rules for exchanges.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// Limits for people.
    pub person: Limits,
    /// Limits for agencies (youth centres, surgeries, councils), which give
    /// and receive far more than one person.
    pub agency: Limits,
    /// Limits for groups and funds (a community pot, an event).
    pub group: Limits,
    /// The most one provider may be credited in one exchange; 24 hours by default.
    pub max_minutes_per_person: Minutes,
    /// A member is "active" if they took part in an exchange within this many months.
    pub active_months: u32,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            person: Limits { floor: Minutes::from_hours(-10), ceiling: Minutes::from_hours(100) },
            agency: Limits { floor: Minutes::from_hours(-500), ceiling: Minutes::from_hours(500) },
            group: Limits { floor: Minutes::from_hours(-1000), ceiling: Minutes::from_hours(1000) },
            max_minutes_per_person: Minutes::from_hours(24),
            active_months: 12,
        }
    }
}

impl Policy {
    /// The limits that apply to a member of this kind, unless the member has their own.
    pub fn limits_for(&self, kind: MemberKind) -> Limits {
        match kind {
            MemberKind::Person => self.person,
            MemberKind::Agency => self.agency,
            MemberKind::Group => self.group,
        }
    }

    /// A policy that cannot work (a floor above zero, a ceiling below zero,
    /// no time allowed per exchange) is refused with this reason.
    pub fn problem(&self) -> Option<String> {
        for (name, l) in [("person", self.person), ("agency", self.agency), ("group", self.group)] {
            if l.floor.0 > 0 || l.ceiling.0 < 0 {
                return Some(format!("the {name} limits must have a floor at or below 0 and a ceiling at or above 0"));
            }
        }
        if self.max_minutes_per_person.0 <= 0 {
            return Some("max_minutes_per_person must be more than 0".into());
        }
        if self.active_months == 0 || self.active_months > 120 {
            return Some("active_months must be between 1 and 120".into());
        }
        None
    }
}
