//! Members: the register's entries as the API shows them, and the bodies
//! that add and change them.

use amser_protocol::member::MemberDetails;
use amser_protocol::policy::Limits;
use amser_protocol::sealed::Purpose;
use amser_protocol::{Member, MemberCode, MemberKind, MemberStatus, Minutes};
use serde::{Deserialize, Serialize};

use super::hours;
use crate::ledger::privacy::{self, MemberKeys};
use crate::ledger::LedgerError;

/// A member's details opened with their key; for an erased member, their
/// code as their name ("erased member rhymney:7KQ2-M9") and nothing else.
pub fn details_of(m: &Member, keys: &dyn MemberKeys) -> Result<MemberDetails, LedgerError> {
    let opened = match &m.details {
        Some(sealed) => privacy::open::<MemberDetails>(keys, Purpose::MemberDetails, sealed)?.open(),
        None => None,
    };
    Ok(opened.unwrap_or_else(|| MemberDetails {
        name: erased_name(&m.code),
        contact: String::new(),
        skills_offered: Vec::new(),
        needs: Vec::new(),
        availability: String::new(),
        special_needs: String::new(),
    }))
}

/// How an erased member is named wherever their name would be.
pub fn erased_name(code: &MemberCode) -> String {
    format!("erased member {code}")
}

/// Limits in whole minutes, as the API shows and takes them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LimitsView {
    pub floor_minutes: i64,
    pub ceiling_minutes: i64,
}

impl From<Limits> for LimitsView {
    fn from(l: Limits) -> Self {
        LimitsView { floor_minutes: l.floor.0, ceiling_minutes: l.ceiling.0 }
    }
}

impl From<LimitsView> for Limits {
    fn from(l: LimitsView) -> Self {
        Limits { floor: Minutes(l.floor_minutes), ceiling: Minutes(l.ceiling_minutes) }
    }
}

/// A member with their balance: `GET /members`, `GET /members/{code}`, and
/// the answer to adding or changing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemberView {
    pub code: MemberCode,
    pub name: String,
    /// person, agency or group.
    pub kind: String,
    /// active, paused or left.
    pub status: String,
    pub contact: String,
    pub skills_offered: Vec<String>,
    pub needs: Vec<String>,
    pub availability: String,
    /// Safeguarding notes: shown to this bank's coordinator, never sent to other banks.
    pub special_needs: String,
    /// YYYY-MM-DD.
    pub joined: String,
    /// The member's own limits, when they differ from their kind's.
    pub own_limits: Option<LimitsView>,
    pub balance_minutes: i64,
    /// The balance as H:MM.
    pub balance: String,
    pub balance_hours: f64,
    /// Their personal data was erased (their code and balance stay).
    #[serde(default)]
    pub erased: bool,
    /// Moved to another bank: their code there (status `moved`).
    #[serde(default)]
    pub moved_to: Option<String>,
    /// A visitor: what their home bank's letter of introduction says.
    #[serde(default)]
    pub visiting: Option<VisitView>,
}

/// What a visitor's letter of introduction says (no personal data).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitView {
    /// The home bank's id, and the member's code there.
    pub home_bank: String,
    pub home_code: String,
    /// YYYY-MM-DD.
    pub member_since: String,
    /// Whether the home bank's safeguarding checks are done.
    pub checks_done: bool,
    pub valid_until: String,
}

impl From<amser_protocol::introduction::Introduction> for VisitView {
    fn from(i: amser_protocol::introduction::Introduction) -> Self {
        VisitView {
            home_bank: i.bank.to_string(),
            home_code: i.member.to_string(),
            member_since: i.member_since.to_string(),
            checks_done: i.checks_done,
            valid_until: i.valid_until.to_string(),
        }
    }
}

/// `POST /members/{code}/introduce`: a letter for a visit to the bank `to` (its handle).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntroduceRequest {
    pub to: String,
    /// The letter's last day, YYYY-MM-DD.
    pub until: String,
    #[serde(default)]
    pub checks_done: bool,
}

/// A signed letter of introduction, as bytes to hand over (hex).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LetterView {
    pub letter: String,
    pub visit: VisitView,
}

/// `POST /visitors`: the letter a visitor brings and what the coordinator enters.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewVisitor {
    /// The letter as its home bank gave it (hex).
    pub letter: String,
    pub name: String,
    #[serde(default)]
    pub contact: String,
}

/// `POST /members/{code}/move`: the code the member has at the bank they join.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MoveRequest {
    pub to: String,
}

/// What a move did: the member as they now stand here, and the transfer
/// that takes their balance along (none when it was nothing).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MoveView {
    pub member: MemberView,
    pub transfer: Option<super::TransferView>,
}

impl MemberView {
    pub fn new(m: Member, balance: Minutes, keys: &dyn MemberKeys) -> Result<Self, LedgerError> {
        let d = details_of(&m, keys)?;
        Ok(MemberView {
            erased: m.is_erased(),
            code: m.code,
            name: d.name,
            kind: m.kind.to_string(),
            status: m.status.to_string(),
            contact: d.contact,
            skills_offered: d.skills_offered,
            needs: d.needs,
            availability: d.availability,
            special_needs: d.special_needs,
            joined: m.joined.to_string(),
            own_limits: m.own_limits.map(Into::into),
            balance_minutes: balance.0,
            balance: balance.to_string(),
            balance_hours: hours(balance),
            moved_to: None,
            visiting: None,
        })
    }
}

/// `POST /members`: a new member; only the name is required.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewMember {
    pub name: String,
    #[serde(default = "person")]
    pub kind: MemberKind,
    #[serde(default)]
    pub contact: String,
    #[serde(default)]
    pub skills_offered: Vec<String>,
    #[serde(default)]
    pub needs: Vec<String>,
    #[serde(default)]
    pub availability: String,
    #[serde(default)]
    pub special_needs: String,
    /// YYYY-MM-DD; today when absent.
    #[serde(default)]
    pub joined: Option<String>,
    #[serde(default)]
    pub own_limits: Option<LimitsView>,
}

fn person() -> MemberKind {
    MemberKind::Person
}

impl NewMember {
    /// A member with only a name and a kind; the rest is empty (or today).
    pub fn new(name: impl Into<String>, kind: MemberKind) -> Self {
        NewMember {
            name: name.into(),
            kind,
            contact: String::new(),
            skills_offered: Vec::new(),
            needs: Vec::new(),
            availability: String::new(),
            special_needs: String::new(),
            joined: None,
            own_limits: None,
        }
    }
}

/// `PATCH /members/{code}`: the changes to a member; what is absent stays
/// as it is (limits in minutes, as shown).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPatch {
    pub name: Option<String>,
    pub kind: Option<MemberKind>,
    pub contact: Option<String>,
    pub skills_offered: Option<Vec<String>>,
    pub needs: Option<Vec<String>>,
    pub availability: Option<String>,
    pub special_needs: Option<String>,
    pub status: Option<MemberStatus>,
    pub own_limits: Option<LimitsView>,
    /// Back to the kind's limits.
    #[serde(default)]
    pub clear_own_limits: bool,
}

/// `GET /members?status=&kind=&skill=&cursor=&limit=`: which members to
/// list (all when empty), a page at a time, in code order.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberQuery {
    /// active, paused or left.
    pub status: Option<String>,
    /// person, agency or group.
    pub kind: Option<String>,
    /// Only members offering a skill containing this text (any case).
    pub skill: Option<String>,
    /// The `next` of the page before (see [`super::Page`]).
    pub cursor: Option<String>,
    /// Most members in the page (see [`super::page::MAX_PAGE_ITEMS`]).
    pub limit: Option<usize>,
}
