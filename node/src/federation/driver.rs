//! The federation driver: turns what the network hears into ledger commands,
//! and what the ledger holds into messages, with no decision of its own.
//!
//! ```text
//!   NetEvent ──► driver ──► LedgerHandle::submit (ReceiveTransfer / ApplyDecision / RecordEvidence / UpdatePeer)
//!   tick ─────►   │  peers: allow list, addresses, redial
//!                 │  pending outgoing transfers: deliver, retry with backoff until decided
//!                 │  our journal head: sign and gossip when it moves
//!                 │  each peer's public log: catch up on connect and every CATCH_UP_INTERVAL
//!                 └──► NetworkHandle (request, respond, publish)
//! ```
//! The payer's bank never gives up on a transfer: it retries until the payee
//! bank's signed decision arrives, however long that takes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use amser_protocol::encoding::{decode, encode};
use amser_protocol::federation::{Evidence, PeerLine, PeerRequest, PeerResponse, PublicMessage, TransferId, MAX_LOG_BATCH};
use amser_protocol::journal::{BankProfile, JournalHead};
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};
use ed25519_dalek::SigningKey;
use libp2p::gossipsub::MessageAcceptance;
use libp2p::PeerId;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

use crate::clock::Clock;
use crate::federation::pairing::Pairing;
use crate::federation::swarm::{self, bank_of, peer_of, GossipValidator, NetEvent, NetworkConfig, NetworkError, NetworkHandle};
use crate::ledger::{Command, LedgerError, LedgerRead, PeerChanges, TransferRole};
use crate::storage::writer::{LedgerHandle, Reply};

/// How often the driver looks at peers, pending transfers and our head.
pub const TICK: Duration = Duration::from_millis(250);
/// First wait before re-sending an undecided transfer; doubles each time.
pub const FIRST_RETRY: Duration = Duration::from_millis(500);
/// Longest wait between two attempts to deliver one transfer.
pub const MAX_RETRY: Duration = Duration::from_secs(30);
/// How often an admitted bank that is not connected is dialled again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(2);
/// Signed heads remembered per bank, for spotting equivocation.
pub const HEADS_KEPT: usize = 256;
/// How often each connected peer's public log is read for what gossip missed
/// (also at once whenever the peer connects: after a restart or a partition).
pub const CATCH_UP_INTERVAL: Duration = Duration::from_secs(30);
/// Wait before reading a peer's public log again after a failed attempt.
pub const CATCH_UP_RETRY: Duration = Duration::from_secs(2);
/// Most pages of one peer's public log read in one catch-up round.
pub const MAX_CATCH_UP_PAGES: usize = 32;

/// What the API shows about each peer's connection.
#[derive(Debug, Clone, Default)]
pub struct PeerPresence {
    pub connected: bool,
    pub last_seen_ms: Option<u64>,
}

/// A cheap handle for the API: wake the driver, read presence and addresses.
#[derive(Clone)]
pub struct FederationHandle {
    pub net: NetworkHandle,
    pub name: String,
    poke: Arc<Notify>,
    presence: Arc<Mutex<HashMap<BankId, PeerPresence>>>,
}

impl FederationHandle {
    /// Asks the driver to look at peers and pending transfers now.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    pub fn presence(&self, bank: &BankId) -> PeerPresence {
        self.presence.lock().map(|p| p.get(bank).cloned().unwrap_or_default()).unwrap_or_default()
    }

    /// Our listen addresses, each ending in /p2p/<our bank id>.
    pub fn listen_addrs(&self) -> Vec<String> {
        self.net.listen_addrs().iter().map(|a| format!("{a}/p2p/{}", self.net.local_peer)).collect()
    }
}

/// Accepts gossip only when it is signed for this federation by the bank
/// that published it.
struct Validator {
    federation: FederationId,
}

impl GossipValidator for Validator {
    fn validate(&self, source: Option<&PeerId>, data: &[u8]) -> MessageAcceptance {
        let Ok(message) = SignedMessage::from_bytes(data) else { return MessageAcceptance::Reject };
        match message.verify(self.federation) {
            Ok(v) if source == Some(&peer_of(&v.signer)) => MessageAcceptance::Accept,
            _ => MessageAcceptance::Reject,
        }
    }
}

