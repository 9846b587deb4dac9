//! Recording: the live response streams to the caller while reel keeps a copy;
//! completed interactions wait for the test's outcome before they are written.
//!
//! Interactions are written in the order their requests started, whatever order
//! they complete in, so a deterministic test writes a deterministic file. They
//! are written when the last handle closes (the end of a test) or on
//! [`crate::Reel::flush`], and not at all when the test panicked (unless
//! `record_on_error`): a failed re-record leaves the old cassette as it was, and
//! so does a process killed mid-test. A server (`save_as_recorded`) writes each
//! interaction as soon as its body ends instead.
//!
//! Saving goes through [`reel_cassette::__private::update_locked_in_run`]: an advisory lock
//! shared by every process, then read, append (or, for the first write of a
//! re-recording run, replace), atomic rename — so tests in several processes
//! (cargo nextest) recording into one cassette never lose each other's work, and a
//! crash leaves the old file or the new one. Writes run on a saver thread; the
//! last handle's close waits for them.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use reel_cassette::__private::{update_locked, update_locked_in_run};
use reel_cassette::provenance::{Provenance, Recorded as ProvenanceEntry};
use reel_cassette::{Interaction, Redaction, SecretScanner};

use crate::hooks::{self, Hooks, Keep};
use crate::matcher::Rules;
use crate::normalize::NormalRequest;
use crate::recording::Ended;
use crate::{Error, Result};

/// Records the interactions of one [`crate::Reel`] into its cassette.
pub(crate) struct Recorder {
    pub(crate) path: Arc<Path>,
    redaction: Redaction,
    scanner: Option<SecretScanner>,
    pub(crate) drain_timeout: Duration,
    /// Whether each interaction is written as soon as its body ends.
    eager: bool,
    /// Whether streams keep when each event arrived (the timing file).
    pub(crate) record_timing: bool,
    /// Where and how interactions are written.
    target: Arc<Target>,
    state: Mutex<State>,
    saver: Saver,
    /// Bodies the caller dropped early that are still being read to their end.
    draining: (Mutex<usize>, Condvar),
    drained: tokio::sync::Notify,
    hooks: Arc<Hooks>,
    /// How to tell two requests are the same (a retry, a re-recorded expired one).
    matching: (Rules, Redaction),
    keep_retried: bool,
}

/// The saver thread: batches of interactions in, one locked save per batch.
struct Saver {
    jobs: Mutex<Option<mpsc::Sender<Batch>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    progress: Arc<(Mutex<Progress>, Condvar)>,
}

/// Interactions to append, in order, each with when its events arrived (for a
/// stream whose timing is recorded).
struct Batch {
    interactions: Vec<Recorded>,
    /// Interactions saved earlier that a retry superseded: taken out of the file.
    superseded: Vec<Interaction>,
}

/// A completed interaction and its event times, if recorded.
pub(crate) struct Recorded {
    pub(crate) interaction: Interaction,
    pub(crate) events_ms: Option<Vec<f64>>,
}

/// Where and how a recorder writes.
pub(crate) struct Target {
    /// The recording run (shared by processes; see `env::run_id`).
    pub(crate) run: String,
    /// Whether the run's first write replaces what the cassette held (`all`).
    pub(crate) replace: bool,
    /// Whether writes go to the pending file for `reel review`, leaving the
    /// cassette untouched.
    pub(crate) review: bool,
}

#[derive(Default)]
struct Progress {
    queued: u64,
    saved: u64,
    /// The first save that failed, until someone is told.
    error: Option<Error>,
}

