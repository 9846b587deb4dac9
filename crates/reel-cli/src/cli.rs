//! The command line: arguments only; what they mean is resolved in `cmd`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Record and replay HTTP for tests, with go-vcr v4 cassettes.
#[derive(Debug, Parser)]
#[command(
    name = "reel",
    version,
    after_help = "\
Examples:
  reel check cassettes
  reel list cassettes/openai/multi_tool_streaming.yaml
  reel show cassettes/openai/multi_tool_streaming.yaml 1
  reel diff old.yaml new.yaml
  reel scrub --check cassettes
  reel fmt --check cassettes
  reel serve cassettes/openai/multi_tool_streaming.yaml --port 8080
  reel review cassettes

Colour is used only on a terminal; NO_COLOR turns it off.

Exit codes:
  0  success: every cassette is clean, no differences, nothing to change;
     `serve` stopped by Ctrl-C or SIGTERM
  1  found something: a cassette has a problem or a secret, `diff` found
     differences, `--check` would change a file; `serve` stopped by a second
     signal before its responses in flight were sent
  2  bad usage or unreadable input: unknown flag, missing path, unknown
     interaction, a cassette that does not load (except for `check`, where
     that is a problem, exit 1), an unusable --upstream URL or address"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
// Parsed once per run: the size of the largest variant costs nothing.
#[allow(clippy::large_enum_variant)]
pub enum Command {
    /// Check that cassettes parse, make sense, hold no secrets and re-save byte for byte.
    #[command(after_help = "\
Examples:
  reel check cassettes
  reel check ../shared/corpus cassettes/openai/multi_tool_streaming.yaml
  reel check --max-age 90d cassettes

Problems: a cassette that does not load, an interaction that makes no sense,
a file that saving would change, a credential (provider keys by their formats,
values whose header, field or parameter name says credential, JWTs, private
keys, Bearer and Basic values, webhook URLs, and the values of environment
variables named like *KEY*, *TOKEN*, *SECRET*, *PASSWORD*; read through
base64, compression and streamed events), a
re-record waiting for review (NAME.yaml.pending: run reel review), and with
--max-age an interaction recorded longer ago than that (dated by the
cassette's NAME.yaml.provenance, else its last git commit, else its
modification time).
Warnings (exit code unchanged): a content_length that disagrees with the body.

Exit codes: 0 every cassette is clean, 1 a cassette has a problem, 2 bad usage.")]
    Check(CheckArgs),

    /// List the interactions of cassettes, one line each.
    #[command(after_help = "\
Examples:
  reel list cassettes/openai/multi_tool_streaming.yaml
  reel list cassettes

Columns: ID METHOD URL STATUS CONTENT-TYPE (of the response) REQ-BYTES
RESP-BYTES EVENTS (server-sent events or event-stream frames, or a WebSocket
session's messages; - when the body is not a stream) MODEL (the model the request named) RECORDED (the day
and age, then where the date came from: noted, the provenance file reel
writes when it records; git, the cassette's last commit; file, its
modification time).

Exit codes: 0 listed, 2 bad usage or a cassette that does not load.")]
    List(ListArgs),

    /// Show interactions in full: headers, pretty JSON bodies, stream events, WebSocket messages.
    #[command(after_help = "\
Examples:
  reel show cassettes/openai/multi_tool_streaming.yaml
  reel show cassettes/openai/multi_tool_streaming.yaml 1 --full

When the timing file a recording left beside the cassette (NAME.yaml.timing)
still fits an interaction, each event shows when it arrived, in milliseconds
after the response headers: `[3] 50.2ms data: {...}`.

A WebSocket session (a 101 response) shows one line per message: `[3] ->
text {...}` client to server, `[4] <- close 1000 done` server to client.
Base64 audio shows as its decoded size, and two or more delta events in a
row are condensed, one line per type: audio counted and sized, text joined
(`[5-216] <- 212 deltas:`); --full shows every message whole.

Exit codes: 0 shown, 2 bad usage, an unknown ID or a cassette that does not load.")]
    Show(ShowArgs),

    /// Compare two cassettes interaction by interaction.
    #[command(after_help = "\
Examples:
  reel diff cassettes/old.yaml cassettes/new.yaml
  git show HEAD:cassettes/a.yaml > /tmp/a.yaml && reel diff /tmp/a.yaml cassettes/a.yaml

Interactions are paired by position. `+` marks an added interaction, `-` a
removed one, `~` a changed one (method, URL, status, headers or bodies), with a
unified diff of the bodies as canonical JSON (keys sorted) or text, one line
per server-sent event. Durations and content lengths are not compared.

Exit codes: 0 no differences, 1 the cassettes differ, 2 bad usage or a cassette
that does not load.")]
    Diff(DiffArgs),

