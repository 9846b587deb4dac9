//! A port of the parts of yaml.v3's emitter (libyaml's, as changed for Go) that
//! cassettes exercise: block mappings and sequences, empty flow collections, and
//! the four scalar styles with Go's choice between them.
//!
//! The state kept is libyaml's: the column, whether the line so far is only
//! indentation (`indention`), whether the last thing written was whitespace, and
//! the current indent. Lines are folded at 80 columns only in the dialect of
//! yaml/v4 rc.5 and later ([`Dialect::CharmFolded`]); the others never fold.

use std::borrow::Cow;

use base64::Engine as _;

use super::resolve::{can_be_plain, is_yaml11_only};
use crate::Dialect;

/// A value to encode, as Go's encoder sees it.
pub(crate) enum Node<'a> {
    /// A Go string: text when valid UTF-8, else written `!!binary`.
    Str(Cow<'a, [u8]>),
    /// An integer or a bool, written plain.
    Plain(Cow<'a, str>),
    /// A list.
    Seq(Vec<Node<'a>>),
    /// A mapping with Go string keys (any bytes), in the order to write them.
    Map(Vec<(Cow<'a, [u8]>, Node<'a>)>),
}

/// Where a node stands; decides its indentation and style constraints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Context {
    Root,
    MappingKey { simple: bool },
    MappingValue,
    SequenceItem,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Style {
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
}

/// Emits one YAML document into a string.
pub(crate) struct Emitter {
    out: String,
    column: usize,
    indention: bool,
    whitespace: bool,
    indent: isize,
    best_indent: usize,
    compact_sequences: bool,
    mapping_context: bool,
    /// The line width past which scalars fold, when they do.
    width: Option<usize>,
    /// yaml/v4 rc.5 and later: YAML 1.1 words single-quoted, rc.4's literal hints.
    rc5: bool,
}

/// yaml/v4's Encoder width from rc.5 on.
const FOLD_WIDTH: usize = 80;

impl Emitter {
    /// An emitter writing in `dialect`.
    pub(crate) fn new(out: String, dialect: Dialect) -> Emitter {
        Emitter {
            out,
            column: 0,
            indention: true,
            whitespace: true,
            indent: -1,
            best_indent: dialect.indent(),
            compact_sequences: dialect.compact_lists(),
            mapping_context: false,
            width: dialect.rc5().then_some(FOLD_WIDTH),
            rc5: dialect.rc5(),
        }
    }

    /// Emits `root` as the document's content and ends the document.
    pub(crate) fn document(mut self, root: &Node<'_>) -> String {
        self.node(root, Context::Root);
        self.write_indent();
        self.out
    }

    fn node(&mut self, node: &Node<'_>, context: Context) {
        self.mapping_context =
            matches!(context, Context::MappingKey { .. } | Context::MappingValue);
        match node {
            Node::Map(entries) => self.mapping(entries, context),
            Node::Seq(items) => self.sequence(items, context),
            Node::Str(bytes) => self.string(bytes, context),
            Node::Plain(text) => self.scalar(text, None, Style::Plain, context),
        }
    }

    /// yaml.v3's `increase_indent_compact` for a node in `context`.
    fn increased_indent(&self, context: Context, flow: bool, compact: bool) -> isize {
        if self.indent < 0 {
            return if flow { self.best_indent as isize } else { 0 };
        }
        let best = self.best_indent as isize;
        let mut indent = if context == Context::SequenceItem {
            // The first indent inside a sequence just skips the "- " indicator.
            self.indent + 2
        } else {
            best * ((self.indent + best) / best)
        };
        if compact {
            indent -= 2;
        }
        indent
    }

    fn mapping(&mut self, entries: &[(Cow<'_, [u8]>, Node<'_>)], context: Context) {
        if entries.is_empty() {
            self.write_indicator("{", true, true, false);
            self.write_indicator("}", false, false, false);
            return;
        }
        let saved = self.indent;
        self.indent = self.increased_indent(context, false, false);
        for (key, value) in entries {
            self.write_indent();
            // libyaml writes a key as a simple key when it is one line of at most
            // 128 bytes, counting a `!!binary` tag's handle and suffix.
            let (text, tag, _) = go_string(key, self.rc5);
            let tag_len = tag.map_or(0, |t| "!!".len() + t.len());
            let simple = tag_len + text.len() <= 128 && !text.chars().any(is_break);
            if simple {
                self.string(key, Context::MappingKey { simple: true });
                self.write_indicator(":", false, false, false);
            } else {
                self.write_indicator("?", true, false, true);
                self.string(key, Context::MappingKey { simple: false });
                self.write_indent();
                self.write_indicator(":", true, false, true);
            }
            self.node(value, Context::MappingValue);
        }
        self.indent = saved;
    }

    fn sequence(&mut self, items: &[Node<'_>], context: Context) {
        if items.is_empty() {
            self.write_indicator("[", true, true, false);
            self.write_indicator("]", false, false, false);
            return;
        }
        let saved = self.indent;
        let compact =
            self.mapping_context && (self.column == 0 || !self.indention) && self.compact_sequences;
        self.indent = self.increased_indent(context, false, compact);
        for item in items {
            self.write_indent();
            self.write_indicator("-", true, false, true);
            self.node(item, Context::SequenceItem);
        }
        self.indent = saved;
    }

    /// A Go string: the style Go's `stringv` asks for, then the emitter's choice.
    fn string(&mut self, bytes: &[u8], context: Context) {
        let (text, tag, requested) = go_string(bytes, self.rc5);
        self.scalar(&text, tag, requested, context);
    }

    fn scalar(&mut self, value: &str, tag: Option<&str>, requested: Style, context: Context) {
        let simple_key = context == Context::MappingKey { simple: true };
        let style = select_style(&analyze(value), value, requested, simple_key);
        if let Some(suffix) = tag {
            if !self.whitespace {
                self.put(' ');
            }
            self.write_str("!!");
            self.write_str(suffix);
            self.whitespace = false;
            self.indention = false;
        }
        let saved = self.indent;
        self.indent = self.increased_indent(context, true, false);
        // Simple keys never fold; values and `? ` keys may.
        let fold = if simple_key { None } else { self.width };
        match style {
            Style::Plain => self.write_plain(value, fold),
            Style::SingleQuoted => self.write_single_quoted(value, fold),
            Style::DoubleQuoted => self.write_double_quoted(value, fold),
            Style::Literal => self.write_literal(value, (self.indent - saved.max(0)) as usize),
        }
        self.indent = saved;
    }

    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn write_str(&mut self, s: &str) {
        self.out.push_str(s);
        self.column += s.chars().count();
    }

    fn put_break(&mut self) {
        self.out.push('\n');
        self.column = 0;
        self.indention = true;
    }

    /// Writes a line break from the value: `\n` as a newline, others as themselves.
    fn write_break(&mut self, c: char) {
        if c == '\n' {
            self.put_break();
        } else {
            self.out.push(c);
            self.column = 0;
            self.indention = true;
        }
    }

    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break();
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
    }

    fn write_indicator(
        &mut self,
        indicator: &str,
        need_whitespace: bool,
        is_whitespace: bool,
        is_indention: bool,
    ) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.write_str(indicator);
        self.whitespace = is_whitespace;
        self.indention = self.indention && is_indention;
    }

    /// A plain scalar; with `fold`, a space past that column (not after another
    /// space, nor before one) becomes a line break and the indentation.
    fn write_plain(&mut self, value: &str, fold: Option<usize>) {
        if !value.is_empty() && !self.whitespace {
            self.put(' ');
        }
        // Plain scalars never hold line breaks (analysis forbids it).
        match fold {
            None => self.write_str(value),
            Some(width) => {
                let bytes = value.as_bytes();
                let mut spaces = false;
                let mut start = 0;
                for (i, &b) in bytes.iter().enumerate() {
                    if b != b' ' {
                        continue;
                    }
                    if start < i {
                        self.write_run(&value[start..i]);
                        self.indention = false;
                        spaces = false;
                    }
                    start = i + 1;
                    if !spaces && self.column > width && bytes.get(i + 1) != Some(&b' ') {
                        self.write_indent();
                    } else {
                        self.put(' ');
                    }
                    spaces = true;
                }
                if start < bytes.len() {
                    self.write_run(&value[start..]);
                }
            }
        }
        if !value.is_empty() {
            self.whitespace = false;
        }
        self.indention = false;
    }

    /// Writes `run`, text without line breaks, as it is.
    fn write_run(&mut self, run: &str) {
        self.out.push_str(run);
        self.column += if run.is_ascii() {
            run.len()
        } else {
            run.chars().count()
        };
    }

    fn write_single_quoted(&mut self, value: &str, fold: Option<usize>) {
        self.write_indicator("'", true, false, false);
        let mut breaks = false;
        let mut spaces = false;
        let mut rest = value;
        while !rest.is_empty() {
            // Runs up to the next quote or line break (or space, when folding) go
            // out in one piece.
            let end = rest
                .find(|c: char| c == '\'' || is_break(c) || (c == ' ' && fold.is_some()))
                .unwrap_or(rest.len());
            if end > 0 {
                if breaks {
                    self.write_indent();
                }
                let run = &rest[..end];
                self.write_run(run);
                if run.bytes().any(|b| b != b' ') {
                    self.indention = false;
                }
                breaks = false;
                spaces = false;
                rest = &rest[end..];
                continue;
            }
            let c = rest.chars().next().unwrap_or_default();
            let at = value.len() - rest.len();
            rest = &rest[c.len_utf8()..];
            if c == ' ' {
                let width = fold.unwrap_or(usize::MAX);
                if !spaces
                    && self.column > width
                    && at > 0
                    && at < value.len() - 1
                    && !rest.starts_with(' ')
                {
                    self.write_indent();
                } else {
                    self.put(' ');
                }
                spaces = true;
            } else if is_break(c) {
                if !breaks && c == '\n' {
                    self.put_break();
                }
                self.write_break(c);
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                self.write_run("''");
                self.indention = false;
                breaks = false;
                spaces = false;
            }
        }
        self.write_indicator("'", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    fn write_double_quoted(&mut self, value: &str, fold: Option<usize>) {
        self.write_indicator("\"", true, false, false);
        // libyaml's BOM test in this loop reads the value's first three bytes, not
        // those at the current position: a value that starts with U+FEFF has every
        // character escaped (`"\uFEFF\x7B\"\x61..."`).
        let escape_all = value.starts_with('\u{feff}');
        let mut run_start = 0;
        let mut spaces = false;
        for (i, c) in value.char_indices() {
            if !escape_all
                && is_printable(c)
                && c != '\u{feff}'
                && !is_break(c)
                && c != '"'
                && c != '\\'
            {
                if c != ' ' {
                    spaces = false;
                    continue;
                }
                let Some(width) = fold else { continue };
                // The column as if the pending run were written.
                let column = self.column + value[run_start..i].chars().count();
                if !spaces && column > width && i > 0 && i < value.len() - 1 {
                    self.write_run(&value[run_start..i]);
                    run_start = i + 1;
                    self.write_indent();
                    // A space at the start of the next line would be folded away.
                    if value.as_bytes().get(i + 1) == Some(&b' ') {
                        self.put('\\');
                    }
                }
                spaces = true;
                continue;
            }
            spaces = false;
            self.write_run(&value[run_start..i]);
            run_start = i + c.len_utf8();
            let escape = match c {
                '\0' => "\\0",
                '\u{7}' => "\\a",
                '\u{8}' => "\\b",
                '\t' => "\\t",
                '\n' => "\\n",
                '\u{b}' => "\\v",
                '\u{c}' => "\\f",
                '\r' => "\\r",
                '\u{1b}' => "\\e",
                '"' => "\\\"",
                '\\' => "\\\\",
                '\u{85}' => "\\N",
                '\u{a0}' => "\\_",
                '\u{2028}' => "\\L",
                '\u{2029}' => "\\P",
                _ => {
                    let v = c as u32;
                    let escape = if v <= 0xFF {
                        format!("\\x{v:02X}")
                    } else if v <= 0xFFFF {
                        format!("\\u{v:04X}")
                    } else {
                        format!("\\U{v:08X}")
                    };
                    self.write_run(&escape);
                    continue;
                }
            };
            self.write_run(escape);
        }
        self.write_run(&value[run_start..]);
        self.write_indicator("\"", false, false, false);
        self.whitespace = false;
        self.indention = false;
    }

    /// Writes a literal block whose content sits `step` columns right of its parent.
    ///
    /// libyaml writes the indentation indicator as the indent step, which is right
    /// except for a block in a sequence item when the step is not 2: Go then writes
    /// `|4` over content indented 2, which no YAML reader (Go's included) reads
    /// back. reel writes the real offset there, so the file stays loadable; in every
    /// case Go gets right the two agree. Likewise a block starting with a tab gets
    /// an indicator: without one, readers stop at the tab while finding the indent.
    ///
    /// yaml/v4 rc.4 and later drop the indicator when the block starts with a
    /// line break; readers then take the indentation from the first line with
    /// content, so where that line starts with a space (or a tab) the block would
    /// not read back as it was: there reel keeps rc.3's indicator.
    fn write_literal(&mut self, value: &str, step: usize) {
        self.write_indicator("|", true, false, false);
        let first = value.chars().next();
        let needs_hint = |c: char| c == ' ' || c == '\t';
        let hint = match first {
            Some(c) if needs_hint(c) => true,
            Some(c) if is_break(c) => {
                !self.rc5
                    || value
                        .trim_start_matches(is_break)
                        .chars()
                        .next()
                        .is_some_and(needs_hint)
            }
            _ => false,
        };
        if hint {
            let hint = char::from_digit(step as u32, 10).unwrap_or('2');
            self.write_indicator(hint.encode_utf8(&mut [0; 4]), false, false, false);
        }
        let mut rev = value.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (None, _) => Some("-"),
            (Some(last), _) if !is_break(last) => Some("-"),
            (Some(_), None) => Some("+"),
            (Some(_), Some(before)) if is_break(before) => Some("+"),
            _ => None,
        };
        if let Some(chomp) = chomp {
            self.write_indicator(chomp, false, false, false);
        }
        self.put_break();
        self.whitespace = true;
        let mut breaks = true;
        let mut rest = value;
        while !rest.is_empty() {
            let end = rest.find(is_break).unwrap_or(rest.len());
            if end > 0 {
                if breaks {
                    self.write_indent();
                }
                self.write_run(&rest[..end]);
                self.indention = false;
                breaks = false;
                rest = &rest[end..];
            } else {
                let c = rest.chars().next().unwrap_or_default();
                self.write_break(c);
                breaks = true;
                rest = &rest[c.len_utf8()..];
            }
        }
    }
}

/// Go's `stringv`: the text to write, its tag, and the style it asks for. Bytes
/// that are not UTF-8 are written `!!binary` base64.
/// From rc.5 on, YAML 1.1-only words ask for single quotes, not double.
fn go_string(bytes: &[u8], rc5: bool) -> (Cow<'_, str>, Option<&'static str>, Style) {
    match std::str::from_utf8(bytes) {
        Ok(text) => {
            let requested = if text.contains('\n') {
                if should_use_literal(text) {
                    Style::Literal
                } else {
                    Style::DoubleQuoted
                }
            } else if can_be_plain(text) {
                Style::Plain
            } else if rc5 && is_yaml11_only(text) {
                Style::SingleQuoted
            } else {
                Style::DoubleQuoted
            };
            (Cow::Borrowed(text), None, requested)
        }
        Err(_) => {
            let base64 = encode_base64(bytes);
            let requested = if should_use_literal(&base64) {
                Style::Literal
            } else {
                Style::Plain
            };
            (Cow::Owned(base64), Some("binary"), requested)
        }
    }
}

/// What libyaml's `analyze_scalar` learns about a value.
struct Analysis {
    multiline: bool,
    block_plain_allowed: bool,
    single_quoted_allowed: bool,
    block_allowed: bool,
}

fn analyze(value: &str) -> Analysis {
    if value.is_empty() {
        return Analysis {
            multiline: false,
            block_plain_allowed: true,
            single_quoted_allowed: true,
            block_allowed: false,
        };
    }
    let mut block_indicators = value.starts_with("---") || value.starts_with("...");
    let (mut line_breaks, mut special, mut tabs) = (false, false, false);
    let (mut leading_space, mut leading_break) = (false, false);
    let (mut trailing_space, mut trailing_break) = (false, false);
    let (mut break_space, mut space_break) = (false, false);
    let (mut previous_space, mut previous_break) = (false, false);
    let mut preceded_by_whitespace = true;

    let bytes = value.as_bytes();
    for (i, c) in value.char_indices() {
        let next = i + c.len_utf8();
        let last = next == bytes.len();
        // Blanks are ASCII, so the next byte tells.
        let followed_by_whitespace = last || matches!(bytes[next], b' ' | b'\t');
        if i == 0 {
            match c {
                '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\'' | '"'
                | '%' | '@' | '`' => block_indicators = true,
                '?' | ':' | '-' if followed_by_whitespace => block_indicators = true,
                _ => {}
            }
        } else {
            match c {
                ':' if followed_by_whitespace => block_indicators = true,
                '#' if preceded_by_whitespace => block_indicators = true,
                _ => {}
            }
        }
        if c == '\t' {
            tabs = true;
        } else if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            leading_space |= i == 0;
            trailing_space |= last;
            break_space |= previous_break;
            previous_space = true;
            previous_break = false;
        } else if is_break(c) {
            line_breaks = true;
            leading_break |= i == 0;
            trailing_break |= last;
            space_break |= previous_space;
            previous_space = false;
            previous_break = true;
        } else {
            previous_space = false;
            previous_break = false;
        }
        preceded_by_whitespace = is_blank(c) || is_break(c) || c == '\0';
    }

    let mut analysis = Analysis {
        multiline: line_breaks,
        block_plain_allowed: true,
        single_quoted_allowed: true,
        block_allowed: true,
    };
    if leading_space || leading_break || trailing_space || trailing_break {
        analysis.block_plain_allowed = false;
    }
    if trailing_space {
        analysis.block_allowed = false;
    }
    if break_space {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
    }
    if space_break || tabs || special {
        analysis.block_plain_allowed = false;
        analysis.single_quoted_allowed = false;
    }
    if space_break || special {
        analysis.block_allowed = false;
    }
    if line_breaks || block_indicators {
        analysis.block_plain_allowed = false;
    }
    analysis
}

/// libyaml's `select_scalar_style`, in block context.
fn select_style(analysis: &Analysis, value: &str, requested: Style, simple_key: bool) -> Style {
    let mut style = requested;
    if simple_key && analysis.multiline {
        style = Style::DoubleQuoted;
    }
    if style == Style::Plain && (!analysis.block_plain_allowed || (value.is_empty() && simple_key))
    {
        style = Style::SingleQuoted;
    }
    if style == Style::SingleQuoted && !analysis.single_quoted_allowed {
        style = Style::DoubleQuoted;
    }
    if style == Style::Literal && (!analysis.block_allowed || simple_key) {
        style = Style::DoubleQuoted;
    }
    style
}

/// yaml.v3 `shouldUseLiteralStyle`: a newline, at least 2 bytes, something that
/// is not whitespace.
fn should_use_literal(s: &str) -> bool {
    s.contains('\n') && s.len() >= 2 && s.chars().any(|c| !c.is_whitespace())
}

/// yaml.v3 `encodeBase64`: standard base64, in lines of 70 each ending in `\n`
/// when it takes 70 characters or more.
fn encode_base64(bytes: &[u8]) -> String {
    const LINE: usize = 70;
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    if encoded.len() < LINE {
        return encoded;
    }
    let mut out = String::with_capacity(encoded.len() + encoded.len() / LINE + 1);
    for chunk in encoded.as_bytes().chunks(LINE) {
        out.push_str(std::str::from_utf8(chunk).unwrap_or_default());
        out.push('\n');
    }
    out
}

fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blank(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// libyaml's printable set: no C0 (but `\n`) or C1 controls, DEL, surrogates,
/// BOM, U+FFFE/U+FFFF, and nothing outside the Basic Multilingual Plane.
fn is_printable(c: char) -> bool {
    matches!(c as u32, 0x0A | 0x20..=0x7E | 0xA0..=0xD7FF | 0xE000..=0xFFFD) && c != '\u{feff}'
}
