//! The cassette writer: reproduces the bytes go-vcr v4's Go encoder (yaml.v3)
//! writes, so that a cassette loaded and saved again does not change.
//!
//! Generic Rust YAML writers choose scalar styles, quoting, indentation and key
//! order differently, so this module ports the few parts of yaml.v3 that cassettes
//! exercise. Everything Go-specific about the output lives here:
//! - [`tree`] lays a cassette out as Go's struct tags do (key order, omitempty);
//! - [`natural_order`] sorts header and form names like Go's encoder;
//! - [`resolve`] decides which strings Go must quote;
//! - [`emitter`] chooses each scalar's style and writes the text.

mod emitter;
mod go_unicode;
mod natural_order;
mod resolve;
mod tree;

#[cfg(test)]
mod tests;

use crate::Cassette;

pub(crate) use resolve::is_yaml11_only;

/// Encodes `cassette` as Go would: `---\n`, then the document.
pub(crate) fn encode(cassette: &Cassette) -> String {
    let estimate: usize = cassette
        .interactions
        .iter()
        .map(|i| i.request.body.len() + i.response.body.len() + 1024)
        .sum();
    let mut out = String::with_capacity(estimate + 64);
    out.push_str("---\n");
    let dialect = cassette.dialect;
    emitter::Emitter::new(out, dialect).document(&tree::cassette(cassette))
}
