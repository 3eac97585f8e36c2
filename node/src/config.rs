//! The bank's settings: one serde struct read from `config.toml`, with
//! documented defaults. A command-line flag overrides a file value, never the
//! other way round.

use std::net::SocketAddr;
use std::path::Path;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// `[policy]`: one shape for the file and for the API's status, so it lives with the API's shapes.
pub use crate::model::PolicyConfig;

/// Where the API listens unless told otherwise: loopback only.
pub const DEFAULT_API_LISTEN: &str = "127.0.0.1:7300";
/// The largest API request body accepted, in bytes.
pub const DEFAULT_MAX_BODY_BYTES: usize = 64 * 1024;
/// Requests per second the API serves, on average, before it answers 429.
/// Far above what a coordinator's console or a day's imports need; it is
/// there so that one runaway script cannot starve everyone else.
pub const DEFAULT_API_RATE_PER_SECOND: u32 = 2_000;
/// Requests the API takes at once above the average rate.
pub const DEFAULT_API_RATE_BURST: u32 = 4_000;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("could not read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {message}")]
    Invalid { path: String, message: String },
    #[error("could not write {path}: {source}")]
    Write { path: String, source: std::io::Error },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub bank: BankConfig,
    #[serde(default)]
    pub api: ApiConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub federation: FederationConfig,
    #[serde(default)]
    pub storage: StorageConfig,
    #[serde(default)]
    pub directory: DirectoryConfig,
    #[serde(default)]
    pub metrics: MetricsConfig,
}

/// Where `/metrics` listens when it is on, unless told otherwise: loopback,
/// the port after the peer banks' ([`DEFAULT_P2P_PORT`]).
pub const DEFAULT_METRICS_LISTEN: &str = "127.0.0.1:7302";

/// `[metrics]`: the node's figures for Prometheus (numbers only, never a
/// member's data), on a listener of their own behind a token of their own
/// (`metrics-token` in the data directory). Off unless set.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Serve `GET /metrics` (`amser up --metrics-listen` turns it on too).
    pub enabled: bool,
    /// Its own address, never the API's: a monitoring server may reach it
    /// without reaching the API or the console.
    pub listen: SocketAddr,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        MetricsConfig { enabled: false, listen: DEFAULT_METRICS_LISTEN.parse().expect("constant address") }
    }
}

impl MetricsConfig {
    /// What is wrong with these settings beside the API's, if anything.
    fn problem(&self, api: &ApiConfig) -> Option<String> {
        (self.enabled && self.listen.port() != 0 && self.listen == api.listen).then(|| {
            format!(
                "[metrics] listen is {}, the API's own address ([api] listen); give the metrics a port of their own (default {DEFAULT_METRICS_LISTEN})",
                self.listen
            )
        })
    }
}

/// `[directory]`: whether this bank takes part in the federation directory.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DirectoryConfig {
    /// Answer admitted banks' directory searches with the listings shared
    /// one by one (`amser listing share`): their kind, category, directory
    /// title, member code and date, never a name or a contact. Off unless
    /// set: a bank opts in.
    pub share: bool,
}

/// sled's page cache unless `[storage] cache_mib` says otherwise: small, for
/// a 512 MB box (sled's own memory beside it grows with what it holds).
pub const DEFAULT_STATE_CACHE_MIB: u32 = 8;
/// The most `[storage] cache_mib` may be (sled's cache is in memory: past
/// this it is a typing mistake, not a setting).
pub const MAX_STATE_CACHE_MIB: u32 = 64 * 1024;

/// `[storage]`: how the node keeps its derived state (sled).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StorageConfig {
    /// sled's page cache, in MiB. More makes reads of old records faster
    /// and the node bigger; the journal, not sled, holds the truth.
    pub cache_mib: u32,
}

impl Default for StorageConfig {
    fn default() -> Self {
        StorageConfig { cache_mib: DEFAULT_STATE_CACHE_MIB }
    }
}

impl StorageConfig {
    /// sled's cache, in bytes.
    pub fn cache_bytes(&self) -> u64 {
        u64::from(self.cache_mib) * 1024 * 1024
    }

    /// What is wrong with these settings, if anything.
    fn problem(&self) -> Option<String> {
        (self.cache_mib == 0 || self.cache_mib > MAX_STATE_CACHE_MIB).then(|| {
            format!(
                "[storage] cache_mib is {}; give a number of MiB from 1 to {MAX_STATE_CACHE_MIB} (default {DEFAULT_STATE_CACHE_MIB})",
                self.cache_mib
            )
        })
    }
}

/// The port banks listen on for each other unless told otherwise.
pub const DEFAULT_P2P_PORT: u16 = 7301;

/// How this bank meets other banks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FederationConfig {
    /// The federation's name; every signed message carries its hash, so
    /// messages of one federation mean nothing in another.
    pub name: String,
    /// Where to listen for peer banks (a libp2p multiaddr).
    pub listen: String,
    /// Find admitted banks on the local network by mDNS.
    pub mdns: bool,
    /// Addresses (multiaddrs ending in /p2p/<bank id>) to dial at start.
    pub bootstrap: Vec<String>,
    /// After a start, how long at most new work waits for admitted peers to
    /// say what they hold of our journal (peers that cannot be reached are
    /// not waited for).
    pub start_check_secs: u64,
    /// Whether this bank takes part in clearing rings of debts with other
    /// banks: `join` (it signs a clearing its debts allow) or `decline`
    /// (it signs a refusal of every clearing, and nothing changes).
    pub clearing: ClearingChoice,
}

