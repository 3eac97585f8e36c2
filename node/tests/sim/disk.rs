//! A bank's journal on a simulated disk: the bytes the device has made
//! durable, and a group commit's frames written but not yet synced.
//!
//! ```text
//!  durable: MAGIC frame frame frame            (synced: survives any crash)
//!  staged:                          frame frame (written, not synced: a crash
//!                                                loses all, part, or none of it)
//! ```
//!
//! The frames are built with the node's own [`frame`], and a crash is
//! recovered with the node's own [`scan`] over the bytes the crash left, so
//! the simulator exercises the real torn-write cut. A lost disk puts back an
//! older copy: the durable journal cut back to one of its earlier entries.

use std::path::Path;

use amser_node::storage::journal::{frame, scan, JournalError, MAGIC};
use amser_protocol::journal::JournalEntry;
use amser_protocol::EntryHash;

/// How much of the unsynced write the disk holds after a crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tear {
    /// Nothing of it (the crash came before the write reached the device).
    Lost,
    /// Its first `n` bytes, cut anywhere (a torn write); the rest absent.
    Cut(usize),
    /// Its first `n` bytes, then zeros to the end of the frame they cut into
    /// (the file grew a block whose data never landed).
    ZeroFilled(usize),
    /// Its first `n` bytes, then zeros to the end of the whole write.
    ZeroFilledWrite(usize),
}

/// What recovery found.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Recovery {
    /// Unsynced entries that happened to reach the disk whole, and were kept.
    pub kept_unsynced: usize,
    /// Unsynced entries lost.
    pub lost_unsynced: usize,
    /// Bytes of a partial frame that recovery cut off.
    pub cut_bytes: u64,
}

pub struct SimDisk {
    /// MAGIC, then every synced frame.
    durable: Vec<u8>,
    /// The last synced entry: (seq, hash).
    durable_head: (u64, EntryHash),
    /// Where each durable frame ends in `durable`, with its entry's (seq, hash): the copies a backup could hold.
    durable_frames: Vec<(usize, (u64, EntryHash))>,
    /// Frames written since the last sync, in one buffer as one write.
    staged: Vec<u8>,
    /// Where each staged frame ends in `staged`, with its entry's (seq, hash).
    staged_frames: Vec<(usize, (u64, EntryHash))>,
}

impl SimDisk {
    pub fn new() -> SimDisk {
        SimDisk {
            durable: MAGIC.to_vec(),
            durable_head: (0, EntryHash::default()),
            durable_frames: Vec::new(),
            staged: Vec::new(),
            staged_frames: Vec::new(),
        }
    }

    /// The last entry that is durable: (seq, hash).
    pub fn durable_head(&self) -> (u64, EntryHash) {
        self.durable_head
    }

    /// How many entries are durable.
    pub fn durable_entries(&self) -> usize {
        self.durable_frames.len()
    }

    /// The disk is lost and an older copy put in its place: the journal's
    /// first `keep` entries (at least one), and nothing written since.
    pub fn lose_to(&mut self, keep: usize) {
        let keep = keep.clamp(1, self.durable_frames.len().max(1));
        if let Some(&(end, head)) = self.durable_frames.get(keep - 1) {
            self.durable.truncate(end);
            self.durable_head = head;
            self.durable_frames.truncate(keep);
        }
        self.staged.clear();
        self.staged_frames.clear();
    }

    /// Writes one encoded entry (not yet durable).
    pub fn write(&mut self, bytes: &[u8], head: (u64, EntryHash)) {
        frame(bytes, &mut self.staged);
        self.staged_frames.push((self.staged.len(), head));
    }

    /// The last entry that is durable.
    pub fn durable_seq(&self) -> u64 {
        self.durable_head.0
    }

    /// Entries written and not yet synced.
    pub fn unsynced_entries(&self) -> usize {
        self.staged_frames.len()
    }

    /// Bytes written and not yet synced.
    pub fn unsynced_bytes(&self) -> usize {
        self.staged.len()
    }

    /// Whether the first `n` bytes of the unsynced write end inside a frame's
    /// 4-byte length (so zeros after them would change the length it reads).
    pub fn splits_a_length(&self, n: usize) -> bool {
        let starts = std::iter::once(0).chain(self.staged_frames.iter().map(|(end, _)| *end));
        starts.into_iter().any(|start| n > start && n < start + 4)
    }

