//! [`MismatchReport`]: what a test prints when a request matches nothing.
//!
//! It says what was received and what the cassette has: the closest recorded
//! interaction first (ranked by rules passed, then by how alike the bodies are),
//! each rule and whether it held, a unified diff of the bodies as canonical JSON
//! (one changed field, one changed line), the other unplayed interactions, the
//! builder option that would make the difference match when one would, and the
//! command that re-records the cassette (or why the client cannot).

use std::fmt::{self, Write as _};
use std::path::Path;

use reel_cassette::Interaction;
use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::matcher::{Rule, Rules};
use crate::normalize::{
    canonical_json, form_pairs, BodyKind, NormalRequest, PartContent, PartKey, Structure,
};
use crate::Mode;
use crate::Received;

/// Longest diff shown, in lines, unless `REEL_FULL_DIFF=1`.
const MAX_DIFF_LINES: usize = 60;
/// Longest diff line shown, in characters, unless `REEL_FULL_DIFF=1`.
const MAX_LINE_CHARS: usize = 160;
/// Most unplayed interactions listed.
const MAX_OTHERS: usize = 20;
/// Most candidates whose bodies are diffed to rank them.
const MAX_RANKED: usize = 32;
/// Longest body preview in the list of unplayed interactions, in characters.
const MAX_PREVIEW_CHARS: usize = 60;
/// Most differing JSON fields named.
const MAX_POINTERS: usize = 3;
/// Most differing JSON fields looked for.
const POINTERS_SOUGHT: usize = 100;
/// Longest URL shown, in characters.
const MAX_URL_CHARS: usize = 200;

/// The report for a request that no recorded interaction matches. Its text (the
/// [`Display`](fmt::Display) output, and the `Debug` output too, so that it reads
/// inside any wrapper's derived `Debug`) is written to be read in a test failure.
#[derive(Clone, PartialEq, Eq)]
pub struct MismatchReport {
    text: String,
    closest: Option<usize>,
}

impl MismatchReport {
    /// The full text.
    pub fn text(&self) -> &str {
        &self.text
    }

    /// The closest recorded interaction's position in the cassette, if it has any.
    pub fn closest(&self) -> Option<usize> {
        self.closest
    }
}

impl fmt::Display for MismatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl fmt::Debug for MismatchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Everything a report is made from.
pub(crate) struct Context<'a> {
    pub(crate) path: &'a Path,
    pub(crate) mode: Mode,
    pub(crate) record: Rerecord<'a>,
    pub(crate) rules: &'a Rules,
    /// The redaction rules: the received URL is shown as the cassette would
    /// hold it, without credentials.
    pub(crate) redaction: &'a reel_cassette::Redaction,
    pub(crate) interactions: &'a [Interaction],
    pub(crate) normal: &'a [NormalRequest],
    pub(crate) played: &'a [bool],
    pub(crate) full_diff: bool,
}

