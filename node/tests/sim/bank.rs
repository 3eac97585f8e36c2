//! One bank as the node runs it, with the I/O simulated: the node's own
//! ledger step (decide, build the entry, apply) over an in-memory state, the journal on a
//! [`SimDisk`], and the node's rule that nothing leaves the bank (a reply to
//! a user, a message to a peer) before the entry it reveals is synced.
//! What its journal says in order is kept beside the state ([`History`]), and
//! what it heard of other banks' heads ([`HeadsHeard`]).

use std::collections::BTreeSet;
use std::path::Path;

use amser_node::ledger::privacy::MemKeys;
use amser_node::ledger::{apply, step, Command, Context, LedgerError, LedgerRead, MemState, StateWrite, Step, TransferRecord};
use amser_protocol::federation::{Decision, PeerLine, TransferId, Verdict};
use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash, ExchangeId, ListingId, Member, MemberCode, Minutes, Policy};
use ed25519_dalek::SigningKey;

use super::disk::{Recovery, SimDisk, Tear};
use super::gossip::HeadsHeard;
use super::history::History;
use super::net::Wire;

/// A broken rule or driver the simulator must catch (see the self-checks in simulation.rs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// The rules as they are.
    None,
    /// The payee's bank no longer finds a transfer it already decided, so a
    /// retried or duplicated delivery is decided (and credited) again.
    ForgetDecidedTransfers,
    /// Settling a transfer no longer releases the payer's hold.
    KeepHoldsOnSettle,
    /// The driver sends a message as soon as its entry is written, before the sync.
    SendBeforeSync,
    /// The payer's bank settles a transfer again on a second decision whose
    /// verdict differs from the one it settled on (a hostile bank's other answer).
    TakeSecondDecision,
    /// The ledger forgets which evidence it recorded, so evidence sent again
    /// after the coordinator unfroze the line freezes it again.
    ForgetHandledEvidence,
    /// A bank whose disk was lost goes on from the older copy without
    /// numbering past the heads its peers hold (no `Recovered` entry).
    SkipRecovery,
    /// A hop that settles a routed transfer does not release the hold on its line with the bank before.
    KeepLineHoldsOnSettle,
    /// The payer's bank or a hop takes a rejection of a routed transfer
    /// signed by any bank on its path, even one before it (a hostile hop's).
    TakeRejectFromAnyBankOnPath,
}

/// What a user asked for and the ledger recorded, to find it again after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recorded {
    Exchange(ExchangeId),
    Transfer(TransferId),
}

/// What a command did.
// Made once per command and moved, never stored in bulk: boxing would only add allocations.
#[allow(clippy::large_enum_variant)]
pub enum Submitted {
    /// Wrote this entry (not yet durable).
    Wrote(JournalEntry),
    /// Found it already recorded, by the entry with this seq.
    Known { seq: u64, recorded: Recorded },
}

impl Submitted {
    /// The entry that must be durable before anyone is told.
    pub fn seq(&self) -> u64 {
        match self {
            Submitted::Wrote(entry) => entry.seq,
            Submitted::Known { seq, .. } => *seq,
        }
    }

    /// The exchange or transfer it recorded, if any.
    pub fn recorded(&self) -> Option<Recorded> {
        match self {
            Submitted::Known { recorded, .. } => Some(*recorded),
            Submitted::Wrote(entry) => match &entry.body {
                EntryBody::ExchangeRecorded { exchange } => Some(Recorded::Exchange(exchange.id)),
                EntryBody::TransferSent { transfer, .. } => transfer.id().ok().map(Recorded::Transfer),
                EntryBody::RoutedSent { routed, .. } => routed.id().ok().map(Recorded::Transfer),
                _ => None,
            },
        }
    }
}

/// A message held until the journal is synced through `after_seq`.
pub struct Held {
    pub after_seq: u64,
    pub to: usize,
    pub wire: Wire,
}

