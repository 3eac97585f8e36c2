//! The bank's accounts and their file, `accounts.json` (0600) in the data
//! directory. It is small (one line of JSON per person), so every change
//! writes it whole: a temporary file beside it, fdatasync, rename, the
//! directory synced; a kill -9 at any moment leaves the old file or the new
//! one, never half. Accounts are not in the journal: they are not ledger
//! facts, no other bank may ever see them, and a password hash must be
//! removable for good.
//!
//! A new account has no password: it gets a one-time sign-in link (a random
//! token, of which only the blake3 hash is kept), valid for
//! [`INVITATION_MS`], with which its person sets a password.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use amser_protocol::MemberCode;
use serde::{Deserialize, Serialize};

use super::{Language, Role};

/// The accounts file's name in the data directory.
pub const ACCOUNTS_FILE: &str = "accounts.json";
/// Version of the file's layout.
const FILE_VERSION: u32 = 1;
/// How long a sign-in link stays valid: a week.
pub const INVITATION_MS: u64 = 7 * 24 * 60 * 60 * 1000;
/// Accounts one bank may have (a bank has tens to hundreds of members).
pub const MAX_ACCOUNTS: usize = 5_000;
/// Longest sign-in name.
pub const MAX_ACCOUNT_NAME_CHARS: usize = 100;
/// Random bytes in a sign-in link's token.
const TOKEN_BYTES: usize = 32;

/// Why an account could not be made, found or changed.
#[derive(Debug, thiserror::Error)]
pub enum AccountError {
    #[error("'{0}' is not a role; give coordinator, viewer or member")]
    UnknownRole(String),
    #[error("there is already an account named '{0}'; choose another name")]
    NameTaken(String),
    #[error("an account's name must be 1 to {MAX_ACCOUNT_NAME_CHARS} characters, with no control characters")]
    BadName,
    #[error("there is no account named '{0}'")]
    UnknownAccount(String),
    #[error("a member's account needs the member's code (--member CODE)")]
    MemberRequired,
    #[error("only a member's account names a member; leave out --member for a {0}")]
    MemberNotAllowed(Role),
    #[error("this sign-in link has been used or has expired; ask the coordinator for a new one")]
    NoSuchInvitation,
    #[error("a password needs at least {min} characters (a few words make a good one)")]
    PasswordTooShort { min: usize },
    #[error("a password may have at most {max} characters")]
    PasswordTooLong { max: usize },
    #[error("the bank has {MAX_ACCOUNTS} accounts, the most it may have; disable or remove some first")]
    TooMany,
    #[error("could not hash the password: {0}")]
    Hashing(String),
    #[error("could not use the accounts file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("the accounts file {path} does not read ({reason}); restore it from a backup, or move it aside to start with no accounts")]
    Damaged { path: PathBuf, reason: String },
}

/// A sign-in link's token as kept: its hash and when it expires.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
struct StoredInvitation {
    token_hash: String,
    expires_ms: u64,
}

/// One person's account.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// The name they sign in with; unique in the bank, ignoring case.
    pub name: String,
    pub role: Role,
    /// The member whose account it is (role `member` only).
    #[serde(default)]
    pub member: Option<MemberCode>,
    /// argon2id PHC string; `None` until they set a password.
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    pub disabled: bool,
    /// The language they chose; `None`: their browser's.
    #[serde(default)]
    pub language: Option<Language>,
    #[serde(default)]
    invitation: Option<StoredInvitation>,
    pub created_ms: u64,
}

impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account").field("name", &self.name).field("role", &self.role).field("disabled", &self.disabled).finish()
    }
}

