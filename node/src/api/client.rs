//! A typed client of a node's local API: one async method per route, each
//! answer decoded into [`crate::model`]'s types, each failure a
//! [`ClientError`]. The `amser` command uses it, and so do the node's tests
//! and benchmarks.
//!
//! It uses only [`crate::model`], [`crate::datadir`], reqwest and serde:
//! nothing of the server around it.
//!
//! ```text
//! GET  /status                  status()
//! GET  /members                 members(query)        POST  /members            add_member(new)
//! GET  /members/{code}          member(code)          PATCH /members/{code}     update_member(code, patch)
//! GET  /members/{code}/exchanges                      member_exchanges(code, query)
//! GET  /exchanges               exchanges(query)      POST  /exchanges          record_exchange(new)
//!                                                     POST  /exchanges (encoded once) record_exchange_encoded(body)
//! GET  /exchanges/{id}          exchange(id)          POST  /exchanges/{id}/reverse  reverse_exchange(id, request)
//! GET  /balances                balances(query)       GET   /balances/{code}    balance(code)
//! GET  /listings                listings(query)       POST  /listings           post_listing(new)
//! POST /listings/{id}/close     close_listing(id)
//! POST /listings/{id}/share     share_listing(id, title)  POST /listings/{id}/unshare  unshare_listing(id)
//! GET  /directory?q=&region=    directory(search)
//! GET  /report                  report(query)         GET   /audit              audit()
//! GET  /export?format=csv       export_csv(query)     GET   /export?format=json export_json(query)
//! GET  /peers                   peers(query)          POST  /peers              add_peer(new)
//! POST /peers/{bank}/freeze     freeze_peer(bank)     POST  /peers/{bank}/unfreeze  unfreeze_peer(bank)
//! DELETE /peers/{bank}          remove_peer(bank, force)
//! GET  /transfers               transfers(query)      GET   /transfers/{id}     transfer(id)
//! GET  /positions               positions()
//! GET  /clearing/rings          clearing_rings()
//! GET  /clearing                clearings()
//! POST /clearing/run            run_clearing()
//! POST /members/{code}/move      move_member()
//! POST /members/{code}/introduce introduce_member()   POST /visitors  add_visitor()
//! GET  /federation/stats        federation_stats()
//! GET  /federation/rooms        rooms()
//! GET  /federation/path?to=&hours=   path(to, hours)
//! POST /import/{kind}?format=&dry_run=   import(kind, query, csv)
//! ```
//!
//! A list method answers one [`Page`]; its `all_` twin follows the cursors
//! from the page asked for to the last and answers every item
//! ([`Client::all_members`], [`Client::all_balances`], ...).

use std::fmt::Display;
use std::marker::PhantomData;
use std::time::Duration;

use reqwest::header::{HeaderValue, AUTHORIZATION, CONTENT_TYPE};
use reqwest::{Method, RequestBuilder, StatusCode};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::datadir::{DataDir, DataDirError};
use crate::model::{
    AccountLink, AccountView, AuditReport, BalanceView, Balances, ClearingRingView, DirectorySearch, DirectoryView, DisableAccount,
    EraseRequest, ErrorBody, ExchangeQuery, ExchangeView, ExportPage, ExportQuery, FederationStatsView, ImportQuery, ImportReport,
    IntroduceRequest, LetterView, ListingQuery, ListingView, MemberExport, MemberPatch, MemberQuery, MemberView, MoveRequest, MoveView,
    NewAccount, NewExchange, NewListing, NewMember, NewPeer, NewVisitor, Page, PageQuery, Paged, PathQuery, PathView, PeerView,
    PositionView, Recorded, Report, ReportQuery, ReverseRequest, RingClearingView, RoomAdvertView, ShareListing, Status, TransferView,
    NEXT_CURSOR_HEADER,
};

/// How long one request may take before [`Client::new`]'s client gives up.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// An error the node sent back: its stable code and its message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ApiFailure {
    pub code: String,
    pub message: String,
}

/// No node is running on the data directory, or none answers at its address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct NotRunning(pub String);