struct State {
    next: u64,
    /// Requests in flight or finished, by start order; `None` until finished.
    slots: BTreeMap<u64, Option<Recorded>>,
    /// Finished interactions, in start order, not handed to the saver yet.
    ready: Vec<(u64, Recorded)>,
    /// Set when the last handle closed: whether what completes later is saved.
    closed: Option<bool>,
    /// Bodies that ended, waiting to be kept at `flush` or close.
    ended: Vec<Ended>,
    /// Whether an interaction was refused (a credential, a hook's error): then
    /// no empty cassette stands in for what the test did.
    refused: bool,
    /// Finished interactions answered `429` or `5xx`, until a retry supersedes
    /// them: their place in the order and their request's normal form.
    retryable: Vec<(u64, NormalRequest, Interaction)>,
    /// Requests answered (not `429`/`5xx`) while an earlier request was still
    /// in flight: a `429`/`5xx` to the same request that finishes after its
    /// retry is left out too. Kept until every earlier request has finished;
    /// normalized only when a `429`/`5xx` finishes late, which is rare.
    retries: Vec<(u64, reel_cassette::Request)>,
    /// Expired interactions in the file, until a recording of the same request
    /// replaces them.
    expired: Vec<(NormalRequest, Interaction)>,
    /// Superseded interactions already handed to the saver.
    superseded: Vec<Interaction>,
    /// Whether any interaction was handed to the saver (or an empty cassette
    /// written).
    wrote: bool,
}

/// How a recorder is set up.
pub(crate) struct Setup {
    pub(crate) path: Arc<Path>,
    pub(crate) redaction: Redaction,
    pub(crate) scanner: Option<SecretScanner>,
    pub(crate) drain_timeout: Duration,
    /// Write each interaction as soon as its body ends.
    pub(crate) eager: bool,
    /// Where and how to write.
    pub(crate) target: Target,
    /// Keep when each event of a stream arrived.
    pub(crate) record_timing: bool,
    pub(crate) hooks: Hooks,
    /// How to tell two requests are the same.
    pub(crate) matching: (Rules, Redaction),
    /// Keep `429`/`5xx` answers a retry superseded.
    pub(crate) keep_retried: bool,
    /// Interactions in the file past the maximum age: a new recording of the
    /// same request takes their place.
    pub(crate) expired: Vec<(NormalRequest, Interaction)>,
}

impl Recorder {
    pub(crate) fn new(setup: Setup) -> Recorder {
        Recorder {
            path: setup.path,
            redaction: setup.redaction,
            scanner: setup.scanner,
            drain_timeout: setup.drain_timeout,
            eager: setup.eager,
            record_timing: setup.record_timing,
            target: Arc::new(setup.target),
            state: Mutex::new(State {
                next: 0,
                slots: BTreeMap::new(),
                ready: Vec::new(),
                closed: None,
                ended: Vec::new(),
                refused: false,
                retryable: Vec::new(),
                retries: Vec::new(),
                expired: setup.expired,
                superseded: Vec::new(),
                wrote: false,
            }),
            saver: Saver {
                jobs: Mutex::new(None),
                thread: Mutex::new(None),
                progress: Arc::new((Mutex::new(Progress::default()), Condvar::new())),
            },
            draining: (Mutex::new(0), Condvar::new()),
            drained: tokio::sync::Notify::new(),
            hooks: Arc::new(setup.hooks),
            matching: setup.matching,
            keep_retried: setup.keep_retried,
        }
    }

    /// Writes every interaction completed so far and waits for the write; the
    /// first save error since the last call, if any.
    pub(crate) fn flush(&self) -> Result<()> {
        let kept = self.keep_ended();
        let batch = self.lock().take_batch();
        let count = batch.interactions.len();
        self.enqueue(batch, false)?;
        self.wait_saved()?;
        self.saved(count);
        kept
    }

    /// Takes a body that ended, to keep at `flush` or close, when this is a
    /// test's recorder still open; gives it back to be kept now otherwise (a
    /// server writes each interaction as it ends; after the close nothing
    /// else would).
    pub(crate) fn defer(&self, ended: Ended) -> Option<Ended> {
        if self.eager {
            return Some(ended);
        }
        let mut state = self.lock();
        if state.closed.is_some() {
            return Some(ended);
        }
        state.ended.push(ended);
        None
    }

