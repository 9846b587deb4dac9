//! reel's integration tests, in one binary.

mod cassette_path; // default cassette names from the test's name
mod concurrency; // many tasks on one client
mod corpus; // every cassette under ../shared/corpus replays against its own requests
mod escape_hatches; // passthrough rules, retries left out, empty cassettes, the request log
mod expiry; // provenance beside the cassette, max_age and its strategies
mod hooks; // after_capture, before_save, before_replay, at_end
mod matching; // the matching rules and their options
mod modes; // every mode with missing, matching and non-matching cassettes; REEL_RECORD
mod network; // replay never opens a connection
mod pacing; // waits before the headers and between events
mod placeholders; // values recorded under a name and given back on replay; JSON fields in streams
mod processes; // several processes recording into one cassette; a process killed while saving
mod recording; // record mode against a local upstream: live tee, secrets, gzip, failures
mod report;
mod review; // review mode: recordings go to the pending file, the cassette stays // the mismatch report and other error texts, pinned
mod scrubbed; // credentials recorded as placeholders naming their kind, and matched
mod seed; // the bundled OpenAI cassette, end to end
mod streaming; // one chunk per SSE event or event-stream frame, one for anything else
mod support; // helpers: cassettes in temp dirs, clients, chunk collection
mod timing; // the recorded rhythm of streams: timing file, replay at recorded and scaled pace
mod truth; // unplayed interactions fail, failed tests write nothing, runs, drop_unused, tracing
mod uploads; // multipart uploads part by part, streamed request bodies
