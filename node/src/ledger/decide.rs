//! The rules: whether a command may happen, and the journal entry that
//! records it. Everything is checked here, before anything is written, so a
//! refused command changes nothing and an accepted one is never half-applied.

use amser_protocol::encoding::encode;
use amser_protocol::exchange::postings;
use amser_protocol::ids::{context, hash_with};
use amser_protocol::journal::EntryBody;
use amser_protocol::limits::{MAX_CLIENT_REF_CHARS, MAX_LONG_TEXT_CHARS, MAX_NAME_CHARS, MAX_SHORT_TEXT_CHARS};
use amser_protocol::listing::Listing;
use amser_protocol::member::MemberProfile;
use amser_protocol::sealed::Purpose;
use amser_protocol::text::check;
use amser_protocol::{Exchange, ExchangeId, ListingId, Member, MemberCode, MemberStatus, Minutes, ServiceDate};

use super::privacy::{self, MemberKeys};
use super::{Command, LedgerError, LedgerRead, MemberChanges};

/// What the rules ruled on a command.
#[derive(Debug, Clone, PartialEq, Eq)]
// Made once per request and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Ruling {
    /// Write this entry.
    Append(EntryBody),
    /// The same exchange (same client reference and content) is already
    /// recorded: nothing to write, answer with the existing one.
    AlreadyRecorded(ExchangeId),
    /// The transfer is already known here (a retry or a replay): nothing to
    /// write, answer with what was decided before.
    KnownTransfer(amser_protocol::federation::TransferId),
}

/// What a decision may use besides the state: the time, and the bank's key
/// and federation for signing what it sends to peers (ed25519 signing is
/// deterministic, so this stays a pure function).
pub struct Context<'a> {
    pub now_ms: u64,
    pub key: &'a ed25519_dalek::SigningKey,
    pub federation: amser_protocol::signing::FederationId,
    /// Members' keys, to seal what commands bring in.
    pub keys: &'a dyn MemberKeys,
}

/// The category an exchange gets when none is given.
pub const DEFAULT_CATEGORY: &str = "general";
/// How many days ahead a service date may be (time zones, late evenings).
pub(super) const MAX_DAYS_AHEAD: i32 = 1;
/// How many times to re-derive a member code that is already taken.
const MAX_CODE_ATTEMPTS: u32 = 1000;

fn storage_err(e: amser_protocol::encoding::EncodeError) -> LedgerError {
    LedgerError::Storage(e.to_string())
}

/// A new member of this bank from what the coordinator entered: the next
/// number, a free code derived from it, their key created and their
/// details sealed under it. The member and their number.
pub(super) fn new_member(
    view: &impl LedgerRead,
    profile: &amser_protocol::journal::BankProfile,
    member_profile: MemberProfile,
    joined: Option<ServiceDate>,
    ctx: &Context,
) -> Result<(Member, u64), LedgerError> {
    member_profile.check()?;
    check_own_limits(&member_profile)?;
    let number = view.member_count()? + 1;
    let mut code = None;
    for attempt in 0..MAX_CODE_ATTEMPTS {
        let candidate = MemberCode::derive(&profile.bank, &profile.handle, number, attempt);
        if view.member(&candidate)?.is_none() {
            code = Some(candidate);
            break;
        }
    }
    let code = code.ok_or_else(|| LedgerError::Storage("no free member code could be found".into()))?;
    ctx.keys.create(&code)?;
    let details = Some(privacy::seal(ctx.keys, Purpose::MemberDetails, std::slice::from_ref(&code), &member_profile.details())?);
    let member = Member {
        code,
        kind: member_profile.kind,
        own_limits: member_profile.own_limits,
        status: MemberStatus::Active,
        joined: joined.unwrap_or(ServiceDate::today(ctx.now_ms)),
        details,
    };
    Ok((member, number))
}