    /// Keeps every body that ended, in the order they ended: redaction, the
    /// `after_capture` hook, the secret scan and the retry rule run here, off
    /// the caller's path. The first refusal, if any (the others are kept).
    fn keep_ended(&self) -> Result<()> {
        let ended = std::mem::take(&mut self.lock().ended);
        let mut first = Ok(());
        for ended in ended {
            if let Err(err) = ended.keep(self) {
                self.lock().refused = true;
                if first.is_ok() {
                    first = Err(err);
                }
            }
        }
        first
    }

    /// The `saved` event, on the caller's thread (where its subscriber is).
    fn saved(&self, interactions: usize) {
        if interactions > 0 {
            tracing::debug!(
                target: "reel",
                cassette = %self.path.display(),
                interactions,
                "saved"
            );
        }
    }

    /// The last handle closed: writes what has completed if `save` (else drops
    /// it, saying so), and decides the same for bodies still being read.
    ///
    /// A test's recording that ends having recorded nothing still writes, as
    /// go-vcr does, a cassette with no interactions where there was none (or, in
    /// mode `all`, in place of the old one): the test made no request, and a
    /// replay of it needs no more.
    pub(crate) fn close(&self, save: bool) -> Result<()> {
        let kept = if save {
            self.keep_ended()
        } else {
            self.lock().ended.clear();
            Ok(())
        };
        let (batch, empty) = {
            let mut state = self.lock();
            state.closed = Some(save);
            let batch = state.take_batch();
            let nothing =
                !state.wrote && !state.refused && batch.is_empty() && state.slots.is_empty();
            (batch, nothing)
        };
        if save {
            let count = batch.interactions.len();
            // A test's recording, not a server's (`save_as_recorded`): a server
            // stopped before any request, or never started, leaves no file.
            let write_empty = empty && !self.eager && (self.target.replace || !self.path.exists());
            self.enqueue(batch, write_empty)?;
            self.wait_saved()?;
            self.saved(count);
            return kept;
        }
        let dropped = batch.interactions.len();
        if dropped > 0 {
            eprintln!(
                "reel: not writing {} recorded interaction{} to {}: the test panicked, and a \
                 failed test saves nothing (ReelBuilder::record_on_error(true) keeps them)",
                dropped,
                if dropped == 1 { "" } else { "s" },
                self.path.display()
            );
        }
        Ok(())
    }

    /// A body the caller dropped early is being read to its end.
    pub(crate) fn drain_started(&self) {
        *lock(&self.draining.0) += 1;
    }

    /// A body read after the caller dropped it has ended (recorded or not).
    pub(crate) fn drain_ended(&self) {
        let mut draining = lock(&self.draining.0);
        *draining = draining.saturating_sub(1);
        if *draining == 0 {
            self.draining.1.notify_all();
            self.drained.notify_waiters();
        }
    }

    /// At the last handle's close: waits (up to the drain timeout) for bodies
    /// still being read after the caller dropped them, where blocking cannot stop
    /// them; says so where it would (a current-thread runtime runs them on this
    /// very thread).
    pub(crate) fn wait_drains_at_close(&self) {
        let draining = *lock(&self.draining.0);
        if draining == 0 {
            return;
        }
        let current_thread = tokio::runtime::Handle::try_current().is_ok_and(|handle| {
            handle.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread
        });
        if current_thread {
            eprintln!(
                "reel: warning: {draining} response bod{} the code stopped reading {} still \
                 being read for {}; if the runtime ends first, {} not recorded (await \
                 `reel.settle()` before the end of the test)",
                if draining == 1 { "y" } else { "ies" },
                if draining == 1 { "is" } else { "are" },
                self.path.display(),
                if draining == 1 { "it is" } else { "they are" },
            );
            return;
        }
        let (count, ended) = &self.draining;
        let guard = lock(count);
        let _ = ended.wait_timeout_while(guard, self.drain_timeout, |draining| *draining > 0);
    }

