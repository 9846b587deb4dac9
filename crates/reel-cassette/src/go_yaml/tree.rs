//! Lays a cassette out as go-vcr's structs do: field order, `omitempty`, and Go
//! map keys in Go's sort order.

use std::borrow::Cow;

use super::emitter::Node;
use super::natural_order;
use crate::cassette::{KeptEmpty, NonUtf8};
use crate::{go_duration, ByteString, Cassette, Headers, Request, Response, FORMAT_VERSION};

pub(super) fn cassette(cassette: &Cassette) -> Node<'_> {
    let interactions = cassette
        .interactions
        .iter()
        .enumerate()
        .map(|(id, interaction)| {
            Node::Map(vec![
                key("id", int(id as i64)),
                key("request", request(&interaction.request)),
                key("response", response(&interaction.response)),
            ])
        })
        .collect();
    Node::Map(vec![
        key("version", int(i64::from(FORMAT_VERSION))),
        key("interactions", Node::Seq(interactions)),
    ])
}

fn request(r: &Request) -> Node<'_> {
    let written = |flag| r.kept_empty.has(flag);
    let mut map = vec![
        key("proto", kept(&r.proto, r.non_utf8.proto.as_deref())),
        key("proto_major", int(i64::from(r.proto_major))),
        key("proto_minor", int(i64::from(r.proto_minor))),
        key("content_length", int(r.content_length)),
    ];
    if !r.transfer_encoding.is_empty() || written(KeptEmpty::TRANSFER_ENCODING) {
        map.push(key("transfer_encoding", list(&r.transfer_encoding)));
    }
    if !r.trailer.is_empty() || written(KeptEmpty::TRAILER) {
        map.push(key("trailer", headers(&r.trailer)));
    }
    map.push(key("host", bytes(&r.host)));
    if !r.remote_addr.is_empty() || written(KeptEmpty::REMOTE_ADDR) {
        map.push(key("remote_addr", bytes(&r.remote_addr)));
    }
    if !r.request_uri.is_empty() || written(KeptEmpty::REQUEST_URI) {
        map.push(key("request_uri", bytes(&r.request_uri)));
    }
    if !r.body.is_empty() || written(KeptEmpty::BODY) {
        map.push(key("body", Node::Str(Cow::Borrowed(&r.body))));
    }
    if !r.form.is_empty() || written(KeptEmpty::FORM) {
        map.push(key("form", headers(&r.form)));
    }
    if !r.headers.is_empty() || written(KeptEmpty::HEADERS) {
        map.push(key("headers", headers(&r.headers)));
    }
    map.push(key("url", kept(&r.url, r.non_utf8.url.as_deref())));
    map.push(key("method", kept(&r.method, r.non_utf8.method.as_deref())));
    Node::Map(map)
}

fn response(r: &Response) -> Node<'_> {
    let written = |flag| r.kept_empty.has(flag);
    let mut map = vec![
        key("proto", kept(&r.proto, r.non_utf8.proto.as_deref())),
        key("proto_major", int(i64::from(r.proto_major))),
        key("proto_minor", int(i64::from(r.proto_minor))),
    ];
    if !r.transfer_encoding.is_empty() || written(KeptEmpty::TRANSFER_ENCODING) {
        map.push(key("transfer_encoding", list(&r.transfer_encoding)));
    }
    if !r.trailer.is_empty() || written(KeptEmpty::TRAILER) {
        map.push(key("trailer", headers(&r.trailer)));
    }
    map.push(key("content_length", int(r.content_length)));
    if r.uncompressed || written(KeptEmpty::UNCOMPRESSED) {
        map.push(key(
            "uncompressed",
            Node::Plain(Cow::Borrowed(bool_text(r.uncompressed))),
        ));
    }
    map.push(key("body", Node::Str(Cow::Borrowed(&r.body))));
    map.push(key("headers", headers(&r.headers)));
    map.push(key("status", kept(&r.status, r.non_utf8.status.as_deref())));
    map.push(key("code", int(i64::from(r.code))));
    let duration = go_duration::format(r.duration);
    map.push(key(
        "duration",
        Node::Str(Cow::Owned(duration.into_bytes())),
    ));
    Node::Map(map)
}

fn headers(h: &Headers) -> Node<'_> {
    let mut entries: Vec<(&[u8], &[ByteString])> = h.iter_bytes().collect();
    entries.sort_by(|a, b| natural_order::compare(a.0, b.0));
    Node::Map(
        entries
            .into_iter()
            .map(|(name, values)| (Cow::Borrowed(name), list(values)))
            .collect(),
    )
}

fn list(values: &[ByteString]) -> Node<'_> {
    Node::Seq(values.iter().map(bytes).collect())
}

fn key<'a>(name: &'static str, value: Node<'a>) -> (Cow<'a, [u8]>, Node<'a>) {
    (Cow::Borrowed(name.as_bytes()), value)
}

fn bytes(s: &ByteString) -> Node<'_> {
    Node::Str(Cow::Borrowed(s.as_bytes()))
}

/// A text field, or the bytes a file held for it (see [`NonUtf8`]).
fn kept<'a>(text: &'a str, raw: Option<&'a [u8]>) -> Node<'a> {
    Node::Str(Cow::Borrowed(NonUtf8::bytes(text, raw)))
}

fn int<'a>(v: i64) -> Node<'a> {
    Node::Plain(Cow::Owned(v.to_string()))
}

fn bool_text(v: bool) -> &'static str {
    if v {
        "true"
    } else {
        "false"
    }
}
