//! How the end-to-end tests wait, in one place: the deadline against hangs,
//! the waits and poll intervals for conditions, the one polling loop
//! ([`wait_for`]), and the node logs a failed wait shows ([`log_tail`]).
//!
//! No test sleeps to let something happen: it polls a condition it can see,
//! and a deadline only turns a hang into a failure with a message.

use std::time::{Duration, Instant};

use super::Bank;

/// The longest any one command, node start or HTTP request may take before
/// the test fails. Generous (a debug build on two busy cores can take
/// seconds to start a node); reaching it always means a hang.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The longest a condition may take to hold in the federation stories and
/// the single-bank tests. A transfer settles in well under a second, and the
/// slowest condition, a restarted bank found and redialled (every 2 s) with
/// its pending transfers retried (backoff from 0.5 s), takes a few seconds:
/// 30 s is a hang, not a slow machine.
pub const WAIT: Duration = Duration::from_secs(30);

/// Time between two looks at a condition in the federation stories: each
/// look is one or two small GETs, and most conditions hold within a second,
/// so a short interval keeps the stories quick without loading the nodes.
pub const POLL: Duration = Duration::from_millis(50);

/// The longest the fault harness's federation may take to link up, or to
/// settle once the faults end: a payer retries an undelivered transfer with
/// backoff up to 30 s, and after a partition a few of those may be due, one
/// after another.
pub const FAULT_WAIT: Duration = Duration::from_secs(120);

/// Time between two looks when a look is itself load: the fault harness
/// reads every bank's whole transfer list per look while clients write, and
/// a rate-limited node (20 requests a second in `bad_input`) must see fewer
/// requests than its limit to recover; 10 a second is under both.
pub const SLOW_POLL: Duration = Duration::from_millis(100);

/// Lines of each node's log shown when a test fails: enough for the last
/// few seconds of a node at `info`; AMSER_TEST_LOG_LINES overrides it.
pub const LOG_LINES: usize = 60;

/// Polls `probe` every `poll` until it gives a value; after `wait` fails the
/// test with `what` and `context()` (the nodes' logs, say). A sleep here is
/// the poll interval, never a guess at how long something takes.
#[track_caller]
pub fn wait_for<T>(what: &str, wait: Duration, poll: Duration, mut probe: impl FnMut() -> Option<T>, context: impl Fn() -> String) -> T {
    let start = Instant::now();
    loop {
        if let Some(v) = probe() {
            return v;
        }
        if start.elapsed() > wait {
            panic!("waited {wait:?} for {what}\n{}", context());
        }
        std::thread::sleep(poll);
    }
}

/// The end of a bank's node log, under a heading, for failure messages.
pub fn log_tail(bank: &Bank, heading: &str) -> String {
    let lines = std::env::var("AMSER_TEST_LOG_LINES").ok().and_then(|v| v.parse().ok()).unwrap_or(LOG_LINES);
    let log = bank.log();
    let tail: Vec<&str> = log.lines().rev().take(lines).collect();
    let tail: Vec<&str> = tail.into_iter().rev().collect();
    format!("----- {heading} log, last lines -----\n{}\n", tail.join("\n"))
}