    /// Remove credentials from existing cassettes, as recording does.
    #[command(after_help = "\
Examples:
  reel scrub --check cassettes
  reel scrub cassettes --keep-header Anthropic-Version --json-field /user/api_key

Default rules: keep only the Accept, Content-Encoding, Content-Type and
User-Agent request headers and the Content-Type response header; replace the values of the query and form
parameters key, api_key, apikey, access_token, token, sig and signature with
REDACTED. Files are rewritten atomically, in the layout they were in.

Exit codes: 0 scrubbed (or, with --check, nothing to scrub), 1 with --check a
cassette would change, 2 bad usage or a cassette that does not load.")]
    Scrub(ScrubArgs),

    /// Rewrite cassettes in the canonical layout Go's encoder writes.
    #[command(after_help = "\
Examples:
  reel fmt --check cassettes
  reel fmt --dialect go-vcr cassettes/openai/multi_tool_streaming.yaml

Without --dialect each file keeps its layout (charm: indent 2; go-vcr: indent 4;
charm-folded: charm's as yaml/v4 rc.5+ writes it, folded at 80 columns; indent2:
indent 2 with list items indented).

Exit codes: 0 formatted (or, with --check, already canonical), 1 with --check a
cassette would change, 2 bad usage or a cassette that does not load.")]
    Fmt(FmtArgs),

