//! Helpers shared by the tests: the seed cassette, temporary cassettes, a log
//! that keeps exchanges, and a raw HTTP/1.1 client that reports chunk framing.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use reel::cassette::{Cassette, Interaction};
use reel_server::{Exchange, ReelServerBuilder};
use tokio::io::{AsyncBufRead, AsyncBufReadExt as _, AsyncReadExt as _, AsyncWriteExt as _};

/// The seed cassette bundled with the repository.
pub fn seed_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../reel/cassettes/openai/multi_tool_streaming.yaml")
}

/// The seed cassette, loaded.
pub fn seed() -> Cassette {
    Cassette::load(seed_path()).expect("the seed cassette loads")
}

/// A directory that lives as long as the test holds it, and a cassette path in it.
pub struct TempCassette {
    _dir: tempfile::TempDir,
    pub path: PathBuf,
}

/// A path for a cassette that does not exist yet.
pub fn temp_cassette() -> TempCassette {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("cassette.yaml");
    TempCassette { _dir: dir, path }
}

/// A cassette file holding `interactions`.
pub fn cassette(interactions: Vec<Interaction>) -> TempCassette {
    let file = temp_cassette();
    let mut cassette = Cassette::new();
    cassette.interactions = interactions;
    cassette.save(&file.path).expect("the cassette saves");
    file
}

/// The exchanges a server reported, in order.
#[derive(Clone, Default)]
pub struct Exchanges(Arc<Mutex<Vec<Exchange>>>);

impl Exchanges {
    /// `builder` reporting its exchanges here.
    pub fn attach(&self, builder: ReelServerBuilder) -> ReelServerBuilder {
        let exchanges = self.0.clone();
        builder.on_exchange(move |exchange: &Exchange| {
            exchanges.lock().unwrap().push(exchange.clone());
        })
    }

    /// What has been reported so far.
    pub fn taken(&self) -> Vec<Exchange> {
        self.0.lock().unwrap().clone()
    }
}

/// A response as it came over the wire.
#[derive(Debug)]
pub struct Raw {
    /// `HTTP/1.1 200 OK`.
    pub status_line: String,
    /// Header names in lower case, values as sent, in order.
    pub headers: Vec<(String, String)>,
    /// The body's HTTP/1.1 chunks as the server framed them (one item for a body
    /// sent with `Content-Length`).
    pub chunks: Vec<Bytes>,
}

impl Raw {
    /// The status code.
    pub fn code(&self) -> u16 {
        self.status_line[9..12].parse().expect("a status code")
    }

    /// The values of header `name`.
    pub fn header(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The whole body.
    pub fn body(&self) -> Bytes {
        Bytes::from(self.chunks.concat())
    }
}

/// Sends one request over a fresh connection (`Connection: close`) and reads the
/// response, keeping the chunk boundaries the server wrote.
pub async fn raw(
    addr: std::net::SocketAddr,
    method: &str,
    target: &str,
    content_type: Option<&str>,
    body: &[u8],
) -> Raw {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    if let Some(content_type) = content_type {
        head.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("write head");
    stream.write_all(body).await.expect("write body");
    let mut received = Vec::new();
    stream
        .read_to_end(&mut received)
        .await
        .expect("read response");
    parse(&received)
}

/// Reads one response from `reader`, a connection that may carry more, keeping
/// the chunk boundaries; `None` when the server closed the connection before
/// sending a byte (or reset it). The body is read by its framing: chunked, `Content-Length`, or
/// up to the end of the connection.
pub async fn read_response<R: AsyncBufRead + Unpin>(reader: &mut R) -> Option<Raw> {
    let mut status_line = String::new();
    match reader.read_line(&mut status_line).await {
        Ok(0) => return None,
        Ok(_) => {}
        // A server that closes with request bytes unread resets the connection.
        Err(err) if err.kind() == std::io::ErrorKind::ConnectionReset => return None,
        Err(err) => panic!("read a status line: {err}"),
    }
    let status_line = status_line.trim_end().to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).await.expect("read a header");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("name: value");
        headers.push((name.to_ascii_lowercase(), value.trim().to_owned()));
    }
    let value = |name: &str| {
        headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let mut chunks = Vec::new();
    if value("transfer-encoding").as_deref() == Some("chunked") {
        loop {
            let mut line = String::new();
            reader
                .read_line(&mut line)
                .await
                .expect("a chunk size line");
            let size = usize::from_str_radix(line.trim_end(), 16).expect("a hex chunk size");
            if size == 0 {
                let mut end = String::new();
                reader.read_line(&mut end).await.expect("the last CRLF");
                assert_eq!(end, "\r\n", "no trailers, then CRLF");
                break;
            }
            let mut chunk = vec![0; size + 2];
            reader.read_exact(&mut chunk).await.expect("a whole chunk");
            assert_eq!(&chunk[size..], b"\r\n", "a chunk ends with CRLF");
            chunk.truncate(size);
            chunks.push(Bytes::from(chunk));
        }
    } else if let Some(length) = value("content-length") {
        let mut body = vec![0; length.parse().expect("a length")];
        reader.read_exact(&mut body).await.expect("the whole body");
        if !body.is_empty() {
            chunks.push(Bytes::from(body));
        }
    } else {
        let mut body = Vec::new();
        reader.read_to_end(&mut body).await.expect("the body");
        if !body.is_empty() {
            chunks.push(Bytes::from(body));
        }
    }
    Some(Raw {
        status_line,
        headers,
        chunks,
    })
}

fn parse(bytes: &[u8]) -> Raw {
    let end = find(bytes, b"\r\n\r\n").expect("a complete head");
    let head = std::str::from_utf8(&bytes[..end]).expect("a text head");
    let mut lines = head.split("\r\n");
    let status_line = lines.next().expect("a status line").to_owned();
    let headers: Vec<(String, String)> = lines
        .map(|line| {
            let (name, value) = line.split_once(':').expect("name: value");
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    let mut rest = &bytes[end + 4..];
    let chunked = headers
        .iter()
        .any(|(n, v)| n == "transfer-encoding" && v == "chunked");
    let mut chunks = Vec::new();
    if chunked {
        loop {
            let line_end = find(rest, b"\r\n").expect("a chunk size line");
            let size_text = std::str::from_utf8(&rest[..line_end]).unwrap();
            let size = usize::from_str_radix(size_text.trim(), 16).expect("a hex chunk size");
            rest = &rest[line_end + 2..];
            if size == 0 {
                break;
            }
            chunks.push(Bytes::copy_from_slice(&rest[..size]));
            assert_eq!(&rest[size..size + 2], b"\r\n", "a chunk ends with CRLF");
            rest = &rest[size + 2..];
        }
    } else if !rest.is_empty() {
        chunks.push(Bytes::copy_from_slice(rest));
    }
    Raw {
        status_line,
        headers,
        chunks,
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