/// How a report ends: the command that re-records, or why the adapter cannot.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Rerecord<'a> {
    /// The command that re-records the cassette.
    Command(&'a str),
    /// Why the adapter that sent the request cannot record
    /// ([`crate::Reel::cannot_record`]).
    Cannot(&'a str),
}

/// Writes the report for `received`.
pub(crate) fn report(
    cx: &Context<'_>,
    received: &Received,
    received_norm: &NormalRequest,
) -> MismatchReport {
    let mut text = String::new();
    let played = cx.played.iter().filter(|p| **p).count();
    let _ = writeln!(
        text,
        "reel: no recorded interaction matches {} {} ({})",
        received.method(),
        clip_url(&cx.redaction.redact_url(received.url())),
        describe(received_norm.body.kind, received.body().len())
    );
    let _ = writeln!(text, "  cassette: {}", cx.path.display());
    let _ = writeln!(text, "  mode:     {} ({})", cx.mode, cx.mode.summary());
    let _ = writeln!(
        text,
        "  replayed: {played} of {} interaction{}",
        cx.interactions.len(),
        plural(cx.interactions.len())
    );

    let closest = closest(cx, received, received_norm);
    text.push('\n');
    let hints = match closest {
        None => {
            text.push_str("the cassette has no interactions\n");
            Vec::new()
        }
        Some(i) => write_closest(&mut text, cx, received, received_norm, i),
    };

    let others: Vec<usize> = (0..cx.interactions.len())
        .filter(|&i| !cx.played[i] && Some(i) != closest)
        .collect();
    if !others.is_empty() {
        text.push_str("\nother unplayed interactions:\n");
        let shown = &others[..others.len().min(MAX_OTHERS)];
        for (&i, preview) in shown.iter().zip(previews(cx, shown)) {
            let _ = writeln!(text, "  {}{preview}", summary(cx, i));
        }
        if others.len() > MAX_OTHERS {
            let _ = writeln!(text, "  ... and {} more", others.len() - MAX_OTHERS);
        }
    }

    if !hints.is_empty() {
        text.push_str("\nif the difference is expected on every run:\n");
        for hint in &hints {
            let _ = writeln!(text, "  {hint}");
        }
    }
    match cx.record {
        Rerecord::Command(command) => {
            let _ = write!(text, "\nto re-record this cassette, run: {command}");
        }
        Rerecord::Cannot(why) => {
            let _ = write!(text, "\nthis client cannot re-record the cassette: {why}");
        }
    }
    MismatchReport { text, closest }
}

/// The interaction to compare with: most rules passed, unplayed first, then the
/// most alike body, then the earliest.
fn closest(cx: &Context<'_>, received: &Received, received_norm: &NormalRequest) -> Option<usize> {
    let passed: Vec<usize> = (0..cx.interactions.len())
        .map(|i| {
            cx.rules
                .outcomes(
                    received,
                    received_norm,
                    &cx.interactions[i].request,
                    &cx.normal[i],
                )
                .iter()
                .filter(|(_, ok)| *ok)
                .count()
        })
        .collect();
    let best = (0..passed.len()).max_by_key(|&i| (passed[i], !cx.played[i]))?;
    let top: Vec<usize> = (0..passed.len())
        .filter(|&i| passed[i] == passed[best] && cx.played[i] == cx.played[best])
        .take(MAX_RANKED)
        .collect();
    if top.len() == 1 {
        return Some(best);
    }
    let received_body = body_view(cx.rules, &received_norm.body).text;
    let mut ranked: Vec<(f32, usize)> = top
        .into_iter()
        .map(|i| {
            let recorded = body_view(cx.rules, &cx.normal[i].body).text;
            (TextDiff::from_lines(&recorded, &received_body).ratio(), i)
        })
        .collect();
    // Highest ratio first; the earliest interaction among equals.
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
    ranked.first().map(|&(_, i)| i)
}

/// Writes how the closest recording differs; returns the options that would
/// make such a difference match, one line each.
fn write_closest(
    text: &mut String,
    cx: &Context<'_>,
    received: &Received,
    received_norm: &NormalRequest,
    i: usize,
) -> Vec<String> {
    let mut hints = Vec::new();
    let recorded = &cx.interactions[i].request;
    let recorded_norm = &cx.normal[i];
    let _ = writeln!(
        text,
        "closest recorded interaction: #{i} {} {}{}",
        recorded.method,
        clip_url(&recorded.url),
        if cx.played[i] {
            " (already replayed)"
        } else {
            ""
        }
    );
    let outcomes = cx
        .rules
        .outcomes(received, received_norm, recorded, recorded_norm);
    if outcomes.iter().all(|(_, ok)| *ok) {
        let _ = writeln!(
            text,
            "  it matches every rule, but it was already replayed, and each interaction \
             replays once"
        );
        hints.push(
            "the same request is sent more than once: let interactions replay again with \
             `.allow_repeats()` on the ReelBuilder (reel serve: --allow-repeats)"
                .to_owned(),
        );
        return hints;
    }
    for (rule, ok) in outcomes {
        if ok {
            let extra = match rule {
                Rule::Body if cx.rules.ignore_body => " (bodies are ignored)",
                _ => "",
            };
            let _ = writeln!(text, "  {rule}: matches{extra}");
            continue;
        }
        match rule {
            Rule::Method => {
                let _ = writeln!(
                    text,
                    "  method: differs: recorded {}, received {}",
                    recorded.method,
                    received.method()
                );
            }
            Rule::Url => {
                write_url_difference(text, &recorded_norm.url, &received_norm.url);
                hints.extend(url_hint(
                    &recorded.url,
                    received.url(),
                    &recorded_norm.url,
                    &received_norm.url,
                ));
            }
            Rule::Body => {
                let pointers = write_body_difference(text, cx, i, received_norm);
                hints.extend(json_field_hint(&pointers));
            }
            Rule::Header(name) => {
                let received_values: Vec<reel_cassette::ByteString> = received
                    .headers()
                    .get_all(&name)
                    .iter()
                    .map(|v| v.as_bytes().into())
                    .collect();
                let _ = writeln!(
                    text,
                    "  header {name}: differs: recorded {}, received {}",
                    values(recorded.headers.get_all(name.as_str())),
                    values(&received_values)
                );
            }
            Rule::Custom(name) => {
                let _ = writeln!(
                    text,
                    "  custom matcher \"{name}\": differs (it returned false)"
                );
            }
        }
    }
    hints
}

/// The option that makes a URL difference match, when one does: only the scheme,
/// host or port differ (a local server on another port) → `ignore_host`; only
/// the values of named query parameters differ → `ignore_query_param`.
fn url_hint(
    recorded_url: &str,
    received_url: &str,
    recorded: &crate::normalize::UrlKey,
    received: &crate::normalize::UrlKey,
) -> Option<String> {
    let (Some(a), Some(b)) = (
        crate::url::UrlParts::parse(recorded_url),
        crate::url::UrlParts::parse(received_url),
    ) else {
        return None;
    };
    if recorded.base != received.base {
        if a.path != b.path || recorded.query != received.query {
            return None;
        }
        let origin = |p: &crate::url::UrlParts<'_>| {
            let port = p.port.map(|port| format!(":{port}")).unwrap_or_default();
            format!("{}://{}{port}", p.scheme, p.host).to_ascii_lowercase()
        };
        return Some(format!(
            "only the scheme, host or port differ (recorded {}, received {}): match on the \
             path and query alone with `.ignore_host()` on the ReelBuilder (reel serve and \
             ReelServer already do)",
            origin(&a),
            origin(&b)
        ));
    }
    // The same names on both sides, some values differ: name them.
    let names = |query: &[(String, String)]| -> Vec<String> {
        let mut names: Vec<String> = query.iter().map(|(n, _)| n.clone()).collect();
        names.dedup();
        names
    };
    if names(&recorded.query) != names(&received.query) {
        return None;
    }
    let mut differing: Vec<&str> = recorded
        .query
        .iter()
        .filter(|pair| !received.query.contains(pair))
        .map(|(name, _)| name.as_str())
        .collect();
    differing.dedup();
    if differing.is_empty() || differing.len() > MAX_POINTERS {
        return None;
    }
    let calls: String = differing
        .iter()
        .map(|name| format!(".ignore_query_param({name:?})"))
        .collect();
    Some(format!(
        "leave a query parameter whose value changes out of matching: `{calls}` on the \
         ReelBuilder (reel serve: --ignore-query-param)"
    ))
}

