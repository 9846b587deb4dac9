//! The adapters for reqwest 0.13 and reqwest-middleware 0.5, re-exported at the
//! crate root. The same source files build the reqwest 0.12 adapters
//! ([`crate::reqwest_0_12`]) against the older crates: only `deps` differs.

mod deps {
    pub(crate) use ::reqwest;
    pub(crate) use ::reqwest_middleware;
}

#[path = "reqwest_adapters/client.rs"]
mod client;
#[path = "reqwest_adapters/middleware.rs"]
mod middleware;
#[path = "reqwest_adapters/tower.rs"]
mod tower;

pub use tower::{ReelLayer, ReelService};

impl crate::Reel {
    /// This cassette in front of `inner` as a tower service: shorthand for
    /// `ReelService::new(reel, inner)`.
    pub fn service<S>(&self, inner: S) -> ReelService<S> {
        ReelService::new(self.clone(), inner)
    }
}