    /// Waits, without blocking the thread, until no dropped body is still being
    /// read.
    pub(crate) async fn drains_done(&self) {
        loop {
            let notified = self.drained.notified();
            if *lock(&self.draining.0) == 0 {
                return;
            }
            notified.await;
        }
    }

    /// Waits until every completed recording is saved; the first save error since
    /// the last call, if any.
    pub(crate) fn wait_saved(&self) -> Result<()> {
        let (progress, saved) = &*self.saver.progress;
        let mut progress = lock(progress);
        while progress.saved < progress.queued {
            progress = saved.wait(progress).unwrap_or_else(|p| p.into_inner());
        }
        match progress.error.take() {
            Some(err) => Err(err),
            None => Ok(()),
        }
    }

    /// Hands a batch to the saver thread, starting it the first time; an empty
    /// batch only when `write_empty` (a save that writes no interaction).
    fn enqueue(&self, batch: Batch, write_empty: bool) -> Result<()> {
        if batch.is_empty() && !write_empty {
            return Ok(());
        }
        self.lock().wrote = true;
        self.send(batch)
    }

    /// Hands a batch to the saver thread, starting it the first time.
    fn send(&self, batch: Batch) -> Result<()> {
        let mut jobs = lock(&self.saver.jobs);
        if jobs.is_none() {
            let (sender, receiver) = mpsc::channel::<Batch>();
            let path = self.path.clone();
            let target = self.target.clone();
            let eager = self.eager;
            let progress = self.saver.progress.clone();
            let hooks = self.hooks.clone();
            let thread = std::thread::Builder::new()
                .name("reel-saver".to_owned())
                .spawn(move || save_batches(&path, &target, eager, &hooks, &receiver, &progress))
                .map_err(|err| Error::Save {
                    path: self.path.to_path_buf(),
                    message: format!("cannot start the saver thread: {err}"),
                })?;
            *lock(&self.saver.thread) = Some(thread);
            *jobs = Some(sender);
        }
        lock(&self.saver.progress.0).queued += 1;
        if let Some(sender) = jobs.as_ref() {
            if sender.send(batch).is_err() {
                lock(&self.saver.progress.0).queued -= 1;
                return Err(Error::Save {
                    path: self.path.to_path_buf(),
                    message: "the saver thread has stopped".to_owned(),
                });
            }
        }
        Ok(())
    }

    pub(crate) fn redaction(&self) -> &Redaction {
        &self.redaction
    }

    /// Takes a place in the file's order for a request about to be sent.
    pub(crate) fn begin(&self) -> u64 {
        let mut state = self.lock();
        let seq = state.next;
        state.next += 1;
        state.slots.insert(seq, None);
        seq
    }

    /// Gives up the place of a request that will not be recorded.
    pub(crate) fn abandon(&self, seq: u64) {
        let mut state = self.lock();
        state.slots.remove(&seq);
        if let Err(err) = self.advance(&mut state) {
            eprintln!("reel: warning: {err}");
        }
    }

