//! Paging: every list the API answers is one bounded [`Page`] and the cursor
//! of the next one. A cursor is opaque text made by the node (it names a
//! position in the state database, never an offset), so pages stay right
//! while exchanges are appended between them: following `next` until it is
//! absent yields every item that was there when the walk began exactly once.

use serde::{Deserialize, Serialize};

/// Items in a page when the request does not say (`?limit=`).
pub const DEFAULT_PAGE_ITEMS: usize = 100;
/// Most items one page may hold. A larger `limit` is refused (400
/// `limit_too_large`, naming this number), not quietly cut: a client that
/// asked for 5,000 and got 1,000 with no error would think it had them all.
pub const MAX_PAGE_ITEMS: usize = 1000;

/// One page of a list, and where the next one starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// At most the `limit` asked for. With a filter, a page may hold fewer
    /// (even none) and still have a `next`: the node reads a bounded number
    /// of records per page, matching or not.
    pub items: Vec<T>,
    /// Send it back as `?cursor=` for the next page; absent on the last page.
    #[serde(default)]
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// A page of `items`, with `next` the cursor of the one after it.
    pub fn new(items: Vec<T>, next: Option<String>) -> Self {
        Page { items, next }
    }
}

/// `?cursor=&limit=`: which page (the first when `cursor` is absent) and how
/// many items at most ([`DEFAULT_PAGE_ITEMS`] when absent, at most
/// [`MAX_PAGE_ITEMS`]). The lists with filters take the same two fields in
/// their own query.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PageQuery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limit: Option<usize>,
}

impl PageQuery {
    /// The first page, of at most `limit` items.
    pub fn first(limit: usize) -> Self {
        PageQuery { cursor: None, limit: Some(limit) }
    }
}

/// The answer header that carries the next page's cursor when the body is
/// not JSON (`GET /export?format=csv`).
pub const NEXT_CURSOR_HEADER: &str = "amser-next-cursor";

/// A list's query that carries a cursor: what a client changes to ask for
/// the next page.
pub trait Paged {
    fn set_cursor(&mut self, cursor: Option<String>);
}

impl Paged for PageQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl Paged for super::MemberQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl Paged for super::ExchangeQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}

impl Paged for super::ListingQuery {
    fn set_cursor(&mut self, cursor: Option<String>) {
        self.cursor = cursor;
    }
}
