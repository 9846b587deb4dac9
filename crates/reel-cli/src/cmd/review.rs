//! `reel review [PATH...]`: the re-records a `REEL_REVIEW=1` run left beside
//! cassettes (`NAME.yaml.pending`), each shown as its change against the
//! cassette, then accepted (it replaces the cassette), rejected (deleted) or
//! skipped, as `cargo insta review` does with snapshots.

use std::collections::{HashMap, VecDeque};
use std::io::{BufRead as _, IsTerminal as _, Write};
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use reel_cassette::__private::{lock_cassette, short_sha256, timing_path, Timing};
use reel_cassette::{stream_events, Bytes, Cassette, Headers, Interaction, Request, StreamKind};
use similar::TextDiff;

use super::diff::{header_lines, status, title};
use crate::body::{content_type, Body};
use crate::cli::ReviewArgs;
use crate::render::{canonical_json_line, count, one_line};
use crate::session_review::Compare;
use crate::style::{paint, ADDED, CHANGED, HEADING, NOTE, REMOVED};
use crate::Outcome;

/// The `--help` text after the options.
pub const HELP: &str = "\
Examples:
  reel review cassettes
  reel review cassettes/openai/multi_tool_streaming.yaml
  reel review --accept cassettes
  printf 'a\\nr\\n' | reel review cassettes

A test run with REEL_REVIEW=1 writes what it recorded to NAME.yaml.pending
beside each cassette and leaves the cassette as it was (REEL_REVIEW=1
REEL_RECORD=all cargo test re-records a suite for review). Without a PATH,
the current directory is searched for *.pending files.

Each pending file is shown as its change against the cassette. Interactions
are paired by what they match (method, URL with its query parameters in any
order, body with JSON compared canonically), then by method and URL in order.
`~` marks a pair that differs, with diffs of what does: the request bodies
(canonical JSON) of a pair whose requests differ, the status, headers and
body of the responses (one line per server-sent event, its JSON with sorted
keys; one per event-stream frame, its size and SHA-256; multipart part by
part; a WebSocket session message by message, runs of deltas condensed as
reel show prints them). `+` marks an interaction only in the pending file, `-` one only in
the cassette. Unchanged pairs are counted; durations are not compared. On a
terminal, a review longer than the screen goes through $PAGER (default:
less -R).

Then, for each cassette: accept (a), reject (r), skip (s), accept all (A),
quit (q)?
  a  accept: the pending file replaces the cassette (atomically, under the
     cassette's lock), and its .timing and .provenance files replace the cassette's
  r  reject: the pending file and its .timing and .provenance files are deleted
  s  skip: both stay for a later review
  A  accept this one and every one after it, without showing them
  q  quit: skip this one and every one after it
When standard input is not a terminal, answers are read from it one per line
(`printf 'a\\nr\\n' | reel review`); the end of the input quits. --accept and
--reject decide for every pending file found, without showing or asking.

Exit codes: 0 reviewed (whatever was decided), 1 a pending file that does not
load, or that could not be accepted or rejected, 2 bad usage or a missing
path.";

/// Lines of context around each change in a diff.
const CONTEXT: usize = 3;

/// The question asked for each pending file.
const PROMPT: &str = "accept (a), reject (r), skip (s), accept all (A), quit (q)? ";

/// How much a recorded gap must grow or shrink to be shown.
const TIMING_FACTOR: f64 = 2.0;

/// What a review is shown through.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Show {
    Print,
    /// `$PAGER` when the review is longer than the terminal.
    Pager,
}

/// One pending re-record and the cassette it would replace.
struct Pending {
    /// `NAME.yaml.pending`.
    pending: PathBuf,
    /// `NAME.yaml`, which may not exist.
    cassette: PathBuf,
}

/// What was decided, for the summary line.
#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    skipped: usize,
    /// A pending file did not load, or accepting or rejecting it failed.
    problems: bool,
}

