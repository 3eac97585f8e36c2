//! Every list of the API comes a bounded page at a time, with the cursor of
//! the next page (issue 10, finding 13). Rhymney has more members, exchanges
//! and listings than one page holds; the stories follow the cursors and
//! check that every item comes exactly once, in order, even while the
//! coordinator records more between pages, and that a cursor that is not
//! the node's is refused in plain words.

use std::collections::HashSet;
use std::sync::Arc;

use amser_node::api::client::{ApiFailure, Client, ClientError};
use amser_node::clock::SystemClock;
use amser_node::ledger::Command;
use amser_node::model::{ExchangeQuery, ListingQuery, MemberQuery, PageQuery, MAX_PAGE_ITEMS};
use amser_node::storage::writer::{LedgerHandle, Reply};
use amser_node::{DataDir, Node, NodeOptions};
use amser_protocol::listing::ListingKind;
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};

/// Members of Rhymney in these stories: two and a half pages of 100.
const MEMBERS: usize = 250;

struct Rhymney {
    _dir: tempfile::TempDir,
    node: Node,
    api: Client,
    members: Vec<MemberCode>,
}

async fn rhymney() -> Rhymney {
    let dir = tempfile::tempdir().unwrap();
    let data = DataDir::new(dir.path().join("bank"));
    let d = data.clone();
    tokio::task::spawn_blocking(move || amser_node::init(&d, "Rhymney Time Bank", "rhymney", "Wales", Arc::new(SystemClock)))
        .await
        .unwrap()
        .unwrap();
    let node = Node::start(data.clone(), NodeOptions::loopback(Arc::new(SystemClock))).await.unwrap();
    let api = Client::new(node.api_addr, &data.load_token().unwrap()).unwrap();
    // Every fifth member is an agency, so a filter picks some from every page.
    let adds: Vec<_> = (0..MEMBERS)
        .map(|i| {
            let kind = if i % 5 == 0 { MemberKind::Agency } else { MemberKind::Person };
            let ledger = node.ledger().clone();
            tokio::spawn(async move { add(&ledger, MemberProfile::new(format!("Member {i}"), kind)).await })
        })
        .collect();
    let mut members = Vec::new();
    for added in adds {
        members.push(added.await.unwrap());
    }
    Rhymney { _dir: dir, node, api, members }
}

async fn add(ledger: &LedgerHandle, profile: MemberProfile) -> MemberCode {
    match ledger.submit(Command::AddMember { profile, joined: None }).await.unwrap() {
        Reply::Member(m) => m.code,
        other => panic!("unexpected reply {other:?}"),
    }
}

/// Records `n` exchanges of one minute, all at once (so many share a
/// group commit, and a member's index keys hold several exchanges each).
async fn record_many(ledger: &LedgerHandle, n: usize, from: &MemberCode, to: &MemberCode) {
    let all: Vec<_> = (0..n)
        .map(|_| {
            let (ledger, command) = (ledger.clone(), Command::exchange(&[from], &[to], Minutes(1)));
            tokio::spawn(async move { ledger.submit(command).await })
        })
        .collect();
    for reply in all {
        assert!(matches!(reply.await.unwrap().unwrap(), Reply::Exchange(_)));
    }
}

/// Two of Rhymney's agencies (every fifth member), whose limits leave room
/// for thousands of one-minute exchanges.
fn agencies(r: &Rhymney) -> (&MemberCode, &MemberCode) {
    (&r.members[0], &r.members[5])
}

