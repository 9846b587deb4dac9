//! `reel serve CASSETTE`: the cassette over HTTP on a local port, for clients that
//! take a base URL; a recording reverse proxy with `--upstream`.
//!
//! The first stdout line is `listening on http://HOST:PORT`, flushed at once so a
//! script or test can read the port; every request gets one line on stderr. Ctrl-C
//! or SIGTERM stops the server after the responses in flight are sent (and their
//! recordings saved).
//!
//! The matching and redaction flags map to the `ReelBuilder` methods of the same
//! names; they are checked before the server starts, since those methods panic on
//! an ignored JSON pointer without its `/` or an invalid header name (and a
//! redacted pointer without it would redact the wrong field, or the whole body).
//! The limit flags take a number of bytes with an optional unit (`64MiB`), checked
//! there too, as is each `--placeholder NAME=ENV_VAR`, whose value is read from
//! the environment once, at start. Each `--upstream-ca FILE` is read there too;
//! the server checks its certificates when it starts, and an error names the file.

use std::io::Write;
use std::net::{SocketAddr, ToSocketAddrs as _};
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context as _};
use reel::{Mode, ReelBuilder};
use reel_server::{Exchange, ReelServer};

use crate::cli::{ModeArg, Pace, ServeArgs};
use crate::Outcome;

pub fn run(args: &ServeArgs, out: &mut impl Write) -> anyhow::Result<Outcome> {
    let checked = check_options(args)?;
    let addr = address(&args.host, args.port)?;
    // Only this command needs a runtime; two workers serve a test suite's clients.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("cannot start the async runtime")?;
    runtime.block_on(serve(args, checked, addr, out))
}

async fn serve(
    args: &ServeArgs,
    checked: Checked,
    addr: SocketAddr,
    out: &mut impl Write,
) -> anyhow::Result<Outcome> {
    // Listen for signals before announcing the port, so that a signal sent as soon
    // as the line is read stops the server gracefully instead of killing it.
    let mut signals = Signals::new().context("cannot listen for Ctrl-C and SIGTERM")?;
    let path = args.path.display().to_string();
    let upstream = args.upstream.clone().unwrap_or_else(|| "URL".to_owned());
    // Re-recording keeps the same matching and redaction flags.
    let flags = option_flags(args);
    // Re-recording reaches the same upstream: it trusts the same CAs.
    let cas: String = args
        .upstream_ca
        .iter()
        .map(|file| {
            format!(
                " --upstream-ca {}",
                shell_quoted(&file.display().to_string())
            )
        })
        .collect();
    let mut builder = ReelServer::builder()
        .bind(addr)
        .on_exchange(log)
        .options(|reel| options(reel, args, &checked.placeholders))
        .record_command(move |mode| {
            format!("reel serve {path} --mode {mode} --upstream {upstream}{cas}{flags}")
        });
    if let Some(mode) = args.mode {
        builder = builder.mode(mode.into());
    }
    if let Some(upstream) = &args.upstream {
        builder = builder.upstream(upstream);
    }
    for pem in checked.roots {
        builder = builder.upstream_root_certificate(pem);
    }
    if args.allow_repeats {
        builder = builder.allow_repeats();
    }
    let limits = checked.limits;
    if let Some(bytes) = limits.max_body_size {
        builder = builder.max_body_size(bytes);
    }
    if let Some(count) = limits.max_headers {
        builder = builder.max_headers(count);
    }
    if let Some(bytes) = limits.max_head_size {
        builder = builder.max_head_size(bytes);
    }
    let server = builder
        .start(&args.path)
        .await
        .map_err(|err| start_error(err, &args.upstream_ca))?;
    let from = match server.upstream() {
        Some(upstream) => format!(", upstream {}", upstream.trim_end_matches('/')),
        None => String::new(),
    };
    let review = std::env::var("REEL_REVIEW").is_ok_and(|v| v == "1" || v == "true")
        && server.reel().behaviour().records();
    let to = if review {
        format!(
            ", recordings to {} for reel review",
            reel_cassette::__private::pending_path(server.cassette()).display()
        )
    } else {
        String::new()
    };
    // Before the stdout line: no request can be logged before it has been read.
    eprintln!(
        "reel: serving {} (mode {}{from}{}{to}); Ctrl-C or SIGTERM stops",
        server.cassette().display(),
        server.mode(),
        pace_note(args)
    );
    writeln!(out, "listening on {}", server.base_url())?;
    out.flush()?;

    signals.next().await;
    eprintln!("reel: stopping after the responses in flight");
    tokio::select! {
        () = server.shutdown() => Ok(Outcome::Clean),
        () = signals.next() => {
            eprintln!("reel: stopped at a second signal; responses still in flight were cut off and not recorded");
            Ok(Outcome::Found)
        }
    }
}

