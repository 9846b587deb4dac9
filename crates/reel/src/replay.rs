//! Turning a recorded response into an `http::Response` whose body streams the
//! way the server sent it: one chunk per server-sent event, one per AWS
//! event-stream frame, one for anything else.

use std::convert::Infallible;
use std::fmt;
use std::future::Future as _;
use std::path::Path;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, StatusCode, Version};
use reel_cassette::{stream_events, StreamEvents, StreamKind};

use crate::pacing::{MessageWaits, Pacing, Waits};

/// Which recorded interaction answered a request; in the extensions of every
/// replayed response.
///
/// ```no_run
/// # async fn f(response: reqwest::Response) {
/// // Through any adapter: the middleware, the tower service, the server's log.
/// let replayed = response.extensions().get::<reel::Replayed>().unwrap();
/// assert_eq!(replayed.status, "200 OK");
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replayed {
    /// The interaction's position in the cassette, from 0.
    pub interaction: usize,
    /// The recorded status line text, such as `200 OK` (reqwest keeps only the code).
    pub status: String,
    /// The cassette the response came from.
    pub cassette: Arc<Path>,
}

/// A recorded response, checked and converted to `http` types when the cassette
/// loads.
#[derive(Debug)]
pub(crate) struct Prepared {
    status: StatusCode,
    status_text: String,
    version: Version,
    headers: HeaderMap,
    body: Bytes,
    kind: StreamKind,
    duration: Duration,
    /// When each event arrived while recording (the timing file), when known.
    event_times: Option<Arc<[f64]>>,
    /// Where each event ends, once a replay has split the whole body: later
    /// replays slice the body without searching it again.
    ends: Arc<OnceLock<Arc<[usize]>>>,
}

impl Prepared {
    /// Checks a recorded response; the error says what cannot be replayed.
    pub(crate) fn new(response: &reel_cassette::Response) -> Result<Prepared, String> {
        let status = StatusCode::from_u16(response.code)
            .map_err(|_| format!("status code {} is not an HTTP status", response.code))?;
        let mut headers = HeaderMap::new();
        for (name, values) in response.headers.iter() {
            let header = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| format!("response header name {name:?} is not valid HTTP"))?;
            for value in values {
                let value = HeaderValue::from_bytes(value.as_bytes()).map_err(|_| {
                    format!("response header {name} has a value that is not valid HTTP: {value:?}")
                })?;
                headers.append(header.clone(), value);
            }
        }
        let kind = StreamKind::for_response(response.code, response.headers.get("Content-Type"));
        Ok(Prepared {
            status,
            status_text: response.status.clone(),
            version: version(response.proto_major, response.proto_minor),
            headers,
            body: response.body.clone(),
            kind,
            duration: response.duration,
            event_times: None,
            ends: Arc::default(),
        })
    }

    /// Replays the recorded rhythm of the events: `events_ms` from the timing
    /// file.
    pub(crate) fn with_event_times(mut self, events_ms: &[f64]) -> Prepared {
        self.event_times = Some(events_ms.into());
        self
    }

    /// How long the recorded server took to send the headers.
    pub(crate) fn duration(&self) -> Duration {
        self.duration
    }

    /// The response of interaction `interaction`. The body is not split until it
    /// is read, and each wait between events happens as the body is read.
    pub(crate) fn respond(
        &self,
        interaction: usize,
        cassette: Arc<Path>,
        pacing: Pacing,
    ) -> http::Response<ReplayBody> {
        let mut message_waits = None;
        let body = match self.kind {
            StreamKind::Whole => ReplayBody::whole(self.body.clone()),
            // A session's adapter sends the messages itself, each after its wait.
            StreamKind::WebSocketMessages => {
                message_waits = Some(MessageWaits::new(self.waits(pacing)));
                ReplayBody::whole(self.body.clone())
            }
            kind => {
                let events = match self.ends.get() {
                    Some(ends) => Events::Known {
                        body: self.body.clone(),
                        ends: ends.clone(),
                        next: 0,
                    },
                    None => Events::Splitting {
                        events: stream_events(&self.body, kind),
                        ends: Vec::new(),
                        cache: self.ends.clone(),
                    },
                };
                ReplayBody::events(events, self.waits(pacing))
            }
        };
        let mut response = http::Response::new(body);
        *response.status_mut() = self.status;
        *response.version_mut() = self.version;
        response.headers_mut().clone_from(&self.headers);
        response.extensions_mut().insert(Replayed {
            interaction,
            status: self.status_text.clone(),
            cassette,
        });
        if let Some(waits) = message_waits {
            response.extensions_mut().insert(waits);
        }
        response
    }

    /// The waits before the events: the recorded gaps (timing file) when the
    /// event delay is taken from the recording, else the uniform delay.
    fn waits(&self, pacing: Pacing) -> Waits {
        match (&self.event_times, pacing.recorded_factor()) {
            (Some(times), Some(factor)) => Waits::Recorded {
                times: times.clone(),
                factor,
            },
            _ => Waits::Uniform(pacing.events_wait(self.duration)),
        }
    }
}

