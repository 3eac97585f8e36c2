//! The members a bench phase records between: agencies added over the API
//! with their own limits far from anything the bench reaches, so that no
//! exchange is refused for a floor or a ceiling.

use amser_node::api::client::Client;
use amser_node::model::{LimitsView, NewMember};
use amser_protocol::MemberKind;
use anyhow::{Context, Result};

/// Each seeded agency's floor and ceiling, in minutes (a million hours).
const LIMIT_MINUTES: i64 = 60_000_000;

/// Adds `count` agencies named after `prefix`; their member codes.
pub async fn seed(api: &Client, prefix: &str, count: usize) -> Result<Vec<String>> {
    let mut codes = Vec::with_capacity(count);
    for i in 0..count {
        let name = format!("{prefix} agency {i}");
        let new = NewMember {
            own_limits: Some(LimitsView { floor_minutes: -LIMIT_MINUTES, ceiling_minutes: LIMIT_MINUTES }),
            ..NewMember::new(name.as_str(), MemberKind::Agency)
        };
        let member = api.add_member(&new).await.with_context(|| format!("adding member {name}"))?;
        codes.push(member.code.to_string());
    }
    Ok(codes)
}

/// `count` pairs of new agencies (each pair records between its two).
pub async fn seed_pairs(api: &Client, prefix: &str, count: usize) -> Result<Vec<(String, String)>> {
    let codes = seed(api, prefix, 2 * count).await?;
    Ok(codes.chunks(2).map(|p| (p[0].clone(), p[1].clone())).collect())
}
