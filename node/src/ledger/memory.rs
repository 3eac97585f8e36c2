//! A whole bank in memory, driven exactly as the writer drives the real one
//! (decide, then apply): for tests, the audit and the simulator.

use amser_protocol::journal::{BankProfile, EntryBody, JournalEntry};
use amser_protocol::signing::{bank_id, FederationId};
use amser_protocol::{BankId, Policy};
use ed25519_dalek::SigningKey;

use super::{apply, decide, Command, Context, Decision, LedgerError, LedgerRead, MemState};

pub struct MemBank {
    pub state: MemState,
    pub key: SigningKey,
    pub federation: FederationId,
    /// The clock, set by the test or simulator.
    pub now_ms: u64,
    /// Every entry written, in order.
    pub journal: Vec<JournalEntry>,
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
        let mut bank = MemBank { state: MemState::default(), key, federation, now_ms, journal: Vec::new() };
        bank.run(Command::OpenBank { profile, policy: Policy::default() })?;
        Ok(bank)
    }

    pub fn id(&self) -> BankId {
        bank_id(&self.key)
    }

    /// Decides and applies one command; returns what was decided and the
    /// entry written, if any.
    pub fn run(&mut self, command: Command) -> Result<(Decision, Option<JournalEntry>), LedgerError> {
        let ctx = Context { now_ms: self.now_ms, key: &self.key, federation: self.federation };
        let decision = decide(&self.state, command, &ctx)?;
        let entry = match &decision {
            Decision::Append(body) => {
                let head = self.state.head()?;
                let entry = JournalEntry { seq: head.0 + 1, prev_hash: head.1, time_ms: self.now_ms, body: body.clone() };
                let hash = entry.hash().map_err(|e| LedgerError::Storage(e.to_string()))?;
                for w in apply(&self.state, &entry, hash)? {
                    self.state.write(w);
                }
                self.journal.push(entry.clone());
                Some(entry)
            }
            _ => None,
        };
        Ok((decision, entry))
    }

    /// The body of the last entry written.
    pub fn last(&self) -> Option<&EntryBody> {
        self.journal.last().map(|e| &e.body)
    }
}
