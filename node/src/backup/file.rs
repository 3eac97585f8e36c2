//! The backup file's format: a small self-describing container, written and
//! read in one pass, with no dependency beyond blake3.
//!
//! ```text
//! backup   = MAGIC "AMSERB01" | section manifest | section config | section key | section journal
//!            | section member keys | section accounts | section proposals | 0x00 (end) | checksum (32 bytes)
//! section  = kind: u8 (1 manifest, 2 config, 3 key, 4 journal, 5 member keys, 6 accounts,
//!            7 proposals) | len: u64 LE | len bytes
//! manifest = TOML text: format, bank id, handle, name, journal seq and head, bytes, when
//! config   = config.toml as it was;  key = bank.key (32 bytes);  journal = journal.amj
//!            (its header and every frame up to the head, nothing after)
//! member keys = member-keys.amk as it was once the journal was copied (format 2 on)
//! accounts, proposals = the console's accounts.json and proposals.json, empty when
//!            the bank has none (format 3 on; a format 2 backup has neither)
//! checksum = blake3 derive_key("amser/v1 backup-file", every byte before it)
//! ```
//!
//! The sections come in that order and each once; a reader refuses anything
//! else. The checksum finds a flipped byte or a cut end anywhere; the journal
//! is verified on its own too (every frame, the hash chain), and the manifest
//! is only a label: a restore believes the journal and checks the manifest
//! against it.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::chain::{self, FrameError, JournalSummary};
use super::{io_err, BackupError};

/// The first bytes of every backup file: format and version.
pub const MAGIC: &[u8; 8] = b"AMSERB01";
/// The manifest's `format` in files written by this version. Format 2 added
/// the members' key file; format 1 backups predate sealed personal data and
/// hold a journal this version cannot read either. Format 3 added the
/// console's accounts and waiting exchanges; format 2 backups still restore.
pub const FORMAT: u32 = 3;
/// The oldest format this version restores.
pub const OLDEST_FORMAT: u32 = 2;
/// Largest accounts.json or proposals.json a reader accepts.
const MAX_CONSOLE_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The blake3 context of the whole-file checksum (no other hash uses it).
const CHECKSUM_CONTEXT: &str = "amser/v1 backup-file";
/// Bytes of the checksum at the end.
pub const CHECKSUM_BYTES: usize = 32;
/// Largest manifest a reader accepts.
const MAX_MANIFEST_BYTES: u64 = 64 * 1024;
/// Largest config.toml a reader accepts.
const MAX_CONFIG_BYTES: u64 = 1024 * 1024;
/// The key section holds exactly the key file's bytes: an ed25519 seed.
pub const KEY_BYTES: usize = 32;
/// Largest members' key file a reader accepts (128 bytes a member: half a million members).
const MAX_MEMBER_KEYS_BYTES: u64 = 64 * 1024 * 1024;
/// Bytes of a section's header: its kind and length.
const SECTION_HEADER_BYTES: usize = 9;
/// Read buffer for backups.
const READ_BUFFER_BYTES: usize = 256 * 1024;

/// Each section's kind byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum Section {
    End = 0,
    Manifest = 1,
    Config = 2,
    Key = 3,
    Journal = 4,
    MemberKeys = 5,
    Accounts = 6,
    Proposals = 7,
}

/// What the backup says about itself; a label, checked against the journal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub bank_id: String,
    pub handle: String,
    pub name: String,
    /// The journal's last entry in the backup and its hash (hex).
    pub journal_seq: u64,
    pub journal_head: String,
    pub journal_bytes: u64,
    pub taken_at_ms: u64,
    /// Whether the node was running (the head is one it acknowledged) or
    /// stopped (the head is its journal's end).
    pub node_running: bool,
    pub amser_version: String,
}

/// Writes a backup's bytes, hashing them as they go.
pub struct Writer<W: Write> {
    out: W,
    hasher: blake3::Hasher,
}

impl<W: Write> Writer<W> {
    /// Starts a backup: its header.
    pub fn new(out: W) -> io::Result<Writer<W>> {
        let mut w = Writer { out, hasher: blake3::Hasher::new_derive_key(CHECKSUM_CONTEXT) };
        w.put(MAGIC)?;
        Ok(w)
    }

