//! Reading a response body within its limit, decoding `Content-Encoding` (gzip, deflate, br,
//! zstd) on the way: the limit bounds the decoded size, so a small gzip that expands to
//! gigabytes stops at the limit. Decoding is done here rather than inside reqwest because
//! reqwest's decoder drops `Content-Encoding` and `Content-Length`, the wire facts `-v` shows.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_compression::tokio::write::{BrotliDecoder, GzipDecoder, ZlibDecoder, ZstdDecoder};
use bytes::{Bytes, BytesMut};
use tokio::io::{AsyncWrite, AsyncWriteExt};

use super::error::{HttpError, HttpErrorKind, Timeouts, classify};
use super::message::WireEncoding;

/// What `Accept-Encoding` says when compression is on: every coding decoded below.
pub(super) const ACCEPT_ENCODING: &str = "gzip, deflate, br, zstd";

/// A content coding this client decodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Coding {
    Gzip,
    Deflate,
    Brotli,
    Zstd,
}

impl Coding {
    /// The coding of a `Content-Encoding` value; `None` for identity, unknown codings and
    /// stacked ones (the body is then kept as it came).
    fn of(value: &str) -> Option<Coding> {
        match value.trim().to_ascii_lowercase().as_str() {
            "gzip" | "x-gzip" => Some(Coding::Gzip),
            "deflate" => Some(Coding::Deflate),
            "br" => Some(Coding::Brotli),
            "zstd" => Some(Coding::Zstd),
            _ => None,
        }
    }
}

/// The body of `response`, decoded when `decode` is set and the server used a known coding,
/// and how it travelled when it was decoded.
pub(super) async fn read_body(
    mut response: reqwest::Response,
    limit: u64,
    decode: bool,
    timeouts: &Timeouts,
) -> Result<(Bytes, Option<WireEncoding>), HttpError> {
    let content_encoding = response
        .headers()
        .get(reqwest::header::CONTENT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let coding = content_encoding.as_deref().and_then(Coding::of);
    let (Some(coding), true, Some(name)) = (coding, decode, content_encoding) else {
        return read_plain(response, limit, timeouts)
            .await
            .map(|body| (body, None));
    };
    let sink = Bounded::new(limit);
    let pumped = match coding {
        Coding::Gzip => {
            pump(
                GzipDecoder::new(sink),
                &mut response,
                GzipDecoder::into_inner,
                timeouts,
            )
            .await
        }
        Coding::Deflate => {
            pump(
                ZlibDecoder::new(sink),
                &mut response,
                ZlibDecoder::into_inner,
                timeouts,
            )
            .await
        }
        Coding::Brotli => {
            pump(
                BrotliDecoder::new(sink),
                &mut response,
                BrotliDecoder::into_inner,
                timeouts,
            )
            .await
        }
        Coding::Zstd => {
            pump(
                ZstdDecoder::new(sink),
                &mut response,
                ZstdDecoder::into_inner,
                timeouts,
            )
            .await
        }
    };
    match pumped {
        Ok((sink, encoded_bytes)) => {
            let body = sink.body.freeze();
            let wire = WireEncoding {
                content_encoding: name,
                encoded_bytes,
                decoded_bytes: body.len() as u64,
            };
            Ok((body, Some(wire)))
        }
        Err(Pumped::TooLarge) => Err(too_large(limit, Some(&name))),
        Err(Pumped::Read(e)) => Err(e),
        Err(Pumped::Decode(e)) => Err(HttpError {
            kind: HttpErrorKind::Transport,
            cause: format!("the {name} body could not be decoded: {e}"),
        }),
    }
}

/// Reads an unencoded body, refusing to hold more than `limit` bytes.
async fn read_plain(
    mut response: reqwest::Response,
    limit: u64,
    timeouts: &Timeouts,
) -> Result<Bytes, HttpError> {
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large(limit, None));
    }
    // sized once from Content-Length: no doubling and copying of large bodies
    let expected = response.content_length().unwrap_or(0).min(limit);
    let mut body = BytesMut::with_capacity(usize::try_from(expected).unwrap_or(0));
    while let Some(chunk) = response.chunk().await.map_err(|e| classify(&e, timeouts))? {
        if (body.len() + chunk.len()) as u64 > limit {
            return Err(too_large(limit, None));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_large(limit: u64, coding: Option<&str>) -> HttpError {
    let what = match coding {
        Some(coding) => format!("the response body, decoded from {coding},"),
        None => "the response body".to_string(),
    };
    HttpError {
        kind: HttpErrorKind::TooLarge,
        cause: format!("{what} exceeds max_response_bytes ({limit} bytes)"),
    }
}

/// Why a decoding pump stopped.
enum Pumped {
    TooLarge,
    Read(HttpError),
    Decode(io::Error),
}

/// Feeds every chunk of the response through `decoder` into its bounded sink; the sink and
/// the number of encoded bytes read.
async fn pump<D: AsyncWrite + Unpin>(
    mut decoder: D,
    response: &mut reqwest::Response,
    into_sink: fn(D) -> Bounded,
    timeouts: &Timeouts,
) -> Result<(Bounded, u64), Pumped> {
    let mut encoded = 0u64;
    let failed = |e: io::Error| {
        if e.kind() == io::ErrorKind::FileTooLarge {
            Pumped::TooLarge
        } else {
            Pumped::Decode(e)
        }
    };
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| Pumped::Read(classify(&e, timeouts)))?
    {
        encoded += chunk.len() as u64;
        decoder.write_all(&chunk).await.map_err(failed)?;
    }
    // an empty body (HEAD, 204, 304) is empty whatever its Content-Encoding says
    if encoded > 0 {
        decoder.shutdown().await.map_err(failed)?;
    }
    Ok((into_sink(decoder), encoded))
}

/// The decoded body, refusing to grow past the limit: the decoder writes into it in small
/// pieces, so no more than the limit is ever held.
struct Bounded {
    body: BytesMut,
    limit: u64,
}

impl Bounded {
    fn new(limit: u64) -> Bounded {
        Bounded {
            body: BytesMut::new(),
            limit,
        }
    }
}

impl AsyncWrite for Bounded {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        data: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        if (this.body.len() + data.len()) as u64 > this.limit {
            return Poll::Ready(Err(io::ErrorKind::FileTooLarge.into()));
        }
        this.body.extend_from_slice(data);
        Poll::Ready(Ok(data.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}
