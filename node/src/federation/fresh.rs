//! Transfers just recorded at this bank, handed straight to the driver so
//! it delivers them at once: a wake for new work reads nothing from the
//! state database (no scan of every pending transfer, no wait for sled to
//! catch up), so 16 clients cost 16 deliveries, not 16 scans of 16.
//!
//! ```text
//!   API: RecordExchange ──► Reply::Transfer(record) ──► FederationHandle::deliver ──► Fresh::push ──► wake
//!   driver: wake ──► Fresh::take ──► deliver each (delivery.rs)
//!   tick: every pending transfer from sled, retries and anything past MAX_FRESH
//! ```
//!
//! Bounded by [`MAX_FRESH`]: a transfer past it is left to the next tick,
//! whose full look finds every pending transfer anyway, so nothing is lost.

use std::sync::Mutex;

use crate::ledger::{TransferRecord, TransferRole};

/// Most just-recorded transfers waiting for the driver's next wake.
pub const MAX_FRESH: usize = 4096;

/// Just-recorded outgoing transfers, waiting for the driver.
#[derive(Default)]
pub(super) struct Fresh {
    waiting: Mutex<Vec<TransferRecord>>,
}

impl Fresh {
    /// Hands over a just-recorded transfer. Whether it was kept: not when
    /// it is not a pending outgoing (or forwarded) one, nor when
    /// [`MAX_FRESH`] are waiting (then the next tick delivers it).
    pub(super) fn push(&self, record: TransferRecord) -> bool {
        if record.role == TransferRole::Incoming || !record.is_pending() {
            return false;
        }
        match self.waiting.lock() {
            Ok(mut w) if w.len() < MAX_FRESH => {
                w.push(record);
                true
            }
            _ => false,
        }
    }

    /// Everything waiting, in the order it was recorded; leaves none.
    pub(super) fn take(&self) -> Vec<TransferRecord> {
        self.waiting.lock().map(|mut w| std::mem::take(&mut *w)).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use amser_protocol::federation::{Decision, Transfer, Verdict};
    use amser_protocol::signing::{bank_id, sign, FederationId, MessageKind};
    use amser_protocol::{Minutes, ServiceDate};
    use ed25519_dalek::SigningKey;

    fn record(n: u8, role: TransferRole) -> TransferRecord {
        let (rhymney, gwynedd) = (SigningKey::from_bytes(&[1; 32]), SigningKey::from_bytes(&[2; 32]));
        let transfer = Transfer {
            from: bank_id(&rhymney),
            to: bank_id(&gwynedd),
            payer: "rhymney:0000-00".parse().expect("code"),
            payee: "gwynedd:0000-00".parse().expect("code"),
            minutes: Minutes(15),
            category: "general".into(),
            date: ServiceDate::parse("2026-12-03").expect("date"),
            nonce: [n; 16],
        };
        let signed = sign(&rhymney, MessageKind::Transfer, FederationId::from_name("wales"), vec![n]).expect("signed");
        TransferRecord {
            id: transfer.id().expect("id"),
            transfer,
            signed,
            role,
            decision: None,
            signed_decision: None,
            note: None,
            seq: n as u64,
            settled_seq: None,
            path: Vec::new(),
        }
    }

    #[test]
    fn transfers_recorded_together_are_taken_together_in_order_and_once() {
        let fresh = Fresh::default();
        let records: Vec<TransferRecord> = (0..16).map(|n| record(n, TransferRole::Outgoing)).collect();
        for r in &records {
            assert!(fresh.push(r.clone()));
        }
        let taken = fresh.take();
        assert_eq!(taken.iter().map(|r| r.id).collect::<Vec<_>>(), records.iter().map(|r| r.id).collect::<Vec<_>>());
        assert!(fresh.take().is_empty(), "a second wake finds nothing left to deliver");
    }

    #[test]
    fn only_pending_outgoing_and_forwarded_transfers_wait_and_never_past_the_bound() {
        let fresh = Fresh::default();
        assert!(!fresh.push(record(1, TransferRole::Incoming)), "an incoming transfer is not ours to deliver");
        assert!(fresh.push(record(5, TransferRole::Forwarded)), "one we hold as a hop is ours to pass on");
        fresh.take();
        let mut decided = record(2, TransferRole::Outgoing);
        decided.decision = Some(Decision { transfer: decided.id, by: decided.transfer.to, verdict: Verdict::Accept, decided_ms: 1 });
        assert!(!fresh.push(decided), "a decided transfer is not delivered again");
        for _ in 0..MAX_FRESH {
            assert!(fresh.push(record(3, TransferRole::Outgoing)));
        }
        assert!(!fresh.push(record(4, TransferRole::Outgoing)), "past the bound it is left to the tick");
        assert_eq!(fresh.take().len(), MAX_FRESH);
    }
}