/// The `ignore_json_field` calls that would make a JSON body difference match,
/// when a few fields differ (array positions as `*`, which names every element).
fn json_field_hint(pointers: &[String]) -> Option<String> {
    if pointers.is_empty() || pointers.len() > MAX_POINTERS || pointers.iter().any(|p| p == "/") {
        return None;
    }
    let mut general: Vec<String> = pointers
        .iter()
        .map(|pointer| {
            pointer
                .split('/')
                .map(|segment| {
                    if !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
                        "*"
                    } else {
                        segment
                    }
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    general.dedup();
    let calls: String = general
        .iter()
        .map(|pointer| format!(".ignore_json_field({pointer:?})"))
        .collect();
    Some(format!(
        "leave a JSON field whose value changes (an id, a timestamp) out of matching: \
         `{calls}` on the ReelBuilder (reel serve: --ignore-json-field)"
    ))
}

/// `"a"`, or `["a", "b"]`; a value that is not UTF-8 shows as `b"caf\xe9"`.
fn values(values: &[reel_cassette::ByteString]) -> String {
    match values {
        [] => "no value".to_owned(),
        [one] => format!("{one:?}"),
        many => format!("{many:?}"),
    }
}

fn write_url_difference(
    text: &mut String,
    recorded: &crate::normalize::UrlKey,
    received: &crate::normalize::UrlKey,
) {
    text.push_str("  url: differs:");
    if recorded.base != received.base {
        let _ = write!(
            text,
            " recorded {}, received {}",
            clip_url(&recorded.base),
            clip_url(&received.base)
        );
        if recorded.query == received.query {
            text.push_str(" (query parameters match)");
        }
    }
    if recorded.query != received.query {
        if recorded.base != received.base {
            text.push(';');
        }
        let only_recorded = multiset_minus(&recorded.query, &received.query);
        let only_received = multiset_minus(&received.query, &recorded.query);
        text.push_str(" query parameters");
        if !only_recorded.is_empty() {
            let _ = write!(text, " only recorded: {}", pairs(&only_recorded));
        }
        if !only_recorded.is_empty() && !only_received.is_empty() {
            text.push(';');
        }
        if !only_received.is_empty() {
            let _ = write!(text, " only received: {}", pairs(&only_received));
        }
    }
    text.push('\n');
}

/// The pairs of `a` not in `b`, counting repeats; both sorted.
fn multiset_minus<'a>(
    a: &'a [(String, String)],
    b: &[(String, String)],
) -> Vec<&'a (String, String)> {
    let mut out = Vec::new();
    let mut j = 0;
    for pair in a {
        while j < b.len() && b[j] < *pair {
            j += 1;
        }
        if j < b.len() && b[j] == *pair {
            j += 1;
        } else {
            out.push(pair);
        }
    }
    out
}

fn pairs(pairs: &[&(String, String)]) -> String {
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes how the bodies differ; returns the JSON pointers where they do, up to
/// a few more than are named, when every value there reads like a token (empty
/// when the bodies are not both JSON, or a difference is text or structure).
fn write_body_difference(
    text: &mut String,
    cx: &Context<'_>,
    i: usize,
    received_norm: &NormalRequest,
) -> Vec<String> {
    let recorded_body = &cx.normal[i].body;
    let received_body = &received_norm.body;
    let mut pointers = Vec::new();
    let mut volatile = false;
    if recorded_body.kind == BodyKind::Binary || received_body.kind == BodyKind::Binary {
        let _ = writeln!(
            text,
            "  body: differs: recorded {}; received {}",
            describe(recorded_body.kind, recorded_body.text.len()),
            describe(received_body.kind, received_body.text.len())
        );
        return pointers;
    }
    let recorded_view = body_view(cx.rules, recorded_body);
    let received_view = body_view(cx.rules, received_body);
    let mut at = String::new();
    if recorded_body.kind == BodyKind::Json && received_body.kind == BodyKind::Json {
        if let (Some(a), Some(b)) = (
            cx.rules.normalizer.json(&recorded_body.text),
            cx.rules.normalizer.json(&received_body.text),
        ) {
            differing_pointers(&a, &b, &mut String::new(), &mut pointers);
            volatile = pointers.iter().all(|pointer| {
                [&a, &b]
                    .iter()
                    .all(|side| side.pointer(pointer).is_none_or(reads_like_a_token))
            });
            if !pointers.is_empty() {
                let shown = pointers.len().min(MAX_POINTERS);
                let _ = write!(at, " at {}", pointers[..shown].join(", "));
                if pointers.len() >= POINTERS_SOUGHT {
                    at.push_str(" and many more");
                } else if pointers.len() > shown {
                    let _ = write!(at, " and {} more", pointers.len() - shown);
                }
            }
        }
    }
    if let (Some(Structure::Multipart(a)), Some(Structure::Multipart(b))) =
        (&recorded_body.structure, &received_body.structure)
    {
        at = differing_part(a, b);
    }
    let compared = if recorded_body.kind == received_body.kind {
        match recorded_body.kind {
            BodyKind::Json => "both JSON, compared as canonical JSON".to_owned(),
            BodyKind::Multipart => "both multipart, compared part by part".to_owned(),
            BodyKind::Form => "both form parameters, compared sorted".to_owned(),
            _ => format!("both {}", recorded_body.kind.name()),
        }
    } else {
        format!(
            "recorded {}, received {}",
            recorded_body.kind.name(),
            received_body.kind.name()
        )
    };
    let _ = writeln!(text, "  body: differs{at} ({compared}):");
    write_diff(
        text,
        &recorded_view.text,
        &received_view.text,
        &format!("recorded #{i}"),
        cx.full_diff,
    );
    if !volatile {
        pointers.clear();
    }
    pointers
}

/// Whether a JSON value reads like one that changes from run to run without the
/// request meaning something else: a number, a flag, or a string with no spaces
/// (an id, a timestamp, a hash). Text with spaces (a prompt) is what the test
/// sends on purpose; objects and arrays are structure.
fn reads_like_a_token(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) => true,
        Value::String(s) => s.len() <= 200 && !s.chars().any(char::is_whitespace),
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// The JSON pointers where `a` and `b` differ: fields on one side only, array
/// elements past the other's end, and different values. Stops after a few more
/// than are shown, to stay cheap on large bodies.
fn differing_pointers(a: &Value, b: &Value, path: &mut String, out: &mut Vec<String>) {
    if out.len() >= POINTERS_SOUGHT {
        return;
    }
    let len = path.len();
    match (a, b) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a
                .keys()
                .chain(b.keys().filter(|k| !a.contains_key(*k)))
                .collect();
            keys.sort_unstable();
            for key in keys {
                path.push('/');
                path.push_str(&key.replace('~', "~0").replace('/', "~1"));
                match (a.get(key), b.get(key)) {
                    (Some(x), Some(y)) => differing_pointers(x, y, path, out),
                    _ => out.push(path.clone()),
                }
                path.truncate(len);
            }
        }
        (Value::Array(a), Value::Array(b)) => {
            for i in 0..a.len().max(b.len()) {
                let _ = write!(path, "/{i}");
                match (a.get(i), b.get(i)) {
                    (Some(x), Some(y)) => differing_pointers(x, y, path, out),
                    _ => out.push(path.clone()),
                }
                path.truncate(len);
            }
        }
        (a, b) => {
            if canonical_json(a, false) != canonical_json(b, false) {
                out.push(if path.is_empty() {
                    "/".to_owned()
                } else {
                    path.clone()
                });
            }
        }
    }
}

