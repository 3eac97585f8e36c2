//! What a coordinator (or, later, a peer bank) asks the ledger to do.

use amser_protocol::federation::Evidence;
use amser_protocol::journal::BankProfile;
use amser_protocol::listing::ListingKind;
use amser_protocol::member::MemberProfile;
use amser_protocol::policy::Limits;
use amser_protocol::signing::SignedMessage;
use amser_protocol::{BankId, Handle};
use amser_protocol::{ExchangeId, ListingId, MemberCode, MemberKind, MemberStatus, Minutes, Policy, ServiceDate};
use serde::{Deserialize, Serialize};

/// A request to change the bank's state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    OpenBank {
        profile: BankProfile,
        policy: Policy,
    },
    SetPolicy {
        policy: Policy,
    },
    AddMember {
        profile: MemberProfile,
        joined: Option<ServiceDate>,
    },
    UpdateMember {
        code: MemberCode,
        changes: MemberChanges,
    },
    /// Sign a letter introducing our member to `host` for a visit, holding until `until`.
    IntroduceMember {
        member: MemberCode,
        host: BankId,
        until: ServiceDate,
        checks_done: bool,
    },
    /// Register, as a visitor, the member another bank's `letter` introduces to us.
    AddVisitor {
        letter: SignedMessage,
        profile: MemberProfile,
    },
    /// Erase a member's personal data (their right to erasure): the entry
    /// records it; the caller destroys their key once the entry is durable.
    EraseMember {
        code: MemberCode,
        reason: String,
    },
    RecordExchange {
        providers: Vec<MemberCode>,
        receivers: Vec<MemberCode>,
        minutes_each: Minutes,
        category: String,
        note: String,
        date: Option<ServiceDate>,
        recorded_by: String,
        /// A caller's own reference: the same reference for the same exchange
        /// records it once, however often the request is retried.
        client_ref: Option<String>,
    },
    /// An exchange from another system's history (`amser import`), recorded
    /// as it happened: the same journal entry as `RecordExchange`, but a
    /// balance may end beyond today's limits and one exchange may be longer
    /// than today's most for one person (DESIGN.md §1d). Always within the
    /// bank, always with a client reference and the original date.
    ImportExchange {
        providers: Vec<MemberCode>,
        receivers: Vec<MemberCode>,
        minutes_each: Minutes,
        category: String,
        note: String,
        date: ServiceDate,
        recorded_by: String,
        client_ref: String,
    },
    ReverseExchange {
        id: ExchangeId,
        reason: String,
    },
    PostListing {
        kind: ListingKind,
        member: MemberCode,
        category: String,
        description: String,
    },
    CloseListing {
        id: ListingId,
    },
    /// Share an open listing in the federation directory with the `title`
    /// the coordinator wrote for it (may be empty: the category alone), or
    /// withdraw it (`shared: false`; the title is not kept).
    ShareListing {
        id: ListingId,
        shared: bool,
        title: String,
    },
    /// Admit a peer bank with a trust line (or change an admitted one's).
    AdmitPeer {
        bank: BankId,
        handle: Option<Handle>,
        addrs: Vec<String>,
        trust: Minutes,
        max_transfer: Option<Minutes>,
    },
    /// Change an admitted peer's standing.
    UpdatePeer {
        bank: BankId,
        changes: PeerChanges,
    },
    /// Our member `payer` received help from `payee`, a member of another bank.
    SendTransfer {
        payer: MemberCode,
        payee: MemberCode,
        minutes: Minutes,
        category: String,
        note: String,
        date: Option<ServiceDate>,
        client_ref: Option<String>,
    },
    /// As `SendTransfer`, to a member of a bank we have no line with, along
    /// `path` (`[this bank, hop, ..., payee's bank]`, from the room adverts:
    /// `region::paths`).
    SendRouted {
        payer: MemberCode,
        payee: MemberCode,
        minutes: Minutes,
        category: String,
        note: String,
        date: Option<ServiceDate>,
        client_ref: Option<String>,
        path: Vec<BankId>,
    },
    /// A peer delivered a signed transfer to one of our members, or, routed,
    /// one to pass on or to decide (`route`).
    ReceiveTransfer {
        signed: SignedMessage,
        note: String,
        delivered_by: BankId,
    },
    /// Our member moves to another bank, where their code is `to`: their
    /// balance goes with them as one transfer (`moving`).
    MoveMember {
        member: MemberCode,
        to: MemberCode,
    },
    /// Propose cancelling `minutes` off the ring of debts `ring` (`ring[0]`
    /// is this bank; each bank owes the next; the last owes us).
    ProposeClearing {
        ring: Vec<BankId>,
        minutes: Minutes,
    },
    /// A peer passed us a clearing on its way round the ring; `decline`
    /// when this bank does not take part in clearing.
    ReceiveClearing {
        signed: SignedMessage,
        delivered_by: BankId,
        decline: bool,
    },
    /// A peer's signed decision on a transfer we sent (or hold as a hop),
    /// or on a clearing we proposed or promised.
    ApplyDecision {
        signed: SignedMessage,
    },
    /// Two signed heads with one seq from one bank: keep them, freeze the line.
    RecordEvidence {
        against: BankId,
        evidence: Evidence,
    },
    /// Our journal ends below heads we signed that our peers hold (the
    /// highest: `peers_saw`): number what follows past them (recall.rs).
    Recover {
        peers_saw: u64,
    },
    /// A transfer between us and another bank, with the payee bank's signed
    /// decision, read back from that bank (`from`) after our disk was lost;
    /// or, with no decision, a routed transfer we had passed on to `from`,
    /// which holds it undecided.
    Recall {
        transfer: SignedMessage,
        decision: Option<SignedMessage>,
        from: BankId,
    },
}

impl Command {
    /// Whether the command puts back what the bank had already said, so it
    /// is taken even while the ledger is halted for being behind its peers.
    pub fn is_recovery(&self) -> bool {
        matches!(self, Command::Recover { .. } | Command::Recall { .. })
    }
}

impl Command {
    /// A coordinator's exchange with the defaults (category "general", no
    /// note, today, no client reference): for tools, demos and tests.
    pub fn exchange(providers: &[&MemberCode], receivers: &[&MemberCode], minutes: Minutes) -> Command {
        Command::RecordExchange {
            providers: providers.iter().map(|c| (*c).clone()).collect(),
            receivers: receivers.iter().map(|c| (*c).clone()).collect(),
            minutes_each: minutes,
            category: String::new(),
            note: String::new(),
            date: None,
            recorded_by: "coordinator".into(),
            client_ref: None,
        }
    }
}

/// Changes to an admitted peer; `None` keeps a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeerChanges {
    pub handle: Option<Handle>,
    pub addrs: Option<Vec<String>>,
    pub trust: Option<Minutes>,
    pub max_transfer: Option<Option<Minutes>>,
    pub frozen: Option<bool>,
    pub removed: Option<bool>,
}

/// Fields of a member to change; `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberChanges {
    pub name: Option<String>,
    pub kind: Option<MemberKind>,
    pub contact: Option<String>,
    pub skills_offered: Option<Vec<String>>,
    pub needs: Option<Vec<String>>,
    pub availability: Option<String>,
    pub special_needs: Option<String>,
    pub status: Option<MemberStatus>,
    /// Limits for this member only.
    pub own_limits: Option<Limits>,
    /// Drop the member's own limits, so the policy's apply again.
    #[serde(default)]
    pub clear_own_limits: bool,
}