/// The JSON pointer flags with an example each, for the message on a bad pointer.
const POINTER_FLAGS: [&str; 2] = ["--ignore-json-field", "--redact-json-field"];

/// The flags that are read before the server starts.
#[derive(Debug)]
struct Checked {
    limits: Limits,
    /// `--placeholder`: each name and the value its variable holds.
    placeholders: Vec<(String, String)>,
    /// `--upstream-ca`: each file's PEM text, in order.
    roots: Vec<Vec<u8>>,
}

/// The server's error, a root certificate's naming the `--upstream-ca` file
/// (`files`, in the order given) it came from.
fn start_error(err: reel_server::Error, files: &[PathBuf]) -> anyhow::Error {
    match &err {
        reel_server::Error::UpstreamCertificate { index, reason } => match files.get(*index) {
            Some(file) => anyhow!("--upstream-ca {}: {reason}", file.display()),
            None => err.into(),
        },
        _ => err.into(),
    }
}

/// `--upstream-ca FILE`: the file's bytes; an error names the file.
fn read_ca(file: &Path) -> anyhow::Result<Vec<u8>> {
    std::fs::read(file).map_err(|err| {
        anyhow!(
            "--upstream-ca {}: cannot read it: {err} (give a PEM file holding the CA's \
             certificate)",
            file.display()
        )
    })
}

/// The limit flags, read; `None` leaves the server's default.
#[derive(Debug)]
struct Limits {
    max_body_size: Option<u64>,
    max_headers: Option<usize>,
    max_head_size: Option<usize>,
}

/// Refuses, with exit code 2, a JSON pointer that does not start with `/`, a
/// `--match-header` that is not a header name, and a limit that is not a number:
/// `ignore_json_field` and `match_header` would panic on them, and such a
/// `redact_json_field` pointer would redact the wrong field (`api_key`: the whole
/// body), and a `--placeholder` that is not `NAME=ENV_VAR` or whose variable is
/// not set, and an `--upstream-ca` file that cannot be read. Returns the limits,
/// the placeholders and the CA files read.
fn check_options(args: &ServeArgs) -> anyhow::Result<Checked> {
    let pointers = [&args.ignore_json_field, &args.redact_json_field];
    for (flag, pointers) in POINTER_FLAGS.into_iter().zip(pointers) {
        for pointer in pointers {
            if let Err(err) = reel_cassette::FieldPointer::parse(pointer) {
                bail!("{flag} {pointer}: {err}");
            }
        }
    }
    if let Some(name) = args.match_header.iter().find(|n| !is_header_name(n)) {
        bail!(
            "--match-header {name}: not a valid HTTP header name (letters, digits and \
             !#$%&'*+-.^_`|~ only, for example x-tenant)"
        );
    }
    let limits = Limits {
        max_body_size: args
            .max_body_size
            .as_deref()
            .map(|text| size("--max-body-size", text, "64MiB"))
            .transpose()?,
        max_headers: args.max_headers.as_deref().map(header_count).transpose()?,
        max_head_size: args.max_head_size.as_deref().map(head_size).transpose()?,
    };
    let placeholders = args
        .placeholder
        .iter()
        .map(|flag| placeholder(flag, |name| std::env::var_os(name)))
        .collect::<anyhow::Result<_>>()?;
    let roots = args
        .upstream_ca
        .iter()
        .map(|file| read_ca(file))
        .collect::<anyhow::Result<_>>()?;
    Ok(Checked {
        limits,
        placeholders,
        roots,
    })
}

