//! API errors: every failure is JSON `{"error": {"code", "message"}}`
//! ([`ErrorBody`]) with a stable code for programs and a message a
//! coordinator can act on.

use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::de::DeserializeOwned;

use crate::ledger::LedgerError;
use crate::model::{ErrorBody, ErrorDetail};
use crate::storage::store::StoreError;

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into() }
    }
    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }
    pub fn not_found(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, code, message)
    }
    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "internal", message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = ErrorBody { error: ErrorDetail { code: self.code.to_string(), message: self.message } };
        (self.status, Json(body)).into_response()
    }
}

impl From<LedgerError> for ApiError {
    fn from(e: LedgerError) -> Self {
        let status = match &e {
            LedgerError::UnknownMember(_) | LedgerError::UnknownExchange(_) | LedgerError::UnknownListing(_) => StatusCode::NOT_FOUND,
            LedgerError::BelowFloor { .. }
            | LedgerError::AboveCeiling { .. }
            | LedgerError::AlreadyReversed(_)
            | LedgerError::ListingClosed(_)
            | LedgerError::MemberNotActive { .. }
            | LedgerError::AlreadyOpen
            | LedgerError::TransfersInFlight { .. } => StatusCode::CONFLICT,
            LedgerError::DiskFull(_) => StatusCode::INSUFFICIENT_STORAGE,
            LedgerError::Storage(_)
            | LedgerError::Corrupt(_)
            | LedgerError::ReadOnly(_)
            | LedgerError::BehindPeers { .. }
            | LedgerError::ForkedFromPeers { .. }
            | LedgerError::AskingPeers { .. } => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        };
        ApiError::new(status, e.code(), e.to_string())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "storage_failed", e.to_string())
    }
}

/// A JSON body whose every failure (syntax, missing field, wrong type, too
/// large) becomes an [`ApiError`] that says what to fix.
pub struct Body<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for Body<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Body(v)),
            Err(rejection) => Err(from_rejection(rejection)),
        }
    }
}

fn from_rejection(rejection: JsonRejection) -> ApiError {
    match rejection {
        JsonRejection::JsonDataError(e) => {
            ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "bad_field", format!("the request's fields are not right: {}", e.body_text()))
        }
        JsonRejection::JsonSyntaxError(e) => {
            ApiError::bad_request("bad_json", format!("the request body is not valid JSON: {}", e.body_text()))
        }
        JsonRejection::MissingJsonContentType(_) => {
            ApiError::new(StatusCode::UNSUPPORTED_MEDIA_TYPE, "not_json", "send the body as JSON with 'Content-Type: application/json'")
        }
        JsonRejection::BytesRejection(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "body_too_large",
            "the request body is larger than this node accepts; send less (the limit is set by [api] max_body_bytes)",
        ),
        other => ApiError::bad_request("bad_body", other.body_text()),
    }
}

/// Query parameters whose failures become an [`ApiError`] that says what to fix.
pub struct Params<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> axum::extract::FromRequestParts<S> for Params<T> {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut axum::http::request::Parts, state: &S) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(v)) => Ok(Params(v)),
            Err(rejection) => {
                Err(ApiError::bad_request("bad_query", format!("the query parameters are not right: {}", rejection.body_text())))
            }
        }
    }
}
