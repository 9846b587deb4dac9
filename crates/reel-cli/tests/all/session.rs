//! WebSocket sessions in `show`, `review` and `diff`: Realtime-like sessions
//! of varied shape (audio appends, interleaved audio and text deltas, binary
//! messages, texts with line breaks, with and without a close, a line that does
//! not parse), generated, and the message-by-message output a user reads.

use reel_cassette::websocket::{Direction, Frame, Message, Transcript};
use reel_cassette::{Cassette, Interaction, Request, Response};
use serde_json::json;

use crate::support::{dir_with, reel};

/// The handshake URL every session is recorded under.
const URL: &str = "wss://api.openai.com/v1/realtime?model=gpt-realtime";

/// What a generated session holds.
#[derive(Clone)]
struct Shape {
    /// What the user asks, in the `conversation.item.create` client message.
    question: &'static str,
    /// The words of the answer, one `response.text.delta` each.
    answer: Vec<&'static str>,
    /// How many `input_audio_buffer.append` messages, and `response.audio.delta`
    /// messages interleaved with the answer's deltas.
    audio_chunks: usize,
    /// A binary server message.
    binary: bool,
    /// A server text with line breaks (a `text-json` line).
    text_json: bool,
    /// A `close 1000 done` at the end.
    close: bool,
    /// The ids the server gives its events (they change on every call).
    run: usize,
}

impl Shape {
    /// The `case`-th shape of a family: each feature on or off by the case's bits.
    fn nth(case: usize) -> Shape {
        Shape {
            question: "What is the capital of France?",
            answer: "The capital of France is Paris , a city on the Seine ."
                .split(' ')
                .take(4 + case * 3)
                .collect(),
            audio_chunks: 2 + case * 5,
            binary: case & 1 == 1,
            text_json: case & 2 == 2,
            close: case & 4 == 0,
            run: 1,
        }
    }

    /// The session's messages, in order.
    fn messages(&self) -> Vec<Message> {
        let client = |value: serde_json::Value| Message {
            direction: Direction::Client,
            frame: Frame::Text(value.to_string()),
        };
        let event_id = |n: usize| format!("evt_{}_{n}", self.run);
        let server = |n: usize, mut value: serde_json::Value| {
            value["event_id"] = json!(event_id(n));
            Message {
                direction: Direction::Server,
                frame: Frame::Text(value.to_string()),
            }
        };
        let mut messages = vec![
            client(
                json!({"type": "session.update", "session": {"modalities": ["text", "audio"], "voice": "alloy"}}),
            ),
            server(0, json!({"type": "session.updated"})),
        ];
        for chunk in 0..self.audio_chunks {
            messages.push(client(
                json!({"type": "input_audio_buffer.append", "audio": base64(&audio(chunk))}),
            ));
        }
        messages.push(client(json!({"type": "conversation.item.create", "item": {"type": "message", "role": "user", "content": [{"type": "input_text", "text": self.question}]}})));
        messages.push(client(json!({"type": "response.create"})));
        for (n, word) in self.answer.iter().enumerate() {
            let delta = if n == 0 {
                word.to_string()
            } else {
                format!(" {word}")
            };
            messages.push(server(
                10 + n,
                json!({"type": "response.text.delta", "delta": delta}),
            ));
            if n < self.audio_chunks {
                messages.push(server(
                    500 + n,
                    json!({"type": "response.audio.delta", "delta": base64(&audio(n))}),
                ));
            }
        }
        if self.binary {
            messages.push(Message {
                direction: Direction::Server,
                frame: Frame::Binary((0..=255).cycle().take(3000).collect()),
            });
        }
        if self.text_json {
            messages.push(Message {
                direction: Direction::Server,
                frame: Frame::Text("line one\nline two".to_owned()),
            });
        }
        messages.push(server(999, json!({"type": "response.done"})));
        if self.close {
            messages.push(Message {
                direction: Direction::Server,
                frame: Frame::Close(Some((1000, "done".to_owned()))),
            });
        }
        messages
    }

    /// The transcript text.
    fn transcript(&self) -> String {
        Transcript {
            messages: self.messages(),
        }
        .to_text()
    }

    /// The answer the text deltas spell.
    fn spelled(&self) -> String {
        self.answer.join(" ")
    }
}

/// 4800 bytes of audio (100 ms of 24 kHz PCM16), different for each chunk.
fn audio(chunk: usize) -> Vec<u8> {
    (0..4800)
        .map(|i| ((i * 7 + chunk * 13) % 251) as u8)
        .collect()
}

/// Standard base64, as the transcript writes a binary message.
fn base64(bytes: &[u8]) -> String {
    let line = Message {
        direction: Direction::Client,
        frame: Frame::Binary(bytes.to_vec()),
    }
    .to_line();
    line.strip_prefix("> binary ")
        .unwrap_or_default()
        .to_owned()
}