/// A user's request recorded, waiting for the sync that acknowledges it.
pub struct Awaiting {
    pub after_seq: u64,
    pub recorded: Option<Recorded>,
    /// The request again, when the user retries it until acknowledged (it has a client reference).
    pub retry: Option<Command>,
}

pub struct SimBank {
    pub handle: &'static str,
    pub id: BankId,
    key: SigningKey,
    federation: FederationId,
    /// Everything written, synced or not: what the node's writer decides against.
    pub state: MemState,
    pub disk: SimDisk,
    /// Messages waiting for the sync of the entry they reveal.
    pub outbox: Vec<Held>,
    /// Users' requests waiting for the sync of the entry that records them.
    pub awaiting: Vec<Awaiting>,
    /// This bank's clock minus the true time.
    pub skew_ms: i64,
    /// Down after a crash until this step.
    pub down_until: usize,
    pub members: Vec<MemberCode>,
    /// Its members' keys: a key file is synced as each key is made, so a crash keeps them.
    pub keys: MemKeys,
    /// What its journal says in order, from the first entry.
    pub history: History,
    /// Other banks' heads it heard.
    pub heads: HeadsHeard,
    /// Its disk was lost: it takes no new work until it has asked every
    /// other bank for its newest head and read back what they hold (`recovery.rs`).
    pub recovering: bool,
    /// The last entry the recovery wrote: it takes work again once that is durable.
    pub recovery_written: Option<u64>,
    /// How often its disk was lost (what it signed may wait to be read back from peers).
    pub lost_disks: u32,
    /// Since its disk was lost, the banks it has yet to read back from while
    /// they had nothing unsynced (`recovery.rs`, before deciding again).
    pub unread: BTreeSet<usize>,
    /// Entries its set-up wrote: no backup is older.
    pub setup_entries: usize,
}

impl SimBank {
    pub fn new(handle: &'static str, key_seed: u8, federation: FederationId) -> SimBank {
        let key = SigningKey::from_bytes(&[key_seed; 32]);
        SimBank {
            handle,
            id: bank_id(&key),
            key,
            federation,
            state: MemState::default(),
            disk: SimDisk::new(),
            outbox: Vec::new(),
            awaiting: Vec::new(),
            skew_ms: 0,
            down_until: 0,
            members: Vec::new(),
            keys: MemKeys::default(),
            history: History::default(),
            heads: HeadsHeard::default(),
            recovering: false,
            recovery_written: None,
            lost_disks: 0,
            unread: BTreeSet::new(),
            setup_entries: 0,
        }
    }

    /// Signs a message with the bank's own key (what a hostile bank may do with it as it likes).
    pub fn sign(&self, kind: MessageKind, body: Vec<u8>) -> SignedMessage {
        sign(&self.key, kind, self.federation, body).expect("a message the bank can sign")
    }

    pub fn profile(&self) -> BankProfile {
        BankProfile { bank: self.id, name: self.handle.into(), handle: self.handle.parse().expect("a handle"), region: String::new() }
    }

    pub fn is_up(&self, step: usize) -> bool {
        self.down_until <= step
    }