impl Account {
    /// The argon2id hash to check a password against, if one was set.
    pub fn password_hash(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

/// A one-time sign-in link's secret, to hand to its person once.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub account: String,
    pub token: String,
    pub expires_ms: u64,
}

#[derive(Serialize, Deserialize)]
struct AccountsFile {
    version: u32,
    accounts: Vec<Account>,
}

/// The bank's accounts, in memory and in their file.
pub struct AccountBook {
    path: PathBuf,
    accounts: Mutex<Vec<Account>>,
}

fn same_name(a: &str, b: &str) -> bool {
    a.trim().to_lowercase() == b.trim().to_lowercase()
}

fn token_hash(token: &str) -> String {
    blake3::derive_key("amser/v1 console invitation", token.trim().as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

impl AccountBook {
    /// Opens the accounts of the data directory `dir` (none yet if the file is absent).
    pub fn open(dir: &Path) -> Result<AccountBook, AccountError> {
        let path = dir.join(ACCOUNTS_FILE);
        let accounts = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: AccountsFile =
                    serde_json::from_slice(&bytes).map_err(|e| AccountError::Damaged { path: path.clone(), reason: e.to_string() })?;
                if file.version != FILE_VERSION {
                    return Err(AccountError::Damaged { path, reason: format!("it is version {}, not {FILE_VERSION}", file.version) });
                }
                file.accounts
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(AccountError::Io { path, source }),
        };
        Ok(AccountBook { path, accounts: Mutex::new(accounts) })
    }

    /// Adds an account with no password; returns its sign-in link's token.
    pub fn add(&self, name: &str, role: Role, member: Option<MemberCode>, now_ms: u64) -> Result<Invitation, AccountError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_ACCOUNT_NAME_CHARS || name.chars().any(char::is_control) {
            return Err(AccountError::BadName);
        }
        match (role, &member) {
            (Role::Member, None) => return Err(AccountError::MemberRequired),
            (Role::Coordinator | Role::Viewer, Some(_)) => return Err(AccountError::MemberNotAllowed(role)),
            _ => {}
        }
        self.change(|accounts| {
            if accounts.iter().any(|a| same_name(&a.name, name)) {
                return Err(AccountError::NameTaken(name.to_string()));
            }
            if accounts.len() >= MAX_ACCOUNTS {
                return Err(AccountError::TooMany);
            }
            let (stored, invitation) = invitation(name, now_ms)?;
            accounts.push(Account {
                name: name.to_string(),
                role,
                member,
                password: None,
                disabled: false,
                language: None,
                invitation: Some(stored),
                created_ms: now_ms,
            });
            Ok(invitation)
        })
    }

    /// A new sign-in link for `name` (a forgotten password); the old link and password stop working.
    pub fn invite_again(&self, name: &str, now_ms: u64) -> Result<Invitation, AccountError> {
        self.change(|accounts| {
            let account =
                accounts.iter_mut().find(|a| same_name(&a.name, name)).ok_or_else(|| AccountError::UnknownAccount(name.into()))?;
            let (stored, invitation) = invitation(&account.name, now_ms)?;
            account.invitation = Some(stored);
            account.password = None;
            Ok(invitation)
        })
    }

    /// The account a sign-in link is for, while it is valid.
    pub fn invited(&self, token: &str, now_ms: u64) -> Result<Account, AccountError> {
        let hash = token_hash(token);
        let accounts = self.accounts.lock().expect("accounts");
        accounts
            .iter()
            .find(|a| a.invitation.as_ref().is_some_and(|i| i.token_hash == hash && now_ms < i.expires_ms) && !a.disabled)
            .cloned()
            .ok_or(AccountError::NoSuchInvitation)
    }

    /// Uses a sign-in link: sets the account's password (`phc`, already
    /// hashed) and ends the link.
    pub fn accept(&self, token: &str, phc: String, now_ms: u64) -> Result<Account, AccountError> {
        let hash = token_hash(token);
        self.change(|accounts| {
            let account = accounts
                .iter_mut()
                .find(|a| a.invitation.as_ref().is_some_and(|i| i.token_hash == hash && now_ms < i.expires_ms) && !a.disabled)
                .ok_or(AccountError::NoSuchInvitation)?;
            account.password = Some(phc);
            account.invitation = None;
            Ok(account.clone())
        })
    }

    /// The account named `name`, ignoring case.
    pub fn find(&self, name: &str) -> Option<Account> {
        self.accounts.lock().expect("accounts").iter().find(|a| same_name(&a.name, name)).cloned()
    }

    /// Every account, in the order made.
    pub fn list(&self) -> Vec<Account> {
        self.accounts.lock().expect("accounts").clone()
    }

    /// Remembers the language `name` chose.
    pub fn set_language(&self, name: &str, language: Language) -> Result<(), AccountError> {
        self.change(|accounts| {
            let account =
                accounts.iter_mut().find(|a| same_name(&a.name, name)).ok_or_else(|| AccountError::UnknownAccount(name.into()))?;
            account.language = Some(language);
            Ok(())
        })
    }

    /// Disables (or enables again) an account: a disabled one cannot sign in.
    pub fn set_disabled(&self, name: &str, disabled: bool) -> Result<Account, AccountError> {
        self.change(|accounts| {
            let account =
                accounts.iter_mut().find(|a| same_name(&a.name, name)).ok_or_else(|| AccountError::UnknownAccount(name.into()))?;
            account.disabled = disabled;
            Ok(account.clone())
        })
    }

    /// Applies `f` to a copy of the accounts and, if it succeeds, makes the
    /// copy durable before it replaces the accounts in memory.
    fn change<T>(&self, f: impl FnOnce(&mut Vec<Account>) -> Result<T, AccountError>) -> Result<T, AccountError> {
        let mut accounts = self.accounts.lock().expect("accounts");
        let mut changed = accounts.clone();
        let out = f(&mut changed)?;
        self.save(&changed)?;
        *accounts = changed;
        Ok(out)
    }

    fn save(&self, accounts: &[Account]) -> Result<(), AccountError> {
        let bytes = serde_json::to_vec_pretty(&AccountsFile { version: FILE_VERSION, accounts: accounts.to_vec() })
            .map_err(|e| AccountError::Damaged { path: self.path.clone(), reason: e.to_string() })?;
        super::durable::write_whole(&self.path, &bytes).map_err(|source| AccountError::Io { path: self.path.clone(), source })
    }
}

/// A fresh sign-in link for `name`: what is kept, and what is handed out.
fn invitation(name: &str, now_ms: u64) -> Result<(StoredInvitation, Invitation), AccountError> {
    let mut bytes = [0u8; TOKEN_BYTES];
    getrandom::fill(&mut bytes).map_err(|e| AccountError::Hashing(format!("no randomness: {e}")))?;
    let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let expires_ms = now_ms + INVITATION_MS;
    Ok((StoredInvitation { token_hash: token_hash(&token), expires_ms }, Invitation { account: name.to_string(), token, expires_ms }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rhymneys_coordinator_is_invited_sets_a_password_and_the_account_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let book = AccountBook::open(dir.path()).unwrap();
        let link = book.add("Sian Lewis", Role::Coordinator, None, 1_000).unwrap();
        assert!(matches!(book.add("sian lewis", Role::Viewer, None, 1_000), Err(AccountError::NameTaken(_))));
        assert!(matches!(book.add("Dai", Role::Member, None, 1_000), Err(AccountError::MemberRequired)));
        assert_eq!(book.invited(&link.token, 2_000).unwrap().name, "Sian Lewis");
        assert!(matches!(book.invited(&link.token, 1_000 + INVITATION_MS), Err(AccountError::NoSuchInvitation)), "expired");
        book.accept(&link.token, "$argon2id$fake".into(), 3_000).unwrap();
        assert!(matches!(book.accept(&link.token, "$argon2id$again".into(), 3_000), Err(AccountError::NoSuchInvitation)), "used once");
        book.set_language("SIAN LEWIS", Language::Cy).unwrap();
        drop(book);
        let book = AccountBook::open(dir.path()).unwrap();
        let sian = book.find("Sian Lewis").unwrap();
        assert_eq!((sian.password_hash(), sian.language, sian.role), (Some("$argon2id$fake"), Some(Language::Cy), Role::Coordinator));
        let bytes = std::fs::read(dir.path().join(ACCOUNTS_FILE)).unwrap();
        assert!(!String::from_utf8_lossy(&bytes).contains(&link.token), "only the link's hash is kept");
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(std::fs::metadata(dir.path().join(ACCOUNTS_FILE)).unwrap().permissions().mode() & 0o777, 0o600);
    }
}
