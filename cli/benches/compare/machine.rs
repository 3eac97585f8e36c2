//! How busy the machine is with other work: the CPU every process used
//! over a short quiet window in which the bench itself runs nothing, read
//! from /proc/stat. On a shared 2-core machine a busy neighbour delays every
//! wake-up, and PostgreSQL's five round trips per exchange suffer from it
//! more than the node's one, so each section's figures come with it.

use std::time::Duration;

/// The quiet window sampled before each section.
pub const QUIET_WINDOW: Duration = Duration::from_secs(1);
/// Other work (in cores) above which the report warns that figures are not
/// representative.
pub const BUSY_CORES: f64 = 0.25;
/// /proc/stat counts in USER_HZ ticks, which Linux fixes at 100 per second.
const TICKS_PER_SECOND: f64 = 100.0;

/// Busy ticks of all CPUs so far (everything but idle and iowait).
fn busy_ticks() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/stat").ok()?;
    let line = text.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line.split_whitespace().skip(1).filter_map(|f| f.parse().ok()).collect();
    // user nice system idle iowait irq softirq steal (guest time is inside user).
    Some(v.iter().take(8).enumerate().filter(|(i, _)| *i != 3 && *i != 4).map(|(_, t)| t).sum())
}

/// Cores' worth of CPU other processes used over [`QUIET_WINDOW`], while
/// this bench runs nothing (None: /proc/stat unreadable).
pub fn others_cores() -> Option<f64> {
    let before = busy_ticks()?;
    std::thread::sleep(QUIET_WINDOW);
    let after = busy_ticks()?;
    Some(after.saturating_sub(before) as f64 / TICKS_PER_SECOND / QUIET_WINDOW.as_secs_f64())
}