    /// Decides and applies `command` at `now_ms`, writing its entry (unsynced), as the node's writer does.
    pub fn submit(&mut self, command: Command, now_ms: u64, mutation: Mutation) -> Result<Submitted, LedgerError> {
        let ctx = Context { now_ms, key: &self.key, federation: self.federation, keys: &self.keys };
        let step = match (mutation, &command) {
            (Mutation::ForgetDecidedTransfers, Command::ReceiveTransfer { .. }) => {
                step(&Altered { state: &self.state, transfer: |_| None, forget_evidence: false }, command, &ctx)?
            }
            (Mutation::TakeSecondDecision, Command::ApplyDecision { signed }) => {
                let second = signed.verify(self.federation).ok().and_then(|v| Decision::decode(&v.body).ok());
                let reopen = |mut r: TransferRecord| {
                    let conflicts = second
                        .as_ref()
                        .is_some_and(|d| d.transfer == r.id && r.decision.as_ref().is_some_and(|first| first.verdict != d.verdict));
                    if conflicts {
                        r.decision = None;
                        r.signed_decision = None;
                    }
                    Some(r)
                };
                step(&Altered { state: &self.state, transfer: reopen, forget_evidence: false }, command, &ctx)?
            }
            (Mutation::ForgetHandledEvidence, Command::RecordEvidence { .. }) => {
                step(&Altered { state: &self.state, transfer: Some, forget_evidence: true }, command, &ctx)?
            }
            (Mutation::TakeRejectFromAnyBankOnPath, Command::ApplyDecision { signed }) => match step(&self.state, command.clone(), &ctx) {
                Err(refused) => self.settle_on_any_rejection(signed, &ctx).ok_or(refused)?,
                ok => ok?,
            },
            _ => step(&self.state, command, &ctx)?,
        };
        match step {
            Step::Append(appended) => {
                let head = appended.head();
                write_all(&mut self.state, broken(appended.writes, &appended.entry, mutation));
                self.history.note(&appended.entry);
                self.disk.write(&appended.bytes, head);
                Ok(Submitted::Wrote(appended.entry))
            }
            Step::AlreadyRecorded(id) => {
                let seq = self.state.exchanges.get(&id).map(|x| x.seq).ok_or_else(|| LedgerError::Storage("exchange vanished".into()))?;
                Ok(Submitted::Known { seq, recorded: Recorded::Exchange(id) })
            }
            Step::KnownTransfer(id) => {
                let seq = self.state.transfers.get(&id).map(|t| t.seq).ok_or_else(|| LedgerError::Storage("transfer vanished".into()))?;
                Ok(Submitted::Known { seq, recorded: Recorded::Transfer(id) })
            }
        }
    }

    /// [`Mutation::TakeRejectFromAnyBankOnPath`]: the settling entry the broken
    /// rule writes for a rejection of a routed transfer pending here by any bank on its path.
    fn settle_on_any_rejection(&self, signed: &SignedMessage, ctx: &Context) -> Option<Step> {
        let verified = signed.verify(self.federation).ok()?;
        let decision = Decision::decode(&verified.body).ok()?;
        let record = self.state.transfers.get(&decision.transfer)?;
        let on_path = record.path.contains(&decision.by) && decision.by != self.id;
        if verified.signer != decision.by || decision.verdict == Verdict::Accept || !record.is_pending() || !on_path {
            return None;
        }
        let (seq, prev_hash) = self.state.head;
        let body = EntryBody::TransferSettled { transfer: decision.transfer, decision, signed_decision: signed.clone() };
        let entry = JournalEntry { seq: seq + 1, prev_hash, time_ms: ctx.now_ms, body };
        let bytes = entry.encode().ok()?;
        let hash = JournalEntry::hash_of_bytes(&bytes);
        let writes = apply(&self.state, &entry, hash).ok()?;
        Some(Step::Append(amser_node::ledger::Appended { entry, bytes, hash, writes }))
    }

    /// One sync of the journal; returns the messages and acknowledgements it frees.
    pub fn sync(&mut self) -> (usize, Vec<Held>, Vec<Awaiting>) {
        let entries = self.disk.sync();
        let durable = self.disk.durable_seq();
        let (ready, waiting): (Vec<Held>, Vec<Held>) = self.outbox.drain(..).partition(|h| h.after_seq <= durable);
        self.outbox = waiting;
        let (acked, waiting): (Vec<Awaiting>, Vec<Awaiting>) = self.awaiting.drain(..).partition(|a| a.after_seq <= durable);
        self.awaiting = waiting;
        (entries, ready, acked)
    }

