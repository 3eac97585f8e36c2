//! Opening a bank: `init` creates one in a data directory; [`Node::start`]
//! opens it (checks the journal, brings sled up to date by replaying the
//! journal, starts the writer and the API) and [`Node::shutdown`] closes it.

use std::net::SocketAddr;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

use amser_protocol::journal::BankProfile;
use amser_protocol::signing::{bank_id, FederationId};
use amser_protocol::{BankId, EntryHash, Handle, Policy};
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::api;
use crate::clock::Clock;
use crate::config::{Config, ConfigError, StorageConfig};
use crate::datadir::{DataDir, DataDirError};
use crate::ledger::{Command, LedgerError, LedgerRead};
use crate::storage::journal::{Journal, JournalError};
use crate::storage::keys::KeyRing;
use crate::storage::replay::Replay;
use crate::storage::start_gate::Phase;
use crate::storage::store::{Store, StoreError};
use crate::storage::writer::{self, LedgerHandle};

#[derive(Debug, Error)]
pub enum NodeError {
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Journal(#[from] JournalError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error("the journal ({path}) ends at entry {journal_seq}, but this bank had already recorded and acknowledged entries up to {acknowledged_seq} (its state database holds them). The journal was replaced by an older copy, or lost its end. Nothing was changed, and the node will not start on it: a bank that went on from entry {journal_seq} would sign a second, different history under numbers its peers have already seen. Put back the journal that belongs with this data directory (journal.amj); if it is lost, restore the whole data directory from a backup taken after entry {acknowledged_seq}")]
    JournalBehindState { path: std::path::PathBuf, journal_seq: u64, acknowledged_seq: u64 },
    #[error(transparent)]
    Backup(#[from] crate::backup::BackupError),
    #[error(transparent)]
    Keys(#[from] crate::storage::keys::KeyFileError),
    #[error(transparent)]
    Accounts(#[from] crate::accounts::AccountError),
    #[error(transparent)]
    Proposals(#[from] crate::accounts::ProposalError),
    #[error("{0}")]
    Invalid(String),
    #[error("could not listen on {addr}: {reason}. Is another program using that port? Choose another with --api-listen")]
    Listen { addr: SocketAddr, reason: String },
    #[error(transparent)]
    Network(#[from] crate::federation::swarm::NetworkError),
    #[error(transparent)]
    Metrics(#[from] crate::metrics::MetricsError),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// What `init` created.
#[derive(Debug, Clone)]
pub struct Created {
    pub bank: BankId,
    pub handle: Handle,
}

/// Creates a new bank in `dir`: key pair, API token, config, and a journal
/// whose first entry opens the bank. On failure, removes what it created.
pub fn init(dir: &DataDir, name: &str, handle: &str, region: &str, clock: Arc<dyn Clock>) -> Result<Created, NodeError> {
    let handle: Handle = handle.parse().map_err(|e: amser_protocol::ids::IdError| NodeError::Invalid(e.to_string()))?;
    amser_protocol::text::check("bank name", name, amser_protocol::limits::MAX_NAME_CHARS, false)
        .map_err(|e| NodeError::Invalid(e.to_string()))?;
    let existed = dir.root().exists();
    dir.create()?;
    let result = (|| {
        let _lock = dir.lock()?;
        let key = dir.create_key()?;
        dir.create_token()?;
        let config = Config::new(name, handle.as_str(), region);
        let journal = Journal::create(&dir.journal())?;
        let store = Store::open(&dir.state())?;
        let keys = Arc::new(KeyRing::open(dir.root())?);
        let federation = FederationId::from_name(&config.federation.name);
        let (ledger, thread) = writer::spawn(journal, store.clone(), clock, key.clone(), federation, keys)?;
        let profile = BankProfile { bank: bank_id(&key), name: name.to_string(), handle: handle.clone(), region: region.to_string() };
        let opened = ledger.submit_blocking(Command::OpenBank { profile, policy: config.policy.to_policy() });
        drop(ledger);
        let _ = thread.join();
        opened?;
        store.flush()?;
        config.save(&dir.config())?;
        Ok(Created { bank: bank_id(&key), handle: handle.clone() })
    })();
    if result.is_err() {
        if existed {
            for p in [dir.key(), dir.token(), dir.config(), dir.journal(), dir.member_keys(), dir.lock_file()] {
                let _ = std::fs::remove_file(p);
            }
            let _ = std::fs::remove_dir_all(dir.state());
        } else {
            let _ = std::fs::remove_dir_all(dir.root());
        }
    }
    result
}

/// Settings for a starting node that may override the config file.
pub struct NodeOptions {
    /// Where the API listens (overrides `[api] listen`); port 0 picks a free port.
    pub api_listen: Option<SocketAddr>,
    /// Where to listen for peer banks (overrides `[federation] listen`); port 0 allowed.
    pub p2p_listen: Option<String>,
    /// Serve `/metrics` here (turns it on and overrides `[metrics] listen`); port 0 allowed.
    pub metrics_listen: Option<SocketAddr>,
    pub clock: Arc<dyn Clock>,
    /// Start a federated bank restored from a backup although recovery from
    /// its peers has not run (`amser up --accept-restore`; see `backup::record`).
    pub accept_restore: bool,
}

impl NodeOptions {
    /// Loopback only, free ports: for tests and benchmarks.
    pub fn loopback(clock: Arc<dyn Clock>) -> Self {
        NodeOptions {
            api_listen: Some(SocketAddr::from(([127, 0, 0, 1], 0))),
            p2p_listen: Some("/ip4/127.0.0.1/tcp/0".into()),
            metrics_listen: None,
            clock,
            accept_restore: false,
        }
    }
}

/// Longest shutdown waits for the writer's last sync and for the applier to
/// bring sled up to it.
const WRITER_STOP_WAIT: std::time::Duration = std::time::Duration::from_secs(30);

/// Brings sled up to the journal: replays entries it has not applied, a
/// chunk of entries per atomic batch (`storage::replay`). When sled's head
/// is where sled says it lies in the journal, only the entries after it are
/// read: a start with the state intact costs the same at any length. Else
/// the whole journal is read: if sled's head is not in it (another
/// history), sled is rebuilt from the whole journal (the journal is the
/// truth). A journal that ends before sled's head is refused: sled holds
/// only what was synced, so those entries were acknowledged.
fn open_ledger_state(dir: &DataDir, storage: &StorageConfig) -> Result<(Journal, Store), NodeError> {
    let store = Store::open_with_cache(&dir.state(), storage.cache_bytes())?;
    if !store.layout_is_current()? {
        tracing::warn!("the state database was written by another version of amser; rebuilding it from the journal");
        store.clear()?;
    }
    let state = dir.state();
    if let Some(at) = store.head_at()? {
        let mut replay = Replay::new(&store, &state);
        let (_, hash) = store.head()?;
        if let Some((journal, outcome)) = Journal::resume(&dir.journal(), at, hash, |entry, hash, at| replay.entry(entry, hash, at))? {
            let replayed = replay.finish(None)?;
            if replayed > 0 {
                tracing::info!(replayed, head = outcome.head.0, "replayed journal entries into the state database");
            }
            return Ok((journal, store));
        }
        tracing::warn!(state_seq = at.seq, "the journal does not hold the state database's head where it was; reading the whole journal");
    }
    for attempt in 0..2 {
        let (store_seq, store_hash) = store.head()?;
        let mut agrees = store_seq == 0;
        let mut replay = Replay::new(&store, &state);
        let mut last_at = None;
        let opened = Journal::open_at(&dir.journal(), store_seq, |entry, hash, at| {
            last_at = Some(at);
            if entry.seq == store_seq && hash == store_hash {
                agrees = true;
            }
            if entry.seq > store_seq && agrees {
                replay.entry(entry, hash, at)?;
            }
            Ok(())
        });
        let (journal, outcome) = opened?;
        if outcome.head.0 < store_seq {
            // sled is written only after the journal entries it derives from are
            // synced, so it holds entries that were acknowledged: the journal is
            // not the one this bank wrote. Rebuilding from it would lose them.
            return Err(NodeError::JournalBehindState { path: dir.journal(), journal_seq: outcome.head.0, acknowledged_seq: store_seq });
        }
        if agrees {
            let replayed = replay.finish(last_at)?;
            if replayed > 0 {
                tracing::info!(replayed, head = outcome.head.0, "replayed journal entries into the state database");
            }
            return Ok((journal, store));
        }
        drop(replay);
        if attempt == 0 {
            tracing::warn!(
                state_seq = store_seq,
                journal_seq = outcome.head.0,
                "the state database does not match the journal; rebuilding it from the journal"
            );
            store.clear()?;
        }
    }
    Err(NodeError::Invalid("the state database could not be rebuilt from the journal".into()))
}

/// A running bank node.
pub struct Node {
    /// Where the API is listening.
    pub api_addr: SocketAddr,
    /// Where `/metrics` is served, when it is on.
    pub metrics_addr: Option<SocketAddr>,
    pub bank: BankId,
    /// The federation side: listen addresses, presence of peers.
    pub federation: crate::federation::FederationHandle,
    ledger: Option<LedgerHandle>,
    dir: DataDir,
    stop: watch::Sender<bool>,
    server: Option<tokio::task::JoinHandle<()>>,
    driver: Option<tokio::task::JoinHandle<()>>,
    metrics: Option<tokio::task::JoinHandle<()>>,
    writer: Option<JoinHandle<()>>,
    /// Held while running: no second node may open the directory.
    _lock: std::fs::File,
}

impl Node {
    /// Opens the bank in `dir` and starts serving its API.
    pub async fn start(dir: DataDir, options: NodeOptions) -> Result<Node, NodeError> {
        dir.require_initialised()?;
        let lock = dir.lock()?;
        crate::backup::record::check_start(&dir, options.accept_restore, options.clock.now_ms())?;
        let config = Config::load(&dir.config())?;
        let key = dir.load_key()?;
        let token = dir.load_token()?;
        let bank = bank_id(&key);
        let (open_dir, storage) = (dir.clone(), config.storage.clone());
        let (journal, store) = tokio::task::spawn_blocking(move || open_ledger_state(&open_dir, &storage))
            .await
            .map_err(|e| NodeError::Invalid(e.to_string()))??;
        let profile = store.profile()?.ok_or(LedgerError::NotOpen)?;
        if profile.handle.as_str() != config.bank.handle {
            return Err(NodeError::Invalid(format!(
                "config.toml says the handle is '{}' but this bank's journal says '{}'; a handle cannot change (member codes start with it). Put '{}' back in config.toml",
                config.bank.handle, profile.handle, profile.handle
            )));
        }
        if profile.bank != bank {
            return Err(NodeError::Invalid("bank.key does not belong to this bank's journal; restore the right key file".into()));
        }
        let federation = FederationId::from_name(&config.federation.name);
        let keys = Arc::new(KeyRing::open(dir.root())?);
        let (ledger, writer) = writer::spawn(journal, store.clone(), options.clock.clone(), key.clone(), federation, keys)?;
        let (stop, stopped) = watch::channel(false);
        let settings = crate::federation::Settings {
            listen: vec![options.p2p_listen.clone().unwrap_or_else(|| config.federation.listen.clone())],
            mdns: config.federation.mdns,
            bootstrap: config.federation.bootstrap.clone(),
            federation: config.federation.name.clone(),
            start_check: Duration::from_secs(config.federation.start_check_secs),
            decline_clearing: config.federation.clearing == crate::config::ClearingChoice::Decline,
            share_directory: config.directory.share,
        };
        let (federation, driver) =
            crate::federation::start(ledger.clone(), key.clone(), profile.clone(), settings, options.clock.clone(), stopped.clone())
                .await?;
        let addr = options.api_listen.unwrap_or(config.api.listen);
        let listener = TcpListener::bind(addr).await.map_err(|e| NodeError::Listen { addr, reason: e.to_string() })?;
        let api_addr = listener.local_addr()?;
        dir.write_api_addr(&api_addr.to_string())?;
        let mut stopped = stopped;
        let accounts = std::sync::Arc::new(crate::accounts::AccountBook::open(dir.root())?);
        let proposals = std::sync::Arc::new(crate::accounts::ProposalBook::open(dir.root())?);
        let console = |ledger: LedgerHandle| {
            let files =
                api::ConsoleFiles { accounts: accounts.clone(), proposals: proposals.clone(), who_records: config.policy.who_records };
            api::AppState::new(ledger, &token, options.clock.clone(), &config.api, bank, federation.clone(), files)
        };
        let state = console(ledger.clone());
        // The start-up's own writes come after peers have said what they hold
        // of our journal (storage/start_gate.rs), and before anyone else's.
        let start_up = StartUp { state: console(ledger.passing_gate()), policy: config.policy.to_policy() };
        if ledger.gate().phase() == Phase::Open {
            start_up.write().await?;
        } else {
            tokio::spawn(async move {
                start_up.state.ledger.gate().until_answered().await;
                if let Err(e) = start_up.write().await {
                    tracing::error!(error = %e, "the start-up's own changes could not be recorded; they are tried again at the next start");
                }
                start_up.state.ledger.gate().open();
            });
        }
        let metrics_listen = options.metrics_listen.or(config.metrics.enabled.then_some(config.metrics.listen));
        let metrics = match metrics_listen {
            Some(addr) => {
                let sources = crate::metrics::scrape::Sources { ledger: ledger.clone(), net: federation.net.clone() };
                Some(crate::metrics::endpoint::start(addr, &dir, sources, stopped.clone()).await?)
            }
            None => None,
        };
        let router = api::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
        let server = tokio::spawn(async move {
            let shutdown = async move {
                let _ = stopped.wait_for(|s| *s).await;
            };
            if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(shutdown).await {
                tracing::error!(error = %e, "the API server stopped");
            }
        });
        let metrics_addr = metrics.as_ref().map(|m| m.addr);
        tracing::info!(%api_addr, ?metrics_addr, bank = %bank, handle = %profile.handle, p2p = ?federation.listen_addrs(), "node is up");
        Ok(Node {
            api_addr,
            metrics_addr,
            metrics: metrics.map(|m| m.task),
            bank,
            federation,
            ledger: Some(ledger),
            dir,
            stop,
            server: Some(server),
            driver: Some(driver),
            writer: Some(writer),
            _lock: lock,
        })
    }

    /// Waits until the node takes new work: at once, or after a start once
    /// admitted peers have said what they hold of our journal (at most
    /// `[federation] start_check_secs`, unless a recovery from peers runs).
    pub async fn opened(&self) {
        self.ledger().gate().until_open().await;
    }

    /// The ledger, for in-process callers (tests, benchmarks).
    pub fn ledger(&self) -> &LedgerHandle {
        self.ledger.as_ref().expect("ledger present until shutdown")
    }

    /// Stops taking requests, lets those in flight finish, stops the writer
    /// after its last sync and the applier once sled has every acknowledged
    /// change, asks sled to write out, and releases the data directory.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        if let Some(driver) = self.driver.take() {
            let _ = driver.await;
        }
        if let Some(metrics) = self.metrics.take() {
            let _ = metrics.await;
        }
        let ledger = self.ledger.take();
        let store = ledger.as_ref().map(|l| l.store_as_is().clone());
        if let Some(ledger) = ledger {
            // Other handles may still be alive (a test's, a task's): close, do not wait for them.
            ledger.close().await;
        }
        if let Some(writer) = self.writer.take() {
            let joined = tokio::time::timeout(WRITER_STOP_WAIT, tokio::task::spawn_blocking(move || writer.join())).await;
            if joined.is_err() {
                tracing::error!(
                    "the ledger writer did not stop within {} s; the journal holds every acknowledged change and the next start replays it",
                    WRITER_STOP_WAIT.as_secs()
                );
            }
        }
        if let Some(store) = store {
            let _ = tokio::task::spawn_blocking(move || store.flush()).await;
        }
        self.dir.remove_api_addr();
        tracing::info!("node stopped");
    }
}

/// What a start records of its own, once peers have said what they hold of
/// our journal: erasures a restored journal lacks, the policy from
/// config.toml, exchanges confirmed before the node stopped.
struct StartUp {
    /// The console's state over a ledger handle that passes the start gate.
    state: api::AppState,
    policy: Policy,
}

impl StartUp {
    async fn write(&self) -> Result<(), NodeError> {
        let ledger = &self.state.ledger;
        crate::rights::erase::reconcile(ledger).await?;
        if ledger.read(|s| s.policy()).await?? != self.policy {
            ledger.submit(Command::SetPolicy { policy: self.policy.clone() }).await?;
            tracing::info!("recorded the policy from config.toml in the journal");
        }
        crate::console::proposals::finish_interrupted(&self.state).await;
        Ok(())
    }
}

/// The journal head of a store (for status displays).
pub fn head_of(store: &Store) -> Result<(u64, EntryHash), LedgerError> {
    store.head()
}
