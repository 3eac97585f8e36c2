//! The bank's libp2p node: one task owns the [`Swarm`]; everything else talks
//! to it through a [`NetworkHandle`] (commands in) and a receiver of
//! [`NetEvent`]s (events out), as in rust-libp2p's file-sharing example.
//!
//! ```text
//!  federation driver ──NetCommand──► [bounded] ──► swarm task ──► TCP/noise/yamux (QUIC: feature)
//!          ▲                                          │ allow list: only admitted banks stay connected
//!          └──────────── NetEvent ◄──── [bounded] ◄───┘ gossip is validated here, always with a verdict;
//!                                                       events are never waited on (a full queue sheds)
//! ```
//!
//! Behaviours: allow list, identify, ping, gossipsub (strict signing, manual
//! validation, content-addressed ids, peer scoring with a flood gauge and a
//! backoff for peers kept out: `scoring`) on the federation topic,
//! request-response with [`codec::PeerCodec`], Kademlia under our own
//! protocol name (never the public IPFS DHT), mDNS when configured. The task
//! counts gossip heard (by verdict) and published for `/metrics`.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use amser_protocol::federation::{PeerRequest, PeerResponse};
use amser_protocol::limits::MAX_SIGNED_MESSAGE_BYTES;
use amser_protocol::BankId;
use libp2p::futures::StreamExt;
use libp2p::gossipsub::{self, IdentTopic, MessageAcceptance, MessageAuthenticity, MessageId, ValidationMode};
use libp2p::request_response::{self, OutboundRequestId, ProtocolSupport, ResponseChannel};
use libp2p::swarm::behaviour::toggle::Toggle;
use libp2p::swarm::{DialError, NetworkBehaviour, SwarmEvent};
use libp2p::{allow_block_list, identify, kad, mdns, noise, ping, tcp, yamux, Multiaddr, PeerId, StreamProtocol, Swarm};
use thiserror::Error;
use tokio::sync::{mpsc, oneshot};

use super::codec::{PeerCodec, PEER_PROTOCOL};
use super::scoring::{score_params, FloodGauge, PenaltyBox, Scoring, SCORE_CHECK};
use crate::metrics::counters::GossipCounters;

/// Most addresses remembered per peer from the operator (the newest kept).
const MAX_GIVEN_ADDRS: usize = 8;
/// Kademlia's protocol name: our own, so we never join the public IPFS DHT.
pub const KAD_PROTOCOL: StreamProtocol = StreamProtocol::new("/amser/kad/1.0.0");
/// How long a connection with nothing to do stays open (banks talk rarely).
pub const IDLE_CONNECTION_TIMEOUT: Duration = Duration::from_secs(60 * 60);
/// How long a direct request may take before it counts as failed.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// Most commands waiting for the swarm task.
pub const COMMAND_QUEUE: usize = 1024;
/// Most events waiting for the federation driver.
pub const EVENT_QUEUE: usize = 4096;
/// Most concurrent streams per connection for direct requests.
pub const MAX_CONCURRENT_STREAMS: usize = 64;
/// Gossip messages larger than this are dropped by gossipsub itself.
pub const MAX_GOSSIP_BYTES: usize = MAX_SIGNED_MESSAGE_BYTES + 1024;
/// How long to wait for the listeners to report their addresses at start.
pub const LISTEN_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum NetworkError {
    #[error("'{0}' is not a libp2p address; write it like /ip4/127.0.0.1/tcp/7301")]
    BadAddress(String),
    #[error("could not listen on {addr}: {reason}. Is another program using that port? Choose another with --p2p-listen")]
    Listen { addr: String, reason: String },
    #[error("could not set up networking: {0}")]
    Setup(String),
    #[error("the network task has stopped")]
    Stopped,
    #[error("the request to the other bank failed: {0}")]
    Request(String),
}

