//! The federation driver: turns what the network hears into ledger commands,
//! and what the ledger holds into messages, with no decision of its own.
//!
//! ```text
//!   NetEvent ──► driver ──► LedgerHandle::submit (ReceiveTransfer / ApplyDecision / RecordEvidence / UpdatePeer)
//!                 │  peers' requests: each answered in its own task, bounded per bank (inbound.rs)
//!   tick ─────►   │  peers: allow list, addresses, redial                       (here)
//!                 │  pending outgoing transfers: deliver, retry until decided   (delivery.rs)
//!   deliver ──►   │  transfers just recorded: sent at once, nothing read       (fresh.rs)
//!                 │  after a start: new work waits for peers' answers           (opening.rs)
//!                 │  our journal head: sign and gossip when it moves            (gossip.rs)
//!                 │  our lines' room: sign and gossip when it changes; peers'
//!                 │  adverts asked for on connect, then 1, 2, 4 ... 30 s apart  (advertising.rs)
//!                 │    once every connected peer said it holds none newer      (head_check.rs)
//!                 │  each peer's public log: catch up on connect and every
//!                 │  CATCH_UP_INTERVAL                                          (catch_up.rs)
//!                 └──► NetworkHandle (request, respond, publish)
//! ```
//! Peers' requests are answered concurrently, within bounds (inbound.rs);
//! gossip heard goes to gossip.rs, whose statements are taken in tasks of
//! their own (at most [`MAX_LEARNING`] at once), so the loop never waits on
//! a journal sync for them.
//! The payer's bank never gives up on a transfer: it retries until the payee
//! bank's signed decision arrives, however long that takes.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use amser_protocol::federation::{refusal, PeerLine, PeerRequest, PeerResponse, TransferId};
use amser_protocol::journal::BankProfile;
use amser_protocol::signing::{sign, FederationId, MessageKind, SignedMessage};
use amser_protocol::{BankId, EntryHash};
use ed25519_dalek::SigningKey;
use tokio::sync::{mpsc, Notify};
use tokio::task::JoinSet;

use super::advertising::Advertising;
use super::catch_up::CatchUp;
use super::delivery::{Retry, FIRST_RETRY};
use super::fresh::Fresh;
use super::gossip::Validator;
use super::head_check::Checked;
use super::inbound::{Answerer, Slots};
use super::opening::Opening;
use super::pairing::Pairing;
use super::recall;
use super::room_book::RoomBook;
use super::scoring::Scoring;
use super::swarm::{self, bank_of, peer_of, NetEvent, NetworkConfig, NetworkError, NetworkHandle};
use super::vouching::{Bounds, Vouching};
use crate::clock::Clock;
use crate::ledger::{Command, LedgerError, PeerChanges, TransferRecord};
use crate::storage::writer::LedgerHandle;

/// How often the driver looks at peers, pending transfers and our head.
pub const TICK: Duration = Duration::from_millis(250);
/// How often an admitted bank that is not connected is dialled again.
pub const REDIAL_INTERVAL: Duration = Duration::from_secs(2);
/// Most gossiped statements being taken in at once, each in its own task;
/// past this the driver takes the next one itself (and waits for it).
pub const MAX_LEARNING: usize = 256;

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
    /// Transfers just recorded, and the wake that sends them (fresh.rs).
    pub(super) fresh: Arc<Fresh>,
    fresh_wake: Arc<Notify>,
    presence: Arc<Mutex<HashMap<BankId, PeerPresence>>>,
    /// The room adverts held, ours among them (room_book.rs).
    pub rooms: Arc<RwLock<RoomBook>>,
    /// Monthly figures, ours and other banks' (figures.rs).
    pub figures: super::figures::Figures,
}

impl FederationHandle {
    /// Asks the driver to look at peers and pending transfers now.
    pub fn poke(&self) {
        self.poke.notify_one();
    }

    /// Hands a transfer just recorded here to the driver, which sends it at
    /// once without reading the state database. One it cannot take (not a
    /// pending outgoing transfer, or too many waiting) gets a full look.
    pub fn deliver(&self, record: TransferRecord) {
        if self.fresh.push(record) {
            self.fresh_wake.notify_one();
        } else {
            self.poke();
        }
    }

