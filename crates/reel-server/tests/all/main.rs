//! reel-server's integration tests, in one binary.

mod corpus; // every cassette under ../shared/corpus served to a raw HTTP/1.1 client
mod hostile; // malformed requests, oversized heads, clients that leave or crawl, 256 at once
mod record; // reverse proxy to a local upstream: recordings replay with the middleware
mod replay; // the seed byte for byte, one chunk per event, misses, repeats, pacing
mod support; // helpers: temp cassettes, a log that keeps exchanges, a raw HTTP client
mod uploads; // multipart uploads matched part by part, whatever the boundary
#[cfg(feature = "websocket")]
mod websocket; // sessions recorded from a Realtime-like upstream, replayed, 1008 on a difference
#[cfg(all(feature = "websocket", feature = "rustls"))]
mod websocket_tls; // wss:// upstreams: a private root trusted, or the certificate refused with a 502
