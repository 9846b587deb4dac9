//! The reqwest-middleware adapter: [`Reel`] as a `reqwest_middleware::Middleware`.

use super::client::{answer, Failure};
use super::deps::{reqwest, reqwest_middleware};
use crate::Reel;

/// Attach with `reqwest_middleware::ClientBuilder::with(reel)`: replayed requests
/// never reach the rest of the chain; recorded and passthrough requests go on
/// through it. reel's errors arrive as
/// [`reqwest_middleware::Error::Middleware`], whose inner `anyhow::Error`
/// downcasts to [`crate::Error`].
#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Reel {
    async fn handle(
        &self,
        request: reqwest::Request,
        extensions: &mut http::Extensions,
        next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        answer(self, request, |request| next.run(request, extensions))
            .await
            .map_err(|failure| match failure {
                Failure::Reel(err) => reqwest_middleware::Error::middleware(err),
                Failure::Send(err) => err,
            })
    }
}