    pub fn presence(&self, bank: &BankId) -> PeerPresence {
        self.presence.lock().map(|p| p.get(bank).cloned().unwrap_or_default()).unwrap_or_default()
    }

    /// Our listen addresses, each ending in /p2p/<our bank id>.
    pub fn listen_addrs(&self) -> Vec<String> {
        self.net.listen_addrs().iter().map(|a| format!("{a}/p2p/{}", self.net.local_peer)).collect()
    }
}

/// Where and how the bank meets its peers.
pub struct Settings {
    pub listen: Vec<String>,
    pub mdns: bool,
    pub bootstrap: Vec<String>,
    pub federation: String,
    /// After a start, how long new work waits at most for admitted peers' answers.
    pub start_check: Duration,
    /// Sign a refusal of every clearing that comes round (`[federation] clearing = "decline"`).
    pub decline_clearing: bool,
    /// Answer admitted banks' directory searches from our shared listings (`[directory] share`).
    pub share_directory: bool,
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
    // Nothing new is numbered until admitted peers have said what they hold of our journal.
    let lines = ledger.read(|s| s.peers()).await.and_then(|r| r.map_err(LedgerError::from));
    let lines = lines.map_err(|e| NetworkError::Setup(format!("could not read the admitted banks: {e}")))?;
    if lines.iter().any(|l| !l.removed) {
        ledger.gate().shut(settings.start_check.as_secs());
    }
    let config = NetworkConfig {
        key_seed: key.to_bytes(),
        listen: settings.listen.clone(),
        mdns: settings.mdns,
        federation: settings.federation.clone(),
        scoring: Scoring::default(),
    };
    let vouching = Arc::new(RwLock::new(Vouching::new(profile.bank, Bounds::default())));
    let (net, events) = swarm::start(config, Arc::new(Validator { federation, vouching: vouching.clone() })).await?;
    for b in &settings.bootstrap {
        match b.parse::<libp2p::Multiaddr>() {
            Ok(addr) => match addr.iter().last() {
                Some(libp2p::multiaddr::Protocol::P2p(peer)) => net.add_address(peer, addr.clone()).await?,
                _ => tracing::warn!(address = %b, "a bootstrap address must end in /p2p/<bank id>; ignored"),
            },
            Err(_) => tracing::warn!(address = %b, "not a libp2p address; ignored"),
        }
    }
    let figures = super::figures::Figures::new(ledger.clone(), key.clone(), federation, vouching.clone(), clock.clone());
    let handle = FederationHandle {
        figures,
        net: net.clone(),
        name: settings.federation,
        poke: Arc::new(Notify::new()),
        fresh: Arc::default(),
        fresh_wake: Arc::new(Notify::new()),
        presence: Arc::default(),
        rooms: Arc::default(),
    };
    // Banks a recovery before this start has yet to read back (recall.rs).
    let unread = ledger.store().unread_banks().unwrap_or_default().into_iter().collect();
    let recovery: recall::Shared = Arc::new(std::sync::Mutex::new(recall::Recovery { unread, ..Default::default() }));
    let answerer = Answerer {
        ledger: ledger.clone(),
        profile: profile.clone(),
        net: net.clone(),
        key: key.clone(),
        federation,
        rooms: handle.rooms.clone(),
        handle: handle.clone(),
        decline_clearing: settings.decline_clearing,
        share_directory: settings.share_directory,
        recovery: recovery.clone(),
    };
    let driver = Driver {
        ledger,
        key,
        federation,
        profile,
        net,
        clock,
        handle: handle.clone(),
        peers: HashMap::new(),
        last_dial: HashMap::new(),
        retries: HashMap::new(),
        in_flight: Arc::default(),
        heads: HashMap::new(),
        published_head: 0,
        catch_ups: Arc::default(),
        pairing: Arc::default(),
        vouching,
        rooms: handle.rooms.clone(),
        advertising: Advertising::default(),
        tasks: JoinSet::new(),
        inbound: Slots::default(),
        head_checked: Checked::default(),
        opening: Opening::new(settings.start_check),
        recovery,
        answerer,
        learning: Arc::new(tokio::sync::Semaphore::new(MAX_LEARNING)),
        figures_published: None,
    };
    let task = tokio::spawn(driver.run(events, stop));
    Ok((handle, task))
}