/// The body of a replayed response: the recorded bytes, one frame per
/// server-sent event or event-stream frame (or one for the whole body), waiting
/// the pacing gap before each event but the first (with a timing file, before
/// the first too: its recorded time since the headers). The frames add up to
/// the recorded body.
///
/// It is an [`http_body::Body`]; a whole body also says its length.
pub struct ReplayBody {
    state: BodyState,
}

enum BodyState {
    Whole(Option<Bytes>),
    Events {
        events: Box<Events>,
        waits: Waits,
        /// The next event, while its wait is being waited.
        waiting: Option<(Bytes, Pin<Box<tokio::time::Sleep>>)>,
        /// How many events have been yielded.
        yielded: usize,
    },
}

impl ReplayBody {
    fn whole(body: Bytes) -> ReplayBody {
        ReplayBody {
            state: BodyState::Whole(Some(body)),
        }
    }

    fn events(events: Events, waits: Waits) -> ReplayBody {
        ReplayBody {
            state: BodyState::Events {
                events: Box::new(events),
                waits,
                waiting: None,
                yielded: 0,
            },
        }
    }

    /// The body in one piece, when it is not a stream (no event split, no
    /// waits); otherwise the body back.
    pub fn into_whole(self) -> Result<Bytes, ReplayBody> {
        match self.state {
            BodyState::Whole(body) => Ok(body.unwrap_or_default()),
            state => Err(ReplayBody { state }),
        }
    }

    /// The next chunk: the whole body, or the next event after its gap.
    fn poll_chunk(&mut self, cx: &mut Context<'_>) -> Poll<Option<Bytes>> {
        match &mut self.state {
            BodyState::Whole(body) => Poll::Ready(body.take().filter(|b| !b.is_empty())),
            BodyState::Events {
                events,
                waits,
                waiting,
                yielded,
            } => {
                if let Some((_, sleep)) = waiting {
                    if sleep.as_mut().poll(cx).is_pending() {
                        return Poll::Pending;
                    }
                    *yielded += 1;
                    return Poll::Ready(waiting.take().map(|(event, _)| event));
                }
                let Some(event) = events.next() else {
                    return Poll::Ready(None);
                };
                let wait = waits.before(*yielded);
                if wait.is_zero() {
                    *yielded += 1;
                    return Poll::Ready(Some(event));
                }
                let mut sleep = Box::pin(tokio::time::sleep(wait));
                if sleep.as_mut().poll(cx).is_ready() {
                    *yielded += 1;
                    return Poll::Ready(Some(event));
                }
                *waiting = Some((event, sleep));
                Poll::Pending
            }
        }
    }
}

impl http_body::Body for ReplayBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        self.poll_chunk(cx)
            .map(|chunk| chunk.map(|bytes| Ok(http_body::Frame::data(bytes))))
    }

    fn is_end_stream(&self) -> bool {
        matches!(&self.state, BodyState::Whole(body) if body.as_ref().is_none_or(Bytes::is_empty))
    }

    fn size_hint(&self) -> http_body::SizeHint {
        match &self.state {
            BodyState::Whole(body) => {
                http_body::SizeHint::with_exact(body.as_ref().map_or(0, |b| b.len() as u64))
            }
            BodyState::Events { .. } => http_body::SizeHint::default(),
        }
    }
}