/// Decides a command against the state in `view`.
pub fn decide(view: &impl LedgerRead, command: Command, ctx: &Context) -> Result<Ruling, LedgerError> {
    let now_ms = ctx.now_ms;
    let today = ServiceDate::today(now_ms);
    if let Command::OpenBank { profile, policy } = command {
        if view.profile()?.is_some() {
            return Err(LedgerError::AlreadyOpen);
        }
        check("bank name", &profile.name, MAX_NAME_CHARS, false)?;
        check("region", &profile.region, MAX_SHORT_TEXT_CHARS, true)?;
        if let Some(problem) = policy.problem() {
            return Err(LedgerError::BadPolicy(problem));
        }
        return Ok(Ruling::Append(EntryBody::BankOpened { profile, policy }));
    }
    let profile = view.profile()?.ok_or(LedgerError::NotOpen)?;
    let next_seq = view.head()?.0 + 1;
    match command {
        Command::OpenBank { .. } => unreachable!("handled above"),
        Command::AdmitPeer { .. } | Command::UpdatePeer { .. } => super::peer::decide(view, &profile, command),
        Command::MoveMember { member, to } => super::moving::decide(view, &profile, member, to, ctx),
        Command::ProposeClearing { ring, minutes } => super::clearing::propose(view, &profile, ring, minutes, ctx),
        Command::ReceiveClearing { signed, delivered_by, decline } => {
            super::clearing::receive(view, &profile, signed, delivered_by, decline, ctx)
        }
        Command::SendTransfer { .. } | Command::SendRouted { .. } | Command::ReceiveTransfer { .. } | Command::ApplyDecision { .. } => {
            super::transfer::decide(view, &profile, command, ctx)
        }
        Command::RecordEvidence { .. } => super::evidence::decide(view, command, ctx),
        Command::Recover { .. } | Command::Recall { .. } => super::recall::decide(view, &profile, command, ctx),
        Command::SetPolicy { policy } => {
            if let Some(problem) = policy.problem() {
                return Err(LedgerError::BadPolicy(problem));
            }
            Ok(Ruling::Append(EntryBody::PolicyChanged { policy }))
        }
        Command::AddMember { profile: member_profile, joined } => {
            let (member, number) = new_member(view, &profile, member_profile, joined, ctx)?;
            Ok(Ruling::Append(EntryBody::MemberJoined { member, number }))
        }
        Command::IntroduceMember { member, host, until, checks_done } => {
            super::visiting::introduce(view, &profile, member, host, until, checks_done, ctx)
        }
        Command::AddVisitor { letter, profile: member_profile } => {
            super::visiting::add_visitor(view, &profile, letter, member_profile, ctx)
        }
        Command::UpdateMember { code, changes } => {
            let mut member = view.member(&code)?.ok_or_else(|| LedgerError::UnknownMember(code.clone()))?;
            let sealed = member.details.as_ref().ok_or_else(|| LedgerError::MemberErased(code.clone()))?;
            let details = privacy::open(ctx.keys, Purpose::MemberDetails, sealed)?.open().ok_or(LedgerError::MemberErased(code))?;
            let mut profile = MemberProfile::from_parts(details, member.kind, member.own_limits);
            apply_changes(&mut profile, &mut member.status, changes);
            profile.check()?;
            check_own_limits(&profile)?;
            member.kind = profile.kind;
            member.own_limits = profile.own_limits;
            member.details = Some(privacy::seal(ctx.keys, Purpose::MemberDetails, std::slice::from_ref(&member.code), &profile.details())?);
            Ok(Ruling::Append(EntryBody::MemberUpdated { member }))
        }
        Command::EraseMember { code, reason } => {
            check("reason", &reason, MAX_SHORT_TEXT_CHARS, false)?;
            let member = view.member(&code)?.ok_or_else(|| LedgerError::UnknownMember(code.clone()))?;
            if member.is_erased() {
                return Err(LedgerError::MemberErased(code));
            }
            Ok(Ruling::Append(EntryBody::MemberErased { member: code, reason }))
        }
        Command::RecordExchange { providers, receivers, minutes_each, category, note, date, recorded_by, client_ref } => {
            let category = exchange_category(&category);
            check("category", &category, MAX_SHORT_TEXT_CHARS, false)?;
            check("note", &note, MAX_LONG_TEXT_CHARS, true)?;
            check("recorded by", &recorded_by, MAX_SHORT_TEXT_CHARS, false)?;
            if let Some(r) = &client_ref {
                check("client reference", r, MAX_CLIENT_REF_CHARS, false)?;
            }
            let date = date.unwrap_or(today);
            let ours = |c: &MemberCode| c.handle() == profile.handle.as_str();
            if !providers.iter().chain(receivers.iter()).all(ours) {
                if providers.len() != 1 || receivers.len() != 1 {
                    return Err(LedgerError::CrossBankGroup);
                }
                if !ours(&receivers[0]) {
                    return Err(LedgerError::RecordAtPayersBank {
                        receiver: receivers[0].clone(),
                        bank: receivers[0].handle().to_string(),
                    });
                }
                let command = Command::SendTransfer {
                    payer: receivers[0].clone(),
                    payee: providers[0].clone(),
                    minutes: minutes_each,
                    category,
                    note,
                    date: Some(date),
                    client_ref,
                };
                return super::transfer::decide(view, &profile, command, ctx);
            }
            let nonce = client_ref.clone().unwrap_or_else(|| format!("seq:{next_seq}"));
            let x = NewExchange { providers, receivers, minutes_each, category, note, date, recorded_by, nonce };
            record_exchange(view, &profile.bank, x, today, ctx, Rules::Today)
        }
        Command::ImportExchange { providers, receivers, minutes_each, category, note, date, recorded_by, client_ref } => {
            let category = exchange_category(&category);
            check("category", &category, MAX_SHORT_TEXT_CHARS, false)?;
            check("note", &note, MAX_LONG_TEXT_CHARS, true)?;
            check("recorded by", &recorded_by, MAX_SHORT_TEXT_CHARS, false)?;
            check("client reference", &client_ref, MAX_CLIENT_REF_CHARS, false)?;
            if let Some(other) = providers.iter().chain(receivers.iter()).find(|c| c.handle() != profile.handle.as_str()) {
                return Err(LedgerError::UnknownMember(other.clone()));
            }
            let x = NewExchange { providers, receivers, minutes_each, category, note, date, recorded_by, nonce: client_ref };
            record_exchange(view, &profile.bank, x, today, ctx, Rules::History)
        }
        Command::ReverseExchange { id, reason } => {
            check("reason", &reason, MAX_LONG_TEXT_CHARS, false)?;
            let record = view.exchange(&id)?.ok_or(LedgerError::UnknownExchange(id))?;
            if record.reversed.is_some() {
                return Err(LedgerError::AlreadyReversed(id));
            }
            let postings = amser_protocol::exchange::reversing(&record.exchange.postings);
            let x = &record.exchange;
            let parties: Vec<MemberCode> = x.providers.iter().chain(x.receivers.iter()).cloned().collect();
            let reason = privacy::seal_text(ctx.keys, Purpose::ReversalReason, &parties, &reason)?;
            Ok(Ruling::Append(EntryBody::ExchangeReversed { reversal: amser_protocol::Reversal { exchange: id, reason, postings } }))
        }
        Command::PostListing { kind, member, category, description } => {
            check("category", &category, MAX_SHORT_TEXT_CHARS, false)?;
            check("description", &description, MAX_LONG_TEXT_CHARS, false)?;
            let m = view.member(&member)?.ok_or_else(|| LedgerError::UnknownMember(member.clone()))?;
            if m.status != MemberStatus::Active {
                return Err(LedgerError::MemberNotActive { code: m.code, status: m.status.to_string() });
            }
            let category = category.trim().to_lowercase();
            // The id hashes no personal text: a hash of a description could confirm a guess at it.
            let id_input = (&member, kind, &category, next_seq);
            let id = ListingId(hash_with(context::LISTING, &encode("listing id", &id_input).map_err(storage_err)?));
            let description = privacy::seal_text(ctx.keys, Purpose::ListingText, std::slice::from_ref(&member), &description)?;
            let listing = Listing { id, kind, member, category, description, posted: today };
            Ok(Ruling::Append(EntryBody::ListingPosted { listing }))
        }
        Command::CloseListing { id } => {
            let record = view.listing(&id)?.ok_or(LedgerError::UnknownListing(id))?;
            if !record.open {
                return Err(LedgerError::ListingClosed(id));
            }
            Ok(Ruling::Append(EntryBody::ListingClosed { listing: id }))
        }
        Command::ShareListing { id, shared, title } => {
            let record = view.listing(&id)?.ok_or(LedgerError::UnknownListing(id))?;
            if !record.open {
                return Err(LedgerError::ListingClosed(id));
            }
            let title = if shared { title.trim().to_string() } else { String::new() };
            check("title", &title, amser_protocol::directory::MAX_DIRECTORY_TITLE_CHARS, true)?;
            let title = privacy::seal_text(ctx.keys, Purpose::DirectoryTitle, std::slice::from_ref(&record.listing.member), &title)?;
            Ok(Ruling::Append(EntryBody::ListingShared { listing: id, shared, title }))
        }
    }
}

