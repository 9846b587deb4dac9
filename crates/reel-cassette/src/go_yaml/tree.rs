//! Lays a cassette out as go-vcr's structs do: field order, `omitempty`, and Go
//! map keys in Go's sort order.

use std::borrow::Cow;

use super::emitter::Node;
use super::natural_order;
use crate::cassette::KeptEmpty;
use crate::{go_duration, Cassette, Headers, Request, Response, FORMAT_VERSION};

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
    let kept = |flag| r.kept_empty.has(flag);
    let mut map = vec![
        key("proto", text(&r.proto)),
        key("proto_major", int(i64::from(r.proto_major))),
        key("proto_minor", int(i64::from(r.proto_minor))),
        key("content_length", int(r.content_length)),
    ];
    if !r.transfer_encoding.is_empty() || kept(KeptEmpty::TRANSFER_ENCODING) {
        map.push(key("transfer_encoding", list(&r.transfer_encoding)));
    }
    if !r.trailer.is_empty() || kept(KeptEmpty::TRAILER) {
        map.push(key("trailer", headers(&r.trailer)));
    }
    map.push(key("host", text(&r.host)));
    if !r.remote_addr.is_empty() || kept(KeptEmpty::REMOTE_ADDR) {
        map.push(key("remote_addr", text(&r.remote_addr)));
    }
    if !r.request_uri.is_empty() || kept(KeptEmpty::REQUEST_URI) {
        map.push(key("request_uri", text(&r.request_uri)));
    }
    if !r.body.is_empty() || kept(KeptEmpty::BODY) {
        map.push(key("body", Node::Str(Cow::Borrowed(&r.body))));
    }
    if !r.form.is_empty() || kept(KeptEmpty::FORM) {
        map.push(key("form", headers(&r.form)));
    }
    if !r.headers.is_empty() || kept(KeptEmpty::HEADERS) {
        map.push(key("headers", headers(&r.headers)));
    }
    map.push(key("url", text(&r.url)));
    map.push(key("method", text(&r.method)));
    Node::Map(map)
}

fn response(r: &Response) -> Node<'_> {
    let kept = |flag| r.kept_empty.has(flag);
    let mut map = vec![
        key("proto", text(&r.proto)),
        key("proto_major", int(i64::from(r.proto_major))),
        key("proto_minor", int(i64::from(r.proto_minor))),
    ];
    if !r.transfer_encoding.is_empty() || kept(KeptEmpty::TRANSFER_ENCODING) {
        map.push(key("transfer_encoding", list(&r.transfer_encoding)));
    }
    if !r.trailer.is_empty() || kept(KeptEmpty::TRAILER) {
        map.push(key("trailer", headers(&r.trailer)));
    }
    map.push(key("content_length", int(r.content_length)));
    if r.uncompressed || kept(KeptEmpty::UNCOMPRESSED) {
        map.push(key(
            "uncompressed",
            Node::Plain(Cow::Borrowed(bool_text(r.uncompressed))),
        ));
    }
    map.push(key("body", Node::Str(Cow::Borrowed(&r.body))));
    map.push(key("headers", headers(&r.headers)));
    map.push(key("status", text(&r.status)));
    map.push(key("code", int(i64::from(r.code))));
    let duration = go_duration::format(r.duration);
    map.push(key(
        "duration",
        Node::Str(Cow::Owned(duration.into_bytes())),
    ));
    Node::Map(map)
}

fn headers(h: &Headers) -> Node<'_> {
    let mut entries: Vec<(&str, &[String])> = h.iter().collect();
    entries.sort_by(|a, b| natural_order::compare(a.0, b.0));
    Node::Map(
        entries
            .into_iter()
            .map(|(name, values)| (Cow::Borrowed(name), list(values)))
            .collect(),
    )
}

fn list(values: &[String]) -> Node<'_> {
    Node::Seq(values.iter().map(|v| text(v)).collect())
}

fn key<'a>(name: &'static str, value: Node<'a>) -> (Cow<'a, str>, Node<'a>) {
    (Cow::Borrowed(name), value)
}

fn text(s: &str) -> Node<'_> {
    Node::Str(Cow::Borrowed(s.as_bytes()))
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