pub fn run(args: &ReviewArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let here = [PathBuf::from(".")];
    let paths = match args.paths.is_empty() {
        true => &here[..],
        false => &args.paths[..],
    };
    let (files, missing) = super::pending_files(paths);
    if !missing.is_empty() {
        // Decide nothing on a command line that names something that is not there.
        for path in &missing {
            super::error(format_args!(
                "{}: no such file or directory",
                path.display()
            ));
        }
        return Ok(Outcome::BadUsage);
    }
    let found: Vec<Pending> = files
        .into_iter()
        .map(|pending| match args.paths.is_empty() {
            // Searched for by default: `a.yaml.pending`, not `./a.yaml.pending`.
            true => pending
                .strip_prefix(".")
                .map(Path::to_owned)
                .unwrap_or(pending),
            false => pending,
        })
        .map(|pending| Pending {
            cassette: super::cassette_of(&pending),
            pending,
        })
        .collect();
    let mut tally = Tally::default();
    if args.accept || args.reject {
        for pending in &found {
            decide_unseen(out, pending, args.accept, &mut tally)?;
        }
    } else {
        let show = if args.pager { Show::Pager } else { Show::Print };
        let fold = !args.show_volatile;
        review_each(out, &found, show, fold, &mut tally)?;
    }
    writeln!(
        out,
        "reviewed {}: {} accepted, {} rejected, {} skipped",
        found.len(),
        tally.accepted,
        tally.rejected,
        tally.skipped
    )?;
    Ok(match tally.problems {
        true => Outcome::Found,
        false => Outcome::Clean,
    })
}

/// `--accept` or `--reject`: one line per pending file, nothing asked.
fn decide_unseen(
    out: &mut impl Write,
    pending: &Pending,
    accept: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let shown = pending.cassette.display();
    if !accept {
        match reject(pending) {
            Ok(()) => {
                tally.rejected += 1;
                writeln!(out, "rejected {shown}")?;
            }
            Err(err) => {
                problem(tally, &err);
                tally.skipped += 1;
            }
        }
        return Ok(());
    }
    let loaded = match Loaded::read(pending) {
        Ok(loaded) => loaded,
        Err(err) => {
            problem(tally, &err);
            tally.skipped += 1;
            return Ok(());
        }
    };
    let counts = loaded.changes().counts();
    match accept_file(pending, &loaded.bytes) {
        Ok(()) => {
            tally.accepted += 1;
            writeln!(out, "accepted {shown}: {counts}")?;
        }
        Err(err) => {
            problem(tally, &err);
            tally.skipped += 1;
        }
    }
    Ok(())
}

/// Shows each pending file and asks what to do with it.
fn review_each(
    out: &mut impl Write,
    found: &[Pending],
    show: Show,
    fold: bool,
    tally: &mut Tally,
) -> anyhow::Result<()> {
    let mut answers = Answers::new();
    let (mut accept_rest, mut quit, mut shown_any) = (false, false, false);
    let total = found.len();
    for (index, pending) in found.iter().enumerate() {
        if quit {
            tally.skipped += 1;
            continue;
        }
        let shown = pending.cassette.display();
        let mut loaded = match Loaded::read(pending) {
            Ok(loaded) => loaded,
            Err(err) => {
                problem(tally, &err);
                tally.skipped += 1;
                continue;
            }
        };
        loaded.fold = fold;
        let answer = if accept_rest {
            Answer::Accept
        } else {
            // A blank line after the previous review and its answer.
            if shown_any {
                writeln!(out)?;
            }
            shown_any = true;
            let mut text = Vec::new();
            loaded.write_review(&mut text)?;
            out.flush()?;
            // Paged, the review is printed too: it stays on screen after the
            // pager closes, above the question (and shows if the pager fails).
            if show == Show::Pager {
                page(&text);
            }
            out.write_all(&text)?;
            let question = format!("[{} of {total}] {shown}: ", index + 1);
            answers.ask(out, &question)?
        };
        let answer = match answer {
            Answer::AcceptAll => {
                accept_rest = true;
                Answer::Accept
            }
            Answer::Quit => {
                quit = true;
                Answer::Skip
            }
            other => other,
        };
        match answer {
            Answer::Accept => match accept_file(pending, &loaded.bytes) {
                Ok(()) => {
                    tally.accepted += 1;
                    writeln!(out, "accepted {shown}")?;
                }
                Err(err) => {
                    problem(tally, &err);
                    tally.skipped += 1;
                }
            },
            Answer::Reject => match reject(pending) {
                Ok(()) => {
                    tally.rejected += 1;
                    writeln!(out, "rejected {shown}")?;
                }
                Err(err) => {
                    problem(tally, &err);
                    tally.skipped += 1;
                }
            },
            _ => {
                tally.skipped += 1;
                writeln!(out, "skipped {shown}")?;
            }
        }
    }
    if shown_any {
        writeln!(out)?;
    }
    Ok(())
}

fn problem(tally: &mut Tally, err: &anyhow::Error) {
    tally.problems = true;
    super::error(crate::message(err));
}

