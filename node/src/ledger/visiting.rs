//! Visiting members: a home bank signs a letter introducing its member to
//! a host bank for a while (`protocol::introduction`), and the host bank
//! verifies it before registering them as a visitor. The letter carries no
//! personal data; the host's coordinator enters the name.
//!
//! ```text
//!  home:  IntroduceMember ─► MemberIntroduced (the signed letter, kept) ─► handed to the member
//!  host:  AddVisitor { letter, profile } ─► checks ─► VisitorJoined (a member, visiting until the letter's last day)
//! ```

use amser_protocol::introduction::{Introduction, MAX_VISIT_DAYS};
use amser_protocol::journal::{BankProfile, EntryBody};
use amser_protocol::member::MemberProfile;
use amser_protocol::signing::{MessageKind, SignedMessage};
use amser_protocol::{BankId, MemberCode, MemberStatus, ServiceDate};

use super::decide::{Context, Ruling};
use super::transfer::signed;
use super::{LedgerError, LedgerRead};

/// The home bank signs a letter for its active member `member`, to `host`, holding until `until`.
pub(super) fn introduce(
    view: &impl LedgerRead,
    profile: &BankProfile,
    member: MemberCode,
    host: BankId,
    until: ServiceDate,
    checks_done: bool,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let record = view.member(&member)?.ok_or_else(|| LedgerError::UnknownMember(member.clone()))?;
    if record.status != MemberStatus::Active {
        return Err(LedgerError::MemberNotActive { code: member, status: record.status.to_string() });
    }
    view.peer(&host)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(host))?;
    let today = ServiceDate::today(ctx.now_ms);
    let letter = Introduction {
        bank: profile.bank,
        member: member.clone(),
        member_since: record.joined,
        checks_done,
        host,
        issued: today,
        valid_until: until,
    };
    letter
        .check_shape()
        .map_err(|why| LedgerError::BadLetter(format!("{why} (from today, {today}, to {until}; at most {MAX_VISIT_DAYS} days)")))?;
    let body = letter.encode().map_err(|e| LedgerError::Storage(e.to_string()))?;
    let letter = signed(ctx, MessageKind::Introduction, body)?;
    Ok(Ruling::Append(EntryBody::MemberIntroduced { member, letter }))
}

/// The host bank checks `letter` and registers its holder as a visitor
/// with `member_profile` (what the coordinator entered), as a new member.
pub(super) fn add_visitor(
    view: &impl LedgerRead,
    profile: &BankProfile,
    letter: SignedMessage,
    member_profile: MemberProfile,
    ctx: &Context,
) -> Result<Ruling, LedgerError> {
    let intro = Introduction::check(&letter, ctx.federation).map_err(|e| LedgerError::BadLetter(e.to_string()))?;
    if intro.host != profile.bank {
        return Err(LedgerError::BadLetter("it introduces the member to another bank, not this one".into()));
    }
    let home = view.peer(&intro.bank)?.filter(|p| !p.removed).ok_or(LedgerError::NotAdmitted(intro.bank))?;
    if home.frozen {
        return Err(LedgerError::PeerFrozen(home.handle.map(|h| h.to_string()).unwrap_or_else(|| intro.bank.to_string())));
    }
    if home.handle.as_ref().is_some_and(|h| h.as_str() != intro.member.handle()) {
        return Err(LedgerError::BadLetter(format!("{} is not a code of the bank that signed it", intro.member)));
    }
    let today = ServiceDate::today(ctx.now_ms);
    if !intro.holds_on(today) {
        return Err(LedgerError::BadLetter(format!(
            "it holds from {} to {}, not today ({today}); ask the home bank for a new one",
            intro.issued, intro.valid_until
        )));
    }
    let (member, number) = super::decide::new_member(view, profile, member_profile, Some(today), ctx)?;
    Ok(Ruling::Append(EntryBody::VisitorJoined { member, number, visit: intro, letter }))
}
