//! Journal frames read strictly, one at a time, from any reader: the live
//! journal while the node appends to it (read only up to a head it has
//! acknowledged, never past it), and the journal section of a backup.
//!
//! Unlike the node's scanner (`amser_wire::journal::scan`), nothing here is
//! forgiven as a torn write: a backup holds whole entries only, so a frame
//! that is short, fails its checksum, does not decode or does not follow its
//! predecessor (seq and hash) is an error naming the entry. The checksum is
//! checked by framing the entry again with the journal's own [`frame`], so
//! there is one definition of it.

use std::collections::BTreeMap;
use std::io::{self, Read};

use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::limits::MAX_ENTRY_BYTES;
use amser_protocol::sealed::Sealed;
use amser_protocol::{EntryHash, MemberCode};
use thiserror::Error;

use crate::storage::journal::{frame, FRAME_HEADER_BYTES, LENGTH_BYTES, MAGIC};

/// Why a run of frames does not verify.
#[derive(Debug, Error)]
pub enum FrameError {
    #[error("{0}")]
    Io(#[from] io::Error),
    #[error("it does not begin with the journal header")]
    NotAJournal,
    /// Entry `seq`, whose frame begins at byte `offset`, fails a check.
    #[error("entry {seq} (at byte {offset}): {reason}")]
    Bad { seq: u64, offset: u64, reason: String },
}

/// One entry read, with its hash and its whole frame (header and entry).
pub struct Frame<'a> {
    pub entry: JournalEntry,
    pub hash: EntryHash,
    pub bytes: &'a [u8],
}

/// Frames read one by one from `reader`, which holds `len` bytes of journal
/// (the header included).
pub struct Frames<R> {
    reader: R,
    /// Bytes of journal not read yet.
    remaining: u64,
    /// Where the next frame begins.
    offset: u64,
    /// The last entry read (0, zeros before the first).
    head: (u64, EntryHash),
    /// The frame last read, header and entry.
    bytes: Vec<u8>,
    /// The same frame made again from its entry, to compare.
    again: Vec<u8>,
}

impl<R: Read> Frames<R> {
    /// Reads and checks the journal header.
    pub fn open(mut reader: R, len: u64) -> Result<Frames<R>, FrameError> {
        let mut magic = [0u8; MAGIC.len()];
        if len < MAGIC.len() as u64 {
            return Err(FrameError::NotAJournal);
        }
        reader.read_exact(&mut magic)?;
        if &magic != MAGIC {
            return Err(FrameError::NotAJournal);
        }
        let offset = MAGIC.len() as u64;
        Ok(Frames { reader, remaining: len - offset, offset, head: (0, EntryHash::default()), bytes: Vec::new(), again: Vec::new() })
    }

    /// The last entry read: its seq and hash.
    pub fn head(&self) -> (u64, EntryHash) {
        self.head
    }

    /// Bytes of journal read so far, the header included.
    pub fn offset(&self) -> u64 {
        self.offset
    }

    /// The next entry, its hash and its whole frame; `None` at the end.
    pub fn next_entry(&mut self) -> Result<Option<Frame<'_>>, FrameError> {
        if self.remaining == 0 {
            return Ok(None);
        }
        let seq = self.head.0 + 1;
        let offset = self.offset;
        let bad = |reason: String| FrameError::Bad { seq, offset, reason };
        if self.remaining < FRAME_HEADER_BYTES as u64 {
            return Err(bad(format!("the journal ends {} bytes into its frame header", self.remaining)));
        }
        let mut header = [0u8; FRAME_HEADER_BYTES];
        self.reader.read_exact(&mut header)?;
        let len = u32::from_le_bytes(header[..LENGTH_BYTES].try_into().expect("4 bytes")) as usize;
        if len > MAX_ENTRY_BYTES {
            return Err(bad(format!("its length ({len} bytes) is more than any entry may have")));
        }
        let frame_len = (FRAME_HEADER_BYTES + len) as u64;
        if frame_len > self.remaining {
            return Err(bad(format!("its length ({len} bytes) runs past the end of the journal")));
        }
        self.bytes.clear();
        self.bytes.extend_from_slice(&header);
        self.bytes.resize(frame_len as usize, 0);
        self.reader.read_exact(&mut self.bytes[FRAME_HEADER_BYTES..])?;
        let payload = &self.bytes[FRAME_HEADER_BYTES..];
        self.again.clear();
        frame(payload, &mut self.again);
        if self.again[..FRAME_HEADER_BYTES] != header {
            return Err(bad("its checksum does not match its bytes".into()));
        }
        let entry = JournalEntry::decode(payload).map_err(|e| bad(e.to_string()))?;
        let previous = if self.head.0 == 0 { None } else { Some(self.head) };
        entry.check_follows(previous).map_err(|e| bad(e.to_string()))?;
        let hash = JournalEntry::hash_of_bytes(payload);
        self.head = (entry.seq, hash);
        self.offset += frame_len;
        self.remaining -= frame_len;
        Ok(Some(Frame { entry, hash, bytes: &self.bytes }))
    }
}

