//! `reel serve CASSETTE`: the cassette over HTTP on a local port, for clients that
//! take a base URL; a recording reverse proxy with `--upstream`.
//!
//! The first stdout line is `listening on http://HOST:PORT`, flushed at once so a
//! script or test can read the port; every request gets one line on stderr. Ctrl-C
//! or SIGTERM stops the server after the responses in flight are sent (and their
//! recordings saved).

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs as _};

use anyhow::Context as _;
use reel::Mode;
use reel_server::{Exchange, ReelServer};

use crate::cli::{ModeArg, ServeArgs};
use crate::Outcome;

pub fn run(args: &ServeArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let addr = address(&args.host, args.port)?;
    // Only this command needs a runtime; two workers serve a test suite's clients.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, addr, out))
}

async fn serve(
    args: &ServeArgs,
    addr: SocketAddr,
    out: &mut impl Write,
) -> anyhow::Result<Outcome> {
    // Listen for signals before announcing the port, so that a signal sent as soon
    // as the line is read stops the server gracefully instead of killing it.
    let mut signals = Signals::new().context("cannot listen for Ctrl-C and SIGTERM")?;
    let path = args.path.display().to_string();
    let upstream = args.upstream.clone().unwrap_or_else(|| "URL".to_owned());
    let mut builder = ReelServer::builder()
        .bind(addr)
        .on_exchange(log)
        .record_command(move |mode| {
            format!("reel serve {path} --mode {mode} --upstream {upstream}")
        });
    if let Some(mode) = args.mode {
        builder = builder.mode(mode.into());
    }
    if let Some(upstream) = &args.upstream {
        builder = builder.upstream(upstream);
    }
    if args.allow_repeats {
        builder = builder.allow_repeats();
    }
    let server = builder.start(&args.path).await?;
    let from = match server.upstream() {
        Some(upstream) => format!(", upstream {}", upstream.as_str().trim_end_matches('/')),
        None => String::new(),
    };
    // Before the stdout line: no request can be logged before it has been read.
    eprintln!(
        "reel: serving {} (mode {}{from}); Ctrl-C or SIGTERM stops",
        server.cassette().display(),
        server.mode()
    );
    writeln!(out, "listening on {}", server.base_url())?;
    out.flush()?;

    signals.next().await;
    eprintln!("reel: stopping after the responses in flight");
    tokio::select! {
        () = server.shutdown() => Ok(Outcome::Clean),
        () = signals.next() => {
            eprintln!("reel: stopped at a second signal; responses still in flight were cut off and not recorded");
            Ok(Outcome::Found)
        }
    }
}

/// One line per request; a miss or failure also gets its report.
fn log(exchange: &Exchange) {
    match exchange.details() {
        Some(details) => eprintln!("{exchange}\n{details}"),
        None => eprintln!("{exchange}"),
    }
}

/// `--host` and `--port` as an address to bind: an IPv4 address first when a host
/// name has several.
fn address(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("--host {host}: not an IP address or a known host name"))?
        .collect();
    addrs
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(addrs.first())
        .copied()
        .with_context(|| format!("--host {host}: the name has no address"))
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::None => Mode::None,
            ModeArg::Once => Mode::Once,
            ModeArg::NewEpisodes => Mode::NewEpisodes,
            ModeArg::All => Mode::All,
        }
    }
}

/// Ctrl-C, and SIGTERM where there are signals.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            // When no handler can be installed, Ctrl-C ends the process as usual.
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
