//! Content codings (`Content-Encoding`): decoding a compressed body, for the
//! cassette (a response the client left compressed is stored decoded) and for
//! matching (a compressed request body matches on its decoded bytes), and for
//! the secret scan (a compressed request body is scanned decoded). One
//! implementation of each coding, every decoder bounded.

use std::io::Read as _;

/// The decoded bytes of `body` sent with `Content-Encoding: encoding` (`gzip`,
/// `x-gzip`, `deflate`, `br`, `zstd`; case and spaces ignored; several codings,
/// `gzip, br`, undone last first), at most `limit` bytes of output. `None` when
/// the coding is unknown or `identity`, the bytes do not decode, or the output
/// would exceed `limit` (a compression bomb is not decoded).
pub fn decode(encoding: &str, body: &[u8], limit: u64) -> Option<Vec<u8>> {
    let codings: Vec<String> = encoding
        .split(',')
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if codings.is_empty() {
        return None;
    }
    let mut bytes = body.to_vec();
    for coding in codings.iter().rev() {
        bytes = decode_one(coding, &bytes, limit)?;
    }
    Some(bytes)
}

/// The coding a body's first bytes announce, for recordings that did not keep
/// the `Content-Encoding` header: gzip (`1f 8b 08`) and zstd (`28 b5 2f fd`)
/// frames have magic numbers; deflate and brotli do not.
pub fn sniff(body: &[u8]) -> Option<&'static str> {
    if body.starts_with(&[0x1f, 0x8b, 0x08]) {
        Some("gzip")
    } else if body.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        Some("zstd")
    } else {
        None
    }
}

fn decode_one(coding: &str, body: &[u8], limit: u64) -> Option<Vec<u8>> {
    match coding {
        "gzip" | "x-gzip" => read_bounded(flate2::read::MultiGzDecoder::new(body), limit),
        // `deflate` is zlib-wrapped (RFC 9110); some servers send raw deflate.
        "deflate" => read_bounded(flate2::read::ZlibDecoder::new(body), limit)
            .or_else(|| read_bounded(flate2::read::DeflateDecoder::new(body), limit)),
        "br" => read_bounded(brotli_decompressor::Decompressor::new(body, 4096), limit),
        "zstd" => read_bounded(ruzstd::decoding::StreamingDecoder::new(body).ok()?, limit),
        _ => None,
    }
}

/// Everything `reader` yields, or `None` on an error or past `limit` bytes.
fn read_bounded(reader: impl std::io::Read, limit: u64) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let read = reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)
        .ok()?;
    (read as u64 <= limit).then_some(out)
}

#[cfg(test)]
mod tests {
    use std::io::Write as _;

    use super::*;

    const TEXT: &[u8] = br#"{"model":"gpt-4o-mini","messages":[{"role":"user","content":"hi"}]}"#;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        gz.write_all(bytes).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn every_coding_decodes_to_the_same_bytes() {
        let mut zlib = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        zlib.write_all(TEXT).unwrap();
        let zlib = zlib.finish().unwrap();
        let mut brotli = Vec::new();
        brotli_encode(TEXT, &mut brotli);
        let zstd =
            ruzstd::encoding::compress_to_vec(TEXT, ruzstd::encoding::CompressionLevel::Fastest);
        for (coding, body) in [
            ("gzip", gzip(TEXT)),
            ("X-Gzip", gzip(TEXT)),
            ("deflate", zlib),
            ("br", brotli),
            ("zstd", zstd.clone()),
        ] {
            assert_eq!(
                decode(coding, &body, 1 << 20).as_deref(),
                Some(TEXT),
                "{coding}"
            );
        }
        assert_eq!(sniff(&gzip(TEXT)), Some("gzip"));
        assert_eq!(sniff(&zstd), Some("zstd"));
        assert_eq!(sniff(TEXT), None);
        // Two codings are undone last first.
        assert_eq!(
            decode("gzip, gzip", &gzip(&gzip(TEXT)), 1 << 20).as_deref(),
            Some(TEXT)
        );
    }

    #[test]
    fn unknown_codings_broken_bytes_and_bombs_are_not_decoded() {
        assert_eq!(decode("identity", TEXT, 1 << 20), None);
        assert_eq!(decode("compress", TEXT, 1 << 20), None);
        assert_eq!(decode("gzip", TEXT, 1 << 20), None);
        let bomb = gzip(&vec![0; 1 << 20]);
        assert!(bomb.len() < 4096);
        assert_eq!(decode("gzip", &bomb, 1000), None);
        assert_eq!(
            decode("gzip", &bomb, 1 << 20).map(|b| b.len()),
            Some(1 << 20)
        );
    }

    /// Brotli-compresses with the smallest valid stream writer: an uncompressed
    /// meta-block (the decoder is what reel ships; the encoder is test-only).
    fn brotli_encode(bytes: &[u8], out: &mut Vec<u8>) {
        // WBITS=16 (one 0 bit), then one uncompressed meta-block of `bytes`, then
        // an empty last meta-block. Bits are packed LSB first.
        let mut bits = BitWriter::default();
        bits.put(0, 1); // WBITS = 16
        bits.put(0, 1); // ISLAST = 0
        bits.put(0, 2); // MNIBBLES = 4
        bits.put((bytes.len() - 1) as u64, 16); // MLEN - 1
        bits.put(1, 1); // ISUNCOMPRESSED
        bits.align();
        out.extend_from_slice(&bits.bytes);
        out.extend_from_slice(bytes);
        out.push(0b0000_0011); // ISLAST = 1, ISLASTEMPTY = 1
    }

    #[derive(Default)]
    struct BitWriter {
        bytes: Vec<u8>,
        used: u32,
    }

    impl BitWriter {
        fn put(&mut self, value: u64, count: u32) {
            for i in 0..count {
                if self.used.is_multiple_of(8) {
                    self.bytes.push(0);
                }
                let bit = ((value >> i) & 1) as u8;
                if let Some(last) = self.bytes.last_mut() {
                    *last |= bit << (self.used % 8);
                }
                self.used += 1;
            }
        }

        fn align(&mut self) {
            self.used = self.used.div_ceil(8) * 8;
        }
    }
}