/// A pending file as read, and the cassette it would replace.
struct Loaded<'a> {
    paths: &'a Pending,
    /// The pending file's bytes: what accepting puts in place.
    bytes: Vec<u8>,
    new: Cassette,
    /// The cassette, `Ok(None)` when there is none yet, `Err` when it does not load.
    old: Result<Option<Cassette>, String>,
    /// Whether stream events are compared without the fields that change on
    /// every call.
    fold: bool,
}

impl<'a> Loaded<'a> {
    fn read(paths: &'a Pending) -> anyhow::Result<Loaded<'a>> {
        let bytes = std::fs::read(&paths.pending)
            .with_context(|| format!("{}: cannot read", paths.pending.display()))?;
        let new = Cassette::load(&paths.pending)?;
        let old = match paths.cassette.exists() {
            false => Ok(None),
            true => Cassette::load(&paths.cassette)
                .map(Some)
                .map_err(|err| err.to_string()),
        };
        Ok(Loaded {
            paths,
            bytes,
            new,
            old,
            fold: true,
        })
    }

    fn changes(&self) -> Changes<'_> {
        let old = match &self.old {
            Ok(Some(old)) => &old.interactions[..],
            _ => &[],
        };
        Changes::pair(old, &self.new.interactions)
    }

    /// The heading and every change, for people.
    fn write_review(&self, out: &mut Vec<u8>) -> std::io::Result<()> {
        let changes = self.changes();
        let shape = match &self.old {
            Ok(Some(old)) => format!(
                "{} -> {}",
                count(old.interactions.len(), "interaction", "interactions"),
                self.new.interactions.len()
            ),
            Ok(None) => format!(
                "new cassette, {}",
                count(self.new.interactions.len(), "interaction", "interactions")
            ),
            Err(_) => format!(
                "the cassette does not load, {}",
                count(self.new.interactions.len(), "interaction", "interactions")
            ),
        };
        let heading = format!(
            "review {} ({shape}): {}",
            self.paths.cassette.display(),
            changes.counts()
        );
        writeln!(out, "{}", paint(HEADING, heading))?;
        if let Err(err) = &self.old {
            writeln!(out, "  {}", paint(NOTE, one_line(err)))?;
        }
        for change in &changes.list {
            self.write_change(out, change)?;
        }
        self.write_timing(out, &changes.pairs)
    }

    /// Streams whose recorded rhythm changed beyond [`TIMING_FACTOR`] (a gap
    /// over 50 ms that grew or shrank that much), even where the bytes did not.
    fn write_timing(&self, out: &mut Vec<u8>, pairs: &[(usize, usize)]) -> std::io::Result<()> {
        let (Ok(Some(old)), Ok(Some(new_timing))) =
            (&self.old, Timing::load_for(&self.paths.pending))
        else {
            return Ok(());
        };
        let Ok(Some(old_timing)) = Timing::load_for(&self.paths.cassette) else {
            return Ok(());
        };
        for &(i, j) in pairs {
            let (a, b) = (&old.interactions[i], &self.new.interactions[j]);
            let (Some(x), Some(y)) = (
                old_timing.for_interaction(i, a),
                new_timing.for_interaction(j, b),
            ) else {
                continue;
            };
            let gaps = |times: &[f64]| -> Vec<f64> {
                std::iter::once(times.first().copied().unwrap_or(0.0))
                    .chain(times.windows(2).map(|w| w[1] - w[0]))
                    .collect()
            };
            let (gx, gy) = (gaps(&x.events_ms), gaps(&y.events_ms));
            let changed = gx.iter().zip(&gy).enumerate().find(|(_, (p, q))| {
                let (low, high) = (p.min(**q), p.max(**q));
                high > 50.0 && high > low.max(1.0) * TIMING_FACTOR
            });
            if let Some((event, (p, q))) = changed {
                writeln!(
                    out,
                    "{}",
                    paint(
                        CHANGED,
                        format!(
                            "~ {j} {}: recorded timing changed: the gap before event {event} \
                             {p:.0} ms -> {q:.0} ms",
                            title(b)
                        )
                    )
                )?;
            }
        }
        Ok(())
    }

