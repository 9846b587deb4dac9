//! The adapters for crates still on reqwest 0.12 and reqwest-middleware 0.4
//! (feature `reqwest-0-12`): the same middleware and tower service as at the
//! crate root, built from the same source files against the older crates.
//!
//! ```
//! # let path = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/openai/multi_tool_streaming.yaml");
//! # for name in ["REEL_RECORD", "REEL_REVIEW"] { std::env::remove_var(name); } // replay the bundled cassette, whatever the environment says
//! let reel = reel::Reel::replay(path)?;
//! // `reqwest_middleware` 0.4 and `reqwest` 0.12, as the crate under test uses them:
//! let client = reqwest_middleware_0_4::ClientBuilder::new(reqwest_0_12::Client::new())
//!     .with(reel)
//!     .build();
//! let service = reel::reqwest_0_12::ReelService::new(reel::Reel::replay(path)?, reqwest_0_12::Client::new());
//! # drop((client, service));
//! # Ok::<(), reel::Error>(())
//! ```

mod deps {
    pub(crate) use ::reqwest_0_12 as reqwest;
    pub(crate) use ::reqwest_middleware_0_4 as reqwest_middleware;
}

// Each file is loaded a second time on purpose: one source, two reqwest versions.
#[allow(clippy::duplicate_mod)]
#[path = "reqwest_adapters/client.rs"]
mod client;
#[allow(clippy::duplicate_mod)]
#[path = "reqwest_adapters/middleware.rs"]
mod middleware;
#[allow(clippy::duplicate_mod)]
#[path = "reqwest_adapters/tower.rs"]
mod tower;

pub use tower::{ReelLayer, ReelService};