    /// Records a completed interaction: runs the `after_capture` hook, refuses
    /// it if it holds a credential, leaves out the earlier `429`/`5xx` answers
    /// to the same request that it retried, then saves it with every earlier one
    /// that has completed.
    pub(crate) fn finish(&self, seq: u64, mut recorded: Recorded) -> Result<()> {
        if let Some(hook) = &self.hooks.after_capture {
            match hook(&mut recorded.interaction) {
                Ok(Keep::Keep) => {}
                Ok(Keep::Drop) => {
                    tracing::debug!(
                        target: "reel",
                        method = %recorded.interaction.request.method,
                        url = %recorded.interaction.request.url,
                        "left out by the after_capture hook"
                    );
                    self.abandon(seq);
                    return Ok(());
                }
                Err(source) => {
                    self.abandon(seq);
                    return Err(Error::Hook {
                        path: self.path.to_path_buf(),
                        hook: hooks::AFTER_CAPTURE,
                        during: format!(
                            " for {} {}",
                            recorded.interaction.request.method, recorded.interaction.request.url
                        ),
                        source,
                    });
                }
            }
        }
        let interaction = &recorded.interaction;
        if let Some(scanner) = &self.scanner {
            let mut findings = Vec::new();
            scanner.scan_interaction(0, interaction, &mut findings);
            if !findings.is_empty() {
                self.abandon(seq);
                return Err(Error::SecretsFound {
                    path: self.path.to_path_buf(),
                    method: interaction.request.method.to_string(),
                    url: interaction.request.url.to_string(),
                    findings: findings
                        .iter()
                        .map(|f| format!("{}: {} `{}`", f.field, f.kind, f.masked))
                        .collect(),
                });
            }
        }
        let mut state = self.lock();
        let (rules, redaction) = &self.matching;
        let code = interaction.response.code;
        let retryable = !self.keep_retried && (code == 429 || (500..=599).contains(&code));
        // A retry can finish before the answer it retried has: its body's end
        // reached the client before it reached the recorder.
        let earlier_in_flight =
            !self.keep_retried && state.slots.range(..seq).any(|(_, slot)| slot.is_none());
        if retryable || !state.retryable.is_empty() || !state.expired.is_empty() {
            let normal =
                crate::recordings::normalize_recorded(rules, redaction, &interaction.request);
            // An expired interaction of the same request leaves the file.
            if let Some(at) = state
                .expired
                .iter()
                .position(|(old, _)| rules.same_request(old, &normal))
            {
                let (_, old) = state.expired.remove(at);
                state.superseded.push(old);
            }
            if retryable {
                let retried = state.retries.iter().any(|(later, request)| {
                    *later > seq
                        && rules.same_request(
                            &crate::recordings::normalize_recorded(rules, redaction, request),
                            &normal,
                        )
                });
                if retried {
                    tracing::debug!(
                        target: "reel",
                        method = %interaction.request.method,
                        url = %interaction.request.url,
                        status = code,
                        "left out: the request was retried"
                    );
                    state.slots.remove(&seq);
                    return self.advance(&mut state);
                }
                state.retryable.push((seq, normal, interaction.clone()));
            } else {
                state.supersede(rules, seq, &normal);
            }
        }
        if earlier_in_flight && !retryable {
            state.retries.push((seq, interaction.request.clone()));
        }
        state.slots.insert(seq, Some(recorded));
        self.advance(&mut state)
    }

    /// Moves the finished interactions at the front of the order to the ready
    /// list, and hands them to the saver when they are to be written now (a
    /// server, or a body that ended after the last handle closed).
    fn advance(&self, state: &mut State) -> Result<()> {
        while let Some(entry) = state.slots.first_entry() {
            if entry.get().is_none() {
                break;
            }
            let seq = *entry.key();
            state
                .ready
                .extend(entry.remove().map(|recorded| (seq, recorded)));
        }
        let first_in_flight = state.slots.keys().next().copied();
        state
            .retries
            .retain(|(later, _)| first_in_flight.is_some_and(|first| first < *later));
        match state.closed {
            Some(false) => {
                state.ready.clear();
                Ok(())
            }
            Some(true) => self.enqueue_locked(state),
            None if self.eager => self.enqueue_locked(state),
            None => Ok(()),
        }
    }

