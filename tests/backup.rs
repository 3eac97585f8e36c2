//! Backups and restores, through the real binary (issue 10, "Backup,
//! restore"; DESIGN.md §1, "Backup and restore"). Rhymney's volunteer backs
//! the bank up while its coordinator records exchanges, and puts the backup
//! back on the stopped node: every exchange acknowledged before the backup's
//! head is there and the audit passes. A damaged backup, a cut one, a file
//! that is no backup and Gwynedd's backup are each refused with a clear
//! message and leave Rhymney's data directory byte for byte as it was; so
//! is a restore while the node runs. A bank with peers, restored, waits for
//! the coordinator's `--accept-restore`. The members' key file travels with
//! the journal (DESIGN.md §1b): restored on a new box, every name is there;
//! a member erased after the backup stays erased when it is restored over
//! the same directory; a backup whose key file does not open the members'
//! details is neither written nor restored.

mod common;

use std::collections::BTreeMap;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc};

use common::{Bank, UpOptions, GWYNEDD, RHYMNEY, WAIT};
use serde_json::{json, Value};

/// Exchanges acknowledged before the volunteer starts the backup.
const BEFORE_BACKUP: usize = 40;
/// Exchanges acknowledged after the backup finished, before the node stops.
const AFTER_BACKUP: usize = 20;
/// Bytes of the checksum at the end of a backup file.
const CHECKSUM_BYTES: u64 = 32;
/// Bytes of a section's header in a backup file (kind, length).
const SECTION_HEADER_BYTES: u64 = 9;
/// The blake3 context of a backup file's checksum.
const CHECKSUM_CONTEXT: &str = "amser/v1 backup-file";
/// Bytes of a members' key file's header, and of each member's record.
const KEY_FILE_HEADER: usize = 16;
const KEY_RECORD: usize = 128;

/// Every file under `dir` with its mode and bytes: what a refused restore must not change.
fn contents(dir: &Path) -> BTreeMap<PathBuf, (u32, Vec<u8>)> {
    let mut out = BTreeMap::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        let mode = std::fs::metadata(&d).expect("stat").permissions().mode();
        out.insert(d.clone(), (mode, Vec::new()));
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                todo.push(path);
            } else {
                let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
                out.insert(path.clone(), (mode, std::fs::read(&path).expect("read")));
            }
        }
    }
    out
}

/// `amser backup FILE --json` of `bank`, which must succeed.
#[track_caller]
fn back_up(bank: &Bank, file: &Path) -> Value {
    let run = bank.amser(&["backup", file.to_str().unwrap(), "--json"]);
    run.ok();
    assert!(run.stderr.contains("secret key"), "the backup warns that the key is secret: {}", run.stderr);
    run.json()
}

/// `amser restore FILE --json` into `bank`, which must be refused with
/// `code`, naming `says`, and change nothing.
#[track_caller]
fn refused(bank: &Bank, file: &Path, code: &str, says: &str) {
    let before = contents(&bank.dir);
    let (got, message) = bank.amser(&["restore", file.to_str().unwrap(), "--json"]).json_error();
    assert_eq!(got, code, "{message}");
    assert!(message.contains(says), "the refusal says '{says}': {message}");
    assert!(message.contains("Nothing was changed"), "the refusal says nothing was changed: {message}");
    assert!(contents(&bank.dir) == before, "a refused restore ({code}) changed the data directory");
}

/// One agency gives a minute to the other over the API, alternating; the
/// acknowledged exchanges go to `acks` as (id, seq), until `stop`.
fn record_until(api: common::Api, agencies: [String; 2], stop: Arc<AtomicBool>, acks: mpsc::Sender<(String, u64)>) {
    for n in 0usize.. {
        if stop.load(Ordering::Acquire) {
            return;
        }
        let body = json!({
            "providers": [agencies[n % 2]],
            "receivers": [agencies[(n + 1) % 2]],
            "minutes": 1,
            "category": "gardening",
            "client_ref": format!("backup-story-{n}"),
        });
        let answer = api.post("/api/v1/exchanges", &body);
        assert_eq!(answer.status, 201, "{}", answer.text);
        let v = answer.json();
        let _ = acks.send((v["id"].as_str().expect("id").to_string(), v["seq"].as_u64().expect("seq")));
    }
}