/// What a verified journal says about its bank.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalSummary {
    /// The last entry: seq and hash.
    pub head: (u64, EntryHash),
    /// The bank its first entry opened.
    pub profile: BankProfile,
    /// Whether the bank ever admitted a peer bank: then peers have seen its
    /// signed heads, and a restore older than them matters (DESIGN.md §1, backups).
    pub federated: bool,
    /// Bytes of journal, the header included.
    pub bytes: u64,
    /// Every member the journal registers, with their sealed details as its
    /// last entry about them left them (`None`: erased), to check a key file
    /// against.
    pub members: BTreeMap<MemberCode, Option<Sealed>>,
}

/// Keeps what a [`JournalSummary`] needs from each entry.
#[derive(Default)]
pub struct Summariser {
    profile: Option<BankProfile>,
    federated: bool,
    members: BTreeMap<MemberCode, Option<Sealed>>,
}

impl Summariser {
    pub fn see(&mut self, entry: &JournalEntry) {
        match &entry.body {
            EntryBody::BankOpened { profile, .. } if entry.seq == 1 => self.profile = Some(profile.clone()),
            EntryBody::PeerLineSet { .. } => self.federated = true,
            EntryBody::MemberJoined { member, .. } | EntryBody::MemberUpdated { member } => {
                self.members.insert(member.code.clone(), member.details.clone());
            }
            EntryBody::MemberErased { member, .. } => {
                self.members.insert(member.clone(), None);
            }
            _ => {}
        }
    }

    /// The summary of a journal read to `head`; `None` if it held no entry.
    pub fn finish(self, head: (u64, EntryHash), bytes: u64) -> Option<JournalSummary> {
        Some(JournalSummary { head, profile: self.profile?, federated: self.federated, bytes, members: self.members })
    }
}

/// Reads all `len` bytes of journal from `reader`, verifying every frame,
/// and hands each frame (and the header first) to `each`.
pub fn verify_all(reader: impl Read, len: u64, mut each: impl FnMut(&[u8]) -> io::Result<()>) -> Result<JournalSummary, FrameError> {
    let mut frames = Frames::open(reader, len)?;
    each(MAGIC)?;
    let mut summary = Summariser::default();
    while let Some(frame) = frames.next_entry()? {
        summary.see(&frame.entry);
        each(frame.bytes)?;
    }
    let (head, offset) = (frames.head(), frames.offset());
    summary.finish(head, offset).ok_or(FrameError::Bad { seq: 1, offset, reason: "the journal holds no entry".into() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::{BankId, Policy};

    fn journal(entries: u64) -> Vec<u8> {
        let mut out = MAGIC.to_vec();
        let mut prev = EntryHash::default();
        for seq in 1..=entries {
            let body = if seq == 1 {
                let profile = BankProfile {
                    bank: BankId([7; 32]),
                    name: "Rhymney Time Bank".into(),
                    handle: "rhymney".parse().unwrap(),
                    region: String::new(),
                };
                EntryBody::BankOpened { profile, policy: Policy::default() }
            } else {
                EntryBody::PolicyChanged { policy: Policy::default() }
            };
            let entry = JournalEntry { seq, prev_hash: prev, time_ms: seq, body };
            let bytes = entry.encode().unwrap();
            prev = JournalEntry::hash_of_bytes(&bytes);
            frame(&bytes, &mut out);
        }
        out
    }

    #[test]
    fn a_whole_journal_verifies_and_is_handed_over_byte_for_byte() {
        let bytes = journal(3);
        let mut copied = Vec::new();
        let summary = verify_all(&bytes[..], bytes.len() as u64, |b| {
            copied.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        assert_eq!(copied, bytes);
        assert_eq!(summary.head.0, 3);
        assert_eq!(summary.profile.handle.as_str(), "rhymney");
        assert!(!summary.federated);
    }

    #[test]
    fn a_flipped_byte_or_a_cut_end_is_named_never_forgiven() {
        let bytes = journal(3);
        for at in MAGIC.len()..bytes.len() {
            let mut bad = bytes.clone();
            bad[at] ^= 0x01;
            assert!(verify_all(&bad[..], bad.len() as u64, |_| Ok(())).is_err(), "byte {at} flipped and still verified");
        }
        for cut in 0..bytes.len() {
            let short = &bytes[..cut];
            let ends_on_a_frame = {
                let mut f = Frames::open(&bytes[..], bytes.len() as u64).unwrap();
                let mut ends = vec![f.offset()];
                while f.next_entry().unwrap().is_some() {
                    ends.push(f.offset());
                }
                ends.contains(&(cut as u64))
            };
            if !ends_on_a_frame {
                assert!(verify_all(short, cut as u64, |_| Ok(())).is_err(), "cut at {cut} verified");
            }
        }
    }
}
