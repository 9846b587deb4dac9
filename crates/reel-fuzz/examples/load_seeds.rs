//! Writes seeds for the `load` target from our own writer: for each input in
//! `fuzz/corpus/roundtrip/`, the cassette it generates, as YAML, into the
//! directory given (default `fuzz/corpus-work/load-own`). The committed `load`
//! corpus grows from these, never from `../shared`, whose cassettes are read in
//! place and not copied into the repository.
//!
//! `cargo run -p reel-fuzz --example load_seeds [DIR]`

use std::path::PathBuf;

fn main() -> std::io::Result<()> {
    let root = reel_tests::repo_root();
    let out = std::env::args_os()
        .nth(1)
        .map_or_else(|| root.join("fuzz/corpus-work/load-own"), PathBuf::from);
    std::fs::create_dir_all(&out)?;
    let mut written = 0;
    for entry in std::fs::read_dir(root.join("fuzz/corpus/roundtrip"))? {
        let path = entry?.path();
        if let Some(yaml) = reel_fuzz::generated_yaml(&std::fs::read(&path)?) {
            let name = path.file_name().expect("a file name");
            std::fs::write(out.join(name), yaml)?;
            written += 1;
        }
    }
    println!("{written} seeds in {}", out.display());
    Ok(())
}
