//! An acknowledged exchange is on the disk, not just in a cache: the block
//! device under the data directory counts completed flush requests (the
//! 16th field of `/sys/dev/block/MAJ:MIN/stat` on kernels with flush
//! stats), and that count must grow while exchanges are acknowledged one
//! after another. (sled's own `flush()` sends no flush to the device, which
//! is why the node syncs its journal; see DESIGN.md, Durability.)
//!
//! Skipped, with the reason printed, where the counter cannot be read: no
//! block device (tmpfs), no /sys, an old kernel, or a disk without a
//! volatile write cache (the kernel sends such a disk no flushes at all).

mod common;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

use common::{Bank, RHYMNEY};
use serde_json::json;

/// Exchanges recorded one after another, each acknowledged before the next.
const EXCHANGES: u64 = 50;

/// Major and minor numbers of a `st_dev` (glibc's `gnu_dev_major/minor`).
fn major_minor(dev: u64) -> (u64, u64) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major, minor)
}

/// The stat file that counts flushes for the disk under `path`, or why there is none.
fn flush_stat_file(path: &Path) -> Result<PathBuf, String> {
    let dev = std::fs::metadata(path).map_err(|e| format!("cannot stat {}: {e}", path.display()))?.dev();
    let (major, minor) = major_minor(dev);
    if major == 0 {
        return Err(format!(
            "{} is on a filesystem without a block device (device {major}:{minor}: tmpfs, overlay or similar)",
            path.display()
        ));
    }
    let sys = PathBuf::from(format!("/sys/dev/block/{major}:{minor}"));
    if !sys.join("stat").exists() {
        return Err(format!("{} does not exist (no sysfs here?)", sys.join("stat").display()));
    }
    // A partition's flushes are counted on its disk too, and the disk is what
    // has the write cache: use the disk's files.
    let disk = if sys.join("partition").exists() {
        let real = std::fs::canonicalize(&sys).map_err(|e| format!("cannot resolve {}: {e}", sys.display()))?;
        real.parent().map(Path::to_path_buf).ok_or_else(|| format!("{} has no parent disk", real.display()))?
    } else {
        sys
    };
    if let Ok(cache) = std::fs::read_to_string(disk.join("queue/write_cache")) {
        if cache.trim() == "write through" {
            return Err(format!("{} has no volatile write cache ({}), so the kernel sends it no flushes", disk.display(), cache.trim()));
        }
    }
    let stat = disk.join("stat");
    read_flushes(&stat)?;
    Ok(stat)
}

/// Flush requests completed so far (field 16, index 15).
fn read_flushes(stat: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(stat).map_err(|e| format!("cannot read {}: {e}", stat.display()))?;
    let fields: Vec<&str> = text.split_whitespace().collect();
    let field = fields
        .get(15)
        .ok_or_else(|| format!("{} has {} fields, no flush count (a kernel older than 5.5?)", stat.display(), fields.len()))?;
    field.parse().map_err(|e| format!("{}: flush field '{field}' is not a number: {e}", stat.display()))
}

#[test]
fn every_acknowledged_exchange_reaches_the_disk_with_a_device_flush() {
    // Not /tmp, which may be tmpfs: the target directory is on a real disk.
    let parent = Path::new(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(parent).unwrap();
    let stat = match flush_stat_file(parent) {
        Ok(stat) => stat,
        Err(reason) => {
            println!("SKIPPED: cannot count device flushes: {reason}");
            return;
        }
    };
    let bank = Bank::empty_in(parent);
    bank.create(RHYMNEY);
    assert_eq!(flush_stat_file(&bank.dir).as_ref(), Ok(&stat), "the bank is on the disk being watched");
    let node = bank.up();
    let youth_centre = bank.add_member("Rhymney Youth Centre", "agency");
    let surgery = bank.add_member("Bargoed Surgery", "agency");
    let api = node.api();

    let before = read_flushes(&stat).unwrap();
    for n in 0..EXCHANGES {
        let (from, to) = if n % 2 == 0 { (&youth_centre, &surgery) } else { (&surgery, &youth_centre) };
        let body =
            json!({"providers": [from], "receivers": [to], "minutes": 30, "category": "flush test", "client_ref": format!("flush-{n}")});
        let answer = api.post("/api/v1/exchanges", &body);
        assert_eq!(answer.status, 201, "exchange {n}: {}", answer.text);
    }
    let after = read_flushes(&stat).unwrap();

    let flushes = after - before;
    println!(
        "{}: {flushes} device flushes completed during {EXCHANGES} acknowledged exchanges ({:.2} per exchange)",
        stat.display(),
        flushes as f64 / EXCHANGES as f64
    );
    // Each sync waits for its own flush, and sequential syncs cannot share
    // one, so an fdatasync per exchange gives at least one flush each; other
    // processes only add to the count. Half is the bar, for filesystems that
    // do less than one flush per fdatasync; sled's flush() alone gives ~0.
    assert!(flushes >= 1, "no device flush at all while {EXCHANGES} exchanges were acknowledged");
    assert!(
        flushes >= EXCHANGES / 2,
        "only {flushes} device flushes for {EXCHANGES} acknowledged exchanges: acknowledgements are not waiting for the disk"
    );
    assert_eq!(bank.json(&["balance", &youth_centre])["minutes"], json!(0));
}