/// A body as text to diff: pretty canonical JSON, sorted form parameters one a
/// line, or the text; always ending in a newline.
struct BodyView {
    text: String,
}

fn body_view(rules: &Rules, body: &crate::normalize::BodyKey) -> BodyView {
    let mut text = match body.kind {
        BodyKind::Empty => String::new(),
        BodyKind::Json => rules
            .normalizer
            .json(&body.text)
            .map(|value| canonical_json(&value, true))
            .unwrap_or_default(),
        BodyKind::Form => form_pairs(&body.text)
            .into_iter()
            .map(|(n, v)| format!("{n}={v}\n"))
            .collect(),
        BodyKind::Multipart => match &body.structure {
            Some(Structure::Multipart(parts)) => parts.iter().map(part_view).collect(),
            _ => String::from_utf8_lossy(&body.text).into_owned(),
        },
        BodyKind::Text | BodyKind::Binary => String::from_utf8_lossy(&body.text).into_owned(),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    BodyView { text }
}

/// A part as lines to diff: a line naming it, then its content indented: pretty
/// canonical JSON, the text, or for binary content only its size and digest.
fn part_view(part: &PartKey) -> String {
    let mut view = format!("part {}\n", part.label());
    let content = match &part.content {
        PartContent::Json(json) => serde_json::from_str::<Value>(json)
            .map(|value| canonical_json(&value, true))
            .unwrap_or_else(|_| json.clone()),
        PartContent::Text(text) => String::from_utf8_lossy(text).into_owned(),
        PartContent::Binary(bytes) => format!(
            "<binary, {} bytes, sha256 {}>",
            bytes.len(),
            reel_cassette::__private::short_sha256(bytes)
        ),
    };
    for line in content.lines() {
        let _ = writeln!(view, "  {line}");
    }
    view
}

/// Where two multipart bodies differ: ` in part "file" (...)`, or ` in its parts`
/// naming both lists when they do not pair up.
fn differing_part(recorded: &[PartKey], received: &[PartKey]) -> String {
    let names = |parts: &[PartKey]| {
        parts
            .iter()
            .map(|p| p.name.clone().unwrap_or_default())
            .collect::<Vec<_>>()
    };
    if names(recorded) != names(received) {
        return format!(
            " in its parts: recorded {:?}, received {:?}",
            names(recorded),
            names(received)
        );
    }
    let differing: Vec<&PartKey> = recorded
        .iter()
        .zip(received)
        .filter(|(a, b)| a != b)
        .map(|(a, _)| a)
        .collect();
    match differing.as_slice() {
        [] => String::new(),
        [one] => format!(" in part {}", one.label()),
        [first, rest @ ..] => format!(" in part {} and {} more", first.label(), rest.len()),
    }
}

/// A unified diff of `recorded` and `received`, indented, bounded unless `full`.
pub(crate) fn write_diff(
    text: &mut String,
    recorded: &str,
    received: &str,
    recorded_name: &str,
    full: bool,
) {
    let diff = TextDiff::from_lines(recorded, received);
    let mut lines: Vec<String> = vec![format!("--- {recorded_name}"), "+++ received".to_owned()];
    let mut clipped = false;
    for hunk in diff.unified_diff().context_radius(3).iter_hunks() {
        lines.push(hunk.header().to_string());
        let changes: Vec<_> = hunk.iter_changes().collect();
        let focus = focus_points(&changes);
        for (change, focus) in changes.iter().zip(focus) {
            let sign = match change.tag() {
                ChangeTag::Delete => '-',
                ChangeTag::Insert => '+',
                ChangeTag::Equal => ' ',
            };
            let value = change.value().trim_end_matches('\n');
            let value = if full {
                value.to_owned()
            } else {
                let (value, cut) = clip_line(value, focus, MAX_LINE_CHARS);
                clipped |= cut;
                value
            };
            lines.push(format!("{sign}{value}"));
        }
    }
    let total = lines.len();
    let shown = if full {
        total
    } else {
        total.min(MAX_DIFF_LINES)
    };
    for line in &lines[..shown] {
        let _ = writeln!(text, "    {line}");
    }
    if shown < total {
        let _ = writeln!(
            text,
            "    ... diff cut at {shown} of {total} lines (run with REEL_FULL_DIFF=1 to see all of it)"
        );
    } else if clipped {
        let _ = writeln!(
            text,
            "    ... long lines cut around their first difference (run with REEL_FULL_DIFF=1 \
             to see them whole)"
        );
    }
}

/// For each change, the character where a changed line first differs from the line
/// it replaces (0 for unpaired and unchanged lines).
fn focus_points(changes: &[similar::Change<&str>]) -> Vec<usize> {
    let mut focus = vec![0; changes.len()];
    let mut start = 0;
    while start < changes.len() {
        if changes[start].tag() == ChangeTag::Equal {
            start += 1;
            continue;
        }
        let end = (start..changes.len())
            .find(|&k| changes[k].tag() == ChangeTag::Equal)
            .unwrap_or(changes.len());
        let deletes: Vec<usize> = (start..end)
            .filter(|&k| changes[k].tag() == ChangeTag::Delete)
            .collect();
        let inserts: Vec<usize> = (start..end)
            .filter(|&k| changes[k].tag() == ChangeTag::Insert)
            .collect();
        for (&d, &n) in deletes.iter().zip(&inserts) {
            let common = changes[d]
                .value()
                .chars()
                .zip(changes[n].value().chars())
                .take_while(|(a, b)| a == b)
                .count();
            focus[d] = common;
            focus[n] = common;
        }
        start = end;
    }
    focus
}

/// At most `max` characters of `line`, around character `focus`; whether it was cut.
fn clip_line(line: &str, focus: usize, max: usize) -> (String, bool) {
    let len = line.chars().count();
    if len <= max {
        return (line.to_owned(), false);
    }
    let start = focus.saturating_sub(max / 3).min(len - max);
    let mut out = String::new();
    if start > 0 {
        out.push_str("...");
    }
    out.extend(line.chars().skip(start).take(max));
    if start + max < len {
        let _ = write!(out, "... ({} more characters)", len - start - max);
    }
    (out, true)
}

/// The report on interactions a test did not replay: how many, the cassette and
/// mode, one line each (method, URL, a body preview), and the command that
/// re-records.
pub(crate) fn unplayed_report(cx: &Context<'_>, unplayed: &[usize]) -> String {
    let total = cx.interactions.len();
    let mut text = format!(
        "reel: {} of {total} recorded interaction{} {} not replayed, and this test expects \
         every one to be (expect_all_played)\n",
        unplayed.len(),
        plural(total),
        if unplayed.len() == 1 { "was" } else { "were" },
    );
    let _ = writeln!(text, "  cassette: {}", cx.path.display());
    let _ = writeln!(text, "  mode:     {} ({})", cx.mode, cx.mode.summary());
    text.push_str("\nnot replayed:\n");
    let shown = &unplayed[..unplayed.len().min(MAX_OTHERS)];
    for (&i, preview) in shown.iter().zip(previews(cx, shown)) {
        let _ = writeln!(text, "  {}{preview}", summary(cx, i));
    }
    if unplayed.len() > MAX_OTHERS {
        let _ = writeln!(text, "  ... and {} more", unplayed.len() - MAX_OTHERS);
    }
    text.push_str(
        "\nthe code made fewer requests than were recorded; if that is what it should do now, ",
    );
    match cx.record {
        Rerecord::Command(command) => {
            let _ = write!(text, "re-record this cassette: {command}");
        }
        Rerecord::Cannot(why) => {
            let _ = write!(text, "re-record this cassette (this client cannot: {why})");
        }
    }
    text
}

/// One line about interaction `i`:
/// `#1 POST https://... (JSON body, 1284 bytes): {"messages":[...`.
fn summary(cx: &Context<'_>, i: usize) -> String {
    let request = &cx.interactions[i].request;
    let body = &cx.normal[i].body;
    format!(
        "#{i} {} {} ({})",
        request.method,
        clip_url(&request.url),
        describe(body.kind, body.text.len())
    )
}

/// Top-level fields that hold a conversation, one turn an element: `messages`
/// (OpenAI, Anthropic, Bedrock Converse, Mistral, Ollama), `contents` (Gemini),
/// `input` (OpenAI Responses).
const CONVERSATION_FIELDS: [&str; 3] = ["messages", "contents", "input"];

/// A body as its preview reads it: for a chat request, its last turn (every turn
/// repeats the ones before, so the last is what tells them apart); else compact
/// canonical JSON, or the text. `None` for no body or a binary one.
fn preview_text(rules: &Rules, body: &crate::normalize::BodyKey) -> Option<String> {
    match body.kind {
        BodyKind::Json => {
            let value = rules.normalizer.json(&body.text)?;
            let turn = CONVERSATION_FIELDS.iter().find_map(|field| {
                let turns = value.get(field)?.as_array()?;
                let last = turns.last()?;
                Some(format!(
                    "{field}[{}] {}",
                    turns.len() - 1,
                    canonical_json(last, false)
                ))
            });
            Some(turn.unwrap_or_else(|| canonical_json(&value, false)))
        }
        BodyKind::Form | BodyKind::Text => {
            Some(String::from_utf8_lossy(&body.text).replace('\n', " "))
        }
        _ => None,
    }
}

/// `: <preview>` for each of `listed`, each starting a little before where the
/// previews begin to differ, so that what tells the interactions apart shows
/// rather than what they share.
fn previews(cx: &Context<'_>, listed: &[usize]) -> Vec<String> {
    let texts: Vec<Option<String>> = listed
        .iter()
        .map(|&i| preview_text(cx.rules, &cx.normal[i].body))
        .collect();
    let compared: Vec<&str> = texts.iter().flatten().map(String::as_str).collect();
    // The shared prefix, in characters, when there are previews to compare.
    let shared = match compared.split_first() {
        Some((first, rest)) if !rest.is_empty() => {
            rest.iter().fold(first.chars().count(), |shared, other| {
                first
                    .chars()
                    .zip(other.chars())
                    .take(shared)
                    .take_while(|(a, b)| a == b)
                    .count()
            })
        }
        _ => 0,
    };
    let start = shared.saturating_sub(MAX_PREVIEW_CHARS / 3);
    texts
        .iter()
        .map(|text| match text {
            None => String::new(),
            Some(text) => {
                let len = text.chars().count();
                let start = start.min(len.saturating_sub(MAX_PREVIEW_CHARS));
                let mut preview = String::from(if start > 0 { ": ..." } else { ": " });
                preview.extend(text.chars().skip(start).take(MAX_PREVIEW_CHARS));
                if start + MAX_PREVIEW_CHARS < len {
                    preview.push_str("...");
                }
                preview
            }
        })
        .collect()
}

/// `no body` or `JSON body, 1284 bytes`.
fn describe(kind: BodyKind, len: usize) -> String {
    match kind {
        BodyKind::Empty => "no body".to_owned(),
        kind => format!("{} body, {len} byte{}", kind.name(), plural(len)),
    }
}

fn clip_url(url: &str) -> String {
    clip_line(url, 0, MAX_URL_CHARS).0
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_their_first_difference() {
        let old = format!("{}A{}", "x".repeat(300), "y".repeat(300));
        let new = format!("{}B{}", "x".repeat(300), "y".repeat(300));
        let mut text = String::new();
        write_diff(
            &mut text,
            &format!("{old}\n"),
            &format!("{new}\n"),
            "recorded #0",
            false,
        );
        let minus = text
            .lines()
            .find(|l| l.starts_with("    -") && !l.starts_with("    ---"))
            .unwrap();
        assert!(minus.contains("xA"), "{minus}");
        assert!(minus.starts_with("    -...x"), "{minus}");
        assert!(minus.ends_with("... (194 more characters)"), "{minus}");
        assert!(
            text.ends_with("(run with REEL_FULL_DIFF=1 to see them whole)\n"),
            "{text}"
        );
    }

    #[test]
    fn multiset_difference_counts_repeats() {
        let a = [
            ("a".into(), "1".into()),
            ("a".into(), "1".into()),
            ("b".into(), "2".into()),
        ];
        let b = [("a".into(), "1".into())];
        assert_eq!(multiset_minus(&a, &b), [&a[1], &a[2]]);
    }
}
