//! The full-disk and read-only stories' bank: one bank on a disk of its own
//! (see tests/common/mount.rs), every exchange it acknowledged, and the
//! checks that each is there exactly once after the disk is fixed; and
//! [`fill`], which fills a disk.

use std::path::Path;

use serde_json::json;

use crate::common::invariants::check_invariants;
use crate::common::mount::Mounted;
use crate::common::{Answer, Api, Bank, Node, RHYMNEY, SERVICE_DATE};

/// One bank on a disk of its own, for the full-disk and read-only stories:
/// every exchange acknowledged, to check after the disk is fixed.
pub struct DiskStory {
    // Fields drop in order: the node stops, then the disk is unmounted, then the directory goes.
    pub node: Option<Node>,
    pub disk: Mounted,
    pub bank: Bank,
    members: [String; 2],
    /// (exchange id, receiver pays minutes to provider)
    acknowledged: Vec<(String, i64)>,
    next_ref: u64,
}

impl DiskStory {
    /// A new bank whose data directory is on the disk `mount` makes there,
    /// running; `Err` when the disk cannot be made.
    pub fn start(mount: impl FnOnce(&Path) -> Result<Mounted, String>) -> Result<DiskStory, String> {
        let bank = Bank::empty();
        let disk = mount(&bank.dir)?;
        bank.create(RHYMNEY);
        let node = bank.up();
        let members = [bank.add_member("Mair Jones", "person"), bank.add_member("Gwen Roberts", "person")];
        Ok(DiskStory { node: Some(node), disk, bank, members, acknowledged: Vec::new(), next_ref: 0 })
    }

    pub fn api(&self) -> Api {
        self.node.as_ref().expect("running").api()
    }

    /// Mair helps Gwen, then Gwen helps Mair (so limits never refuse), 15 minutes each time.
    pub fn record(&mut self) -> Answer {
        self.next_ref += 1;
        let (p, r) = if self.next_ref.is_multiple_of(2) { (0, 1) } else { (1, 0) };
        let body = json!({"providers": [self.members[p]], "receivers": [self.members[r]], "minutes": 15,
            "date": SERVICE_DATE, "client_ref": format!("disk-{}", self.next_ref)});
        let answer = self.api().post("/api/v1/exchanges", &body);
        if answer.status == 201 {
            let id = answer.body["id"].as_str().expect("id").to_string();
            self.acknowledged.push((id, if p == 0 { 15 } else { -15 }));
        }
        answer
    }

    /// The next exchange must be refused with this status and code; its message.
    #[track_caller]
    pub fn refused(&mut self, status: u16, code: &str) -> String {
        let a = self.record();
        if a.status != status || a.body["error"]["code"] != json!(code) {
            panic!("expected HTTP {status} {code}, got {}: {}\nnode log:\n{}", a.status, a.text, self.bank.log());
        }
        a.expect_error(status, code)
    }

    pub fn journal_seq(&self) -> u64 {
        let a = self.api().get("/api/v1/status");
        assert_eq!(a.status, 200, "{}", a.text);
        a.body["journal_seq"].as_u64().expect("journal_seq")
    }

    /// Every acknowledged exchange there exactly once, nothing else, the
    /// balances they make, and a clean audit.
    #[track_caller]
    pub fn check(&self) {
        let node = self.node.as_ref().expect("running");
        check_invariants(&[node]);
        let api = self.api();
        let listed = api.get_all("/api/v1/exchanges");
        let ids: Vec<&str> = listed.iter().map(|x| x["id"].as_str().expect("id")).collect();
        let mut want: Vec<&str> = self.acknowledged.iter().map(|(id, _)| id.as_str()).collect();
        let mut got = ids.clone();
        want.sort_unstable();
        got.sort_unstable();
        assert_eq!(got, want, "the exchanges must be exactly the acknowledged ones, each once");
        let mair: i64 = self.acknowledged.iter().map(|(_, m)| m).sum();
        assert_eq!(self.bank.balance(&self.members[0]), mair);
        assert_eq!(self.bank.balance(&self.members[1]), -mair);
    }

    /// kill -9 and start again on the same directory.
    pub fn crash_and_restart(&mut self) {
        self.node.take().expect("running").kill();
        self.node = Some(self.bank.up());
    }
}

/// Writes zeros to `path` until the disk is full.
pub fn fill(path: &Path) {
    use std::io::Write;
    let mut f = std::fs::File::create(path).expect("create the filler");
    let chunk = vec![0u8; 64 * 1024];
    while f.write_all(&chunk).is_ok() {}
    // The last bytes, a page at a time.
    while f.write_all(&chunk[..4096]).is_ok() {}
    while f.write_all(&chunk[..1]).is_ok() {}
}
