//! Signed-in sessions and the throttle on failed sign-ins. Both live in
//! memory only: a restart signs everyone out (they sign in again), and
//! nothing secret about a session reaches the disk.
//!
//! A session is a random token in an HttpOnly, SameSite=Strict cookie, of
//! which only the blake3 hash is kept; each session has its own CSRF token,
//! which every form carries back. A session ends when its person signs
//! out, after [`SESSION_IDLE_MS`] without a request, or when their account
//! is disabled. Both maps are bounded.

use std::collections::HashMap;
use std::sync::Mutex;

use super::Role;

/// A session ends after this long without a request: 8 hours, a working day.
pub const SESSION_IDLE_MS: u64 = 8 * 60 * 60 * 1000;
/// Sessions kept at once; past it the longest idle is ended.
pub const MAX_SESSIONS: usize = 10_000;
/// Failed sign-ins allowed per account, and per address, in [`THROTTLE_WINDOW_MS`].
pub const MAX_FAILED_SIGN_INS: u32 = 5;
/// The window failed sign-ins are counted in, and how long a throttled name or address waits.
pub const THROTTLE_WINDOW_MS: u64 = 15 * 60 * 1000;
/// Names and addresses the throttle tracks at once.
const MAX_THROTTLED: usize = 10_000;
/// Random bytes in a session's and a CSRF token.
const TOKEN_BYTES: usize = 32;

/// A random token, hex.
pub fn random_token() -> String {
    let mut bytes = [0u8; TOKEN_BYTES];
    // The OS's randomness: without it the node could not have made its own key either.
    getrandom::fill(&mut bytes).expect("the operating system's randomness");
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn hash(token: &str) -> blake3::Hash {
    blake3::derive_key("amser/v1 console session", token.as_bytes()).into()
}

/// One signed-in person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub account: String,
    pub role: Role,
    pub member: Option<amser_protocol::MemberCode>,
    /// The token every form of this session carries back.
    pub csrf: String,
    last_seen_ms: u64,
}

/// The sessions of the node.
#[derive(Default)]
pub struct Sessions {
    by_hash: Mutex<HashMap<blake3::Hash, Session>>,
}

impl Sessions {
    /// Starts a session for `account`; returns the cookie's token.
    pub fn start(&self, account: &super::Account, now_ms: u64) -> String {
        let token = random_token();
        let session = Session {
            account: account.name.clone(),
            role: account.role,
            member: account.member.clone(),
            csrf: random_token(),
            last_seen_ms: now_ms,
        };
        let mut map = self.by_hash.lock().expect("sessions");
        map.retain(|_, s| now_ms.saturating_sub(s.last_seen_ms) < SESSION_IDLE_MS);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map.iter().min_by_key(|(_, s)| s.last_seen_ms).map(|(k, _)| *k) {
                map.remove(&oldest);
            }
        }
        map.insert(hash(&token), session);
        token
    }

    /// The session of a cookie's token, if it is live; marks it seen.
    pub fn get(&self, token: &str, now_ms: u64) -> Option<Session> {
        let mut map = self.by_hash.lock().expect("sessions");
        let key = hash(token);
        let session = map.get_mut(&key)?;
        if now_ms.saturating_sub(session.last_seen_ms) >= SESSION_IDLE_MS {
            map.remove(&key);
            return None;
        }
        session.last_seen_ms = now_ms;
        Some(session.clone())
    }

    /// Ends the session of a cookie's token.
    pub fn end(&self, token: &str) {
        self.by_hash.lock().expect("sessions").remove(&hash(token));
    }

    /// Ends every session of `account` (it was disabled, or its password reset).
    pub fn end_all_of(&self, account: &str) {
        self.by_hash.lock().expect("sessions").retain(|_, s| !s.account.eq_ignore_ascii_case(account));
    }
}

/// Forms remembered by [`Submitted`], so a form sent twice acts once.
const MAX_REMEMBERED_FORMS: usize = 10_000;

/// What became of a form sent with a one-time token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// Not seen before: act on it, then [`Submitted::finish`].
    New,
    /// Sent before and still being acted on.
    InFlight,
    /// Sent before and done: what it made (a member's code, say).
    Done(String),
}

/// One-time tokens of forms that make something with no reference of its
/// own (a new member): a double click or a browser's resend gets the first
/// answer instead of making it twice. In memory, bounded, oldest forgotten.
#[derive(Default)]
pub struct Submitted {
    forms: Mutex<Remembered>,
}

