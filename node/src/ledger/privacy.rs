//! Members' keys, as the rules see them: sealing what a command brings in
//! (a member's register fields, a note, a listing's text, a reason) before
//! it goes into an entry, and opening it again for people to read.
//!
//! [`MemberKeys`] is the door to the keys; the node's is the key file
//! (`crate::storage::keys`), tests and the simulator use [`MemKeys`]. The
//! rules never need personal data to decide anything but an update to it,
//! so an erased member's sealed data simply stays shut.

use std::collections::HashMap;
use std::sync::Mutex;

use amser_protocol::sealed::{self, MemberKey, Purpose, Sealed, NONCE_BYTES};
use amser_protocol::MemberCode;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::LedgerError;

/// Where members' keys are kept.
pub trait MemberKeys: Send + Sync {
    /// The key of a member about to join, kept durably before it returns
    /// (so no entry sealed under it can outlive it); the same key again if
    /// one was already made for this code.
    fn create(&self, member: &MemberCode) -> Result<MemberKey, LedgerError>;
    /// A member's key; `None` when it was never made or has been destroyed.
    fn key(&self, member: &MemberCode) -> Option<MemberKey>;
    /// A fresh random nonce.
    fn nonce(&self) -> [u8; NONCE_BYTES];
}

/// What opening sealed data found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Opened<T> {
    Open(T),
    /// A key it was sealed under has been destroyed: a member in it was erased.
    Erased,
}

impl<T> Opened<T> {
    pub fn open(self) -> Option<T> {
        match self {
            Opened::Open(v) => Some(v),
            Opened::Erased => None,
        }
    }
}

fn sealing_failed(e: sealed::SealError) -> LedgerError {
    LedgerError::Storage(format!("personal data could not be sealed: {e}"))
}

/// Seals `value` under the keys of `members` (in that order, without
/// repeats). Every member must have a key.
pub fn seal<T: Serialize>(keys: &dyn MemberKeys, purpose: Purpose, members: &[MemberCode], value: &T) -> Result<Sealed, LedgerError> {
    let mut unique: Vec<MemberCode> = Vec::with_capacity(members.len());
    for m in members {
        if !unique.contains(m) {
            unique.push(m.clone());
        }
    }
    let mut found = Vec::with_capacity(unique.len());
    for m in &unique {
        found.push(keys.key(m).ok_or_else(|| LedgerError::MemberErased(m.clone()))?);
    }
    sealed::seal(value, purpose, unique, &found, keys.nonce()).map_err(sealing_failed)
}

/// Seals a free text under `members`' keys; an empty text is kept as nothing.
pub fn seal_text(keys: &dyn MemberKeys, purpose: Purpose, members: &[MemberCode], text: &str) -> Result<Option<Sealed>, LedgerError> {
    if text.is_empty() {
        return Ok(None);
    }
    seal(keys, purpose, members, &text.to_string()).map(Some)
}

/// Opens `sealed`: [`Opened::Erased`] when a member's key is gone; an error
/// when every key is there and it still does not open (damage).
pub fn open<T: DeserializeOwned + Serialize>(keys: &dyn MemberKeys, purpose: Purpose, sealed: &Sealed) -> Result<Opened<T>, LedgerError> {
    let mut found = Vec::with_capacity(sealed.members.len());
    for m in &sealed.members {
        match keys.key(m) {
            Some(k) => found.push(k),
            None => return Ok(Opened::Erased),
        }
    }
    sealed::open(sealed, purpose, &found)
        .map(Opened::Open)
        .map_err(|e| LedgerError::Storage(format!("personal data sealed for {:?} does not open: {e}", sealed.members)))
}

/// Opens a sealed free text: empty when there is none, `None` when erased.
pub fn open_text(keys: &dyn MemberKeys, purpose: Purpose, sealed: Option<&Sealed>) -> Result<Option<String>, LedgerError> {
    match sealed {
        None => Ok(Some(String::new())),
        Some(s) => open::<String>(keys, purpose, s).map(Opened::open),
    }
}

/// Keys in memory, for tests, the simulator and the audit's replay: nonces
/// from a counter, so a seeded run is the same every time.
#[derive(Default)]
pub struct MemKeys {
    keys: Mutex<HashMap<MemberCode, MemberKey>>,
    counter: Mutex<u64>,
}

impl MemKeys {
    /// Destroys a member's key, as an erasure does.
    pub fn destroy(&self, member: &MemberCode) {
        self.keys.lock().expect("keys").remove(member);
    }
}

impl MemberKeys for MemKeys {
    fn create(&self, member: &MemberCode) -> Result<MemberKey, LedgerError> {
        let mut keys = self.keys.lock().expect("keys");
        let n = keys.len() as u64;
        let key = keys.entry(member.clone()).or_insert_with(|| MemberKey(*blake3::hash(format!("{member} {n}").as_bytes()).as_bytes()));
        Ok(key.clone())
    }

    fn key(&self, member: &MemberCode) -> Option<MemberKey> {
        self.keys.lock().expect("keys").get(member).cloned()
    }

    fn nonce(&self) -> [u8; NONCE_BYTES] {
        let mut counter = self.counter.lock().expect("nonce counter");
        *counter += 1;
        let mut nonce = [0u8; NONCE_BYTES];
        nonce[..8].copy_from_slice(&counter.to_le_bytes());
        nonce
    }
}
