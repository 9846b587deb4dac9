//! Reading a request body whole before matching, within a limit: one
//! implementation for every adapter, whatever body type its client uses.

use std::pin::Pin;

use bytes::{Bytes, BytesMut};
use http_body::Body;

use crate::{BoxError, Error};

/// Reads `body` whole, refusing more than `limit` bytes. A body that arrives in
/// one piece (a body built from bytes) is returned without copying.
///
/// `method` and `url` name the request in errors: [`Error::RequestBodyTooLarge`]
/// when the body is over the limit (it stops reading there), and
/// [`Error::RequestBody`] when the body breaks.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), reel::Error> {
/// let body = http_body_util::Full::new(bytes::Bytes::from_static(b"{}"));
/// let bytes = reel::read_body(body, 1024, &http::Method::POST, "https://x/v1").await?;
/// assert_eq!(bytes, "{}");
/// # Ok(())
/// # }
/// ```
pub async fn read_body<B>(
    body: B,
    limit: u64,
    method: &http::Method,
    url: &str,
) -> Result<Bytes, Error>
where
    B: Body,
    B::Data: Into<Bytes>,
    B::Error: Into<BoxError>,
{
    let too_large = || Error::RequestBodyTooLarge {
        method: method.to_string(),
        url: url.to_owned(),
        limit,
    };
    if body.size_hint().lower() > limit {
        return Err(too_large());
    }
    let mut body = std::pin::pin!(body);
    let mut first: Option<Bytes> = None;
    let mut rest: Option<BytesMut> = None;
    let mut read: u64 = 0;
    while let Some(frame) = std::future::poll_fn(|cx| Pin::as_mut(&mut body).poll_frame(cx)).await {
        let frame = frame.map_err(|err| Error::RequestBody {
            method: method.to_string(),
            url: url.to_owned(),
            message: err.into().to_string(),
        })?;
        // Trailers carry nothing reel matches.
        let Ok(data) = frame.into_data() else {
            continue;
        };
        let data: Bytes = data.into();
        read += data.len() as u64;
        if read > limit {
            return Err(too_large());
        }
        match (&mut first, &mut rest) {
            (None, _) => first = Some(data),
            (Some(first), None) => {
                let mut joined = BytesMut::with_capacity(first.len() + data.len());
                joined.extend_from_slice(first);
                joined.extend_from_slice(&data);
                rest = Some(joined);
            }
            (Some(_), Some(joined)) => joined.extend_from_slice(&data),
        }
    }
    Ok(match (first, rest) {
        (_, Some(joined)) => joined.freeze(),
        (Some(first), None) => first,
        (None, None) => Bytes::new(),
    })
}
