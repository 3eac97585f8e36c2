//! `GET /metrics` on a listener of its own (`[metrics] listen`), behind a
//! token of its own (`metrics-token` in the data directory).
//!
//! ```text
//!  Prometheus ──Bearer <metrics-token>──► [metrics] listen ──► /metrics ──► scrape.rs
//!  API client ──Bearer <api-token>──────► [api] listen ──► /api/v1, console  (no /metrics there)
//! ```
//!
//! Its own listener, so a monitoring server can be let reach it (a port on
//! a private network, a container's published port) without reaching the
//! API or the console, and a scrape never spends the API's rate limit. Its
//! own token, so the credential in the monitoring server's settings can
//! read numbers and do nothing else: the API token records exchanges.

use std::net::SocketAddr;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::{watch, Semaphore};

use super::scrape::{self, Sources};
use crate::api::ApiError;
use crate::datadir::{DataDir, DataDirError};

/// Scrapes answered at once; past this a scrape is answered 503 at once
/// (a monitoring server scrapes every few seconds: more is a loop gone wrong).
pub const MAX_SCRAPES_AT_ONCE: usize = 4;

/// The OpenMetrics text format, which Prometheus reads.
pub const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

#[derive(Debug, Error)]
pub enum MetricsError {
    #[error("could not listen for metrics on {addr}: {reason}. Is another program using that port? Choose another with [metrics] listen in config.toml (or amser up --metrics-listen)")]
    Listen { addr: SocketAddr, reason: String },
    #[error(transparent)]
    Token(#[from] DataDirError),
}

/// The endpoint, serving until the node stops.
pub struct Serving {
    /// Where it listens (as bound: port 0 becomes a real port).
    pub addr: SocketAddr,
    pub task: tokio::task::JoinHandle<()>,
}

struct Shared {
    sources: Sources,
    /// blake3 of the token: comparing hashes is constant-time (blake3::Hash's `==`).
    token_hash: blake3::Hash,
    scrapes: Semaphore,
}

/// Makes the token if there is none yet, listens on `addr` and serves
/// until `stop` turns true.
pub async fn start(addr: SocketAddr, dir: &DataDir, sources: Sources, mut stop: watch::Receiver<bool>) -> Result<Serving, MetricsError> {
    let token = dir.metrics_token_or_create()?;
    let listen_failed = |e: std::io::Error| MetricsError::Listen { addr, reason: e.to_string() };
    let listener = TcpListener::bind(addr).await.map_err(listen_failed)?;
    let bound = listener.local_addr().map_err(listen_failed)?;
    let shared = Arc::new(Shared { sources, token_hash: blake3::hash(token.as_bytes()), scrapes: Semaphore::new(MAX_SCRAPES_AT_ONCE) });
    let router = Router::new().route("/metrics", get(metrics)).fallback(not_found).with_state(shared);
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = stop.wait_for(|s| *s).await;
        };
        if let Err(e) = axum::serve(listener, router).with_graceful_shutdown(stopped).await {
            tracing::error!(error = %e, "the metrics endpoint stopped");
        }
    });
    Ok(Serving { addr: bound, task })
}

async fn metrics(State(shared): State<Arc<Shared>>, headers: HeaderMap) -> Result<Response, ApiError> {
    let given = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).and_then(|v| v.strip_prefix("Bearer "));
    match given {
        None => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "missing_token",
                "this needs the node's metrics token: send 'Authorization: Bearer <token>' with the token from the file metrics-token in the data directory",
            ))
        }
        Some(token) if blake3::hash(token.trim().as_bytes()) == shared.token_hash => {}
        Some(_) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "wrong_token",
                "the metrics token is not right; use the token from the file metrics-token in this node's data directory (the API token does not open /metrics)",
            ))
        }
    }
    let Ok(_scraping) = shared.scrapes.try_acquire() else {
        return Err(ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "busy",
            format!("{MAX_SCRAPES_AT_ONCE} scrapes are being answered already; scrape again in a moment"),
        ));
    };
    let gauges = scrape::gauges(&shared.sources).await;
    let text = scrape::render(shared.sources.ledger.counters(), &shared.sources.net.gossip, &gauges);
    Ok(([(header::CONTENT_TYPE, CONTENT_TYPE)], text).into_response())
}

async fn not_found() -> ApiError {
    ApiError::not_found("no_such_route", "this listener serves GET /metrics only")
}
