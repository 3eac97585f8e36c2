//! Running the real `amser` binary: a command with no stray settings from
//! the environment (inside a network namespace when asked), run to
//! completion under [`DEADLINE`], and what it did ([`Run`]), with the
//! assertions every test makes of a finished command.

use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;

use serde_json::Value;

use super::{netns, AMSER, DEADLINE};

/// A command for the binary with no stray settings from the environment,
/// run inside a network namespace when one is given.
pub(super) fn amser_in(netns: Option<&str>) -> Command {
    let mut c = Command::new(AMSER);
    if let Some(name) = netns {
        netns::run_inside(&mut c, name);
    }
    c.env_remove("AMSER_DATA").env("AMSER_LOG", "info,sled=warn").env("NO_COLOR", "1");
    c
}

/// What a finished `amser` command did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub status: ExitStatus,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn success(&self) -> bool {
        self.status.success()
    }

    /// Asserts the command succeeded and returns itself.
    #[track_caller]
    pub fn ok(&self) -> &Run {
        assert!(
            self.status.success(),
            "`amser {}` failed ({}):\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.status,
            self.stdout,
            self.stderr
        );
        self
    }

    /// Asserts the command failed (non-zero exit) and returns itself.
    #[track_caller]
    pub fn failed(&self) -> &Run {
        assert!(
            !self.status.success(),
            "`amser {}` should have failed but succeeded:\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        assert_eq!(
            self.status.code(),
            Some(1),
            "`amser {}` should exit with 1, not {}; stderr: {}",
            self.args.join(" "),
            self.status,
            self.stderr
        );
        self
    }

    /// Stdout as one JSON document.
    #[track_caller]
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!("`amser {}` did not print one JSON document ({e}):\n{}\nstderr: {}", self.args.join(" "), self.stdout, self.stderr)
        })
    }

    /// Every JSON document on stdout, in order.
    #[track_caller]
    pub fn json_stream(&self) -> Vec<Value> {
        serde_json::Deserializer::from_str(&self.stdout)
            .into_iter::<Value>()
            .collect::<Result<Vec<_>, _>>()
            .unwrap_or_else(|e| panic!("`amser {}` printed something that is not JSON ({e}):\n{}", self.args.join(" "), self.stdout))
    }

    /// For a failed `--json` command: the `{"error": {"code", "message"}}` it
    /// printed on stdout, checked for shape. Returns (code, message).
    #[track_caller]
    pub fn json_error(&self) -> (String, String) {
        self.failed();
        let docs = self.json_stream();
        let err = docs
            .iter()
            .find_map(|d| d.get("error"))
            .unwrap_or_else(|| panic!("`amser {}` printed no {{\"error\": ...}} document:\n{}", self.args.join(" "), self.stdout));
        let code = err["code"].as_str().unwrap_or_else(|| panic!("error without a code: {err}")).to_string();
        let message = err["message"].as_str().unwrap_or_else(|| panic!("error without a message: {err}")).to_string();
        assert!(!code.is_empty() && !message.is_empty(), "empty error code or message: {err}");
        (code, message)
    }

    /// For a failed command without `--json`: the sentence on stderr.
    #[track_caller]
    pub fn error_text(&self) -> String {
        self.failed();
        assert!(
            self.stderr.contains("error: "),
            "`amser {}` failed without saying why on stderr:\nstdout: {}\nstderr: {}",
            self.args.join(" "),
            self.stdout,
            self.stderr
        );
        self.stderr.clone()
    }
}

/// Runs the binary with `args` to completion, failing the test if it takes
/// longer than [`DEADLINE`].
pub fn run_amser(args: &[&str]) -> Run {
    run_amser_in(None, args)
}

/// [`run_amser`] inside a network namespace when one is given.
pub(super) fn run_amser_in(netns: Option<&str>, args: &[&str]) -> Run {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let child = amser_in(netns)
        .args(&args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the amser binary");
    match within_deadline(child, Child::wait_with_output) {
        Some(Ok(out)) => Run {
            args,
            status: out.status,
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        },
        Some(Err(e)) => panic!("`amser {}`: {e}", args.join(" ")),
        None => panic!("`amser {}` did not finish within {DEADLINE:?}", args.join(" ")),
    }
}

/// Runs `finish` (which waits for `child`: `wait`, `wait_with_output`) on a
/// thread of its own for at most [`DEADLINE`]. Past it, SIGKILLs the child,
/// which that thread then reaps, and returns `None`: a hang becomes a failure.
pub(super) fn within_deadline<T: Send + 'static>(child: Child, finish: impl FnOnce(Child) -> T + Send + 'static) -> Option<T> {
    let pid = child.id() as libc::pid_t;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(finish(child));
    });
    match rx.recv_timeout(DEADLINE) {
        Ok(done) => Some(done),
        Err(_) => {
            // SAFETY: kill(2) on the pid of our own child, which has not been reaped.
            unsafe { libc::kill(pid, libc::SIGKILL) };
            None
        }
    }
}