    fn put(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.hasher.update(bytes);
        self.out.write_all(bytes)
    }

    /// A section's header: what follows, and how many bytes of it.
    pub fn begin(&mut self, kind: Section, len: u64) -> io::Result<()> {
        self.put(&[kind as u8])?;
        self.put(&len.to_le_bytes())
    }

    /// Some of the current section's bytes.
    pub fn bytes(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.put(bytes)
    }

    /// A whole section.
    pub fn section(&mut self, kind: Section, bytes: &[u8]) -> io::Result<()> {
        self.begin(kind, bytes.len() as u64)?;
        self.put(bytes)
    }

    /// Ends the backup: the end marker and the checksum. Returns the writer and the checksum.
    pub fn finish(mut self) -> io::Result<(W, [u8; CHECKSUM_BYTES])> {
        self.put(&[Section::End as u8])?;
        let sum: [u8; CHECKSUM_BYTES] = self.hasher.finalize().into();
        self.out.write_all(&sum)?;
        Ok((self.out, sum))
    }
}

/// A reader that hashes what passes through it.
struct Hashing<R> {
    inner: R,
    hasher: blake3::Hasher,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hasher.update(&buf[..n]);
        Ok(n)
    }
}

/// A backup read and verified whole.
#[derive(Debug, Clone)]
pub struct Contents {
    pub manifest: Manifest,
    pub config: Vec<u8>,
    pub key: [u8; KEY_BYTES],
    /// What the journal section holds, every frame verified.
    pub journal: JournalSummary,
    /// The members' key file's bytes (checked against the journal by the caller).
    pub member_keys: Vec<u8>,
    /// The console's accounts.json and proposals.json, when the bank had
    /// them (`None` also for a format 2 backup, which had no place for them).
    pub accounts: Option<Vec<u8>>,
    pub proposals: Option<Vec<u8>>,
    /// The file's checksum, to tell that a second read saw the same file.
    pub checksum: [u8; CHECKSUM_BYTES],
}

/// Reads the backup at `path` and verifies all of it: header, sections,
/// every journal frame and the hash chain, the checksum. The journal's bytes
/// are handed to `journal` as they are read (they may be large); act on them
/// only once this returns `Ok`.
pub fn read(path: &Path, journal: impl FnMut(&[u8]) -> io::Result<()>) -> Result<Contents, BackupError> {
    let mut file = File::open(path).map_err(io_err(path))?;
    let len = file.metadata().map_err(io_err(path))?.len();
    let mut magic = [0u8; MAGIC.len()];
    if file.read_exact(&mut magic).is_err() || &magic != MAGIC {
        return Err(BackupError::NotABackup(path.to_path_buf()));
    }
    let damaged = |reason: &str| BackupError::Damaged { path: path.to_path_buf(), reason: reason.to_string() };
    let body_len = len.checked_sub(CHECKSUM_BYTES as u64).filter(|b| *b > MAGIC.len() as u64).ok_or_else(|| damaged("it is cut short"))?;
    file.seek(SeekFrom::Start(0)).map_err(io_err(path))?;
    let body = BufReader::with_capacity(READ_BUFFER_BYTES, file).take(body_len);
    let mut reader = Hashing { inner: body, hasher: blake3::Hasher::new_derive_key(CHECKSUM_CONTEXT) };
    reader.read_exact(&mut magic).map_err(io_err(path))?;
    let parsed = sections(path, &mut reader, body_len - MAGIC.len() as u64, journal);
    // Whatever the sections said, the checksum decides whether the file is
    // the one that was written: read the rest through the hasher.
    io::copy(&mut reader, &mut io::sink()).map_err(io_err(path))?;
    let mut file = reader.inner.into_inner().into_inner();
    let mut stored = [0u8; CHECKSUM_BYTES];
    file.seek(SeekFrom::Start(body_len)).map_err(io_err(path))?;
    file.read_exact(&mut stored).map_err(io_err(path))?;
    let sum: [u8; CHECKSUM_BYTES] = reader.hasher.finalize().into();
    if sum != stored {
        return Err(damaged("its checksum does not match its contents (a byte was changed, or the file was cut short)"));
    }
    let (manifest, config, key, summary, member_keys, (accounts, proposals)) = parsed?;
    Ok(Contents { manifest, config, key, journal: summary, member_keys, accounts, proposals, checksum: sum })
}

