//! Page sizes and cursors of the API's lists. A cursor is a position in
//! the state database (a member code, a journal seq, an id), written as
//! opaque text: a version byte, the list it belongs to, the position. The
//! node checks all three, so a cursor that was changed, cut short, or taken
//! from another list is a clear 400 (`bad_cursor`), never a wrong page.

use amser_protocol::{BankId, ListingId, MemberCode};

use super::ApiError;
use crate::model::{DEFAULT_PAGE_ITEMS, MAX_PAGE_ITEMS};
use crate::reading::export::{ExportPosition, Section};

/// The first byte of every cursor: a cursor from another version is refused.
const CURSOR_VERSION: u8 = 1;
/// Longest cursor text taken (hex): the longest position (an export's, with
/// a member code) fits with room to spare.
const MAX_CURSOR_CHARS: usize = 256;

/// Which list a cursor belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum List {
    Members = 1,
    Balances = 2,
    ExchangesNewest = 3,
    ExchangesOldest = 4,
    MemberExchanges = 5,
    Listings = 6,
    Transfers = 7,
    Peers = 8,
    ExportJson = 9,
    ExportCsv = 10,
}

impl List {
    /// The route, for messages.
    fn route(self) -> &'static str {
        match self {
            List::Members => "GET /members",
            List::Balances => "GET /balances",
            List::ExchangesNewest => "GET /exchanges (newest first)",
            List::ExchangesOldest => "GET /exchanges?order=oldest",
            List::MemberExchanges => "GET /members/{code}/exchanges",
            List::Listings => "GET /listings",
            List::Transfers => "GET /transfers",
            List::Peers => "GET /peers",
            List::ExportJson => "GET /export?format=json",
            List::ExportCsv => "GET /export?format=csv",
        }
    }
}

/// The page size asked for: [`DEFAULT_PAGE_ITEMS`] when absent; 0 or more
/// than [`MAX_PAGE_ITEMS`] is refused with what to send instead.
pub fn limit(asked: Option<usize>) -> Result<usize, ApiError> {
    match asked {
        None => Ok(DEFAULT_PAGE_ITEMS),
        Some(0) => Err(ApiError::bad_request("bad_limit", format!("limit must be at least 1 (and at most {MAX_PAGE_ITEMS})"))),
        Some(n) if n > MAX_PAGE_ITEMS => Err(ApiError::bad_request(
            "limit_too_large",
            format!("limit {n} is more than one page may hold: ask for at most {MAX_PAGE_ITEMS}, and follow `next` for the rest"),
        )),
        Some(n) => Ok(n),
    }
}

fn encode(list: List, position: &[u8]) -> String {
    let mut bytes = vec![CURSOR_VERSION, list as u8];
    bytes.extend_from_slice(position);
    hex::encode(bytes)
}

fn bad(message: impl Into<String>) -> ApiError {
    ApiError::bad_request("bad_cursor", message)
}

const NOT_OURS: &str =
    "the cursor is not one this node gave out; send back the `next` of the page before exactly as it came, or leave cursor out for the first page";

/// The position a cursor for `list` holds.
fn decode(list: List, text: &str) -> Result<Vec<u8>, ApiError> {
    if text.len() > MAX_CURSOR_CHARS {
        return Err(bad(format!("the cursor is {} characters long, longer than any this node gives out; {NOT_OURS}", text.len())));
    }
    let bytes = hex::decode(text.trim()).map_err(|_| bad(NOT_OURS))?;
    match bytes.as_slice() {
        [CURSOR_VERSION, tag, position @ ..] if *tag == list as u8 => Ok(position.to_vec()),
        [CURSOR_VERSION, tag, ..] => match ALL.iter().find(|l| **l as u8 == *tag) {
            Some(other) => {
                Err(bad(format!("the cursor belongs to {}, not {}; start this list without a cursor", other.route(), list.route())))
            }
            None => Err(bad(NOT_OURS)),
        },
        _ => Err(bad(NOT_OURS)),
    }
}

const ALL: [List; 10] = [
    List::Members,
    List::Balances,
    List::ExchangesNewest,
    List::ExchangesOldest,
    List::MemberExchanges,
    List::Listings,
    List::Transfers,
    List::Peers,
    List::ExportJson,
    List::ExportCsv,
];

pub fn seq_cursor(list: List, seq: u64) -> String {
    encode(list, &seq.to_be_bytes())
}

/// The journal seq in a cursor of `list` (absent: the first page).
pub fn seq_after(list: List, cursor: Option<&str>) -> Result<Option<u64>, ApiError> {
    cursor.map(|c| seq_of(&decode(list, c)?)).transpose()
}

fn seq_of(bytes: &[u8]) -> Result<u64, ApiError> {
    Ok(u64::from_be_bytes(bytes.try_into().map_err(|_| bad(NOT_OURS))?))
}

pub fn code_cursor(list: List, code: &MemberCode) -> String {
    encode(list, code.as_str().as_bytes())
}

/// The member code in a cursor of `list`.
pub fn code_after(list: List, cursor: Option<&str>) -> Result<Option<MemberCode>, ApiError> {
    cursor.map(|c| code_of(&decode(list, c)?)).transpose()
}

