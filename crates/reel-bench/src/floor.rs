//! [`Floor`]: the least a replay middleware can do, the baseline of every ratio.

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, HeaderValue};

/// A middleware that answers every request with the same prebuilt response,
/// without looking at the request: what replay costs when finding the answer is
/// free. The per-request work is what any middleware must do to hand `reqwest` a
/// response: assemble it from prebuilt parts (a header map clone and a reference
/// to the body).
#[derive(Clone, Debug)]
pub struct Floor {
    headers: HeaderMap,
    body: FloorBody,
}

#[derive(Clone, Debug)]
enum FloorBody {
    Whole(Bytes),
    Events(Arc<[Bytes]>),
}

impl Floor {
    /// Answers with `body` in one chunk, as `content_type`.
    pub fn whole(content_type: &'static str, body: impl Into<Bytes>) -> Floor {
        Floor {
            headers: headers(content_type),
            body: FloorBody::Whole(body.into()),
        }
    }

    /// Answers with `events` streamed one chunk each, as `content_type`: the floor
    /// for streaming, the events split in advance.
    pub fn events(content_type: &'static str, events: Vec<Bytes>) -> Floor {
        Floor {
            headers: headers(content_type),
            body: FloorBody::Events(events.into()),
        }
    }

    fn response(&self) -> reqwest::Response {
        let body = match &self.body {
            FloorBody::Whole(bytes) => reqwest::Body::from(bytes.clone()),
            FloorBody::Events(events) => {
                let events = events.clone();
                reqwest::Body::wrap_stream(futures_util::stream::unfold(0, move |i| {
                    let event = events.get(i).cloned();
                    async move { event.map(|e| (Ok::<_, Infallible>(e), i + 1)) }
                }))
            }
        };
        let mut response = http::Response::new(body);
        response.headers_mut().clone_from(&self.headers);
        reqwest::Response::from(response)
    }
}

fn headers(content_type: &'static str) -> HeaderMap {
    let mut headers = HeaderMap::new();
    headers.insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static(content_type),
    );
    headers
}

#[async_trait::async_trait]
impl reqwest_middleware::Middleware for Floor {
    async fn handle(
        &self,
        _request: reqwest::Request,
        _extensions: &mut http::Extensions,
        _next: reqwest_middleware::Next<'_>,
    ) -> reqwest_middleware::Result<reqwest::Response> {
        Ok(self.response())
    }
}

/// The floor of a tower adapter: the same prebuilt response from a
/// `tower::Service<reqwest::Request>`, with the boxed future such a service
/// returns.
impl tower_service::Service<reqwest::Request> for Floor {
    type Response = reqwest::Response;
    type Error = reel::BoxError;
    type Future = std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<reqwest::Response, reel::BoxError>> + Send>,
    >;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), reel::BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, _request: reqwest::Request) -> Self::Future {
        let response = self.response();
        Box::pin(async move { Ok(response) })
    }
}
