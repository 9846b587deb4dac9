//! [`ReelServerBuilder`]: the options of a [`ReelServer`], then
//! [`ReelServerBuilder::start`].

use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::Arc;

use reel::{Behaviour, Mode, ReelBuilder};

use crate::exchange::{default_log, Exchange, Log};
use crate::incoming::Target;
use crate::server::ReelServer;
use crate::service::State;
use crate::tls::Roots;
use crate::upstream::Upstream;
use crate::{Error, Result};

/// Options for a [`ReelServer`]; [`ReelServerBuilder::start`] opens the cassette
/// and starts listening.
///
/// ```
/// use reel::Mode;
/// use reel_server::ReelServer;
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), reel_server::Error> {
/// # let cassette = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/doc/chat_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the crate's example cassette, whatever the environment says
/// let server = ReelServer::builder()
///     .mode(Mode::None)
///     .allow_repeats()
///     .start(cassette)
///     .await?;
/// assert!(server.base_url().starts_with("http://127.0.0.1:"));
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
#[must_use = "a ReelServerBuilder does nothing until `.start(cassette)` starts the server"]
pub struct ReelServerBuilder {
    options: ReelBuilder,
    upstream: Option<String>,
    addr: SocketAddr,
    log: Option<Log>,
    head: HeadLimits,
    /// The PEM texts of the root certificates to trust for the upstream.
    root_certificates: Vec<Vec<u8>>,
}

/// The largest request body the server reads by default: 64 MiB, below the
/// engine's [`reel::DEFAULT_MAX_BODY_SIZE`] (512 MiB) since any local client can
/// connect to a server. [`ReelServerBuilder::max_body_size`] changes it.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 64 * 1024 * 1024;

/// The most header fields a request may have by default: 100, hyper's own limit.
/// [`ReelServerBuilder::max_headers`] changes it.
pub const DEFAULT_MAX_HEADERS: usize = 100;

/// The most bytes a request head (request line and header fields) may take by
/// default: 64 KiB. [`ReelServerBuilder::max_head_size`] changes it.
pub const DEFAULT_MAX_HEAD_SIZE: usize = 64 * 1024;

/// The limits on a request head that hyper enforces, answering `431` over them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct HeadLimits {
    /// The most header fields.
    pub(crate) max_headers: usize,
    /// The most bytes, request line included.
    pub(crate) max_head_size: usize,
}

impl Default for HeadLimits {
    fn default() -> HeadLimits {
        HeadLimits {
            max_headers: DEFAULT_MAX_HEADERS,
            max_head_size: DEFAULT_MAX_HEAD_SIZE,
        }
    }
}

impl Default for ReelServerBuilder {
    fn default() -> ReelServerBuilder {
        ReelServerBuilder {
            // The server's default limit is set before anything else, so that a
            // limit set later, here or through `options`, replaces it.
            options: ReelBuilder::default().max_body_size(DEFAULT_MAX_BODY_SIZE),
            upstream: None,
            addr: SocketAddr::from((Ipv4Addr::LOCALHOST, 0)),
            log: None,
            head: HeadLimits::default(),
            root_certificates: Vec::new(),
        }
    }
}

impl ReelServerBuilder {
    /// The mode set in code; `REEL_RECORD` overrides it, as it does for the
    /// middleware. Default: `REEL_RECORD` if set, else `none` under CI and `once`
    /// elsewhere. Every mode but `none` (and `once` with an existing cassette)
    /// needs an [`upstream`](ReelServerBuilder::upstream).
    pub fn mode(mut self, mode: Mode) -> ReelServerBuilder {
        self.options = self.options.mode(mode);
        self
    }

    /// The server to record from: a base URL such as `https://api.openai.com`,
    /// optionally with a path prefix (`ws://` and `wss://` are taken as
    /// `http://` and `https://`: one server answers requests and WebSocket
    /// sessions). A request for `/v1/models?limit=2` goes to
    /// `https://api.openai.com/v1/models?limit=2`, and that is the `url` the
    /// cassette records, as if the client had called the upstream through the
    /// middleware. The response streams to the client as it arrives. Default: no
    /// upstream, replay only. Checked by [`start`](ReelServerBuilder::start).
    ///
    /// Replay matches the path the upstream would have received, so a cassette
    /// recorded through an upstream with a path prefix replays with the same
    /// upstream given (nothing is sent to it in mode `none`).
    pub fn upstream(mut self, url: impl Into<String>) -> ReelServerBuilder {
        self.upstream = Some(url.into());
        self
    }