/// The peer id of a bank (they are the same key).
pub fn peer_of(bank: &BankId) -> PeerId {
    PeerId::from_bytes(&bank.peer_id_bytes()).expect("an ed25519 identity multihash is a valid peer id")
}

/// The bank of a peer id, if it is an ed25519 key (every bank's is).
pub fn bank_of(peer: &PeerId) -> Option<BankId> {
    BankId::from_peer_id_bytes(&peer.to_bytes())
}

/// The environment variable naming a file to which every message this node
/// sends to another bank is appended (one JSON line each: channel, peer,
/// hex bytes). For audits of what leaves the node, such as the privacy test.
pub const WIRE_TAP_ENV: &str = "AMSER_WIRE_TAP";

fn tap(channel: &str, peer: Option<&PeerId>, bytes: &[u8]) {
    let Some(path) = std::env::var_os(WIRE_TAP_ENV) else { return };
    let line = serde_json::json!({"channel": channel, "peer": peer.map(|p| p.to_string()), "hex": hex::encode(bytes)});
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, format!("{line}\n").as_bytes()));
    if let Err(e) = written {
        tracing::warn!(error = %e, "could not write the wire tap");
    }
}

/// Judges every gossip message before it is delivered or forwarded.
pub trait GossipValidator: Send + Sync + 'static {
    fn validate(&self, source: Option<&PeerId>, data: &[u8]) -> MessageAcceptance;
}

#[derive(NetworkBehaviour)]
struct Behaviour {
    allow: allow_block_list::Behaviour<allow_block_list::AllowedPeers>,
    identify: identify::Behaviour,
    ping: ping::Behaviour,
    gossipsub: gossipsub::Behaviour,
    peer: request_response::Behaviour<PeerCodec>,
    kad: kad::Behaviour<kad::store::MemoryStore>,
    mdns: Toggle<mdns::tokio::Behaviour>,
}

/// What the rest of the node asks of the network.
enum NetCommand {
    Allow(PeerId),
    Disallow(PeerId),
    AddAddress(PeerId, Multiaddr),
    Dial(PeerId),
    /// Ask the DHT (our admitted peers) where this peer is now.
    FindPeer(PeerId),
    Request {
        peer: PeerId,
        request: PeerRequest,
        reply: oneshot::Sender<Result<PeerResponse, NetworkError>>,
    },
    Respond {
        channel: ResponseChannel<PeerResponse>,
        response: PeerResponse,
    },
    Publish(Vec<u8>),
    Connected(oneshot::Sender<Vec<PeerId>>),
}

/// What the network tells the rest of the node.
pub enum NetEvent {
    /// A peer asks something; answer with [`NetworkHandle::respond`].
    Request {
        peer: PeerId,
        request: PeerRequest,
        channel: ResponseChannel<PeerResponse>,
    },
    /// A gossip message that passed validation.
    Gossip {
        source: Option<PeerId>,
        data: Vec<u8>,
    },
    Connected(PeerId),
    Disconnected(PeerId),
    /// A dial of this peer failed: it cannot be reached just now.
    Unreachable(PeerId),
}

/// A cheap handle to the swarm task.
#[derive(Clone)]
pub struct NetworkHandle {
    tx: mpsc::Sender<NetCommand>,
    /// The addresses the node listens on, as bound (kept up to date by the swarm task).
    listen_addrs: Arc<std::sync::RwLock<Vec<Multiaddr>>>,
    /// The peers connected now, as the swarm task last saw (kept up to date
    /// by it as connections open and close): a connection event handed over
    /// late can arrive after a newer one, so what it says is read here.
    linked: Arc<std::sync::RwLock<HashSet<PeerId>>>,
    pub local_peer: PeerId,
    /// Gossip heard and published, counted by the swarm task (`/metrics`).
    pub gossip: GossipCounters,
}

