//! Small filesystems made for one test, mounted on a bank's data directory,
//! so that its disk can fill up or turn read-only under a running node (its
//! log stays outside, readable). Unmounted (and their loop device released)
//! when dropped. Need root; `Err` says why when they cannot be made.

use std::path::{Path, PathBuf};
use std::process::Command;

use tempfile::TempDir;

fn run(program: &str, args: &[&str]) -> Result<String, String> {
    let out = Command::new(program).args(args).output().map_err(|e| format!("could not run `{program}`: {e}"))?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
    } else {
        Err(format!("`{program} {}` failed: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim()))
    }
}

/// A filesystem mounted for one test.
pub struct Mounted {
    /// The image file of an ext4 filesystem and its loop device; `None` for tmpfs.
    image: Option<(TempDir, String)>,
    point: PathBuf,
}

fn make_point(at: &Path) -> Result<&str, String> {
    std::fs::create_dir_all(at).map_err(|e| format!("create {}: {e}", at.display()))?;
    Ok(at.to_str().expect("utf-8 temp path"))
}

impl Mounted {
    /// A tmpfs of `bytes` bytes on `at`: it fills up like a disk.
    pub fn tmpfs(at: &Path, bytes: u64) -> Result<Mounted, String> {
        run("mount", &["-t", "tmpfs", "-o", &format!("size={bytes}"), "tmpfs", make_point(at)?])?;
        Ok(Mounted { image: None, point: at.to_path_buf() })
    }

    /// An ext4 filesystem of `megabytes` on a loop device, mounted with
    /// errors=remount-ro, so that [`Mounted::fail_read_only`] turns it
    /// read-only under open files, as a disk error would. (A plain
    /// `mount -o remount,ro` is refused while a file is open for writing,
    /// and a read-only bind mount does not affect files already open.)
    pub fn ext4(at: &Path, megabytes: u64) -> Result<Mounted, String> {
        let dir = tempfile::Builder::new().prefix("amser-ext4-").tempdir().map_err(|e| e.to_string())?;
        let image = dir.path().join("disk.img");
        let file = std::fs::File::create(&image).map_err(|e| e.to_string())?;
        file.set_len(megabytes * 1024 * 1024).map_err(|e| e.to_string())?;
        let image_path = image.to_str().expect("utf-8 temp path");
        run("mkfs.ext4", &["-q", "-F", image_path])?;
        let device = run("losetup", &["-f", "--show", image_path])?;
        make_point(at)?;
        let mounted = Mounted { image: Some((dir, device)), point: at.to_path_buf() };
        mounted.mount_ext4()?;
        Ok(mounted)
    }

    fn mount_ext4(&self) -> Result<(), String> {
        let (_, device) = self.image.as_ref().expect("an ext4 image");
        run("mount", &["-o", "errors=remount-ro", device, self.path().to_str().expect("utf-8 temp path")]).map(|_| ())
    }

    pub fn path(&self) -> &Path {
        &self.point
    }

    /// ext4 only: reports a filesystem error, which makes the kernel turn it
    /// read-only at once, open files included (errors=remount-ro).
    pub fn fail_read_only(&self) {
        let (_, device) = self.image.as_ref().expect("an ext4 image");
        let name = Path::new(device).file_name().expect("a device name").to_string_lossy().into_owned();
        let trigger = PathBuf::from(format!("/sys/fs/ext4/{name}/trigger_fs_error"));
        std::fs::write(&trigger, "1").unwrap_or_else(|e| panic!("write {}: {e}", trigger.display()));
    }

    /// ext4 only, with nothing open on it: what an operator does after a
    /// disk error. Unmounts, checks and repairs it (`e2fsck -fy`, which also
    /// clears the error the test raised), and mounts it again; checks that it
    /// is writable, and tries again if the kernel still turned it read-only
    /// (seen once in a long run when the error was not cleared first).
    pub fn remount_writable(&self) {
        /// Attempts before the test gives up on getting a writable disk back.
        const ATTEMPTS: usize = 3;
        let (_, device) = self.image.as_ref().expect("an ext4 image");
        let at = self.path().to_str().expect("utf-8 temp path");
        let mut last = String::new();
        for _ in 0..ATTEMPTS {
            run("umount", &[at]).unwrap_or_else(|e| panic!("{e}"));
            // e2fsck exits 1 when it repaired something: also fine here.
            let checked = Command::new("e2fsck").args(["-f", "-y", device]).output().map_err(|e| format!("could not run e2fsck: {e}"));
            match checked {
                Ok(out) if matches!(out.status.code(), Some(0) | Some(1)) => {}
                Ok(out) => last = format!("e2fsck {device}: {} {}", out.status, String::from_utf8_lossy(&out.stdout)),
                Err(e) => last = e,
            }
            self.mount_ext4().unwrap_or_else(|e| panic!("{e}"));
            let probe = self.path().join(".writable");
            match std::fs::write(&probe, b"ok").and_then(|()| std::fs::remove_file(&probe)) {
                Ok(()) => return,
                Err(e) => last = format!("{last} still not writable after mounting again: {e}"),
            }
        }
        panic!("could not get the disk back writable: {last}");
    }
}

impl Drop for Mounted {
    fn drop(&mut self) {
        let at = self.point.to_str().expect("utf-8 temp path").to_string();
        if run("umount", &[&at]).is_err() {
            let _ = run("umount", &["-l", &at]);
        }
        if let Some((_, device)) = &self.image {
            let _ = run("losetup", &["-d", device]);
        }
    }
}