    /// One fdatasync: everything written becomes durable. Returns how many entries it made durable.
    pub fn sync(&mut self) -> usize {
        let n = self.staged_frames.len();
        if let Some((_, head)) = self.staged_frames.last() {
            self.durable_head = *head;
        }
        let base = self.durable.len();
        self.durable_frames.extend(self.staged_frames.iter().map(|(end, head)| (base + end, *head)));
        self.durable.extend_from_slice(&self.staged);
        self.staged.clear();
        self.staged_frames.clear();
        n
    }

    /// A crash (kill -9 or power loss): the disk keeps what `tear` says of the
    /// unsynced write, then recovery reads it with the node's journal scan
    /// (the file at `scratch`), cuts a partial last frame, and calls `visit`
    /// for every entry kept, in order. Checks that recovery kept every synced
    /// entry and exactly the unsynced entries that reached the disk whole.
    pub fn crash(
        &mut self,
        tear: Tear,
        scratch: &Path,
        mut visit: impl FnMut(&JournalEntry, EntryHash) -> Result<(), String>,
    ) -> Result<Recovery, String> {
        let landed = match tear {
            Tear::Lost => 0,
            Tear::Cut(n) | Tear::ZeroFilled(n) | Tear::ZeroFilledWrite(n) => n.min(self.staged.len()),
        };
        let mut file = Vec::with_capacity(self.durable.len() + self.staged.len());
        file.extend_from_slice(&self.durable);
        file.extend_from_slice(&self.staged[..landed]);
        match tear {
            Tear::ZeroFilled(_) => {
                let frame_end = self.staged_frames.iter().map(|(end, _)| *end).find(|end| *end > landed).unwrap_or(landed);
                file.resize(self.durable.len() + frame_end, 0);
            }
            Tear::ZeroFilledWrite(_) => file.resize(self.durable.len() + self.staged.len(), 0),
            Tear::Lost | Tear::Cut(_) => {}
        }
        // Which unsynced entries reached the disk whole (a zero fill can, by chance, be their real bytes).
        let mut expected_head = self.durable_head;
        let mut expected_len = self.durable.len();
        let mut start = 0;
        // Counted, not taken from the seqs: a `Recovered` entry jumps.
        let mut kept = 0;
        for (end, head) in &self.staged_frames {
            let on_disk = file.get(self.durable.len() + start..self.durable.len() + end);
            if on_disk != Some(&self.staged[start..*end]) {
                break;
            }
            expected_head = *head;
            expected_len = self.durable.len() + end;
            start = *end;
            kept += 1;
        }
        std::fs::write(scratch, &file).map_err(|e| format!("could not write the scratch journal: {e}"))?;
        let mut visit_error = None;
        let outcome = scan(scratch, None, |entry, hash| {
            visit(entry, hash).map_err(|e| {
                visit_error = Some(e);
                JournalError::SyncFailed("replay failed".into())
            })
        });
        if let Some(e) = visit_error {
            return Err(e);
        }
        let outcome = outcome.map_err(|e| format!("recovery refused the journal a crash left ({tear:?}): {e}"))?;
        if outcome.head != expected_head || outcome.good_len != expected_len as u64 {
            return Err(format!(
                "recovery kept entries up to {} ({} bytes); the disk held whole entries up to {} ({expected_len} bytes)",
                outcome.head.0, outcome.good_len, expected_head.0
            ));
        }
        if outcome.torn_bytes != (file.len() - expected_len) as u64 {
            return Err(format!("recovery cut {} bytes; {} bytes were partial", outcome.torn_bytes, file.len() - expected_len));
        }
        let recovery = Recovery { kept_unsynced: kept, lost_unsynced: self.staged_frames.len() - kept, cut_bytes: outcome.torn_bytes };
        // The restarted node cuts the partial frame and syncs: what it kept is now durable.
        let base = self.durable.len();
        self.durable_frames.extend(self.staged_frames[..kept].iter().map(|(end, head)| (base + end, *head)));
        file.truncate(expected_len);
        self.durable = file;
        self.durable_head = expected_head;
        self.staged.clear();
        self.staged_frames.clear();
        Ok(recovery)
    }

    /// Reads the whole durable journal with the node's scan (the end-of-run audit).
    pub fn audit(&self, scratch: &Path, mut visit: impl FnMut(&JournalEntry, EntryHash)) -> Result<(u64, EntryHash), String> {
        std::fs::write(scratch, &self.durable).map_err(|e| format!("could not write the scratch journal: {e}"))?;
        let outcome = scan(scratch, None, |entry, hash| {
            visit(entry, hash);
            Ok(())
        })
        .map_err(|e| format!("the journal does not verify: {e}"))?;
        if outcome.torn_bytes != 0 {
            return Err(format!("a synced journal has {} torn bytes at its end", outcome.torn_bytes));
        }
        Ok(outcome.head)
    }
}