    /// Serve a cassette over HTTP to clients that take a base URL; record through it.
    #[command(after_help = "\
Examples:
  reel serve cassettes/openai/multi_tool_streaming.yaml --port 8080
  reel serve cassettes/new.yaml --mode all --upstream http://127.0.0.1:9000
  reel serve cassettes/chat.yaml --ignore-json-field /user --match-header x-tenant

The first line on stdout is `listening on http://HOST:PORT`: give the client
that base URL (OpenAI SDKs: http://HOST:PORT/v1). A request matches a recorded
one by method, path, query and body (the Matching flags change that); the
recorded scheme and host are ignored. Server-sent events go out one HTTP chunk
per event. A request that matches nothing gets 404, header x-reel-error:
no-match, and the mismatch report.

With --upstream and a mode that records, requests go on to the upstream, the
responses stream back and are saved with the upstream's URL, as the reel
middleware records them (https:// upstreams included; --upstream-ca FILE
trusts a private CA). Without --mode:
REEL_RECORD if set, else none under CI and once elsewhere; REEL_RECORD also
overrides --mode.

Limits: a request body over --max-body-size (64MiB) gets 413 with header
x-reel-error: too-large, refused on its Content-Length before it is read; a
head with more than --max-headers fields (100) or over --max-head-size bytes
(64KiB) gets 431.

stderr gets one line per request, e.g.
  POST /v1/chat/completions -> 200 (replayed #0) in 2 ms
Ctrl-C or SIGTERM stops after the responses in flight are sent and saved; a
second signal stops at once.

Exit codes: 0 stopped by Ctrl-C or SIGTERM, 1 stopped by a second signal before
the responses in flight were sent, 2 bad usage: a missing cassette in mode
none, a mode that records without --upstream, an unusable --upstream URL,
an --upstream-ca file that cannot be read or holds no usable certificate,
--host or --port, a JSON pointer without its leading / or an invalid header
name, a --max-body-size or --max-head-size that is not a number of bytes
(1048576, 512KiB, 64MiB, 1GiB, 10MB), a --max-headers that is not a number.")]
    Serve(ServeArgs),

    /// Review re-recorded cassettes (REEL_REVIEW=1): show each change, accept or reject it.
    #[command(after_help = crate::cmd::review::HELP)]
    Review(ReviewArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Cassette files, or directories to search for *.yaml and *.yml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Also report cassettes with interactions recorded longer ago than this:
    /// 90d, 12w, 36h. The date comes from the cassette's provenance file, else
    /// its last git commit, else its modification time.
    #[arg(long, value_name = "AGE", value_parser = parse_max_age)]
    pub max_age: Option<std::time::Duration>,
}

/// `reel serve --pace`: the recorded waits, or the recorded waits scaled.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Pace {
    /// The recorded waits.
    Recorded,
    /// The recorded waits times a factor.
    Factor(f64),
}

fn parse_pace(text: &str) -> Result<Pace, String> {
    if text == "recorded" {
        return Ok(Pace::Recorded);
    }
    text.parse::<f64>()
        .ok()
        .filter(|f| f.is_finite() && *f >= 0.0)
        .map(Pace::Factor)
        .ok_or_else(|| {
            format!("`{text}` is neither `recorded` nor a factor of 0 or more (for example 0.5)")
        })
}

fn parse_max_age(text: &str) -> Result<std::time::Duration, String> {
    reel_cassette::provenance::parse_age(text)
}

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Cassettes, pending files (NAME.yaml.pending), or directories to search for
    /// *.pending files. Default: the current directory.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Accept every pending file found, without showing or asking.
    #[arg(long, conflicts_with = "reject")]
    pub accept: bool,
    /// Reject (delete) every pending file found, without showing or asking.
    #[arg(long)]
    pub reject: bool,
    /// Show each review through $PAGER (default less -R) when it is longer
    /// than the terminal; the review is printed again after the pager closes,
    /// and printed instead when the pager cannot run. Default: printed.
    #[arg(long, conflicts_with_all = ["accept", "reject"])]
    pub pager: bool,
    /// Compare stream events with the fields that change on every call (ids,
    /// created, system_fingerprint, ...) instead of folding them away.
    #[arg(long)]
    pub show_volatile: bool,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Cassette files, or directories to search for *.yaml and *.yml files.
    #[arg(required = true, value_name = "CASSETTE")]
    pub paths: Vec<PathBuf>,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The cassette file.
    #[arg(value_name = "CASSETTE")]
    pub path: PathBuf,
    /// The interaction to show (its `id`, from 0); all of them when omitted.
    #[arg(value_name = "ID")]
    pub id: Option<usize>,
    /// Show whole bodies and whole lines instead of bounded excerpts.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old cassette.
    #[arg(value_name = "A")]
    pub old: PathBuf,
    /// The new cassette.
    #[arg(value_name = "B")]
    pub new: PathBuf,
    /// Show whole body diffs instead of the first lines of each.
    #[arg(long)]
    pub full: bool,
}

#[derive(Debug, Args)]
pub struct ScrubArgs {
    /// Cassette files, or directories to search for *.yaml and *.yml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only report what would change; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Also keep this header on requests and responses (any case; repeatable).
    #[arg(long, value_name = "NAME")]
    pub keep_header: Vec<String>,
    /// Keep every header.
    #[arg(long)]
    pub keep_all_headers: bool,
    /// Also redact this query or form parameter (any case; repeatable).
    #[arg(long, value_name = "NAME")]
    pub param: Vec<String>,
    /// Redact the JSON body field at this pointer, `*` matching every element
    /// (repeatable): /user/password, /messages/*/api_key.
    #[arg(long, value_name = "POINTER")]
    pub json_field: Vec<String>,
    /// Also replace every credential the secret scan finds (in headers kept,
    /// URLs, forms and bodies, streamed, compressed or base64 ones too) with a
    /// placeholder naming its kind: REDACTED_OPENAI_API_KEY. Tests replaying
    /// the cassette scrub live requests the same way before matching.
    #[arg(long)]
    pub secrets: bool,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    /// Cassette files, or directories to search for *.yaml and *.yml files.
    #[arg(required = true, value_name = "PATH")]
    pub paths: Vec<PathBuf>,
    /// Only report the files that would change; write nothing.
    #[arg(long)]
    pub check: bool,
    /// Convert to this layout instead of keeping each file's.
    #[arg(long, value_enum, value_name = "DIALECT")]
    pub dialect: Option<DialectArg>,
}

/// The `--dialect` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DialectArg {
    /// Indent 2, list items at their key's column (most cassettes in the wild).
    Charm,
    /// Indent 4, list items indented (go-vcr's own default).
    #[value(name = "go-vcr")]
    GoVcr,
    /// Charm's layout as yaml/v4 rc.5 and later write it: long values folded at 80 columns.
    #[value(name = "charm-folded")]
    CharmFolded,
    /// Indent 2, list items indented (an Encoder with SetIndent(2), no compact sequences).
    #[value(name = "indent2")]
    Indent2,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// The cassette file (created when recording).
    #[arg(value_name = "CASSETTE")]
    pub path: PathBuf,
    /// The address to listen on: an IP address or a host name.
    #[arg(long, default_value = "127.0.0.1", value_name = "HOST")]
    pub host: String,
    /// The port to listen on; 0 picks a free one.
    #[arg(long, default_value_t = 0, value_name = "PORT")]
    pub port: u16,
    /// What to do with requests: replay only, record a missing cassette, record
    /// what the cassette lacks, or re-record everything.
    #[arg(long, value_enum, value_name = "MODE")]
    pub mode: Option<ModeArg>,
    /// The server to record from, as a base URL: http://127.0.0.1:9000,
    /// https://api.openai.com.
    #[arg(long, value_name = "URL")]
    pub upstream: Option<String>,
    /// Also trust the CA certificates in this PEM file for an https:// (or
    /// wss://) upstream, for requests and WebSocket sessions alike: a test
    /// server's self-signed certificate, a corporate proxy's CA (repeatable).
    /// Default: the system's CA certificates only.
    #[arg(long, value_name = "FILE")]
    pub upstream_ca: Vec<PathBuf>,
    /// Let an interaction be replayed more than once (the last match answers
    /// again once every match has been replayed).
    #[arg(long)]
    pub allow_repeats: bool,
    /// Replay at the recorded pace: `recorded` waits the recorded time before
    /// the headers and each recorded gap between stream events and before each
    /// server message of a WebSocket session (from the cassette's timing file,
    /// NAME.yaml.timing, when it has one); a factor
    /// scales those waits (0.5: twice as fast). REEL_PACE multiplies them too;
    /// set alone, it means `--pace recorded`. Default: no waits.
    #[arg(long, value_name = "recorded|FACTOR", value_parser = parse_pace)]
    pub pace: Option<Pace>,
    /// When recording, keep a 429 or 5xx answer that the client retried
    /// (default: left out, so the cassette holds the answer the client finally
    /// used and a replay does not retry and wait again).
    #[arg(long)]
    pub keep_retried: bool,
    /// Leave the JSON body field at this pointer out of matching, `*` for any
    /// element (repeatable): /user, /messages/*/id. Default: every field counts.
    #[arg(long, value_name = "POINTER", help_heading = "Matching")]
    pub ignore_json_field: Vec<String>,
    /// Leave this query parameter out of matching (exact name; repeatable).
    /// Default: every parameter counts.
    #[arg(long, value_name = "NAME", help_heading = "Matching")]
    pub ignore_query_param: Vec<String>,
    /// Leave this multipart/form-data part out of matching (repeatable). Default:
    /// every part counts.
    #[arg(long, value_name = "NAME", help_heading = "Matching")]
    pub ignore_form_part: Vec<String>,
    /// Do not compare bodies. Default: bodies are compared.
    #[arg(long, help_heading = "Matching")]
    pub ignore_body: bool,
    /// Also match this request header's values (any case; repeatable): x-tenant.
    /// Default: headers are not compared.
    #[arg(long, value_name = "NAME", help_heading = "Matching")]
    pub match_header: Vec<String>,
    /// Also record this header, on requests and responses (any case; repeatable).
    /// Default: only non-secret headers such as Accept, Content-Type and User-Agent.
    #[arg(long, value_name = "NAME", help_heading = "Redaction")]
    pub keep_header: Vec<String>,
    /// Replace the JSON body field at this pointer by REDACTED, in recordings and
    /// in requests before matching (repeatable): /user/api_key. Default: none.
    #[arg(long, value_name = "POINTER", help_heading = "Redaction")]
    pub redact_json_field: Vec<String>,
    /// Record the value of environment variable ENV_VAR as NAME, and give it back
    /// on replay (repeatable): '<ACCOUNT_ID>=ACCOUNT_ID'. The variable is read at
    /// start and must be set and not empty (a dummy on CI). Default: none.
    #[arg(long, value_name = "NAME=ENV_VAR", help_heading = "Redaction")]
    pub placeholder: Vec<String>,
    /// Record every credential the secret scan finds as a placeholder naming
    /// its kind (REDACTED_OPENAI_API_KEY) instead of refusing the recording;
    /// live requests are scrubbed the same way before matching.
    #[arg(long, help_heading = "Redaction")]
    pub scrub_secrets: bool,
    /// The largest request body read, in bytes or with a unit (KB, MB, GB, or KiB,
    /// MiB, GiB): 512KiB, 64MiB, 1GiB, 10MB. A larger one gets 413. Default: 64MiB.
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_body_size: Option<String>,
    /// The most header fields a request may have; more gets 431. Default: 100.
    #[arg(long, value_name = "N", help_heading = "Limits")]
    pub max_headers: Option<String>,
    /// The most bytes a request head (request line and header fields) may take,
    /// written as for --max-body-size; more gets 431. Default: 64KiB.
    #[arg(long, value_name = "BYTES", help_heading = "Limits")]
    pub max_head_size: Option<String>,
}

/// The `--mode` values: reel's modes, as Ruby VCR and vcrpy name them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ModeArg {
    /// Replay only; a missing cassette is an error.
    None,
    /// Record when the cassette does not exist, else replay only.
    Once,
    /// Replay what matches, record and append the rest.
    #[value(name = "new_episodes")]
    NewEpisodes,
    /// Re-record everything into a fresh cassette.
    All,
}
