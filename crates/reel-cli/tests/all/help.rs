use crate::support::{assert_pinned, dir_with, reel, reel_env, repo_root, seed_text, SEED};

#[test]
fn top_level_help_lists_the_commands_and_documents_exit_codes() {
    let run = reel(&["--help"], &repo_root());
    assert_eq!(run.code, 0);
    assert_pinned("help.txt", &run.stdout);
}

#[test]
fn every_command_has_help_with_an_example_and_its_exit_codes() {
    for command in [
        "check", "list", "show", "diff", "scrub", "fmt", "serve", "review",
    ] {
        let run = reel(&[command, "--help"], &repo_root());
        assert_eq!(run.code, 0, "{command}");
        assert!(
            run.stdout
                .contains(&format!("Examples:\n  reel {command} ")),
            "{command}: {}",
            run.stdout
        );
        assert!(
            run.stdout.contains("\nExit codes: 0 "),
            "{command}: {}",
            run.stdout
        );
    }
    let run = reel(&["check", "--help"], &repo_root());
    assert!(run.stdout.contains(
        "Exit codes: 0 every cassette is clean, 1 a cassette has a problem, 2 bad usage."
    ));
}

#[test]
fn an_unknown_command_or_flag_is_bad_usage() {
    let run = reel(&["play", SEED], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unrecognized subcommand 'play'"),
        "{}",
        run.stderr
    );
    let run = reel(&["list", "--colour", SEED], &repo_root());
    assert_eq!(run.code, 2);
    assert!(
        run.stderr.contains("unexpected argument '--colour'"),
        "{}",
        run.stderr
    );
}

#[test]
fn colour_appears_only_when_forced_and_no_color_wins() {
    let seed = seed_text();
    let first = &seed[..seed.find("- id: 1\n").unwrap()];
    let dir = dir_with(&[("two.yaml", &seed), ("one.yaml", first)]);
    let args = ["diff", "two.yaml", "one.yaml"];
    let plain = reel(&args, dir.path());
    assert!(!plain.stdout.contains('\x1b'), "not a terminal: no colour");
    let forced = reel_env(&args, dir.path(), &[("CLICOLOR_FORCE", "1")]);
    assert!(
        forced
            .stdout
            .starts_with("\x1b[31m- 1 POST https://api.openai.com/v1/chat/completions\x1b[0m\n"),
        "{:?}",
        forced.stdout
    );
    let no_color = reel_env(
        &args,
        dir.path(),
        &[("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")],
    );
    assert_eq!(no_color.stdout, plain.stdout);
    assert_eq!((forced.code, no_color.code), (1, 1));
}
