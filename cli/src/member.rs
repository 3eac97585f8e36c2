//! `amser member`: the register (add, list, show, set).

use amser_node::api::client::Client;
use amser_node::model::{EraseRequest, IntroduceRequest, MemberPatch, MemberQuery, MemberView, NewMember, NewVisitor, PageQuery};
use amser_protocol::{MemberKind, MemberStatus};

use crate::args::{MemberCmd, ProfileArgs};
use crate::output::member::MemberShown;
use crate::output::{self, Out};

/// Exchanges `amser member show` lists under the member.
const RECENT_EXCHANGES: usize = 10;

pub async fn run(cmd: MemberCmd, client: &Client, out: &Out) -> anyhow::Result<()> {
    match cmd {
        MemberCmd::Add { name, kind, profile, joined } => {
            let kind: MemberKind = kind.parse().map_err(anyhow::Error::msg)?;
            let Profile { contact, skills_offered, needs, availability, special_needs } = Profile::from(profile);
            let new = NewMember {
                joined,
                contact: contact.unwrap_or_default(),
                skills_offered: skills_offered.unwrap_or_default(),
                needs: needs.unwrap_or_default(),
                availability: availability.unwrap_or_default(),
                special_needs: special_needs.unwrap_or_default(),
                ..NewMember::new(name, kind)
            };
            out.print(&client.add_member(&new).await?, output::member::added);
        }
        MemberCmd::List { status, kind, skill, page } => {
            let one_page = page.one_page();
            let query = MemberQuery { status, kind, skill, cursor: page.cursor, limit: page.limit };
            if one_page {
                out.print_page(&client.members(&query).await?, output::member::members);
            } else {
                out.print(&client.all_members(&query).await?, |list| output::member::members(list));
            }
        }
        MemberCmd::Show { code } => {
            let member = client.member(&code).await?;
            let recent_exchanges = client.member_exchanges(&code, &PageQuery::first(RECENT_EXCHANGES)).await?.items;
            out.print(&MemberShown { member, recent_exchanges }, output::member::member);
        }
        MemberCmd::Export { code } => {
            out.print(&client.member_export(&code).await?, output::member::export);
        }
        MemberCmd::Move { code, to, export } => {
            if let Some(file) = export {
                // Their history first: if the move is then refused, they still have it.
                let record = client.member_export(&code).await?;
                let text = serde_json::to_string_pretty(&record)?;
                std::fs::write(&file, text).map_err(|e| anyhow::anyhow!("could not write {}: {e}; nothing was moved", file.display()))?;
            }
            out.print(&client.move_member(&code, &to).await?, output::member::moved);
        }
        MemberCmd::Introduce { code, to, until, checks_done, out: file } => {
            let letter = client.introduce_member(&code, &IntroduceRequest { to, until, checks_done }).await?;
            match file {
                Some(path) => {
                    std::fs::write(&path, format!("{}\n", letter.letter))
                        .map_err(|e| anyhow::anyhow!("could not write {}: {e}", path.display()))?;
                    out.print(&letter, |l| {
                        format!("Wrote the letter for {} (valid until {}) to {}", l.visit.home_code, l.visit.valid_until, path.display())
                    });
                }
                None => out.print(&letter, |l| l.letter.clone()),
            }
        }
        MemberCmd::Visit { letter, name, contact } => {
            let text = std::fs::read_to_string(&letter).map_err(|e| anyhow::anyhow!("could not read {}: {e}", letter.display()))?;
            let visitor = client.add_visitor(&NewVisitor { letter: text.trim().to_string(), name, contact }).await?;
            out.print(&visitor, |m| {
                let v = m.visiting.as_ref();
                format!(
                    "Registered {} ({}) as a visitor: {} at their home bank, until {}{}",
                    m.name,
                    m.code,
                    v.map_or("?", |v| v.home_code.as_str()),
                    v.map_or("?", |v| v.valid_until.as_str()),
                    if v.is_some_and(|v| v.checks_done) {
                        "; its safeguarding checks are done"
                    } else {
                        "; its safeguarding checks are not done"
                    }
                )
            });
        }
        MemberCmd::Erase { code, reason, yes } => {
            let member = client.member(&code).await?;
            if !yes && !confirmed(&member)? {
                anyhow::bail!("nothing was erased: the code typed did not match {}", member.code);
            }
            out.print(&client.erase_member(&code, &EraseRequest { reason }).await?, output::member::erased);
        }
        MemberCmd::Set { code, name, status, profile } => {
            let status: Option<MemberStatus> = status.as_deref().map(str::parse).transpose().map_err(anyhow::Error::msg)?;
            let Profile { contact, skills_offered, needs, availability, special_needs } = Profile::from(profile);
            let patch = MemberPatch { name, status, contact, skills_offered, needs, availability, special_needs, ..MemberPatch::default() };
            if patch == MemberPatch::default() {
                anyhow::bail!(
                    "nothing to change: give at least one of --name, --status, --contact, --skills, --needs, --availability, --special-needs"
                );
            }
            out.print(&client.update_member(&code, &patch).await?, output::member::updated);
        }
    }
    Ok(())
}

/// Asks on the terminal for the member's code, as a check that the right
/// member is being erased.
fn confirmed(member: &MemberView) -> anyhow::Result<bool> {
    eprintln!(
        "This destroys the personal data of {} ({}) beyond recovery: name, contact, skills, needs, notes.\nTheir code and balance stay. Type their code to confirm:",
        member.name, member.code
    );
    let mut typed = String::new();
    std::io::stdin().read_line(&mut typed)?;
    Ok(typed.trim().eq_ignore_ascii_case(member.code.as_str()))
}

/// The profile options as given: lists trimmed, empty items dropped.
struct Profile {
    contact: Option<String>,
    skills_offered: Option<Vec<String>>,
    needs: Option<Vec<String>>,
    availability: Option<String>,
    special_needs: Option<String>,
}

impl From<ProfileArgs> for Profile {
    fn from(p: ProfileArgs) -> Self {
        let trim = |v: Vec<String>| v.into_iter().map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect::<Vec<_>>();
        Profile {
            contact: p.contact,
            skills_offered: p.skills.map(trim),
            needs: p.needs.map(trim),
            availability: p.availability,
            special_needs: p.special_needs,
        }
    }
}
