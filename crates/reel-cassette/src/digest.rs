//! A short digest of bytes, for naming binary content in reports and listings
//! without showing it: the first 8 hex digits of its SHA-256, which users can
//! compare with `sha256sum FILE`.

use sha2::{Digest as _, Sha256};

/// The first 8 hex digits of the SHA-256 of `bytes`.
///
/// ```
/// assert_eq!(reel_cassette::__private::short_sha256(b""), "e3b0c442");
/// ```
pub fn short_sha256(bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}
