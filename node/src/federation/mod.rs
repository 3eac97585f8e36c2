//! The bank's side of the federation: the libp2p swarm and the driver that
//! turns what peers say into ledger commands and back.
//!
//! - [`swarm`]: the task that owns the libp2p `Swarm` (allow list, gossip,
//!   request-response, Kademlia, mDNS) and its [`codec`] for direct requests;
//!   [`scoring`]: gossip peer scoring, the flood gauge and the backoff of a
//!   peer kept out for bad gossip.
//! - [`driver`]: the event loop between the swarm and the ledger, and the
//!   answers to peers' requests; its parts: `delivery` (our pending
//!   transfers to their payee banks, with backoff), `fresh` (transfers just
//!   recorded, sent at once without reading the state), `catch_up` (reading
//!   peers' public logs), `gossip` (heads, statements, evidence),
//!   `inbound` (peers' requests answered concurrently, bounded per bank),
//!   `head_check` (our journal against the newest head of ours each peer
//!   holds, before we gossip one), `opening` (after a start, new work waits
//!   until admitted peers have answered that check) and `recall` (reading
//!   back from peers, after a lost disk, what we had signed with them).
//! - `log_chain`: our public log's pages signed at both ends for the banks
//!   that ask, and each page of another bank's checked against its chain.
//! - `statements`: other banks' statements as they arrive: settling our
//!   transfers, comparing decisions (two verdicts are evidence), keeping pairs.
//! - [`pairing`]: other banks' statements kept only as decided pairs.
//! - [`vouching`]: who the federation is for us: admitted banks and the third
//!   parties they vouch for, bounded; gossip is heard only from them.
//! - [`positions`]: the hours between every pair of banks, from what is kept.
//! - [`room_book`]: the newest signed room advert of each bank known, the
//!   room on every line for path finding; `advertising` signs ours, takes
//!   others' from gossip and from peers' `Rooms` answers, and answers them.
//! - [`figures`]: our monthly figures signed (gossiped every few minutes,
//!   and given to peers that ask) and other banks' taken when verified;
//!   [`figures_book`] holds them for `GET /federation/stats`.
//! - [`directory`]: the federation directory: our shared listings for an
//!   admitted bank's `DirectorySearch`, and a search asked of every
//!   connected admitted bank at once.

mod advertising;
mod catch_up;
pub mod codec;
mod delivery;
pub mod directory;
pub mod driver;
pub mod figures;
pub mod figures_book;
mod fresh;
mod gossip;
mod head_check;
mod inbound;
mod log_chain;
mod opening;
pub mod pairing;
pub mod positions;
mod recall;
pub mod room_book;
pub mod scoring;
mod statements;
pub mod swarm;
pub mod vouching;

pub use driver::{start, FederationHandle, PeerPresence, Settings};