    fn write_change(&self, out: &mut Vec<u8>, change: &Change<'_>) -> std::io::Result<()> {
        let (old_id, a, new_id, b, request_changed) = match change {
            Change::Added(id, interaction) => {
                writeln!(
                    out,
                    "{}",
                    paint(ADDED, format!("+ {id} {}", title(interaction)))
                )?;
                return write_summary(out, interaction);
            }
            Change::Removed(id, interaction) => {
                let line = format!("- {id} {}", title(interaction));
                writeln!(out, "{}", paint(REMOVED, line))?;
                return write_summary(out, interaction);
            }
            Change::Differs {
                old: (i, a),
                new: (j, b),
                request_changed,
            } => (*i, *a, *j, *b, *request_changed),
        };
        let ids = match old_id == new_id {
            true => old_id.to_string(),
            false => format!("{old_id} -> {new_id}"),
        };
        let parts = differences(a, b, request_changed);
        let heading = format!("~ {ids} {} ({})", title(a), parts.join(", "));
        writeln!(out, "{}", paint(CHANGED, heading))?;
        let labels = |what: &str| {
            (
                format!("{} #{old_id} {what}", self.paths.cassette.display()),
                format!("{} #{new_id} {what}", self.paths.pending.display()),
            )
        };
        let (qa, qb) = (&a.request, &b.request);
        let (ra, rb) = (&a.response, &b.response);
        let arrow =
            |what: &str, x: &str, y: &str| format!("  {what}: {} -> {}", one_line(x), one_line(y));
        if parts.contains(&"request headers") {
            let (x, y) = (header_lines(&qa.headers), header_lines(&qb.headers));
            write_diff(out, labels("request headers"), &x, &y)?;
        }
        if request_changed {
            let (x, y) = (
                body_lines(&qa.body, &qa.headers),
                body_lines(&qb.body, &qb.headers),
            );
            write_lines_diff(out, "request body", labels("request body"), &x, &y)?;
        }
        if parts.contains(&"status") {
            writeln!(out, "{}", arrow("status", &status(ra), &status(rb)))?;
        }
        if parts.contains(&"response headers") {
            let (x, y) = (header_lines(&ra.headers), header_lines(&rb.headers));
            write_diff(out, labels("response headers"), &x, &y)?;
        }
        let sse = |headers: &Headers| {
            StreamKind::from_content_type(content_type(headers).unwrap_or(""))
                == StreamKind::ServerSentEvents
        };
        let compare = Compare {
            sides: ("the cassette", "the pending file"),
            fold: self.fold,
            limit: Some(crate::stream_review::SHOWN),
        };
        // A session is compared message by message.
        if !parts.contains(&"response body") || crate::session_review::write(out, ra, rb, &compare)?
        {
            return Ok(());
        }
        if sse(&ra.headers) && sse(&rb.headers) {
            crate::stream_review::write(out, &ra.body, &rb.body, self.fold)?;
        } else {
            let (x, y) = (
                body_lines(&ra.body, &ra.headers),
                body_lines(&rb.body, &rb.headers),
            );
            write_lines_diff(out, "response body", labels("response body"), &x, &y)?;
        }
        Ok(())
    }
}

/// The request and response of an added or removed interaction, in brief:
/// `  request: 853 bytes, JSON` and `  response: 200 OK, 5059 bytes, 14 events`
/// (`101 Switching Protocols, 8120 bytes, WebSocket session, 230 messages`),
/// then the text its stream or session assembles.
fn write_summary(out: &mut Vec<u8>, interaction: &Interaction) -> std::io::Result<()> {
    let (request, response) = (&interaction.request, &interaction.response);
    writeln!(
        out,
        "  request: {}",
        describe(&request.body, &request.headers)
    )?;
    let what = match crate::session::transcript(response) {
        Some(parsed) => format!(
            "{} bytes, {}",
            response.body.len(),
            crate::session::kind(&parsed)
        ),
        None => describe(&response.body, &response.headers),
    };
    writeln!(
        out,
        "  response: {}, {}",
        one_line(&status(response)),
        one_line(&what)
    )?;
    crate::session_review::write_summary_answers(out, response)?;
    let sse = StreamKind::from_content_type(content_type(&response.headers).unwrap_or(""))
        == StreamKind::ServerSentEvents;
    if sse {
        crate::stream_review::write_answers(out, &response.body)?;
    }
    Ok(())
}

/// `853 bytes, JSON`, `empty`, `binary, 34 bytes, 3 frames`: as `show` says it.
fn describe(bytes: &Bytes, headers: &Headers) -> String {
    match Body::of(bytes, headers) {
        body @ (Body::Empty | Body::Binary { .. }) => body.kind(),
        body => format!("{} bytes, {}", bytes.len(), body.kind()),
    }
}