impl fmt::Debug for ReplayBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.state {
            BodyState::Whole(body) => f
                .debug_struct("ReplayBody")
                .field("whole", &body.as_ref().map_or(0, Bytes::len))
                .finish(),
            BodyState::Events { yielded, .. } => f
                .debug_struct("ReplayBody")
                .field("events", &true)
                .field("yielded", yielded)
                .finish(),
        }
    }
}

/// The events of a stream body: split as they are read the first time (and the
/// split kept for later replays), sliced from the known ends afterwards.
enum Events {
    Splitting {
        events: StreamEvents,
        ends: Vec<usize>,
        cache: Arc<OnceLock<Arc<[usize]>>>,
    },
    Known {
        body: Bytes,
        ends: Arc<[usize]>,
        next: usize,
    },
}

impl Iterator for Events {
    type Item = Bytes;

    fn next(&mut self) -> Option<Bytes> {
        match self {
            Events::Splitting {
                events,
                ends,
                cache,
            } => match events.next() {
                Some(event) => {
                    ends.push(ends.last().copied().unwrap_or(0) + event.len());
                    Some(event)
                }
                None => {
                    // Every event has been read: keep where they end.
                    let _ = cache.set(std::mem::take(ends).into());
                    None
                }
            },
            Events::Known { body, ends, next } => {
                let start = next.checked_sub(1).map_or(0, |i| ends[i]);
                let end = *ends.get(*next)?;
                *next += 1;
                Some(body.slice(start..end))
            }
        }
    }
}

/// The `http` version for a recorded `proto_major`/`proto_minor`.
fn version(major: u32, minor: u32) -> Version {
    match (major, minor) {
        (0, _) => Version::HTTP_09,
        (1, 0) => Version::HTTP_10,
        (2, _) => Version::HTTP_2,
        (3, _) => Version::HTTP_3,
        _ => Version::HTTP_11,
    }
}

#[cfg(test)]
mod tests {
    use http_body::Body as _;

    use super::*;

    /// The chunks of a replay without pacing, which is always ready.
    fn chunks(mut body: ReplayBody) -> Vec<Bytes> {
        let mut cx = Context::from_waker(std::task::Waker::noop());
        let mut out = Vec::new();
        loop {
            match Pin::new(&mut body).poll_frame(&mut cx) {
                Poll::Ready(Some(Ok(frame))) => out.push(frame.into_data().unwrap()),
                Poll::Ready(None) => return out,
                other => panic!("a replay without pacing is always ready: {other:?}"),
            }
        }
    }

    #[test]
    fn later_replays_slice_the_events_the_first_one_found() {
        let recorded = reel_cassette::Response::new(200)
            .with_header("Content-Type", "text/event-stream")
            .with_body("data: 1\n\n: keep-alive\n\ndata: 2\r\n\r\ndata: [DONE]\n\n");
        let prepared = Prepared::new(&recorded).unwrap();
        let path: Arc<Path> = Arc::from(Path::new("c.yaml"));
        let replay = || {
            let response = prepared.respond(0, path.clone(), Pacing::default());
            chunks(response.into_body())
        };
        let first = replay();
        assert_eq!(
            first,
            [
                "data: 1\n\n",
                ": keep-alive\n\n",
                "data: 2\r\n\r\n",
                "data: [DONE]\n\n"
            ]
        );
        assert_eq!(prepared.ends.get().map(|ends| ends.len()), Some(4));
        assert_eq!(replay(), first);
        assert_eq!(replay(), first);
    }

    /// A Latin-1 header value (Go's `!!binary` in the file) replays as its bytes.
    #[test]
    fn a_header_value_that_is_not_utf8_replays_as_the_same_bytes() {
        let text = "---\nversion: 2\ninteractions:\n- id: 0\n  request:\n    url: https://x/\n    method: GET\n  response:\n    headers:\n      X:\n      - !!binary Y2Fm6Q==\n    code: 200\n";
        let cassette = reel_cassette::Cassette::from_yaml(text).unwrap();
        let recorded = &cassette.interactions[0].response;
        assert_eq!(recorded.headers.get_all("X")[0].as_bytes(), b"caf\xe9");
        let prepared = Prepared::new(recorded).unwrap();
        let response = prepared.respond(0, Arc::from(Path::new("c.yaml")), Pacing::default());
        assert_eq!(response.headers()["x"].as_bytes(), b"caf\xe9");
    }
}