fn failure(e: ClientError) -> ApiFailure {
    match e {
        ClientError::Api(f) => f,
        other => panic!("expected the node to refuse, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rhymney_register_comes_in_pages_of_at_most_the_limit_each_member_once() {
    let r = rhymney().await;
    let first = r.api.members(&MemberQuery::default()).await.unwrap();
    assert_eq!(first.items.len(), 100, "a page holds the default number, not the whole register");
    assert!(first.next.is_some(), "and says where the next one starts");

    let (mut seen, mut query, mut pages) = (Vec::new(), MemberQuery { limit: Some(100), ..MemberQuery::default() }, 0);
    loop {
        let page = r.api.members(&query).await.unwrap();
        assert!(page.items.len() <= 100);
        pages += 1;
        seen.extend(page.items.into_iter().map(|m| m.code));
        match page.next {
            Some(next) => query.cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(pages, 3, "250 members are three pages of 100, and no empty fourth");
    let mut want = r.members.clone();
    want.sort();
    assert_eq!(seen, want, "every member exactly once, in code order");

    // A filter pages too: the agencies, a few from each page.
    let agencies =
        r.api.all_members(&MemberQuery { kind: Some("agency".into()), limit: Some(20), ..MemberQuery::default() }).await.unwrap();
    assert_eq!(agencies.len(), MEMBERS / 5);
    assert!(agencies.iter().all(|m| m.kind == "agency"));

    // Balances: every account once; the sum and the clearing accounts on the first page.
    let page = r.api.balances(&PageQuery::first(100)).await.unwrap();
    assert_eq!((page.accounts.len(), page.sum_minutes), (100, Some(0)));
    let later = r.api.balances(&PageQuery { cursor: page.next.clone(), limit: Some(100) }).await.unwrap();
    assert_eq!(later.sum_minutes, None, "only the first page reads every account for the sum");
    let all = r.api.all_balances(&PageQuery::first(100)).await.unwrap();
    let codes: HashSet<_> = all.accounts.iter().map(|a| a.code.clone()).collect();
    assert_eq!((all.accounts.len(), codes.len(), all.next), (MEMBERS, MEMBERS, None));
    r.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exchanges_recorded_between_pages_neither_repeat_nor_push_any_out() {
    let r = rhymney().await;
    let (youth_centre, library) = agencies(&r);
    record_many(r.node.ledger(), 250, youth_centre, library).await;

    // Newest first: what is recorded after the walk began is newer than its
    // cursor, so the walk yields exactly the 250 that were there.
    let mut query = ExchangeQuery { limit: Some(100), ..ExchangeQuery::default() };
    let first = r.api.exchanges(&query).await.unwrap();
    let mut seqs: Vec<u64> = first.items.iter().map(|x| x.seq).collect();
    let before: HashSet<u64> = r.api.all_exchanges(&ExchangeQuery::default()).await.unwrap().iter().map(|x| x.seq).collect();
    query.cursor = first.next;
    while let Some(cursor) = query.cursor.take() {
        record_many(r.node.ledger(), 30, library, youth_centre).await;
        query.cursor = Some(cursor);
        let page = r.api.exchanges(&query).await.unwrap();
        seqs.extend(page.items.iter().map(|x| x.seq));
        query.cursor = page.next;
    }
    assert!(seqs.windows(2).all(|w| w[0] > w[1]), "newest first, each once");
    assert_eq!(seqs.iter().copied().collect::<HashSet<_>>(), before, "exactly the exchanges there when the walk began");

    // Oldest first: what is recorded between pages comes at the end, once.
    let mut query = ExchangeQuery { limit: Some(100), order: Some("oldest".into()), ..ExchangeQuery::default() };
    let mut seqs = Vec::new();
    let mut appended = 0;
    loop {
        let page = r.api.exchanges(&query).await.unwrap();
        seqs.extend(page.items.iter().map(|x| x.seq));
        let Some(next) = page.next else { break };
        if appended < 60 {
            record_many(r.node.ledger(), 30, youth_centre, library).await;
            appended += 30;
        }
        query.cursor = Some(next);
    }
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "journal order, each once");
    assert_eq!(seqs.len(), 250 + 60 + 60, "the 250, the 60 of the first walk and the 60 recorded during this one");

    // A member's own exchanges, newest first, across group commits.
    let mut theirs = Vec::new();
    let mut query = PageQuery::first(45);
    loop {
        let page = r.api.member_exchanges(library.as_str(), &query).await.unwrap();
        assert!(page.items.len() <= 45);
        theirs.extend(page.items.iter().map(|x| x.seq));
        let Some(next) = page.next else { break };
        query.cursor = Some(next);
    }
    assert_eq!(theirs.len(), 370, "every exchange the library took part in");
    assert!(theirs.windows(2).all(|w| w[0] > w[1]), "newest first, each once");
    r.node.shutdown().await;
}

/// The old list stopped at 10,000 exchanges with no way past. Now the
/// 10,001st and every one after it is reached by following cursors.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_ten_thousand_and_first_exchange_is_reachable() {
    const OLD_CAP: usize = 10_000;
    let r = rhymney().await;
    let (youth_centre, library) = agencies(&r);
    // 10 rounds of 1,010: a hundred past the old cap.
    const ROUNDS: usize = 10;
    for _ in 0..ROUNDS {
        record_many(r.node.ledger(), 1_010, youth_centre, library).await;
    }
    let all = r.api.all_exchanges(&ExchangeQuery { limit: Some(MAX_PAGE_ITEMS), order: Some("oldest".into()), ..Default::default() }).await;
    let all = all.unwrap();
    assert!(all.len() > OLD_CAP, "{} exchanges listed", all.len());
    assert_eq!(all.len(), ROUNDS * 1_010);
    assert_eq!(all.iter().map(|x| x.seq).collect::<HashSet<_>>().len(), all.len(), "each once");
    r.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cursor_that_is_not_the_nodes_or_a_page_too_large_is_refused_in_plain_words() {
    let r = rhymney().await;
    let bad = |cursor: &str| MemberQuery { cursor: Some(cursor.into()), ..MemberQuery::default() };
    for cursor in ["not-a-cursor", "0101", "ffff", &"0".repeat(300)] {
        let e = failure(r.api.members(&bad(cursor)).await.unwrap_err());
        assert_eq!(e.code, "bad_cursor", "{cursor}: {e:?}");
        assert!(e.message.contains("cursor"), "{}", e.message);
    }
    // A cursor from another list says which list it is from.
    let members_next = r.api.members(&MemberQuery::default()).await.unwrap().next.unwrap();
    let e = failure(r.api.exchanges(&ExchangeQuery { cursor: Some(members_next.clone()), ..Default::default() }).await.unwrap_err());
    assert_eq!(e.code, "bad_cursor");
    assert!(e.message.contains("GET /members"), "{}", e.message);
    let e = failure(r.api.balances(&PageQuery { cursor: Some(members_next), limit: None }).await.unwrap_err());
    assert_eq!(e.code, "bad_cursor");

    let e = failure(r.api.members(&MemberQuery { limit: Some(MAX_PAGE_ITEMS + 1), ..Default::default() }).await.unwrap_err());
    assert_eq!(e.code, "limit_too_large");
    assert!(e.message.contains("1000"), "the message names the most a page holds: {}", e.message);
    let e = failure(r.api.transfers(&PageQuery::first(0)).await.unwrap_err());
    assert_eq!(e.code, "bad_limit");
    let e = failure(r.api.exchanges(&ExchangeQuery { order: Some("sideways".into()), ..Default::default() }).await.unwrap_err());
    assert_eq!(e.code, "bad_order");
    r.node.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn listings_and_the_export_page_and_the_export_ends_at_the_head_it_began_at() {
    let r = rhymney().await;
    for (i, member) in r.members.iter().take(120).enumerate() {
        let category = if i % 3 == 0 { "gardening" } else { "shopping" };
        let command = Command::PostListing {
            kind: ListingKind::Offer,
            member: member.clone(),
            category: category.into(),
            description: format!("offer {i}"),
        };
        assert!(matches!(r.node.ledger().submit(command).await.unwrap(), Reply::Listing(_)));
    }
    let garden = ListingQuery { category: Some("gardening".into()), limit: Some(7), ..ListingQuery::default() };
    let first = r.api.listings(&garden).await.unwrap();
    assert!(first.items.len() <= 7 && first.next.is_some());
    let gardening = r.api.all_listings(&garden).await.unwrap();
    assert_eq!(gardening.len(), 40);
    assert!(gardening.iter().all(|l| l.category == "gardening"));
    assert_eq!(gardening.iter().map(|l| &l.id).collect::<HashSet<_>>().len(), 40, "each once");

    let (youth_centre, library) = agencies(&r);
    record_many(r.node.ledger(), 130, youth_centre, library).await;
    // JSON: pages of 64 rows across members, exchanges and listings; what is
    // recorded after the first page is not in this export.
    let mut query = PageQuery::first(64);
    let first = r.api.export_json(&query).await.unwrap();
    assert!(first.bank.is_some() && first.policy.is_some());
    let head = first.head_seq.expect("the first page names the head the export stops at");
    let (mut members, mut exchanges, mut listings) = (first.members.len(), first.exchanges.clone(), first.listings.len());
    query.cursor = first.next;
    while query.cursor.is_some() {
        record_many(r.node.ledger(), 5, library, youth_centre).await;
        let page = r.api.export_json(&query).await.unwrap();
        assert!(page.members.len() + page.exchanges.len() + page.listings.len() <= 64);
        assert!(page.bank.is_none() && page.policy.is_none());
        members += page.members.len();
        listings += page.listings.len();
        exchanges.extend(page.exchanges);
        query.cursor = page.next;
    }
    assert_eq!((members, exchanges.len(), listings), (MEMBERS, 130, 120));
    assert!(exchanges.iter().all(|x| x.seq <= head));
    assert!(exchanges.windows(2).all(|w| w[0].seq < w[1].seq));

    // CSV: the header row once, then one row per exchange up to the head.
    let recorded = r.api.all_exchanges(&ExchangeQuery::default()).await.unwrap().len();
    let mut query = PageQuery::first(50);
    let mut text = String::new();
    let mut pages = 0;
    loop {
        let (bytes, next) = r.api.export_csv(&query).await.unwrap();
        text.push_str(std::str::from_utf8(&bytes).unwrap());
        pages += 1;
        let Some(next) = next else { break };
        query.cursor = Some(next);
    }
    let lines: Vec<&str> = text.lines().collect();
    assert!(pages > 1);
    assert!(lines[0].starts_with("exchange_id,seq,"));
    assert_eq!(lines.iter().filter(|l| l.starts_with("exchange_id")).count(), 1, "the header once");
    assert_eq!(lines.len(), 1 + recorded, "every exchange recorded before the CSV export began, once");
    r.node.shutdown().await;
}
