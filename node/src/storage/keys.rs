//! The members' key file (`member-keys.amk`): one fixed-size record per
//! member, each holding the key their personal data is sealed under
//! (DESIGN.md §1b). It follows the journal's durability rules: a key is
//! appended and fdatasynced before any entry sealed under it can be written,
//! so no durable entry outlives its key. Erasing a member overwrites their
//! record in place (a tombstone: code kept, key zeroed) and fdatasyncs, so
//! the key is gone from the file, not just unlinked; the tombstone lets a
//! restored older journal learn that the member was erased since.
//!
//! ```text
//! header  "AMSERKEY" version(1) 0*7                            16 bytes
//! record  state(1: live, 2: destroyed) code_len(1) code(48)     128 bytes
//!         key(32) reserved(30) checksum(16: blake3 of the first 112)
//! ```
//!
//! A record that does not check is a torn append when it is the last one
//! (no entry was sealed under it yet: ignored) and otherwise a torn erasure
//! (its key can no longer be trusted: taken as destroyed, and reported).

use std::collections::{HashMap, HashSet};
use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use amser_protocol::sealed::{MemberKey, KEY_BYTES, NONCE_BYTES};
use amser_protocol::MemberCode;

use crate::ledger::privacy::MemberKeys;
use crate::ledger::LedgerError;

/// The key file's name in the data directory.
pub const KEY_FILE: &str = "member-keys.amk";
const MAGIC: &[u8; 8] = b"AMSERKEY";
const VERSION: u8 = 1;
const HEADER_BYTES: usize = 16;
/// One member's record.
pub const RECORD_BYTES: usize = 128;
/// Room for a member code (a handle of up to 32 characters, ':', 7 more).
const CODE_BYTES: usize = 48;
const CHECKED_BYTES: usize = RECORD_BYTES - 16;
const LIVE: u8 = 1;
const DESTROYED: u8 = 2;

/// Why the key file could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("could not use the members' key file {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
    #[error("{path} is not an Amser members' key file (its first bytes are wrong); it must not be replaced by another file")]
    NotAKeyFile { path: PathBuf },
    #[error("member code {0} is too long for the key file")]
    CodeTooLong(MemberCode),
}

impl From<KeyFileError> for LedgerError {
    fn from(e: KeyFileError) -> LedgerError {
        LedgerError::Storage(e.to_string())
    }
}

struct Ring {
    file: File,
    /// Live keys, and where each member's record is.
    live: HashMap<MemberCode, MemberKey>,
    at: HashMap<MemberCode, u64>,
    destroyed: HashSet<MemberCode>,
    /// Where the next record goes (past any torn tail).
    end: u64,
}

/// The members' keys of one bank: the file, and the keys in memory.
pub struct KeyRing {
    path: PathBuf,
    ring: Mutex<Ring>,
    /// Records that did not check, found when the file was opened.
    damaged: Vec<u64>,
}

impl std::fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "KeyRing({})", self.path.display())
    }
}

fn record(state: u8, code: &MemberCode, key: &[u8; KEY_BYTES]) -> Result<[u8; RECORD_BYTES], KeyFileError> {
    let code_bytes = code.as_str().as_bytes();
    if code_bytes.len() > CODE_BYTES {
        return Err(KeyFileError::CodeTooLong(code.clone()));
    }
    let mut r = [0u8; RECORD_BYTES];
    r[0] = state;
    r[1] = code_bytes.len() as u8;
    r[2..2 + code_bytes.len()].copy_from_slice(code_bytes);
    r[2 + CODE_BYTES..2 + CODE_BYTES + KEY_BYTES].copy_from_slice(key);
    let sum = blake3::hash(&r[..CHECKED_BYTES]);
    r[CHECKED_BYTES..].copy_from_slice(&sum.as_bytes()[..16]);
    Ok(r)
}

/// A record's state, code and key, if it checks.
fn parse(r: &[u8]) -> Option<(u8, MemberCode, [u8; KEY_BYTES])> {
    if blake3::hash(&r[..CHECKED_BYTES]).as_bytes()[..16] != r[CHECKED_BYTES..] {
        return None;
    }
    let len = r[1] as usize;
    let code: MemberCode = std::str::from_utf8(r.get(2..2 + len.min(CODE_BYTES))?).ok()?.parse().ok()?;
    let mut key = [0u8; KEY_BYTES];
    key.copy_from_slice(&r[2 + CODE_BYTES..2 + CODE_BYTES + KEY_BYTES]);
    matches!(r[0], LIVE | DESTROYED).then_some((r[0], code, key))
}

/// The bytes of a key file with no member in it.
pub fn empty_file() -> Vec<u8> {
    header().to_vec()
}

