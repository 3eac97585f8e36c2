//! The node's request-response codec (`amser_wire::codec::PeerCodec`, which
//! the node re-exports as `amser_node::federation::codec::PeerCodec`) reading
//! what a peer sends on a stream: the first input byte picks `read_request` or
//! `read_response`, the rest is the stream (an in-memory cursor, run on a
//! current-thread tokio runtime because the codec reads under
//! `tokio::time::timeout`). Properties: it returns an error or a value,
//! never panics; a value came from a frame within the size cap, read
//! exactly (nothing after the frame consumed), whose body is the value's
//! canonical encoding, and writing the value gives the same frame back; and
//! no input makes it hold more heap than the cap allows (plus serde's
//! preallocation bound), whatever length a frame claims.
#![no_main]

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::ErrorKind;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use amser_protocol::federation::MAX_PEER_MESSAGE_BYTES;
use amser_wire::codec::{PeerCodec, PEER_PROTOCOL};
use libfuzzer_sys::fuzz_target;
use libp2p::futures::io::Cursor;
use libp2p::request_response::Codec;

/// Counts the bytes live on the heap and the most live at once, so the
/// target can check what one read costs.
struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let live = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(live, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// serde preallocates at most 1 MiB for a sequence whatever length it claims
/// (`serde::__private::size_hint::cautious`); postcard gives no hint longer
/// than the bytes left.
const SERDE_PREALLOCATION_BYTES: usize = 1024 * 1024;
/// The most one read may hold at once beyond the input: the frame buffer,
/// one preallocated sequence, and the decoded value (no larger than the frame
/// it came from, times a small factor for `Vec` and `String` headers).
const MOST_HEAP_PER_READ: usize = 4 * MAX_PEER_MESSAGE_BYTES + SERDE_PREALLOCATION_BYTES;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RUNTIME.get_or_init(|| tokio::runtime::Builder::new_current_thread().enable_time().build().expect("a tokio runtime"))
}

/// What a successful read must satisfy, given the frame it came from and
/// the value's canonical encoding and its frame as the codec writes it.
fn check_frame(stream: &[u8], consumed: u64, encoded: &[u8], written: &[u8]) {
    let len = u32::from_le_bytes(stream[..4].try_into().expect("a value came after a 4-byte length")) as usize;
    assert!(len <= MAX_PEER_MESSAGE_BYTES, "a frame of {len} bytes was accepted");
    assert_eq!(consumed as usize, 4 + len, "the codec read past its frame");
    assert_eq!(encoded, &stream[4..4 + len], "a frame body that is not the value's canonical encoding was accepted");
    assert_eq!(written, &stream[..4 + len], "writing the value back gives another frame");
}

fn read_error(e: std::io::Error) {
    assert!(matches!(e.kind(), ErrorKind::UnexpectedEof | ErrorKind::InvalidData), "unexpected error kind: {e:?}");
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, stream)) = data.split_first() else { return };
    let runtime = runtime();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    runtime.block_on(async {
        let mut codec = PeerCodec;
        let mut io = Cursor::new(stream);
        if selector % 2 == 0 {
            match codec.read_request(&PEER_PROTOCOL, &mut io).await {
                Ok(request) => {
                    let encoded = request.encode().expect("a decoded request encodes");
                    let mut out = Cursor::new(Vec::new());
                    codec.write_request(&PEER_PROTOCOL, &mut out, request).await.expect("a decoded request can be sent");
                    check_frame(stream, io.position(), &encoded, out.get_ref());
                }
                Err(e) => read_error(e),
            }
        } else {
            match codec.read_response(&PEER_PROTOCOL, &mut io).await {
                Ok(response) => {
                    let encoded = response.encode().expect("a decoded response encodes");
                    let mut out = Cursor::new(Vec::new());
                    codec.write_response(&PEER_PROTOCOL, &mut out, response).await.expect("a decoded response can be sent");
                    check_frame(stream, io.position(), &encoded, out.get_ref());
                }
                Err(e) => read_error(e),
            }
        }
    });
    let used = PEAK.load(Ordering::Relaxed).saturating_sub(before);
    assert!(used <= MOST_HEAP_PER_READ, "one read of {} bytes held {used} bytes of heap at once", stream.len());
});