/// A cassette of one session whose transcript is `body`.
fn cassette(body: &str) -> String {
    let request = Request::new("GET", URL).with_header("OpenAI-Beta", "realtime=v1");
    let response = Response::new(101)
        .with_header("Upgrade", "websocket")
        .with_body(body.to_owned());
    let mut cassette = Cassette::new();
    cassette
        .interactions
        .push(Interaction::new(request, response));
    cassette.to_yaml()
}

/// The position of the first message of `shape` whose line contains `needle`.
fn position(shape: &Shape, needle: &str) -> usize {
    shape
        .messages()
        .iter()
        .position(|m| m.to_line().contains(needle))
        .unwrap()
}

#[test]
fn show_prints_each_generated_session_message_by_message_with_deltas_condensed() {
    for case in 0..8 {
        let shape = Shape::nth(case);
        let messages = shape.messages();
        let dir = dir_with(&[("s.yaml", &cassette(&shape.transcript()))]);
        let run = reel(&["show", "s.yaml"], dir.path());
        let context = format!("case {case}:\n{}", run.stdout);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{context}");
        let out = &run.stdout;
        // The handshake, then what the body is and what the arrows mean.
        assert!(out.contains(&format!("request: GET {URL} ")), "{context}");
        assert!(out.contains("  OpenAI-Beta: realtime=v1\n"), "{context}");
        assert!(
            out.contains(&format!(
                "WebSocket session, {} messages (-> client to server, <- server to client)\n",
                messages.len()
            )),
            "{context}"
        );
        // Numbered messages, JSON with sorted keys.
        assert!(
            out.contains(r#"    [0] -> text {"session":{"modalities":["text","audio"],"voice":"alloy"},"type":"session.update"}"#),
            "{context}"
        );
        // The audio appends counted and sized, never their base64.
        let appends = shape.audio_chunks;
        assert!(
            out.contains(&format!(
                "    [2-{}] -> {appends} × input_audio_buffer.append (base64 audio, {} decoded)\n",
                1 + appends,
                size(4800 * appends)
            )),
            "{context}"
        );
        assert!(!out.contains(&base64(&audio(0))[..40]), "{context}");
        // The text deltas joined into the answer, beside the audio deltas.
        let first = position(&shape, "response.text.delta");
        let last = position(&shape, "response.done")
            - 1
            - usize::from(shape.binary)
            - usize::from(shape.text_json);
        assert!(
            out.contains(&format!(
                "    [{first}-{last}] <- {} deltas:\n",
                last - first + 1
            )),
            "{context}"
        );
        assert!(
            out.contains(&format!(
                "      {} × response.text.delta: \"{}\"",
                shape.answer.len(),
                shape.spelled()
            )),
            "{context}"
        );
        if shape.binary {
            let at = position(&shape, "< binary");
            assert!(
                out.contains(&format!("    [{at}] <- binary 3000 bytes, sha256 "))
                    && out.contains(": 00 01 02 03 04 05 06 07 …\n"),
                "{context}"
            );
        }
        if shape.text_json {
            let at = position(&shape, "text-json");
            assert!(
                out.contains(&format!("    [{at}] <- text line one\\nline two\n")),
                "{context}"
            );
        }
        let close = format!("    [{}] <- close 1000 done\n", messages.len() - 1);
        assert_eq!(out.contains(&close), shape.close, "{context}");

        // --full: every message on its own line.
        let full = reel(&["show", "s.yaml", "--full"], dir.path());
        let numbered = full
            .stdout
            .lines()
            .filter(|l| l.starts_with("    ["))
            .count();
        assert_eq!(numbered, messages.len(), "case {case}:\n{}", full.stdout);
        assert!(!full.stdout.contains(&base64(&audio(0))[..40]));
    }
}

/// `12.3 kB`, as `reel` writes decoded audio sizes.
fn size(bytes: usize) -> String {
    match bytes {
        0..=999 => format!("{bytes} bytes"),
        1_000..=999_999 => format!("{:.1} kB", bytes as f64 / 1e3),
        _ => format!("{:.1} MB", bytes as f64 / 1e6),
    }
}

#[test]
fn show_names_the_line_of_a_transcript_that_does_not_parse_and_shows_it_raw() {
    for case in 0..4 {
        let shape = Shape::nth(case);
        let good = shape.transcript();
        let bad_line = good.lines().count() / 2 + 1;
        let body: String = good
            .lines()
            .enumerate()
            .map(|(i, line)| match i + 1 == bad_line {
                true => "< bogus payload\n".to_owned(),
                false => format!("{line}\n"),
            })
            .collect();
        let dir = dir_with(&[("s.yaml", &cassette(&body))]);
        let run = reel(&["show", "s.yaml", "--full"], dir.path());
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
        assert!(
            run.stdout.contains(&format!(
                "WebSocket session whose transcript line {bad_line}: kind \"bogus\" is unknown"
            )),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout.contains("    < bogus payload\n"),
            "{}",
            run.stdout
        );
    }
}

/// The session of `shape` recorded again: another run's event ids, the user's
/// question and the answer changed.
fn rerecorded(shape: &Shape) -> Shape {
    let mut new = shape.clone();
    new.run = 2;
    new.question = "What is the capital of Italy?";
    for word in new.answer.iter_mut() {
        if *word == "France" {
            *word = "Italy";
        } else if *word == "Paris" {
            *word = "Rome";
        }
    }
    new
}

#[test]
fn review_points_at_the_changed_client_message_and_word_diffs_the_answer() {
    for case in [1, 2, 5] {
        let old = Shape::nth(case);
        let new = rerecorded(&old);
        let dir = dir_with(&[
            ("s.yaml", &cassette(&old.transcript())),
            ("s.yaml.pending", &cassette(&new.transcript())),
        ]);
        let run = reel(&["review"], dir.path());
        let context = format!("case {case}:\n{}", run.stdout);
        assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{context}");
        let out = &run.stdout;
        assert!(
            out.contains(&format!("~ 0 GET {URL} (response body)\n")),
            "{context}"
        );
        // The answer the deltas spell, as a word diff.
        assert!(
            out.contains("  answer, text: The capital of [-France-]{+Italy+}"),
            "{context}"
        );
        // The client message that changed, by its position, its words marked.
        let at = position(&old, "conversation.item.create");
        assert!(
            out.contains(&format!(
                "    #{at}: -> text {{\"item\":{{\"content\":[{{\"text\":\"What is the capital of [-France-]{{+Italy+}}?\""
            )),
            "{context}"
        );
        // Event ids are folded: the unchanged server messages are not shown.
        assert!(!out.contains("session.updated"), "{context}");
        assert!(
            out.contains("fields that change on every call folded"),
            "{context}"
        );
        let n = old.messages().len();
        assert!(
            out.contains(&format!("  messages: {n} -> {n} (deltas condensed: ")),
            "{context}"
        );
    }
}

#[test]
fn review_of_an_added_session_shows_its_messages_and_answer() {
    let shape = Shape::nth(2);
    let dir = dir_with(&[("s.yaml.pending", &cassette(&shape.transcript()))]);
    let run = reel(&["review"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (0, ""), "{}", run.stdout);
    let body = shape.transcript().len();
    assert!(
        run.stdout.contains(&format!(
            "+ 0 GET {URL}\n  request: empty\n  response: 101 Switching Protocols, {body} bytes, \
             WebSocket session, {} messages\n  answer, text: {}\n",
            shape.messages().len(),
            shape.spelled()
        )),
        "{}",
        run.stdout
    );
}

#[test]
fn diff_compares_sessions_message_by_message() {
    for case in [0, 3, 6] {
        let old = Shape::nth(case);
        let mut new = rerecorded(&old);
        new.close = !old.close;
        let dir = dir_with(&[
            ("a.yaml", &cassette(&old.transcript())),
            ("b.yaml", &cassette(&new.transcript())),
        ]);
        let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
        let context = format!("case {case}:\n{}", run.stdout);
        assert_eq!((run.code, run.stderr.as_str()), (1, ""), "{context}");
        let out = &run.stdout;
        let at = position(&old, "conversation.item.create");
        assert!(
            out.contains(&format!("    #{at}: -> text {{\"item\":")),
            "{context}"
        );
        assert!(out.contains("[-France-]{+Italy+}"), "{context}");
        // diff compares everything: the server's event ids differ too.
        assert!(
            out.contains("\"event_id\":\"[-evt_1_0-]{+evt_2_0+}\""),
            "{context}"
        );
        let close = if old.close { "    -#" } else { "    +#" };
        assert!(
            out.lines()
                .any(|l| l.starts_with(close) && l.ends_with("<- close 1000 done")),
            "{context}"
        );
        assert!(
            out.ends_with("1 interaction in a.yaml, 1 in b.yaml: 1 changed\n"),
            "{context}"
        );
    }
}

#[test]
fn diff_of_a_session_that_does_not_parse_names_the_line_and_diffs_the_text() {
    let shape = Shape::nth(0);
    let good = shape.transcript();
    let bad = good.replacen("< text", "< txet", 1);
    let dir = dir_with(&[("a.yaml", &cassette(&good)), ("b.yaml", &cassette(&bad))]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("  b.yaml: transcript line 2: kind \"txet\" is unknown"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("  +++ b.yaml #0 response body\n"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("\n  +< txet {"), "{}", run.stdout);
}

#[test]
fn sessions_whose_audio_alone_differs_say_so() {
    let shape = Shape::nth(1);
    let old = shape.transcript();
    // The same sizes, other audio bytes.
    let new = old.replace(&base64(&audio(0)), &base64(&audio(7)));
    assert_ne!(old, new);
    let dir = dir_with(&[("a.yaml", &cassette(&old)), ("b.yaml", &cassette(&new))]);
    let run = reel(&["diff", "a.yaml", "b.yaml"], dir.path());
    assert_eq!((run.code, run.stderr.as_str()), (1, ""), "{}", run.stdout);
    assert!(run.stdout.contains(" 0 changed\n"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("  the messages differ only in what these lines leave out (audio content"),
        "{}",
        run.stdout
    );
}