    /// A crash and restart: what was in memory is gone (messages not yet
    /// sent, replies not yet given, returned so users can retry), and the
    /// state is rebuilt from the journal the disk kept.
    pub fn crash(&mut self, tear: Tear, scratch: &Path, mutation: Mutation) -> Result<(Recovery, Vec<Awaiting>), String> {
        self.restart(tear, scratch, mutation, false)
    }

    /// The disk is lost and an older copy of the journal, its first `keep`
    /// entries, put back; the bank restarts from it alone, knowing none of
    /// the heads it heard, and recovers before it takes new work.
    pub fn lose_disk(&mut self, keep: usize, scratch: &Path, mutation: Mutation) -> Result<Vec<Awaiting>, String> {
        self.disk.lose_to(keep.max(self.setup_entries));
        self.heads.forget_all();
        self.lost_disks += 1;
        self.recovering = true;
        let (_, unanswered) = self.restart(Tear::Lost, scratch, mutation, true)?;
        Ok(unanswered)
    }

    fn restart(&mut self, tear: Tear, scratch: &Path, mutation: Mutation, lost_disk: bool) -> Result<(Recovery, Vec<Awaiting>), String> {
        self.outbox.clear();
        self.heads.forget_recent();
        self.recovery_written = None;
        let unanswered = std::mem::take(&mut self.awaiting);
        let (mut state, mut history) = (MemState::default(), History::default());
        let recovery = self.disk.crash(tear, scratch, |entry, hash| {
            history.note(entry);
            apply_entry(&mut state, entry, hash, mutation).map_err(|e| format!("replaying entry {} failed: {e}", entry.seq))
        })?;
        let before = std::mem::replace(&mut self.state, state);
        let history_before = std::mem::replace(&mut self.history, history);
        if recovery.lost_unsynced == 0 && !lost_disk {
            same_state(&before, &self.state)
                .map_err(|what| format!("replaying the journal after a crash that lost nothing changed {what}"))?;
            if history_before != self.history {
                return Err("replaying the journal after a crash that lost nothing changed its history".into());
            }
        }
        Ok((recovery, unanswered))
    }

    /// Replays the whole durable journal (which must verify end to end) and
    /// checks it gives the state the bank has.
    pub fn audit(&self, scratch: &Path, mutation: Mutation) -> Result<(), String> {
        let (mut state, mut history) = (MemState::default(), History::default());
        let mut failure = None;
        let head = self.disk.audit(scratch, |entry, hash| {
            history.note(entry);
            if let Err(e) = apply_entry(&mut state, entry, hash, mutation) {
                failure.get_or_insert(format!("replaying entry {} failed: {e}", entry.seq));
            }
        })?;
        if let Some(f) = failure {
            return Err(f);
        }
        if head != self.state.head {
            return Err(format!("the journal ends at entry {} but the bank's state is at entry {}", head.0, self.state.head.0));
        }
        if history != self.history {
            return Err("the journal replays to another history than the bank's".into());
        }
        same_state(&self.state, &state).map_err(|what| format!("the journal replays to a state with different {what}"))
    }
}

/// Applies an entry to the state (a replay): the node's `apply`, or a deliberately broken variant of it.
pub fn apply_entry(state: &mut MemState, entry: &JournalEntry, hash: EntryHash, mutation: Mutation) -> Result<(), LedgerError> {
    let writes = apply(state, entry, hash)?;
    write_all(state, broken(writes, entry, mutation));
    Ok(())
}

/// An entry's writes as the (possibly broken) rules under test make them.
fn broken(mut writes: Vec<StateWrite>, entry: &JournalEntry, mutation: Mutation) -> Vec<StateWrite> {
    if mutation == Mutation::KeepHoldsOnSettle && matches!(entry.body, EntryBody::TransferSettled { .. }) {
        writes.retain(|w| !matches!(w, StateWrite::Hold(..)));
    }
    if mutation == Mutation::KeepLineHoldsOnSettle && matches!(entry.body, EntryBody::TransferSettled { .. }) {
        writes.retain(|w| !matches!(w, StateWrite::LineHold(..)));
    }
    writes
}

