//! [`ReelServer`]: a running server, its address, and how it stops.

use std::fmt;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;

use hyper::server::conn::http1;
use hyper_util::rt::{TokioIo, TokioTimer};
use reel::{Mode, Reel};
use tokio::io::{AsyncRead, AsyncWrite, DuplexStream};
use tokio::net::TcpListener;
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinHandle;

use crate::builder::HeadLimits;
use crate::service::{handle, State};
use crate::{ReelServerBuilder, Result};

/// A record/replay HTTP server on a local port, serving one cassette. Point a
/// client's base URL at [`ReelServer::base_url`].
///
/// It stops when dropped: it stops accepting connections at once and lets the
/// responses in flight finish in the background while the runtime runs.
/// [`ReelServer::shutdown`] does the same and waits for them, so that every
/// recording is saved when it returns.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let cassette = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/doc/chat_streaming.yaml");
/// # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the crate's example cassette, whatever the environment says
/// let server = reel_server::ReelServer::replay(cassette).await?;
/// # let body = reel::cassette::Cassette::load(cassette)?.interactions[0].request.body.clone();
/// let response = reqwest::Client::new()
///     .post(format!("{}/v1/chat/completions", server.base_url()))
///     .body(body) // the recorded request's body
///     .send()
///     .await?;
/// assert_eq!(response.status(), 200);
/// assert_eq!(server.unplayed(), [1]);
/// server.shutdown().await;
/// # Ok(())
/// # }
/// ```
#[must_use = "the server stops when dropped; keep it for as long as requests are sent"]
pub struct ReelServer {
    addr: SocketAddr,
    base_url: String,
    upstream: Option<reqwest::Url>,
    state: Arc<State>,
    /// Connections made in memory ([`ReelServer::connect`]), to be served.
    memory: mpsc::UnboundedSender<DuplexStream>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl ReelServer {
    /// Options: mode, upstream, repeats, the middleware's matching, pacing and
    /// redaction options, the address, the log.
    pub fn builder() -> ReelServerBuilder {
        ReelServerBuilder::default()
    }

    /// Serves the cassette at `path` in the default mode (`REEL_RECORD` if set,
    /// else `none` under CI and `once` elsewhere, which replays an existing
    /// cassette): shorthand for `ReelServer::builder().start(path)`.
    pub async fn start(path: impl AsRef<Path>) -> Result<ReelServer> {
        ReelServer::builder().start(path).await
    }

    /// Replays the cassette at `path` only ([`Mode::None`], unless `REEL_RECORD`
    /// asks for another mode): shorthand for
    /// `ReelServer::builder().mode(Mode::None).start(path)`.
    pub async fn replay(path: impl AsRef<Path>) -> Result<ReelServer> {
        ReelServer::builder().mode(Mode::None).start(path).await
    }

    /// `http://HOST:PORT`, without a trailing `/`: the base URL to give a client
    /// (an SDK that expects a version prefix takes `{base_url}/v1`).
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The address the server listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The upstream requests are recorded from, if any, as its URL text
    /// (parsed and normalized: `https://api.openai.com/`).
    pub fn upstream(&self) -> Option<&str> {
        self.upstream.as_ref().map(reqwest::Url::as_str)
    }

    /// The cassette path.
    pub fn cassette(&self) -> &Path {
        self.state.reel.path()
    }

    /// The mode in force.
    pub fn mode(&self) -> Mode {
        self.state.reel.mode()
    }

    /// The open cassette, as every adapter sees it: [`Reel::unplayed`],
    /// [`Reel::flush`], [`Reel::behaviour`].
    pub fn reel(&self) -> &Reel {
        &self.state.reel
    }

    /// The interactions not replayed yet, by position in the cassette.
    pub fn unplayed(&self) -> Vec<usize> {
        self.state.reel.unplayed()
    }

    /// A new connection to the server, in memory: no socket (the server still
    /// listens on its port for other clients). It is
    /// served like any connection (HTTP/1.1, WebSocket upgrades), so a client
    /// that takes a stream speaks to the server through it, and the `Host` its
    /// URL names does not matter (the server matches without the host). For a
    /// WebSocket session, tokio-tungstenite's `client_async`:
    ///
    /// ```no_run
    /// # async fn f(server: reel_server::ReelServer) -> Result<(), Box<dyn std::error::Error>> {
    /// let url = "wss://api.openai.com/v1/realtime?model=gpt-realtime";
    /// let (session, _response) = tokio_tungstenite::client_async(url, server.connect()).await?;
    /// # Ok(())
    /// # }
    /// ```
    ///
    /// After [`ReelServer::shutdown`] the stream is closed at once.
    pub fn connect(&self) -> DuplexStream {
        let (client, server) = tokio::io::duplex(MEMORY_BUFFER);
        // A server that stopped drops `server`: the client reads the end.
        let _ = self.memory.send(server);
        client
    }

    /// Stops accepting connections, waits for the responses in flight to be sent
    /// (so their recordings are saved), and closes idle connections.
    pub async fn shutdown(mut self) {
        self.stop.take();
        if let Some(task) = self.task.take() {
            // The serving task only ends by itself; a panic in it has been
            // reported by the runtime already.
            let _ = task.await;
        }
    }

    pub(crate) fn spawn(
        listener: TcpListener,
        addr: SocketAddr,
        base_url: String,
        upstream: Option<reqwest::Url>,
        state: State,
        head: HeadLimits,
    ) -> ReelServer {
        let (stop, stopped) = oneshot::channel();
        let (memory, connections) = mpsc::unbounded_channel();
        let state = Arc::new(state);
        let listening = Listening {
            listener,
            memory: connections,
        };
        let task = tokio::spawn(serve(listening, state.clone(), stopped, head));
        ReelServer {
            addr,
            base_url,
            upstream,
            state,
            memory,
            stop: Some(stop),
            task: Some(task),
        }
    }
}

/// How much each direction of an in-memory connection buffers: as a socket's
/// buffer would, it holds a few events before the writer waits for the reader.
const MEMORY_BUFFER: usize = 64 * 1024;

/// Where connections come from: the port, and [`ReelServer::connect`].
struct Listening {
    listener: TcpListener,
    memory: mpsc::UnboundedReceiver<DuplexStream>,
}

/// Accepts connections until `stopped` fires or its sender is dropped, then
/// waits for the connections to finish their responses, and for the WebSocket
/// sessions they upgraded to to end (so that their recordings are saved).
async fn serve(
    Listening {
        listener,
        mut memory,
    }: Listening,
    state: Arc<State>,
    mut stopped: oneshot::Receiver<()>,
    head: HeadLimits,
) {
    // hyper-util's `GracefulShutdown` cannot watch a connection that may
    // upgrade, so the same is done here: each connection is told to finish when
    // `stop` turns true, and holds an `InFlight` until it is done, as does each
    // session it upgraded to; `done` yields `None` when none is left.
    let (stop, stopping) = watch::channel(false);
    let (in_flight, mut done) = mpsc::channel::<()>(1);
    let connections = Connections {
        state,
        http: http1(head),
        stopping,
        in_flight: in_flight.clone(),
    };
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => {
                    // Each event is its own write: no delay waiting to fill a segment.
                    let _ = stream.set_nodelay(true);
                    connections.serve(stream);
                }
                // A connection that failed before it was accepted (reset, or out of
                // file descriptors for a moment) is the client's problem.
                Err(_) => continue,
            },
            Some(stream) = memory.recv() => connections.serve(stream),
            _ = &mut stopped => break,
        }
    }
    drop(listener);
    drop(memory);
    drop(connections);
    let _ = stop.send(true);
    drop(in_flight);
    let _ = done.recv().await;
}

