//! reel for the AWS SDK for Rust: [`ReelHttpClient`], a smithy
//! [`HttpClient`] that answers the SDK's requests from a go-vcr cassette through
//! reel's engine, and records what the cassette lacks through a real connector.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use aws_sdk_bedrockruntime::config::{BehaviorVersion, Credentials, Region};
//!
//! // In a test: `reel::Reel::new(reel::cassette!())?` names the cassette after the test.
//! let reel = reel::Reel::new("cassettes/bedrock/converse.yaml")?;
//! // Recording goes out through `inner`; replay never calls it.
//! let inner = aws_smithy_http_client::Builder::new().build_http();
//! let config = aws_sdk_bedrockruntime::Config::builder()
//!     .behavior_version(BehaviorVersion::latest())
//!     .region(Region::new("us-east-1"))
//!     // Fake credentials replay: the signature is neither recorded nor matched.
//!     .credentials_provider(Credentials::new("AKIDEXAMPLE", "secret", None, None, "test"))
//!     .http_client(reel_aws::ReelHttpClient::new(reel, inner))
//!     .build();
//! let client = aws_sdk_bedrockruntime::Client::from_conf(config);
//! # drop(client);
//! # Ok(())
//! # }
//! ```
//!
//! # What is recorded and matched
//! The SigV4 signature and everything that changes per call or per machine
//! ([`SIGNING_HEADERS`]: `Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`,
//! `x-amz-content-sha256`, `amz-sdk-invocation-id`, `amz-sdk-request`,
//! `x-amz-user-agent`, `User-Agent`, `X-Amzn-Trace-Id`) is taken off the request
//! before reel sees it, so it is never recorded and never matched, whatever the
//! `Reel`'s options (`keep_all_headers`, `match_header`); recording sends the
//! request upstream with them. The rest is reel's usual matching: method, URL
//! (the regional host included: `bedrock-runtime.us-east-1.amazonaws.com`, so the
//! region must be the recorded one, or the `Reel` built with `ignore_host`) and
//! body, as JSON.
//!
//! # Streams
//! An `application/vnd.amazon.eventstream` response (ConverseStream,
//! InvokeModelWithResponseStream) replays one chunk per event-stream frame, with
//! the `Reel`'s pacing, and the SDK's own decoder yields the events; recording
//! hands each upstream chunk to the SDK as it arrives.
//!
//! # Misses
//! A request the cassette cannot answer fails with a dispatch failure whose source
//! is a [`Miss`], holding [`reel::Error::NoMatch`] (the mismatch report). The SDK
//! does not retry it. The report prints once, with its line breaks, through
//! `{:?}` (a test that returns the error with `?`) and through
//! `aws_smithy_types::error::display::DisplayErrorContext`.
//!
//! Requests with a streamed body (bidirectional streams) are read whole before
//! matching, so they are not supported.

use std::fmt;
use std::pin::Pin;
use std::sync::Mutex;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_runtime_api::shared::IntoShared as _;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use futures_util::TryStreamExt as _;
use http::HeaderMap;
use http_body::Frame;
use http_body_util::{BodyDataStream, StreamBody};
use reel::{Behaviour, BoxError, Decision, Received, Reel};

/// The request headers reel never sees: the SigV4 signature and its inputs, and
/// what the SDK changes on every call or machine. Lower case.
pub const SIGNING_HEADERS: [&str; 9] = [
    "authorization",
    "x-amz-date",
    "x-amz-security-token",
    "x-amz-content-sha256",
    "amz-sdk-invocation-id",
    "amz-sdk-request",
    "x-amz-user-agent",
    "user-agent",
    "x-amzn-trace-id",
];

/// A smithy [`HttpClient`] that answers from a cassette: give it to an AWS SDK
/// client's config with `.http_client(..)`.
///
/// Replay never touches `inner`; recording (and mode `passthrough`) sends through
/// it. `inner` is any `HttpClient`: `aws_smithy_http_client::Builder::new()
/// .build_http()` for a local upstream, `.build_https()` (a TLS feature of
/// `aws-smithy-http-client`) or the connector the application already uses for
/// AWS itself.
#[derive(Clone)]
pub struct ReelHttpClient {
    reel: Reel,
    inner: SharedHttpClient,
}

impl ReelHttpClient {
    /// Answers from `reel`; records through `inner`.
    pub fn new(reel: Reel, inner: impl HttpClient + 'static) -> ReelHttpClient {
        ReelHttpClient {
            reel,
            inner: inner.into_shared(),
        }
    }