pub(super) struct Driver {
    pub(super) ledger: LedgerHandle,
    pub(super) key: SigningKey,
    pub(super) federation: FederationId,
    pub(super) profile: BankProfile,
    pub(super) net: NetworkHandle,
    pub(super) clock: Arc<dyn Clock>,
    pub(super) handle: FederationHandle,
    /// The peer lines as last seen, to act only on changes.
    pub(super) peers: HashMap<BankId, PeerLine>,
    pub(super) last_dial: HashMap<BankId, Instant>,
    pub(super) retries: HashMap<TransferId, Retry>,
    /// Transfers being delivered right now.
    pub(super) in_flight: Arc<Mutex<HashSet<TransferId>>>,
    /// Signed heads seen from each bank, by seq.
    pub(super) heads: HashMap<BankId, BTreeMap<u64, (EntryHash, SignedMessage)>>,
    pub(super) published_head: u64,
    /// Reading each peer's public log: when next, and whether it is under way.
    pub(super) catch_ups: Arc<Mutex<HashMap<BankId, CatchUp>>>,
    /// Other banks' transfers and decisions waiting for their other half.
    pub(super) pairing: Arc<Mutex<Pairing>>,
    /// Who the federation is for us: admitted banks and the third parties they vouch for.
    pub(super) vouching: Arc<RwLock<Vouching>>,
    /// The room adverts held (the handle's), and what we last advertised.
    pub(super) rooms: Arc<RwLock<RoomBook>>,
    pub(super) advertising: Advertising,
    /// Deliveries, answers and gossip in progress; aborted when the driver stops.
    pub(super) tasks: JoinSet<()>,
    /// Peers' requests being answered, per bank (inbound.rs).
    pub(super) inbound: Slots,
    /// Connected peers that told us their newest head of ours (head_check.rs).
    pub(super) head_checked: Checked,
    /// After a start: which admitted peers have answered (opening.rs).
    pub(super) opening: Opening,
    /// Reading back from peers what our journal lost (recall.rs).
    pub(super) recovery: recall::Shared,
    pub(super) answerer: Answerer,
    /// Places for gossiped statements being taken in (gossip.rs).
    pub(super) learning: Arc<tokio::sync::Semaphore>,
    /// When our monthly figures were last looked at for gossip.
    pub(super) figures_published: Option<std::time::Instant>,
}

impl Driver {
    async fn run(mut self, mut events: mpsc::Receiver<NetEvent>, mut stop: tokio::sync::watch::Receiver<bool>) {
        let mut tick = tokio::time::interval(TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let (poke, fresh) = (self.handle.poke.clone(), self.handle.fresh_wake.clone());
        loop {
            tokio::select! {
                event = events.recv() => match event {
                    Some(e) => self.on_event(e).await,
                    None => break,
                },
                _ = tick.tick() => self.on_tick().await,
                _ = poke.notified() => self.on_tick().await,
                _ = fresh.notified() => self.deliver_fresh(),
                Some(_) = self.tasks.join_next(), if !self.tasks.is_empty() => {}
                changed = stop.changed() => if changed.is_err() || *stop.borrow() { break },
            }
        }
        tracing::debug!("federation driver stopped");
    }

    pub(super) async fn read<T: Send + 'static>(
        &self,
        f: impl FnOnce(&crate::storage::store::Store) -> Result<T, LedgerError> + Send + 'static,
    ) -> Result<T, LedgerError> {
        self.ledger.read(f).await?
    }

    pub(super) fn publish(&mut self, kind: MessageKind, body: Vec<u8>) {
        match sign(&self.key, kind, self.federation, body).map(|m| m.to_bytes()) {
            Ok(Ok(bytes)) => self.publish_bytes(bytes),
            _ => tracing::warn!("could not sign a gossip message"),
        }
    }

    pub(super) fn publish_bytes(&mut self, bytes: Vec<u8>) {
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
        self.open_when_peers_answered();
        self.catch_up_due();
        self.recover_due();
        if self.may_publish_head() {
            self.publish_head().await;
        }
        self.advertise_due().await;
        self.ask_rooms_due();
        self.publish_figures_due();
    }