    /// Trusts the CA certificates in `pem` for an `https://` upstream, besides the
    /// system's roots: PEM text with one or more `-----BEGIN CERTIFICATE-----`
    /// blocks, such as a test server's self-signed certificate or a corporate
    /// proxy's CA. Requests and WebSocket sessions (`wss://`) trust the same
    /// roots: the server builds one rustls configuration for both, with the
    /// platform's verifier, as reqwest's `rustls` feature does. Each call adds a
    /// text. Default: the system's roots only.
    ///
    /// Checked by [`start`](ReelServerBuilder::start), which refuses a text that
    /// holds no certificate or one that cannot be a root
    /// ([`Error::UpstreamCertificate`]), and any certificate at all in a build
    /// without the `rustls` feature. `reel serve --upstream-ca FILE` gives it
    /// from the command line.
    ///
    /// ```
    /// # let ca_pem = Vec::new();
    /// let builder = reel_server::ReelServer::builder()
    ///     .upstream("https://127.0.0.1:8443")
    ///     .upstream_root_certificate(ca_pem); // std::fs::read("ca.pem")?
    /// # drop(builder);
    /// ```
    pub fn upstream_root_certificate(mut self, pem: impl Into<Vec<u8>>) -> ReelServerBuilder {
        self.root_certificates.push(pem.into());
        self
    }

    /// Lets an interaction be replayed more than once (see
    /// [`ReelBuilder::allow_repeats`]). Default: each interaction replays once, in
    /// file order.
    pub fn allow_repeats(mut self) -> ReelServerBuilder {
        self.options = self.options.allow_repeats();
        self
    }

    /// The middleware's other options: matching rules, pacing, redaction, secrets.
    /// `configure` gets the [`ReelBuilder`] holding what was set so far and
    /// returns it changed:
    ///
    /// ```
    /// use reel::Delay;
    ///
    /// let builder = reel_server::ReelServer::builder().options(|reel| {
    ///     reel.event_delay(Delay::Scaled(1.0)) // the recorded pace between events
    ///         .ignore_json_field("/user")
    ///         .keep_header("x-request-id")
    /// });
    /// # drop(builder);
    /// ```
    ///
    /// The server always adds [`ReelBuilder::ignore_host`]: requests arrive at the
    /// server's address, so only method, path, query and body are compared. The
    /// mode is one setting: [`ReelServerBuilder::mode`] and `reel.mode(...)` here
    /// set the same thing, the later call wins; so is the body limit
    /// ([`ReelServerBuilder::max_body_size`] and `reel.max_body_size(...)`), which
    /// `configure` receives at the server's default of 64 MiB unless set before.
    pub fn options(
        mut self,
        configure: impl FnOnce(ReelBuilder) -> ReelBuilder,
    ) -> ReelServerBuilder {
        self.options = configure(self.options);
        self
    }

    /// The largest request body the server reads, in bytes; a request with a
    /// larger one is answered `413 Payload Too Large` with `x-reel-error:
    /// too-large`, refused on its `Content-Length` before any of the body is read,
    /// or once a chunked body passes the limit. Default: 64 MiB
    /// ([`DEFAULT_MAX_BODY_SIZE`]), not the engine's 512 MiB. The same setting as
    /// [`ReelBuilder::max_body_size`] in [`options`](ReelServerBuilder::options):
    /// the later call wins.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), reel_server::Error> {
    /// # let cassette = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/doc/chat_streaming.yaml");
    /// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the crate's example cassette, whatever the environment says
    /// use reel_server::{ReelServer, DEFAULT_MAX_BODY_SIZE};
    ///
    /// let server = ReelServer::replay(cassette).await?;
    /// assert_eq!(server.reel().max_body_size(), DEFAULT_MAX_BODY_SIZE);
    /// let server = ReelServer::builder()
    ///     .max_body_size(1 << 30) // 1 GiB
    ///     .mode(reel::Mode::None)
    ///     .start(cassette)
    ///     .await?;
    /// assert_eq!(server.reel().max_body_size(), 1 << 30);
    /// # Ok(())
    /// # }
    /// ```
    pub fn max_body_size(mut self, bytes: u64) -> ReelServerBuilder {
        self.options = self.options.max_body_size(bytes);
        self
    }