impl NotRunning {
    /// The node for `dir` has not written the address it listens on.
    pub fn for_dir(dir: &DataDir) -> Self {
        let root = dir.root().display();
        NotRunning(format!("the node for {root} is not running; start it with `amser up --data {root}`"))
    }
}

/// Why a request through the [`Client`] failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    /// The data directory holds no bank, or its token cannot be read.
    #[error(transparent)]
    DataDir(#[from] DataDirError),
    #[error(transparent)]
    NotRunning(#[from] NotRunning),
    /// The node refused the request; it says why.
    #[error(transparent)]
    Api(#[from] ApiFailure),
    #[error("could not set up the HTTP client")]
    Setup(#[source] reqwest::Error),
    #[error(
        "the API token holds characters an HTTP header cannot carry; use the token from the file api-token in the node's data directory"
    )]
    BadToken,
    #[error("could not encode the request: {0}")]
    Encode(serde_json::Error),
    /// The request did not get an answer (timeout, connection lost).
    #[error("the request to the node failed: {0}")]
    Request(reqwest::Error),
    #[error("reading the node's answer")]
    Read(#[source] reqwest::Error),
    #[error("the node answered with something other than JSON")]
    NotJson,
    #[error("the node's answer is not valid JSON")]
    BadJson(#[source] serde_json::Error),
    /// Valid JSON of another shape: most likely a node of another version.
    #[error("the node's answer is not in the form this version of amser reads (is the node another version?)")]
    UnexpectedAnswer(#[source] serde_json::Error),
    #[error("the node answered {got} where {expected} was expected (is the node another version?)")]
    UnexpectedStatus { expected: StatusCode, got: StatusCode },
    /// Following a list, the node gave back the cursor it was sent: reading
    /// on would never end.
    #[error("the node gave the same page cursor twice while listing {0}; this is a fault in the node, please report it")]
    CursorRepeated(String),
}

/// How the node acknowledged `POST /exchanges` when the answer is not decoded
/// ([`Client::record_exchange_encoded`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordedAs {
    /// 201: an exchange within this bank, recorded.
    Exchange,
    /// 202: a transfer to another bank, pending until that bank decides.
    Transfer,
}

/// A request body encoded once, to be sent many times: a load generator
/// then measures the node, not its own JSON encoding.
pub struct Encoded<T> {
    json: Vec<u8>,
    of: PhantomData<fn(&T)>,
}

impl<T: Serialize> Encoded<T> {
    pub fn new(body: &T) -> Result<Self, ClientError> {
        Ok(Encoded { json: serde_json::to_vec(body).map_err(ClientError::Encode)?, of: PhantomData })
    }
}

/// A node's local API, with its token. Cheap to clone (reqwest's client is
/// shared, and keeps its connections open for the next request).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    /// `http://ADDR/api/v1`.
    base: String,
    /// `Bearer <token>`, marked sensitive so it never shows in logs.
    auth: HeaderValue,
}

/// An answer read to its end.
struct Answer {
    status: StatusCode,
    /// Whether the node said it is JSON.
    json: bool,
    body: Vec<u8>,
    /// The next page's cursor, when the node sent it as a header (CSV pages).
    next: Option<String>,
}

impl Client {
    /// The node that runs on `dir`: its address and token from the directory.
    pub fn for_dir(dir: &DataDir) -> Result<Client, ClientError> {
        dir.require_initialised()?;
        let addr = dir.read_api_addr().ok_or_else(|| NotRunning::for_dir(dir))?;
        let token = dir.load_token()?;
        Client::new(addr, &token)
    }

    /// The node whose API listens on `addr` (`127.0.0.1:7300`), with
    /// [`REQUEST_TIMEOUT`] for each request.
    pub fn new(addr: impl Display, token: &str) -> Result<Client, ClientError> {
        let http = reqwest::Client::builder().timeout(REQUEST_TIMEOUT).build().map_err(ClientError::Setup)?;
        Client::with_http(http, addr, token)
    }

    /// Like [`Client::new`], over an HTTP client set up by the caller
    /// (a benchmark's: one connection each, no Nagle delay).
    pub fn with_http(http: reqwest::Client, addr: impl Display, token: &str) -> Result<Client, ClientError> {
        let mut auth = HeaderValue::from_str(&format!("Bearer {}", token.trim())).map_err(|_| ClientError::BadToken)?;
        auth.set_sensitive(true);
        Ok(Client { http, base: format!("http://{addr}/api/v1"), auth })
    }

    // ------------------------------------------------------------ the bank

    pub async fn status(&self) -> Result<Status, ClientError> {
        self.json(self.request(Method::GET, "/status"), StatusCode::OK).await
    }

    /// A page of members' balances (the first page also has the clearing
    /// accounts and the sum of every account).
    pub async fn balances(&self, query: &PageQuery) -> Result<Balances, ClientError> {
        self.json(self.request(Method::GET, "/balances").query(query), StatusCode::OK).await
    }

    /// Every balance: the pages from `query`'s joined, with the first page's
    /// clearing accounts and sum.
    pub async fn all_balances(&self, query: &PageQuery) -> Result<Balances, ClientError> {
        let mut query = query.clone();
        let mut all = self.balances(&query).await?;
        while let Some(next) = all.next.take() {
            check_moved("/balances", query.cursor.as_deref(), &next)?;
            query.cursor = Some(next);
            let page = self.balances(&query).await?;
            all.accounts.extend(page.accounts);
            all.next = page.next;
        }
        Ok(all)
    }

    pub async fn balance(&self, code: &str) -> Result<BalanceView, ClientError> {
        self.json(self.request(Method::GET, &format!("/balances/{}", seg(code))), StatusCode::OK).await
    }

    pub async fn report(&self, query: &ReportQuery) -> Result<Report, ClientError> {
        self.json(self.request(Method::GET, "/report").query(query), StatusCode::OK).await
    }

    pub async fn audit(&self) -> Result<AuditReport, ClientError> {
        self.json(self.request(Method::GET, "/audit"), StatusCode::OK).await
    }

    /// A page of exchanges as CSV, the bytes as the node sent them (the
    /// header row on the first page only), and the next page's cursor.
    pub async fn export_csv(&self, query: &PageQuery) -> Result<(Vec<u8>, Option<String>), ClientError> {
        let query = ExportQuery { format: Some("csv".into()), cursor: query.cursor.clone(), limit: query.limit };
        let answer = self.send(self.request(Method::GET, "/export").query(&query)).await?.expect(StatusCode::OK)?;
        Ok((answer.body, answer.next))
    }

    /// A page of the register and ledger as JSON (the bank and policy on the first page).
    pub async fn export_json(&self, query: &PageQuery) -> Result<ExportPage, ClientError> {
        let query = ExportQuery { format: Some("json".into()), cursor: query.cursor.clone(), limit: query.limit };
        self.json(self.request(Method::GET, "/export").query(&query), StatusCode::OK).await
    }

    // ------------------------------------------------------------ members

    /// A page of the register, in code order.
    pub async fn members(&self, query: &MemberQuery) -> Result<Page<MemberView>, ClientError> {
        self.json(self.request(Method::GET, "/members").query(query), StatusCode::OK).await
    }

    /// Every member `query` asks for, from its page to the last.
    pub async fn all_members(&self, query: &MemberQuery) -> Result<Vec<MemberView>, ClientError> {
        self.follow("/members", query).await
    }

    pub async fn add_member(&self, new: &NewMember) -> Result<MemberView, ClientError> {
        self.json(self.request(Method::POST, "/members").json(new), StatusCode::CREATED).await
    }

    pub async fn member(&self, code: &str) -> Result<MemberView, ClientError> {
        self.json(self.request(Method::GET, &format!("/members/{}", seg(code))), StatusCode::OK).await
    }

    pub async fn update_member(&self, code: &str, patch: &MemberPatch) -> Result<MemberView, ClientError> {
        self.json(self.request(Method::PATCH, &format!("/members/{}", seg(code))).json(patch), StatusCode::OK).await
    }

    /// Everything the bank holds about a member.
    pub async fn member_export(&self, code: &str) -> Result<MemberExport, ClientError> {
        self.json(self.request(Method::GET, &format!("/members/{}/export", seg(code))), StatusCode::OK).await
    }

    /// A new console account and its one-time sign-in link.
    pub async fn add_account(&self, new: &NewAccount) -> Result<AccountLink, ClientError> {
        self.json(self.request(Method::POST, "/users").json(new), StatusCode::CREATED).await
    }

    /// Every console account.
    pub async fn accounts(&self) -> Result<Vec<AccountView>, ClientError> {
        self.json(self.request(Method::GET, "/users"), StatusCode::OK).await
    }

    /// A new sign-in link for an account (its old link and password stop working).
    pub async fn account_link(&self, name: &str) -> Result<AccountLink, ClientError> {
        self.json(self.request(Method::POST, &format!("/users/{}/link", seg(name))), StatusCode::OK).await
    }

    /// Disables an account (or enables it again).
    pub async fn disable_account(&self, name: &str, disabled: bool) -> Result<AccountView, ClientError> {
        let body = DisableAccount { disabled };
        self.json(self.request(Method::POST, &format!("/users/{}/disable", seg(name))).json(&body), StatusCode::OK).await
    }

    /// Imports a CSV file of members or exchanges (or, with `dry_run`, checks it).
    pub async fn import(&self, kind: crate::import::Kind, query: &ImportQuery, csv: Vec<u8>) -> Result<ImportReport, ClientError> {
        let request = self.request(Method::POST, &format!("/import/{kind}")).query(query).header(CONTENT_TYPE, "text/csv").body(csv);
        self.json(request, StatusCode::OK).await
    }

    /// The full address of a console page on this node (`path` from the root).
    pub fn console_url(&self, path: &str) -> String {
        format!("{}{path}", self.base.trim_end_matches("/api/v1"))
    }

    /// Erases a member's personal data; their code and balance stay.
    pub async fn erase_member(&self, code: &str, request: &EraseRequest) -> Result<MemberView, ClientError> {
        self.json(self.request(Method::POST, &format!("/members/{}/erase", seg(code))).json(request), StatusCode::OK).await
    }

    /// A page of a member's exchanges, newest first.
    pub async fn member_exchanges(&self, code: &str, query: &PageQuery) -> Result<Page<ExchangeView>, ClientError> {
        self.json(self.request(Method::GET, &format!("/members/{}/exchanges", seg(code))).query(query), StatusCode::OK).await
    }

    /// Every exchange of a member, newest first, from `query`'s page on.
    pub async fn all_member_exchanges(&self, code: &str, query: &PageQuery) -> Result<Vec<ExchangeView>, ClientError> {
        self.follow(&format!("/members/{}/exchanges", seg(code)), query).await
    }

    // ------------------------------------------------------------ exchanges

    /// A page of exchanges in journal order (newest first unless `order` is "oldest").
    pub async fn exchanges(&self, query: &ExchangeQuery) -> Result<Page<ExchangeView>, ClientError> {
        self.json(self.request(Method::GET, "/exchanges").query(query), StatusCode::OK).await
    }

    /// Every exchange, from `query`'s page to the last.
    pub async fn all_exchanges(&self, query: &ExchangeQuery) -> Result<Vec<ExchangeView>, ClientError> {
        self.follow("/exchanges", query).await
    }

    /// Records an exchange: within this bank (201), or a transfer to
    /// another bank's member (202).
    pub async fn record_exchange(&self, new: &NewExchange) -> Result<Recorded, ClientError> {
        let answer = self.send(self.request(Method::POST, "/exchanges").json(new)).await?;
        match answer.status {
            StatusCode::ACCEPTED => Ok(Recorded::Transfer(answer.decode()?)),
            _ => Ok(Recorded::Exchange(answer.expect(StatusCode::CREATED)?.decode()?)),
        }
    }

    /// [`Client::record_exchange`] with a body encoded once, for load
    /// generators: the answer is read to its end (so the connection is
    /// used again) but not decoded.
    pub async fn record_exchange_encoded(&self, body: &Encoded<NewExchange>) -> Result<RecordedAs, ClientError> {
        let request = self.request(Method::POST, "/exchanges").header(CONTENT_TYPE, "application/json").body(body.json.clone());
        match self.send(request).await?.status {
            StatusCode::ACCEPTED => Ok(RecordedAs::Transfer),
            StatusCode::CREATED => Ok(RecordedAs::Exchange),
            got => Err(ClientError::UnexpectedStatus { expected: StatusCode::CREATED, got }),
        }
    }

    /// One exchange, by its full id or its first characters.
    pub async fn exchange(&self, id: &str) -> Result<ExchangeView, ClientError> {
        self.json(self.request(Method::GET, &format!("/exchanges/{}", seg(id))), StatusCode::OK).await
    }

    pub async fn reverse_exchange(&self, id: &str, request: &ReverseRequest) -> Result<ExchangeView, ClientError> {
        self.json(self.request(Method::POST, &format!("/exchanges/{}/reverse", seg(id))).json(request), StatusCode::OK).await
    }

    // ------------------------------------------------------------ listings

    /// A page of listings, in the order of their ids.
    pub async fn listings(&self, query: &ListingQuery) -> Result<Page<ListingView>, ClientError> {
        self.json(self.request(Method::GET, "/listings").query(query), StatusCode::OK).await
    }

    /// Every listing `query` asks for, from its page to the last.
    pub async fn all_listings(&self, query: &ListingQuery) -> Result<Vec<ListingView>, ClientError> {
        self.follow("/listings", query).await
    }

    pub async fn post_listing(&self, new: &NewListing) -> Result<ListingView, ClientError> {
        self.json(self.request(Method::POST, "/listings").json(new), StatusCode::CREATED).await
    }

    pub async fn close_listing(&self, id: &str) -> Result<ListingView, ClientError> {
        self.json(self.request(Method::POST, &format!("/listings/{}/close", seg(id))), StatusCode::OK).await
    }

    // ------------------------------------------------------------ the federation

    /// A page of admitted banks, in the order of their ids.
    pub async fn peers(&self, query: &PageQuery) -> Result<Page<PeerView>, ClientError> {
        self.json(self.request(Method::GET, "/peers").query(query), StatusCode::OK).await
    }

    /// Every admitted bank.
    pub async fn all_peers(&self) -> Result<Vec<PeerView>, ClientError> {
        self.follow("/peers", &PageQuery::default()).await
    }

    pub async fn add_peer(&self, new: &NewPeer) -> Result<PeerView, ClientError> {
        self.json(self.request(Method::POST, "/peers").json(new), StatusCode::CREATED).await
    }

    pub async fn freeze_peer(&self, bank: &str) -> Result<PeerView, ClientError> {
        self.json(self.request(Method::POST, &format!("/peers/{}/freeze", seg(bank))), StatusCode::OK).await
    }

    pub async fn unfreeze_peer(&self, bank: &str) -> Result<PeerView, ClientError> {
        self.json(self.request(Method::POST, &format!("/peers/{}/unfreeze", seg(bank))), StatusCode::OK).await
    }

    pub async fn remove_peer(&self, bank: &str, force: bool) -> Result<PeerView, ClientError> {
        let path = if force { format!("/peers/{}?force=true", seg(bank)) } else { format!("/peers/{}", seg(bank)) };
        self.json(self.request(Method::DELETE, &path), StatusCode::OK).await
    }

    /// A page of transfers with other banks, newest first.
    pub async fn transfers(&self, query: &PageQuery) -> Result<Page<TransferView>, ClientError> {
        self.json(self.request(Method::GET, "/transfers").query(query), StatusCode::OK).await
    }

    /// Every transfer with other banks, newest first, from `query`'s page on.
    pub async fn all_transfers(&self, query: &PageQuery) -> Result<Vec<TransferView>, ClientError> {
        self.follow("/transfers", query).await
    }

    pub async fn transfer(&self, id: &str) -> Result<TransferView, ClientError> {
        self.json(self.request(Method::GET, &format!("/transfers/{}", seg(id))), StatusCode::OK).await
    }

    pub async fn positions(&self) -> Result<Vec<PositionView>, ClientError> {
        self.json(self.request(Method::GET, "/positions"), StatusCode::OK).await
    }

    /// A signed letter introducing member `code` to another bank for a visit.
    pub async fn introduce_member(&self, code: &str, request: &IntroduceRequest) -> Result<LetterView, ClientError> {
        self.json(self.request(Method::POST, &format!("/members/{code}/introduce")).json(request), StatusCode::CREATED).await
    }

    /// Registers a visitor on their home bank's letter of introduction.
    pub async fn add_visitor(&self, visitor: &NewVisitor) -> Result<MemberView, ClientError> {
        self.json(self.request(Method::POST, "/visitors").json(visitor), StatusCode::CREATED).await
    }

    /// Moves member `code` to another bank, where their code is `to`.
    pub async fn move_member(&self, code: &str, to: &str) -> Result<MoveView, ClientError> {
        let request = self.request(Method::POST, &format!("/members/{code}/move")).json(&MoveRequest { to: to.to_string() });
        // 202 when a transfer takes their balance along, 200 when it was nothing.
        self.send(request).await?.decode()
    }

    /// The network's figures for `month` (this month when `None`).
    pub async fn federation_stats(&self, month: Option<&str>) -> Result<FederationStatsView, ClientError> {
        let mut request = self.request(Method::GET, "/federation/stats");
        if let Some(m) = month {
            request = request.query(&[("month", m)]);
        }
        self.json(request, StatusCode::OK).await
    }

    /// The clearings this bank proposed or promised, newest first.
    pub async fn clearings(&self) -> Result<Vec<RingClearingView>, ClientError> {
        self.json(self.request(Method::GET, "/clearing"), StatusCode::OK).await
    }

    /// Proposes clearing every ring of debts through this bank; what was proposed.
    pub async fn run_clearing(&self) -> Result<Vec<RingClearingView>, ClientError> {
        // 202 when something was proposed, 200 when there was nothing to propose.
        self.send(self.request(Method::POST, "/clearing/run")).await?.decode()
    }

    /// The rings of debt between banks that clearing could cancel.
    pub async fn clearing_rings(&self) -> Result<Vec<ClearingRingView>, ClientError> {
        self.json(self.request(Method::GET, "/clearing/rings"), StatusCode::OK).await
    }

    /// The room adverts this bank holds, ours among them.
    pub async fn rooms(&self) -> Result<Vec<RoomAdvertView>, ClientError> {
        self.json(self.request(Method::GET, "/federation/rooms"), StatusCode::OK).await
    }

    /// The path a transfer of `hours` to the bank with `handle` would take.
    pub async fn path(&self, handle: &str, hours: &str) -> Result<PathView, ClientError> {
        let query = PathQuery { to: handle.to_string(), hours: hours.to_string() };
        self.json(self.request(Method::GET, "/federation/path").query(&query), StatusCode::OK).await
    }

    // ------------------------------------------------------------ directory

    /// Shares an open listing in the federation directory under `title`.
    pub async fn share_listing(&self, id: &str, title: &str) -> Result<ListingView, ClientError> {
        let body = ShareListing { title: title.to_string() };
        self.json(self.request(Method::POST, &format!("/listings/{}/share", seg(id))).json(&body), StatusCode::OK).await
    }

    /// Withdraws a listing from the federation directory.
    pub async fn unshare_listing(&self, id: &str) -> Result<ListingView, ClientError> {
        self.json(self.request(Method::POST, &format!("/listings/{}/unshare", seg(id))), StatusCode::OK).await
    }

    /// The listings other banks share that match `search`, and what each bank answered.
    pub async fn directory(&self, search: &DirectorySearch) -> Result<DirectoryView, ClientError> {
        self.json(self.request(Method::GET, "/directory").query(search), StatusCode::OK).await
    }

    // ------------------------------------------------------------ plumbing

    /// Every item of the list at `path`, following `next` from the page
    /// `query` names to the last.
    async fn follow<Q, T>(&self, path: &str, query: &Q) -> Result<Vec<T>, ClientError>
    where
        Q: Paged + Serialize + Clone,
        T: DeserializeOwned,
    {
        let mut query = query.clone();
        let mut sent: Option<String> = None;
        let mut all = Vec::new();
        loop {
            let page: Page<T> = self.json(self.request(Method::GET, path).query(&query), StatusCode::OK).await?;
            all.extend(page.items);
            let Some(next) = page.next else { return Ok(all) };
            check_moved(path, sent.as_deref(), &next)?;
            sent = Some(next.clone());
            query.set_cursor(Some(next));
        }
    }

    fn request(&self, method: Method, path: &str) -> RequestBuilder {
        self.http.request(method, format!("{}{path}", self.base)).header(AUTHORIZATION, self.auth.clone())
    }

    /// Sends `request`, expects `expected`, decodes the answer.
    async fn json<T: DeserializeOwned>(&self, request: RequestBuilder, expected: StatusCode) -> Result<T, ClientError> {
        self.send(request).await?.expect(expected)?.decode()
    }

    /// Sends `request` and reads the answer to its end; a failure the node
    /// reports becomes [`ApiFailure`].
    async fn send(&self, request: RequestBuilder) -> Result<Answer, ClientError> {
        let resp = request.send().await.map_err(|e| {
            if e.is_connect() {
                ClientError::NotRunning(NotRunning(format!(
                    "the node is not answering at {} (is it running? start it with `amser up`)",
                    self.base
                )))
            } else {
                ClientError::Request(e)
            }
        })?;
        let status = resp.status();
        let json = resp.headers().get(CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("application/json"));
        let next = resp.headers().get(NEXT_CURSOR_HEADER).and_then(|v| v.to_str().ok()).map(str::to_string);
        let body: Vec<u8> = resp.bytes().await.map_err(ClientError::Read)?.into();
        if !status.is_success() {
            let failure = match serde_json::from_slice::<ErrorBody>(&body) {
                Ok(ErrorBody { error }) => ApiFailure { code: error.code, message: error.message },
                Err(_) => ApiFailure { code: "error".into(), message: format!("the node answered {status}") },
            };
            return Err(failure.into());
        }
        Ok(Answer { status, json, body, next })
    }
}

impl Answer {
    fn expect(self, expected: StatusCode) -> Result<Answer, ClientError> {
        if self.status == expected {
            Ok(self)
        } else {
            Err(ClientError::UnexpectedStatus { expected, got: self.status })
        }
    }

    fn decode<T: DeserializeOwned>(&self) -> Result<T, ClientError> {
        if !self.json {
            return Err(ClientError::NotJson);
        }
        serde_json::from_slice(&self.body).map_err(|e| match e.classify() {
            serde_json::error::Category::Data => ClientError::UnexpectedAnswer(e),
            _ => ClientError::BadJson(e),
        })
    }
}

/// Refuses a `next` that is the cursor just sent: a list that never moves on.
pub fn check_moved(list: &str, sent: Option<&str>, next: &str) -> Result<(), ClientError> {
    if sent == Some(next) {
        return Err(ClientError::CursorRepeated(list.to_string()));
    }
    Ok(())
}

/// Encodes a path segment (member codes contain ':'; ids typed by people may hold anything).
fn seg(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url<Q: Serialize>(query: &Q) -> String {
        let request = reqwest::Client::new().get("http://127.0.0.1:1/x").query(query);
        request.build().unwrap().url().to_string()
    }

    #[test]
    fn queries_leave_out_what_is_not_asked() {
        assert_eq!(url(&MemberQuery::default()), "http://127.0.0.1:1/x");
        let query = MemberQuery { status: Some("active".into()), skill: Some("dog walking".into()), ..MemberQuery::default() };
        assert_eq!(url(&query), "http://127.0.0.1:1/x?status=active&skill=dog+walking");
        assert_eq!(url(&ListingQuery::default()), "http://127.0.0.1:1/x");
        let query = ListingQuery { kind: Some(amser_protocol::listing::ListingKind::Offer), closed: true, ..ListingQuery::default() };
        assert_eq!(url(&query), "http://127.0.0.1:1/x?kind=offer&closed=true");
        assert_eq!(url(&PageQuery::first(10)), "http://127.0.0.1:1/x?limit=10");
        assert_eq!(url(&PageQuery { cursor: Some("0107".into()), limit: None }), "http://127.0.0.1:1/x?cursor=0107");
    }

    #[test]
    fn a_member_code_is_one_path_segment() {
        assert_eq!(seg("rhymney:7KQ2-M9"), "rhymney%3A7KQ2-M9");
        assert_eq!(seg("a/b c"), "a%2Fb%20c");
    }
}