#[test]
fn rhymney_is_backed_up_while_exchanges_are_recorded_and_restored_with_every_one_before_its_head() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let agencies = [rhymney.add_member("Rhymney Youth Centre", "agency"), rhymney.add_member("Caerphilly GP Surgery", "agency")];
    let away = tempfile::tempdir().unwrap();
    let file = away.path().join("rhymney.amb");

    // On a quiet node, the head the backup prints is the one `amser status` shows.
    let quiet = back_up(&rhymney, &file);
    let status = rhymney.json(&["status"]);
    assert_eq!((&quiet["journal_seq"], &quiet["journal_head"]), (&status["journal_seq"], &status["journal_head"]), "{quiet}");
    assert_eq!(quiet["node_running"], json!(true));
    assert_eq!(std::fs::metadata(&file).unwrap().permissions().mode() & 0o777, 0o600, "the backup is for its owner only");

    // The coordinator records exchanges without a pause while the volunteer backs up.
    let (stop, (tx, rx)) = (Arc::new(AtomicBool::new(false)), mpsc::channel());
    let recorder = {
        let (api, agencies, stop) = (node.api(), agencies.clone(), stop.clone());
        std::thread::spawn(move || record_until(api, agencies, stop, tx))
    };
    let mut acked: Vec<(String, u64)> = (0..BEFORE_BACKUP).map(|_| rx.recv_timeout(WAIT).expect("an acknowledgement")).collect();
    let before_backup = acked.clone();
    let backup = back_up(&rhymney, &file);
    let head = backup["journal_seq"].as_u64().unwrap();
    acked.extend((0..AFTER_BACKUP).map(|_| rx.recv_timeout(WAIT).expect("an acknowledgement")));
    stop.store(true, Ordering::Release);
    recorder.join().expect("the recorder");
    acked.extend(rx.try_iter());
    let last = rhymney.json(&["status"])["journal_seq"].as_u64().unwrap();
    assert!(before_backup.iter().all(|(_, seq)| *seq <= head), "the backup's head {head} is after every exchange acknowledged before it");
    assert!(last > head, "exchanges went on being recorded after the backup (head {head}, last {last})");
    node.terminate();

    // The volunteer restores it on the stopped node; it names what the replaced journal had.
    let restored = rhymney.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(restored["journal_seq"], json!(head), "{restored}");
    assert_eq!(restored["replaced_seq"], json!(last), "{restored}");
    let aside = restored["kept_aside"].as_str().expect("the old files are kept aside").to_string();
    for name in ["journal.amj", "config.toml", "bank.key", "state"] {
        assert!(rhymney.dir.join(format!("{name}.{aside}")).exists(), "{name} kept as {name}.{aside}");
    }

    // The next start rebuilds the state from it: every exchange up to the
    // backup's head is there, none after it, and the audit passes.
    let node = rhymney.up();
    let api = node.api();
    let status = rhymney.json(&["status"]);
    assert_eq!((&status["journal_seq"], &status["journal_head"]), (&backup["journal_seq"], &backup["journal_head"]));
    for (id, seq) in &acked {
        let answer = api.get(&format!("/api/v1/exchanges/{id}"));
        let expected = if *seq <= head { 200 } else { 404 };
        assert_eq!(answer.status, expected, "exchange {id} (entry {seq}, backup head {head}): {}", answer.text);
    }
    let audit = rhymney.json(&["audit"]);
    assert_eq!(audit["ok"], json!(true), "{audit}");
    node.terminate();
}

