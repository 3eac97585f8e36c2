//! The request-response codec banks speak to each other directly: postcard
//! bodies behind a 4-byte length, with a size cap checked before reading and
//! a deadline on every read, so a peer that sends a length and then nothing
//! cannot hold a stream open.
//!
//! ```text
//! message = len: u32 LE (at most MAX_PEER_MESSAGE_BYTES) | body: postcard(PeerRequest or PeerResponse)
//! ```
//!
//! One message per stream: writing closes the stream after the body.

use std::io;
use std::time::Duration;

use amser_protocol::encoding::{DecodeError, EncodeError};
use amser_protocol::federation::{PeerRequest, PeerResponse, MAX_PEER_MESSAGE_BYTES};
use libp2p::futures::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use libp2p::StreamProtocol;
use thiserror::Error;

/// The protocol name banks speak to each other directly.
pub const PEER_PROTOCOL: StreamProtocol = StreamProtocol::new("/amser/peer/1");
/// How long reading one whole message may take.
pub const READ_DEADLINE: Duration = Duration::from_secs(10);
/// Bytes of the length before each message: a u32, little-endian.
pub const LENGTH_BYTES: usize = 4;

/// The codec of [`PEER_PROTOCOL`] for libp2p's request-response behaviour:
/// reads and writes one [`PeerRequest`] or [`PeerResponse`] per stream.
#[derive(Debug, Clone, Default)]
pub struct PeerCodec;

/// Why a message could not be read or written. The codec's callers see it
/// inside an [`io::Error`] of the kind [`CodecError::kind`] gives.
#[derive(Debug, Error)]
pub enum CodecError {
    /// A peer's length claims more than [`MAX_PEER_MESSAGE_BYTES`]; refused
    /// before anything of that size is allocated or read.
    #[error("message of {len} bytes is over the {MAX_PEER_MESSAGE_BYTES} allowed")]
    TooLarge { len: usize },
    /// A message of ours encodes to more than [`MAX_PEER_MESSAGE_BYTES`].
    #[error("message too large to send")]
    TooLargeToSend { len: usize },
    /// The whole message did not arrive within [`READ_DEADLINE`].
    #[error("the peer took too long to send its message")]
    TimedOut,
    /// The body is not the canonical encoding of a message.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// A message could not be encoded.
    #[error(transparent)]
    Encode(#[from] EncodeError),
}

impl CodecError {
    /// The [`io::ErrorKind`] libp2p and the node see for this error.
    pub fn kind(&self) -> io::ErrorKind {
        match self {
            CodecError::TooLarge { .. } | CodecError::Decode(_) | CodecError::Encode(_) => io::ErrorKind::InvalidData,
            CodecError::TooLargeToSend { .. } => io::ErrorKind::InvalidInput,
            CodecError::TimedOut => io::ErrorKind::TimedOut,
        }
    }
}

impl From<CodecError> for io::Error {
    fn from(e: CodecError) -> io::Error {
        io::Error::new(e.kind(), e)
    }
}

async fn read_frame<T: AsyncRead + Unpin + Send>(io: &mut T) -> io::Result<Vec<u8>> {
    let read = async {
        let mut len = [0u8; LENGTH_BYTES];
        io.read_exact(&mut len).await?;
        let len = u32::from_le_bytes(len) as usize;
        if len > MAX_PEER_MESSAGE_BYTES {
            return Err(CodecError::TooLarge { len }.into());
        }
        let mut buf = vec![0u8; len];
        io.read_exact(&mut buf).await?;
        Ok(buf)
    };
    tokio::time::timeout(READ_DEADLINE, read).await.map_err(|_| CodecError::TimedOut)?
}

async fn write_frame<T: AsyncWrite + Unpin + Send>(io: &mut T, bytes: &[u8]) -> io::Result<()> {
    if bytes.len() > MAX_PEER_MESSAGE_BYTES {
        return Err(CodecError::TooLargeToSend { len: bytes.len() }.into());
    }
    io.write_all(&(bytes.len() as u32).to_le_bytes()).await?;
    io.write_all(bytes).await?;
    io.close().await
}

impl libp2p::request_response::Codec for PeerCodec {
    type Protocol = StreamProtocol;
    type Request = PeerRequest;
    type Response = PeerResponse;

    async fn read_request<T: AsyncRead + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<PeerRequest> {
        PeerRequest::decode(&read_frame(io).await?).map_err(|e| CodecError::Decode(e).into())
    }

    async fn read_response<T: AsyncRead + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T) -> io::Result<PeerResponse> {
        PeerResponse::decode(&read_frame(io).await?).map_err(|e| CodecError::Decode(e).into())
    }

    async fn write_request<T: AsyncWrite + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T, req: PeerRequest) -> io::Result<()> {
        write_frame(io, &req.encode().map_err(CodecError::Encode)?).await
    }

    async fn write_response<T: AsyncWrite + Unpin + Send>(&mut self, _: &StreamProtocol, io: &mut T, res: PeerResponse) -> io::Result<()> {
        write_frame(io, &res.encode().map_err(CodecError::Encode)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use libp2p::futures::io::Cursor;
    use libp2p::request_response::Codec;
    use std::pin::Pin;
    use std::task::{Context, Poll};

    fn frame(len: u32, body: &[u8]) -> Vec<u8> {
        let mut out = len.to_le_bytes().to_vec();
        out.extend_from_slice(body);
        out
    }

    async fn read(bytes: Vec<u8>) -> io::Result<PeerRequest> {
        PeerCodec.read_request(&PEER_PROTOCOL, &mut Cursor::new(bytes)).await
    }

    #[tokio::test]
    async fn a_request_that_says_it_is_too_big_is_refused_before_it_is_read() {
        let err = read(frame(u32::MAX, &[])).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::InvalidData);
        assert!(err.to_string().contains("over the"), "{err}");
    }

    #[tokio::test]
    async fn truncated_garbage_and_unknown_requests_are_refused() {
        let hello = PeerRequest::Hello.encode().unwrap();
        assert_eq!(read(frame(hello.len() as u32, &hello)).await.unwrap(), PeerRequest::Hello);
        // The length promises more than comes.
        assert_eq!(read(frame(100, &[1, 2, 3])).await.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        // Not even a whole length.
        assert_eq!(read(vec![5, 0]).await.unwrap_err().kind(), io::ErrorKind::UnexpectedEof);
        // A variant no version of the protocol has, and bytes after a whole message.
        assert_eq!(read(frame(1, &[200])).await.unwrap_err().kind(), io::ErrorKind::InvalidData);
        let mut trailing = hello.clone();
        trailing.push(0);
        assert_eq!(read(frame(trailing.len() as u32, &trailing)).await.unwrap_err().kind(), io::ErrorKind::InvalidData);
    }

    /// Sends a length, then nothing, forever.
    struct Stalls(Cursor<Vec<u8>>);

    impl AsyncRead for Stalls {
        fn poll_read(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut [u8]) -> Poll<io::Result<usize>> {
            match Pin::new(&mut self.0).poll_read(cx, buf) {
                Poll::Ready(Ok(0)) => Poll::Pending,
                other => other,
            }
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_peer_that_sends_a_length_and_then_nothing_is_cut_off_at_the_deadline() {
        let started = tokio::time::Instant::now();
        let err = PeerCodec.read_request(&PEER_PROTOCOL, &mut Stalls(Cursor::new(frame(10, &[])))).await.unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::TimedOut);
        assert_eq!(started.elapsed(), READ_DEADLINE);
    }
}