    /// Answers from `reel` only: a request the mode would record (or forward)
    /// fails, as if the network were down. For tests that must never record.
    pub fn replay_only(reel: Reel) -> ReelHttpClient {
        let reel = reel.cannot_record(
            "it was built with ReelHttpClient::replay_only, which sends nothing upstream; to \
             re-record, build it with ReelHttpClient::new(reel, an HTTPS client) and run the \
             test with REEL_RECORD=all",
        );
        ReelHttpClient::new(reel, NoUpstream)
    }

    /// The open cassette.
    pub fn reel(&self) -> &Reel {
        &self.reel
    }
}

impl fmt::Debug for ReelHttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReelHttpClient")
            .field("reel", &self.reel)
            .field("inner", &self.inner)
            .finish()
    }
}

impl HttpClient for ReelHttpClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        // Asked per operation; clients built by `aws-smithy-http-client` cache
        // their connectors by settings, so this does not reconnect.
        let inner = self
            .reel
            .behaviour()
            .sends_upstream()
            .then(|| self.inner.http_connector(settings, components));
        SharedHttpConnector::new(ReelConnector {
            reel: self.reel.clone(),
            inner,
        })
    }

    fn validate_base_client_config(
        &self,
        runtime_components: &RuntimeComponentsBuilder,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner
            .validate_base_client_config(runtime_components, cfg)
    }

    fn validate_final_config(
        &self,
        runtime_components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(runtime_components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}

/// The connector of one operation: reel's decision, then the inner connector
/// when recording or forwarding.
struct ReelConnector {
    reel: Reel,
    /// `None` when the mode only replays.
    inner: Option<SharedHttpConnector>,
}

impl fmt::Debug for ReelConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReelConnector")
            .field("cassette", &self.reel.path())
            .finish()
    }
}

impl HttpConnector for ReelConnector {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let reel = self.reel.clone();
        let inner = self.inner.clone();
        HttpConnectorFuture::new(answer(reel, inner, request))
    }
}

/// Answers `request`: replayed, recorded through `inner`, forwarded, or a miss.
async fn answer(
    reel: Reel,
    inner: Option<SharedHttpConnector>,
    request: HttpRequest,
) -> Result<HttpResponse, ConnectorError> {
    let send = |request: HttpRequest| async move {
        match &inner {
            Some(inner) => inner.call(request).await,
            None => Err(no_upstream()),
        }
    };
    // Passthrough sends the request as it is, a streaming body too.
    if reel.behaviour() == Behaviour::Forward {
        return send(request).await;
    }
    let request = request
        .try_into_http1x()
        .map_err(|err| ConnectorError::user(err.into()))?;
    let (mut parts, body) = request.into_parts();
    let url = parts.uri.to_string();
    let body = reel::read_body(body, reel.max_body_size(), &parts.method, &url)
        .await
        .map_err(|err| ConnectorError::user(err.into()))?;
    // What reel never sees, put back on the request sent upstream: the signature
    // and the SDK's per-call headers, and the extensions the SDK's connector
    // reads (connection capture for retries).
    let kept = Kept {
        headers: take_signing_headers(&mut parts.headers),
        extensions: std::mem::take(&mut parts.extensions),
    };
    let received =
        Received::from_parts(parts, body).map_err(|err| ConnectorError::user(err.into()))?;
    match reel.decide(&received).await {
        Decision::Replay(response) => replayed(response),
        Decision::Miss(report) => Err(ConnectorError::user(Box::new(Miss(reel::Error::NoMatch(
            report,
        ))))),
        Decision::Record(recording) => {
            let response = send(kept.upstream(received)?).await?;
            let response = response
                .try_into_http1x()
                .map_err(|err| ConnectorError::other(err.into(), None))?;
            let (head, body) = response.into_parts();
            let body = recording.tee(&head, BodyDataStream::new(body));
            to_smithy(http::Response::from_parts(head, sync_body(body)))
        }
        Decision::Forward => send(kept.upstream(received)?).await,
        Decision::Failed(err) => Err(ConnectorError::user(Box::new(*err))),
        other => Err(ConnectorError::other(
            format!("reel-aws: unexpected decision {other:?}").into(),
            None,
        )),
    }
}

/// A request the cassette cannot answer: the source of the SDK's dispatch
/// failure, holding reel's error and its mismatch report.
///
/// The SDK prints an error's chain with `Display` and then the whole error with
/// `Debug` (`DisplayErrorContext`); a test that returns it through `?` prints
/// only `Debug`. So `Display` is the report's first line and `Debug` the whole
/// report: it reads once either way.
///
/// ```
/// # fn find<'a>(err: &'a (dyn std::error::Error + 'static)) -> Option<&'a reel::Error> {
/// // The report from an SDK error, walking its sources:
/// let mut source = Some(err);
/// while let Some(err) = source {
///     if let Some(miss) = err.downcast_ref::<reel_aws::Miss>() {
///         return Some(miss.reel_error());
///     }
///     source = err.source();
/// }
/// # None
/// # }
/// ```
pub struct Miss(reel::Error);