/// `--placeholder NAME=ENV_VAR`: the name and the value of the variable, which
/// `env` looks up. Errors when the flag is not `NAME=ENV_VAR` or the variable is
/// not set, empty, or not UTF-8.
fn placeholder(
    flag: &str,
    env: impl Fn(&str) -> Option<std::ffi::OsString>,
) -> anyhow::Result<(String, String)> {
    let Some((name, variable)) = flag
        .rsplit_once('=')
        .filter(|(name, variable)| !name.is_empty() && !variable.is_empty())
    else {
        bail!(
            "--placeholder {flag}: not NAME=ENV_VAR (the name to record the value as, and \
             the environment variable that holds the value; for example --placeholder \
             '<ACCOUNT_ID>=ACCOUNT_ID')"
        );
    };
    let why = match env(variable) {
        None => "is not set",
        Some(value) if value.is_empty() => "is empty",
        Some(value) => match value.into_string() {
            Ok(value) => return Ok((name.to_owned(), value)),
            Err(_) => "is not valid UTF-8",
        },
    };
    bail!(
        "--placeholder {flag}: environment variable {variable} {why} (set it to the value to \
         record as {name}; on a machine that only replays, any value, which replays in place \
         of {name})"
    )
}

/// `--max-headers`: a whole number from 1.
fn header_count(text: &str) -> anyhow::Result<usize> {
    match text.parse::<usize>() {
        Ok(0) => {
            bail!("--max-headers {text}: a request has at least one header field (for example 200)")
        }
        Ok(count) => Ok(count),
        Err(_) => {
            bail!("--max-headers {text}: not a whole number of header fields (for example 200)")
        }
    }
}

/// `--max-head-size`: a [`size`] from 1 byte.
fn head_size(text: &str) -> anyhow::Result<usize> {
    let flag = "--max-head-size";
    match size(flag, text, "128KiB")? {
        0 => bail!("{flag} {text}: a request head takes at least one byte (for example 128KiB)"),
        bytes => usize::try_from(bytes)
            .with_context(|| format!("{flag} {text}: too large for this machine")),
    }
}

/// The units a size may end with, with the bytes in one; matched in any case.
const UNITS: [(&str, u64); 9] = [
    ("B", 1),
    ("KB", 1000),
    ("MB", 1000 * 1000),
    ("GB", 1000 * 1000 * 1000),
    ("TB", 1000 * 1000 * 1000 * 1000),
    ("KiB", 1 << 10),
    ("MiB", 1 << 20),
    ("GiB", 1 << 30),
    ("TiB", 1 << 40),
];

/// A number of bytes as `flag` takes it: digits, then optionally a unit of
/// [`UNITS`] (`64MiB`, `10MB`, `1048576`). The error names the flag and the value
/// and gives `example`.
fn size(flag: &str, text: &str, example: &str) -> anyhow::Result<u64> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let (number, unit) = text.split_at(digits);
    // One space may come between the number and its unit: `64 MiB`.
    let multiplier = match unit {
        "" => Some(1),
        unit => {
            let unit = unit.strip_prefix(' ').unwrap_or(unit);
            UNITS
                .iter()
                .find(|(name, _)| name.eq_ignore_ascii_case(unit))
                .map(|&(_, bytes)| bytes)
        }
    };
    let (Ok(number), Some(multiplier)) = (number.parse::<u64>(), multiplier) else {
        bail!(
            "{flag} {text}: not a size in bytes (a whole number, optionally followed by \
             KB, MB, GB, TB or KiB, MiB, GiB, TiB; for example {example})"
        );
    };
    number
        .checked_mul(multiplier)
        .with_context(|| format!("{flag} {text}: too large (for example {example})"))
}