fn write_all(state: &mut MemState, writes: Vec<StateWrite>) {
    for w in writes {
        state.write(w);
    }
}

/// Which part of two states differs, if any.
fn same_state(a: &MemState, b: &MemState) -> Result<(), &'static str> {
    if a.head != b.head {
        return Err("head");
    }
    if a.balances != b.balances {
        return Err("balances");
    }
    if a.clearing != b.clearing {
        return Err("clearing accounts");
    }
    if a.holds != b.holds {
        return Err("holds");
    }
    if a.line_holds != b.line_holds {
        return Err("line holds");
    }
    if a.members != b.members || a.peers != b.peers || a.policy != b.policy {
        return Err("members, peers or policy");
    }
    if a.exchanges != b.exchanges {
        return Err("exchanges");
    }
    if a.transfers != b.transfers {
        return Err("transfers");
    }
    Ok(())
}

/// A view of the state as a broken rule sees it: its transfers changed (the
/// [`Mutation::ForgetDecidedTransfers`] idempotency check that forgets them all,
/// the [`Mutation::TakeSecondDecision`] one that reopens a settled transfer), or
/// the evidence it recorded forgotten ([`Mutation::ForgetHandledEvidence`]).
struct Altered<'a, F: Fn(TransferRecord) -> Option<TransferRecord>> {
    state: &'a MemState,
    transfer: F,
    forget_evidence: bool,
}

impl<F: Fn(TransferRecord) -> Option<TransferRecord>> LedgerRead for Altered<'_, F> {
    fn profile(&self) -> Result<Option<BankProfile>, LedgerError> {
        self.state.profile()
    }
    fn policy(&self) -> Result<Policy, LedgerError> {
        self.state.policy()
    }
    fn member(&self, code: &MemberCode) -> Result<Option<Member>, LedgerError> {
        self.state.member(code)
    }
    fn member_count(&self) -> Result<u64, LedgerError> {
        self.state.member_count()
    }
    fn balance(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        self.state.balance(code)
    }
    fn exchange(&self, id: &ExchangeId) -> Result<Option<amser_node::ledger::ExchangeRecord>, LedgerError> {
        self.state.exchange(id)
    }
    fn listing(&self, id: &ListingId) -> Result<Option<amser_node::ledger::ListingRecord>, LedgerError> {
        self.state.listing(id)
    }
    fn head(&self) -> Result<(u64, EntryHash), LedgerError> {
        self.state.head()
    }
    fn peer(&self, bank: &BankId) -> Result<Option<PeerLine>, LedgerError> {
        self.state.peer(bank)
    }
    fn peer_by_handle(&self, handle: &str) -> Result<Option<PeerLine>, LedgerError> {
        self.state.peer_by_handle(handle)
    }
    fn clearing(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        self.state.clearing(bank)
    }
    fn hold(&self, code: &MemberCode) -> Result<Minutes, LedgerError> {
        self.state.hold(code)
    }
    fn line_hold(&self, bank: &BankId) -> Result<Minutes, LedgerError> {
        self.state.line_hold(bank)
    }
    fn ring(&self, id: &TransferId) -> Result<Option<amser_node::ledger::RingRecord>, LedgerError> {
        self.state.ring(id)
    }
    fn rings_in_flight(&self) -> Result<Vec<amser_node::ledger::RingRecord>, LedgerError> {
        self.state.rings_in_flight()
    }
    fn transfer(&self, id: &TransferId) -> Result<Option<TransferRecord>, LedgerError> {
        Ok(self.state.transfer(id)?.and_then(&self.transfer))
    }
    fn evidence_recorded(&self, bank: &BankId, id: &amser_node::ledger::EvidenceId) -> Result<bool, LedgerError> {
        Ok(!self.forget_evidence && self.state.evidence_recorded(bank, id)?)
    }
}
