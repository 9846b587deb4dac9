//! [`Recording`]: the ticket for one request being recorded, and
//! [`RecordingBody`], the upstream body teed to the caller and the cassette.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Instant;

use bytes::{Bytes, BytesMut};
use futures_util::{Stream, StreamExt as _, TryStreamExt as _};
use reel_cassette::{stream_events, Interaction, Request, Response, StreamKind};

use crate::record::{Recorded, Recorder};
use crate::{capture, BoxError, Result};

/// A request reel is recording: the adapter sends the request (the one it gave
/// to [`crate::Reel::decide`], which returned this ticket in
/// [`crate::Decision::Record`]) to the real server, then gives the response to
/// [`Recording::tee`], which returns the body to pass to the caller.
/// When that body ends the interaction is kept for the cassette; it is written
/// when the last `Reel` handle drops or on [`crate::Reel::flush`] (at once with
/// `save_as_recorded`, as reel-server does).
///
/// Dropping the ticket without calling `tee` (the upstream could not be reached)
/// records nothing and keeps the file order of the other recordings.
#[must_use = "a Recording saves nothing until `.tee(head, body)` gets the response"]
pub struct Recording {
    recorder: Arc<Recorder>,
    seq: u64,
    started: Instant,
    request: Option<Request>,
}

impl Recording {
    pub(crate) fn new(recorder: Arc<Recorder>, request: Request) -> Recording {
        let seq = recorder.begin();
        Recording {
            recorder,
            seq,
            started: Instant::now(),
            request: Some(request),
        }
    }

    /// Takes the upstream response: `head` is its status, version and headers,
    /// `body` its body as it arrives. The returned body yields each chunk as it
    /// arrives while keeping a copy; when it ends, the interaction is kept for
    /// the cassette, written when the last handle drops or on `flush`.
    /// Redaction, the `after_capture` hook and the secret scan run then too,
    /// off the caller's path: a refused interaction fails `flush`, or the test
    /// where the last handle drops. With `save_as_recorded` (a server) they run
    /// as the body ends, and a refusal ends the body with an error. If the
    /// caller drops the body early, the rest is still read for the cassette,
    /// for up to the drain timeout.
    pub fn tee<S, E>(mut self, head: &http::response::Parts, body: S) -> RecordingBody
    where
        S: Stream<Item = Result<Bytes, E>> + Send + 'static,
        E: Into<BoxError> + 'static,
    {
        let pending = self.request.take().map(|request| Pending {
            recorder: self.recorder.clone(),
            seq: self.seq,
            request,
            head: capture::response_head(head, self.started.elapsed()),
        });
        let timed = self.recorder.record_timing
            && pending
                .as_ref()
                .is_some_and(|p| stream_kind(&p.head) != StreamKind::Whole);
        RecordingBody {
            upstream: Some(Box::pin(body.map_err(Into::into))),
            copy: BytesMut::new(),
            pending,
            arrivals: timed.then(|| Arrivals {
                head: Instant::now(),
                chunks: Vec::new(),
            }),
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        if self.request.is_some() {
            self.recorder.abandon(self.seq);
        }
    }
}

impl fmt::Debug for Recording {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Recording")
            .field("cassette", &self.recorder.path)
            .field("seq", &self.seq)
            .finish()
    }
}

/// What is needed to complete a recording once its body has been read.
struct Pending {
    recorder: Arc<Recorder>,
    seq: u64,
    request: Request,
    head: Response,
}

/// A body that has ended, its interaction not yet redacted, hooked, scanned
/// or kept: for a test's recorder that work waits for `flush` or the last
/// handle's close, off the caller's path (a server's is done at once).
pub(crate) struct Ended {
    seq: u64,
    request: Request,
    head: Response,
    body: Bytes,
    arrivals: Option<Arrivals>,
}

impl Ended {
    /// Redacts the response, notes event times, and hands the interaction to
    /// the recorder (its hooks, the secret scan, retries).
    pub(crate) fn keep(self, recorder: &Recorder) -> Result<()> {
        let events_ms = self
            .arrivals
            .map(|arrivals| arrivals.event_times(&self.body, &self.head));
        let response = capture::finish_response(self.head, self.body, recorder.redaction());
        recorder.finish(
            self.seq,
            Recorded {
                interaction: Interaction::new(self.request, response),
                events_ms,
            },
        )
    }
}

impl Pending {
    fn complete(self, body: Bytes, arrivals: Option<Arrivals>) -> Result<()> {
        let ended = Ended {
            seq: self.seq,
            request: self.request,
            head: self.head,
            body,
            arrivals,
        };
        match self.recorder.defer(ended) {
            None => Ok(()),
            Some(ended) => ended.keep(&self.recorder),
        }
    }

    fn fail(self, bytes: usize, err: &dyn fmt::Display) {
        eprintln!(
            "reel: warning: not recording {} {}: the response body broke after {bytes} bytes \
             ({err}); {} is unchanged",
            self.request.method,
            self.request.url,
            self.recorder.path.display()
        );
        self.recorder.abandon(self.seq);
    }
}

