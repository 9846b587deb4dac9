//! Many tasks share one client.

use std::collections::BTreeSet;

use reel::Reel;
use reel_tests::reran_without_reel_env;

use crate::support::{cassette, client, post};

const URL: &str = "https://api.example.com/v1/echo";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_tasks_each_get_their_own_response() {
    if reran_without_reel_env() {
        return;
    }
    let interactions = (0..50)
        .map(|n| post(URL, &format!(r#"{{"n":{n}}}"#), &format!("answer {n}")))
        .collect();
    let file = cassette(interactions);
    let reel = Reel::replay(&file.path).unwrap();
    let client = client(reel.clone());
    let tasks: Vec<_> = (0..50)
        .rev()
        .map(|n| {
            let client = client.clone();
            tokio::spawn(async move {
                let response = client
                    .post(URL)
                    .body(format!(r#"{{ "n": {n} }}"#))
                    .send()
                    .await
                    .unwrap();
                (n, response.text().await.unwrap())
            })
        })
        .collect();
    for task in tasks {
        let (n, answer) = task.await.unwrap();
        assert_eq!(answer, format!("answer {n}"));
    }
    assert!(reel.unplayed().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_concurrent_identical_requests_share_out_fifty_recordings_once_each() {
    if reran_without_reel_env() {
        return;
    }
    let interactions = (0..50).map(|n| post(URL, "{}", &n.to_string())).collect();
    let file = cassette(interactions);
    let client = client(Reel::replay(&file.path).unwrap());
    let tasks: Vec<_> = (0..50)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                client
                    .post(URL)
                    .body("{}")
                    .send()
                    .await
                    .unwrap()
                    .text()
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut answers = BTreeSet::new();
    for task in tasks {
        answers.insert(task.await.unwrap().parse::<u32>().unwrap());
    }
    assert_eq!(answers, (0..50).collect());
    assert!(
        client.post(URL).body("{}").send().await.is_err(),
        "the fifty-first finds none left"
    );
}
