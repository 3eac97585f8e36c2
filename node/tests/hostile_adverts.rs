//! Room adverts from a hostile admitted bank: Rhymney admitted Mallory,
//! which answers Rhymney's requests for adverts with more than an answer
//! may carry, an advert of Gwynedd's under its own signature and one whose
//! number it changed after signing, and gossips that tampered one too.
//! Rhymney takes Mallory's own advert and those of the banks it lists, no
//! more of an answer than the bound, and nothing forged; removing Mallory
//! forgets all of it. (That one admitted bank fills only its own share of
//! banks reached is `vouching`'s unit test.)

mod common;

use std::time::{Duration, Instant};

use amser_node::federation::room_book::RoomBook;
use amser_node::federation::swarm::NetEvent;
use amser_node::ledger::Command;
use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_ROOMS_BATCH};
use amser_protocol::room::{LineRoom, RoomOnLine};
use amser_protocol::signing::{bank_id, MessageKind, SignedMessage};
use amser_protocol::{BankId, Minutes};
use common::{admit_peer, bank_at_the_wire, init_rhymney, sign_in_federation, start_node, GWYNEDD, MALLORY};
use ed25519_dalek::SigningKey;

/// Most time any condition below may take: a request on loopback takes far less.
const DEADLINE: Duration = Duration::from_secs(30);
/// Between two looks at a condition (an in-process read).
const POLL: Duration = Duration::from_millis(50);
/// How many banks Mallory invents and lists.
const INVENTED: u32 = 30;

fn advert(key: &SigningKey, handle: &str, lines: Vec<RoomOnLine>, at_ms: u64) -> SignedMessage {
    let room = LineRoom { bank: bank_id(key), handle: handle.parse().unwrap(), lines, at_ms };
    sign_in_federation(key, MessageKind::LineRoom, room.encode().unwrap())
}

fn invented(n: u32) -> SigningKey {
    let mut seed = [9; 32];
    seed[..4].copy_from_slice(&n.to_le_bytes());
    SigningKey::from_bytes(&seed)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis() as u64
}

fn book(node: &amser_node::Node) -> RoomBook {
    node.federation.rooms.read().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mallorys_forged_adverts_are_kept_by_no_one_and_an_answer_is_taken_only_up_to_its_bound() {
    let dir = tempfile::tempdir().unwrap();
    let node = start_node(&init_rhymney(dir.path()).await).await;
    let mallory = SigningKey::from_bytes(&MALLORY.seed);
    let gwynedd = SigningKey::from_bytes(&GWYNEDD.seed);
    node.ledger().submit(admit_peer(bank_id(&mallory), MALLORY.handle, 10)).await.unwrap();
    node.federation.poke();
    let (net, mut events) = bank_at_the_wire(MALLORY.seed, &node).await;
    let at = now_ms();

    // Mallory lists thirty banks it invented, each with a well-signed advert of its own.
    let line = |bank: BankId| RoomOnLine { peer: bank, minutes: Minutes(600) };
    let mut listed: Vec<BankId> = (0..INVENTED).map(|n| bank_id(&invented(n))).collect();
    listed.sort();
    let own = advert(&mallory, MALLORY.handle, listed.iter().copied().map(line).collect(), at);
    // Gwynedd's advert signed by Mallory, and Mallory's own with a number changed after signing.
    let gwynedds = LineRoom { bank: bank_id(&gwynedd), handle: GWYNEDD.handle.parse().unwrap(), lines: vec![], at_ms: at };
    let forged = sign_in_federation(&mallory, MessageKind::LineRoom, gwynedds.encode().unwrap());
    let mut tampered = advert(&mallory, MALLORY.handle, vec![line(bank_id(&gwynedd))], at + 1);
    let near_end = tampered.envelope.len() - 10;
    tampered.envelope[near_end] ^= 0x01;
    let mut answer = vec![forged, tampered.clone(), own];
    answer.extend((0..INVENTED).map(|n| advert(&invented(n), "invented", vec![], at)));
    assert!(answer.len() > MAX_ROOMS_BATCH as usize, "more than an answer may carry");

    // Rhymney asks on connecting, and again soon after, since the first answer reached new banks.
    let deadline = Instant::now() + DEADLINE;
    let mut answered = 0;
    while answered < 2 {
        assert!(Instant::now() < deadline, "Rhymney did not ask Mallory for its adverts twice");
        let _ = net.publish(tampered.to_bytes().unwrap()).await;
        let Ok(event) = tokio::time::timeout(POLL, events.recv()).await else { continue };
        if let NetEvent::Request { request, channel, .. } = event.expect("network up") {
            let reply = match request {
                PeerRequest::Rooms { max } => {
                    assert!(max <= MAX_ROOMS_BATCH, "Rhymney asks within the bound");
                    answered += 1;
                    PeerResponse::Rooms { adverts: answer.clone() }
                }
                _ => PeerResponse::Unknown,
            };
            net.respond(channel, reply).await.unwrap();
        }
    }
    let start = Instant::now();
    let taken = MAX_ROOMS_BATCH as usize - 3;
    let others = |book: &RoomBook| book.all().keys().filter(|b| **b != node.bank && **b != bank_id(&mallory)).count();
    while others(&book(&node)) < taken {
        assert!(start.elapsed() < DEADLINE, "Rhymney never took the invented banks' adverts Mallory listed");
        tokio::time::sleep(POLL).await;
    }
    let held = book(&node);
    assert_eq!(others(&held), taken, "only the first {} adverts of an answer are read", MAX_ROOMS_BATCH);
    assert_eq!(held.get(&bank_id(&mallory)).map(|h| h.advert.at_ms), Some(at), "the tampered, newer advert was not taken");
    assert!(held.get(&bank_id(&gwynedd)).is_none(), "Gwynedd's name under Mallory's key is nobody's advert");

    // Removing Mallory forgets every advert reached only through it.
    let removed = amser_node::ledger::PeerChanges { removed: Some(true), ..Default::default() };
    node.ledger().submit(Command::UpdatePeer { bank: bank_id(&mallory), changes: removed }).await.unwrap();
    node.federation.poke();
    let start = Instant::now();
    while book(&node).all().keys().any(|b| *b != node.bank) {
        assert!(start.elapsed() < DEADLINE, "Rhymney kept adverts of banks no admitted bank reaches");
        tokio::time::sleep(POLL).await;
    }
    node.shutdown().await;
}