    /// The most header fields a request may have; one more is answered `431
    /// Request Header Fields Too Large` by hyper, with no body, and the
    /// connection closed. The same limit applies to the trailer fields of a
    /// chunked body. Default: 100 ([`DEFAULT_MAX_HEADERS`]); any other value
    /// makes hyper allocate each request's header index on the heap instead of
    /// the stack, a little slower.
    pub fn max_headers(mut self, count: usize) -> ReelServerBuilder {
        self.head.max_headers = count;
        self
    }

    /// The most bytes a request head may take, request line and header fields
    /// included (the trailer fields of a chunked body too); more is answered
    /// `431 Request Header Fields Too Large` by hyper, with no body, and the
    /// connection closed. Default: 64 KiB ([`DEFAULT_MAX_HEAD_SIZE`]). Whatever
    /// the limit, hyper answers a request target over 65,534 bytes with `414 URI
    /// Too Long`.
    pub fn max_head_size(mut self, bytes: usize) -> ReelServerBuilder {
        self.head.max_head_size = bytes;
        self
    }

    /// The address to listen on. Default: `127.0.0.1:0`, a free port on the
    /// loopback interface; [`ReelServer::addr`] tells which.
    pub fn bind(mut self, addr: SocketAddr) -> ReelServerBuilder {
        self.addr = addr;
        self
    }

    /// Calls `log` with each finished [`Exchange`] (after its response body was
    /// sent), instead of the default: misses and failures written to stderr with
    /// their report.
    pub fn on_exchange(
        mut self,
        log: impl Fn(&Exchange) + Send + Sync + 'static,
    ) -> ReelServerBuilder {
        self.log = Some(Arc::new(log));
        self
    }

    /// The command messages tell the user to run to record: `command` gets the
    /// mode (`all` at the end of a mismatch report, `once` for a missing
    /// cassette); see [`ReelBuilder::record_command`]. Default: reel's
    /// (`REEL_RECORD=<mode> cargo test ...`), right for a server started by a test.
    pub fn record_command(
        mut self,
        command: impl Fn(Mode) -> String + Send + Sync + 'static,
    ) -> ReelServerBuilder {
        self.options = self.options.record_command(command);
        self
    }

    /// Opens the cassette at `path` in the mode in force and starts serving on the
    /// current tokio runtime.
    ///
    /// Errors when the upstream URL or a root certificate is unusable, when
    /// TLS to the upstream cannot be set up, when the cassette cannot be
    /// opened (a missing cassette in mode `none`, a file that does not parse),
    /// when the mode may record and no upstream was given, and when the address
    /// cannot be bound.
    pub async fn start(self, path: impl AsRef<Path>) -> Result<ReelServer> {
        let path = path.as_ref();
        let upstream = self.upstream.as_deref().map(parse_upstream).transpose()?;
        let roots = Roots::read(&self.root_certificates)?;
        // A server has no test outcome to wait for: each interaction is written as
        // soon as its body ends.
        let reel = self.options.ignore_host().save_as_recorded().open(path)?;
        let client = match (&upstream, reel.behaviour().sends_upstream()) {
            (_, false) => None,
            (Some(_), true) => Some(Upstream::new(roots)?),
            (None, true) => {
                return Err(Error::NeedsUpstream {
                    mode: reel.mode(),
                    what: needs_upstream(reel.mode(), reel.behaviour()),
                    path: path.to_owned(),
                })
            }
        };
        let listener = tokio::net::TcpListener::bind(self.addr)
            .await
            .map_err(|source| Error::Bind {
                addr: self.addr,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            addr: self.addr,
            source,
        })?;
        let base_url = format!("http://{addr}");
        let target = match &upstream {
            Some(upstream) => Target::new(upstream),
            None => Target::new(&reqwest::Url::parse(&base_url).map_err(|err| {
                Error::InvalidUpstream {
                    url: base_url.clone(),
                    reason: err.to_string(),
                }
            })?),
        };
        let state = State {
            reel,
            target,
            upstream: client,
            log: self.log.unwrap_or_else(default_log),
        };
        Ok(ReelServer::spawn(
            listener, addr, base_url, upstream, state, self.head,
        ))
    }
}

