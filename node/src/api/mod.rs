//! The local HTTP API (axum), served on 127.0.0.1 by default. JSON in and
//! out; every route needs the bearer token from the data directory; bodies
//! are size-limited; errors are [`ApiError`]s.
//!
//! ```text
//! GET  /api/v1/status
//! GET  /api/v1/members            POST /api/v1/members
//! GET  /api/v1/members/{code}     PATCH /api/v1/members/{code}
//! GET  /api/v1/members/{code}/exchanges
//! POST /api/v1/members/{code}/move   POST /api/v1/members/{code}/introduce   POST /api/v1/visitors
//! GET  /api/v1/exchanges          POST /api/v1/exchanges
//! GET  /api/v1/exchanges/{id}     POST /api/v1/exchanges/{id}/reverse
//! GET  /api/v1/balances           GET  /api/v1/balances/{code}
//! GET  /api/v1/listings           POST /api/v1/listings
//! POST /api/v1/listings/{id}/close   POST /api/v1/listings/{id}/share|unshare
//! GET  /api/v1/directory?q=WORDS&region=REGION
//! GET  /api/v1/report             GET  /api/v1/audit
//! GET  /api/v1/export?format=csv|json
//! GET  /api/v1/peers              POST /api/v1/peers
//! POST /api/v1/peers/{bank}/freeze|unfreeze   DELETE /api/v1/peers/{bank}
//! GET  /api/v1/transfers          GET  /api/v1/transfers/{id}
//! GET  /api/v1/positions
//! GET  /api/v1/clearing/rings
//! GET  /api/v1/clearing
//! POST /api/v1/clearing/run
//! GET  /api/v1/federation/rooms     GET  /api/v1/federation/path?to=HANDLE&hours=H
//! GET  /api/v1/federation/stats?month=YYYY-MM
//! GET  /api/v1/users              POST /api/v1/users
//! POST /api/v1/import/members?format=&dry_run=   POST /api/v1/import/exchanges?format=&dry_run=
//! POST /api/v1/users/{name}/link  POST /api/v1/users/{name}/disable
//! ```
//!
//! Outside `/api/v1` the same listener serves the web console
//! ([`crate::console`]), which signs people in with accounts and cookies
//! instead of the token.
//!
//! Every list answers one bounded page and the cursor of the next
//! (`?cursor=&limit=`; [`crate::model::Page`]); `page` makes and checks the
//! cursors and page sizes.
//!
//! The shapes of every body and answer are in [`crate::model`]; [`client`]
//! is the typed client of these routes (the CLI's and the tests').
//! Handlers, one module per noun: `bank` (status, balances, report, audit,
//! export), `members`, `exchanges`, `listings`, `directory` (the federation
//! directory: searching other banks' shared listings, sharing ours), `peers` (peers, transfers,
//! positions), `region` (room adverts held, the path a transfer would
//! take), `clearing` (rings of debts proposed and cleared), `figures` (the
//! network's signed figures for a month), `users` (the console's accounts), `import` (a CSV file from
//! TimeOverflow or the generic layout; the console's import page uses it
//! too); `error` turns every failure into one JSON error body.

mod bank;
mod clearing;
pub mod client;
mod directory;
mod error;
mod exchanges;
mod figures;
pub mod import;
mod listings;
mod members;
mod page;
mod peers;
mod region;
mod users;

use std::sync::Arc;

use amser_protocol::BankId;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;

pub use error::{ApiError, Body, Params};

use crate::clock::Clock;
use crate::storage::store::Store;
use crate::storage::writer::LedgerHandle;

/// Who recorded an exchange made through the API with the coordinator's token.
pub const COORDINATOR: &str = "coordinator";

/// Everything a handler needs. Cloned for every request (by the token
/// check and the handler), so it is one `Arc`: a clone is one atomic add.
#[derive(Clone)]
pub struct AppState(Arc<Shared>);

/// What [`AppState`] shares; its fields read through `state.<field>`.
pub struct Shared {
    pub ledger: LedgerHandle,
    /// blake3 of the token: comparing hashes is constant-time (blake3::Hash's `==`).
    token_hash: blake3::Hash,
    pub clock: Arc<dyn Clock>,
    pub max_body_bytes: usize,
    /// The API's rate limit (one bucket for the whole node), if on.
    rate: Option<governor::DefaultDirectRateLimiter>,
    pub bank: BankId,
    pub federation: crate::federation::FederationHandle,
    /// The console's accounts, sessions and sign-in throttle.
    pub accounts: Arc<crate::accounts::AccountBook>,
    /// Exchanges members recorded, waiting for confirmation.
    pub proposals: Arc<crate::accounts::ProposalBook>,
    /// `[policy] who_records`.
    pub who_records: crate::model::WhoRecords,
    pub sessions: crate::accounts::Sessions,
    pub throttle: crate::accounts::Throttle,
    pub submitted: crate::accounts::Submitted,
    /// Mark console cookies `Secure` (`[api] behind_tls`).
    pub secure_cookies: bool,
}

