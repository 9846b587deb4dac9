//! Recording: the live response streams to the caller while reel keeps a copy, and
//! each completed interaction is saved at once.
//!
//! Interactions are written in the order their requests started, whatever order
//! they complete in, so a deterministic test writes a deterministic file. Saving
//! goes through [`reel_cassette::update_locked`]: an advisory lock shared by every
//! process, then read, append, atomic rename — so tests in several processes
//! (cargo nextest) recording into one cassette never lose each other's work, and a
//! crash leaves the old file or the new one.
//!
//! The secret scan runs when the body ends, so a refusal reaches the caller; the
//! save itself runs on a saver thread, so the caller's last read does not wait for
//! the disk and saves that pile up are written together. Dropping the last clone
//! of the [`crate::Reel`] (the end of a test) waits for every save, and
//! [`crate::Reel::flush`] waits on demand.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use reel_cassette::{update_locked, Interaction, Redaction, SecretScanner};

use crate::{Error, Result};

/// Records the interactions of one [`crate::Reel`] into its cassette.
pub(crate) struct Recorder {
    pub(crate) path: Arc<Path>,
    redaction: Redaction,
    scanner: Option<SecretScanner>,
    pub(crate) drain_timeout: Duration,
    state: Mutex<State>,
    saver: Saver,
}

/// The saver thread: batches of interactions in, one locked save per batch.
struct Saver {
    jobs: Mutex<Option<mpsc::Sender<Batch>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
    progress: Arc<(Mutex<Progress>, Condvar)>,
}

/// Interactions to append, in order; `replace` clears the file first (`all`).
struct Batch {
    interactions: Vec<Interaction>,
    replace: bool,
}

#[derive(Default)]
struct Progress {
    queued: u64,
    saved: u64,
    /// The first save that failed, until someone is told.
    error: Option<String>,
}

struct State {
    next: u64,
    /// Requests in flight or finished, by start order; `None` until finished.
    slots: BTreeMap<u64, Option<Interaction>>,
    /// `all` mode: the first save replaces what the file held.
    replace_on_first_save: bool,
}

impl Recorder {
    pub(crate) fn new(
        path: Arc<Path>,
        redaction: Redaction,
        scanner: Option<SecretScanner>,
        drain_timeout: Duration,
        replace: bool,
    ) -> Recorder {
        Recorder {
            path,
            redaction,
            scanner,
            drain_timeout,
            state: Mutex::new(State {
                next: 0,
                slots: BTreeMap::new(),
                replace_on_first_save: replace,
            }),
            saver: Saver {
                jobs: Mutex::new(None),
                thread: Mutex::new(None),
                progress: Arc::new((Mutex::new(Progress::default()), Condvar::new())),
            },
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
            Some(message) => Err(Error::Save {
                path: self.path.to_path_buf(),
                message,
            }),
            None => Ok(()),
        }
    }

    /// Hands a batch to the saver thread, starting it the first time.
    fn enqueue(&self, batch: Batch) -> Result<()> {
        let mut jobs = lock(&self.saver.jobs);
        if jobs.is_none() {
            let (sender, receiver) = mpsc::channel::<Batch>();
            let path = self.path.clone();
            let progress = self.saver.progress.clone();
            let thread = std::thread::Builder::new()
                .name("reel-saver".to_owned())
                .spawn(move || save_batches(&path, &receiver, &progress))
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
        if let Err(err) = self.flush(&mut state) {
            eprintln!("reel: warning: {err}");
        }
    }

    /// Records a completed interaction: refuses it if it holds a credential, else
    /// saves it with every earlier one that has completed.
    pub(crate) fn finish(&self, seq: u64, interaction: Interaction) -> Result<()> {
        if let Some(scanner) = &self.scanner {
            let mut findings = Vec::new();
            scanner.scan_interaction(0, &interaction, &mut findings);
            if !findings.is_empty() {
                self.abandon(seq);
                return Err(Error::SecretsFound {
                    path: self.path.to_path_buf(),
                    method: interaction.request.method,
                    url: interaction.request.url,
                    findings: findings
                        .iter()
                        .map(|f| format!("{}: {} `{}`", f.field, f.kind, f.masked))
                        .collect(),
                });
            }
        }
        let mut state = self.lock();
        state.slots.insert(seq, Some(interaction));
        self.flush(&mut state)
    }

    /// Saves the finished interactions at the front of the order.
    fn flush(&self, state: &mut State) -> Result<()> {
        let mut ready = Vec::new();
        while let Some(entry) = state.slots.first_entry() {
            if entry.get().is_none() {
                break;
            }
            ready.extend(entry.remove());
        }
        if ready.is_empty() {
            return Ok(());
        }
        let replace = std::mem::take(&mut state.replace_on_first_save);
        self.enqueue(Batch {
            interactions: ready,
            replace,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        lock(&self.state)
    }
}

impl Drop for Recorder {
    /// The end of a test: every recording reaches the file before it goes on.
    fn drop(&mut self) {
        drop(lock(&self.saver.jobs).take());
        if let Some(thread) = lock(&self.saver.thread).take() {
            let _ = thread.join();
        }
        let error = lock(&self.saver.progress.0).error.take();
        if let Some(message) = error {
            eprintln!(
                "reel: warning: recordings could not be saved to {}: {message}",
                self.path.display()
            );
        }
    }
}

/// The saver thread's loop: everything queued so far goes out in one save.
fn save_batches(path: &Path, jobs: &mpsc::Receiver<Batch>, progress: &(Mutex<Progress>, Condvar)) {
    while let Ok(first) = jobs.recv() {
        let mut batches = vec![first];
        batches.extend(jobs.try_iter());
        let count = batches.len() as u64;
        let saved = update_locked(path, |cassette| {
            for batch in batches {
                if batch.replace {
                    cassette.interactions.clear();
                }
                cassette.interactions.extend(batch.interactions);
            }
            Ok(())
        });
        let (state, changed) = progress;
        let mut state = lock(state);
        state.saved += count;
        if let Err(err) = saved {
            eprintln!("reel: warning: {err}");
            state.error.get_or_insert_with(|| err.to_string());
        }
        changed.notify_all();
    }
}

/// Locks, ignoring poisoning: a panic elsewhere leaves consistent data here.
fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
