//! [`Placeholders`]: values that are recorded under a name and given back on
//! replay (Ruby VCR's `filter_sensitive_data`, vcrpy's replacement values).
//!
//! Recording replaces every occurrence of a value by its name; replay replaces
//! every occurrence of the name by the value in force then, which may differ
//! from the one recorded (a real account id on a desk, a dummy on CI). Both
//! directions are one leftmost-longest pass, so a value that contains another
//! is replaced whole, and a name already in the text is left as it is: hiding
//! twice gives what hiding once gives.

use aho_corasick::{AhoCorasick, MatchKind};

/// The placeholders of a [`crate::Redaction`], with the two automata that
/// replace them; empty by default.
#[derive(Clone, Debug, Default)]
pub(crate) struct Placeholders {
    /// `(name, value)`, in the order given; no name and no value twice, no
    /// value empty.
    pairs: Vec<(String, String)>,
    /// Finds every form of every value (and every name, to step over it).
    hide: Option<Automaton>,
    /// Finds every name.
    restore: Option<Automaton>,
}

/// An automaton and what each of its patterns becomes; `None` for a pattern
/// that stays as it is.
#[derive(Clone, Debug)]
struct Automaton {
    finder: AhoCorasick,
    into: Vec<Option<String>>,
}

impl Placeholders {
    /// Adds `value` under `name`; a value already under another name, or a name
    /// already given, is given again. An empty value adds nothing.
    pub(crate) fn add(&mut self, name: &str, value: &str) {
        self.pairs.retain(|(n, v)| n != name && v != value);
        if !value.is_empty() {
            self.pairs.push((name.to_owned(), value.to_owned()));
        }
        self.hide = Automaton::build(
            self.pairs
                .iter()
                .flat_map(|(name, value)| {
                    forms(value)
                        .into_iter()
                        .map(move |form| (form, Some(name.clone())))
                })
                .chain(self.pairs.iter().map(|(name, _)| (name.clone(), None))),
        );
        self.restore = Automaton::build(
            self.pairs
                .iter()
                .map(|(name, value)| (name.clone(), Some(value.clone()))),
        );
    }

    /// Whether there is none.
    pub(crate) fn is_empty(&self) -> bool {
        self.pairs.is_empty()
    }

    /// `bytes` with each value (as is, percent-encoded, or escaped in a JSON
    /// string) replaced by its name; `None` when none occurs.
    pub(crate) fn hide(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.hide.as_ref()?.replace(bytes)
    }

    /// [`Placeholders::hide`] for text.
    pub(crate) fn hide_str(&self, text: &str) -> Option<String> {
        // Names and values are text: replacing text by text leaves text.
        self.hide(text.as_bytes())
            .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
    }

    /// `bytes` with each name replaced by its value; `None` when no name occurs.
    pub(crate) fn restore(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        self.restore.as_ref()?.replace(bytes)
    }
}

impl Automaton {
    /// The automaton for `(pattern, into)` pairs, the first of equal patterns
    /// kept; `None` without patterns.
    fn build(pairs: impl Iterator<Item = (String, Option<String>)>) -> Option<Automaton> {
        let mut patterns: Vec<String> = Vec::new();
        let mut into = Vec::new();
        for (pattern, to) in pairs {
            if !pattern.is_empty() && !patterns.contains(&pattern) {
                patterns.push(pattern);
                into.push(to);
            }
        }
        if patterns.is_empty() {
            return None;
        }
        let finder = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(&patterns)
            // Only a pattern set past the automaton's size limits fails, and
            // placeholders are a handful of short strings.
            .expect("placeholder patterns build an automaton");
        Some(Automaton { finder, into })
    }

    /// `bytes` with each match replaced; `None` when no match changes anything.
    fn replace(&self, bytes: &[u8]) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        let mut at = 0;
        for found in self.finder.find_iter(bytes) {
            let Some(to) = &self.into[found.pattern().as_usize()] else {
                continue;
            };
            let out = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
            out.extend_from_slice(&bytes[at..found.start()]);
            out.extend_from_slice(to.as_bytes());
            at = found.end();
        }
        let mut out = out?;
        out.extend_from_slice(&bytes[at..]);
        Some(out)
    }
}

