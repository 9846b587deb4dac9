//! One engine, every adapter: the same miss gives the same mismatch report,
//! word for word, through the reqwest middleware, the tower service and the
//! server (whose `404` body is the report).

use reel::{Error, Mode, Reel};
use reel_server::ReelServer;
use reel_tests::{reran_without_reel_env, seed_cassette};
use tower_service::Service as _;

const URL: &str = "https://api.openai.com/v1/chat/completions";

/// The seed's first request with another `max_tokens`: it matches nothing.
fn changed_body() -> String {
    let cassette = reel::cassette::Cassette::load(seed_cassette()).unwrap();
    let mut body: serde_json::Value =
        serde_json::from_slice(&cassette.interactions[0].request.body).unwrap();
    body["max_tokens"] = 1000.into();
    body.to_string()
}

fn open() -> Reel {
    Reel::builder()
        .mode(Mode::None)
        .record_command(|mode| format!("REEL_RECORD={mode} ./record-the-seed"))
        .open(seed_cassette())
        .unwrap()
}

fn no_match(err: &(dyn std::error::Error + 'static)) -> String {
    match err.downcast_ref::<Error>() {
        Some(Error::NoMatch(report)) => report.text().to_owned(),
        _ => panic!("not a miss: {err}"),
    }
}

#[tokio::test]
async fn a_miss_reads_the_same_through_the_middleware_the_tower_service_and_the_server() {
    if reran_without_reel_env() {
        return;
    }
    let body = changed_body();
    let request = || {
        reqwest::Client::new()
            .post(URL)
            .header("content-type", "application/json")
            .body(body.clone())
    };

    let middleware = reqwest_middleware::ClientBuilder::new(reqwest::Client::new())
        .with(open())
        .build();
    let err = middleware
        .post(URL)
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap_err();
    let reqwest_middleware::Error::Middleware(err) = err else {
        panic!("{err}")
    };
    let through_middleware = no_match(err.as_ref());

    let mut service = open().service(reqwest::Client::new());
    let err = service.call(request().build().unwrap()).await.unwrap_err();
    let through_tower = no_match(err.as_ref());

    let server = ReelServer::builder()
        .options(|reel| reel.record_command(|mode| format!("REEL_RECORD={mode} ./record-the-seed")))
        .mode(Mode::None)
        .on_exchange(|_| {})
        .start(seed_cassette())
        .await
        .unwrap();
    let response = reqwest::Client::new()
        .post(format!("{}/v1/chat/completions", server.base_url()))
        .header("content-type", "application/json")
        .body(body.clone())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    assert_eq!(response.headers()["x-reel-error"], "no-match");
    let through_server = response.text().await.unwrap();

    assert!(
        through_middleware.starts_with("reel: no recorded interaction matches POST"),
        "{through_middleware}"
    );
    assert!(through_middleware.contains("-  \"max_tokens\": 4000,\n"));
    assert!(through_middleware.ends_with("run: REEL_RECORD=all ./record-the-seed"));
    assert_eq!(through_tower, through_middleware);
    // The server sees its own address; the recorded host is ignored there, so the
    // first line names the URL it received. The rest is the same report.
    let (first, rest) = through_server.trim_end().split_once('\n').unwrap();
    assert!(
        first.starts_with("reel: no recorded interaction matches POST http://127.0.0.1:"),
        "{first}"
    );
    assert_eq!(rest, through_middleware.split_once('\n').unwrap().1);
}