impl NetworkHandle {
    /// Where the node listens now (one address per interface when bound to 0.0.0.0).
    pub fn listen_addrs(&self) -> Vec<Multiaddr> {
        self.listen_addrs.read().map(|a| a.clone()).unwrap_or_default()
    }

    /// Whether `peer` is connected now (whatever order connection events came in).
    pub fn is_linked(&self, peer: &PeerId) -> bool {
        self.linked.read().is_ok_and(|l| l.contains(peer))
    }

    /// How many peers are connected now (only admitted banks stay connected).
    pub fn linked_count(&self) -> usize {
        self.linked.read().map_or(0, |l| l.len())
    }

    async fn send(&self, c: NetCommand) -> Result<(), NetworkError> {
        self.tx.send(c).await.map_err(|_| NetworkError::Stopped)
    }
    pub async fn allow(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(NetCommand::Allow(peer)).await
    }
    pub async fn disallow(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(NetCommand::Disallow(peer)).await
    }
    pub async fn add_address(&self, peer: PeerId, addr: Multiaddr) -> Result<(), NetworkError> {
        self.send(NetCommand::AddAddress(peer, addr)).await
    }
    pub async fn dial(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(NetCommand::Dial(peer)).await
    }
    pub async fn find_peer(&self, peer: PeerId) -> Result<(), NetworkError> {
        self.send(NetCommand::FindPeer(peer)).await
    }
    pub async fn request(&self, peer: PeerId, request: PeerRequest) -> Result<PeerResponse, NetworkError> {
        let (reply, rx) = oneshot::channel();
        self.send(NetCommand::Request { peer, request, reply }).await?;
        rx.await.map_err(|_| NetworkError::Stopped)?
    }
    pub async fn respond(&self, channel: ResponseChannel<PeerResponse>, response: PeerResponse) -> Result<(), NetworkError> {
        self.send(NetCommand::Respond { channel, response }).await
    }
    pub async fn publish(&self, data: Vec<u8>) -> Result<(), NetworkError> {
        self.send(NetCommand::Publish(data)).await
    }
    pub async fn connected(&self) -> Result<Vec<PeerId>, NetworkError> {
        let (reply, rx) = oneshot::channel();
        self.send(NetCommand::Connected(reply)).await?;
        rx.await.map_err(|_| NetworkError::Stopped)
    }
}

/// How the network is set up.
pub struct NetworkConfig {
    /// The bank's secret key seed: its libp2p identity.
    pub key_seed: [u8; 32],
    pub listen: Vec<String>,
    pub mdns: bool,
    /// The federation's name: the gossip topic is derived from it.
    pub federation: String,
    /// Gossip peer scoring: flood rate, backoff of a peer kept out.
    pub scoring: Scoring,
}

fn parse_addr(a: &str) -> Result<Multiaddr, NetworkError> {
    a.parse().map_err(|_| NetworkError::BadAddress(a.to_string()))
}