/// A bank's choice about clearing rings of debts (`[federation] clearing`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClearingChoice {
    #[default]
    Join,
    Decline,
}

/// How long a start waits at most for peers' answers unless told otherwise.
pub const DEFAULT_START_CHECK_SECS: u64 = 10;

impl Default for FederationConfig {
    fn default() -> Self {
        FederationConfig {
            name: "amser".into(),
            listen: format!("/ip4/0.0.0.0/tcp/{DEFAULT_P2P_PORT}"),
            mdns: false,
            bootstrap: vec![],
            start_check_secs: DEFAULT_START_CHECK_SECS,
            clearing: ClearingChoice::Join,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BankConfig {
    /// Display name, like "Rhymney Time Bank".
    pub name: String,
    /// Short handle, the prefix of member codes (`rhymney`).
    pub handle: String,
    /// Region, for federation directories and reports.
    #[serde(default)]
    pub region: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Address of the local HTTP API. Keep it on 127.0.0.1 unless a reverse
    /// proxy with TLS stands in front.
    pub listen: SocketAddr,
    /// Largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// Requests per second served on average before 429 Too Many Requests;
    /// 0 turns the limit off (benchmarks).
    pub rate_per_second: u32,
    /// Requests taken at once above the average rate.
    pub rate_burst: u32,
    /// The node sits behind a reverse proxy with TLS: the console's cookies
    /// are then marked `Secure` (sent over HTTPS only).
    pub behind_tls: bool,
}

impl Default for ApiConfig {
    fn default() -> Self {
        ApiConfig {
            listen: DEFAULT_API_LISTEN.parse().expect("constant address"),
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            rate_per_second: DEFAULT_API_RATE_PER_SECOND,
            rate_burst: DEFAULT_API_RATE_BURST,
            behind_tls: false,
        }
    }
}

impl Config {
    pub fn new(name: &str, handle: &str, region: &str) -> Self {
        Config {
            bank: BankConfig { name: name.to_string(), handle: handle.to_string(), region: region.to_string() },
            api: ApiConfig::default(),
            policy: PolicyConfig::default(),
            federation: FederationConfig::default(),
            storage: StorageConfig::default(),
            directory: DirectoryConfig::default(),
            metrics: MetricsConfig::default(),
        }
    }

    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read { path: path.display().to_string(), source })?;
        let config: Config =
            toml::from_str(&text).map_err(|e| ConfigError::Invalid { path: path.display().to_string(), message: e.to_string() })?;
        if let Some(problem) = config.policy.to_policy().problem() {
            return Err(ConfigError::Invalid { path: path.display().to_string(), message: format!("[policy]: {problem}") });
        }
        if let Some(problem) = config.storage.problem().or_else(|| config.metrics.problem(&config.api)) {
            return Err(ConfigError::Invalid { path: path.display().to_string(), message: problem });
        }
        Ok(config)
    }

    pub fn save(&self, path: &Path) -> Result<(), ConfigError> {
        let text = format!(
            "# Amser bank settings. Edit, then restart the node (`amser up`).\n# Hours are whole hours; limits apply to balances.\n\n{}",
            toml::to_string_pretty(self).map_err(|e| ConfigError::Invalid { path: path.display().to_string(), message: e.to_string() })?
        );
        // Durably: a crash (or a disk turning read-only) right after `init`
        // must not leave an empty config.toml behind a journal that exists.
        let write = || -> std::io::Result<()> {
            let mut file = std::fs::File::create(path)?;
            std::io::Write::write_all(&mut file, text.as_bytes())?;
            file.sync_all()?;
            match path.parent().filter(|d| !d.as_os_str().is_empty()) {
                Some(dir) => std::fs::File::open(dir)?.sync_all(),
                None => Ok(()),
            }
        };
        write().map_err(|source| ConfigError::Write { path: path.display().to_string(), source })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        Config::load(&path)
    }

    const BANK: &str = "[bank]\nname = \"Rhymney Time Bank\"\nhandle = \"rhymney\"\n";

    #[test]
    fn metrics_are_off_unless_set_and_never_share_the_apis_address() {
        let config = load(BANK).expect("a config without [metrics]");
        assert_eq!(config.metrics, MetricsConfig::default());
        assert!(!config.metrics.enabled);
        let on = load(&format!("{BANK}[metrics]\nenabled = true\nlisten = \"127.0.0.1:9100\"\n")).expect("metrics on");
        assert_eq!(on.metrics.listen, "127.0.0.1:9100".parse().unwrap());
        let clash = load(&format!("{BANK}[api]\nlisten = \"127.0.0.1:7300\"\n[metrics]\nenabled = true\nlisten = \"127.0.0.1:7300\"\n"));
        let message = clash.expect_err("the API's address").to_string();
        assert!(message.contains("[metrics] listen is 127.0.0.1:7300") && message.contains("port of their own"), "{message}");
        let typo = load(&format!("{BANK}[metrics]\nenable = true\n")).expect_err("an unknown key").to_string();
        assert!(typo.contains("enable"), "{typo}");
    }

    #[test]
    fn a_new_banks_config_reads_back_the_same() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("config.toml");
        let config = Config::new("Rhymney Time Bank", "rhymney", "Caerphilly");
        config.save(&path).expect("save");
        assert_eq!(Config::load(&path).expect("load"), config);
    }
}
