//! Item 1: replay cost per request through a `reqwest` client with middleware,
//! small JSON body, against the floor and the alternatives.
//!
//! Every contender gets the same request (a POST with a ~200-byte JSON body to the
//! same URL) and answers with the same ~250-byte JSON body; the client reads it
//! whole. For each cassette size (1, 1,000, 10,000 interactions, the request
//! matching the last one):
//! - `floor`: [`reel_bench::Floor`], a prebuilt response without looking at the
//!   request; the floor does not depend on the size, but is timed in each size's
//!   rounds so that each ratio pairs times taken together;
//! - `reel`: `Reel::builder().allow_repeats().replay(path)`;
//! - `reel + hook`: the same with a `before_replay` hook that changes nothing,
//!   for what a hook costs;
//! - `floor (tower)` and `reel (tower)`: the same floor and the same `Reel` as
//!   `tower::Service<reqwest::Request>`s (reel's [`reel::ReelService`]), called
//!   with a request built by a `reqwest::Client`, the way async-openai calls
//!   the service it is given;
//! - `reqwest-vcr`: its middleware on the same interactions in its own JSON format,
//!   `VCRReplaySearch::SearchAll` (its default, `SkipFound`, would answer each
//!   interaction once, in order);
//! - `wiremock`: a local `MockServer` with one mock per interaction (method, path
//!   and `body_json`, the equivalent of reel's JSON body match), over keep-alive,
//!   with its defaults (it keeps every received request for `received_requests`).
//!
//! Criterion reports each contender; the table after it comes from 30 alternating
//! rounds per size ([`reel_bench::Rounds`]).
//!
//! reel, reqwest-vcr and the floor use reqwest 0.13 and reqwest-middleware 0.5 (the
//! versions reqwest-vcr 0.4 builds against by default), so one floor serves all.
//!
//! `cargo bench -p reel-bench --bench replay`

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::Path;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion};
use reel_bench::workload::{self, request_body, response_body, PATH};
use reel_bench::{format_duration, Contender, Floor, Rounds, Table};
use reqwest_middleware::{ClientBuilder, ClientWithMiddleware};
use reqwest_vcr::{VCRMiddleware, VCRMode, VCRReplaySearch};
use tokio::runtime::Runtime;
use wiremock::matchers::{body_json, method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const SIZES: [usize; 3] = [1, 1_000, 10_000];

/// One cassette size: a client per contender, the URL and the request body.
struct Size {
    n: usize,
    url: String,
    body: String,
    clients: Vec<(&'static str, ClientWithMiddleware)>,
    /// The tower adapter and its floor, with the client that builds requests.
    services: Vec<(&'static str, Service)>,
    builder: reqwest::Client,
    _server: MockServer,
}

/// A tower service over `reqwest::Request`, as async-openai and tower stacks take
/// (in a cell: `call` takes `&mut self`, and the benches run one request at a time).
enum Service {
    Floor(RefCell<Floor>),
    Reel(RefCell<reel::ReelService<reqwest::Client>>),
}

impl Service {
    // One request at a time: nothing else borrows the cell while it is held.
    #[allow(clippy::await_holding_refcell_ref)]
    async fn send(&self, client: &reqwest::Client, url: &str, body: &str) -> bytes::Bytes {
        match self {
            Service::Floor(floor) => {
                workload::send_tower(&mut *floor.borrow_mut(), client, url, body).await
            }
            Service::Reel(reel) => {
                workload::send_tower(&mut *reel.borrow_mut(), client, url, body).await
            }
        }
    }
}

fn with_middleware(middleware: impl reqwest_middleware::Middleware) -> ClientWithMiddleware {
    ClientBuilder::new(workload::http_client())
        .with(middleware)
        .build()
}

async fn setup(n: usize, dir: &Path) -> Size {
    // wiremock runs its server on a thread of its own, on 127.0.0.1.
    let server = MockServer::start().await;
    for i in 0..n {
        let expected: serde_json::Value =
            serde_json::from_str(&request_body(i)).expect("the body is JSON");
        Mock::given(method("POST"))
            .and(path(PATH))
            .and(body_json(expected))
            .respond_with(
                ResponseTemplate::new(200).set_body_raw(response_body(i), "application/json"),
            )
            .mount(&server)
            .await;
    }
    let url = format!("{}{PATH}", server.uri());

    let reel_path = dir.join(format!("reel-{n}.yaml"));
    workload::reel_cassette(&url, n)
        .save(&reel_path)
        .expect("the reel cassette saves");
    // Repeats let every iteration replay the same (last) interaction.
    let reel = reel::Reel::builder()
        .allow_repeats()
        .replay(&reel_path)
        .expect("the reel cassette loads");
    // The same with a `before_replay` hook that changes nothing: what a hook
    // costs (a copy of the response, prepared again, per request).
    let hooked = reel::Reel::builder()
        .allow_repeats()
        .before_replay(|_, _| Ok(()))
        .replay(&reel_path)
        .expect("the reel cassette loads");

    let vcr_path = dir.join(format!("reqwest-vcr-{n}.json"));
    let json = serde_json::to_vec(&vcr_cassette(&url, n)).expect("the vcr cassette encodes");
    std::fs::write(&vcr_path, json).expect("the vcr cassette saves");
    let vcr = VCRMiddleware::try_from(vcr_path)
        .expect("the vcr cassette loads")
        .with_mode(VCRMode::Replay)
        .with_search(VCRReplaySearch::SearchAll);

    let floor = Floor::whole("application/json", response_body(n - 1));
    let services = vec![
        ("floor (tower)", Service::Floor(RefCell::new(floor.clone()))),
        (
            "reel (tower)",
            Service::Reel(RefCell::new(reel.service(workload::http_client()))),
        ),
    ];
    Size {
        n,
        body: request_body(n - 1),
        services,
        builder: workload::http_client(),
        clients: vec![
            ("floor", with_middleware(floor)),
            ("reel", with_middleware(reel)),
            ("reel + hook", with_middleware(hooked)),
            ("reqwest-vcr", with_middleware(vcr)),
            // No middleware: the request goes to wiremock's server.
            (
                "wiremock",
                ClientBuilder::new(workload::http_client()).build(),
            ),
        ],
        url,
        _server: server,
    }
}

/// The same `n` interactions in reqwest-vcr's format (vcr-cassette JSON). Its
/// matcher compares method, URI, headers and body exactly, so the recorded headers
/// are exactly what the client sends.
fn vcr_cassette(url: &str, n: usize) -> vcr_cassette::Cassette {
    use vcr_cassette::{Body, HttpInteraction, Method, Request, Response, Status, Version};
    let uri = vcr_cassette::url::Url::parse(url).expect("the URL parses");
    let recorded_at =
        vcr_cassette::chrono::DateTime::parse_from_rfc2822("Tue, 03 Jun 2025 10:15:42 +0000")
            .expect("the date parses");
    let json_headers = || {
        HashMap::from([(
            "content-type".to_owned(),
            vec!["application/json".to_owned()],
        )])
    };
    vcr_cassette::Cassette {
        http_interactions: (0..n)
            .map(|i| HttpInteraction {
                request: Request {
                    uri: uri.clone(),
                    body: Body {
                        encoding: None,
                        string: request_body(i),
                    },
                    method: Method::Post,
                    headers: json_headers(),
                },
                response: Response {
                    body: Body {
                        encoding: None,
                        string: response_body(i),
                    },
                    http_version: Some(Version::Http1_1),
                    status: Status {
                        code: 200,
                        message: "OK".to_owned(),
                    },
                    headers: json_headers(),
                },
                recorded_at,
            })
            .collect(),
        recorded_with: "reel-bench".to_owned(),
    }
}

fn main() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    let dir = tempfile::tempdir().expect("a temp dir");
    let mut criterion = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(300))
        .measurement_time(Duration::from_millis(1500))
        .configure_from_args();

    let sizes: Vec<Size> = SIZES
        .iter()
        .map(|&n| runtime.block_on(setup(n, dir.path())))
        .collect();
    for size in &sizes {
        check(&runtime, size);
    }

    let mut group = criterion.benchmark_group("replay one request");
    for size in &sizes {
        for (name, client) in &size.clients {
            group.bench_with_input(BenchmarkId::new(*name, size.n), &size.n, |b, _| {
                b.iter(|| runtime.block_on(workload::send(client, &size.url, &size.body)));
            });
        }
        for (name, service) in &size.services {
            group.bench_with_input(BenchmarkId::new(*name, size.n), &size.n, |b, _| {
                b.iter(|| runtime.block_on(service.send(&size.builder, &size.url, &size.body)));
            });
        }
    }
    group.finish();
    criterion.final_summary();

    let mut table = Table::new(&[
        "interactions",
        "floor",
        "reel",
        "reqwest-vcr",
        "wiremock",
        "reel / floor (≤ 1.3)",
        "reel + no-op before_replay / floor",
        "reel tower / tower floor (≤ 1.3)",
        "reqwest-vcr / reel (≥ 5 at 1,000)",
        "wiremock / reel (≥ 10 at 1,000)",
    ]);
    for size in &sizes {
        let mut contenders: Vec<Contender<'_>> = size
            .clients
            .iter()
            .map(|(name, client)| {
                Contender::new(*name, || {
                    runtime.block_on(workload::send(client, &size.url, &size.body));
                })
            })
            .collect();
        contenders.extend(size.services.iter().map(|(name, service)| {
            Contender::new(*name, || {
                runtime.block_on(service.send(&size.builder, &size.url, &size.body));
            })
        }));
        let rounds = Rounds::run(contenders, 30, Duration::from_millis(20));
        let time = |name| format_duration(rounds.median(name));
        let ratio = |a, b| format!("{:.2}", rounds.ratio(a, b));
        table.row(vec![
            size.n.to_string(),
            time("floor"),
            time("reel"),
            time("reqwest-vcr"),
            time("wiremock"),
            ratio("reel", "floor"),
            ratio("reel + hook", "floor"),
            ratio("reel (tower)", "floor (tower)"),
            ratio("reqwest-vcr", "reel"),
            ratio("wiremock", "reel"),
        ]);
    }
    println!(
        "\nReplay one request: median time per request over 30 alternating rounds, \
         ratios the median of per-round ratios\n\n{table}"
    );
}

/// Every contender answers the benchmarked request with the last interaction's body.
fn check(runtime: &Runtime, size: &Size) {
    for (name, client) in &size.clients {
        let body = runtime.block_on(workload::send(client, &size.url, &size.body));
        assert_eq!(
            body,
            response_body(size.n - 1).as_bytes(),
            "{name} answers with the last interaction"
        );
    }
    for (name, service) in &size.services {
        let body = runtime.block_on(service.send(&size.builder, &size.url, &size.body));
        assert_eq!(
            body,
            response_body(size.n - 1).as_bytes(),
            "{name} answers with the last interaction"
        );
    }
}