fn build_swarm(config: &NetworkConfig, topic: &IdentTopic) -> Result<Swarm<Behaviour>, NetworkError> {
    let keypair = libp2p::identity::Keypair::ed25519_from_bytes(config.key_seed).map_err(|e| NetworkError::Setup(e.to_string()))?;
    let setup = |e: &dyn std::fmt::Display| NetworkError::Setup(e.to_string());
    let builder = libp2p::SwarmBuilder::with_existing_identity(keypair)
        .with_tokio()
        .with_tcp(tcp::Config::default().nodelay(true), noise::Config::new, yamux::Config::default)
        .map_err(|e| setup(&e))?;
    #[cfg(feature = "quic")]
    let builder = builder.with_quic();
    let mdns_on = config.mdns;
    let (score_params, score_thresholds) = score_params(topic.hash(), &config.scoring);
    let swarm = builder
        .with_behaviour(|key| {
            let peer_id = key.public().to_peer_id();
            let gossip_config = gossipsub::ConfigBuilder::default()
                .validation_mode(ValidationMode::Strict)
                .validate_messages()
                .message_id_fn(|m: &gossipsub::Message| MessageId::from(blake3::hash(&m.data).to_hex().to_string()))
                .max_transmit_size(MAX_GOSSIP_BYTES)
                .build()
                .map_err(|e| e.to_string())?;
            let mut gossipsub = gossipsub::Behaviour::new(MessageAuthenticity::Signed(key.clone()), gossip_config)?;
            gossipsub.with_peer_score(score_params, score_thresholds)?;
            let peer = request_response::Behaviour::with_codec(
                PeerCodec,
                [(PEER_PROTOCOL, ProtocolSupport::Full)],
                request_response::Config::default()
                    .with_request_timeout(REQUEST_TIMEOUT)
                    .with_max_concurrent_streams(MAX_CONCURRENT_STREAMS),
            );
            let mut kad = kad::Behaviour::with_config(peer_id, kad::store::MemoryStore::new(peer_id), kad::Config::new(KAD_PROTOCOL));
            kad.set_mode(Some(kad::Mode::Server));
            let mdns = if mdns_on { Some(mdns::tokio::Behaviour::new(mdns::Config::default(), peer_id)?) } else { None };
            Ok(Behaviour {
                allow: allow_block_list::Behaviour::default(),
                identify: identify::Behaviour::new(identify::Config::new("/amser/1.0.0".into(), key.public())),
                ping: ping::Behaviour::default(),
                gossipsub,
                peer,
                kad,
                mdns: Toggle::from(mdns),
            })
        })
        .map_err(|e| setup(&e))?
        .with_swarm_config(|c| c.with_idle_connection_timeout(IDLE_CONNECTION_TIMEOUT))
        .build();
    Ok(swarm)
}

