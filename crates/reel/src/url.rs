//! An absolute URL's parts as matching reads them, from its text: the recorded
//! URL as the cassette holds it and the received one as the client sent it go
//! through the same split, so both sides agree by construction.
//!
//! The split follows RFC 3986's generic syntax
//! (`scheme://authority path ?query #fragment`) and validates nothing: a recorded
//! URL with characters a strict parser refuses (a space, a raw `|`) still splits,
//! and a request URL already passed `http::Uri`'s checks. Host names are compared
//! without case; an explicit port equal to the scheme's default is the default.

/// The parts of a URL's text; each borrows from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct UrlParts<'a> {
    /// The scheme, as written (compare without case).
    pub(crate) scheme: &'a str,
    /// The host, without user information or port, as written (compare without
    /// case); empty when there is none.
    pub(crate) host: &'a str,
    /// The port: explicit, or the scheme's default; `None` for neither.
    pub(crate) port: Option<u16>,
    /// The path and query as sent, from the first `/` (or `?`) after the
    /// authority up to any fragment; `/` when the URL has neither.
    pub(crate) target: &'a str,
    /// The path alone; `/` when empty.
    pub(crate) path: &'a str,
    /// The query without its `?`; empty when there is none.
    pub(crate) query: &'a str,
}

impl<'a> UrlParts<'a> {
    /// Splits `text`; `None` when it is not `scheme://...` (a relative URL, or
    /// text that is no URL at all).
    pub(crate) fn parse(text: &'a str) -> Option<UrlParts<'a>> {
        // Byte searches (memchr) throughout: the shortcut of `reel serve` splits
        // every request's URL.
        let bytes = text.as_bytes();
        let colon = memchr::memchr(b':', bytes)?;
        let scheme = &text[..colon];
        let rest = text[colon..].strip_prefix("://")?;
        let valid_scheme = scheme
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphabetic())
            && scheme
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'));
        if !valid_scheme {
            return None;
        }
        let rest = memchr::memchr(b'#', rest.as_bytes()).map_or(rest, |at| &rest[..at]);
        let authority_end = memchr::memchr2(b'/', b'?', rest.as_bytes()).unwrap_or(rest.len());
        let (authority, target) = rest.split_at(authority_end);
        let host_and_port = memchr::memrchr(b'@', authority.as_bytes())
            .map_or(authority, |at| &authority[at + 1..]);
        let hp = host_and_port.as_bytes();
        // An IPv6 literal is bracketed; its colons are not the port's.
        let port_at = match memchr::memrchr(b']', hp) {
            Some(close) => memchr::memchr(b':', &hp[close..]).map(|at| close + at),
            None => memchr::memrchr(b':', hp),
        };
        let (host, port) = match port_at {
            Some(at) => (&host_and_port[..at], &host_and_port[at + 1..]),
            None => (host_and_port, ""),
        };
        let port = match port {
            "" => default_port(scheme),
            digits => Some(digits.parse().ok()?),
        };
        let (path, query) = match memchr::memchr(b'?', target.as_bytes()) {
            Some(at) => (&target[..at], &target[at + 1..]),
            None => (target, ""),
        };
        Some(UrlParts {
            scheme,
            host,
            port,
            target: if target.is_empty() { "/" } else { target },
            path: if path.is_empty() { "/" } else { path },
            query,
        })
    }
}

/// The port a scheme implies when the URL names none.
fn default_port(scheme: &str) -> Option<u16> {
    let is = |name: &str| scheme.eq_ignore_ascii_case(name);
    if is("http") || is("ws") {
        Some(80)
    } else if is("https") || is("wss") {
        Some(443)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_scheme_host_port_path_and_query() {
        let parts = UrlParts::parse("https://api.openai.com/v1/chat?b=2&a=1#top").unwrap();
        assert_eq!(parts.scheme, "https");
        assert_eq!(parts.host, "api.openai.com");
        assert_eq!(parts.port, Some(443));
        assert_eq!(parts.target, "/v1/chat?b=2&a=1");
        assert_eq!(parts.path, "/v1/chat");
        assert_eq!(parts.query, "b=2&a=1");
    }

    #[test]
    fn ports_user_information_and_ipv6_hosts() {
        let parts = UrlParts::parse("http://user:pw@127.0.0.1:8080").unwrap();
        assert_eq!((parts.host, parts.port), ("127.0.0.1", Some(8080)));
        assert_eq!((parts.target, parts.path, parts.query), ("/", "/", ""));
        let parts = UrlParts::parse("http://[::1]:9/x").unwrap();
        assert_eq!((parts.host, parts.port), ("[::1]", Some(9)));
        let parts = UrlParts::parse("HTTPS://[::1]?q").unwrap();
        assert_eq!((parts.host, parts.port), ("[::1]", Some(443)));
        assert_eq!((parts.target, parts.path, parts.query), ("?q", "/", "q"));
        let parts = UrlParts::parse("custom://host/p").unwrap();
        assert_eq!(parts.port, None);
        let parts = UrlParts::parse("http://host:/p").unwrap();
        assert_eq!(parts.port, Some(80));
    }

    #[test]
    fn text_that_is_not_an_absolute_url_does_not_split() {
        for text in [
            "/v1/chat",
            "",
            "no url",
            "1http://x/",
            "http://x:99999/",
            "://x/",
        ] {
            assert_eq!(UrlParts::parse(text), None, "{text}");
        }
    }

    #[test]
    fn characters_a_strict_parser_refuses_still_split() {
        let parts = UrlParts::parse("https://x.test/a b/{id}?q=a|b^c").unwrap();
        assert_eq!(parts.path, "/a b/{id}");
        assert_eq!(parts.query, "q=a|b^c");
    }
}
