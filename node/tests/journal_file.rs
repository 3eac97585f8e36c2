//! The journal file: what survives a crash, what is cut, and what stops the node.

use std::fs::OpenOptions;
use std::io::Write;

use amser_node::storage::journal::{frame, scan, Journal, JournalError, MAGIC};
use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::{BankId, EntryHash, Policy};

fn entries(n: u64) -> Vec<(Vec<u8>, (u64, EntryHash))> {
    let mut out = Vec::new();
    let mut prev = EntryHash::default();
    for seq in 1..=n {
        let body = if seq == 1 {
            EntryBody::BankOpened {
                profile: BankProfile {
                    bank: BankId([1; 32]),
                    name: "Rhymney".into(),
                    handle: "rhymney".parse().unwrap(),
                    region: String::new(),
                },
                policy: Policy::default(),
            }
        } else {
            EntryBody::PolicyChanged { policy: Policy { active_months: (seq % 100) as u32 + 1, ..Policy::default() } }
        };
        let entry = JournalEntry { seq, prev_hash: prev, time_ms: seq, body };
        let bytes = entry.encode().unwrap();
        prev = JournalEntry::hash_of_bytes(&bytes);
        out.push((bytes, (seq, prev)));
    }
    out
}

/// A journal of `n` entries written one sync each; returns the offsets where each frame starts.
fn write_journal(path: &std::path::Path, n: u64) -> Vec<u64> {
    let mut journal = Journal::create(path).unwrap();
    let mut offsets = vec![];
    let mut at = MAGIC.len() as u64;
    for (bytes, head) in entries(n) {
        let mut f = vec![];
        frame(&bytes, &mut f);
        offsets.push(at);
        at += f.len() as u64;
        journal.append(&f, head).unwrap();
    }
    offsets
}

#[test]
fn a_journal_reopens_with_every_entry_and_its_head() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    write_journal(&path, 20);
    let mut seen = 0;
    let (journal, outcome) = Journal::open(&path, 0, |_, _| {
        seen += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(seen, 20);
    assert_eq!(journal.head().0, 20);
    assert_eq!(outcome.torn_bytes, 0);
}

#[test]
fn an_unfinished_last_write_is_cut_off_and_saved_aside() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    write_journal(&path, 5);
    let good_len = std::fs::metadata(&path).unwrap().len();
    // A crash mid-write: a header promising 500 bytes and only 10 of them.
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&500u32.to_le_bytes()).unwrap();
    f.write_all(&[0xAB; 18]).unwrap();
    drop(f);
    let (journal, outcome) = Journal::open(&path, 0, |_, _| Ok(())).unwrap();
    assert_eq!(outcome.torn_bytes, 22);
    assert_eq!(journal.head().0, 5);
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len);
    let saved: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains("torn"))
        .collect();
    assert_eq!(saved.len(), 1, "the cut bytes are kept for inspection");
}

#[test]
fn a_whole_last_frame_with_a_bad_checksum_counts_as_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 6);
    let mut bytes = std::fs::read(&path).unwrap();
    let last = offsets[5] as usize + 20;
    bytes[last] ^= 0xFF;
    std::fs::write(&path, bytes).unwrap();
    let (journal, _) = Journal::open(&path, 0, |_, _| Ok(())).unwrap();
    assert_eq!(journal.head().0, 5);
}

#[test]
fn damage_in_the_middle_stops_the_node_and_names_the_entry() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 10);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offsets[6] as usize + 15] ^= 0x01; // inside entry 7's payload
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(&path, 0, |_, _| Ok(())).err().expect("damage must stop the open");
    match &err {
        JournalError::Damaged { seq, offset, .. } => assert_eq!((*seq, *offset), (7, offsets[6])),
        other => panic!("expected damage, got {other}"),
    }
    assert!(err.to_string().contains("journal entry 7"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), bytes, "nothing is cut when the damage is not at the end");
}

#[test]
fn an_entry_that_does_not_follow_its_predecessor_breaks_the_chain() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let mut journal = Journal::create(&path).unwrap();
    let mut all = entries(4);
    // Swap entries 2 and 3: each frame is intact, but the chain is not.
    all.swap(1, 2);
    for (bytes, head) in all {
        let mut f = vec![];
        frame(&bytes, &mut f);
        journal.append(&f, head).unwrap();
    }
    drop(journal);
    let err = scan(&path, None, |_, _| Ok(())).unwrap_err();
    assert!(err.to_string().contains("journal entry 2"), "{err}");
}

#[test]
fn a_file_that_is_not_a_journal_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    std::fs::write(&path, b"hello, world").unwrap();
    assert!(matches!(Journal::open(&path, 0, |_, _| Ok(())), Err(JournalError::NotAJournal(_))));
}

#[test]
fn a_damaged_length_field_is_damage_not_an_unfinished_write() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 12);
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[offsets[5] as usize + 2] ^= 0x01; // entry 6's length grows by 64 KiB
    std::fs::write(&path, &bytes).unwrap();
    let err = Journal::open(&path, 0, |_, _| Ok(())).err().expect("must not be cut as unfinished");
    assert!(err.to_string().contains("journal entry 6"), "{err}");
}

