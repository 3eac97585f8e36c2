//! Writes the seed corpora in `fuzz/seeds/<target>/` from real messages
//! ([`amser_fuzz::samples`]), in each target's input format:
//!
//!     cargo run --manifest-path fuzz/Cargo.toml --example seeds
//!
//! Deterministic: running it again gives the same files. It replaces only
//! files named `seed-*`; `regression-*` files (inputs that once found a bug)
//! are kept.

use std::fs;
use std::path::{Path, PathBuf};

use amser_fuzz::samples;
use amser_protocol::encoding::encode;
use amser_wire::journal::{frame, MAGIC};

struct Corpus {
    dir: PathBuf,
    written: usize,
}

impl Corpus {
    fn open(root: &Path, target: &str) -> Corpus {
        let dir = root.join(target);
        fs::create_dir_all(&dir).expect("the seed directory can be made");
        for old in fs::read_dir(&dir).expect("the seed directory can be read") {
            let old = old.expect("a directory entry").path();
            if old.file_name().is_some_and(|n| n.to_string_lossy().starts_with("seed-")) {
                fs::remove_file(&old).expect("an old seed can be removed");
            }
        }
        Corpus { dir, written: 0 }
    }

    fn add(&mut self, name: &str, bytes: &[u8]) {
        fs::write(self.dir.join(format!("seed-{name}")), bytes).expect("a seed can be written");
        self.written += 1;
    }

    fn add_selected(&mut self, name: &str, selector: u8, bytes: &[u8]) {
        let mut input = vec![selector];
        input.extend_from_slice(bytes);
        self.add(name, &input);
    }
}

fn bytes<T: serde::Serialize>(value: &T) -> Vec<u8> {
    encode("seed", value).expect("a sample encodes")
}

fn framed(body: &[u8]) -> Vec<u8> {
    let mut out = (body.len() as u32).to_le_bytes().to_vec();
    out.extend_from_slice(body);
    out
}

fn main() {
    let root = std::env::args().nth(1).map(PathBuf::from).unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"));
    let mut total = 0;

    let mut c = Corpus::open(&root, "signed_message");
    for (i, m) in samples::signed_messages().iter().enumerate() {
        c.add(&format!("{i:02}"), &m.to_bytes().expect("a signed message encodes"));
    }
    total += c.written;

    let mut c = Corpus::open(&root, "federation_messages");
    c.add_selected("transfer", 0, &bytes(&samples::transfer()));
    for (i, d) in samples::decisions().iter().enumerate() {
        c.add_selected(&format!("decision-{i}"), 1, &bytes(d));
    }
    c.add_selected("head", 2, &bytes(&samples::head(5, 1)));
    c.add_selected("evidence", 3, &bytes(&samples::evidence()));
    c.add_selected("peer-line", 4, &bytes(&samples::peer_line()));
    c.add_selected("room-advert", 5, &bytes(&samples::room_advert()));
    total += c.written;

    let mut c = Corpus::open(&root, "peer_messages");
    let mut p = Corpus::open(&root, "peer_codec");
    for (i, r) in samples::peer_requests().iter().enumerate() {
        c.add_selected(&format!("request-{i}"), 0, &bytes(r));
        p.add_selected(&format!("request-{i}"), 0, &framed(&bytes(r)));
    }
    for (i, r) in samples::peer_responses().iter().enumerate() {
        c.add_selected(&format!("response-{i}"), 1, &bytes(r));
        p.add_selected(&format!("response-{i}"), 1, &framed(&bytes(r)));
    }
    total += c.written + p.written;

    let entries = samples::journal_entries();
    let mut c = Corpus::open(&root, "journal_entry");
    for (i, e) in entries.iter().enumerate() {
        c.add(&format!("{i:02}-{}", e.body.kind()), &bytes(e));
    }
    total += c.written;

    // The scanner's input is the journal after its magic: whole, and cut short (a torn write).
    let mut c = Corpus::open(&root, "journal_scan");
    let mut journal = MAGIC.to_vec();
    for e in &entries {
        frame(&bytes(e), &mut journal);
    }
    let body = &journal[MAGIC.len()..];
    c.add("whole", body);
    c.add("torn", &body[..body.len() - 10]);
    c.add("first-three", &body[..body.len().min(3 * 200)]);
    total += c.written;

    let mut c = Corpus::open(&root, "text");
    for (i, (selector, text)) in samples::texts().iter().enumerate() {
        c.add_selected(&format!("{i:02}"), *selector, text.as_bytes());
    }
    c.add_selected("date-bytes", 0xf0, &20_000i32.to_le_bytes());
    c.add_selected("peer-id-bytes", 0xf1, &entries_bank_peer_id());
    total += c.written;

    println!("wrote {total} seeds under {}", root.display());
}

fn entries_bank_peer_id() -> Vec<u8> {
    amser_protocol::signing::bank_id(&amser_fuzz::key(1)).peer_id_bytes().to_vec()
}
