//! [`FieldPointer`]: a JSON body field named by a JSON pointer (RFC 6901) in
//! which `*` stands for every array element or object member. One parser and one
//! walk for every rule that names a field: leaving it out of matching
//! (`ignore_json_field`) and redacting it (`redact_json_field`, `reel scrub`,
//! `reel serve`).

use std::fmt;

/// A JSON body field: `/metadata/request_id`, `/messages/*/id`. Parsed where a
/// rule is given, so a pointer that cannot name a field is an error there, not
/// a silent whole-body redaction later.
///
/// ```
/// use reel_cassette::FieldPointer;
///
/// let pointer = FieldPointer::parse("/messages/*/api_key")?;
/// let mut body = serde_json::json!({"messages": [{"api_key": "k", "c": 1}]});
/// assert!(pointer.redact(&mut body, "REDACTED"));
/// assert_eq!(body, serde_json::json!({"messages": [{"api_key": "REDACTED", "c": 1}]}));
///
/// let err = FieldPointer::parse("api_key").unwrap_err();
/// assert!(err.to_string().contains("starts with `/`"), "{err}");
/// # Ok::<(), reel_cassette::PointerError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldPointer {
    text: String,
    segments: Vec<Segment>,
}

/// One step of a [`FieldPointer`].
#[derive(Clone, Debug, PartialEq, Eq)]
enum Segment {
    /// `*`: every array element or object member.
    Any,
    /// An object member's name, or an array index.
    Name(String),
}

/// A JSON pointer that names no field, with why and what a good one looks like.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("JSON pointer {pointer:?}: {reason} (a pointer starts with `/` and names a field: /user/api_key, /messages/*/id)")]
pub struct PointerError {
    /// The pointer as given.
    pub pointer: String,
    /// What is wrong with it.
    pub reason: &'static str,
}