/// What `http::HeaderName::from_bytes` accepts: 1 to 65535 RFC 9110 token
/// characters, in any case.
fn is_header_name(name: &str) -> bool {
    (1..=usize::from(u16::MAX)).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// The matching and redaction flags applied to the server's `ReelBuilder`, once
/// `check_options` has accepted them.
fn options(
    mut reel: ReelBuilder,
    args: &ServeArgs,
    placeholders: &[(String, String)],
) -> ReelBuilder {
    for pointer in &args.ignore_json_field {
        reel = reel.ignore_json_field(pointer);
    }
    for name in &args.ignore_query_param {
        reel = reel.ignore_query_param(name);
    }
    for name in &args.ignore_form_part {
        reel = reel.ignore_form_part(name);
    }
    if args.ignore_body {
        reel = reel.ignore_body();
    }
    for name in &args.match_header {
        reel = reel.match_header(name);
    }
    for name in &args.keep_header {
        reel = reel.keep_header(name);
    }
    for pointer in &args.redact_json_field {
        reel = reel.redact_json_field(pointer);
    }
    if args.scrub_secrets {
        reel = reel.scrub_secrets();
    }
    for (name, value) in placeholders {
        reel = reel.placeholder(name, value);
    }
    if args.keep_retried {
        reel = reel.keep_retried(true);
    }
    let delay = match pace(args) {
        None => return reel,
        Some(Pace::Recorded) => reel::Delay::Recorded,
        Some(Pace::Factor(factor)) => reel::Delay::Scaled(factor),
    };
    reel.headers_delay(delay).event_delay(delay)
}

/// The pacing in force: `--pace`, else `recorded` when `REEL_PACE` is set (it
/// then scales the recorded waits, in the engine).
fn pace(args: &ServeArgs) -> Option<Pace> {
    args.pace.or_else(|| {
        std::env::var("REEL_PACE")
            .is_ok_and(|v| !v.is_empty())
            .then_some(Pace::Recorded)
    })
}

/// `, pace recorded`, `, pace 0.5x recorded`, with `REEL_PACE`'s factor; empty
/// without pacing.
fn pace_note(args: &ServeArgs) -> String {
    let factor = match pace(args) {
        None => return String::new(),
        Some(Pace::Recorded) => 1.0,
        Some(Pace::Factor(factor)) => factor,
    };
    let env = std::env::var("REEL_PACE")
        .ok()
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(1.0);
    let factor = factor * env;
    if factor == 1.0 {
        ", pace recorded".to_owned()
    } else {
        format!(", pace {factor}x recorded")
    }
}

/// The matching, redaction and limit flags as given, for the re-record command:
/// ` --flag VALUE` each, values quoted for a POSIX shell where needed.
fn option_flags(args: &ServeArgs) -> String {
    let mut flags = String::new();
    let mut push = |flag: &str, values: &[String]| {
        for value in values {
            flags.push_str(&format!(" {flag} {}", shell_quoted(value)));
        }
    };
    push("--ignore-json-field", &args.ignore_json_field);
    push("--ignore-query-param", &args.ignore_query_param);
    push("--ignore-form-part", &args.ignore_form_part);
    push("--match-header", &args.match_header);
    push("--keep-header", &args.keep_header);
    push("--redact-json-field", &args.redact_json_field);
    // The variables' names, never their values.
    push("--placeholder", &args.placeholder);
    // Re-recording through the same server takes the same requests.
    push("--max-body-size", args.max_body_size.as_slice());
    push("--max-headers", args.max_headers.as_slice());
    push("--max-head-size", args.max_head_size.as_slice());
    if args.ignore_body {
        flags.push_str(" --ignore-body");
    }
    if args.keep_retried {
        flags.push_str(" --keep-retried");
    }
    if args.scrub_secrets {
        flags.push_str(" --scrub-secrets");
    }
    flags
}

/// `value` as one POSIX shell word: as it is when it holds only characters no
/// shell treats specially, else in single quotes.
fn shell_quoted(value: &str) -> String {
    let plain = !value.is_empty()
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_./:=@%+,".contains(&b));
    if plain {
        value.to_owned()
    } else {
        format!("'{}'", value.replace('\'', r"'\''"))
    }
}

/// One line per request; a miss or failure also gets its report.
fn log(exchange: &Exchange) {
    match exchange.details() {
        Some(details) => eprintln!("{exchange}\n{details}"),
        None => eprintln!("{exchange}"),
    }
}

/// `--host` and `--port` as an address to bind: an IPv4 address first when a host
/// name has several.
fn address(host: &str, port: u16) -> anyhow::Result<SocketAddr> {
    let addrs: Vec<SocketAddr> = (host, port)
        .to_socket_addrs()
        .with_context(|| format!("--host {host}: not an IP address or a known host name"))?
        .collect();
    addrs
        .iter()
        .find(|addr| addr.is_ipv4())
        .or(addrs.first())
        .copied()
        .with_context(|| format!("--host {host}: the name has no address"))
}

impl From<ModeArg> for Mode {
    fn from(mode: ModeArg) -> Mode {
        match mode {
            ModeArg::None => Mode::None,
            ModeArg::Once => Mode::Once,
            ModeArg::NewEpisodes => Mode::NewEpisodes,
            ModeArg::All => Mode::All,
        }
    }
}

/// Ctrl-C, and SIGTERM where there are signals.
struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn new() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals {
                interrupt: signal(SignalKind::interrupt())?,
                terminate: signal(SignalKind::terminate())?,
            })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }

    /// Waits for the next signal.
    async fn next(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.interrupt.recv() => {}
            _ = self.terminate.recv() => {}
        }
        #[cfg(not(unix))]
        {
            // When no handler can be installed, Ctrl-C ends the process as usual.
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_names_are_http_tokens() {
        for name in ["x-tenant", "X-Tenant", "a", "!#$%&'*+-.^_`|~09az"] {
            assert!(is_header_name(name), "{name:?}");
        }
        for name in ["", "bad name", "x-tenant:", "caf\u{e9}", "a\tb", "(x)"] {
            assert!(!is_header_name(name), "{name:?}");
        }
        assert!(is_header_name(&"a".repeat(65535)));
        assert!(!is_header_name(&"a".repeat(65536)));
    }

    #[test]
    fn sizes_are_bytes_with_an_optional_unit_in_any_case() {
        let ok = |text: &str| size("--max-body-size", text, "64MiB").unwrap();
        assert_eq!(ok("0"), 0);
        assert_eq!(ok("1048576"), 1 << 20);
        assert_eq!(ok("100B"), 100);
        assert_eq!(ok("512KiB"), 512 * 1024);
        assert_eq!(ok("64MiB"), 64 << 20);
        assert_eq!(ok("64mib"), 64 << 20);
        assert_eq!(ok("64 MiB"), 64 << 20);
        assert_eq!(ok("1GiB"), 1 << 30);
        assert_eq!(ok("2TiB"), 2 << 40);
        assert_eq!(ok("10MB"), 10_000_000);
        assert_eq!(ok("10kb"), 10_000);
        assert_eq!(ok("3GB"), 3_000_000_000);
        assert_eq!(ok("1TB"), 1_000_000_000_000);
        for bad in [
            "", "MiB", "64M", "64XB", "1.5GiB", "-1", "64MiB ", " 64", "0x10", "1e6",
        ] {
            let err = size("--max-body-size", bad, "64MiB")
                .unwrap_err()
                .to_string();
            assert_eq!(
                err,
                format!(
                    "--max-body-size {bad}: not a size in bytes (a whole number, optionally \
                     followed by KB, MB, GB, TB or KiB, MiB, GiB, TiB; for example 64MiB)"
                )
            );
        }
        let err = size("--max-body-size", "20000000TiB", "64MiB").unwrap_err();
        assert_eq!(
            err.to_string(),
            "--max-body-size 20000000TiB: too large (for example 64MiB)"
        );
        let err = size("--max-body-size", "99999999999999999999", "64MiB").unwrap_err();
        assert!(err.to_string().contains("not a size in bytes"), "{err}");
    }

    #[test]
    fn a_placeholder_flag_names_its_variable_and_refuses_a_missing_or_empty_one() {
        let env = |name: &str| match name {
            "ACCOUNT_ID" => Some("acct-1".into()),
            "EMPTY" => Some("".into()),
            _ => None,
        };
        assert_eq!(
            placeholder("<ACCOUNT_ID>=ACCOUNT_ID", env).unwrap(),
            ("<ACCOUNT_ID>".to_owned(), "acct-1".to_owned())
        );
        // The last `=` ends the name: a name may hold one.
        assert_eq!(
            placeholder("a=b=ACCOUNT_ID", env).unwrap(),
            ("a=b".to_owned(), "acct-1".to_owned())
        );
        let err = |flag: &str| placeholder(flag, env).unwrap_err().to_string();
        assert_eq!(
            err("<ID>=MISSING"),
            "--placeholder <ID>=MISSING: environment variable MISSING is not set (set it to \
             the value to record as <ID>; on a machine that only replays, any value, which \
             replays in place of <ID>)"
        );
        assert!(err("<ID>=EMPTY").contains("environment variable EMPTY is empty"));
        for bad in ["<ID>", "=ACCOUNT_ID", "<ID>="] {
            assert_eq!(
                err(bad),
                format!(
                    "--placeholder {bad}: not NAME=ENV_VAR (the name to record the value as, \
                     and the environment variable that holds the value; for example \
                     --placeholder '<ACCOUNT_ID>=ACCOUNT_ID')"
                )
            );
        }
    }

    #[test]
    fn flag_values_are_quoted_only_when_a_shell_needs_it() {
        assert_eq!(shell_quoted("/user"), "/user");
        assert_eq!(shell_quoted("x-tenant"), "x-tenant");
        assert_eq!(shell_quoted("/messages/*/id"), "'/messages/*/id'");
        assert_eq!(shell_quoted("it's"), r"'it'\''s'");
        assert_eq!(shell_quoted(""), "''");
    }
}