#[test]
fn cutting_below_what_the_state_database_recorded_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 8);
    let bytes = std::fs::read(&path).unwrap();
    // Entry 8 is cut short: looks unfinished, but the state says 8 were recorded.
    std::fs::write(&path, &bytes[..offsets[7] as usize + 5]).unwrap();
    let err = Journal::open(&path, 8, |_, _| Ok(())).err().expect("acknowledged entries must not be cut");
    assert!(err.to_string().contains("journal entry 8"), "{err}");
    assert!(Journal::open(&path, 7, |_, _| Ok(())).is_ok(), "with entry 7 recorded, the unfinished entry 8 is cut");
}

#[test]
fn zeros_left_by_a_cut_short_write_are_unfinished() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    write_journal(&path, 3);
    let mut f = OpenOptions::new().append(true).open(&path).unwrap();
    f.write_all(&[0u8; 4096]).unwrap();
    drop(f);
    let (journal, outcome) = Journal::open(&path, 3, |_, _| Ok(())).unwrap();
    assert_eq!((journal.head().0, outcome.torn_bytes), (3, 4096));
}

/// Where entry `seq` lies, as the state database records it for its head.
fn entry_at(offsets: &[u64], path: &std::path::Path, seq: u64) -> amser_node::storage::journal::EntryAt {
    let end = offsets.get(seq as usize).copied().unwrap_or_else(|| std::fs::metadata(path).unwrap().len());
    amser_node::storage::journal::EntryAt { seq, start: offsets[seq as usize - 1], end }
}

#[test]
fn resuming_at_the_state_head_decodes_only_the_entries_after_it_and_gives_way_to_damage_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 20);
    let heads: Vec<_> = entries(20).into_iter().map(|(_, h)| h).collect();
    let mut seen = vec![];
    let (journal, outcome) = Journal::resume(&path, entry_at(&offsets, &path, 15), heads[14].1, |entry, hash, at| {
        assert_eq!(at, entry_at(&offsets, &path, entry.seq));
        seen.push((entry.seq, hash));
        Ok(())
    })
    .unwrap()
    .expect("the head is where the state database says");
    assert_eq!(seen, heads[15..].to_vec(), "only the entries after the head are decoded, each checked and hashed");
    assert_eq!(journal.head(), heads[19]);
    assert_eq!(outcome.torn_bytes, 0);
    drop(journal);

    // Damage entry 3, long before the head the state database holds (15):
    // the frames before the head are checked, so the start gives way to the
    // whole scan, which names it.
    let mut file = OpenOptions::new().write(true).open(&path).unwrap();
    std::io::Seek::seek(&mut file, std::io::SeekFrom::Start(offsets[2] + 14)).unwrap();
    file.write_all(&[0xff]).unwrap();
    drop(file);
    assert!(Journal::resume(&path, entry_at(&offsets, &path, 15), heads[14].1, |_, _, _| Ok(())).unwrap().is_none());
    assert!(matches!(Journal::open(&path, 0, |_, _| Ok(())), Err(JournalError::Damaged { seq: 3, .. })));
}

#[test]
fn resuming_cuts_an_unfinished_write_and_gives_way_when_the_head_is_not_there() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("journal.amj");
    let offsets = write_journal(&path, 10);
    let heads: Vec<_> = entries(10).into_iter().map(|(_, h)| h).collect();
    let good_len = std::fs::metadata(&path).unwrap().len();
    let head_at = entry_at(&offsets, &path, 10);
    OpenOptions::new().append(true).open(&path).unwrap().write_all(&[9, 0, 0, 0, 1, 2, 3]).unwrap();
    let (journal, outcome) = Journal::resume(&path, head_at, heads[9].1, |_, _, _| Ok(())).unwrap().expect("head found");
    assert_eq!((outcome.good_len, outcome.torn_bytes), (good_len, 7), "the torn tail after the head is cut, as a whole open cuts it");
    assert_eq!(std::fs::metadata(&path).unwrap().len(), good_len);
    drop(journal);
    // Another hash at that entry (another history), or an entry the file no
    // longer reaches (a shorter journal): not resumed, the whole journal is read.
    assert!(Journal::resume(&path, head_at, heads[8].1, |_, _, _| Ok(())).unwrap().is_none());
    let past_end = amser_node::storage::journal::EntryAt { seq: 12, start: good_len + 50, end: good_len + 90 };
    assert!(Journal::resume(&path, past_end, heads[9].1, |_, _, _| Ok(())).unwrap().is_none());
    let wrong_frame = amser_node::storage::journal::EntryAt { seq: 10, start: offsets[8], end: offsets[9] };
    assert!(Journal::resume(&path, wrong_frame, heads[9].1, |_, _, _| Ok(())).unwrap().is_none());
}
