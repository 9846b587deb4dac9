//! Cassettes that age: the provenance reel notes when it records, and each
//! expiry strategy through the middleware.

use std::time::{Duration, SystemTime};

use reel::cassette::Cassette;
use reel::{Expiry, Mode, Reel};
use reel_cassette::provenance::{provenance_path, recording_dates, Provenance, Source};
use reel_tests::reran_without_reel_env;
use reel_upstream::Upstream;

use crate::support::{cassette, client, post};

const DAY: Duration = Duration::from_secs(86_400);

/// Makes the cassette at `path` look `days` old by its modification time (it
/// is in a temporary directory, outside any git repository).
fn age_file(path: &std::path::Path, days: u64) {
    let file = std::fs::File::options().append(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - DAY * days as u32)
        .unwrap();
}

#[tokio::test]
async fn a_recording_notes_when_and_with_what_each_interaction_was_recorded_beside_the_cassette() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("noted.yaml");
    let reel = Reel::builder().mode(Mode::All).open(&path).unwrap();
    let client = client(reel.clone());
    let body = r#"{"model":"gpt-4o-mini","messages":[]}"#;
    client
        .post(upstream.url("/echo"))
        .body(body)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    client
        .get(upstream.url("/json"))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    drop((client, reel));

    let cassette = Cassette::load(&path).unwrap();
    let notes = Provenance::load_for(&path)
        .unwrap()
        .expect("a provenance file");
    assert_eq!(notes.interactions.len(), 2);
    let first = notes
        .for_interaction(0, &cassette.interactions[0])
        .expect("fits");
    assert_eq!(
        first.recorded_with,
        concat!("reel ", env!("CARGO_PKG_VERSION"))
    );
    assert_eq!(first.model.as_deref(), Some("gpt-4o-mini"));
    let second = notes
        .for_interaction(1, &cassette.interactions[1])
        .expect("fits");
    assert_eq!(second.model, None);
    let dates = recording_dates(&path, &cassette.interactions).unwrap();
    assert!(dates.iter().all(|d| d.source == Source::Note));
    assert!(dates[0].age(SystemTime::now()) < Duration::from_secs(60));
    // The cassette itself is what Go writes: provenance lives beside it.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(
        !text.contains("recorded_at") && !text.contains("reel "),
        "{text}"
    );
    assert_eq!(cassette.to_yaml(), text, "re-saving changes nothing");
    assert!(provenance_path(&path).ends_with("noted.yaml.provenance"));
}

#[test]
fn fail_refuses_an_old_cassette_naming_the_date_its_source_and_the_command() {
    let old = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    age_file(&old.path, 120);
    let err = Reel::builder()
        .max_age(90 * DAY, Expiry::Fail)
        .replay(&old.path)
        .unwrap_err();
    assert!(matches!(err, reel::Error::Expired { .. }), "{err}");
    let text = err.to_string();
    let day = reel_cassette::provenance::format_utc(SystemTime::now() - 120 * DAY);
    assert!(
        text.starts_with(&format!(
            "{}: 1 of 1 interaction was recorded more than 90d ago; the oldest, #0, on {} \
             (file modification time); re-record: REEL_RECORD=all cargo test",
            old.path.display(),
            &day[..10]
        )),
        "{text}"
    );
    // Younger than the limit: it opens.
    assert!(Reel::builder()
        .max_age(200 * DAY, Expiry::Fail)
        .replay(&old.path)
        .is_ok());
}

#[tokio::test]
async fn warn_lets_the_test_replay_an_old_cassette() {
    let old = cassette(vec![post("https://api.example.com/a", "1", "a")]);
    age_file(&old.path, 400);
    let reel = Reel::builder()
        .max_age(30 * DAY, Expiry::Warn)
        .replay(&old.path)
        .unwrap();
    let answer = client(reel)
        .post("https://api.example.com/a")
        .body("1")
        .send()
        .await
        .unwrap();
    assert_eq!(answer.text().await.unwrap(), "a");
}

#[tokio::test]
async fn rerecord_records_expired_interactions_again_and_keeps_the_young_ones() {
    if reran_without_reel_env() {
        return;
    }
    let upstream = Upstream::start().await;
    let (old_url, young_url) = (upstream.url("/echo?old"), upstream.url("/echo?young"));
    let file = cassette(vec![
        post(&old_url, "1", "stale answer"),
        post(&young_url, "2", "young answer"),
    ]);
    // The provenance file dates them: one two years old, one from yesterday.
    let cassette = Cassette::load(&file.path).unwrap();
    let at = |days: u32| SystemTime::now() - DAY * days;
    let entry = |i: usize, days| {
        Some(reel_cassette::provenance::Recorded::new(
            &cassette.interactions[i],
            at(days),
            "reel test",
        ))
    };
    Provenance {
        reel_provenance: 1,
        interactions: vec![entry(0, 730), entry(1, 1)],
    }
    .save_for(&file.path)
    .unwrap();

    // In a mode that only replays, rerecord fails as `fail` does.
    let err = Reel::builder()
        .max_age(90 * DAY, Expiry::Rerecord)
        .replay(&file.path)
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("recorded, per its provenance file"),
        "{err}"
    );

    let reel = Reel::builder()
        .mode(Mode::NewEpisodes)
        .max_age(90 * DAY, Expiry::Rerecord)
        .open(&file.path)
        .unwrap();
    assert_eq!(
        reel.unplayed(),
        [1],
        "the expired one is not waiting to be played"
    );
    let client = client(reel.clone());
    let fresh = client.post(&old_url).body("1").send().await.unwrap();
    assert!(
        fresh.text().await.unwrap().contains("\"query\""),
        "the upstream answered"
    );
    let young = client.post(&young_url).body("2").send().await.unwrap();
    assert_eq!(young.text().await.unwrap(), "young answer", "replayed");
    drop((client, reel));
    assert_eq!(upstream.requests().len(), 1);

    let saved = Cassette::load(&file.path).unwrap();
    let urls: Vec<&str> = saved.interactions.iter().map(|i| &*i.request.url).collect();
    assert_eq!(
        urls,
        [young_url.as_str(), old_url.as_str()],
        "the stale one replaced"
    );
    let dates = recording_dates(&file.path, &saved.interactions).unwrap();
    assert!(dates.iter().all(|d| d.source == Source::Note));
    assert!(
        dates[1].age(SystemTime::now()) < Duration::from_secs(60),
        "newly noted"
    );
    assert!(dates[0].age(SystemTime::now()) > DAY / 2, "kept its note");
}
