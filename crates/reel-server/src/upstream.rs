//! [`Upstream`]: the connections to the upstream of a server that records, its
//! HTTP client and, with the `rustls` feature, the TLS configuration that
//! client uses, which WebSocket sessions use too.

#[cfg(feature = "rustls")]
use std::sync::Arc;

use crate::tls::Roots;
use crate::{Error, Result};

/// How the server reaches its upstream.
pub(crate) struct Upstream {
    /// Sends the requests.
    pub(crate) client: reqwest::Client,
    /// The client's TLS configuration, for `wss://` sessions.
    #[cfg(feature = "rustls")]
    #[cfg_attr(not(feature = "websocket"), allow(dead_code))]
    pub(crate) tls: Arc<rustls::ClientConfig>,
}

impl Upstream {
    /// The client for the upstream, trusting `roots` besides the system's
    /// (with `rustls`; without it, `roots` is empty).
    pub(crate) fn new(roots: Roots) -> Result<Upstream> {
        #[cfg(feature = "rustls")]
        {
            let tls = crate::tls::client_config(roots)?;
            let builder = client_builder().tls_backend_preconfigured((*tls).clone());
            Ok(Upstream {
                client: builder.build().map_err(Error::Client)?,
                tls,
            })
        }
        #[cfg(not(feature = "rustls"))]
        {
            let Roots { .. } = roots;
            Ok(Upstream {
                client: client_builder().build().map_err(Error::Client)?,
            })
        }
    }
}

/// The client builder for the upstream. A proxy passes redirects and
/// compressed bodies back to its client as they are (reel stores a compressed
/// body decompressed), whatever reqwest features other crates enable; the
/// upstream is reached directly, whatever proxy the environment names.
fn client_builder() -> reqwest::ClientBuilder {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_gzip()
        .no_brotli()
        .no_deflate()
        .no_zstd()
        .no_proxy()
}
