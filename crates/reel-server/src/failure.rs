//! Requests the server cannot answer from the cassette or the upstream, answered
//! with a status that says so and a `text/plain` body that says why.
//!
//! | what happened | status | `x-reel-error` |
//! |---|---|---|
//! | no recorded interaction matches | `404 Not Found` | `no-match` |
//! | the request cannot be read or sent | `400 Bad Request` | `bad-request` |
//! | the request body is over the limit (`max_body_size`) | `413 Payload Too Large` | `too-large` |
//! | the upstream cannot be reached | `502 Bad Gateway` | `upstream` |
//! | any other reel error (cassette, secrets) | `500 Internal Server Error` | `reel` |
//!
//! A request head that is malformed or over the limits never reaches reel: hyper
//! answers it with `400` or `431` and no `x-reel-error` (see the crate's "Limits").
//!
//! A miss is a `4xx` on purpose: SDKs retry `5xx` answers (and `408`, `409`,
//! `429`), which would repeat the report several times and slow the test down.

use http::{header, HeaderValue, StatusCode};

use crate::exchange::Outcome;
use crate::outgoing::{chain, full, Body};

/// The header that tells a reel answer from one an upstream sent.
pub const ERROR_HEADER: &str = "x-reel-error";

/// A request that failed, and the response that says so.
#[derive(Debug)]
pub(crate) struct Failure {
    status: StatusCode,
    kind: &'static str,
    text: String,
    no_match: bool,
}

impl Failure {
    /// No recorded interaction matches: `report` says why.
    pub(crate) fn no_match(report: &str) -> Failure {
        Failure {
            status: StatusCode::NOT_FOUND,
            kind: "no-match",
            text: report.to_owned(),
            no_match: true,
        }
    }

    /// Any other reel error: the message says what and the way out.
    pub(crate) fn reel(message: String) -> Failure {
        Failure::new(StatusCode::INTERNAL_SERVER_ERROR, "reel", message)
    }

    /// The upstream did not answer; a certificate it was refused for says so,
    /// with the option that trusts its CA.
    pub(crate) fn upstream(err: &reqwest::Error) -> Failure {
        let url = err.url().map_or("", reqwest::Url::as_str);
        let message = match crate::tls::untrusted(err) {
            Some(why) => format!("reel: the upstream did not answer {url}: {why}"),
            None => format!(
                "reel: the upstream did not answer {url}: {} (is it running, and is the \
                 upstream URL right?)",
                chain(err)
            ),
        };
        Failure::new(StatusCode::BAD_GATEWAY, "upstream", message)
    }

    /// The upstream did not answer, as `message` says (with the way out).
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    pub(crate) fn upstream_message(message: String) -> Failure {
        Failure::new(StatusCode::BAD_GATEWAY, "upstream", message)
    }

    /// A request body over the engine's limit.
    pub(crate) fn too_large(message: String) -> Failure {
        Failure::new(StatusCode::PAYLOAD_TOO_LARGE, "too-large", message)
    }

    /// A request the server cannot read or send on.
    pub(crate) fn bad_request(message: String) -> Failure {
        Failure::new(
            StatusCode::BAD_REQUEST,
            "bad-request",
            format!("reel: {message}"),
        )
    }

    fn new(status: StatusCode, kind: &'static str, text: String) -> Failure {
        Failure {
            status,
            kind,
            text,
            no_match: false,
        }
    }

    /// The status sent.
    pub(crate) fn status(&self) -> StatusCode {
        self.status
    }

    /// The outcome to log.
    pub(crate) fn outcome(&self) -> Outcome {
        if self.no_match {
            Outcome::NoMatch {
                report: self.text.clone(),
            }
        } else {
            Outcome::Failed {
                message: self.text.clone(),
            }
        }
    }

    /// The response: the status, `x-reel-error`, and the text with a final newline.
    pub(crate) fn response(self) -> http::Response<Body> {
        let mut response = http::Response::new(full(format!("{}\n", self.text)));
        *response.status_mut() = self.status;
        let headers = response.headers_mut();
        headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; charset=utf-8"),
        );
        headers.insert(ERROR_HEADER, HeaderValue::from_static(self.kind));
        response
    }
}
