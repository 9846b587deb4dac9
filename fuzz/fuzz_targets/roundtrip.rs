#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| reel_fuzz::roundtrip(data));
