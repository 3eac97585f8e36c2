//! Transfer and clearing records as the federation and the API read them:
//! in journal order, the undecided ones (the retry lists, from their own
//! indexes so the cost does not grow with the history), and a transfer
//! found by a prefix of its id.

use crate::ledger::{RingRecord, TransferRecord};

use super::{dec, key, Store, StoreError};

impl Store {
    /// Transfers in journal order, newest first when `newest_first`.
    pub fn transfers(&self, newest_first: bool, limit: usize) -> Result<Vec<TransferRecord>, StoreError> {
        let iter = self.db.scan_prefix("ts:");
        let ids: Box<dyn Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>> =
            if newest_first { Box::new(iter.rev()) } else { Box::new(iter) };
        let mut out = Vec::new();
        for kv in ids.take(limit) {
            let (_, id) = kv?;
            out.push(self.get(&key("t:", &id))?.ok_or_else(|| StoreError::Damaged("an index names a missing transfer".into()))?);
        }
        Ok(out)
    }

    /// Transfers sent and not yet decided (the retry list), from their own
    /// index so the cost does not grow with the history.
    pub fn pending_transfers(&self) -> Result<Vec<TransferRecord>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix("tp:") {
            let (k, _) = kv?;
            let record: TransferRecord =
                self.get(&key("t:", &k[3..]))?.ok_or_else(|| StoreError::Damaged("the pending index names a missing transfer".into()))?;
            if record.is_pending() {
                out.push(record);
            }
        }
        Ok(out)
    }

    /// Clearings proposed or promised and not yet decided (the retry list).
    pub fn pending_rings(&self) -> Result<Vec<RingRecord>, StoreError> {
        let mut out = Vec::new();
        for kv in self.db.scan_prefix("kp:") {
            let (k, _) = kv?;
            let record: RingRecord =
                self.get(&key("k:", &k[3..]))?.ok_or_else(|| StoreError::Damaged("the pending index names a missing clearing".into()))?;
            out.push(record);
        }
        Ok(out)
    }

    /// Every clearing this bank is on, newest first, at most `limit`.
    pub fn rings(&self, limit: usize) -> Result<Vec<RingRecord>, StoreError> {
        let mut all: Vec<RingRecord> = self.scan_prefix("k:")?;
        all.sort_by_key(|r| std::cmp::Reverse(r.seq));
        all.truncate(limit);
        Ok(all)
    }

    /// Finds a transfer by id or a unique hex prefix.
    pub fn find_transfer(&self, id_or_prefix: &str) -> Result<Option<TransferRecord>, StoreError> {
        let text = id_or_prefix.trim().to_ascii_lowercase();
        if text.len() < 6 || text.len() % 2 == 1 {
            return Ok(None);
        }
        let Ok(bytes) = hex::decode(&text) else { return Ok(None) };
        let mut found = self.db.scan_prefix(key("t:", &bytes));
        match (found.next(), found.next()) {
            (Some(kv), None) => Ok(Some(dec("transfer", &kv?.1)?)),
            _ => Ok(None),
        }
    }
}