/// Where and how the bank meets its peers.
pub struct Settings {
    pub listen: Vec<String>,
    pub mdns: bool,
    pub bootstrap: Vec<String>,
    pub federation: String,
}

/// Starts networking and the driver.
pub async fn start(
    ledger: LedgerHandle,
    key: SigningKey,
    profile: BankProfile,
    settings: Settings,
    clock: Arc<dyn Clock>,
    stop: tokio::sync::watch::Receiver<bool>,
) -> Result<(FederationHandle, tokio::task::JoinHandle<()>), NetworkError> {
    let federation = FederationId::from_name(&settings.federation);
    let config = NetworkConfig {
        key_seed: key.to_bytes(),
        listen: settings.listen.clone(),
        mdns: settings.mdns,
        federation: settings.federation.clone(),
    };
    let (net, events) = swarm::start(config, Arc::new(Validator { federation })).await?;
    for b in &settings.bootstrap {
        match b.parse::<libp2p::Multiaddr>() {
            Ok(addr) => match addr.iter().last() {
                Some(libp2p::multiaddr::Protocol::P2p(peer)) => net.add_address(peer, addr.clone()).await?,
                _ => tracing::warn!(address = %b, "a bootstrap address must end in /p2p/<bank id>; ignored"),
            },
            Err(_) => tracing::warn!(address = %b, "not a libp2p address; ignored"),
        }
    }
    let handle = FederationHandle { net: net.clone(), name: settings.federation, poke: Arc::new(Notify::new()), presence: Arc::default() };
    let driver = Driver {
        ledger,
        key,
        federation,
        profile,
        net,
        clock,
        handle: handle.clone(),
        admitted: Arc::default(),
        peers: HashMap::new(),
        last_dial: HashMap::new(),
        retries: HashMap::new(),
        in_flight: Arc::default(),
        heads: HashMap::new(),
        published_head: 0,
        catch_ups: Arc::default(),
        pairing: Arc::default(),
        tasks: JoinSet::new(),
    };
    let task = tokio::spawn(driver.run(events, stop));
    Ok((handle, task))
}

struct CatchUp {
    running: bool,
    next: Instant,
}

struct Retry {
    next: Instant,
    delay: Duration,
    /// The payee's bank: its reconnection resets the wait.
    to: BankId,
}

struct Driver {
    ledger: LedgerHandle,
    key: SigningKey,
    federation: FederationId,
    profile: BankProfile,
    net: NetworkHandle,
    clock: Arc<dyn Clock>,
    handle: FederationHandle,
    /// Banks admitted and not removed.
    admitted: Arc<RwLock<HashSet<BankId>>>,
    /// The peer lines as last seen, to act only on changes.
    peers: HashMap<BankId, PeerLine>,
    last_dial: HashMap<BankId, Instant>,
    retries: HashMap<TransferId, Retry>,
    /// Transfers being delivered right now.
    in_flight: Arc<Mutex<HashSet<TransferId>>>,
    /// Signed heads seen from each bank, by seq.
    heads: HashMap<BankId, BTreeMap<u64, (EntryHash, SignedMessage)>>,
    published_head: u64,
    /// Reading each peer's public log: when next, and whether it is under way.
    catch_ups: Arc<Mutex<HashMap<BankId, CatchUp>>>,
    /// Other banks' transfers and decisions waiting for their other half.
    pairing: Arc<Mutex<Pairing>>,
    /// Deliveries and gossip in progress; aborted when the driver stops.
    tasks: JoinSet<()>,
}

