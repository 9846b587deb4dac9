pub fn open(path: &str) -> reel::Result<reel::Reel> { reel::Reel::replay(path) }
