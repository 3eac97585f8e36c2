//! Opening sled: the one place that calls `sled::Config::open`.

use std::path::Path;

use super::StoreError;

/// How long opening the state database waits for sled's lock to be let go.
pub const STATE_LOCK_WAIT: std::time::Duration = std::time::Duration::from_secs(5);
/// Between two tries at sled's lock.
const STATE_LOCK_RETRY: std::time::Duration = std::time::Duration::from_millis(20);

/// Opens sled at `path`, waiting up to [`STATE_LOCK_WAIT`] for a lock that a
/// database closed a moment ago in this process still holds. Tools and tests
/// that need sled itself (to damage it on purpose, say) open it here too.
pub fn open_database(path: &Path, cache_bytes: u64) -> Result<sled::Db, StoreError> {
    let deadline = std::time::Instant::now() + STATE_LOCK_WAIT;
    loop {
        match sled::Config::new().path(path).cache_capacity(cache_bytes).open() {
            Err(sled::Error::Io(e)) if e.to_string().contains("could not acquire lock") && std::time::Instant::now() < deadline => {
                std::thread::sleep(STATE_LOCK_RETRY);
            }
            other => return Ok(other?),
        }
    }
}