/// The category an exchange is recorded under: trimmed, lower case, or the default.
pub fn exchange_category(given: &str) -> String {
    if given.trim().is_empty() {
        DEFAULT_CATEGORY.to_string()
    } else {
        given.trim().to_lowercase()
    }
}

/// An exchange's id: the hash of its content and its nonce (the client
/// reference, or `seq:<next seq>` without one), so the same reference for
/// the same exchange is the same id.
pub fn exchange_id(
    bank: &amser_protocol::BankId,
    providers: &[MemberCode],
    receivers: &[MemberCode],
    minutes_each: Minutes,
    category: &str,
    date: ServiceDate,
    nonce: &str,
) -> Result<ExchangeId, LedgerError> {
    let id_input = (bank, providers, receivers, minutes_each, category, date, nonce);
    Ok(ExchangeId(hash_with(context::EXCHANGE, &encode("exchange id", &id_input).map_err(storage_err)?)))
}

/// An exchange within the bank, its texts checked.
struct NewExchange {
    providers: Vec<MemberCode>,
    receivers: Vec<MemberCode>,
    minutes_each: Minutes,
    category: String,
    note: String,
    date: ServiceDate,
    recorded_by: String,
    nonce: String,
}

/// Which rules an exchange within the bank meets.
#[derive(PartialEq, Eq)]
enum Rules {
    /// Today's: the most one person may be credited, and every balance within its limits.
    Today,
    /// History from another system, as it happened: balances may end beyond
    /// today's limits, and one exchange may be longer than today's most.
    History,
}

