//! A request the server received, turned into the [`reel::Received`] that reel's
//! engine matches, records or sends on.

use bytes::Bytes;
use http::header;
use reel::Received;

use crate::hop_by_hop::is_hop_by_hop;

/// Where requests go: the upstream base URL when recording, else the server's own
/// address (replay never sends anything, and with the host ignored only the path
/// and query count).
#[derive(Clone, Debug)]
pub(crate) struct Target {
    /// The base URL, parsed once: requests resolve against it without parsing
    /// its host again.
    url: reqwest::Url,
    /// `scheme://host[:port][/prefix]`, without a trailing `/`.
    base: String,
    /// The base URL's path prefix, without a trailing `/` (empty for none).
    prefix: String,
}

impl Target {
    /// A target from a base URL already checked to have no query or fragment.
    pub(crate) fn new(base: &reqwest::Url) -> Target {
        Target {
            url: base.clone(),
            base: base.as_str().trim_end_matches('/').to_owned(),
            prefix: base.path().trim_end_matches('/').to_owned(),
        }
    }

    /// The base URL's path prefix, then `path_and_query`: resolved against the
    /// parsed base (only the path and query are parsed), or parsed whole when the
    /// path begins with `//`, which would otherwise name another host.
    fn url(&self, path_and_query: &str) -> Result<reqwest::Url, url::ParseError> {
        let path = format!("{}{path_and_query}", self.prefix);
        if path.starts_with("//") {
            return reqwest::Url::parse(&format!("{}{path_and_query}", self.base));
        }
        self.url.join(&path)
    }

    /// The outgoing request for a received one: the base URL's path prefix, then
    /// the received path and query; the headers but those of the connection; the
    /// body. An error says why the request cannot be sent.
    pub(crate) fn received(
        &self,
        parts: &http::request::Parts,
        body: Bytes,
    ) -> Result<Received, String> {
        let path_and_query = parts
            .uri
            .path_and_query()
            .map_or("/", http::uri::PathAndQuery::as_str);
        if !path_and_query.starts_with('/') {
            return Err(format!(
                "request target {path_and_query:?} is not a path (send requests to a path \
                 such as /v1/chat/completions)"
            ));
        }
        let url = self.url(path_and_query).map_err(|err| {
            format!("request target {path_and_query:?} is not a valid URL path: {err}")
        })?;
        let mut headers = http::HeaderMap::with_capacity(parts.headers.len());
        for (name, value) in &parts.headers {
            // The client sending on sets `Host` and `Content-Length` from the URL
            // and the body; hyper already answered any `Expect: 100-continue`.
            let own = [header::HOST, header::CONTENT_LENGTH, header::EXPECT];
            if !is_hop_by_hop(name) && !own.contains(name) {
                headers.append(name.clone(), value.clone());
            }
        }
        let uri = http::Uri::try_from(url.as_str()).map_err(|err| {
            format!("request target {path_and_query:?} is not a valid URI: {err}")
        })?;
        Received::new(parts.method.clone(), uri, headers, body).map_err(|err| err.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(uri: &str, headers: &[(&str, &str)]) -> http::request::Parts {
        let mut builder = http::Request::builder().method("POST").uri(uri);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(()).unwrap().into_parts().0
    }

    #[test]
    fn the_upstream_path_prefix_comes_before_the_received_path_and_query() {
        let target = Target::new(&"https://api.example.com/openai/".parse().unwrap());
        let request = target
            .received(&parts("/v1/chat?b=2&a=1", &[]), Bytes::new())
            .unwrap();
        assert_eq!(
            request.url(),
            "https://api.example.com/openai/v1/chat?b=2&a=1"
        );
        let target = Target::new(&"http://127.0.0.1:8080".parse().unwrap());
        let request = target.received(&parts("/", &[]), Bytes::new()).unwrap();
        assert_eq!(request.url(), "http://127.0.0.1:8080/");
        // A path that starts with `//` stays a path: it names no other host.
        let request = target
            .received(&parts("//evil.example/x?a=1", &[]), Bytes::new())
            .unwrap();
        assert_eq!(request.url(), "http://127.0.0.1:8080//evil.example/x?a=1");
        let target = Target::new(&"https://api.example.com/openai".parse().unwrap());
        let request = target
            .received(&parts("/v1/../v2/chat?q=%FF&b", &[]), Bytes::new())
            .unwrap();
        assert_eq!(
            request.url(),
            "https://api.example.com/openai/v2/chat?q=%FF&b"
        );
    }

    #[test]
    fn connection_headers_stay_behind_and_the_rest_go_on_with_the_body() {
        let target = Target::new(&"http://127.0.0.1:8080".parse().unwrap());
        let request = target
            .received(
                &parts(
                    "/v1",
                    &[
                        ("host", "127.0.0.1:9999"),
                        ("connection", "keep-alive"),
                        ("content-length", "2"),
                        ("content-type", "application/json"),
                        ("authorization", "Bearer test"),
                        ("x-multi", "a"),
                        ("x-multi", "b"),
                    ],
                ),
                Bytes::from_static(b"{}"),
            )
            .unwrap();
        let names: Vec<&str> = request.headers().keys().map(|n| n.as_str()).collect();
        assert_eq!(names, ["content-type", "authorization", "x-multi"]);
        assert_eq!(request.headers().get_all("x-multi").iter().count(), 2);
        assert_eq!(request.body(), b"{}");
    }

    #[test]
    fn a_target_that_is_not_a_path_is_refused() {
        let target = Target::new(&"http://127.0.0.1:8080".parse().unwrap());
        let parts = http::Request::builder()
            .method("OPTIONS")
            .uri("*")
            .body(())
            .unwrap()
            .into_parts()
            .0;
        let err = target.received(&parts, Bytes::new()).unwrap_err();
        assert!(
            err.starts_with("request target \"*\" is not a path"),
            "{err}"
        );
    }
}
