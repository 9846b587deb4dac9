//! Turning a recorded response into a `reqwest::Response` whose body streams the
//! way the server sent it: one chunk per server-sent event, one per AWS
//! event-stream frame, one for anything else.

use std::convert::Infallible;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};
use reel_cassette::{stream_events, StreamEvents, StreamKind};
use reqwest::ResponseBuilderExt as _;

use crate::pacing::Pacing;

/// Which recorded interaction answered a request; in the extensions of every
/// replayed response.
///
/// ```no_run
/// # async fn f(response: reqwest::Response) {
/// let replayed = response.extensions().get::<reel::Replayed>().unwrap();
/// assert_eq!(replayed.status, "200 OK");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replayed {
    /// The interaction's position in the cassette, from 0.
    pub interaction: usize,
    /// The recorded status line text, such as `200 OK` (reqwest keeps only the code).
    pub status: String,
    /// The cassette the response came from.
    pub cassette: Arc<Path>,
}

/// A recorded response, checked and converted to `http` types when the cassette
/// loads.
#[derive(Debug)]
pub(crate) struct Prepared {
    status: StatusCode,
    status_text: String,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
    kind: StreamKind,
    duration: Duration,
}

impl Prepared {
    /// Checks a recorded response; the error says what cannot be replayed.
    pub(crate) fn new(response: &reel_cassette::Response) -> Result<Prepared, String> {
        let status = StatusCode::from_u16(response.code)
            .map_err(|_| format!("status code {} is not an HTTP status", response.code))?;
        let mut headers = HeaderMap::new();
        for (name, values) in response.headers.iter() {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("response header name {name:?} is not valid HTTP"))?;
            for value in values {
                let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
                    format!("response header {name} has a value that is not valid HTTP: {value:?}")
                })?;
                headers.append(header.clone(), value);
            }
        }
        let kind = response
            .headers
            .get("Content-Type")
            .map_or(StreamKind::Whole, StreamKind::from_content_type);
        Ok(Prepared {
            status,
            status_text: response.status.clone(),
            version: version(response.proto_major, response.proto_minor),
            headers,
            body: response.body.clone(),
            kind,
            duration: response.duration,
        })
    }

    /// How long the recorded server took to send the headers.
    pub(crate) fn duration(&self) -> Duration {
        self.duration
    }

    /// The response, with `url` as its URL. The body is not split until it is read,
    /// and each wait between events happens as the body is read.
    pub(crate) fn respond(
        &self,
        url: reqwest::Url,
        interaction: usize,
        cassette: Arc<Path>,
        pacing: Pacing,
    ) -> reqwest::Response {
        let gap = pacing.events.after(self.duration);
        let body = match self.kind {
            StreamKind::Whole => reqwest::Body::from(self.body.clone()),
            kind => reqwest::Body::wrap_stream(paced(stream_events(&self.body, kind), gap)),
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        response.headers_mut().clone_from(&self.headers);
        set_url(&mut response, url);
        response.extensions_mut().insert(Replayed {
            interaction,
            status: self.status_text.clone(),
            cassette,
        });
        reqwest::Response::from(response)
    }
}

/// Sets the URL that `reqwest::Response::url()` will report.
pub(crate) fn set_url<B>(response: &mut http::Response<B>, url: reqwest::Url) {
    // reqwest reads `Response::url()` from an extension that only its
    // `ResponseBuilderExt::url` can create; a builder with nothing else set cannot fail.
    if let Ok(carrier) = http::Response::builder().url(url).body(()) {
        response
            .extensions_mut()
            .extend(carrier.into_parts().0.extensions);
    }
}

/// The events as a stream, waiting `gap` before each event but the first.
fn paced(
    events: StreamEvents,
    gap: Duration,
) -> impl futures_util::Stream<Item = Result<Bytes, Infallible>> + Send + 'static {
    futures_util::stream::unfold((events, true), move |(mut events, first)| async move {
        let event = events.next()?;
        if !first && !gap.is_zero() {
            tokio::time::sleep(gap).await;
        }
        Some((Ok(event), (events, false)))
    })
}

/// The `http` version for a recorded `proto_major`/`proto_minor`.
fn version(major: u32, minor: u32) -> Version {
    match (major, minor) {
        (0, _) => Version::HTTP_09,
        (1, 0) => Version::HTTP_10,
        (2, _) => Version::HTTP_2,
        (3, _) => Version::HTTP_3,
        _ => Version::HTTP_11,
    }
}
