//! When, and with what, each interaction was recorded: go-vcr's format has no
//! field for it, so reel keeps it in `NAME.yaml.provenance` beside the cassette
//! (the cassette's bytes stay what Go writes). A cassette without that file
//! falls back to the date of the last git commit that changed it, then to the
//! file's modification time; every date says which source it came from.

use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::{Deserialize, Serialize};

use crate::{Interaction, Result};

/// The provenance file of the cassette at `path`: `NAME.yaml.provenance`.
pub fn provenance_path(path: &Path) -> PathBuf {
    crate::sidecar::with_suffix(path, ".provenance")
}

/// Per-interaction provenance, by position. The file is JSON:
///
/// ```json
/// {"reel_provenance": 1, "interactions": [
///   {"method": "POST", "url": "https://api.openai.com/v1/chat/completions",
///    "body_sha256": "1f2e3d4c", "recorded_at": "2026-12-05T19:20:00Z",
///    "recorded_with": "reel 0.1.0", "model": "gpt-4o-mini"},
///   null
/// ]}
/// ```
///
/// An entry applies only while its interaction still has that method, URL and
/// response body (as the timing file's entries), so a hand-edited or
/// re-ordered cassette falls back to the file's date instead of a wrong one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The format version: 1.
    pub reel_provenance: u32,
    /// One entry per interaction of the cassette, in order.
    pub interactions: Vec<Option<Recorded>>,
}

/// How one interaction was recorded.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// The request method, to check the entry still belongs to its interaction.
    pub method: String,
    /// The request URL, likewise.
    pub url: String,
    /// The first 8 hex digits of the response body's SHA-256, likewise.
    pub body_sha256: String,
    /// When the response ended, in UTC: `2026-12-05T19:20:00Z`.
    pub recorded_at: String,
    /// The recorder: `reel 0.1.0`.
    pub recorded_with: String,
    /// The model the request named, for LLM APIs (a JSON body's `model`, or
    /// the model id in a Bedrock, Gemini or Vertex AI URL).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
}

impl Recorded {
    /// The entry for `interaction`, recorded at `at` by `recorded_with`.
    pub fn new(interaction: &Interaction, at: SystemTime, recorded_with: &str) -> Recorded {
        Recorded {
            method: interaction.request.method.to_string(),
            url: interaction.request.url.to_string(),
            body_sha256: crate::digest::short_sha256(&interaction.response.body),
            recorded_at: format_utc(at),
            recorded_with: recorded_with.to_owned(),
            model: model_of(interaction),
        }
    }

    /// Whether this entry describes `interaction`.
    pub fn fits(&self, interaction: &Interaction) -> bool {
        crate::sidecar::entry_fits(&self.method, &self.url, &self.body_sha256, interaction)
    }
}

impl Provenance {
    /// The provenance file beside the cassette at `path`, if there is one.
    /// Errors on a file that exists but does not parse (naming it and the fix).
    pub fn load_for(path: &Path) -> Result<Option<Provenance>> {
        crate::sidecar::load_json(
            provenance_path(path),
            "provenance",
            "delete it (dates then come from git or the file), or re-record the cassette",
        )
    }

    /// Writes the provenance file beside the cassette at `path`, atomically,
    /// one interaction per line (reviewable in a diff).
    pub fn save_for(&self, path: &Path) -> Result<()> {
        let mut text = format!(
            "{{\"reel_provenance\": {}, \"interactions\": [",
            self.reel_provenance
        );
        for (i, entry) in self.interactions.iter().enumerate() {
            text.push_str(if i == 0 { "\n  " } else { ",\n  " });
            text.push_str(&serde_json::to_string(entry).unwrap_or_else(|_| "null".to_owned()));
        }
        text.push_str("\n]}\n");
        crate::save::write_atomically(&provenance_path(path), text.as_bytes())
    }

    /// The entry of interaction `index`, when it still fits it.
    pub fn for_interaction(&self, index: usize, interaction: &Interaction) -> Option<&Recorded> {
        self.interactions
            .get(index)?
            .as_ref()
            .filter(|entry| entry.fits(interaction))
    }
}

/// Where a recording date came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The provenance file reel wrote when it recorded the interaction.
    Note,
    /// The last git commit that changed the cassette.
    GitCommit,
    /// The cassette file's modification time.
    Modified,
}

impl std::fmt::Display for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Source::Note => "recorded, per its provenance file",
            Source::GitCommit => "last git commit of the cassette",
            Source::Modified => "file modification time",
        })
    }
}

/// When an interaction was recorded, and how reel knows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Dated {
    /// Seconds since the Unix epoch, UTC.
    pub unix: i64,
    /// Where the date came from.
    pub source: Source,
    /// The model, when the provenance file names one.
    pub model: Option<String>,
}

impl Dated {
    /// How long ago, from `now` (zero for a date in the future).
    pub fn age(&self, now: SystemTime) -> Duration {
        let now = now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
        Duration::from_secs(u64::try_from(now.saturating_sub(self.unix)).unwrap_or(0))
    }

