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
