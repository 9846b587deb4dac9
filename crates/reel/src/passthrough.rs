//! Per-request passthrough: requests a rule names go to the network in every
//! mode, are never recorded and never matched, so a test can talk to its own
//! local services live while the API calls replay.

use std::fmt;
use std::sync::Arc;

use crate::Received;

type Predicate = dyn Fn(&Received) -> bool + Send + Sync;

/// The passthrough rules of a [`crate::Reel`]; none by default.
#[derive(Clone, Default)]
pub(crate) struct Passthrough {
    /// Hosts, lowercase, without brackets around IPv6 addresses.
    hosts: Vec<String>,
    localhost: bool,
    predicates: Vec<Arc<Predicate>>,
}

impl Passthrough {
    pub(crate) fn host(&mut self, host: &str) {
        self.hosts.push(bare_host(host).to_ascii_lowercase());
    }

    pub(crate) fn localhost(&mut self) {
        self.localhost = true;
    }

    pub(crate) fn predicate(
        &mut self,
        predicate: impl Fn(&Received) -> bool + Send + Sync + 'static,
    ) {
        self.predicates.push(Arc::new(predicate));
    }

    /// Whether `received` goes to the network unrecorded. Costs nothing when no
    /// rule is set.
    pub(crate) fn applies(&self, received: &Received) -> bool {
        if self.hosts.is_empty() && !self.localhost && self.predicates.is_empty() {
            return false;
        }
        if self.localhost || !self.hosts.is_empty() {
            let host = received.uri().host().map(bare_host).unwrap_or("");
            if self.localhost && is_loopback(host) {
                return true;
            }
            if self.hosts.iter().any(|h| h.eq_ignore_ascii_case(host)) {
                return true;
            }
        }
        self.predicates.iter().any(|p| p(received))
    }
}

/// `[::1]` as `::1`: a URI's host keeps IPv6 brackets.
fn bare_host(host: &str) -> &str {
    host.strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host)
}

/// `localhost` (and its subdomains, which resolve to loopback), any 127.0.0.0/8
/// address, and `::1`.
fn is_loopback(host: &str) -> bool {
    let lower = host.to_ascii_lowercase();
    if lower == "localhost" || lower.ends_with(".localhost") {
        return true;
    }
    host.parse::<std::net::IpAddr>()
        .is_ok_and(|ip| ip.is_loopback())
}

impl fmt::Debug for Passthrough {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Passthrough")
            .field("hosts", &self.hosts)
            .field("localhost", &self.localhost)
            .field("predicates", &self.predicates.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn received(url: &str) -> Received {
        Received::from_http(http::Request::get(url).body(bytes::Bytes::new()).unwrap()).unwrap()
    }

    #[test]
    fn localhost_is_every_loopback_spelling_and_nothing_else() {
        let mut rules = Passthrough::default();
        rules.localhost();
        for url in [
            "http://localhost:8080/x",
            "http://LOCALHOST/x",
            "http://api.localhost/x",
            "http://127.0.0.1:3000/",
            "http://127.1.2.3/",
            "http://[::1]:9000/",
        ] {
            assert!(rules.applies(&received(url)), "{url}");
        }
        for url in [
            "https://api.openai.com/v1/chat/completions",
            "http://localhost.example.com/",
            "http://10.0.0.1/",
            "http://[::2]/",
            "http://128.0.0.1/",
        ] {
            assert!(!rules.applies(&received(url)), "{url}");
        }
    }

    #[test]
    fn hosts_compare_without_case_port_or_brackets() {
        let mut rules = Passthrough::default();
        rules.host("Auth.Example.com");
        rules.host("[fd00::5]");
        assert!(rules.applies(&received("https://auth.example.com:8443/token")));
        assert!(rules.applies(&received("http://[fd00::5]:80/")));
        assert!(!rules.applies(&received("https://example.com/")));
        assert!(!rules.applies(&received("https://api.auth.example.com/")));
    }

    #[test]
    fn a_predicate_sees_the_whole_request() {
        let mut rules = Passthrough::default();
        assert!(
            !rules.applies(&received("http://localhost/")),
            "no rule, no passthrough"
        );
        rules.predicate(|r| r.url().contains("/health"));
        assert!(rules.applies(&received("https://api.example.com/health")));
        assert!(!rules.applies(&received("https://api.example.com/v1")));
    }
}
