//! The bank's data directory: where each file lives, creating it with the
//! right permissions, and the lock that keeps two nodes off one directory.
//!
//! ```text
//! DIR/ (0700)
//!   config.toml   the bank's settings (name, handle, API address, policy)
//!   bank.key      the ed25519 secret key: bank id and libp2p identity (0600)
//!   api-token     the bearer token for the local API (0600)
//!   metrics-token the bearer token for `/metrics` only, made when metrics are first on (0600)
//!   journal.amj   the append-only journal: the durable truth
//!   state/        sled: balances, members, exchanges, derived from the journal
//!   api.addr      the address the running node's API is bound to
//!   node.lock     held by the running node
//!   restored.toml written by `amser restore`: the backup's head (see `backup::record`)
//!   *.before-restore-<ms>  what a restore replaced, kept aside
//! ```

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use ed25519_dalek::SigningKey;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum DataDirError {
    #[error("{path}: {source}")]
    Io { path: PathBuf, source: io::Error },
    #[error("{0} already holds a bank; use another directory with --data, or remove it first")]
    AlreadyInitialised(PathBuf),
    #[error("{0} holds no bank; create one with `amser init --data {0} --name \"...\" --handle ...`")]
    NotInitialised(PathBuf),
    #[error("another amser node is already running on {0}; stop it first (or use another --data directory)")]
    Locked(PathBuf),
    #[error("{path} is readable by other users (mode {mode:o}); run `chmod 600 {path}`")]
    TooOpen { path: PathBuf, mode: u32 },
    #[error("{0} is damaged: {1}")]
    Damaged(PathBuf, String),
}

fn io_err(path: &Path) -> impl FnOnce(io::Error) -> DataDirError + '_ {
    move |source| DataDirError::Io { path: path.to_path_buf(), source }
}

/// Bytes of a random token (the API's, the metrics').
const TOKEN_BYTES: usize = 32;

/// A new random token (hex) for the file at `path`.
fn random_token(path: &Path) -> Result<String, DataDirError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| DataDirError::Io { path: path.to_path_buf(), source: io::Error::other(e.to_string()) })?;
    Ok(hex::encode(bytes))
}

/// Paths inside one bank's data directory.
#[derive(Debug, Clone)]
pub struct DataDir {
    root: PathBuf,
}