fn header() -> [u8; HEADER_BYTES] {
    let mut h = [0u8; HEADER_BYTES];
    h[..8].copy_from_slice(MAGIC);
    h[8] = VERSION;
    h
}

/// What a key file's bytes hold: read when the node opens its key file,
/// and to check the key file a backup carries.
#[derive(Debug, Default)]
pub struct KeyRecords {
    /// Live keys.
    pub live: HashMap<MemberCode, MemberKey>,
    /// Where each member's record is.
    at: HashMap<MemberCode, u64>,
    /// Members whose keys have been destroyed.
    pub destroyed: HashSet<MemberCode>,
    /// Records that did not check, not at the end (each taken as destroyed).
    pub damaged: Vec<u64>,
    /// Where the next record goes (past any torn tail).
    end: u64,
}

impl KeyRecords {
    /// The records of a key file's `bytes`; `None` if they are not a key file.
    pub fn read(bytes: &[u8]) -> Option<KeyRecords> {
        if bytes.len() < HEADER_BYTES || &bytes[..8] != MAGIC || bytes[8] != VERSION {
            return None;
        }
        let mut out = KeyRecords { end: HEADER_BYTES as u64, ..KeyRecords::default() };
        let records: Vec<&[u8]> = bytes[HEADER_BYTES..].chunks(RECORD_BYTES).collect();
        for (i, r) in records.iter().enumerate() {
            let offset = (HEADER_BYTES + i * RECORD_BYTES) as u64;
            let last = i + 1 == records.len();
            match (r.len() == RECORD_BYTES).then(|| parse(r)).flatten() {
                Some((LIVE, code, key)) => {
                    if !out.destroyed.contains(&code) {
                        out.live.insert(code.clone(), MemberKey(key));
                    }
                    out.at.insert(code, offset);
                }
                Some((_, code, _)) => {
                    out.live.remove(&code);
                    out.at.insert(code.clone(), offset);
                    out.destroyed.insert(code);
                }
                // A torn append: nothing was sealed under it; the next record overwrites it.
                None if last => break,
                None => out.damaged.push(offset),
            }
            out.end = offset + RECORD_BYTES as u64;
        }
        Some(out)
    }
}

/// A key file's `bytes` with the key of every member in `erased` that the
/// file holds destroyed (tombstoned in place). Members the file does not
/// hold are left out: it has no record to overwrite, and their entries are
/// not in the journal it goes with. Returns the bytes and how many keys it
/// destroyed.
pub fn with_erased(bytes: &[u8], erased: &HashSet<MemberCode>) -> Option<(Vec<u8>, usize)> {
    let records = KeyRecords::read(bytes)?;
    let mut out = bytes[..(records.end as usize).min(bytes.len())].to_vec();
    let mut destroyed = 0;
    for code in erased {
        if let (Some(&at), true) = (records.at.get(code), records.live.contains_key(code)) {
            let tombstone = record(DESTROYED, code, &[0u8; KEY_BYTES]).ok()?;
            out[at as usize..at as usize + RECORD_BYTES].copy_from_slice(&tombstone);
            destroyed += 1;
        }
    }
    Some((out, destroyed))
}

