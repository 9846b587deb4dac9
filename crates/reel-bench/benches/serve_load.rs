//! Item 7: `reel serve` under load. The `reel` binary runs as a child process
//! (`reel serve SEED --mode none --allow-repeats`, its per-request log lines sent
//! to /dev/null), so the resident set measured is the server's alone; the client
//! is this process.
//!
//! Every connection is kept alive and sends the seed's first request (853 bytes of
//! JSON) again and again, reading each response to its end (the 14-event stream,
//! 5,059 bytes in 14 HTTP chunks) before sending the next. The client writes a
//! prepared request and parses the status line and the chunk framing, nothing
//! more, on one thread; the server has its own two worker threads (`reel serve`'s
//! runtime), so the three share the machine's cores.
//!
//! Two tables: requests per second and the server's peak resident set (`VmHWM`,
//! reset before each level through `/proc/PID/clear_refs`) at 1, 16, 64 and 256
//! connections; then the server's resident set (`VmRSS`) in a fresh child after
//! 10,000 requests and after 1,000,000 (`REEL_BENCH_LONG_REQUESTS` for another
//! count), which must stay within 1.5x. Any error (a connection that fails, a
//! status other than 200, a body of the wrong length) fails the bench.
//!
//! The binary is built first with `cargo build --profile bench -p reel-cli --bin
//! reel --no-default-features` (TLS only matters for recording from https
//! upstreams), or taken from `REEL_BIN`.
//!
//! `cargo bench -p reel-bench --bench serve_load`

use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use reel::cassette::Cassette;
use reel_bench::Table;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

/// The connection counts of the first table.
const LEVELS: [usize; 4] = [1, 16, 64, 256];
/// How long each level runs, after a warm-up of a few requests per connection.
const LEVEL_TIME: Duration = Duration::from_secs(5);
/// The connections of the long run.
const LONG_CONNECTIONS: usize = 64;
/// The resident set is read after this many requests, then after the long count.
const SHORT_COUNT: u64 = 10_000;
const LONG_COUNT: u64 = 1_000_000;

fn seed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reel/cassettes/openai/multi_tool_streaming.yaml")
}

/// The `reel` binary: `REEL_BIN`, or built with cargo for this bench.
fn reel_binary() -> PathBuf {
    if let Some(path) = std::env::var_os("REEL_BIN") {
        return PathBuf::from(path);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "build",
            "--profile",
            "bench",
            "-p",
            "reel-cli",
            "--bin",
            "reel",
            "--no-default-features",
            "--message-format=json-render-diagnostics",
        ])
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stderr(Stdio::inherit())
        .output()
        .expect("cargo runs");
    assert!(output.status.success(), "cargo build -p reel-cli failed");
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|message| message["target"]["name"] == "reel")
        .find_map(|message| message["executable"].as_str().map(PathBuf::from))
        .expect("cargo names the reel executable")
}

/// A `reel serve` child process and its address.
struct Server {
    child: Child,
    addr: SocketAddr,
}