    /// The date, `2026-12-05`.
    pub fn day(&self) -> String {
        format_utc_secs(self.unix)[..10].to_owned()
    }
}

/// The recording date of each interaction of the cassette at `path`: its
/// provenance entry where one fits, else the cassette's own date (git, then
/// the file's modification time). Only reads; runs `git` once at most.
pub fn recording_dates(path: &Path, interactions: &[Interaction]) -> Result<Vec<Dated>> {
    let notes = Provenance::load_for(path)?;
    let mut file_date = None;
    let mut dates = Vec::with_capacity(interactions.len());
    for (index, interaction) in interactions.iter().enumerate() {
        let noted = notes
            .as_ref()
            .and_then(|notes| notes.for_interaction(index, interaction))
            .and_then(|entry| {
                Some(Dated {
                    unix: parse_utc(&entry.recorded_at)?,
                    source: Source::Note,
                    model: entry.model.clone(),
                })
            });
        match noted {
            Some(dated) => dates.push(dated),
            None => {
                let (unix, source) = *file_date.get_or_insert_with(|| cassette_date(path));
                dates.push(Dated {
                    unix,
                    source,
                    model: model_of(interaction),
                });
            }
        }
    }
    Ok(dates)
}

/// The cassette's own date: its last git commit, else its modification time.
pub fn cassette_date(path: &Path) -> (i64, Source) {
    if let Some(unix) = git_commit_date(path) {
        return (unix, Source::GitCommit);
    }
    let modified = std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|m| m.duration_since(UNIX_EPOCH).ok())
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    (modified, Source::Modified)
}

/// The committer date of the last commit that changed `path`; `None` outside
/// a repository, for a file never committed, or without git.
fn git_commit_date(path: &Path) -> Option<i64> {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path.file_name()?;
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(dir)
        .args(["log", "-1", "--format=%ct", "--"])
        .arg(name)
        .stderr(std::process::Stdio::null())
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    String::from_utf8(output.stdout).ok()?.trim().parse().ok()
}

/// The model a request names: a JSON body's top-level `model` (OpenAI,
/// Anthropic, most others), the model id in a Bedrock URL
/// (`/model/{id}/converse`) or in a Gemini / Vertex AI URL
/// (`/models/{id}:streamGenerateContent`).
pub fn model_of(interaction: &Interaction) -> Option<String> {
    let request = &interaction.request;
    if let Ok(serde_json::Value::Object(body)) =
        serde_json::from_slice::<serde_json::Value>(&request.body)
    {
        if let Some(serde_json::Value::String(model)) = body.get("model") {
            return Some(model.clone());
        }
    }
    let path = request
        .url
        .split_once("?")
        .map_or(&*request.url, |(path, _)| path);
    // Bedrock ids hold `:` (`…-v1:0`); Gemini's end at it (`:generateContent`).
    let id = match path.split_once("/model/") {
        Some((_, rest)) => rest.split('/').next()?,
        None => path.split_once("/models/")?.1.split(['/', ':']).next()?,
    };
    let id = form_decode(id);
    (!id.is_empty()).then_some(id)
}

/// `%XX` escapes decoded (a Bedrock model id has `:` as `%3A`).
fn form_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// `at` as `2026-12-05T19:20:00Z`.
pub fn format_utc(at: SystemTime) -> String {
    let secs = at
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    format_utc_secs(secs)
}

fn format_utc_secs(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rest = secs.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60
    )
}

/// `2026-12-05T19:20:00Z` as seconds since the epoch; `None` for any other shape.
pub fn parse_utc(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
        || b[19] != b'Z'
    {
        return None;
    }
    let num = |range: std::ops::Range<usize>| text.get(range)?.parse::<i64>().ok();
    let (year, month, day) = (num(0..4)?, num(5..7)?, num(8..10)?);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second)
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (Howard
/// Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// (year, month, day) to days since 1970-01-01.
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let year = if month <= 2 { year - 1 } else { year };
    let era = year.div_euclid(400);
    let yoe = year.rem_euclid(400);
    let mp = if month > 2 { month - 3 } else { month + 9 };
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An age such as `90d`, `12h`, `2w`, `30m`, `45s` (a whole number and one
/// unit) as a duration.
pub fn parse_age(text: &str) -> std::result::Result<Duration, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .ok_or_else(|| format!("`{text}` has no unit (for example 90d)"))?;
    let (number, unit) = text.split_at(split);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("`{text}` does not start with a whole number (for example 90d)"))?;
    let seconds = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => {
            return Err(format!(
                "`{text}`: unknown unit `{unit}` (use s, m, h, d or w, for example 90d)"
            ))
        }
    };
    Ok(Duration::from_secs(number.saturating_mul(seconds)))
}

