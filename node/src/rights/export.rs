//! The subject access export: everything the bank holds about one member,
//! opened with their key: the register record (special needs included:
//! it is theirs), every exchange and transfer they took part in, their
//! listings. The CLI prints it as JSON or as a printable statement.

use amser_protocol::{MemberCode, ServiceDate};

use crate::ledger::privacy::MemberKeys;
use crate::ledger::{LedgerError, LedgerRead};
use crate::model::{BankView, ExchangeView, ListingView, MemberExport, MemberView, TransferView};
use crate::storage::store::Store;

/// Rows read from sled at a time while gathering an export.
const EXPORT_BATCH: usize = 500;
/// What the export says other banks hold.
pub const OTHER_BANKS_HOLD: &str = "only the member code, in the signed transfers listed here; never a name, contact or note";

/// Gathers `code`'s export as of now (`now_ms`, unix ms).
pub fn member_export(store: &Store, keys: &dyn MemberKeys, code: &MemberCode, now_ms: u64) -> Result<MemberExport, LedgerError> {
    let member = store.member(code)?.ok_or_else(|| LedgerError::UnknownMember(code.clone()))?;
    let profile = store.profile()?.ok_or(LedgerError::NotOpen)?;
    let head_seq = store.head()?.0;
    let balance = store.balance(code)?;
    let member = MemberView::new(member, balance, keys)?;

    let mut exchanges = Vec::new();
    let mut before = None;
    loop {
        let span = store.member_exchanges_page(code, before, EXPORT_BATCH)?;
        for r in span.items {
            exchanges.push(ExchangeView::new(r, keys)?);
        }
        match span.next {
            Some(seq) => before = Some(seq),
            None => break,
        }
    }
    exchanges.reverse();

    let mut transfers = Vec::new();
    let mut after = None;
    loop {
        let span = store.transfers_page(after, false, EXPORT_BATCH)?;
        for r in span.items {
            if &r.transfer.payer == code || &r.transfer.payee == code {
                transfers.push(TransferView::new(r, keys)?);
            }
        }
        match span.next {
            Some(seq) => after = Some(seq),
            None => break,
        }
    }

    let mut listings = Vec::new();
    let mut after = None;
    loop {
        let span = store.listings_page(after.as_ref(), EXPORT_BATCH, |l| &l.listing.member == code)?;
        for r in span.items {
            listings.push(ListingView::new(r, keys)?);
        }
        match span.next {
            Some(id) => after = Some(id),
            None => break,
        }
    }

    Ok(MemberExport {
        bank: BankView {
            bank_id: profile.bank.to_string(),
            name: profile.name,
            handle: profile.handle.to_string(),
            region: profile.region,
        },
        made_at: made_at(now_ms),
        head_seq,
        member,
        exchanges,
        transfers,
        listings,
        other_banks_hold: OTHER_BANKS_HOLD.to_string(),
    })
}

/// `now_ms` as RFC 3339 (UTC), or the service date when it cannot be shown.
fn made_at(now_ms: u64) -> String {
    let nanos = i128::from(now_ms) * 1_000_000;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_else(|| ServiceDate::today(now_ms).to_string())
}