/// The forms `value` takes in a request or response: as it is, percent-encoded
/// as in a URL (every byte but `A-Z a-z 0-9 - . _ ~`, upper and lower case
/// hex), as in a form body (a space as `+`, `*` kept, `~` encoded), escaped
/// inside a JSON string, and with JSON-escaped slashes (`\/`). Placeholders and
/// the secret scrub both replace a value in every one of them.
pub(crate) fn forms(value: &str) -> Vec<String> {
    let url = percent_encoded(value, |b| b"-._~".contains(&b), false);
    let lower_hex = lowercase_escapes(&url);
    let form = percent_encoded(value, |b| b"-._*".contains(&b), true);
    let json = serde_json::to_string(value).unwrap_or_default();
    let json = json
        .strip_prefix('"')
        .and_then(|j| j.strip_suffix('"'))
        .unwrap_or(value)
        .to_owned();
    let slashes = json.replace('/', "\\/");
    let mut forms = vec![value.to_owned()];
    for form in [url, lower_hex, form, json, slashes] {
        if !forms.contains(&form) {
            forms.push(form);
        }
    }
    forms
}

/// `encoded` with the hex digits of its `%XX` escapes in lower case.
fn lowercase_escapes(encoded: &str) -> String {
    let mut out = String::with_capacity(encoded.len());
    let mut hex_left = 0;
    for c in encoded.chars() {
        if c == '%' {
            hex_left = 2;
            out.push(c);
        } else if hex_left > 0 {
            hex_left -= 1;
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// `value` with every byte but ASCII letters, digits and those `keep` accepts
/// as `%XX` (upper case); a space as `+` when `plus`.
fn percent_encoded(value: &str, keep: impl Fn(u8) -> bool, plus: bool) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || keep(b) {
            out.push(char::from(b));
        } else if b == b' ' && plus {
            out.push('+');
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn placeholders(pairs: &[(&str, &str)]) -> Placeholders {
        let mut placeholders = Placeholders::default();
        for (name, value) in pairs {
            placeholders.add(name, value);
        }
        placeholders
    }

    fn hidden(p: &Placeholders, text: &str) -> Option<String> {
        p.hide(text.as_bytes())
            .map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn every_form_of_a_value_is_hidden_and_the_name_restored_as_the_value() {
        let p = placeholders(&[("<USER>", "ann lee/1")]);
        assert_eq!(
            hidden(&p, "/u/ann%20lee%2F1?q=ann+lee%2F1 ann lee/1").unwrap(),
            "/u/<USER>?q=<USER> <USER>"
        );
        let quoted = placeholders(&[("<Q>", "a\"b")]);
        assert_eq!(
            hidden(&quoted, r#"{"q":"a\"b"} a"b a%22b"#).unwrap(),
            r#"{"q":"<Q>"} <Q> <Q>"#
        );
        assert_eq!(
            p.restore(b"id=<USER>;<USER>").unwrap(),
            b"id=ann lee/1;ann lee/1"
        );
        assert_eq!(hidden(&p, "nothing here"), None);
        assert_eq!(p.restore(b"nothing here"), None);
    }

    #[test]
    fn the_longest_value_is_hidden_whole_and_hiding_twice_changes_nothing() {
        let p = placeholders(&[("<ORG>", "acme"), ("<ACCOUNT>", "acme-42")]);
        let once = hidden(&p, "acme-42 acme").unwrap();
        assert_eq!(once, "<ACCOUNT> <ORG>");
        assert_eq!(hidden(&p, &once), None);
        // A name that contains its value is stepped over, not hidden again.
        let nested = placeholders(&[("<id>", "id")]);
        assert_eq!(hidden(&nested, "id <id>").unwrap(), "<id> <id>");
    }

    #[test]
    fn an_empty_value_is_ignored_and_a_name_given_again_takes_the_new_value() {
        let p = placeholders(&[("<A>", ""), ("<B>", "b1"), ("<B>", "b2")]);
        assert!(!p.is_empty());
        assert_eq!(hidden(&p, "b1 b2").unwrap(), "b1 <B>");
        assert_eq!(p.restore(b"<A><B>").unwrap(), b"<A>b2");
        assert!(placeholders(&[("<A>", "")]).is_empty());
    }
}