impl Miss {
    /// reel's error: [`reel::Error::NoMatch`] with the mismatch report.
    pub fn reel_error(&self) -> &reel::Error {
        &self.0
    }

    /// reel's error, owned.
    pub fn into_reel_error(self) -> reel::Error {
        self.0
    }
}

impl fmt::Display for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.0.to_string();
        let first = text.lines().next().unwrap_or("");
        f.write_str(first)?;
        if first.len() < text.len() {
            f.write_str(" (the mismatch report follows in the error's Debug output)")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Miss {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

impl std::error::Error for Miss {}

/// Removes [`SIGNING_HEADERS`] from `headers`, returning them.
fn take_signing_headers(headers: &mut HeaderMap) -> HeaderMap {
    let mut taken = HeaderMap::new();
    for name in SIGNING_HEADERS {
        let name = http::HeaderName::from_static(name);
        if let http::header::Entry::Occupied(entry) = headers.entry(&name) {
            for value in entry.remove_entry_mult().1 {
                taken.append(&name, value);
            }
        }
    }
    taken
}

/// What reel-aws takes off a request before reel sees it.
struct Kept {
    headers: HeaderMap,
    extensions: http::Extensions,
}

impl Kept {
    /// The request to send upstream: as reel received it, with what was taken
    /// off put back.
    fn upstream(self, received: Received) -> Result<HttpRequest, ConnectorError> {
        let mut request = received.into_http();
        for (name, value) in &self.headers {
            request.headers_mut().append(name, value.clone());
        }
        *request.extensions_mut() = self.extensions;
        HttpRequest::try_from(request.map(SdkBody::from))
            .map_err(|err| ConnectorError::user(err.into()))
    }
}

/// A replayed response for the SDK: a whole body as bytes (so the SDK can read
/// it again), a stream one chunk per event.
fn replayed(response: http::Response<reel::ReplayBody>) -> Result<HttpResponse, ConnectorError> {
    let (head, body) = response.into_parts();
    let body = match body.into_whole() {
        Ok(bytes) => SdkBody::from(bytes),
        Err(events) => SdkBody::from_body_1_x(SyncBody::new(events)),
    };
    to_smithy(http::Response::from_parts(head, body))
}

fn to_smithy(response: http::Response<SdkBody>) -> Result<HttpResponse, ConnectorError> {
    HttpResponse::try_from(response).map_err(|err| ConnectorError::other(err.into(), None))
}

/// The recording stream as a body.
fn sync_body(body: reel::RecordingBody) -> SdkBody {
    let frames = body.map_ok(Frame::data);
    SdkBody::from_body_1_x(SyncBody::new(StreamBody::new(frames)))
}

/// A body that is `Sync` because it is only ever used through `&mut`:
/// [`SdkBody`] asks for `Sync`, reel's bodies are only `Send`.
struct SyncBody<B>(Mutex<B>);

impl<B> SyncBody<B> {
    fn new(body: B) -> SyncBody<B> {
        SyncBody(Mutex::new(body))
    }

    fn inner(self: Pin<&mut Self>) -> Pin<&mut B>
    where
        B: Unpin,
    {
        let body = self
            .get_mut()
            .0
            .get_mut()
            .unwrap_or_else(|e| e.into_inner());
        Pin::new(body)
    }
}

impl<B> http_body::Body for SyncBody<B>
where
    B: http_body::Body<Data = Bytes> + Unpin,
    B::Error: Into<BoxError>,
{
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        self.inner().poll_frame(cx).map_err(Into::into)
    }
}

/// The inner client of [`ReelHttpClient::replay_only`]: nothing upstream.
#[derive(Debug)]
struct NoUpstream;

impl HttpClient for NoUpstream {
    fn http_connector(
        &self,
        _settings: &HttpConnectorSettings,
        _components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        SharedHttpConnector::new(NoUpstreamConnector)
    }
}

#[derive(Debug)]
struct NoUpstreamConnector;

impl HttpConnector for NoUpstreamConnector {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::ready(Err(no_upstream()))
    }
}

/// The error of a request that would go upstream when there is none.
fn no_upstream() -> ConnectorError {
    ConnectorError::user(
        "reel-aws: the cassette's mode sends this request upstream, and this client only \
         replays (ReelHttpClient::replay_only)"
            .into(),
    )
}
