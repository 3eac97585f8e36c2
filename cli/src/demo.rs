//! `amser demo`: a sample bank (Rhymney) with people, an agency, a group
//! event and listings, so a first look shows something real.

use amser_node::ledger::{Command, LedgerRead};
use amser_node::writer::{Ledger, Reply};
use amser_protocol::listing::ListingKind;
use amser_protocol::member::MemberProfile;
use amser_protocol::{MemberCode, MemberKind, Minutes};

fn profile(name: &str, kind: MemberKind, skills: &[&str], needs: &[&str]) -> MemberProfile {
    MemberProfile {
        name: name.into(),
        kind,
        contact: String::new(),
        skills_offered: skills.iter().map(|s| s.to_string()).collect(),
        needs: needs.iter().map(|s| s.to_string()).collect(),
        availability: "weekday mornings".into(),
        special_needs: String::new(),
        own_limits: None,
    }
}

async fn add(ledger: &Ledger, p: MemberProfile) -> anyhow::Result<MemberCode> {
    match ledger.submit(Command::AddMember { profile: p, joined: None }).await? {
        Reply::Member(m) => Ok(m.code),
        other => anyhow::bail!("unexpected reply {other:?}"),
    }
}

async fn exchange(ledger: &Ledger, from: &[&MemberCode], to: &[&MemberCode], minutes: i64, category: &str, note: &str) -> anyhow::Result<()> {
    ledger
        .submit(Command::RecordExchange {
            providers: from.iter().map(|c| (*c).clone()).collect(),
            receivers: to.iter().map(|c| (*c).clone()).collect(),
            minutes_each: Minutes(minutes),
            category: category.into(),
            note: note.into(),
            date: None,
            recorded_by: "coordinator".into(),
            client_ref: Some(format!("demo-{category}-{minutes}-{}", from.len() + to.len())),
        })
        .await?;
    Ok(())
}

/// Adds the sample members and exchanges, once (skipped if members exist).
pub async fn seed(ledger: &Ledger) -> anyhow::Result<()> {
    let store = ledger.store().clone();
    if tokio::task::spawn_blocking(move || store.member_count()).await?? > 0 {
        return Ok(());
    }
    let mair = add(ledger, profile("Mair Jones", MemberKind::Person, &["gardening", "baking"], &["lifts to town"])).await?;
    let gwen = add(ledger, profile("Gwen Davies", MemberKind::Person, &["lifts to town", "dog walking"], &["gardening"])).await?;
    let dafydd = add(ledger, profile("Dafydd Evans", MemberKind::Person, &["computer help", "welsh lessons"], &[])).await?;
    let youth = add(ledger, profile("Rhymney Youth Centre", MemberKind::Agency, &["meeting room"], &["volunteers for homework club"])).await?;
    let band = add(ledger, profile("Cwm Jazz Band", MemberKind::Group, &["live music"], &[])).await?;
    exchange(ledger, &[&mair], &[&gwen], 120, "gardening", "Front garden weeded").await?;
    exchange(ledger, &[&gwen], &[&mair], 60, "transport", "Lift to the surgery").await?;
    exchange(ledger, &[&dafydd], &[&youth], 180, "education", "Homework club").await?;
    exchange(ledger, &[&band], &[&mair, &gwen, &dafydd], 90, "music", "Jazz afternoon at the centre").await?;
    for (kind, who, cat, text) in [
        (ListingKind::Offer, &mair, "gardening", "Can help with weeding and planting"),
        (ListingKind::Request, &youth, "education", "Volunteers for Tuesday homework club"),
        (ListingKind::Offer, &dafydd, "computers", "Help with phones, tablets and email"),
    ] {
        ledger.submit(Command::PostListing { kind, member: who.clone(), category: cat.into(), description: text.into() }).await?;
    }
    Ok(())
}