/// What serving a connection needs.
struct Connections {
    state: Arc<State>,
    http: http1::Builder,
    /// Turns true when the server stops.
    stopping: watch::Receiver<bool>,
    /// Held by each connection until it is done.
    in_flight: mpsc::Sender<()>,
}

impl Connections {
    /// Serves `stream` in a task of its own, until the client is done or the
    /// server stops (then after the responses in flight).
    fn serve<S>(&self, stream: S)
    where
        S: AsyncRead + AsyncWrite + Send + Unpin + 'static,
    {
        let state = self.state.clone();
        let sessions = self.in_flight.clone();
        let service = hyper::service::service_fn(move |request| {
            handle(state.clone(), sessions.clone(), request)
        });
        let connection = self
            .http
            .serve_connection(TokioIo::new(stream), service)
            .with_upgrades();
        let mut stopping = self.stopping.clone();
        let in_flight = self.in_flight.clone();
        tokio::spawn(async move {
            let _in_flight = in_flight;
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                // A client that goes away mid-response is not the server's error.
                _ = connection.as_mut() => return,
                // Stopping, or the server is gone: either way, finish.
                _ = stopping.wait_for(|stop| *stop) => {}
            }
            connection.as_mut().graceful_shutdown();
            let _ = connection.await;
        });
    }
}

/// hyper's read buffer limit (8 KiB plus 100 times 4 KiB): a head that fills it
/// unfinished is answered `431` whatever `max_header_size` says.
const HYPER_MAX_BUF_SIZE: usize = 8192 + 4096 * 100;

/// How each connection is served: HTTP/1.1 with keep-alive and these limits on the
/// request head:
///
/// - at most `head.max_headers` header fields; one more answers `431`. Left to
///   hyper at its default of 100, since setting it, even to 100, makes hyper
///   allocate the parse buffer on the heap for every request;
/// - at most `head.max_head_size` bytes; more answers `431`. Without it, hyper's
///   limit would be its read buffer, about 400 KiB per connection; a larger limit
///   raises the buffer to match;
/// - read within 30 s, hyper's default, which only applies with a timer: a client
///   that trickles its head, or leaves a keep-alive connection idle, is
///   disconnected 30 s after the server started waiting for its request.
fn http1(head: HeadLimits) -> http1::Builder {
    let mut http = http1::Builder::new();
    http.timer(TokioTimer::new())
        .max_header_size(head.max_head_size)
        // Each chunk (size line, data, CRLF) flattened into one buffer, one write.
        .writev(false);
    if head.max_headers != crate::DEFAULT_MAX_HEADERS {
        http.max_headers(head.max_headers);
    }
    if head.max_head_size > HYPER_MAX_BUF_SIZE {
        http.max_buf_size(head.max_head_size);
    }
    http
}

impl Drop for ReelServer {
    fn drop(&mut self) {
        // Dropping the sender stops the accept loop; the task finishes the
        // responses in flight on its own.
        self.stop.take();
    }
}

impl fmt::Debug for ReelServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReelServer")
            .field("base_url", &self.base_url)
            .field(
                "upstream",
                &self.upstream.as_ref().map(reqwest::Url::as_str),
            )
            .field("reel", &self.state.reel)
            .finish()
    }
}