/// Starts the swarm task: listens, subscribes to the federation topic, and
/// returns once every listener has reported its bound address.
pub async fn start(
    config: NetworkConfig,
    validator: Arc<dyn GossipValidator>,
) -> Result<(NetworkHandle, mpsc::Receiver<NetEvent>), NetworkError> {
    let topic = IdentTopic::new(format!("amser/{}/v1", config.federation));
    let mut swarm = build_swarm(&config, &topic)?;
    swarm.behaviour_mut().gossipsub.subscribe(&topic).map_err(|e| NetworkError::Setup(e.to_string()))?;
    for a in &config.listen {
        let addr = parse_addr(a)?;
        swarm.listen_on(addr).map_err(|e| NetworkError::Listen { addr: a.clone(), reason: e.to_string() })?;
    }
    let mut bound = Vec::new();
    let wait = async {
        while bound.len() < config.listen.len() {
            match swarm.select_next_some().await {
                SwarmEvent::NewListenAddr { address, .. } => bound.push(address),
                SwarmEvent::ListenerError { error, .. } => {
                    return Err(NetworkError::Listen { addr: config.listen.join(", "), reason: error.to_string() })
                }
                SwarmEvent::ListenerClosed { reason: Err(e), .. } => {
                    return Err(NetworkError::Listen { addr: config.listen.join(", "), reason: e.to_string() })
                }
                _ => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(LISTEN_TIMEOUT, wait)
        .await
        .map_err(|_| NetworkError::Listen { addr: config.listen.join(", "), reason: "no address was bound in time".into() })??;
    let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
    let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
    let listen_addrs = Arc::new(std::sync::RwLock::new(bound));
    let linked = Arc::new(std::sync::RwLock::new(HashSet::new()));
    let gossip = GossipCounters::default();
    let local_peer = *swarm.local_peer_id();
    let handle = NetworkHandle { tx, listen_addrs: listen_addrs.clone(), linked: linked.clone(), local_peer, gossip: gossip.clone() };
    let task = SwarmTask {
        swarm,
        topic,
        commands: rx,
        events: events_tx,
        validator,
        pending: HashMap::new(),
        allowed: HashSet::new(),
        given_addrs: HashMap::new(),
        listen_addrs,
        linked,
        scoring: config.scoring,
        gauge: FloodGauge::default(),
        penalties: PenaltyBox::default(),
        gossip,
    };
    tokio::spawn(task.run());
    Ok((handle, events))
}

/// Hands an event to the driver without ever waiting: the swarm task must
/// keep taking commands, or it and the driver could each wait on the other's
/// full queue. Past a full queue a request or a gossip message is dropped
/// (the asker sees its request fail and retries; catch-up reads what gossip
/// lost); a connection change is sent from a task of its own.
fn emit(events: &mpsc::Sender<NetEvent>, event: NetEvent) {
    match events.try_send(event) {
        Ok(()) => {}
        Err(mpsc::error::TrySendError::Full(change @ (NetEvent::Connected(_) | NetEvent::Disconnected(_) | NetEvent::Unreachable(_)))) => {
            let events = events.clone();
            tokio::spawn(async move { events.send(change).await.ok() });
        }
        Err(mpsc::error::TrySendError::Full(_)) => {
            tracing::warn!("the federation driver is behind: a peer's request or gossip was dropped")
        }
        Err(mpsc::error::TrySendError::Closed(_)) => tracing::debug!("no one is listening to network events"),
    }
}

struct SwarmTask {
    swarm: Swarm<Behaviour>,
    topic: IdentTopic,
    commands: mpsc::Receiver<NetCommand>,
    events: mpsc::Sender<NetEvent>,
    validator: Arc<dyn GossipValidator>,
    /// Direct requests waiting for their answer.
    pending: HashMap<OutboundRequestId, oneshot::Sender<Result<PeerResponse, NetworkError>>>,
    /// Admitted banks (mirrors the allow list, for discovery).
    allowed: HashSet<PeerId>,
    /// Addresses the operator gave for each peer (peer lines, bootstrap).
    given_addrs: HashMap<PeerId, Vec<Multiaddr>>,
    /// Shared with the handles: where we listen.
    listen_addrs: Arc<std::sync::RwLock<Vec<Multiaddr>>>,
    /// Shared with the handles: who is connected now.
    linked: Arc<std::sync::RwLock<HashSet<PeerId>>>,
    scoring: Scoring,
    /// Gossip tokens per connected peer.
    gauge: FloodGauge,
    /// Admitted peers kept out for a while for bad gossip.
    penalties: PenaltyBox,
    /// Shared with the handles: gossip heard and published.
    gossip: GossipCounters,
}

impl SwarmTask {
    async fn run(mut self) {
        let mut scores = tokio::time::interval(SCORE_CHECK);
        scores.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                command = self.commands.recv() => match command {
                    Some(c) => self.command(c),
                    None => break,
                },
                _ = scores.tick() => self.look_at_scores(),
                event = self.swarm.select_next_some() => self.event(event).await,
            }
        }
        tracing::debug!("network task stopped");
    }

    fn command(&mut self, command: NetCommand) {
        let b = self.swarm.behaviour_mut();
        match command {
            NetCommand::Allow(peer) => {
                self.allowed.insert(peer);
                // A peer kept out is allowed back when its backoff ends.
                if !self.penalties.is_out(&peer) {
                    b.allow.allow_peer(peer);
                }
            }
            NetCommand::Disallow(peer) => {
                self.allowed.remove(&peer);
                self.penalties.removed(&peer);
                b.allow.disallow_peer(peer);
                let _ = self.swarm.disconnect_peer_id(peer);
            }
            NetCommand::AddAddress(peer, addr) => {
                let given = self.given_addrs.entry(peer).or_default();
                if !given.contains(&addr) {
                    given.push(addr.clone());
                    if given.len() > MAX_GIVEN_ADDRS {
                        given.remove(0);
                    }
                }
                b.kad.add_address(&peer, addr.clone());
                self.swarm.add_peer_address(peer, addr);
            }
            NetCommand::Dial(peer) => {
                if !self.swarm.is_connected(&peer) {
                    match self.swarm.dial(peer) {
                        Ok(()) | Err(DialError::DialPeerConditionFalse(_)) => {} // already being dialled
                        Err(e) => {
                            tracing::debug!(%peer, error = %e, "dial failed");
                            emit(&self.events, NetEvent::Unreachable(peer));
                        }
                    }
                }
            }
            NetCommand::FindPeer(peer) => {
                // The query starts from the routing table's closest peers. If the bank
                // we look for is among them at its old address, the query tries that,
                // marks the bank failed, and then ignores the new address a mutual peer
                // reports (measured: libp2p-kad 0.49). So it starts without the bank,
                // asks the mutual peers, and dials the bank at what they report; the
                // addresses we were given go back in for our own redials.
                b.kad.remove_peer(&peer);
                b.kad.get_closest_peers(peer);
                for addr in self.given_addrs.get(&peer).into_iter().flatten() {
                    b.kad.add_address(&peer, addr.clone());
                }
            }
            NetCommand::Request { peer, request, reply } => {
                tap("request", Some(&peer), &request.encode().unwrap_or_default());
                let id = b.peer.send_request(&peer, request);
                self.pending.insert(id, reply);
            }
            NetCommand::Respond { channel, response } => {
                tap("response", None, &response.encode().unwrap_or_default());
                if b.peer.send_response(channel, response).is_err() {
                    tracing::debug!("a peer went away before its answer was sent");
                }
            }
            NetCommand::Publish(data) => {
                tap("gossip", None, &data);
                match b.gossipsub.publish(self.topic.clone(), data) {
                    Ok(_) => self.gossip.published(),
                    Err(e) => tracing::debug!(error = %e, "gossip not published (no peers yet?)"),
                }
            }
            NetCommand::Connected(reply) => {
                let _ = reply.send(self.swarm.connected_peers().copied().collect());
            }
        }
    }

    /// Keeps `peer` out for the backoff if its score fell below the threshold:
    /// off the allow list and disconnected, but still admitted (in `allowed`),
    /// so it is allowed back when the backoff ends.
    fn judge(&mut self, peer: PeerId) {
        let Some(score) = self.swarm.behaviour().gossipsub.peer_score(&peer) else { return };
        if self.penalties.judge(peer, score, self.scoring.backoff, std::time::Instant::now()) {
            tracing::warn!(%peer, score, backoff_s = self.scoring.backoff.as_secs(), "a peer bank sent invalid or too much gossip: disconnected and kept out for a while; it stays admitted");
            self.swarm.behaviour_mut().allow.disallow_peer(peer);
            let _ = self.swarm.disconnect_peer_id(peer);
        }
    }

    /// Every [`SCORE_CHECK`]: judges each connected peer (faults gossipsub
    /// found itself, such as bad gossip signatures, never reach our
    /// validator), and lets back those whose backoff has ended.
    fn look_at_scores(&mut self) {
        let connected: Vec<PeerId> = self.swarm.connected_peers().copied().collect();
        for peer in connected {
            self.judge(peer);
        }
        for peer in self.penalties.release_due(std::time::Instant::now()) {
            if self.allowed.contains(&peer) {
                tracing::info!(%peer, "a peer bank's backoff is over: it may connect again");
                self.swarm.behaviour_mut().allow.allow_peer(peer);
            }
        }
    }

    async fn event(&mut self, event: SwarmEvent<BehaviourEvent>) {
        match event {
            SwarmEvent::Behaviour(BehaviourEvent::Peer(request_response::Event::Message { peer, message, .. })) => match message {
                request_response::Message::Request { request, channel, .. } => {
                    emit(&self.events, NetEvent::Request { peer, request, channel })
                }
                request_response::Message::Response { request_id, response } => {
                    if let Some(reply) = self.pending.remove(&request_id) {
                        let _ = reply.send(Ok(response));
                    }
                }
            },
            SwarmEvent::Behaviour(BehaviourEvent::Peer(request_response::Event::OutboundFailure { request_id, error, .. })) => {
                if let Some(reply) = self.pending.remove(&request_id) {
                    let _ = reply.send(Err(NetworkError::Request(error.to_string())));
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Gossipsub(gossipsub::Event::Message { propagation_source, message_id, message })) => {
                // Every message gets a verdict, so gossipsub never holds one waiting. A
                // peer over its rate is ignored unchecked: a flood costs us no signature
                // checks, and a busy honest bank is not punished for being busy (what is
                // dropped here, catch-up reads from its public log).
                let verdict = if self.gauge.spend(propagation_source, &self.scoring, std::time::Instant::now()) {
                    self.validator.validate(message.source.as_ref(), &message.data)
                } else {
                    MessageAcceptance::Ignore
                };
                let (accepted, rejected) = (matches!(verdict, MessageAcceptance::Accept), matches!(verdict, MessageAcceptance::Reject));
                self.gossip.heard(&verdict);
                self.swarm.behaviour_mut().gossipsub.report_message_validation_result(&message_id, &propagation_source, verdict);
                if rejected {
                    self.judge(propagation_source);
                }
                if accepted {
                    emit(&self.events, NetEvent::Gossip { source: message.source, data: message.data });
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Identify(identify::Event::Received { peer_id, info, .. })) => {
                for addr in info.listen_addrs {
                    self.swarm.behaviour_mut().kad.add_address(&peer_id, addr);
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Kad(kad::Event::OutboundQueryProgressed {
                result: kad::QueryResult::GetClosestPeers(Ok(ok)),
                ..
            })) => {
                // Admitted banks found through mutual peers (a bank that moved): dial them.
                for found in ok.peers {
                    if self.allowed.contains(&found.peer_id) && !self.swarm.is_connected(&found.peer_id) {
                        for addr in found.addrs {
                            self.swarm.add_peer_address(found.peer_id, addr);
                        }
                        let _ = self.swarm.dial(found.peer_id);
                    }
                }
            }
            SwarmEvent::Behaviour(BehaviourEvent::Mdns(mdns::Event::Discovered(found))) => {
                for (peer, addr) in found {
                    if self.allowed.contains(&peer) {
                        self.swarm.behaviour_mut().kad.add_address(&peer, addr.clone());
                        self.swarm.add_peer_address(peer, addr);
                        if !self.swarm.is_connected(&peer) {
                            let _ = self.swarm.dial(peer);
                        }
                    }
                }
            }
            SwarmEvent::NewListenAddr { address, .. } => {
                if let Ok(mut a) = self.listen_addrs.write() {
                    if !a.contains(&address) {
                        a.push(address);
                    }
                }
            }
            SwarmEvent::ExpiredListenAddr { address, .. } => {
                if let Ok(mut a) = self.listen_addrs.write() {
                    a.retain(|x| x != &address);
                }
            }
            SwarmEvent::ConnectionEstablished { peer_id, num_established, .. } if num_established.get() == 1 => {
                self.linked.write().map(|mut l| l.insert(peer_id)).ok();
                emit(&self.events, NetEvent::Connected(peer_id));
            }
            SwarmEvent::OutgoingConnectionError { peer_id: Some(peer_id), .. } if !self.swarm.is_connected(&peer_id) => {
                emit(&self.events, NetEvent::Unreachable(peer_id));
            }
            SwarmEvent::ConnectionClosed { peer_id, num_established: 0, .. } => {
                self.linked.write().map(|mut l| l.remove(&peer_id)).ok();
                self.gauge.forget(&peer_id);
                self.penalties.disconnected(&peer_id);
                emit(&self.events, NetEvent::Disconnected(peer_id))
            }
            _ => {}
        }
    }
}