type Upstream = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// When each chunk of a streamed body reached the recorder.
struct Arrivals {
    /// When the response headers arrived.
    head: Instant,
    /// The body's length after each chunk, and when that chunk arrived.
    chunks: Vec<(usize, Instant)>,
}

impl Arrivals {
    fn note(&mut self, length: usize) {
        self.chunks.push((length, Instant::now()));
    }

    /// When each event of `body` was complete, in whole milliseconds after the
    /// headers (the resolution of tokio's timer, which replays them): the
    /// arrival of the chunk that brought its last byte.
    fn event_times(&self, body: &Bytes, head: &Response) -> Vec<f64> {
        let kind = stream_kind(head);
        let mut end = 0;
        let mut chunk = 0;
        stream_events(body, kind)
            .map(|event| {
                end += event.len();
                while chunk + 1 < self.chunks.len() && self.chunks[chunk].0 < end {
                    chunk += 1;
                }
                self.chunks.get(chunk).map_or(0.0, |(_, at)| {
                    (at.saturating_duration_since(self.head).as_secs_f64() * 1000.0).round()
                })
            })
            .collect()
    }
}

/// How a recorded response's body splits into the events the timing file
/// times: server-sent events, event-stream frames, a session's messages.
fn stream_kind(head: &Response) -> StreamKind {
    StreamKind::for_response(head.code, head.headers.get("Content-Type"))
}

/// The body the caller reads while reel records: each upstream chunk as it
/// arrives, with a copy kept for the cassette. An error ends it: the upstream's,
/// or, for a server's recorder (`save_as_recorded`), reel's when the finished
/// interaction cannot be recorded (a credential found in it; a test's recorder
/// reports that at `flush` or at the end of the test instead).
pub struct RecordingBody {
    upstream: Option<Upstream>,
    copy: BytesMut,
    pending: Option<Pending>,
    /// Chunk arrival times, when the recorder keeps event timing.
    arrivals: Option<Arrivals>,
}

impl Stream for RecordingBody {
    type Item = Result<Bytes, BoxError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        let Some(upstream) = this.upstream.as_mut() else {
            return Poll::Ready(None);
        };
        match upstream.as_mut().poll_next(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Ok(chunk))) => {
                this.copy.extend_from_slice(&chunk);
                if let Some(arrivals) = &mut this.arrivals {
                    arrivals.note(this.copy.len());
                }
                Poll::Ready(Some(Ok(chunk)))
            }
            Poll::Ready(Some(Err(err))) => {
                this.upstream = None;
                if let Some(pending) = this.pending.take() {
                    pending.fail(this.copy.len(), &err);
                }
                Poll::Ready(Some(Err(err)))
            }
            Poll::Ready(None) => {
                this.upstream = None;
                let body = std::mem::take(&mut this.copy).freeze();
                let arrivals = this.arrivals.take();
                match this
                    .pending
                    .take()
                    .map(|pending| pending.complete(body, arrivals))
                {
                    Some(Err(err)) => Poll::Ready(Some(Err(Box::new(err)))),
                    _ => Poll::Ready(None),
                }
            }
        }
    }
}

impl fmt::Debug for RecordingBody {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordingBody")
            .field("read", &self.copy.len())
            .field("done", &self.upstream.is_none())
            .finish()
    }
}

/// Tells the recorder a drain ended, however its task ends (even cancelled).
struct DrainEnded(Arc<Recorder>);

impl Drop for DrainEnded {
    fn drop(&mut self) {
        self.0.drain_ended();
    }
}

impl Drop for RecordingBody {
    fn drop(&mut self) {
        let (Some(mut upstream), Some(pending)) = (self.upstream.take(), self.pending.take())
        else {
            return;
        };
        let mut copy = std::mem::take(&mut self.copy);
        let mut arrivals = self.arrivals.take();
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            pending.fail(
                copy.len(),
                &"the caller stopped reading outside a tokio runtime",
            );
            return;
        };
        let timeout = pending.recorder.drain_timeout;
        let recorder = pending.recorder.clone();
        recorder.drain_started();
        // The caller stopped reading; finish reading for the cassette.
        runtime.spawn(async move {
            let _ended = DrainEnded(recorder);
            let drained = tokio::time::timeout(timeout, async {
                while let Some(chunk) = upstream.next().await {
                    copy.extend_from_slice(&chunk?);
                    if let Some(arrivals) = &mut arrivals {
                        arrivals.note(copy.len());
                    }
                }
                Ok::<_, BoxError>(())
            })
            .await;
            match drained {
                Ok(Ok(())) => {
                    if let Err(err) = pending.complete(copy.freeze(), arrivals) {
                        eprintln!("reel: warning: {err}");
                    }
                }
                Ok(Err(err)) => pending.fail(copy.len(), &err),
                Err(_) => pending.fail(
                    copy.len(),
                    &format_args!("still streaming {timeout:?} after the caller stopped reading"),
                ),
            }
        });
    }
}