#[test]
fn a_damaged_cut_foreign_or_false_backup_is_refused_and_rhymney_is_left_as_it_was() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let (mair, gwen) = (rhymney.add_member("Mair Jones", "person"), rhymney.add_member("Gwen Davies", "person"));
    rhymney.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2", "--category", "gardening"]);
    let away = tempfile::tempdir().unwrap();
    let good = away.path().join("rhymney.amb");
    back_up(&rhymney, &good);

    // Restoring while the node runs is refused first of all.
    let (code, message) = rhymney.amser(&["restore", good.to_str().unwrap(), "--json"]).json_error();
    assert_eq!(code, "node_running", "{message}");
    assert!(message.contains("stop it first"), "{message}");
    assert!(!rhymney.dir.join("restored.toml").exists(), "a restore refused while the node runs writes nothing");
    node.terminate();

    let bytes = std::fs::read(&good).unwrap();
    let len = bytes.len() as u64;
    // The journal section comes before the members' keys, the console's two
    // files (accounts, waiting exchanges), the end marker and the checksum.
    let size = |name: &str| std::fs::metadata(rhymney.dir.join(name)).map_or(0, |m| m.len());
    let after_journal = size("member-keys.amk") + size("accounts.json") + size("proposals.json") + 3 * SECTION_HEADER_BYTES;
    let journal_end = len - CHECKSUM_BYTES - 1 - after_journal;
    let write = |name: &str, bytes: &[u8]| {
        let path = away.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    let mut flipped = bytes.clone();
    flipped[(journal_end - 20) as usize] ^= 0x40;
    refused(&rhymney, &write("flipped.amb", &flipped), "backup_damaged", "checksum does not match");
    refused(&rhymney, &write("cut.amb", &bytes[..(journal_end - 20) as usize]), "backup_damaged", "damaged or incomplete");
    refused(&rhymney, &write("half.amb", &bytes[..bytes.len() / 2]), "backup_damaged", "damaged or incomplete");
    refused(&rhymney, &rhymney.journal(), "not_a_backup", "not an Amser backup");

    // Gwynedd's backup (of its stopped node) is another bank's: refused here,
    // taken by an empty directory, where Gwynedd then runs and audits.
    let gwynedd = Bank::init(GWYNEDD);
    let theirs = away.path().join("gwynedd.amb");
    let g = back_up(&gwynedd, &theirs);
    assert_eq!(g["node_running"], json!(false), "{g}");
    refused(&rhymney, &theirs, "backup_of_another_bank", "another bank");
    let new_box = Bank::empty();
    let restored = new_box.json(&["restore", theirs.to_str().unwrap()]);
    assert_eq!(restored["handle"], json!("gwynedd"), "{restored}");
    assert_eq!(restored["kept_aside"], Value::Null, "nothing to keep aside in an empty directory: {restored}");
    let node = new_box.up();
    assert_eq!(new_box.json(&["status"])["journal_head"], g["journal_head"]);
    assert_eq!(new_box.json(&["audit"])["ok"], json!(true));
    node.terminate();

    // And the good backup still restores Rhymney.
    rhymney.json(&["restore", good.to_str().unwrap()]);
    let node = rhymney.up();
    assert_eq!(rhymney.balance(&mair), 120, "Mair's two hours for Gwen are back");
    node.terminate();
}

#[test]
fn rhymney_with_a_peer_bank_restored_waits_for_the_coordinator_to_accept_the_backups_head() {
    let gwynedd = Bank::init(GWYNEDD);
    let node = gwynedd.up();
    let gwynedd_id = json!(node.bank_id);
    node.terminate();
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let peer = rhymney.json(&["peer", "add", gwynedd_id.as_str().unwrap(), "/ip4/127.0.0.1/tcp/9", "--trust-hours", "10"]);
    assert_eq!(peer["bank_id"], gwynedd_id);
    let away = tempfile::tempdir().unwrap();
    let file = away.path().join("rhymney.amb");
    let backup = back_up(&rhymney, &file);
    node.terminate();

    let restored = rhymney.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(restored["federated"], json!(true), "{restored}");
    let before = contents(&rhymney.dir);
    let (code, message) = rhymney.amser_up(&["--json"]).json_error();
    assert_eq!(code, "restore_not_accepted", "{message}");
    assert!(message.contains(&format!("entry {}", backup["journal_seq"])) && message.contains("--accept-restore"), "{message}");
    assert!(contents(&rhymney.dir) == before, "a node that refuses to start changes nothing");

    // The coordinator knows the backup was taken after the node's last work, and accepts it once.
    let node = rhymney.up_with(&UpOptions { args: vec!["--accept-restore".into()], ..UpOptions::default() });
    assert_eq!(rhymney.json(&["status"])["journal_head"], backup["journal_head"]);
    node.terminate();
    let node = rhymney.up();
    assert_eq!(rhymney.json(&["audit"])["ok"], json!(true));
    node.terminate();
}

