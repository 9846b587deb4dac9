//! The tower adapter: [`ReelLayer`] and [`ReelService`], over the shape
//! `reqwest::Client` itself implements (`Service<reqwest::Request, Response =
//! reqwest::Response>`).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use super::client::{answer, Failure};
use super::deps::reqwest;
use crate::{BoxError, Reel};

/// A `tower::Layer` that puts [`Reel`] in front of a service sending
/// `reqwest::Request`s (a `reqwest::Client`, or a stack around one).
///
/// ```
/// use tower_layer::Layer as _;
///
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
/// let reel = reel::Reel::replay(path)?;
/// let service = reel::ReelLayer::new(reel).layer(reqwest::Client::new());
/// # drop(service);
/// # Ok::<(), reel::Error>(())
/// ```
#[derive(Clone, Debug)]
pub struct ReelLayer {
    reel: Reel,
}

impl ReelLayer {
    /// A layer serving requests from `reel`.
    pub fn new(reel: Reel) -> ReelLayer {
        ReelLayer { reel }
    }
}

impl<S> tower_layer::Layer<S> for ReelLayer {
    type Service = ReelService<S>;

    fn layer(&self, inner: S) -> ReelService<S> {
        ReelService::new(self.reel.clone(), inner)
    }
}

/// A `tower::Service<reqwest::Request>` that answers from a cassette: replayed
/// requests never reach `inner`; recorded and passthrough requests are sent with
/// it, and a recorded response streams back while reel keeps a copy for the
/// cassette.
///
/// Errors are [`BoxError`]s: reel's own downcast to [`crate::Error`] (a miss is
/// [`crate::Error::NoMatch`] with the mismatch report), `inner`'s are passed on.
///
/// ```
/// use tower_service::Service as _;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
/// # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
/// let mut service = reel::ReelService::new(reel::Reel::replay(path)?, reqwest::Client::new());
/// # let body = reel::cassette::Cassette::load(path)?.interactions[0].request.body.clone();
/// let request = reqwest::Client::new()
///     .post("https://api.openai.com/v1/chat/completions")
///     .body(body) // the recorded request's body
///     .build()?;
/// let response = service.call(request).await?;
/// assert_eq!(response.status(), 200);
/// # Ok(())
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct ReelService<S = reqwest::Client> {
    reel: Reel,
    inner: S,
}

impl<S> ReelService<S> {
    /// A service answering from `reel`, sending with `inner` when it records.
    pub fn new(reel: Reel, inner: S) -> ReelService<S> {
        ReelService { reel, inner }
    }

    /// The open cassette.
    pub fn reel(&self) -> &Reel {
        &self.reel
    }
}

impl<S> tower_service::Service<reqwest::Request> for ReelService<S>
where
    S: tower_service::Service<reqwest::Request, Response = reqwest::Response>
        + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
    S::Error: Into<BoxError>,
{
    type Response = reqwest::Response;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, BoxError>> + Send>>;

    /// Always ready: replay needs nothing of `inner`, which is made ready when a
    /// request is sent on.
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: reqwest::Request) -> Self::Future {
        let reel = self.reel.clone();
        // `inner` is made ready inside the future, on a clone of its own.
        let mut inner = self.inner.clone();
        Box::pin(async move {
            let send = |request| async move {
                std::future::poll_fn(|cx| inner.poll_ready(cx)).await?;
                inner.call(request).await
            };
            answer(&reel, request, send)
                .await
                .map_err(|failure| match failure {
                    Failure::Reel(err) => BoxError::from(err),
                    Failure::Send(err) => err.into(),
                })
        })
    }
}