/// What differs between two paired interactions, in the order shown. Their
/// method and URL are the same (query parameters in any order), as pairing
/// requires. Durations and content lengths are not compared: a re-record
/// always changes them.
fn differences(a: &Interaction, b: &Interaction, request_changed: bool) -> Vec<&'static str> {
    let (qa, qb) = (&a.request, &b.request);
    let (ra, rb) = (&a.response, &b.response);
    [
        (
            "request headers",
            header_lines(&qa.headers) != header_lines(&qb.headers),
        ),
        ("request body", request_changed),
        ("status", ra.code != rb.code || ra.status != rb.status),
        (
            "response headers",
            header_lines(&ra.headers) != header_lines(&rb.headers),
        ),
        ("response body", ra.body != rb.body),
    ]
    .into_iter()
    .filter_map(|(name, differs)| differs.then_some(name))
    .collect()
}

/// How the interactions of a cassette and of its pending re-record pair up.
struct Changes<'a> {
    unchanged: usize,
    /// Every pair, changed or not: (cassette position, pending position).
    pairs: Vec<(usize, usize)>,
    /// Pairs that differ and added interactions in the pending file's order,
    /// then removed ones in the cassette's.
    list: Vec<Change<'a>>,
}

enum Change<'a> {
    /// A pair that differs: `request_changed` when it was paired by method and
    /// URL only, its request bodies differing.
    Differs {
        old: (usize, &'a Interaction),
        new: (usize, &'a Interaction),
        request_changed: bool,
    },
    /// Only in the pending file.
    Added(usize, &'a Interaction),
    /// Only in the cassette.
    Removed(usize, &'a Interaction),
}

impl<'a> Changes<'a> {
    /// Pairs each pending interaction with the first cassette interaction not
    /// yet paired that it matches (method, URL, body), then the rest with the
    /// first by method and URL.
    fn pair(old: &'a [Interaction], new: &'a [Interaction]) -> Changes<'a> {
        let mut by_match: HashMap<MatchKey, VecDeque<usize>> = HashMap::new();
        for (i, interaction) in old.iter().enumerate() {
            let key = MatchKey::of(&interaction.request);
            by_match.entry(key).or_default().push_back(i);
        }
        let mut taken = vec![false; old.len()];
        let mut partner: Vec<Option<(usize, bool)>> = vec![None; new.len()];
        for (j, interaction) in new.iter().enumerate() {
            let key = MatchKey::of(&interaction.request);
            if let Some(i) = by_match.get_mut(&key).and_then(VecDeque::pop_front) {
                taken[i] = true;
                partner[j] = Some((i, false));
            }
        }
        for (j, interaction) in new.iter().enumerate() {
            if partner[j].is_some() {
                continue;
            }
            let route = route(&interaction.request);
            let found =
                (0..old.len()).find(|&i| !taken[i] && route == self::route(&old[i].request));
            if let Some(i) = found {
                taken[i] = true;
                partner[j] = Some((i, true));
            }
        }
        let mut changes = Changes {
            unchanged: 0,
            pairs: Vec::new(),
            list: Vec::new(),
        };
        for (j, b) in new.iter().enumerate() {
            match partner[j] {
                None => changes.list.push(Change::Added(j, b)),
                Some((i, request_changed)) => {
                    changes.pairs.push((i, j));
                    let a = &old[i];
                    if differences(a, b, request_changed).is_empty() {
                        changes.unchanged += 1;
                    } else {
                        changes.list.push(Change::Differs {
                            old: (i, a),
                            new: (j, b),
                            request_changed,
                        });
                    }
                }
            }
        }
        for (i, a) in old.iter().enumerate() {
            if !taken[i] {
                changes.list.push(Change::Removed(i, a));
            }
        }
        changes
    }

    /// `1 unchanged, 1 changed, 1 added`; `no interactions`.
    fn counts(&self) -> String {
        let (mut changed, mut added, mut removed) = (0, 0, 0);
        for change in &self.list {
            match change {
                Change::Differs { .. } => changed += 1,
                Change::Added(..) => added += 1,
                Change::Removed(..) => removed += 1,
            }
        }
        let parts: Vec<String> = [
            (self.unchanged, "unchanged"),
            (changed, "changed"),
            (added, "added"),
            (removed, "removed"),
        ]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        match parts.is_empty() {
            true => "no interactions".to_owned(),
            false => parts.join(", "),
        }
    }
}

/// What a request is matched on: method, URL (query parameters sorted),
/// normalized body.
#[derive(PartialEq, Eq, Hash)]
struct MatchKey {
    method: String,
    url: String,
    body: Vec<u8>,
}

impl MatchKey {
    fn of(request: &Request) -> MatchKey {
        let (method, url) = route(request);
        MatchKey {
            method,
            url,
            body: normalized_body(request),
        }
    }
}

/// The method and the URL with its query parameters sorted (a multiset: a
/// repeated parameter stays repeated).
fn route(request: &Request) -> (String, String) {
    (request.method.clone(), sorted_query(&request.url))
}

fn sorted_query(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_owned();
    };
    let (query, fragment) = match query.split_once('#') {
        Some((query, fragment)) => (query, Some(fragment)),
        None => (query, None),
    };
    let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
    pairs.sort_unstable();
    let mut sorted = format!("{base}?{}", pairs.join("&"));
    if let Some(fragment) = fragment {
        sorted.push('#');
        sorted.push_str(fragment);
    }
    sorted
}

/// The body as matching sees it: JSON canonical (keys sorted, no whitespace),
/// form bodies as sorted parameters, multipart bodies part by part (not their
/// boundary), text by lines, anything else as its bytes.
fn normalized_body(request: &Request) -> Vec<u8> {
    let form = content_type(&request.headers)
        .is_some_and(|t| t.starts_with("application/x-www-form-urlencoded"));
    match Body::of(&request.body, &request.headers) {
        Body::Json(value) => [b"j:", canonical_json_line(&value).as_bytes()].concat(),
        Body::Text(text) if form => {
            let mut pairs: Vec<&str> = text.trim_end().split('&').collect();
            pairs.sort_unstable();
            [b"f:", pairs.join("&").as_bytes()].concat()
        }
        Body::Empty | Body::Binary { .. } => [b"b:", &request.body[..]].concat(),
        body => [b"t:", body.lines(false).join("\n").as_bytes()].concat(),
    }
}

/// A body as the lines its diff compares: canonical pretty JSON, one line per
/// server-sent event (its JSON on one line, keys sorted), multipart part by
/// part, text by lines; binary bodies one line per AWS event-stream frame (its
/// size and the first 8 hex digits of its SHA-256), or one line for the whole.
fn body_lines(bytes: &Bytes, headers: &Headers) -> Vec<String> {
    match Body::of(bytes, headers) {
        Body::Binary { frames, .. } => {
            let kind = StreamKind::from_content_type(content_type(headers).unwrap_or(""));
            if kind == StreamKind::AwsEventStream || frames > 1 {
                stream_events(bytes, StreamKind::AwsEventStream)
                    .map(|frame| {
                        format!(
                            "frame, {} bytes, sha256 {}",
                            frame.len(),
                            short_sha256(&frame)
                        )
                    })
                    .collect()
            } else {
                vec![format!(
                    "{} bytes, sha256 {}",
                    bytes.len(),
                    short_sha256(bytes)
                )]
            }
        }
        body => body.lines(false),
    }
}

/// [`write_diff`], or a note when the lines are the same and only the bytes
/// differ.
fn write_lines_diff(
    out: &mut Vec<u8>,
    what: &str,
    labels: (String, String),
    a: &[String],
    b: &[String],
) -> std::io::Result<()> {
    if a == b {
        return writeln!(
            out,
            "  {what}: the bytes differ only in layout \
             (multipart boundary, JSON whitespace or key order, line endings)"
        );
    }
    write_diff(out, labels, a, b)
}

/// A unified diff of two texts given as lines, indented and coloured, whole:
/// a review shows everything it asks about.
fn write_diff(
    out: &mut Vec<u8>,
    (label_a, label_b): (String, String),
    a: &[String],
    b: &[String],
) -> std::io::Result<()> {
    let text = |lines: &[String]| lines.iter().map(|l| format!("{l}\n")).collect::<String>();
    let (a, b) = (text(a), text(b));
    let diff = TextDiff::from_lines(&a, &b);
    let unified = diff
        .unified_diff()
        .context_radius(CONTEXT)
        .header(&label_a, &label_b)
        .to_string();
    for (n, line) in unified.lines().enumerate() {
        writeln!(
            out,
            "  {}",
            paint(super::diff::diff_line_style(n, line), line)
        )?;
    }
    Ok(())
}

/// The answers to the question asked for each pending file.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Answer {
    Accept,
    Reject,
    Skip,
    AcceptAll,
    Quit,
}