    /// [`Recorder::enqueue`] of what is ready, from under the state's lock.
    fn enqueue_locked(&self, state: &mut State) -> Result<()> {
        let batch = state.take_batch();
        if batch.is_empty() {
            return Ok(());
        }
        state.wrote = true;
        self.send(batch)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl State {
    /// What is ready to write, and the superseded interactions to take out.
    fn take_batch(&mut self) -> Batch {
        Batch {
            interactions: std::mem::take(&mut self.ready)
                .into_iter()
                .map(|(_, recorded)| recorded)
                .collect(),
            superseded: std::mem::take(&mut self.superseded),
        }
    }

    /// Leaves out every earlier `429`/`5xx` answer to the request `normal`
    /// that interaction `seq` retried: from the order if not written yet, else
    /// from the file at the next write.
    fn supersede(&mut self, rules: &Rules, seq: u64, normal: &NormalRequest) {
        let retryable = std::mem::take(&mut self.retryable);
        for (earlier, form, interaction) in retryable {
            if earlier > seq || !rules.same_request(&form, normal) {
                self.retryable.push((earlier, form, interaction));
                continue;
            }
            tracing::debug!(
                target: "reel",
                method = %interaction.request.method,
                url = %interaction.request.url,
                status = interaction.response.code,
                "left out: the request was retried"
            );
            if self.slots.remove(&earlier).is_some() {
                continue;
            }
            let before = self.ready.len();
            self.ready.retain(|(s, _)| *s != earlier);
            if self.ready.len() == before {
                self.superseded.push(interaction);
            }
        }
    }
}

impl Batch {
    fn is_empty(&self) -> bool {
        self.interactions.is_empty() && self.superseded.is_empty()
    }
}

impl Drop for Recorder {
    /// Every write handed to the saver reaches the file before it goes on.
    fn drop(&mut self) {
        drop(lock(&self.saver.jobs).take());
        if let Some(thread) = lock(&self.saver.thread).take() {
            let _ = thread.join();
        }
        let error = lock(&self.saver.progress.0).error.take();
        if let Some(err) = error {
            eprintln!("reel: warning: {err}");
        }
    }
}

/// The saver thread's loop: everything queued so far goes out in one save.
fn save_batches(
    path: &Path,
    target: &Target,
    eager: bool,
    hooks: &Hooks,
    jobs: &mpsc::Receiver<Batch>,
    progress: &(Mutex<Progress>, Condvar),
) {
    while let Ok(first) = jobs.recv() {
        let mut batches = vec![first];
        batches.extend(jobs.try_iter());
        let count = batches.len() as u64;
        let mut recorded = Vec::new();
        let mut superseded = Vec::new();
        for batch in batches {
            recorded.extend(batch.interactions);
            superseded.extend(batch.superseded);
        }
        let interactions = recorded.len();
        let saved = save(path, target, hooks, recorded, &superseded);
        if saved.is_ok() && eager {
            // Written as recorded (a server): no caller waits to say so.
            tracing::debug!(
                target: "reel",
                cassette = %path.display(),
                interactions,
                "saved"
            );
        }
        let (state, changed) = progress;
        let mut state = lock(state);
        state.saved += count;
        if let Err(err) = saved {
            eprintln!("reel: warning: {err}");
            state.error.get_or_insert(err);
        }
        changed.notify_all();
    }
}

/// Appends `recorded` to the cassette at `path` (or its pending file, or in
/// place of what the run's first write found), without the `superseded` ones
/// written before, with their event times in the timing file beside it; the
/// `before_save` hook sees every interaction written.
fn save(
    path: &Path,
    target: &Target,
    hooks: &Hooks,
    recorded: Vec<Recorded>,
    superseded: &[Interaction],
) -> Result<()> {
    // The timing of what the file holds before this write, when it had any.
    let destination = if target.review {
        reel_cassette::__private::pending_path(path)
    } else {
        path.to_path_buf()
    };
    let any_timed = recorded.iter().any(|r| r.events_ms.is_some());
    let now = std::time::SystemTime::now();
    let hook_failure = std::cell::RefCell::new(None);
    let change = |cassette: &mut reel_cassette::Cassette, first: bool| {
        if first && target.replace {
            cassette.interactions.clear();
        }
        // What the write starts from: the cassette, or for review mode its
        // pending file once there is one (a run never reviewed yet included).
        let source = if target.review && !destination.exists() {
            path
        } else {
            destination.as_path()
        };
        let old = reel_cassette::__private::Timing::load_for(source)
            .ok()
            .flatten();
        let timed = old.is_some() || any_timed;
        let mut entries: Vec<Option<reel_cassette::__private::EventTimes>> = match old {
            Some(old) => old.interactions,
            None => Vec::new(),
        };
        entries.resize(cassette.interactions.len(), None);
        // What the file's interactions were recorded with, kept as it was.
        let mut notes = Provenance::load_for(source)
            .ok()
            .flatten()
            .map(|notes| notes.interactions)
            .unwrap_or_default();
        notes.resize(cassette.interactions.len(), None);
        for gone in superseded {
            let at = cassette
                .interactions
                .iter()
                .rposition(|kept| kept.request == gone.request && kept.response == gone.response);
            if let Some(at) = at {
                cassette.interactions.remove(at);
                entries.remove(at);
                notes.remove(at);
            }
        }
        let mut new = vec![false; cassette.interactions.len()];
        for r in &recorded {
            entries.push(r.events_ms.as_ref().map(|events_ms| {
                reel_cassette::__private::EventTimes {
                    method: r.interaction.request.method.to_string(),
                    url: r.interaction.request.url.to_string(),
                    body_sha256: reel_cassette::__private::short_sha256(
                        &r.interaction.response.body,
                    ),
                    events_ms: events_ms.clone(),
                }
            }));
            notes.push(None);
            new.push(true);
        }
        cassette
            .interactions
            .extend(recorded.iter().map(|r| r.interaction.clone()));
        match hooks.before_save(&mut cassette.interactions) {
            Ok(None) => {}
            Ok(Some(kept)) => {
                for list in [&mut entries as &mut dyn Retain, &mut notes, &mut new] {
                    list.retain_flags(&kept);
                }
            }
            Err(source) => {
                *hook_failure.borrow_mut() = Some(source);
                // Stops the write; the hook's error is what the caller gets.
                return Err(reel_cassette::Error::Io {
                    path: path.to_path_buf(),
                    action: "the before_save hook failed",
                    source: std::io::Error::other("hook failed"),
                });
            }
        }
        // Noted from what is written (after the hook), so the note fits it.
        for (i, interaction) in cassette.interactions.iter().enumerate() {
            if new[i] {
                notes[i] = Some(ProvenanceEntry::new(interaction, now, RECORDED_WITH));
            }
        }
        if timed {
            // Under the cassette's lock, like the cassette.
            let timing = reel_cassette::__private::Timing {
                reel_timing: 1,
                interactions: entries,
            };
            timing.save_for(&destination)?;
        }
        Provenance {
            reel_provenance: 1,
            interactions: notes,
        }
        .save_for(&destination)?;
        Ok(())
    };
    let written = if target.review {
        reel_cassette::__private::update_pending_in_run(path, &target.run, change)
    } else if target.replace {
        update_locked_in_run(path, &target.run, change)
    } else {
        update_locked(path, |cassette| change(cassette, false))
    };
    if let Some(source) = hook_failure.into_inner() {
        return Err(Error::Hook {
            path: path.to_path_buf(),
            hook: hooks::BEFORE_SAVE,
            during: String::new(),
            source,
        });
    }
    written.map_err(|err| Error::Save {
        path: path.to_path_buf(),
        message: err.to_string(),
    })
}

/// What provenance files name as the recorder.
const RECORDED_WITH: &str = concat!("reel ", env!("CARGO_PKG_VERSION"));

/// `Vec::retain` by a list of flags, for the lists kept beside a cassette's
/// interactions.
trait Retain {
    fn retain_flags(&mut self, kept: &[bool]);
}

impl<T> Retain for Vec<T> {
    fn retain_flags(&mut self, kept: &[bool]) {
        let mut flags = kept.iter();
        self.retain(|_| *flags.next().unwrap_or(&true));
    }
}

/// Locks, ignoring poisoning: a panic elsewhere leaves consistent data here.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