impl std::ops::Deref for AppState {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What the console keeps of its own in the data directory, and its policy.
pub struct ConsoleFiles {
    pub accounts: Arc<crate::accounts::AccountBook>,
    pub proposals: Arc<crate::accounts::ProposalBook>,
    pub who_records: crate::model::WhoRecords,
}

impl AppState {
    pub fn new(
        ledger: LedgerHandle,
        token: &str,
        clock: Arc<dyn Clock>,
        config: &crate::config::ApiConfig,
        bank: BankId,
        federation: crate::federation::FederationHandle,
        console: ConsoleFiles,
    ) -> Self {
        let rate = std::num::NonZeroU32::new(config.rate_per_second).map(|per_second| {
            let burst = std::num::NonZeroU32::new(config.rate_burst).unwrap_or(per_second).max(per_second);
            governor::RateLimiter::direct(governor::Quota::per_second(per_second).allow_burst(burst))
        });
        let token_hash = blake3::hash(token.as_bytes());
        AppState(Arc::new(Shared {
            ledger,
            token_hash,
            clock,
            max_body_bytes: config.max_body_bytes,
            rate,
            bank,
            federation,
            accounts: console.accounts,
            proposals: console.proposals,
            who_records: console.who_records,
            sessions: Default::default(),
            throttle: Default::default(),
            submitted: Default::default(),
            secure_cookies: config.behind_tls,
        }))
    }

    /// Runs a read of committed state off the async threads. It sees every
    /// change acknowledged before it started (read-your-writes): sled may lag
    /// the journal by a few batches, so it first waits (at most
    /// [`crate::storage::applier::MAX_READ_WAIT`]) for sled to catch up.
    pub async fn read<T: Send + 'static>(&self, f: impl FnOnce(&Store) -> Result<T, ApiError> + Send + 'static) -> Result<T, ApiError> {
        self.ledger.read(f).await?
    }

    /// The members' keys, to open what is sealed for people to read.
    pub fn keys(&self) -> std::sync::Arc<crate::storage::keys::KeyRing> {
        self.ledger.keys().clone()
    }
}

/// Answers 429, with how long to wait, when requests come faster than
/// `[api] rate_per_second` (beyond the burst). Before the token check, so a
/// flood of wrong tokens is slowed down too.
async fn rate_limit(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(limiter) = &state.rate else { return next.run(request).await };
    match limiter.check() {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(governor::clock::Clock::now(&governor::clock::DefaultClock::default()));
            let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
            let error = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many requests at once; wait {seconds} s and send again (the limit is set by [api] rate_per_second)"),
            );
            let mut response = axum::response::IntoResponse::into_response(error);
            if let Ok(v) = header::HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response
        }
    }
}

async fn require_token(State(state): State<AppState>, request: Request, next: Next) -> Result<Response, ApiError> {
    let given = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "missing_token",
            "this request needs the node's API token: send 'Authorization: Bearer <token>' with the token from the file api-token in the data directory",
        )),
        Some(token) if blake3::hash(token.trim().as_bytes()) == state.token_hash => Ok(next.run(request).await),
        Some(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "wrong_token", "the API token is not right; use the token from the file api-token in this node's data directory")),
    }
}

/// `/api/<anything but v1>`: a JSON 404, with or without a token.
async fn not_found_without_token() -> ApiError {
    not_found().await
}

async fn not_found() -> ApiError {
    ApiError::not_found("no_such_route", "there is no such API route; the README lists the routes")
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "this route does not take that method; the README lists each route's methods",
    )
}

pub fn router(state: AppState) -> Router {
    let max_body = state.max_body_bytes;
    let api = Router::new()
        .route("/status", get(bank::status))
        .route("/members", get(members::list).post(members::add))
        .route("/members/{code}", get(members::show).patch(members::update))
        .route("/members/{code}/exchanges", get(members::exchanges))
        .route("/members/{code}/export", get(members::export))
        .route("/members/{code}/erase", post(members::erase))
        .route("/members/{code}/move", post(members::move_to))
        .route("/members/{code}/introduce", post(members::introduce))
        .route("/visitors", post(members::add_visitor))
        .route("/exchanges", get(exchanges::list).post(exchanges::record))
        .route("/exchanges/{id}", get(exchanges::show))
        .route("/exchanges/{id}/reverse", post(exchanges::reverse))
        .route("/balances", get(bank::balances))
        .route("/balances/{code}", get(bank::balance))
        .route("/listings", get(listings::list).post(listings::post))
        .route("/listings/{id}/close", post(listings::close))
        .route("/listings/{id}/share", post(directory::share))
        .route("/listings/{id}/unshare", post(directory::unshare))
        .route("/directory", get(directory::search))
        .route("/report", get(bank::report))
        .route("/audit", get(bank::audit))
        .route("/export", get(bank::export))
        .route("/peers", get(peers::list).post(peers::add))
        .route("/peers/{bank}", axum::routing::delete(peers::remove))
        .route("/peers/{bank}/freeze", post(peers::freeze))
        .route("/peers/{bank}/unfreeze", post(peers::unfreeze))
        .route("/transfers", get(peers::transfers))
        .route("/positions", get(peers::positions))
        .route("/clearing/rings", get(peers::clearing_rings))
        .route("/clearing", get(clearing::list))
        .route("/clearing/run", post(clearing::run))
        .route("/federation/rooms", get(region::rooms))
        .route("/federation/path", get(region::path))
        .route("/federation/stats", get(figures::stats))
        .route("/transfers/{id}", get(peers::transfer))
        .route("/users", get(users::list).post(users::add))
        .route("/users/{name}/link", post(users::new_link))
        .route("/users/{name}/disable", post(users::disable))
        .route("/import/members", post(import::members).layer(DefaultBodyLimit::max(import::MAX_IMPORT_BODY_BYTES)))
        .route("/import/exchanges", post(import::exchanges).layer(DefaultBodyLimit::max(import::MAX_IMPORT_BODY_BYTES)))
        .method_not_allowed_fallback(method_not_allowed)
        .fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), require_token));
    Router::new()
        .nest("/api/v1", api)
        .route("/api/{*rest}", axum::routing::any(not_found_without_token))
        .merge(crate::console::router())
        .fallback(crate::console::not_found)
        .layer(middleware::from_fn_with_state(state.clone(), rate_limit))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(state)
}
