//! Which recorded request a received request matches: the rules, their options,
//! and custom matchers.
//!
//! A received request matches a recorded one when all of these hold:
//! 1. the methods are equal;
//! 2. the URLs have the same scheme, host, port and path (only the path with
//!    [`ReelBuilder::ignore_host`]), and the same query parameters in any order
//!    (ignored parameters left out);
//! 3. the bodies are equal after `\r\n` normalization, or both are JSON with the
//!    same structure (key order, whitespace and number spelling aside, ignored
//!    fields left out), or both are form parameters with the same multiset;
//! 4. each header chosen with [`ReelBuilder::match_header`] has the same values;
//! 5. each custom matcher says yes.
//!
//! [`ReelBuilder::match_header`]: crate::ReelBuilder::match_header
//! [`ReelBuilder::ignore_host`]: crate::ReelBuilder::ignore_host

use std::fmt;
use std::sync::Arc;

use reel_cassette::Request as Recorded;

use crate::normalize::{NormalRequest, Normalizer};
use crate::Received;

/// A rule of your own that a recorded request must pass, on top of the built-in
/// ones. Closures taking `(&Received, &reel::cassette::Request)` are matchers.
///
/// ```
/// use reel::{cassette::Request, Received, Reel};
///
/// // Match only recordings made for the same tenant.
/// let builder = Reel::builder().custom_matcher("same tenant", |received: &Received, recorded: &Request| {
///     let tenant = received.headers().get("x-tenant").and_then(|v| v.to_str().ok());
///     tenant == recorded.headers.get("X-Tenant")
/// });
/// # drop(builder);
/// ```
pub trait RequestMatcher: Send + Sync + 'static {
    /// Whether `recorded` may answer `received`.
    fn matches(&self, received: &Received, recorded: &Recorded) -> bool;
}

impl<F> RequestMatcher for F
where
    F: Fn(&Received, &Recorded) -> bool + Send + Sync + 'static,
{
    fn matches(&self, received: &Received, recorded: &Recorded) -> bool {
        self(received, recorded)
    }
}

/// The matching rules and their options, as the builder set them.
#[derive(Clone, Default)]
pub(crate) struct Rules {
    /// What normalization leaves out (ignored query parameters and JSON fields).
    pub(crate) normalizer: Normalizer,
    /// Whether bodies are compared at all.
    pub(crate) ignore_body: bool,
    /// Headers whose values must be equal.
    pub(crate) headers: Vec<http::HeaderName>,
    /// Custom matchers, with their names.
    pub(crate) custom: Vec<(String, Arc<dyn RequestMatcher>)>,
    /// Whether an interaction may be replayed more than once.
    pub(crate) allow_repeats: bool,
}

impl fmt::Debug for Rules {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Rules")
            .field("normalizer", &self.normalizer)
            .field("ignore_body", &self.ignore_body)
            .field("headers", &self.headers)
            .field(
                "custom",
                &self.custom.iter().map(|(n, _)| n).collect::<Vec<_>>(),
            )
            .field("allow_repeats", &self.allow_repeats)
            .finish()
    }
}

/// One rule, for reports.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Rule {
    Method,
    Url,
    Body,
    Header(http::HeaderName),
    Custom(String),
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rule::Method => f.write_str("method"),
            Rule::Url => f.write_str("url"),
            Rule::Body => f.write_str("body"),
            Rule::Header(name) => write!(f, "header {name}"),
            Rule::Custom(name) => write!(f, "custom matcher \"{name}\""),
        }
    }
}

impl Rules {
    /// Whether the methods are equal.
    pub(crate) fn method_matches(received: &Received, recorded: &Recorded) -> bool {
        received.method().as_str() == recorded.method
    }

    /// Whether the normalized URLs are equal.
    pub(crate) fn url_matches(received: &NormalRequest, recorded: &NormalRequest) -> bool {
        received.url.base == recorded.url.base && received.url.query == recorded.url.query
    }

    /// Whether the normalized bodies match: equal text, or equal structure.
    pub(crate) fn body_matches(&self, received: &NormalRequest, recorded: &NormalRequest) -> bool {
        self.ignore_body
            || received.body.text == recorded.body.text
            || (received.body.structure.is_some()
                && received.body.structure == recorded.body.structure)
    }

    /// Whether two recorded requests are the same request as matching sees
    /// it: method, URL and body (headers and custom matchers, which need a live
    /// request, are not consulted).
    pub(crate) fn same_request(&self, a: &NormalRequest, b: &NormalRequest) -> bool {
        a.route == b.route && Rules::url_matches(a, b) && self.body_matches(a, b)
    }

    /// Whether `name` has the same values on both sides.
    pub(crate) fn header_matches(
        name: &http::HeaderName,
        received: &Received,
        recorded: &Recorded,
    ) -> bool {
        let received_values = received
            .headers()
            .get_all(name)
            .iter()
            .map(|v| v.as_bytes());
        let recorded_values = recorded
            .headers
            .get_all(name.as_str())
            .iter()
            .map(|v| v.as_bytes());
        received_values.eq(recorded_values)
    }

    /// Whether the header rules and custom matchers pass; the rules the index
    /// cannot answer.
    pub(crate) fn extra_rules_pass(&self, received: &Received, recorded: &Recorded) -> bool {
        self.headers
            .iter()
            .all(|name| Rules::header_matches(name, received, recorded))
            && self
                .custom
                .iter()
                .all(|(_, m)| m.matches(received, recorded))
    }

    /// Every rule and whether it passes, in the order reports list them.
    pub(crate) fn outcomes(
        &self,
        received: &Received,
        received_norm: &NormalRequest,
        recorded: &Recorded,
        recorded_norm: &NormalRequest,
    ) -> Vec<(Rule, bool)> {
        let mut outcomes = vec![
            (Rule::Method, Rules::method_matches(received, recorded)),
            (Rule::Url, Rules::url_matches(received_norm, recorded_norm)),
            (Rule::Body, self.body_matches(received_norm, recorded_norm)),
        ];
        for name in &self.headers {
            outcomes.push((
                Rule::Header(name.clone()),
                Rules::header_matches(name, received, recorded),
            ));
        }
        for (name, matcher) in &self.custom {
            outcomes.push((
                Rule::Custom(name.clone()),
                matcher.matches(received, recorded),
            ));
        }
        outcomes
    }
}
