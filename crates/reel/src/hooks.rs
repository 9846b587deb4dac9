//! Hooks: the user's code at go-vcr's four points, for what no option names
//! (rewrite a volatile value, drop an interaction, stamp today's date into a
//! replayed response, report at the end). The engine runs them, in one place
//! each, so every adapter (the middleware, the tower service, async-openai,
//! the AWS connector, `ReelServer`) has them.

use std::fmt;
use std::sync::Arc;

use reel_cassette::{Interaction, Response};

use crate::{BoxError, Received};

/// What an [`after_capture`](crate::ReelBuilder::after_capture) or
/// [`before_save`](crate::ReelBuilder::before_save) hook does with the
/// interaction it was given.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// Keep it, as the hook left it.
    Keep,
    /// Leave it out of the cassette.
    Drop,
}

/// One interaction the cassette opened with, and how often it was replayed:
/// what an [`at_end`](crate::ReelBuilder::at_end) hook is given.
#[derive(Debug)]
#[non_exhaustive]
pub struct Played<'a> {
    /// Its position in the cassette, from 0.
    pub index: usize,
    /// The interaction, as loaded.
    pub interaction: &'a Interaction,
    /// How many requests it answered (0: never replayed).
    pub times: usize,
}

type Edit = dyn Fn(&mut Interaction) -> Result<Keep, BoxError> + Send + Sync;
type Replay = dyn Fn(&Received, &mut Response) -> Result<(), BoxError> + Send + Sync;
type End = dyn Fn(&[Played<'_>]) -> Result<(), BoxError> + Send + Sync;

/// The hooks a [`crate::Reel`] runs; empty by default.
#[derive(Clone, Default)]
pub(crate) struct Hooks {
    pub(crate) after_capture: Option<Arc<Edit>>,
    pub(crate) before_save: Option<Arc<Edit>>,
    pub(crate) before_replay: Option<Arc<Replay>>,
    pub(crate) at_end: Option<Arc<End>>,
}

/// The hooks' names, as errors give them.
pub(crate) const AFTER_CAPTURE: &str = "after_capture";
pub(crate) const BEFORE_SAVE: &str = "before_save";
pub(crate) const BEFORE_REPLAY: &str = "before_replay";
pub(crate) const AT_END: &str = "at_end";

impl Hooks {
    pub(crate) fn set_after_capture(
        &mut self,
        hook: impl Fn(&mut Interaction) -> Result<Keep, BoxError> + Send + Sync + 'static,
    ) {
        self.after_capture = Some(Arc::new(hook));
    }

    pub(crate) fn set_before_save(
        &mut self,
        hook: impl Fn(&mut Interaction) -> Result<Keep, BoxError> + Send + Sync + 'static,
    ) {
        self.before_save = Some(Arc::new(hook));
    }

    pub(crate) fn set_before_replay(
        &mut self,
        hook: impl Fn(&Received, &mut Response) -> Result<(), BoxError> + Send + Sync + 'static,
    ) {
        self.before_replay = Some(Arc::new(hook));
    }

    pub(crate) fn set_at_end(
        &mut self,
        hook: impl Fn(&[Played<'_>]) -> Result<(), BoxError> + Send + Sync + 'static,
    ) {
        self.at_end = Some(Arc::new(hook));
    }

    /// Runs the `before_save` hook over `interactions` (every one about to be
    /// written), dropping those it says to; the indices kept, in order.
    pub(crate) fn before_save(
        &self,
        interactions: &mut Vec<Interaction>,
    ) -> Result<Option<Vec<bool>>, BoxError> {
        let Some(hook) = &self.before_save else {
            return Ok(None);
        };
        let mut kept = Vec::with_capacity(interactions.len());
        for interaction in interactions.iter_mut() {
            kept.push(hook(interaction)? == Keep::Keep);
        }
        let mut flags = kept.iter();
        interactions.retain(|_| *flags.next().unwrap_or(&true));
        Ok(Some(kept))
    }
}

impl fmt::Debug for Hooks {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = [
            (AFTER_CAPTURE, self.after_capture.is_some()),
            (BEFORE_SAVE, self.before_save.is_some()),
            (BEFORE_REPLAY, self.before_replay.is_some()),
            (AT_END, self.at_end.is_some()),
        ]
        .into_iter()
        .filter_map(|(name, set)| set.then_some(name))
        .collect();
        f.debug_list().entries(names).finish()
    }
}