impl Driver {
    async fn run(mut self, mut events: mpsc::Receiver<NetEvent>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let poke = self.handle.poke.clone();
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(e) => self.on_event(e).await,
                    None => break,
                },
                _ = tick.tick() => self.on_tick().await,
                _ = poke.notified() => self.on_tick().await,
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => {}
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
            }
        }
        tracing::debug!("federation driver stopped");
    }

    async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::storage::store::Store) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        self.ledger.read(f).await?
    }

    fn publish(&mut self, kind: MessageKind, body: Vec<u8>) {
        match sign(&self.key, kind, self.federation, body).map(|m| m.to_bytes()) {
            Ok(Ok(bytes)) => self.publish_bytes(bytes),
            _ => tracing::warn!("could not sign a gossip message"),
        }
    }

    fn publish_bytes(&mut self, bytes: Vec<u8>) {
        let net = self.net.clone();
        self.tasks.spawn(async move {
            let _ = net.publish(bytes).await;
        });
    }

    async fn on_tick(&mut self) {
        if let Err(e) = self.sync_peers().await {
            tracing::warn!(error = %e, "could not read the peer list");
        }
        if let Err(e) = self.deliver_pending().await {
            tracing::warn!(error = %e, "could not read pending transfers");
        }
        self.catch_up_due();
        self.publish_head().await;
    }

    /// Starts reading the public log of each connected peer not read lately.
    fn catch_up_due(&mut self) {
        let now = Instant::now();
        let Ok(mut catch_ups) = self.catch_ups.lock() else { return };
        for (bank, line) in &self.peers {
            let state = catch_ups.entry(*bank).or_insert(CatchUp { running: false, next: now });
            if line.removed || state.running || state.next > now || !self.handle.presence(bank).connected {
                continue;
            }
            state.running = true;
            let (net, ledger, federation, bank, catch_ups, pairing) =
                (self.net.clone(), self.ledger.clone(), self.federation, *bank, self.catch_ups.clone(), self.pairing.clone());
            self.tasks.spawn(async move {
                let wait = match catch_up(&net, &ledger, &pairing, federation, bank).await {
                    Ok(n) => {
                        if n > 0 {
                            tracing::info!(%bank, statements = n, "caught up with a peer's public log");
                        }
                        CATCH_UP_INTERVAL
                    }
                    Err(e) => {
                        tracing::info!(%bank, error = %e, "could not read a peer's public log; will try again");
                        CATCH_UP_RETRY
                    }
                };
                if let Ok(mut c) = catch_ups.lock() {
                    c.insert(bank, CatchUp { running: false, next: Instant::now() + wait });
                }
            });
        }
    }

    async fn sync_peers(&mut self) -> Result<(), LedgerError> {
        let lines = self.read(|s| Ok(s.peers()?)).await?;
        for line in lines {
            let peer = peer_of(&line.bank);
            let changed = self.peers.get(&line.bank) != Some(&line);
            if changed {
                if line.removed {
                    self.admitted.write().map(|mut a| a.remove(&line.bank)).ok();
                    let _ = self.net.disallow(peer).await;
                } else {
                    self.admitted.write().map(|mut a| a.insert(line.bank)).ok();
                    self.net.allow(peer).await.ok();
                    for a in &line.addrs {
                        if let Ok(addr) = a.parse() {
                            self.net.add_address(peer, addr).await.ok();
                        }
                    }
                }
                self.peers.insert(line.bank, line.clone());
            }
            if !line.removed && !self.handle.presence(&line.bank).connected {
                let due = self.last_dial.get(&line.bank).is_none_or(|t| t.elapsed() >= REDIAL_INTERVAL);
                if due || changed {
                    self.last_dial.insert(line.bank, Instant::now());
                    self.net.dial(peer).await.ok();
                    // If its address changed, a mutual peer may know the new one.
                    self.net.find_peer(peer).await.ok();
                }
            }
        }
        Ok(())
    }

    async fn deliver_pending(&mut self) -> Result<(), LedgerError> {
        let pending = self.read(|s| Ok(s.pending_transfers()?)).await?;
        let now = Instant::now();
        let live: HashSet<TransferId> = pending.iter().map(|t| t.id).collect();
        self.retries.retain(|id, _| live.contains(id));
        for record in pending {
            if record.role != TransferRole::Outgoing {
                continue;
            }
            let to = record.transfer.to;
            if !self.handle.presence(&to).connected {
                continue;
            }
            let retry = self.retries.entry(record.id).or_insert(Retry { next: now, delay: FIRST_RETRY, to });
            if retry.next > now || !self.in_flight.lock().map(|mut f| f.insert(record.id)).unwrap_or(false) {
                continue;
            }
            let first_attempt = retry.delay == FIRST_RETRY;
            retry.next = now + retry.delay;
            retry.delay = (retry.delay * 2).min(MAX_RETRY);
            if first_attempt {
                if let Ok(bytes) = record.signed.to_bytes() {
                    self.publish_bytes(bytes);
                }
            }
            let (net, ledger, in_flight) = (self.net.clone(), self.ledger.clone(), self.in_flight.clone());
            self.tasks.spawn(async move {
                let id = record.id;
                let request = PeerRequest::Deliver { transfer: record.signed, note: record.note };
                match net.request(peer_of(&to), request).await {
                    Ok(PeerResponse::Decided { decision }) => match ledger.submit(Command::ApplyDecision { signed: decision }).await {
                        Ok(_) => tracing::info!(transfer = %id, "transfer settled"),
                        Err(e) => tracing::warn!(transfer = %id, error = %e, "the other bank's decision was refused"),
                    },
                    Ok(PeerResponse::Refused { reason }) => {
                        tracing::warn!(transfer = %id, %reason, "the other bank refused the transfer for now; will retry")
                    }
                    Ok(_) => tracing::warn!(transfer = %id, "unexpected answer to a transfer; will retry"),
                    Err(e) => tracing::debug!(transfer = %id, error = %e, "delivery failed; will retry"),
                }
                in_flight.lock().map(|mut f| f.remove(&id)).ok();
            });
        }
        Ok(())
    }

    async fn publish_head(&mut self) {
        let Ok((seq, hash)) = self.read(|s| s.head()).await else { return };
        if seq == self.published_head {
            return;
        }
        self.published_head = seq;
        let head = JournalHead { bank: self.profile.bank, seq, hash, time_ms: self.clock.now_ms() };
        if let Ok(body) = encode("journal head", &head) {
            self.publish(MessageKind::JournalHead, body);
        }
    }

    async fn on_event(&mut self, event: NetEvent) {
        match event {
            NetEvent::Connected(peer) => {
                let Some(bank) = bank_of(&peer) else { return };
                if let Ok(mut p) = self.handle.presence.lock() {
                    p.insert(bank, PeerPresence { connected: true, last_seen_ms: Some(self.clock.now_ms()) });
                }
                // A bank that comes back gets its waiting transfers at once, not after
                // the backoff, and we read what it said while we could not hear it.
                let now = Instant::now();
                if let Ok(mut c) = self.catch_ups.lock() {
                    c.entry(bank).and_modify(|c| c.next = now).or_insert(CatchUp { running: false, next: now });
                }
                for retry in self.retries.values_mut().filter(|r| r.to == bank) {
                    retry.next = now;
                    retry.delay = FIRST_RETRY;
                }
                if self.peers.get(&bank).is_some_and(|l| l.handle.is_none()) {
                    let (net, ledger) = (self.net.clone(), self.ledger.clone());
                    self.tasks.spawn(async move {
                        if let Ok(PeerResponse::Hello { handle, .. }) = net.request(peer, PeerRequest::Hello).await {
                            let changes = PeerChanges { handle: Some(handle), ..Default::default() };
                            if let Err(e) = ledger.submit(Command::UpdatePeer { bank, changes }).await {
                                tracing::warn!(error = %e, "could not record the peer's handle");
                            }
                        }
                    });
                }
                self.handle.poke();
            }
            NetEvent::Disconnected(peer) => {
                if let (Some(bank), Ok(mut p)) = (bank_of(&peer), self.handle.presence.lock()) {
                    let now = self.clock.now_ms();
                    p.insert(bank, PeerPresence { connected: false, last_seen_ms: Some(now) });
                }
            }
            NetEvent::Request { peer, request, channel } => {
                let response = self.answer(peer, request).await;
                if let Err(e) = self.net.respond(channel, response).await {
                    tracing::debug!(error = %e, "could not answer a peer");
                }
            }
            NetEvent::Gossip { data, .. } => self.on_gossip(data).await,
        }
    }

    async fn answer(&mut self, peer: PeerId, request: PeerRequest) -> PeerResponse {
        let Some(bank) = bank_of(&peer) else { return PeerResponse::Refused { reason: "not a bank's key".into() } };
        match request {
            PeerRequest::Hello => PeerResponse::Hello { handle: self.profile.handle.clone(), name: self.profile.name.clone() },
            PeerRequest::Deliver { transfer, note } => {
                let ledger = self.ledger.clone();
                match ledger.submit(Command::ReceiveTransfer { signed: transfer, note, delivered_by: bank }).await {
                    Ok(Reply::Transfer(record)) => match record.signed_decision {
                        Some(decision) => {
                            if let Ok(bytes) = decision.to_bytes() {
                                self.publish_bytes(bytes);
                            }
                            PeerResponse::Decided { decision }
                        }
                        None => PeerResponse::Refused { reason: "that transfer is one we sent, not one for us".into() },
                    },
                    Ok(_) => PeerResponse::Refused { reason: "unexpected ledger reply".into() },
                    Err(e) => PeerResponse::Refused { reason: e.to_string() },
                }
            }
            PeerRequest::Status { transfer } => match self.read(move |s| s.transfer(&transfer)).await {
                Ok(Some(r)) if r.role == TransferRole::Incoming && r.transfer.from == bank => match r.signed_decision {
                    Some(decision) => PeerResponse::Decided { decision },
                    None => PeerResponse::Unknown,
                },
                _ => PeerResponse::Unknown,
            },
            PeerRequest::Log { from_seq, max } => {
                let max = max.clamp(1, MAX_LOG_BATCH) as usize;
                match self.read(move |s| Ok((s.public_log(from_seq, max)?, s.head()?.0))).await {
                    Ok(((entries, next_seq), head_seq)) => PeerResponse::Log { entries, next_seq, head_seq },
                    Err(e) => PeerResponse::Refused { reason: e.to_string() },
                }
            }
        }
    }

    async fn on_gossip(&mut self, data: Vec<u8>) {
        let Ok(message) = SignedMessage::from_bytes(&data) else { return };
        let Ok(verified) = message.verify(self.federation) else { return };
        match verified.kind {
            MessageKind::JournalHead => {
                let Ok(head) = decode::<JournalHead>("journal head", &verified.body, 1024) else { return };
                if head.bank != verified.signer || head.bank == self.profile.bank {
                    return;
                }
                let seen = self.heads.entry(head.bank).or_default();
                match seen.get(&head.seq) {
                    Some((hash, first)) if *hash != head.hash => {
                        let evidence = Evidence { first: first.clone(), second: message.clone() };
                        tracing::error!(bank = %head.bank, seq = head.seq, "a bank signed two different journal heads with one number: keeping the evidence and freezing its trust line");
                        self.record_evidence(head.bank, evidence).await;
                    }
                    Some(_) => {}
                    None => {
                        seen.insert(head.seq, (head.hash, message));
                        while seen.len() > HEADS_KEPT {
                            seen.pop_first();
                        }
                    }
                }
            }
            MessageKind::Evidence => {
                let Ok(evidence) = decode::<Evidence>("evidence", &verified.body, amser_protocol::limits::MAX_SIGNED_MESSAGE_BYTES) else {
                    return;
                };
                let Ok(first) = evidence.first.verify(self.federation) else { return };
                let against = first.signer;
                let admitted = self.admitted.read().map(|a| a.contains(&against)).unwrap_or(false);
                if admitted && !self.peers.get(&against).is_some_and(|p| p.frozen) {
                    self.record_evidence(against, evidence).await;
                }
            }
            MessageKind::Transfer | MessageKind::Decision => {
                let admitted = self.admitted.read().map(|a| a.contains(&verified.signer)).unwrap_or(false);
                if !admitted {
                    return;
                }
                match PublicMessage::check(&message, self.federation) {
                    Ok(said) => {
                        if let Err(e) = learn(&self.ledger, &self.pairing, said, message).await {
                            tracing::warn!(error = %e, "could not keep a peer's public statement");
                        }
                    }
                    Err(e) => tracing::debug!(signer = %verified.signer, error = %e, "ignored an inter-bank message"),
                }
            }
        }
    }

    async fn record_evidence(&mut self, against: BankId, evidence: Evidence) {
        let admitted = self.admitted.read().map(|a| a.contains(&against)).unwrap_or(false);
        // Evidence against a bank we admitted is told on only once our ledger
        // has checked and kept it: we sign what we gossip, so we never pass on
        // "evidence" that is not (a forged pair), nor tell twice.
        if admitted {
            match self.ledger.submit(Command::RecordEvidence { against, evidence: evidence.clone() }).await {
                Ok(_) => {}
                Err(LedgerError::PeerFrozen(_)) => return,
                Err(e) => {
                    tracing::warn!(error = %e, "refused evidence against a peer bank");
                    return;
                }
            }
        }
        if let Ok(body) = encode("evidence", &evidence) {
            self.publish(MessageKind::Evidence, body);
        }
    }
}