/// `amser member show CODE --json`'s name.
fn name_of(bank: &Bank, code: &str) -> Value {
    bank.json(&["member", "show", code])["member"]["name"].clone()
}

/// Whether any file under `dir` holds `text` as bytes.
fn anywhere(dir: &Path, text: &str) -> Vec<PathBuf> {
    contents(dir).into_iter().filter(|(_, (_, b))| b.windows(text.len()).any(|w| w == text.as_bytes())).map(|(p, _)| p).collect()
}

#[test]
fn rhymney_restored_on_a_new_box_shows_every_members_name_and_details() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let mair = rhymney.json(&["member", "add", "--name", "Mair Jones", "--contact", "01443 555 210", "--skills", "gardening"]);
    let mair = mair["code"].as_str().unwrap().to_string();
    let gwen = rhymney.add_member("Gwen Davies", "person");
    rhymney.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2", "--category", "gardening", "--note", "the front hedge"]);
    let away = tempfile::tempdir().unwrap();
    let file = away.path().join("rhymney.amb");
    back_up(&rhymney, &file);
    node.terminate();

    // The old box is gone; a new one takes the backup.
    let new_box = Bank::empty();
    let restored = new_box.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(restored["members"], json!(2), "both members' details open with the restored keys: {restored}");
    assert_eq!(restored["erased_since"], json!(0));
    let node = new_box.up();
    assert_eq!(name_of(&new_box, &mair), json!("Mair Jones"));
    assert_eq!(new_box.json(&["member", "show", &mair])["member"]["contact"], json!("01443 555 210"));
    assert_eq!(name_of(&new_box, &gwen), json!("Gwen Davies"));
    let export = new_box.json(&["member", "export", &mair]);
    assert_eq!(export["exchanges"][0]["note"], json!("the front hedge"), "{export}");
    assert_eq!(new_box.json(&["audit"])["ok"], json!(true));
    node.terminate();
}

#[test]
fn a_member_erased_after_the_backup_stays_erased_when_rhymney_restores_it() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let (mair, gwen) = (rhymney.add_member("Mair Jones", "person"), rhymney.add_member("Gwen Davies", "person"));
    rhymney.record(&["--provider", &mair, "--receiver", &gwen, "--hours", "2", "--category", "gardening"]);
    let away = tempfile::tempdir().unwrap();
    let file = away.path().join("rhymney.amb");
    let backup = back_up(&rhymney, &file);
    let erased = rhymney.json(&["member", "erase", &mair, "--reason", "moved away, asked to be forgotten", "--yes"]);
    assert_eq!(erased["erased"], json!(true), "{erased}");
    node.terminate();

    // Restoring the older backup over the same directory keeps her erasure.
    let restored = rhymney.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(restored["erased_since"], json!(1), "{restored}");
    assert_eq!(restored["members"], json!(1), "{restored}");
    let node = rhymney.up();
    assert_eq!(name_of(&rhymney, &mair), json!(format!("erased member {mair}")));
    assert_eq!(rhymney.balance(&mair), 120, "her balance stays");
    assert_eq!(name_of(&rhymney, &gwen), json!("Gwen Davies"));
    assert_eq!(rhymney.json(&["audit"])["ok"], json!(true));
    // The node recorded her erasure again, as the one entry after the backup's head.
    let seq = backup["journal_seq"].as_u64().unwrap();
    assert_eq!(rhymney.json(&["status"])["journal_seq"], json!(seq + 1));
    node.terminate();
    let node = rhymney.up();
    assert_eq!(name_of(&rhymney, &mair), json!(format!("erased member {mair}")), "and after a restart");
    assert_eq!(rhymney.json(&["status"])["journal_seq"], json!(seq + 1), "recorded once");
    node.terminate();
    assert_eq!(anywhere(&rhymney.dir, "Mair Jones"), Vec::<PathBuf>::new(), "her name is nowhere in the clear");
}

