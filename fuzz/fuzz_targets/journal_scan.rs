//! The node's journal scanner (`amser_wire::journal::scan`, which the node
//! re-exports as `amser_node::storage::journal::scan`), which reads the
//! journal file on start and in audits, over a file of the journal's magic followed by the input (in
//! the temporary directory; one file per process, rewritten for each input).
//! Properties: it returns an outcome or an error, never panics; an outcome
//! accounts for every byte (good + torn = file); the entries it visited are
//! numbered from 1 without gaps (but where a `Recovered` entry jumps, as
//! `EntryBody::seq_after` says) and, framed again, are exactly the good
//! bytes; scanning only the good bytes finds the same entries and nothing torn.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use amser_protocol::journal::JournalEntry;
use amser_protocol::EntryHash;
use amser_wire::journal::{frame, scan, ScanOutcome, MAGIC};
use libfuzzer_sys::fuzz_target;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| std::env::temp_dir().join(format!("amser-fuzz-journal-{}.amj", std::process::id())))
}

/// The entries a scan visited: their canonical bytes and their hashes.
type Seen = Vec<(Vec<u8>, EntryHash)>;

/// Scans the file up to `limit`, returning the outcome and the entries seen.
fn scan_entries(limit: Option<u64>) -> (Result<ScanOutcome, String>, Seen) {
    let mut seen = Vec::new();
    let outcome = scan(path(), limit, |entry: &JournalEntry, hash| {
        seen.push((entry.encode().expect("a scanned entry encodes"), hash));
        Ok(())
    });
    (outcome.map_err(|e| e.to_string()), seen)
}

fuzz_target!(|data: &[u8]| {
    let mut file = MAGIC.to_vec();
    file.extend_from_slice(data);
    std::fs::write(path(), &file).expect("the temporary journal can be written");
    let (outcome, seen) = scan_entries(None);
    let Ok(outcome) = outcome else { return };
    assert_eq!(outcome.good_len + outcome.torn_bytes, file.len() as u64, "{outcome:?}");
    let mut numbered = 0u64;
    for (bytes, _) in &seen {
        let entry = JournalEntry::decode(bytes).expect("a scanned entry decodes");
        numbered = entry.body.seq_after(numbered);
        assert_eq!(entry.seq, numbered, "entries are numbered as seq_after says");
    }
    assert_eq!(outcome.head.0, numbered, "{outcome:?}");
    assert_eq!(outcome.head.1, seen.last().map_or(EntryHash::default(), |(_, h)| *h));
    let mut framed = MAGIC.to_vec();
    for (bytes, hash) in &seen {
        assert_eq!(*hash, JournalEntry::hash_of_bytes(bytes), "an entry's hash is not over its canonical bytes");
        frame(bytes, &mut framed);
    }
    assert_eq!(&framed[..], &file[..outcome.good_len as usize], "the good part of the journal is not its entries, framed");
    if outcome.torn_bytes > 0 {
        let (again, seen_again) = scan_entries(Some(outcome.good_len));
        let again = again.expect("the good part of a journal scans");
        assert_eq!((again.good_len, again.head, again.torn_bytes), (outcome.good_len, outcome.head, 0));
        assert_eq!(seen_again, seen);
    }
});
