//! [`Error`]: what can stop a [`ReelServer`](crate::ReelServer) from starting.
//!
//! Errors while serving a request never stop the server: they become responses
//! (see the crate docs, "When nothing matches").

use std::net::SocketAddr;
use std::path::PathBuf;

/// A `Result` with reel-server's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Why a server did not start. Each message ends with the way out.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The cassette could not be opened in the mode in force (a missing cassette in
    /// replay-only mode, a file that does not parse, an unknown `REEL_RECORD`).
    #[error(transparent)]
    Reel(#[from] reel::Error),

    /// The upstream URL is not an `http://` or `https://` base URL.
    #[error(
        "upstream {url:?} is not usable: {reason} (give a base URL such as \
         http://127.0.0.1:8080 or https://api.openai.com)"
    )]
    InvalidUpstream {
        /// The URL as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },

    /// The upstream is `https://` and this build has no TLS.
    #[error(
        "upstream {url} needs TLS, which this build of reel-server lacks (build with the \
         `rustls` feature; the `reel` command line tool has it by default)"
    )]
    UpstreamNeedsTls {
        /// The upstream URL.
        url: String,
    },

    /// A root certificate given with
    /// [`upstream_root_certificate`](crate::ReelServerBuilder::upstream_root_certificate)
    /// is not usable: no certificate in its text, PEM that does not parse, a
    /// certificate that cannot be a trust anchor, or a build without TLS.
    #[error("upstream root certificate {number} is not usable: {reason}", number = .index + 1)]
    UpstreamCertificate {
        /// Which of the texts given, from 0, in the order given.
        index: usize,
        /// What is wrong with it, and what to give instead.
        reason: String,
    },

    /// TLS to the upstream could not be set up: no root certificate to trust
    /// (none in the system's store, none given).
    #[error(
        "cannot set up TLS for the upstream: {reason} (install the system's CA certificates, \
         such as the ca-certificates package, or trust the upstream's CA with \
         `upstream_root_certificate`, `reel serve --upstream-ca FILE`)"
    )]
    UpstreamTls {
        /// Why rustls refused.
        reason: String,
    },

    /// The mode in force may record, and recording needs an upstream to send
    /// requests to.
    #[error(
        "mode `{mode}` {what} {path}, which needs an upstream to send requests to (give \
         one, e.g. `.upstream(\"https://api.openai.com\")` or `--upstream URL`, or replay \
         only with mode `none`)",
        path = .path.display()
    )]
    NeedsUpstream {
        /// The mode in force.
        mode: reel::Mode,
        /// What the mode would do.
        what: &'static str,
        /// The cassette path.
        path: PathBuf,
    },

    /// The listening socket could not be bound.
    #[error("cannot listen on {addr}: {source} (choose another port, or port 0 for any free one)")]
    Bind {
        /// The address asked for.
        addr: SocketAddr,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// The HTTP client for the upstream could not be built.
    #[error("cannot build the HTTP client for the upstream: {0}")]
    Client(#[source] reqwest::Error),
}