impl FieldPointer {
    /// Parses `text`. Errors when it does not start with `/` (`api_key` would
    /// otherwise name the whole body, `user/api_key` another field) and when a
    /// `~` is not `~0` (a `~`) or `~1` (a `/`).
    pub fn parse(text: &str) -> Result<FieldPointer, PointerError> {
        let error = |reason| PointerError {
            pointer: text.to_owned(),
            reason,
        };
        let rest = match text.strip_prefix('/') {
            Some(rest) => rest,
            None if text.is_empty() => {
                return Err(error("an empty pointer is the whole body, not a field"))
            }
            None => return Err(error("it does not start with `/`")),
        };
        let segments = rest
            .split('/')
            .map(|token| match token {
                "*" => Ok(Segment::Any),
                token => unescape(token)
                    .map(Segment::Name)
                    .ok_or_else(|| error("`~` must be followed by 0 (for `~`) or 1 (for `/`)")),
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(FieldPointer {
            text: text.to_owned(),
            segments,
        })
    }

    /// The pointer as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Removes every field the pointer names from `value` (an array element is
    /// removed, so later ones move up).
    pub fn remove(&self, value: &mut serde_json::Value) {
        remove(value, &self.segments);
    }

    /// Replaces every value the pointer names in `value` by the string
    /// `replacement`; whether anything changed.
    pub fn redact(&self, value: &mut serde_json::Value, replacement: &str) -> bool {
        redact(value, &self.segments, replacement)
    }
}

impl fmt::Display for FieldPointer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// A token with `~1` as `/` and `~0` as `~`; `None` for any other `~`.
fn unescape(token: &str) -> Option<String> {
    let mut out = String::with_capacity(token.len());
    let mut chars = token.chars();
    while let Some(c) = chars.next() {
        match c {
            '~' => match chars.next() {
                Some('0') => out.push('~'),
                Some('1') => out.push('/'),
                _ => return None,
            },
            c => out.push(c),
        }
    }
    Some(out)
}

fn remove(value: &mut serde_json::Value, segments: &[Segment]) {
    use serde_json::Value;
    let Some((segment, rest)) = segments.split_first() else {
        return;
    };
    match (value, segment) {
        (Value::Object(map), Segment::Any) if rest.is_empty() => map.clear(),
        (Value::Object(map), Segment::Any) => map.values_mut().for_each(|v| remove(v, rest)),
        (Value::Object(map), Segment::Name(name)) if rest.is_empty() => {
            map.remove(name);
        }
        (Value::Object(map), Segment::Name(name)) => {
            if let Some(v) = map.get_mut(name) {
                remove(v, rest);
            }
        }
        (Value::Array(items), Segment::Any) if rest.is_empty() => items.clear(),
        (Value::Array(items), Segment::Any) => items.iter_mut().for_each(|v| remove(v, rest)),
        (Value::Array(items), Segment::Name(name)) => match name.parse::<usize>() {
            Ok(i) if i < items.len() && rest.is_empty() => {
                items.remove(i);
            }
            Ok(i) if i < items.len() => remove(&mut items[i], rest),
            _ => {}
        },
        _ => {}
    }
}

fn redact(value: &mut serde_json::Value, segments: &[Segment], replacement: &str) -> bool {
    use serde_json::Value;
    let Some((segment, rest)) = segments.split_first() else {
        if value.as_str() == Some(replacement) {
            return false;
        }
        *value = Value::String(replacement.to_owned());
        return true;
    };
    match (value, segment) {
        (Value::Object(map), Segment::Any) => map
            .values_mut()
            .fold(false, |changed, v| redact(v, rest, replacement) | changed),
        (Value::Object(map), Segment::Name(name)) => map
            .get_mut(name)
            .is_some_and(|v| redact(v, rest, replacement)),
        (Value::Array(items), Segment::Any) => items
            .iter_mut()
            .fold(false, |changed, v| redact(v, rest, replacement) | changed),
        (Value::Array(items), Segment::Name(name)) => name
            .parse::<usize>()
            .ok()
            .and_then(|i| items.get_mut(i))
            .is_some_and(|v| redact(v, rest, replacement)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn every_bad_pointer_form_is_an_error_naming_it() {
        for (text, reason) in [
            ("api_key", "it does not start with `/`"),
            ("user/api_key", "it does not start with `/`"),
            ("*/id", "it does not start with `/`"),
            ("", "an empty pointer is the whole body, not a field"),
            (
                "/a~2b",
                "`~` must be followed by 0 (for `~`) or 1 (for `/`)",
            ),
            ("/a~", "`~` must be followed by 0 (for `~`) or 1 (for `/`)"),
        ] {
            let err = FieldPointer::parse(text).unwrap_err();
            assert_eq!(err.reason, reason, "{text:?}");
            assert!(err
                .to_string()
                .starts_with(&format!("JSON pointer {text:?}: ")));
            assert!(err.to_string().ends_with("/user/api_key, /messages/*/id)"));
        }
    }

    #[test]
    fn escapes_wildcards_and_indices_name_the_fields_they_say() {
        let mut body =
            json!({"a/b": 1, "m~n": 2, "list": [{"id": 1}, {"id": 2}], "o": {"x": {"id": 3}}});
        for text in ["/a~1b", "/m~0n", "/list/1/id", "/o/*/id"] {
            assert!(
                FieldPointer::parse(text).unwrap().redact(&mut body, "R"),
                "{text}"
            );
        }
        assert_eq!(
            body,
            json!({"a/b": "R", "m~n": "R", "list": [{"id": 1}, {"id": "R"}], "o": {"x": {"id": "R"}}})
        );
        // Redacting again changes nothing; a field that is not there neither.
        assert!(!FieldPointer::parse("/a~1b").unwrap().redact(&mut body, "R"));
        assert!(!FieldPointer::parse("/nope/x")
            .unwrap()
            .redact(&mut body, "R"));
        let mut body = json!({"messages": [{"id": 1, "c": "x"}, {"id": 2}], "k": 1});
        FieldPointer::parse("/messages/*/id")
            .unwrap()
            .remove(&mut body);
        FieldPointer::parse("/k").unwrap().remove(&mut body);
        assert_eq!(body, json!({"messages": [{"c": "x"}, {}]}));
    }
}
