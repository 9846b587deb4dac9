use reel_cassette::{Cassette, Dialect, Interaction, Request, Response};

#[test]
fn saving_creates_missing_directories_and_leaves_no_temporary_files() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("a/b/c.yaml");
    let mut cassette = Cassette::new();
    cassette.interactions.push(Interaction::new(
        Request::new("GET", "https://x/"),
        Response::new(200),
    ));
    cassette.save(&path).unwrap();
    assert_eq!(Cassette::load(&path).unwrap(), cassette);
    let names: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["c.yaml"]);
}

#[test]
fn saving_replaces_the_old_file_and_keeps_the_dialect_it_was_loaded_in() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    let mut cassette = Cassette::new();
    cassette.dialect = Dialect::GoVcr;
    cassette.interactions.push(Interaction::new(
        Request::new("GET", "https://x/"),
        Response::new(200),
    ));
    cassette.save(&path).unwrap();
    let mut loaded = Cassette::load(&path).unwrap();
    assert_eq!(loaded.dialect, Dialect::GoVcr);
    loaded.interactions.push(Interaction::new(
        Request::new("GET", "https://y/"),
        Response::new(201),
    ));
    loaded.save(&path).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\n    - id: 1\n"), "{text}");
}

#[test]
fn saving_into_an_unwritable_place_names_the_path() {
    let dir = tempfile::tempdir().unwrap();
    let blocker = dir.path().join("file");
    std::fs::write(&blocker, "x").unwrap();
    let err = Cassette::new().save(blocker.join("c.yaml")).unwrap_err();
    assert!(err.to_string().contains("cannot save cassette"), "{err}");
}

#[test]
fn a_save_removes_temporary_files_that_a_killed_writer_left_long_ago() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("c.yaml");
    let old = dir.path().join(".c.yaml.abc123.tmp");
    let fresh = dir.path().join(".c.yaml.def456.tmp");
    let other = dir.path().join(".other.yaml.abc123.tmp");
    for file in [&old, &fresh, &other] {
        std::fs::write(file, "partial").unwrap();
    }
    let long_ago = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
    for file in [&old, &other] {
        std::fs::File::options()
            .write(true)
            .open(file)
            .unwrap()
            .set_modified(long_ago)
            .unwrap();
    }
    Cassette::new().save(&path).unwrap();
    assert!(
        !old.exists(),
        "a stale temporary of this cassette is removed"
    );
    assert!(
        fresh.exists(),
        "a recent one may belong to a writer still at work"
    );
    assert!(other.exists(), "other cassettes' files are left alone");
}