/// Reads `bank`'s public log from where we left off, keeps what it says, and
/// settles our transfers it has decided. Returns how many statements were new.
async fn catch_up(
    net: &NetworkHandle,
    ledger: &LedgerHandle,
    pairing: &Mutex<Pairing>,
    federation: FederationId,
    bank: BankId,
) -> Result<usize, String> {
    let mut learnt = 0;
    for _ in 0..MAX_CATCH_UP_PAGES {
        let from_seq = read_view(ledger, move |s| s.log_cursor(&bank)).await?;
        let answer = net.request(peer_of(&bank), PeerRequest::Log { from_seq, max: MAX_LOG_BATCH }).await.map_err(|e| e.to_string())?;
        let (entries, next_seq, head_seq) = match answer {
            PeerResponse::Log { entries, next_seq, head_seq } => (entries, next_seq, head_seq),
            PeerResponse::Refused { reason } => return Err(format!("the bank refused: {reason}")),
            _ => return Err("the bank gave an answer that is not part of its log".into()),
        };
        if entries.len() > MAX_LOG_BATCH as usize || next_seq < from_seq || (!entries.is_empty() && next_seq == from_seq) {
            return Err(format!("a log page that does not move on (from {from_seq} to {next_seq}, {} entries)", entries.len()));
        }
        // Check the whole page before keeping any of it.
        let mut page = Vec::with_capacity(entries.len());
        for signed in entries {
            let said = PublicMessage::check(&signed, federation).map_err(|e| format!("a log entry does not check: {e}"))?;
            let its_own = said.signer() == bank || matches!(&said, PublicMessage::Transfer { transfer, .. } if transfer.to == bank);
            if !its_own {
                return Err("a log entry that is not about the bank's own transfers".into());
            }
            page.push((said, signed));
        }
        for (said, signed) in page {
            if learn(ledger, pairing, said, signed).await? {
                learnt += 1;
            }
        }
        read_view(ledger, move |s| s.set_log_cursor(&bank, next_seq)).await?;
        if next_seq > head_seq || next_seq == from_seq {
            break;
        }
    }
    Ok(learnt)
}

