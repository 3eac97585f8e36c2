//! The request-response codec for direct requests between banks: a postcard
//! body behind a 4-byte length, a size cap checked before reading, and a
//! deadline on every read. It lives in `amser-wire` ([`amser_wire::codec`]),
//! so the fuzz targets run this same code without building the node.

pub use amser_wire::codec::{CodecError, PeerCodec, LENGTH_BYTES, PEER_PROTOCOL, READ_DEADLINE};