impl DataDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        DataDir { root: root.into() }
    }
    pub fn root(&self) -> &Path {
        &self.root
    }
    pub fn config(&self) -> PathBuf {
        self.root.join("config.toml")
    }
    pub fn key(&self) -> PathBuf {
        self.root.join("bank.key")
    }
    pub fn token(&self) -> PathBuf {
        self.root.join("api-token")
    }
    /// The token a monitoring server sends for `/metrics`: it opens nothing else.
    pub fn metrics_token(&self) -> PathBuf {
        self.root.join("metrics-token")
    }
    /// The members' key file (their personal data is sealed under these keys).
    pub fn member_keys(&self) -> PathBuf {
        self.root.join(crate::storage::keys::KEY_FILE)
    }

    pub fn journal(&self) -> PathBuf {
        self.root.join("journal.amj")
    }
    pub fn state(&self) -> PathBuf {
        self.root.join("state")
    }
    pub fn api_addr(&self) -> PathBuf {
        self.root.join("api.addr")
    }
    pub fn lock_file(&self) -> PathBuf {
        self.root.join("node.lock")
    }
    /// Written by `amser restore`: which backup, and which head, the journal came from.
    pub fn restore_record(&self) -> PathBuf {
        self.root.join("restored.toml")
    }

    pub fn is_initialised(&self) -> bool {
        self.config().exists() && self.journal().exists()
    }

    /// Creates the directory (0700) for a new bank; refuses one that holds a bank.
    pub fn create(&self) -> Result<(), DataDirError> {
        if self.is_initialised() {
            return Err(DataDirError::AlreadyInitialised(self.root.clone()));
        }
        fs::create_dir_all(&self.root).map_err(io_err(&self.root))?;
        fs::set_permissions(&self.root, fs::Permissions::from_mode(0o700)).map_err(io_err(&self.root))?;
        Ok(())
    }

    pub fn require_initialised(&self) -> Result<(), DataDirError> {
        if self.is_initialised() {
            Ok(())
        } else {
            Err(DataDirError::NotInitialised(self.root.clone()))
        }
    }

    /// Writes a new secret file with mode 0600, durably, refusing to overwrite.
    fn write_secret(&self, path: &Path, bytes: &[u8]) -> Result<(), DataDirError> {
        let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(path).map_err(io_err(path))?;
        f.write_all(bytes).map_err(io_err(path))?;
        f.sync_all().map_err(io_err(path))?;
        Ok(())
    }

    fn read_secret(&self, path: &Path) -> Result<Vec<u8>, DataDirError> {
        let mut f = File::open(path).map_err(io_err(path))?;
        let mode = f.metadata().map_err(io_err(path))?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(DataDirError::TooOpen { path: path.to_path_buf(), mode });
        }
        let mut out = Vec::new();
        f.read_to_end(&mut out).map_err(io_err(path))?;
        Ok(out)
    }

    /// Creates the bank's key pair.
    pub fn create_key(&self) -> Result<SigningKey, DataDirError> {
        let mut seed = [0u8; 32];
        getrandom::fill(&mut seed).map_err(|e| DataDirError::Io { path: self.key(), source: io::Error::other(e.to_string()) })?;
        self.write_secret(&self.key(), &seed)?;
        Ok(SigningKey::from_bytes(&seed))
    }

    pub fn load_key(&self) -> Result<SigningKey, DataDirError> {
        let bytes = self.read_secret(&self.key())?;
        let seed: [u8; 32] =
            bytes.as_slice().try_into().map_err(|_| DataDirError::Damaged(self.key(), "the key file must hold exactly 32 bytes".into()))?;
        Ok(SigningKey::from_bytes(&seed))
    }

    /// Creates the API bearer token.
    pub fn create_token(&self) -> Result<String, DataDirError> {
        let token = random_token(&self.token())?;
        self.write_secret(&self.token(), token.as_bytes())?;
        Ok(token)
    }

    pub fn load_token(&self) -> Result<String, DataDirError> {
        self.load_token_at(&self.token())
    }

    fn load_token_at(&self, path: &Path) -> Result<String, DataDirError> {
        let bytes = self.read_secret(path)?;
        let token = String::from_utf8(bytes).map_err(|_| DataDirError::Damaged(path.to_path_buf(), "not text".into()))?;
        Ok(token.trim().to_string())
    }

    /// The `/metrics` token, made (like the API's) the first time it is needed.
    pub fn metrics_token_or_create(&self) -> Result<String, DataDirError> {
        let path = self.metrics_token();
        if path.exists() {
            return self.load_token_at(&path);
        }
        let token = random_token(&path)?;
        self.write_secret(&path, token.as_bytes())?;
        Ok(token)
    }

    /// Records where the running node's API listens (written whole, then renamed).
    pub fn write_api_addr(&self, addr: &str) -> Result<(), DataDirError> {
        let tmp = self.root.join("api.addr.tmp");
        fs::write(&tmp, format!("{addr}\n")).map_err(io_err(&tmp))?;
        fs::rename(&tmp, self.api_addr()).map_err(io_err(&self.api_addr()))
    }

    pub fn read_api_addr(&self) -> Option<String> {
        fs::read_to_string(self.api_addr()).ok().map(|s| s.trim().to_string()).filter(|s| !s.is_empty())
    }

    pub fn remove_api_addr(&self) {
        let _ = fs::remove_file(self.api_addr());
    }

    /// Takes the directory's exclusive lock for as long as the returned file lives.
    pub fn lock(&self) -> Result<File, DataDirError> {
        let path = self.lock_file();
        let f = OpenOptions::new().create(true).truncate(false).write(true).mode(0o600).open(&path).map_err(io_err(&path))?;
        match f.try_lock() {
            Ok(()) => Ok(f),
            Err(fs::TryLockError::WouldBlock) => Err(DataDirError::Locked(self.root.clone())),
            Err(fs::TryLockError::Error(e)) => Err(DataDirError::Io { path, source: e }),
        }
    }
}