/// Answers read from standard input, one per line. When it is not a
/// terminal, each answer read is written after the question, so that the
/// output reads as a transcript.
struct Answers {
    input: std::io::StdinLock<'static>,
    echo: bool,
}

impl Answers {
    fn new() -> Answers {
        let stdin = std::io::stdin();
        Answers {
            echo: !stdin.is_terminal(),
            input: stdin.lock(),
        }
    }

    fn ask(&mut self, out: &mut impl Write, question: &str) -> anyhow::Result<Answer> {
        loop {
            write!(out, "{question}{PROMPT}")?;
            out.flush()?;
            let mut line = String::new();
            // On a terminal one key answers (Enter after it is not needed).
            if !self.echo {
                if let Some(key) = single_key(&mut self.input) {
                    writeln!(out)?;
                    line = key.to_string();
                }
            }
            if line.is_empty() && self.input.read_line(&mut line)? == 0 {
                match self.echo {
                    true => writeln!(out, "(end of input: quit)")?,
                    false => writeln!(out)?,
                }
                return Ok(Answer::Quit);
            }
            let answer = line.trim();
            if self.echo {
                writeln!(out, "{}", one_line(answer))?;
            }
            match answer {
                "a" => return Ok(Answer::Accept),
                "r" => return Ok(Answer::Reject),
                "s" => return Ok(Answer::Skip),
                "A" => return Ok(Answer::AcceptAll),
                "q" => return Ok(Answer::Quit),
                _ => writeln!(out, "answer a, r, s, A or q")?,
            }
        }
    }
}

