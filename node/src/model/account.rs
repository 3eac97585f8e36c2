//! The console's accounts as the API shows them (`/api/v1/users`), for
//! `amser user add|list|link|disable`. A password hash never leaves the node.

use amser_protocol::MemberCode;
use serde::{Deserialize, Serialize};

/// `POST /users`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAccount {
    pub name: String,
    /// coordinator, viewer or member.
    pub role: String,
    /// The member whose account it is (role member only).
    #[serde(default)]
    pub member: Option<String>,
}

/// `POST /users/{name}/disable`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DisableAccount {
    pub disabled: bool,
}

/// One account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    pub name: String,
    pub role: String,
    pub member: Option<MemberCode>,
    pub disabled: bool,
    /// Whether its person has set a password yet.
    pub has_password: bool,
    /// en or cy, if they chose one.
    pub language: Option<String>,
}

/// An account with a fresh one-time sign-in link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountLink {
    pub account: AccountView,
    /// The link's path on the node's address (`/welcome/<token>`): hand it to its person once.
    pub link_path: String,
    /// When the link stops working (unix ms).
    pub expires_ms: u64,
}