impl KeyRing {
    /// Opens the key file in `dir`, creating it (empty, 0600, durably) if absent.
    pub fn open(dir: &Path) -> Result<KeyRing, KeyFileError> {
        let path = dir.join(KEY_FILE);
        let io = |source| KeyFileError::Io { path: path.clone(), source };
        if !path.exists() {
            let mut f = OpenOptions::new().write(true).create_new(true).mode(0o600).open(&path).map_err(io)?;
            f.write_all(&header()).map_err(io)?;
            f.sync_all().map_err(io)?;
            File::open(dir).and_then(|d| d.sync_all()).map_err(io)?;
        }
        let mut file = OpenOptions::new().read(true).write(true).open(&path).map_err(io)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(io)?;
        let Some(KeyRecords { live, at, destroyed, damaged, end }) = KeyRecords::read(&bytes) else {
            return Err(KeyFileError::NotAKeyFile { path });
        };
        Ok(KeyRing { path, ring: Mutex::new(Ring { file, live, at, destroyed, end }), damaged })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Offsets of records that did not check (each a key taken as destroyed).
    pub fn damaged(&self) -> &[u64] {
        &self.damaged
    }

    /// Members whose keys have been destroyed.
    pub fn destroyed(&self) -> Vec<MemberCode> {
        let mut v: Vec<_> = self.ring.lock().expect("key ring").destroyed.iter().cloned().collect();
        v.sort();
        v
    }

    /// Destroys `member`'s key durably: their record is overwritten in place
    /// with a tombstone and fdatasynced. Destroying twice is harmless.
    pub fn destroy(&self, member: &MemberCode) -> Result<(), KeyFileError> {
        let io = |source| KeyFileError::Io { path: self.path.clone(), source };
        let mut ring = self.ring.lock().expect("key ring");
        let tombstone = record(DESTROYED, member, &[0u8; KEY_BYTES])?;
        let offset = match ring.at.get(member) {
            Some(&at) => at,
            None => {
                let at = ring.end;
                ring.end += RECORD_BYTES as u64;
                at
            }
        };
        ring.file.write_all_at(&tombstone, offset).map_err(io)?;
        ring.file.sync_data().map_err(io)?;
        ring.live.remove(member);
        ring.at.insert(member.clone(), offset);
        ring.destroyed.insert(member.clone());
        Ok(())
    }

    /// Every live key (for a backup).
    pub fn bytes(&self) -> Result<Vec<u8>, KeyFileError> {
        let mut out = Vec::new();
        File::open(&self.path)
            .and_then(|mut f| f.read_to_end(&mut out))
            .map_err(|source| KeyFileError::Io { path: self.path.clone(), source })?;
        Ok(out)
    }
}

impl MemberKeys for KeyRing {
    fn create(&self, member: &MemberCode) -> Result<MemberKey, LedgerError> {
        let mut ring = self.ring.lock().expect("key ring");
        if let Some(key) = ring.live.get(member) {
            return Ok(key.clone());
        }
        if ring.destroyed.contains(member) {
            return Err(LedgerError::MemberErased(member.clone()));
        }
        let mut key = [0u8; KEY_BYTES];
        getrandom::fill(&mut key).map_err(|e| LedgerError::Storage(format!("no randomness for a member's key: {e}")))?;
        let r = record(LIVE, member, &key)?;
        let offset = ring.end;
        let io = |source| KeyFileError::Io { path: self.path.clone(), source };
        ring.file.write_all_at(&r, offset).map_err(io)?;
        ring.file.sync_data().map_err(io)?;
        ring.end += RECORD_BYTES as u64;
        ring.at.insert(member.clone(), offset);
        ring.live.insert(member.clone(), MemberKey(key));
        Ok(MemberKey(key))
    }

    fn key(&self, member: &MemberCode) -> Option<MemberKey> {
        self.ring.lock().expect("key ring").live.get(member).cloned()
    }

    fn nonce(&self) -> [u8; NONCE_BYTES] {
        let mut nonce = [0u8; NONCE_BYTES];
        // getrandom fails only where the OS has no randomness at all; a node could not have made its own key there.
        getrandom::fill(&mut nonce).expect("the operating system's randomness");
        nonce
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(n: u64) -> MemberCode {
        MemberCode::derive(&amser_protocol::BankId([3; 32]), &"rhymney".parse().unwrap(), n, 0)
    }

    #[test]
    fn an_erased_members_key_is_gone_from_the_file_and_stays_gone_after_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::open(dir.path()).unwrap();
        let (gwen, dai) = (code(1), code(2));
        let gwen_key = ring.create(&gwen).unwrap();
        let dai_key = ring.create(&dai).unwrap();
        assert_eq!(ring.create(&gwen).unwrap(), gwen_key, "one key per member");
        ring.destroy(&gwen).unwrap();
        let bytes = std::fs::read(dir.path().join(KEY_FILE)).unwrap();
        assert!(!bytes.windows(KEY_BYTES).any(|w| w == gwen_key.0), "Gwen's key bytes are overwritten");
        drop(ring);
        let ring = KeyRing::open(dir.path()).unwrap();
        assert_eq!(ring.key(&gwen), None);
        assert_eq!(ring.key(&dai), Some(dai_key));
        assert_eq!(ring.destroyed(), vec![gwen.clone()]);
        assert!(matches!(ring.create(&gwen), Err(LedgerError::MemberErased(_))), "an erased member gets no new key");
    }

    #[test]
    fn a_torn_last_record_is_ignored_and_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let ring = KeyRing::open(dir.path()).unwrap();
        ring.create(&code(1)).unwrap();
        drop(ring);
        let path = dir.path().join(KEY_FILE);
        let mut f = OpenOptions::new().append(true).open(&path).unwrap();
        f.write_all(&[LIVE, 3, b'x']).unwrap();
        drop(f);
        let ring = KeyRing::open(dir.path()).unwrap();
        assert!(ring.damaged().is_empty());
        let dai = code(2);
        let key = ring.create(&dai).unwrap();
        drop(ring);
        assert_eq!(std::fs::metadata(&path).unwrap().len() as usize, HEADER_BYTES + 2 * RECORD_BYTES);
        assert_eq!(KeyRing::open(dir.path()).unwrap().key(&dai), Some(key));
    }

    #[test]
    fn another_file_in_its_place_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(KEY_FILE), b"not keys at all").unwrap();
        assert!(matches!(KeyRing::open(dir.path()), Err(KeyFileError::NotAKeyFile { .. })));
    }
}