type Sections = (Manifest, Vec<u8>, [u8; KEY_BYTES], JournalSummary, Vec<u8>, (Option<Vec<u8>>, Option<Vec<u8>>));

/// The five sections and the end marker, from `reader` holding `left` bytes.
fn sections(
    path: &Path,
    reader: &mut impl Read,
    mut left: u64,
    journal: impl FnMut(&[u8]) -> io::Result<()>,
) -> Result<Sections, BackupError> {
    let damaged = |reason: String| BackupError::Damaged { path: path.to_path_buf(), reason };
    let header = |reader: &mut dyn Read, kind: Section, max: u64, left: &mut u64| -> Result<u64, BackupError> {
        if *left < SECTION_HEADER_BYTES as u64 {
            return Err(damaged(format!("it ends before its {kind:?} section")));
        }
        let mut h = [0u8; SECTION_HEADER_BYTES];
        reader.read_exact(&mut h).map_err(io_err(path))?;
        *left -= SECTION_HEADER_BYTES as u64;
        if h[0] != kind as u8 {
            return Err(damaged(format!("found section {} where the {kind:?} section belongs", h[0])));
        }
        let len = u64::from_le_bytes(h[1..].try_into().expect("8 bytes"));
        if len > max || len > *left {
            return Err(damaged(format!("its {kind:?} section claims {len} bytes, more than it may have")));
        }
        *left -= len;
        Ok(len)
    };
    let small = |reader: &mut dyn Read, len: u64| -> Result<Vec<u8>, BackupError> {
        let mut out = vec![0u8; len as usize];
        reader.read_exact(&mut out).map_err(io_err(path))?;
        Ok(out)
    };
    let len = header(reader, Section::Manifest, MAX_MANIFEST_BYTES, &mut left)?;
    let text = String::from_utf8(small(reader, len)?).map_err(|_| damaged("its manifest is not text".into()))?;
    let manifest: Manifest = toml::from_str(&text).map_err(|e| damaged(format!("its manifest does not read: {e}")))?;
    if !(OLDEST_FORMAT..=FORMAT).contains(&manifest.format) {
        return Err(BackupError::Invalid(format!(
            "{} is a backup in format {}, which this version of amser (formats {OLDEST_FORMAT} to {FORMAT}) cannot read; restore it with the version that made it ({})",
            path.display(),
            manifest.format,
            manifest.amser_version
        )));
    }
    let len = header(reader, Section::Config, MAX_CONFIG_BYTES, &mut left)?;
    let config = small(reader, len)?;
    let len = header(reader, Section::Key, KEY_BYTES as u64, &mut left)?;
    let key: [u8; KEY_BYTES] = small(reader, len)?.try_into().map_err(|_| damaged("its key section is not 32 bytes".into()))?;
    let len = header(reader, Section::Journal, u64::MAX, &mut left)?;
    let summary = chain::verify_all(reader.take(len), len, journal).map_err(|e| match e {
        FrameError::Io(source) => BackupError::Io { path: path.to_path_buf(), source },
        FrameError::NotAJournal => damaged("its journal section does not begin with the journal header".into()),
        FrameError::Bad { seq, reason, .. } => BackupError::BadJournal { path: path.to_path_buf(), seq, reason },
    })?;
    let len = header(reader, Section::MemberKeys, MAX_MEMBER_KEYS_BYTES, &mut left)?;
    let member_keys = small(reader, len)?;
    let mut console = (None, None);
    if manifest.format >= 3 {
        let len = header(reader, Section::Accounts, MAX_CONSOLE_FILE_BYTES, &mut left)?;
        console.0 = Some(small(reader, len)?).filter(|b| !b.is_empty());
        let len = header(reader, Section::Proposals, MAX_CONSOLE_FILE_BYTES, &mut left)?;
        console.1 = Some(small(reader, len)?).filter(|b| !b.is_empty());
    }
    let mut end = [0u8; 1];
    if left != 1 || reader.read_exact(&mut end).is_err() || end[0] != Section::End as u8 {
        return Err(damaged("it does not end where its sections do".into()));
    }
    Ok((manifest, config, key, summary, member_keys, console))
}
