//! Peak memory of replaying a 100 MB streamed multipart upload through the
//! middleware: `cargo run -p reel-bench --release --example upload_memory [MB]`.
//!
//! The cassette (one interaction whose request is the upload) is written and
//! loaded first; then the peak resident set is reset (`/proc/self/clear_refs`)
//! and the upload is sent as a stream of 64 KiB chunks, so the peak that follows
//! is what replaying the request costs: reading the body whole, splitting its
//! parts, matching. Prints that peak above the resident set before the request,
//! in bytes and as a multiple of the body size.

use bytes::Bytes;
use reel::cassette::{Cassette, Interaction, Request, Response};
use reqwest_middleware::ClientBuilder;

const URL: &str = "https://api.openai.com/v1/files";
const BOUNDARY: &str = "reel-upload-memory";
const CHUNK: usize = 64 * 1024;

/// The file's byte at `i`: deterministic, not UTF-8.
fn byte(i: usize) -> u8 {
    (i.wrapping_mul(31) % 251) as u8 | 0x80
}

fn head() -> String {
    format!(
        "--{BOUNDARY}\r\ncontent-disposition: form-data; name=\"purpose\"\r\n\r\nbatch\r\n\
         --{BOUNDARY}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n\
         content-type: application/octet-stream\r\n\r\n"
    )
}

fn tail() -> String {
    format!("\r\n--{BOUNDARY}--\r\n")
}

/// `VmRSS` or `VmHWM` of this process, in bytes.
fn status(field: &str) -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix(field))
        .and_then(|rest| rest.trim().strip_suffix("kB"))
        .and_then(|kb| kb.trim().parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

fn main() {
    let megabytes: usize = std::env::args()
        .nth(1)
        .and_then(|mb| mb.parse().ok())
        .unwrap_or(100);
    let size = megabytes * 1024 * 1024;
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("upload.yaml");
    {
        let mut body = head().into_bytes();
        body.extend((0..size).map(byte));
        body.extend_from_slice(tail().as_bytes());
        let mut cassette = Cassette::new();
        cassette.interactions = vec![Interaction::new(
            Request::new("POST", URL)
                .with_header(
                    "Content-Type",
                    format!("multipart/form-data; boundary={BOUNDARY}"),
                )
                .with_body(body),
            Response::new(200)
                .with_header("Content-Type", "application/json")
                .with_body(r#"{"id":"file-1"}"#),
        )];
        cassette.save(&path).expect("the cassette saves");
    }
    let reel = reel::Reel::replay(&path).expect("the cassette loads");
    let client = ClientBuilder::new(reqwest::Client::new())
        .with(reel)
        .build();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");

    let before = status("VmRSS:");
    // Resets VmHWM to the current resident set (Linux 4.0 and later).
    std::fs::write("/proc/self/clear_refs", "5").expect("the peak resets");
    let chunks = std::iter::once(Bytes::from(head()))
        .chain((0..size).step_by(CHUNK).map(move |start| {
            Bytes::from(
                (start..(start + CHUNK).min(size))
                    .map(byte)
                    .collect::<Vec<u8>>(),
            )
        }))
        .chain(std::iter::once(Bytes::from(tail())))
        .map(Ok::<_, std::io::Error>);
    let body = reqwest::Body::wrap_stream(futures_util::stream::iter(chunks));
    let answer = runtime.block_on(async {
        let response = client
            .post(URL)
            .header(
                "content-type",
                format!("multipart/form-data; boundary={BOUNDARY}"),
            )
            .body(body)
            .send()
            .await
            .expect("the upload replays");
        response.text().await.expect("the answer reads")
    });
    assert_eq!(answer, r#"{"id":"file-1"}"#);
    let peak = status("VmHWM:");
    let above = peak.saturating_sub(before);
    println!(
        "streamed upload of {megabytes} MB: peak {:.1} MB above the {:.1} MB resident before \
         the request = {:.2}x the body",
        above as f64 / 1e6,
        before as f64 / 1e6,
        above as f64 / size as f64
    );
}