    /// Every `FIGURES_INTERVAL`, in a task: our figures for this month and
    /// the last, signed and gossiped when the journal moved since.
    fn publish_figures_due(&mut self) {
        if self.figures_published.is_some_and(|t| t.elapsed() < super::figures_book::FIGURES_INTERVAL) {
            return;
        }
        self.figures_published = Some(std::time::Instant::now());
        let (figures, net) = (self.handle.figures.clone(), self.net.clone());
        self.tasks.spawn(async move {
            for month in figures.this_and_last_month() {
                match figures.ours(&month).await {
                    Ok((held, true)) => {
                        if let Ok(bytes) = held.signed.to_bytes() {
                            let _ = net.publish(bytes).await;
                        }
                    }
                    Ok(_) => {}
                    Err(e) => tracing::debug!(%month, error = %e, "could not sign this month's figures; will try again"),
                }
            }
        });
    }

    /// The admitted (not removed) banks connected now.
    pub(super) fn connected_peers(&self) -> impl Iterator<Item = BankId> + '_ {
        self.peers.values().filter(|l| !l.removed && self.handle.presence(&l.bank).connected).map(|l| l.bank)
    }

    async fn sync_peers(&mut self) -> Result<(), LedgerError> {
        let lines = self.read(|s| Ok(s.peers()?)).await?;
        let admission_changed = lines.iter().any(|l| self.peers.get(&l.bank).is_none_or(|p| p.removed != l.removed));
        for line in lines {
            let peer = peer_of(&line.bank);
            let changed = self.peers.get(&line.bank) != Some(&line);
            if changed {
                if line.removed {
                    let _ = self.net.disallow(peer).await;
                } else {
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
        if admission_changed {
            self.refresh_vouching().await;
        }
        Ok(())
    }

    async fn on_event(&mut self, event: NetEvent) {
        match event {
            // A connection event can be handed over late, after a newer one: what is
            // true now is read from the swarm's own record (NetworkHandle::is_linked).
            NetEvent::Connected(peer) if self.net.is_linked(&peer) => self.on_connected(peer),
            NetEvent::Connected(peer) => self.on_disconnected(peer),
            NetEvent::Disconnected(peer) if !self.net.is_linked(&peer) => self.on_disconnected(peer),
            NetEvent::Disconnected(_) => {} // it is back already: its Connected comes, or came
            NetEvent::Unreachable(peer) => self.on_unreachable(peer),
            NetEvent::Request { peer, request, channel } => {
                // Answered in a task of its own (inbound.rs): the loop never waits on a sync.
                let net = self.net.clone();
                let slot = bank_of(&peer).map(|bank| (bank, self.inbound.take(bank)));
                let answerer = self.answerer.clone();
                self.tasks.spawn(async move {
                    let refused = match slot {
                        None => PeerResponse::Refused { reason: refusal::NOT_A_BANK.into() },
                        Some((_, None)) => PeerResponse::Refused { reason: refusal::BUSY.into() },
                        Some((bank, Some(_slot))) => return answerer.answer_on(bank, request, channel).await,
                    };
                    if let Err(e) = net.respond(channel, refused).await {
                        tracing::debug!(error = %e, "could not answer a peer");
                    }
                });
            }
            NetEvent::Gossip { data, .. } => self.on_gossip(data).await,
        }
    }

    /// `peer` is connected: presence, its waiting transfers now, its log read, our head checked with it.
    fn on_connected(&mut self, peer: libp2p::PeerId) {
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
        self.on_connected_while_opening(bank);
        // Before we gossip a head it could compare: is our journal behind what it holds?
        self.head_checked.lock().map(|mut c| c.remove(&bank)).ok();
        self.check_our_head_with(bank);
        self.ask_rooms_soon(bank);
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

    /// `peer` is gone: presence, and its head check is to do again when it is back.
    fn on_disconnected(&mut self, peer: libp2p::PeerId) {
        if let (Some(bank), Ok(mut p)) = (bank_of(&peer), self.handle.presence.lock()) {
            let now = self.clock.now_ms();
            p.insert(bank, PeerPresence { connected: false, last_seen_ms: Some(now) });
            self.head_checked.lock().map(|mut c| c.remove(&bank)).ok();
        }
    }
}
