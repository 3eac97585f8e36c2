//! A whole bank in memory, driven exactly as the writer drives the real one
//! (one [`step`] per command): for tests and the simulator.

use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::signing::{bank_id, FederationId};
use amser_protocol::{BankId, Policy};
use ed25519_dalek::SigningKey;

use super::privacy::MemKeys;
use super::{step, Command, Context, LedgerError, MemState, Step};

pub struct MemBank {
    pub state: MemState,
    pub key: SigningKey,
    pub federation: FederationId,
    /// The clock, set by the test or simulator.
    pub now_ms: u64,
    /// Every entry written, in order.
    pub journal: Vec<JournalEntry>,
    /// Its members' keys.
    pub keys: MemKeys,
}

impl MemBank {
    /// Opens a bank with the default policy.
    pub fn open(name: &str, handle: &str, seed: [u8; 32], federation: FederationId, now_ms: u64) -> Result<MemBank, LedgerError> {
        let key = SigningKey::from_bytes(&seed);
        let profile = BankProfile {
            bank: bank_id(&key),
            name: name.into(),
            handle: handle.parse().map_err(|e: amser_protocol::ids::IdError| LedgerError::BadPolicy(e.to_string()))?,
            region: String::new(),
        };
        let mut bank = MemBank { state: MemState::default(), key, federation, now_ms, journal: Vec::new(), keys: MemKeys::default() };
        bank.run(Command::OpenBank { profile, policy: Policy::default() })?;
        Ok(bank)
    }

    pub fn id(&self) -> BankId {
        bank_id(&self.key)
    }

    /// Runs one command: decides it, and applies and keeps the entry it
    /// writes, if any. Returns what the step did (its entry, when it wrote one).
    pub fn run(&mut self, command: Command) -> Result<Step, LedgerError> {
        let ctx = Context { now_ms: self.now_ms, key: &self.key, federation: self.federation, keys: &self.keys };
        let step = step(&self.state, command, &ctx)?;
        if let Step::Append(appended) = &step {
            for w in appended.writes.iter().cloned() {
                self.state.write(w);
            }
            self.journal.push(appended.entry.clone());
        }
        Ok(step)
    }

    /// The body of the last entry written.
    pub fn last(&self) -> Option<&EntryBody> {
        self.journal.last().map(|e| &e.body)
    }
}