/// What a behaviour that sends requests upstream does, for the error that says
/// it needs an upstream.
fn needs_upstream(mode: Mode, behaviour: Behaviour) -> &'static str {
    match behaviour {
        Behaviour::Record if mode == Mode::Once => "records the missing cassette",
        Behaviour::Record => "re-records",
        Behaviour::ReplayOrRecord => "records the requests missing from",
        Behaviour::Forward => "sends every request past",
        _ => "may send requests past",
    }
}

/// Checks an upstream base URL: `http` or `https` (`ws` or `wss`, taken as
/// those), a host, no query or fragment.
fn parse_upstream(text: &str) -> Result<reqwest::Url> {
    let invalid = |reason: &str| Error::InvalidUpstream {
        url: text.to_owned(),
        reason: reason.to_owned(),
    };
    if !text.contains("://") {
        return Err(invalid(&format!("it has no scheme, as in http://{text}")));
    }
    let mut url = reqwest::Url::parse(text).map_err(|err| invalid(&err.to_string()))?;
    let scheme = match url.scheme() {
        "http" | "ws" => "http",
        "https" | "wss" => "https",
        _ => return Err(invalid("the scheme must be http, https, ws or wss")),
    };
    // Both schemes are special with the same default port: always allowed.
    let _ = url.set_scheme(scheme);
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("it has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "a base URL has no query or fragment, only scheme, host, port and a path prefix",
        ));
    }
    if url.scheme() == "https" && !cfg!(feature = "rustls") {
        return Err(Error::UpstreamNeedsTls {
            url: text.to_owned(),
        });
    }
    Ok(url)
}

impl fmt::Debug for ReelServerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReelServerBuilder")
            .field("options", &self.options)
            .field("upstream", &self.upstream)
            .field("addr", &self.addr)
            .field("max_headers", &self.head.max_headers)
            .field("max_head_size", &self.head.max_head_size)
            .field("on_exchange", &self.log.as_ref().map(|_| "..."))
            .field("upstream_root_certificates", &self.root_certificates.len())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstreams_are_http_base_urls() {
        assert_eq!(
            parse_upstream("http://127.0.0.1:8080/v1").unwrap().as_str(),
            "http://127.0.0.1:8080/v1"
        );
        let message = |text: &str| parse_upstream(text).unwrap_err().to_string();
        assert_eq!(
            message("ftp://example.com"),
            "upstream \"ftp://example.com\" is not usable: the scheme must be http, https, ws \
             or wss (give a base URL such as http://127.0.0.1:8080 or https://api.openai.com)"
        );
        assert_eq!(
            parse_upstream("ws://127.0.0.1:8080/v1").unwrap().as_str(),
            "http://127.0.0.1:8080/v1",
            "a WebSocket URL is the same server's HTTP URL"
        );
        assert_eq!(
            message("localhost:8080"),
            "upstream \"localhost:8080\" is not usable: it has no scheme, as in \
             http://localhost:8080 (give a base URL such as http://127.0.0.1:8080 or \
             https://api.openai.com)"
        );
        assert!(
            message("http://").contains("empty host"),
            "{}",
            message("http://")
        );
        assert!(message("http://h/v1?key=1").contains("no query or fragment"));
        if cfg!(feature = "rustls") {
            assert_eq!(
                parse_upstream("wss://api.openai.com:443").unwrap().as_str(),
                "https://api.openai.com/"
            );
        } else {
            assert!(message("https://api.openai.com").contains("needs TLS"));
            assert_eq!(
                message("wss://api.openai.com"),
                "upstream wss://api.openai.com needs TLS, which this build of reel-server \
                 lacks (build with the `rustls` feature; the `reel` command line tool has it \
                 by default)"
            );
        }
    }
}