fn code_of(bytes: &[u8]) -> Result<MemberCode, ApiError> {
    std::str::from_utf8(bytes).ok().and_then(|s| s.parse().ok()).ok_or_else(|| bad(NOT_OURS))
}

pub fn id_cursor(list: List, id: &[u8; 32]) -> String {
    encode(list, id)
}

fn id_of(bytes: &[u8]) -> Result<[u8; 32], ApiError> {
    bytes.try_into().map_err(|_| bad(NOT_OURS))
}

pub fn listing_after(cursor: Option<&str>) -> Result<Option<ListingId>, ApiError> {
    cursor.map(|c| id_of(&decode(List::Listings, c)?).map(ListingId)).transpose()
}

pub fn bank_after(cursor: Option<&str>) -> Result<Option<BankId>, ApiError> {
    cursor.map(|c| id_of(&decode(List::Peers, c)?).map(BankId)).transpose()
}

/// An export's position as a cursor: the head it stops at, the section, and
/// the row of that section it goes on after.
pub fn export_cursor(list: List, p: &ExportPosition) -> String {
    let mut bytes = p.head.to_be_bytes().to_vec();
    let (tag, after): (u8, Option<Vec<u8>>) = match &p.section {
        Section::Members(c) => (1, c.as_ref().map(|c| c.as_str().as_bytes().to_vec())),
        Section::Exchanges(s) => (2, s.map(|s| s.to_be_bytes().to_vec())),
        Section::Listings(id) => (3, id.map(|id| id.0.to_vec())),
    };
    bytes.push(tag);
    bytes.extend(after.unwrap_or_default());
    encode(list, &bytes)
}

/// The position in an export cursor of `list`.
pub fn export_after(list: List, cursor: Option<&str>) -> Result<Option<ExportPosition>, ApiError> {
    let Some(text) = cursor else { return Ok(None) };
    let bytes = decode(list, text)?;
    if bytes.len() < 9 {
        return Err(bad(NOT_OURS));
    }
    let head = seq_of(&bytes[..8])?;
    let rest = &bytes[9..];
    let section = match (bytes[8], rest.is_empty()) {
        (1, true) => Section::Members(None),
        (1, false) => Section::Members(Some(code_of(rest)?)),
        (2, true) => Section::Exchanges(None),
        (2, false) => Section::Exchanges(Some(seq_of(rest)?)),
        (3, true) => Section::Listings(None),
        (3, false) => Section::Listings(Some(ListingId(id_of(rest)?))),
        _ => return Err(bad(NOT_OURS)),
    };
    Ok(Some(ExportPosition { head, section }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_gives_back_the_position_it_was_made_from() {
        let code: MemberCode = "rhymney:7KQ2-M9".parse().unwrap();
        assert_eq!(code_after(List::Members, Some(&code_cursor(List::Members, &code))).unwrap(), Some(code.clone()));
        assert_eq!(seq_after(List::Transfers, Some(&seq_cursor(List::Transfers, 42))).unwrap(), Some(42));
        assert_eq!(seq_after(List::Transfers, None).unwrap(), None);
        for section in [Section::Members(Some(code)), Section::Exchanges(None), Section::Exchanges(Some(7)), Section::Listings(None)] {
            let p = ExportPosition { head: 99, section };
            assert_eq!(export_after(List::ExportJson, Some(&export_cursor(List::ExportJson, &p))).unwrap(), Some(p));
        }
    }

    #[test]
    fn a_changed_or_borrowed_cursor_is_refused_with_a_reason() {
        let transfers = seq_cursor(List::Transfers, 42);
        let e = seq_after(List::ExchangesNewest, Some(&transfers)).unwrap_err();
        assert_eq!(e.code, "bad_cursor");
        assert!(e.message.contains("GET /transfers"), "{}", e.message);
        for bad in ["", "zz", "01", "0207", &transfers[..transfers.len() - 2], &"ab".repeat(200), "ff07000000000000002a"] {
            let e = seq_after(List::Transfers, Some(bad)).unwrap_err();
            assert_eq!((e.status.as_u16(), e.code), (400, "bad_cursor"), "{bad}");
        }
        assert!(code_after(List::Members, Some(&encode(List::Members, b"not a code"))).is_err());
        assert!(export_after(List::ExportCsv, Some(&encode(List::ExportCsv, &[0; 9]))).is_err());
    }

    #[test]
    fn a_page_size_is_between_one_and_the_maximum() {
        assert_eq!(limit(None).unwrap(), DEFAULT_PAGE_ITEMS);
        assert_eq!(limit(Some(MAX_PAGE_ITEMS)).unwrap(), MAX_PAGE_ITEMS);
        assert_eq!(limit(Some(0)).unwrap_err().code, "bad_limit");
        let e = limit(Some(MAX_PAGE_ITEMS + 1)).unwrap_err();
        assert_eq!(e.code, "limit_too_large");
        assert!(e.message.contains(&MAX_PAGE_ITEMS.to_string()), "the message names the maximum: {}", e.message);
    }
}
