//! The federation as the API shows it: admitted peer banks and their trust
//! lines, transfers between banks, and the positions between every pair.

use amser_protocol::federation::Verdict;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use amser_protocol::sealed::Purpose;

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{LedgerError, TransferRecord, TransferRole};

/// An admitted bank: `GET /peers`, and the answer to admitting, freezing,
/// unfreezing or removing one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PeerView {
    pub bank_id: String,
    /// Its handle, once given or learnt from the bank itself.
    pub handle: Option<String>,
    pub addrs: Vec<String>,
    /// The most that bank's members may owe ours in total.
    pub trust_minutes: i64,
    pub trust_hours: f64,
    pub max_transfer_minutes: Option<i64>,
    pub frozen: bool,
    pub removed: bool,
    pub connected: bool,
    pub last_seen_ms: Option<u64>,
    /// Our clearing account for this bank: positive, our members owe it; negative, its members owe us.
    pub clearing_minutes: i64,
    pub pending_transfers: usize,
    /// The newest journal head that bank signed that we hold (its seq): in
    /// `GET /peers` only. It tells the bank, when it asks, whether its own
    /// journal is behind what it told the federation.
    #[serde(default)]
    pub head_seq: Option<u64>,
}

/// `POST /peers`: admit a bank with a trust line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPeer {
    /// Its id, 12D3KooW... (from its `amser status`).
    pub bank_id: String,
    /// A libp2p address, like /ip4/192.0.2.7/tcp/7301.
    pub addr: String,
    /// Hours as text ("50", "1:30") or a JSON number. Any JSON is taken
    /// here, so that anything else is answered `bad_hours`.
    pub trust_hours: Value,
    #[serde(default)]
    pub max_transfer_hours: Option<Value>,
    #[serde(default)]
    pub handle: Option<String>,
}

/// `DELETE /peers/{bank}?force=true`: remove a bank even though transfers
/// from our members still wait for its decision. Those stay held (pending)
/// until its signed decision reaches us: directly if it is admitted again,
/// or in another bank's gossip or public log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemovePeerQuery {
    #[serde(default)]
    pub force: bool,
}

/// Marks a [`TransferView`]: always `"transfer"`, so an answer to
/// `POST /exchanges` says which of the two it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TransferKind {
    Transfer,
}

/// A transfer with another bank: `GET /transfers`, `GET /transfers/{id}`,
/// and the answer to recording an exchange with another bank's member.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TransferView {
    pub kind: TransferKind,
    pub id: String,
    pub role: TransferRole,
    /// pending, accepted or rejected.
    pub state: String,
    pub reject_reason: Option<String>,
    pub from_bank: String,
    pub to_bank: String,
    pub payer: String,
    pub payee: String,
    pub minutes: i64,
    pub hours: f64,
    pub category: String,
    pub date: String,
    pub note: String,
    pub seq: u64,
    pub settled_seq: Option<u64>,
    /// The payer bank's signature over the transfer (hex).
    pub transfer_signature: String,
    /// The payee bank's signature over its decision (hex), once decided.
    pub decision_signature: Option<String>,
    /// A routed transfer's way, payer's bank to payee's, each bank with its
    /// state as the decision held here says it must be (empty when direct).
    #[serde(default)]
    pub path: Vec<HopView>,
}

/// A clearing of a ring of debts this bank is on (`GET /clearing`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RingClearingView {
    pub id: String,
    /// pending, accepted (cleared) or rejected.
    pub state: String,
    pub reject_reason: Option<String>,
    /// Who refused it, or who accepted it (its proposer), once decided.
    pub decided_by: Option<String>,
    /// The ring of debts: each bank owes the next, the last owes the first (the proposer).
    pub banks: Vec<BankRef>,
    /// What it takes off every debt on the ring.
    pub minutes: i64,
    pub hours: f64,
    pub proposed_ms: u64,
    /// The proposer's signature over the proposal (hex), and over its decision once decided.
    pub signature: String,
    pub decision_signature: Option<String>,
}

/// One bank on a routed transfer's way.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HopView {
    pub bank: String,
    /// `waiting` (no decision here yet), `settled` (the payee's bank accepted:
    /// every bank on the way settles on its one signed decision), `refused`
    /// (this bank signed the rejection), `released` (a bank after it refused),
    /// `not_reached` (a bank before it refused).
    pub state: String,
}

impl HopView {
    /// The way of `r` with each bank's state.
    pub fn of(r: &TransferRecord) -> Vec<HopView> {
        let refused_by = r.decision.as_ref().and_then(|d| match d.verdict {
            Verdict::Reject(_) => r.path.iter().position(|b| *b == d.by),
            Verdict::Accept => None,
        });
        r.path
            .iter()
            .enumerate()
            .map(|(i, bank)| {
                let state = match (&r.decision, refused_by) {
                    (None, _) => "waiting",
                    (Some(_), None) => "settled",
                    (Some(_), Some(at)) if i == at => "refused",
                    (Some(_), Some(at)) if i < at => "released",
                    (Some(_), Some(_)) => "not_reached",
                };
                HopView { bank: bank.to_string(), state: state.into() }
            })
            .collect()
    }
}

impl TransferView {
    pub fn new(r: TransferRecord, keys: &dyn MemberKeys) -> Result<Self, LedgerError> {
        let note = super::exchange::text_of(keys, Purpose::Note, r.note.as_ref())?;
        let state = r.state().to_string();
        let path = HopView::of(&r);
        let reject_reason = match r.decision.as_ref().map(|d| &d.verdict) {
            Some(Verdict::Reject(why)) => Some(why.to_string()),
            _ => None,
        };
        Ok(TransferView {
            kind: TransferKind::Transfer,
            id: r.id.to_hex(),
            role: r.role,
            state,
            reject_reason,
            from_bank: r.transfer.from.to_string(),
            to_bank: r.transfer.to.to_string(),
            payer: r.transfer.payer.to_string(),
            payee: r.transfer.payee.to_string(),
            minutes: r.transfer.minutes.0,
            hours: r.transfer.minutes.as_hours_f64(),
            category: r.transfer.category,
            date: r.transfer.date.to_string(),
            note,
            seq: r.seq,
            settled_seq: r.settled_seq,
            transfer_signature: hex::encode(&r.signed.signature),
            path,
            decision_signature: r.signed_decision.map(|d| hex::encode(&d.signature)),
        })
    }
}

/// Hours moved between one pair of banks, as far as this bank has seen
/// (`GET /positions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PositionView {
    pub from_bank: String,
    pub from_handle: Option<String>,
    pub to_bank: String,
    pub to_handle: Option<String>,
    /// Hours members of `from_bank` received from members of `to_bank`, accepted.
    pub accepted_minutes: i64,
    pub accepted_hours: f64,
    pub accepted: u64,
    pub rejected: u64,
    /// Transfers seen whose decision this bank has not seen.
    pub undecided: u64,
}

/// A bank named in an answer: its id, and its handle when this bank knows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BankRef {
    pub bank: String,
    pub handle: Option<String>,
}

/// A ring of debt between banks that clearing could cancel
/// (`GET /clearing/rings`): `banks[0]`'s members owe `banks[1]`'s, ..., the
/// last bank's owe the first's, each at least `minutes` on balance.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClearingRingView {
    pub banks: Vec<BankRef>,
    /// What clearing would take off every debt on the ring.
    pub minutes: i64,
    pub hours: f64,
    /// Whether this bank is on the ring (it could propose it).
    pub ours: bool,
}
