//! reel's cross-crate tests, one binary:
//! - `corpus`: every real go-vcr cassette loads and re-saves byte for byte;
//! - `bad_input`: broken files give errors with file, line, column and a fix;
//! - `roundtrip_property`: arbitrary bodies survive write -> read -> write;
//! - `saving`: saves are atomic, create directories, keep the dialect;
//! - `openai`: async-openai through reel, in-process and through reel-server;
//! - `adapters`: a miss reads the same through every adapter;
//! - `latin1`: a header value that is not UTF-8 replays as the same bytes;
//! - `rig`: rig replays the seed through the reqwest middleware, two fields ignored.

mod adapters;
mod bad_input;
mod corpus;
mod latin1;
mod openai;
mod reqwest_0_12;
mod rig;
mod roundtrip_property;
mod saving;