fn record_exchange(
    view: &impl LedgerRead,
    bank: &amser_protocol::BankId,
    x: NewExchange,
    today: ServiceDate,
    ctx: &Context,
    rules: Rules,
) -> Result<Ruling, LedgerError> {
    let NewExchange { providers, receivers, minutes_each, category, note, date, recorded_by, nonce } = x;
    let moves = postings(&providers, &receivers, minutes_each)?;
    // The vectors encode exactly as the slices did when the id was built inline.
    let id = exchange_id(bank, &providers, &receivers, minutes_each, &category, date, &nonce)?;
    if view.exchange(&id)?.is_some() {
        return Ok(Ruling::AlreadyRecorded(id));
    }
    // Checked after the lookup, so a retried request finds what its first attempt recorded
    // even if the clock or the policy has changed since (SendTransfer does the same).
    let policy = view.policy()?;
    if rules == Rules::Today && minutes_each > policy.max_minutes_per_person {
        return Err(LedgerError::TooLongForOnePerson { given: minutes_each, max: policy.max_minutes_per_person });
    }
    if date.0 > today.0 + MAX_DAYS_AHEAD {
        return Err(LedgerError::FutureDate(date));
    }
    for posting in &moves {
        let member = view.member(&posting.member)?.ok_or_else(|| LedgerError::UnknownMember(posting.member.clone()))?;
        if member.status != MemberStatus::Active {
            return Err(LedgerError::MemberNotActive { code: member.code, status: member.status.to_string() });
        }
        if rules == Rules::History {
            continue;
        }
        let limits = member.own_limits.unwrap_or_else(|| policy.limits_for(member.kind));
        let balance = view.balance(&member.code)?;
        let would_be = balance.checked_add(posting.minutes).ok_or_else(|| LedgerError::Storage("balance overflow".into()))?;
        // Time held for transfers in flight is not there to spend.
        let available_after = Minutes(would_be.0 - view.hold(&member.code)?.0);
        if posting.minutes.0 < 0 && available_after < limits.floor {
            return Err(LedgerError::BelowFloor { code: member.code, balance, would_be: available_after, floor: limits.floor });
        }
        if posting.minutes.0 > 0 && would_be > limits.ceiling {
            return Err(LedgerError::AboveCeiling { code: member.code, balance, would_be, ceiling: limits.ceiling });
        }
    }
    let parties: Vec<MemberCode> = providers.iter().chain(receivers.iter()).cloned().collect();
    let note = privacy::seal_text(ctx.keys, Purpose::Note, &parties, &note)?;
    let exchange = Exchange { id, providers, receivers, minutes_each, category, note, date, recorded_by, postings: moves };
    Ok(Ruling::Append(EntryBody::ExchangeRecorded { exchange }))
}

/// A member's own limits must have room for zero, like the policy's.
fn check_own_limits(profile: &MemberProfile) -> Result<(), LedgerError> {
    match profile.own_limits {
        Some(l) if l.floor.0 > 0 || l.ceiling.0 < 0 => {
            Err(LedgerError::BadPolicy("a member's own limits need a floor at or below 0 and a ceiling at or above 0".into()))
        }
        _ => Ok(()),
    }
}

fn apply_changes(profile: &mut MemberProfile, status: &mut MemberStatus, changes: MemberChanges) {
    let MemberChanges {
        name,
        kind,
        contact,
        skills_offered,
        needs,
        availability,
        special_needs,
        status: new_status,
        own_limits,
        clear_own_limits,
    } = changes;
    if let Some(v) = name {
        profile.name = v;
    }
    if let Some(v) = kind {
        profile.kind = v;
    }
    if let Some(v) = contact {
        profile.contact = v;
    }
    if let Some(v) = skills_offered {
        profile.skills_offered = v;
    }
    if let Some(v) = needs {
        profile.needs = v;
    }
    if let Some(v) = availability {
        profile.availability = v;
    }
    if let Some(v) = special_needs {
        profile.special_needs = v;
    }
    if let Some(v) = new_status {
        *status = v;
    }
    if clear_own_limits {
        profile.own_limits = None;
    }
    if own_limits.is_some() {
        profile.own_limits = own_limits;
    }
}