/// Each token's result (`None` while in flight), and the tokens oldest first.
type Remembered = (HashMap<String, Option<String>>, std::collections::VecDeque<String>);

impl Submitted {
    /// Claims `token`; see [`Claim`].
    pub fn claim(&self, token: &str) -> Claim {
        let mut guard = self.forms.lock().expect("forms");
        let (map, order) = &mut *guard;
        match map.get(token) {
            Some(Some(done)) => return Claim::Done(done.clone()),
            Some(None) => return Claim::InFlight,
            None => {}
        }
        if order.len() >= MAX_REMEMBERED_FORMS {
            if let Some(oldest) = order.pop_front() {
                map.remove(&oldest);
            }
        }
        map.insert(token.to_string(), None);
        order.push_back(token.to_string());
        Claim::New
    }

    /// Records what the form claimed with `token` made (`None`: it failed, and may be sent again).
    pub fn finish(&self, token: &str, made: Option<String>) {
        let mut guard = self.forms.lock().expect("forms");
        match made {
            Some(m) => {
                guard.0.insert(token.to_string(), Some(m));
            }
            None => {
                guard.0.remove(token);
            }
        }
    }
}

/// Failed sign-ins in the current window of one name or address.
#[derive(Debug, Clone, Copy)]
struct Failures {
    count: u32,
    since_ms: u64,
}

/// Counts failed sign-ins per account name and per address, and refuses
/// further tries past [`MAX_FAILED_SIGN_INS`] until the window has passed.
#[derive(Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Failures>>,
}

impl Throttle {
    fn keys(name: &str, address: &str) -> [String; 2] {
        [format!("name:{}", name.trim().to_lowercase()), format!("addr:{address}")]
    }

    /// How many ms until `name` from `address` may try again; `None`: now.
    pub fn wait_ms(&self, name: &str, address: &str, now_ms: u64) -> Option<u64> {
        let map = self.failures.lock().expect("throttle");
        Throttle::keys(name, address)
            .iter()
            .filter_map(|k| map.get(k))
            .filter(|f| f.count >= MAX_FAILED_SIGN_INS && now_ms.saturating_sub(f.since_ms) < THROTTLE_WINDOW_MS)
            .map(|f| THROTTLE_WINDOW_MS - now_ms.saturating_sub(f.since_ms))
            .max()
    }

    /// Records a failed sign-in.
    pub fn failed(&self, name: &str, address: &str, now_ms: u64) {
        let mut map = self.failures.lock().expect("throttle");
        if map.len() >= MAX_THROTTLED {
            map.retain(|_, f| now_ms.saturating_sub(f.since_ms) < THROTTLE_WINDOW_MS);
        }
        for key in Throttle::keys(name, address) {
            if map.len() >= MAX_THROTTLED && !map.contains_key(&key) {
                continue;
            }
            let f = map.entry(key).or_insert(Failures { count: 0, since_ms: now_ms });
            if now_ms.saturating_sub(f.since_ms) >= THROTTLE_WINDOW_MS {
                *f = Failures { count: 0, since_ms: now_ms };
            }
            f.count += 1;
        }
    }

    /// Forgets the failures of `name` after a successful sign-in.
    pub fn succeeded(&self, name: &str) {
        self.failures.lock().expect("throttle").remove(&format!("name:{}", name.trim().to_lowercase()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_wrong_passwords_make_the_name_and_the_address_wait_a_quarter_of_an_hour() {
        let t = Throttle::default();
        for n in 0..MAX_FAILED_SIGN_INS {
            assert_eq!(t.wait_ms("Sian", "10.0.0.9", 1_000 + u64::from(n)), None);
            t.failed("Sian", "10.0.0.9", 1_000 + u64::from(n));
        }
        assert!(t.wait_ms("sian", "127.0.0.1", 2_000).is_some(), "the name waits, from any address");
        assert!(t.wait_ms("Dai", "10.0.0.9", 2_000).is_some(), "the address waits, for any name");
        assert_eq!(t.wait_ms("Dai", "127.0.0.1", 2_000), None);
        assert_eq!(t.wait_ms("Sian", "10.0.0.9", 1_000 + THROTTLE_WINDOW_MS), None, "after the window");
    }
}