impl Server {
    fn start(reel: &Path) -> Server {
        let mut child = Command::new(reel)
            .arg("serve")
            .arg(seed_path())
            .args(["--mode", "none", "--allow-repeats"])
            .env_remove("REEL_RECORD")
            .env_remove("CI")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("reel serve starts");
        let mut line = String::new();
        std::io::BufReader::new(child.stdout.take().expect("its stdout"))
            .read_line(&mut line)
            .expect("reel serve prints its address");
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("not an address line: {line:?}"));
        Server { child, addr }
    }

    /// A `kB` field of `/proc/PID/status`, in bytes.
    fn status(&self, field: &str) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id()))
            .expect("the server's /proc status");
        status
            .lines()
            .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
            .and_then(|rest| rest.trim().strip_suffix("kB"))
            .and_then(|kb| kb.trim().parse::<u64>().ok())
            .map_or(0, |kb| kb * 1024)
    }

    /// Resets the peak resident set to the current one.
    fn reset_peak(&self) {
        std::fs::write(format!("/proc/{}/clear_refs", self.child.id()), "5")
            .expect("the peak resets");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one level of load did.
#[derive(Default)]
struct Load {
    requests: u64,
    errors: Vec<String>,
    latencies: Vec<Duration>,
    elapsed: Duration,
}

/// A keep-alive connection that sends `request` and reads whole responses.
struct Connection {
    stream: TcpStream,
    buffer: Vec<u8>,
}

impl Connection {
    async fn open(addr: SocketAddr) -> std::io::Result<Connection> {
        let stream = TcpStream::connect(addr).await?;
        stream.set_nodelay(true)?;
        Ok(Connection {
            stream,
            buffer: Vec::with_capacity(16 * 1024),
        })
    }

    /// Sends `request`, reads the response to its end, and checks a `200` with a
    /// body of `expected` bytes.
    async fn exchange(&mut self, request: &[u8], expected: usize) -> Result<(), String> {
        self.stream
            .write_all(request)
            .await
            .map_err(|err| format!("write: {err}"))?;
        self.buffer.clear();
        loop {
            if let Some(parsed) = parse(&self.buffer) {
                let length = parsed?;
                if length != expected {
                    return Err(format!("a body of {length} bytes, not {expected}"));
                }
                return Ok(());
            }
            let read = self
                .stream
                .read_buf(&mut self.buffer)
                .await
                .map_err(|err| format!("read: {err}"))?;
            if read == 0 {
                return Err("the server closed the connection".into());
            }
        }
    }
}

/// The body length of the complete `200` response in `bytes`, `None` while it is
/// incomplete.
fn parse(bytes: &[u8]) -> Option<Result<usize, String>> {
    let head_end = find(bytes, b"\r\n\r\n")?;
    if !bytes.starts_with(b"HTTP/1.1 200 ") {
        let line = bytes.split(|b| *b == b'\r').next().unwrap_or_default();
        return Some(Err(String::from_utf8_lossy(line).into_owned()));
    }
    let mut rest = &bytes[head_end + 4..];
    let mut length = 0;
    loop {
        let line_end = find(rest, b"\r\n")?;
        let size = std::str::from_utf8(&rest[..line_end])
            .ok()
            .and_then(|size| usize::from_str_radix(size, 16).ok());
        let Some(size) = size else {
            return Some(Err("a broken chunk size line".into()));
        };
        rest = &rest[line_end + 2..];
        if size == 0 {
            return (rest.len() >= 2).then_some(Ok(length));
        }
        if rest.len() < size + 2 {
            return None;
        }
        length += size;
        rest = &rest[size + 2..];
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Opens `connections` connections, has each send `warm_up` requests, then
/// requests until `until` says stop (given the requests started so far and the
/// time elapsed); only the latter are counted and timed.
async fn load(
    addr: SocketAddr,
    connections: usize,
    warm_up: usize,
    request: Arc<Vec<u8>>,
    expected: usize,
    until: Arc<dyn Fn(u64, Duration) -> bool + Send + Sync>,
) -> Load {
    let sent = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let barrier = Arc::new(tokio::sync::Barrier::new(connections + 1));
    let clients: Vec<_> = (0..connections)
        .map(|_| {
            let (request, until, sent, barrier) = (
                request.clone(),
                until.clone(),
                sent.clone(),
                barrier.clone(),
            );
            tokio::spawn(async move {
                let mut done = Load::default();
                let mut connection = match Connection::open(addr).await {
                    Ok(connection) => Some(connection),
                    Err(err) => {
                        done.errors.push(format!("connect: {err}"));
                        None
                    }
                };
                for _ in 0..warm_up {
                    if let Some(open) = &mut connection {
                        if let Err(err) = open.exchange(&request, expected).await {
                            done.errors.push(err);
                            connection = None;
                        }
                    }
                }
                barrier.wait().await;
                let begun = Instant::now();
                while let Some(open) = &mut connection {
                    let so_far = sent.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    if until(so_far, begun.elapsed()) {
                        break;
                    }
                    let started = Instant::now();
                    match open.exchange(&request, expected).await {
                        Ok(()) => {
                            done.requests += 1;
                            done.latencies.push(started.elapsed());
                        }
                        Err(err) => {
                            done.errors.push(err);
                            connection = None;
                        }
                    }
                }
                done
            })
        })
        .collect();
    barrier.wait().await;
    let begun = Instant::now();
    let mut total = Load::default();
    for client in clients {
        let done = client.await.expect("a client task");
        total.requests += done.requests;
        total.errors.extend(done.errors);
        total.latencies.extend(done.latencies);
    }
    total.elapsed = begun.elapsed();
    total.latencies.sort_unstable();
    total
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let index = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(index).copied().unwrap_or_default()
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn assert_no_errors(what: &str, load: &Load) {
    assert!(
        load.errors.is_empty(),
        "{what}: {} errors, the first: {}",
        load.errors.len(),
        load.errors[0]
    );
}

fn main() {
    let reel = reel_binary();
    let seed = Cassette::load(seed_path()).expect("the seed loads");
    let first = &seed.interactions[0];
    let expected = first.response.body.len();
    let mut request = format!(
        "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        first.request.body.len()
    )
    .into_bytes();
    request.extend_from_slice(&first.request.body);
    let request = Arc::new(request);
    let quick = reel_bench::quick();
    let long_count: u64 = std::env::var("REEL_BENCH_LONG_REQUESTS")
        .ok()
        .map(|n| n.replace(['_', ','], "").parse().expect("a request count"))
        .unwrap_or(if quick { SHORT_COUNT * 2 } else { LONG_COUNT });
    let level_time = if quick {
        Duration::from_millis(200)
    } else {
        LEVEL_TIME
    };

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime for the client");

    let server = Server::start(&reel);
    let idle = server.status("VmRSS");
    let mut table = Table::new(&[
        "connections",
        "requests/s",
        "p50 latency",
        "p99 latency",
        "requests",
        "errors",
        "server peak RSS",
    ]);
    for connections in LEVELS {
        server.reset_peak();
        let until: Arc<dyn Fn(u64, Duration) -> bool + Send + Sync> =
            Arc::new(move |_, elapsed| elapsed >= level_time);
        let done = runtime.block_on(load(
            server.addr,
            connections,
            3,
            request.clone(),
            expected,
            until,
        ));
        assert_no_errors(&format!("{connections} connections"), &done);
        let peak = server.status("VmHWM");
        table.row(vec![
            connections.to_string(),
            format!("{:.0}", done.requests as f64 / done.elapsed.as_secs_f64()),
            reel_bench::format_duration(percentile(&done.latencies, 0.5)),
            reel_bench::format_duration(percentile(&done.latencies, 0.99)),
            thousands(done.requests),
            done.errors.len().to_string(),
            mib(peak),
        ]);
    }
    drop(server);
    println!(
        "\nreel serve under load: the seed's first request over keep-alive connections on \
         127.0.0.1, {} s per level; server idle RSS {}\n\n{table}",
        level_time.as_secs_f64(),
        mib(idle)
    );

    // A fresh server: its resident set after SHORT_COUNT requests, then after
    // long_count, with checkpoints in between.
    let server = Server::start(&reel);
    let idle = server.status("VmRSS");
    let mut table = Table::new(&[
        "requests served",
        "server RSS",
        "server peak RSS",
        "/ RSS at 10,000",
        "requests/s",
    ]);
    let mut checkpoints = vec![SHORT_COUNT];
    let mut next = SHORT_COUNT * 10;
    while next < long_count {
        checkpoints.push(next);
        next *= 10;
    }
    checkpoints.push(long_count);
    let mut served = 0;
    let mut at_short = 0;
    let begun = Instant::now();
    for target in checkpoints {
        let count = target - served;
        let until: Arc<dyn Fn(u64, Duration) -> bool + Send + Sync> =
            Arc::new(move |so_far, _| so_far >= count);
        let done = runtime.block_on(load(
            server.addr,
            LONG_CONNECTIONS,
            0,
            request.clone(),
            expected,
            until,
        ));
        assert_no_errors(&format!("the run to {target} requests"), &done);
        assert_eq!(done.requests, count);
        served = target;
        let rss = server.status("VmRSS");
        if target == SHORT_COUNT {
            at_short = rss;
        }
        table.row(vec![
            thousands(target),
            mib(rss),
            mib(server.status("VmHWM")),
            format!("{:.2}", rss as f64 / at_short as f64),
            format!("{:.0}", done.requests as f64 / done.elapsed.as_secs_f64()),
        ]);
    }
    let last = server.status("VmRSS");
    drop(server);
    println!(
        "\nreel serve's resident set over a long run: {LONG_CONNECTIONS} keep-alive \
         connections, {} requests in {:.0} s; server idle RSS {}\n\n{table}",
        thousands(long_count),
        begun.elapsed().as_secs_f64(),
        mib(idle)
    );
    let growth = last as f64 / at_short as f64;
    assert!(
        growth <= 1.5,
        "the server's RSS grew {growth:.2}x from 10,000 to {} requests",
        thousands(long_count)
    );
}