/// Accepts a pending file, under the cassette's lock: it is renamed over the
/// cassette (atomic: readers see the old cassette or the new one), and its
/// timing and provenance files over the cassette's (or the cassette's, which
/// described the old recording, are removed). Refuses when the pending file is
/// no longer the `reviewed` bytes (a test run wrote it again meanwhile).
fn accept_file(pending: &Pending, reviewed: &[u8]) -> anyhow::Result<()> {
    let _lock = lock_cassette(&pending.cassette)?;
    let now = std::fs::read(&pending.pending)
        .with_context(|| format!("{}: cannot read", pending.pending.display()))?;
    if now != reviewed {
        bail!(
            "{}: it changed while it was reviewed (a test run wrote it again); \
             not accepted: run reel review again",
            pending.pending.display()
        );
    }
    // The cassette keeps its permissions: the pending file takes them first.
    if let Ok(metadata) = std::fs::metadata(&pending.cassette) {
        std::fs::set_permissions(&pending.pending, metadata.permissions()).with_context(|| {
            format!(
                "{}: cannot give it the permissions of {}",
                pending.pending.display(),
                pending.cassette.display()
            )
        })?;
    }
    std::fs::rename(&pending.pending, &pending.cassette).with_context(|| {
        format!(
            "{}: cannot move it over {}",
            pending.pending.display(),
            pending.cassette.display()
        )
    })?;
    for sidecar in SIDECARS {
        let (new, old) = (sidecar(&pending.pending), sidecar(&pending.cassette));
        if new.exists() {
            std::fs::rename(&new, &old).with_context(|| {
                format!("{}: cannot move it over {}", new.display(), old.display())
            })?;
        } else {
            remove_if_present(&old)?;
        }
    }
    sync_dir(&pending.cassette);
    Ok(())
}