#[test]
fn a_backup_whose_members_keys_do_not_open_their_details_is_neither_written_nor_restored() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    let mair = rhymney.add_member("Mair Jones", "person");
    let away = tempfile::tempdir().unwrap();
    let good = away.path().join("rhymney.amb");
    back_up(&rhymney, &good);
    node.terminate();

    // A backup file whose key section was changed and its checksum made to
    // match (as a careless tool would): Mair's key no longer opens her details.
    let mut bytes = std::fs::read(&good).unwrap();
    let keys_len = std::fs::metadata(rhymney.dir.join("member-keys.amk")).unwrap().len() as usize;
    let keys_at = bytes.len() - CHECKSUM_BYTES as usize - 1 - keys_len;
    let key_in_record = 2 + 48;
    bytes[keys_at + KEY_FILE_HEADER + key_in_record] ^= 0x01;
    let body = bytes.len() - CHECKSUM_BYTES as usize;
    let sum = blake3::Hasher::new_derive_key(CHECKSUM_CONTEXT).update(&bytes[..body]).finalize();
    bytes[body..].copy_from_slice(sum.as_bytes());
    let forged = away.path().join("forged.amb");
    std::fs::write(&forged, &bytes).unwrap();
    refused(&rhymney, &forged, "backup_damaged", "members' key file");

    // A key file that lost Mair's record: the volunteer's backup is refused, not written.
    let keys = rhymney.dir.join("member-keys.amk");
    let whole = std::fs::read(&keys).unwrap();
    std::fs::write(&keys, &whole[..KEY_FILE_HEADER]).unwrap();
    let run = rhymney.amser(&["backup", away.path().join("second.amb").to_str().unwrap()]);
    assert!(!run.success(), "a backup without Mair's key must not be written");
    assert!(run.stderr.contains(&mair) && run.stderr.contains("no key"), "{}", run.stderr);
    assert!(!away.path().join("second.amb").exists());
    std::fs::write(&keys, &whole).unwrap();
    assert_eq!(whole.len(), KEY_FILE_HEADER + KEY_RECORD, "one member, one record");
}

/// The box with Rhymney's disk dies: restored on a new one, the console's
/// accounts come back with the journal, so Siân signs in as before. Restored
/// over a directory that has its own accounts, those stay: an account the
/// coordinator disabled after the backup is not revived by it.
#[test]
fn rhymneys_console_accounts_come_back_on_a_new_box_and_a_restore_never_revives_a_disabled_one() {
    let rhymney = Bank::init(RHYMNEY);
    let node = rhymney.up();
    rhymney.json(&["user", "add", "--name", "sian", "--role", "coordinator"]);
    rhymney.json(&["user", "add", "--name", "trustee", "--role", "viewer"]);
    let away = tempfile::tempdir().unwrap();
    let file = away.path().join("rhymney.amb");
    back_up(&rhymney, &file);
    node.terminate();
    let names = |bank: &Bank| -> Vec<(String, bool)> {
        let node = bank.up();
        let list = bank.json(&["user", "list"]);
        node.terminate();
        list.as_array().expect("accounts").iter().map(|a| (a["name"].as_str().unwrap().to_string(), a["disabled"] == json!(true))).collect()
    };

    let new_box = Bank::empty();
    let restored = new_box.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(restored["accounts_restored"], json!(true), "{restored}");
    assert_eq!(restored["proposals_restored"], json!(false), "no exchange was waiting: {restored}");
    let mode = std::fs::metadata(new_box.dir.join("accounts.json")).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "accounts.json stays the bank's user's alone");
    assert_eq!(names(&new_box), [("sian".to_string(), false), ("trustee".to_string(), false)]);

    // On the old box the trustee's account is disabled after the backup; restoring it there keeps that.
    let node = rhymney.up();
    rhymney.json(&["user", "disable", "trustee"]);
    node.terminate();
    let text = rhymney.amser(&["restore", file.to_str().unwrap()]).ok().stdout.clone();
    assert!(!text.contains("accounts are back"), "Rhymney's own accounts are newer than the backup's: {text}");
    assert_eq!(names(&rhymney), [("sian".to_string(), false), ("trustee".to_string(), true)]);
}
