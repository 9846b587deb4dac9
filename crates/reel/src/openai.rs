//! The async-openai adapter (features `async-openai-0-37` to `async-openai-0-43`;
//! `async-openai` is 0.43): [`OpenAiService`] for
//! `async_openai::Client::with_http_service`, so an OpenAI client replays and
//! records in-process, with no server and no socket.
//!
//! ```no_run
//! # extern crate async_openai_0_43 as async_openai;
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

use crate::{Reel, ReelService};

/// A `tower::Service<HttpRequestFactory>` answering async-openai's requests from
/// a cassette; recorded requests go out through a `reqwest::Client`.
///
/// It serves every async-openai minor whose feature is on (`async-openai-0-37`
/// to `async-openai-0-43`; `async-openai` is the latest): each minor's
/// `HttpRequestFactory` is a type of its own, so the feature must name the minor
/// the crate under test uses. With the wrong one, the compiler says that
/// `OpenAiService` does not implement `Service<HttpRequestFactory>` and that two
/// versions of `async_openai` are in the graph.
///
/// reel's errors arrive as `OpenAIError::Boxed`, which downcasts to
/// [`crate::Error`] (a miss is [`crate::Error::NoMatch`] with the mismatch
/// report); its `Debug` is the report's text, so a test that returns the error
/// through `?` prints the report as it reads.
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

/// `tower::Service<HttpRequestFactory>` for one async-openai minor, under its
/// feature; every minor from 0.37 has the same middleware interface.
macro_rules! service_for {
    ($feature:literal, $crate_name:ident) => {
        #[cfg(feature = $feature)]
        impl tower_service::Service<$crate_name::middleware::HttpRequestFactory> for OpenAiService {
            type Response = reqwest::Response;
            type Error = $crate_name::error::OpenAIError;
            type Future =
                Pin<Box<dyn Future<Output = Result<reqwest::Response, Self::Error>> + Send>>;

            fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
                Poll::Ready(Ok(()))
            }

            fn call(
                &mut self,
                factory: $crate_name::middleware::HttpRequestFactory,
            ) -> Self::Future {
                let mut service = self.service.clone();
                Box::pin(async move {
                    let request = factory.build().await?;
                    tower_service::Service::call(&mut service, request)
                        .await
                        .map_err($crate_name::error::OpenAIError::Boxed)
                })
            }
        }
    };
}

service_for!("async-openai-0-43", async_openai_0_43);
service_for!("async-openai-0-42", async_openai_0_42);
service_for!("async-openai-0-41", async_openai_0_41);
service_for!("async-openai-0-40", async_openai_0_40);
service_for!("async-openai-0-39", async_openai_0_39);
service_for!("async-openai-0-38", async_openai_0_38);
service_for!("async-openai-0-37", async_openai_0_37);