/// A duration as the largest whole unit that fits: `90d`, `36h`.
pub fn format_age(age: Duration) -> String {
    let secs = age.as_secs();
    match secs {
        s if s >= 86_400 => format!("{}d", s / 86_400),
        s if s >= 3600 => format!("{}h", s / 3600),
        s if s >= 60 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The interactions of a cassette older than a maximum age.
#[derive(Clone, Debug)]
pub struct Expired {
    /// Positions in the cassette.
    pub indices: Vec<usize>,
    /// The oldest one's position and date.
    pub oldest: (usize, Dated),
    /// The maximum age they are over.
    pub max_age: Duration,
    /// How many interactions the cassette has.
    pub total: usize,
}

/// The interactions of the cassette at `path` recorded more than `max_age`
/// ago; `None` when none is.
pub fn expired(
    path: &Path,
    interactions: &[Interaction],
    max_age: Duration,
    now: SystemTime,
) -> Result<Option<Expired>> {
    let dates = recording_dates(path, interactions)?;
    let indices: Vec<usize> = (0..dates.len())
        .filter(|&i| dates[i].age(now) > max_age)
        .collect();
    let Some(&oldest) = indices.iter().min_by_key(|&&i| dates[i].unix) else {
        return Ok(None);
    };
    Ok(Some(Expired {
        oldest: (oldest, dates[oldest].clone()),
        indices,
        max_age,
        total: interactions.len(),
    }))
}

impl Expired {
    /// `cassettes/x.yaml: 2 of 5 interactions were recorded more than 90d ago;
    /// the oldest, #0, on 2026-01-02 (last git commit of the cassette)`.
    pub fn describe(&self, path: &Path) -> String {
        let (index, dated) = &self.oldest;
        format!(
            "{}: {} of {} interaction{} {} recorded more than {} ago; the oldest, #{index}, on {} ({}){}",
            path.display(),
            self.indices.len(),
            self.total,
            if self.total == 1 { "" } else { "s" },
            if self.indices.len() == 1 { "was" } else { "were" },
            format_age(self.max_age),
            dated.day(),
            dated.source,
            dated
                .model
                .as_ref()
                .map(|model| format!(", model {model}"))
                .unwrap_or_default()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Request, Response};

    #[test]
    fn dates_round_trip_through_their_text_across_centuries_and_leap_days() {
        for (text, unix) in [
            ("1970-01-01T00:00:00Z", 0),
            ("2000-02-29T12:34:56Z", 951_827_696),
            ("2026-12-05T19:20:00Z", 1_796_498_400),
            ("2100-03-01T00:00:00Z", 4_107_542_400),
            ("1969-12-31T23:59:59Z", -1),
        ] {
            assert_eq!(parse_utc(text), Some(unix), "{text}");
            assert_eq!(format_utc_secs(unix), text);
        }
        for day in (-800_000i64..800_000).step_by(997) {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        for bad in [
            "2026-12-05",
            "2026-13-05T00:00:00Z",
            "2026-12-05T19:20:00+01:00",
            "",
        ] {
            assert_eq!(parse_utc(bad), None, "{bad}");
        }
    }

    #[test]
    fn ages_have_a_number_and_a_unit() {
        assert_eq!(parse_age("90d"), Ok(Duration::from_secs(90 * 86_400)));
        assert_eq!(parse_age("2w"), Ok(Duration::from_secs(14 * 86_400)));
        assert_eq!(parse_age("36h").map(format_age), Ok("1d".to_owned()));
        assert!(parse_age("90").unwrap_err().contains("no unit"));
        assert!(parse_age("d").unwrap_err().contains("whole number"));
        assert!(parse_age("3y").unwrap_err().contains("unknown unit `y`"));
    }

    #[test]
    fn the_model_comes_from_a_json_body_or_a_bedrock_url() {
        let with = |url: &str, body: &str| {
            Interaction::new(
                Request::new("POST", url).with_body(body.to_owned()),
                Response::new(200),
            )
        };
        assert_eq!(
            model_of(&with(
                "https://api.openai.com/v1/chat/completions",
                r#"{"model":"gpt-4o-mini","stream":true}"#
            )),
            Some("gpt-4o-mini".to_owned())
        );
        assert_eq!(
            model_of(&with(
                "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-3-haiku-20240307-v1%3A0/converse",
                "{}"
            )),
            Some("anthropic.claude-3-haiku-20240307-v1:0".to_owned())
        );
        assert_eq!(
            model_of(&with(
                "https://bedrock-runtime.us-east-1.amazonaws.com/model/anthropic.claude-v2:1/invoke",
                "{}"
            )),
            Some("anthropic.claude-v2:1".to_owned())
        );
        for url in [
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse",
            "https://us-central1-aiplatform.googleapis.com/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:generateContent",
        ] {
            assert_eq!(model_of(&with(url, "{}")), Some("gemini-2.0-flash".to_owned()), "{url}");
        }
        assert_eq!(
            model_of(&with("https://api.openai.com/v1/models", "")),
            None
        );
        assert_eq!(
            model_of(&with("https://api.example.com/v1/x", "not json")),
            None
        );
        assert_eq!(
            model_of(&with("https://api.example.com/v1/x", r#"{"model":3}"#)),
            None
        );
    }
}