/// Rejects a pending file, under the cassette's lock: it and its timing and
/// provenance files are deleted. Only a file that loads as a cassette, which
/// reel can tell is its own: any other is left, with the reason.
fn reject(pending: &Pending) -> anyhow::Result<()> {
    let _lock = lock_cassette(&pending.cassette)?;
    if let Err(err) = reel_cassette::Cassette::load(&pending.pending) {
        bail!("{err}
(not deleted: reel deletes only pending files that load as cassettes; remove it by hand if it is yours to remove)");
    }
    remove_if_present(&pending.pending)?;
    for sidecar in SIDECARS {
        remove_if_present(&sidecar(&pending.pending))?;
    }
    Ok(())
}

/// The files beside a cassette (or a pending file) that describe its
/// interactions: they go with it.
const SIDECARS: [fn(&Path) -> std::path::PathBuf; 2] =
    [timing_path, reel_cassette::provenance::provenance_path];

fn remove_if_present(path: &Path) -> anyhow::Result<()> {
    match std::fs::remove_file(path) {
        Err(err) if err.kind() != std::io::ErrorKind::NotFound => {
            Err(err).with_context(|| format!("{}: cannot delete", path.display()))
        }
        _ => Ok(()),
    }
}

/// Makes the renames in the cassette's directory durable, where the platform can.
fn sync_dir(cassette: &Path) {
    let dir = match cassette.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    if let Ok(dir) = std::fs::File::open(dir) {
        let _ = dir.sync_all();
    }
}

/// One key read from the terminal without waiting for Enter (canonical mode
/// off for that read, then restored); `None` where that cannot be done, or
/// for Enter alone, and the caller reads a line.
#[cfg(unix)]
fn single_key(input: &mut impl std::io::Read) -> Option<char> {
    use rustix::termios::{tcgetattr, tcsetattr, LocalModes, OptionalActions, SpecialCodeIndex};
    let stdin = std::io::stdin();
    let saved = tcgetattr(&stdin).ok()?;
    let mut raw = saved.clone();
    raw.local_modes.remove(LocalModes::ICANON);
    raw.special_codes[SpecialCodeIndex::VMIN] = 1;
    raw.special_codes[SpecialCodeIndex::VTIME] = 0;
    tcsetattr(&stdin, OptionalActions::Now, &raw).ok()?;
    let mut byte = [0u8; 1];
    let read = input.read(&mut byte);
    let _ = tcsetattr(&stdin, OptionalActions::Now, &saved);
    match read {
        Ok(1) if byte[0] != b'\n' && byte[0] != b'\r' => Some(char::from(byte[0])),
        _ => None,
    }
}

#[cfg(not(unix))]
fn single_key(_input: &mut impl std::io::Read) -> Option<char> {
    None
}

/// Shows `text` through `$PAGER` (default `less -R`) when standard output is
/// a terminal and `text` is longer than it; returns whether it did. An empty
/// `PAGER` turns paging off; colour goes to the pager only when it would go to
/// the terminal.
#[cfg(unix)]
fn page(text: &[u8]) -> bool {
    let stdout = std::io::stdout();
    if !stdout.is_terminal() {
        return false;
    }
    let Ok(size) = rustix::termios::tcgetwinsize(&stdout) else {
        return false;
    };
    let (rows, columns) = (usize::from(size.ws_row), usize::from(size.ws_col).max(1));
    let plain = anstream::adapter::strip_bytes(text).into_vec();
    let height: usize = String::from_utf8_lossy(&plain)
        .lines()
        .map(|line| line.chars().count().div_ceil(columns).max(1))
        .sum();
    // The question after it needs a line of its own.
    if rows == 0 || height < rows {
        return false;
    }
    let pager = match std::env::var("PAGER") {
        Ok(pager) if pager.trim().is_empty() => return false,
        Ok(pager) => pager,
        Err(_) => "less -R".to_owned(),
    };
    let colour = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let Ok(mut child) = std::process::Command::new("sh")
        .arg("-c")
        .arg(&pager)
        .stdin(std::process::Stdio::piped())
        .spawn()
    else {
        return false;
    };
    if let Some(mut input) = child.stdin.take() {
        // A pager quit before the end closes its input: that is no error.
        let _ = input.write_all(if colour { text } else { &plain });
    }
    let _ = child.wait();
    true
}

#[cfg(not(unix))]
fn page(_text: &[u8]) -> bool {
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(url: &str, body: &str) -> Interaction {
        Interaction::new(
            Request::new("POST", url)
                .with_body(body.to_owned())
                .with_header("Content-Type", "application/json"),
            reel_cassette::Response::new(200).with_body("ok"),
        )
    }

    #[test]
    fn pairs_by_match_first_then_by_method_and_url_in_order() {
        let old = [
            post("https://x/a?b=2&a=1", r#"{"n":1,"m":2}"#),
            post("https://x/a", r#"{"n":2}"#),
            post("https://x/gone", "{}"),
        ];
        let new = [
            post("https://x/a", r#"{"n":3}"#),
            post("https://x/a?a=1&b=2", "{\"m\": 2, \"n\": 1}"),
            post("https://x/new", "{}"),
        ];
        let changes = Changes::pair(&old, &new);
        assert_eq!(changes.unchanged, 1);
        assert_eq!(
            changes.counts(),
            "1 unchanged, 1 changed, 1 added, 1 removed"
        );
        let shape: Vec<String> = changes
            .list
            .iter()
            .map(|change| match change {
                Change::Differs {
                    old,
                    new,
                    request_changed,
                    ..
                } => format!("~{}{}{request_changed}", old.0, new.0),
                Change::Added(j, _) => format!("+{j}"),
                Change::Removed(i, _) => format!("-{i}"),
            })
            .collect();
        assert_eq!(shape, ["~10true", "+2", "-2"]);
    }

    #[test]
    fn query_parameters_compare_as_a_sorted_multiset() {
        assert_eq!(
            sorted_query("https://x/?b=1&a=2&b=0#f"),
            "https://x/?a=2&b=0&b=1#f"
        );
        assert_eq!(sorted_query("https://x/p"), "https://x/p");
    }
}