/// Takes a checked public statement: a decision on one of our own pending
/// transfers settles it here and now (the payee's bank signed it, so it is
/// as good as the answer to a delivery); a transfer and its decision, once
/// both are here, are kept. Returns whether that kept something new.
async fn learn(ledger: &LedgerHandle, pairing: &Mutex<Pairing>, said: PublicMessage, signed: SignedMessage) -> Result<bool, String> {
    if let PublicMessage::Decision(decision) = &said {
        let id = decision.transfer;
        let ours = read_view(ledger, move |s| s.transfer(&id)).await?;
        if ours.is_some_and(|r| r.role == TransferRole::Outgoing && r.is_pending() && r.transfer.to == decision.by) {
            match ledger.submit(Command::ApplyDecision { signed: signed.clone() }).await {
                Ok(_) => tracing::debug!(transfer = %id, "settled (or already settled) from the other bank's public statement"),
                Err(e) => tracing::warn!(transfer = %id, error = %e, "the other bank's decision was refused"),
            }
        }
    }
    let pair = pairing.lock().map_err(|_| "the pairing lock is poisoned".to_string())?.offer(&said, signed);
    match pair {
        Some(pair) => read_view(ledger, move |s| s.remember_pair(&pair)).await,
        None => Ok(false),
    }
}

/// Runs `f` on the store (see [`LedgerHandle::read`]), with any error as text for
/// the catch-up's log line.
async fn read_view<T: Send + 'static, E: Into<LedgerError>>(
    ledger: &LedgerHandle,
    f: impl FnOnce(&crate::storage::store::Store) -> Result<T, E> + Send + 'static,
) -> Result<T, String> {
    ledger.read(move |s| f(s).map_err(Into::into)).await.and_then(|r| r).map_err(|e| e.to_string())
}
