//! The federation directory on the wire: answering an admitted bank's
//! `DirectorySearch` from our shared listings, and asking every connected
//! admitted bank at once for theirs (`api::directory` merges the answers).
//!
//! ```text
//!   asking:    api ──► search(banks, query) ──► DirectorySearch to each, in parallel, DIRECTORY_ASK_TIMEOUT each ──► Asked per bank
//!   answering: DirectorySearch ──► [directory] share? ──► shared open listings of active members ──► title opened ──► matches ──► Directory
//! ```
//! What goes out is `protocol::directory::DirectoryListing`: id, kind,
//! category, the directory title, the member's code and the date posted.
//! The member's name, contact, notes and the listing's description never
//! leave the bank; a listing whose member was erased (its title no longer
//! opens) or who is not active is not answered.

use std::time::Duration;

use amser_protocol::directory::{DirectoryListing, DirectoryQuery, MAX_DIRECTORY_RESULTS};
use amser_protocol::federation::{refusal, PeerRequest, PeerResponse};
use amser_protocol::sealed::Purpose;
use amser_protocol::{BankId, MemberStatus};
use tokio::task::JoinSet;

use super::driver::FederationHandle;
use super::inbound::Answerer;
use super::swarm::peer_of;
use crate::ledger::privacy::open_text;
use crate::ledger::{LedgerError, LedgerRead, ListingRecord};

/// How long a search waits for one bank's answer; a bank slower than this
/// is shown as not answering, and the others' listings are shown anyway.
pub const DIRECTORY_ASK_TIMEOUT: Duration = Duration::from_secs(5);
/// Listings read from sled in one page while answering a search.
const DIRECTORY_PAGE_ITEMS: usize = 256;
/// Most pages read to answer one search: the listings past them (a bank
/// with tens of thousands) are not searched.
const MAX_DIRECTORY_PAGES: usize = 64;

/// What one bank said to a search.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Asked {
    /// Its matching listings (at most [`MAX_DIRECTORY_RESULTS`]) and its region.
    Listings { region: String, listings: Vec<DirectoryListing> },
    /// It does not share its directory (`[directory] share = false`).
    NotSharing,
    /// No answer within [`DIRECTORY_ASK_TIMEOUT`], a refusal, or an answer
    /// that is not a directory: the stable code or what happened.
    NoAnswer(String),
}

/// Asks each of `banks` (connected and admitted) for its listings matching
/// `query`, all at once; each bank's answer, in the order given.
pub async fn search(federation: &FederationHandle, banks: &[BankId], query: &DirectoryQuery) -> Vec<(BankId, Asked)> {
    let mut asking = JoinSet::new();
    for (i, bank) in banks.iter().enumerate() {
        let (net, bank) = (federation.net.clone(), *bank);
        let request = PeerRequest::DirectorySearch { words: query.words.clone(), region: query.region.clone(), max: MAX_DIRECTORY_RESULTS };
        asking.spawn(async move {
            let answer = match tokio::time::timeout(DIRECTORY_ASK_TIMEOUT, net.request(peer_of(&bank), request)).await {
                Err(_) => Asked::NoAnswer(format!("no answer within {} s", DIRECTORY_ASK_TIMEOUT.as_secs())),
                Ok(Err(e)) => Asked::NoAnswer(e.to_string()),
                Ok(Ok(PeerResponse::Directory { region, mut listings })) => {
                    listings.truncate(MAX_DIRECTORY_RESULTS as usize);
                    Asked::Listings { region, listings }
                }
                Ok(Ok(PeerResponse::Refused { reason })) if reason == refusal::NOT_SHARING => Asked::NotSharing,
                Ok(Ok(PeerResponse::Refused { reason })) => Asked::NoAnswer(reason),
                Ok(Ok(_)) => Asked::NoAnswer(refusal::UNEXPECTED.into()),
            };
            (i, bank, answer)
        });
    }
    let mut answers = Vec::with_capacity(banks.len());
    while let Some(done) = asking.join_next().await {
        if let Ok(answer) = done {
            answers.push(answer);
        }
    }
    answers.sort_by_key(|(i, _, _)| *i);
    answers.into_iter().map(|(_, bank, answer)| (bank, answer)).collect()
}

impl Answerer {
    /// Our shared listings matching `words` (and `region`, if ours is not it),
    /// newest first, at most `max` (and [`MAX_DIRECTORY_RESULTS`]).
    pub(super) async fn directory(&self, words: String, region: Option<String>, max: u32) -> PeerResponse {
        if !self.share_directory {
            return PeerResponse::Refused { reason: refusal::NOT_SHARING.into() };
        }
        let Ok(query) = DirectoryQuery::new(&words, region.as_deref()) else {
            return PeerResponse::Refused { reason: refusal::BAD_SEARCH.into() };
        };
        let ours = self.profile.region.clone();
        if !query.in_region(&ours) {
            return PeerResponse::Directory { region: ours, listings: Vec::new() };
        }
        let keys = self.ledger.keys().clone();
        let max = max.clamp(1, MAX_DIRECTORY_RESULTS) as usize;
        let found = self.ledger.read(move |s| matching(s, &*keys, &query, max)).await;
        match found.and_then(|f| f) {
            Ok(listings) => PeerResponse::Directory { region: ours, listings },
            Err(e) => super::inbound::refused(&e),
        }
    }
}

/// The shared open listings of active members whose category or title
/// holds every word, newest first, at most `max`.
fn matching(
    store: &crate::storage::store::Store,
    keys: &dyn crate::ledger::privacy::MemberKeys,
    query: &DirectoryQuery,
    max: usize,
) -> Result<Vec<DirectoryListing>, LedgerError> {
    let mut found = Vec::new();
    let mut after = None;
    for _ in 0..MAX_DIRECTORY_PAGES {
        let span = store.listings_page(after.as_ref(), DIRECTORY_PAGE_ITEMS, |l: &ListingRecord| l.open && l.shared)?;
        for record in span.items {
            if store.member(&record.listing.member)?.is_none_or(|m| m.status != MemberStatus::Active) {
                continue;
            }
            // Erased since: the title no longer opens, and the listing is not the directory's.
            let Some(title) = open_text(keys, Purpose::DirectoryTitle, record.title.as_ref())? else { continue };
            if query.matches(&record.listing.category, &title) {
                let l = record.listing;
                found.push(DirectoryListing {
                    listing: l.id,
                    kind: l.kind,
                    member: l.member,
                    category: l.category,
                    title,
                    posted: l.posted,
                });
            }
        }
        match span.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    found.sort_by(|a, b| b.posted.cmp(&a.posted).then(a.listing.cmp(&b.listing)));
    found.truncate(max);
    Ok(found)
}
