//! The async-openai adapter (feature `async-openai`): [`OpenAiService`] for
//! `async_openai::Client::with_http_service`, so an OpenAI client replays and
//! records in-process, with no server and no socket.
//!
//! ```no_run
//! use async_openai::{config::OpenAIConfig, Client};
//!
//! # fn main() -> Result<(), reel::Error> {
//! // In a test: `reel::Reel::new(reel::cassette!())?` names the cassette after the test.
//! let reel = reel::Reel::new("cassettes/openai/chat.yaml")?;
//! let client = Client::with_config(OpenAIConfig::new().with_api_key("sk-test"))
//!     .with_http_service(reel::openai::OpenAiService::new(reel));
//! # drop(client);
//! # Ok(())
//! # }
//! ```

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;

use crate::{Reel, ReelService};

/// A `tower::Service<HttpRequestFactory>` answering async-openai's requests from
/// a cassette; recorded requests go out through a `reqwest::Client`.
///
/// reel's errors arrive as `OpenAIError::Boxed`, which downcasts to
/// [`crate::Error`] (a miss is [`crate::Error::NoMatch`] with the mismatch
/// report).
#[derive(Clone, Debug)]
pub struct OpenAiService {
    service: ReelService<reqwest::Client>,
}

impl OpenAiService {
    /// Serves `reel`; recording sends with a default `reqwest::Client`.
    pub fn new(reel: Reel) -> OpenAiService {
        OpenAiService::with_client(reel, reqwest::Client::new())
    }

    /// Serves `reel`; recording sends with `client` (for proxies, TLS or
    /// timeouts of your own).
    pub fn with_client(reel: Reel, client: reqwest::Client) -> OpenAiService {
        OpenAiService {
            service: ReelService::new(reel, client),
        }
    }

    /// The open cassette.
    pub fn reel(&self) -> &Reel {
        self.service.reel()
    }
}

impl tower_service::Service<HttpRequestFactory> for OpenAiService {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), OpenAIError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, factory: HttpRequestFactory) -> Self::Future {
        let mut service = self.service.clone();
        Box::pin(async move {
            let request = factory.build().await?;
            service.call(request).await.map_err(OpenAIError::Boxed)
        })
    }
}
