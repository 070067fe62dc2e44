//! Escaping of text taken from inputs before it reaches a terminal or a CI log.
//!
//! Manifests, file names, database rows and command output can hold newlines, ESC sequences and
//! invisible Unicode controls. Written raw they forge lines (a GitHub Actions runner executes a
//! line that starts with `::error`), drive the terminal, or make text read differently from what
//! it is (bidirectional overrides). Every text format escapes them with [`control`]; JSON and
//! SARIF keep the data exact and escape them as `\uXXXX` ([`write_json`]).

use std::borrow::Cow;
use std::io::{self, Write};

use serde::Serialize;

/// True for the characters no text output writes raw: C0 controls (tab and newline included),
/// DEL, C1 controls, the bidirectional and zero-width format characters, the line and
/// paragraph separators, and the noncharacters U+FFFE/U+FFFF (not allowed in XML).
pub fn is_unsafe(c: char) -> bool {
    matches!(c,
        '\u{0}'..='\u{1f}'
        | '\u{7f}'..='\u{9f}'
        | '\u{61c}'
        | '\u{180e}'
        | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}'
        | '\u{2060}'..='\u{206f}'
        | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}'
        | '\u{fffe}'
        | '\u{ffff}')
}

/// `s` with every unsafe character written as an escape: `\n`, `\r`, `\t`, `\x1b` (other ASCII
/// controls), `\u{202e}` (the others). Borrowed when there is nothing to escape. The result has
/// no unsafe character, so escaping it again changes nothing.
pub fn control(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_unsafe(c) && (c as u32) < 0x80 => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// [`control`] on each line of a multi-line text of our own (a drawn tree), keeping its `\n`.
pub fn control_lines(s: &str) -> String {
    s.split('\n').map(control).collect::<Vec<_>>().join("\n")
}

/// Pretty JSON whose strings have no unsafe character: serde_json escapes the C0 controls, this
/// also writes DEL, the C1 controls and the invisible format characters as `\uXXXX`. The
/// document decodes to exactly the same data.
pub fn write_json<T: Serialize + ?Sized>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    let mut ser =
        serde_json::Serializer::with_formatter(&mut *out, SafeFormatter(Default::default()));
    value.serialize(&mut ser).map_err(io::Error::from)
}

struct SafeFormatter(serde_json::ser::PrettyFormatter<'static>);

impl serde_json::ser::Formatter for SafeFormatter {
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        w: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut start = 0;
        for (i, c) in fragment.char_indices() {
            if is_unsafe(c) {
                w.write_all(&fragment.as_bytes()[start..i])?;
                // Every unsafe character is in the Basic Multilingual Plane.
                write!(w, "\\u{:04x}", c as u32)?;
                start = i + c.len_utf8();
            }
        }
        w.write_all(&fragment.as_bytes()[start..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + Write>(&mut self, w: &mut W, first: bool) -> io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + Write>(&mut self, w: &mut W) -> io::Result<()> {
        self.0.end_object_value(w)
    }
}

// Input quoted in messages. A line of a config file, a value of a manifest or a setting can be
// anything: a gigabyte of NUL bytes, terminal escape sequences, right-to-left overrides. Every
// message that quotes input goes through [`quote`], which escapes like [`control`] and keeps at
// most [`MAX_CHARS`] characters.

/// The most characters of input a message quotes.
pub const MAX_CHARS: usize = 60;

/// `text` between double quotes, escaped (control, format and other invisible characters as
/// `\n`, `\0`, `\u{202e}`…, quotes and backslashes with a backslash) and cut after
/// [`MAX_CHARS`] characters with `…` and the full length in bytes.
pub fn quote(text: &str) -> String {
    let (body, cut) = escape_prefix(text, MAX_CHARS);
    if cut {
        format!("\"{body}\"… ({} bytes in all)", text.len())
    } else {
        format!("\"{body}\"")
    }
}

/// A message of another library that may hold input (a parser's error): escaped like
/// [`quote`], without quotes, cut after `max` characters with `…`.
pub fn escape(text: &str, max: usize) -> String {
    let (mut body, cut) = escape_prefix(text, max);
    if cut {
        body.push('…');
    }
    body
}

/// The first `max` characters of `text`, escaped, and whether there were more.
fn escape_prefix(text: &str, max: usize) -> (String, bool) {
    let mut out = String::with_capacity(text.len().min(max * 2));
    let mut chars = text.chars();
    for c in chars.by_ref().take(max) {
        push_escaped(&mut out, c);
    }
    (out, chars.next().is_some())
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\0' => out.push_str("\\0"),
        c if is_invisible(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
        // Rust's own table of non-printable characters (unassigned, private use, …).
        c => out.extend(c.escape_debug()),
    }
}

/// [`is_unsafe`], and the soft hyphen (invisible in a quoted value).
fn is_invisible(c: char) -> bool {
    is_unsafe(c) || c == '\u{00ad}'
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_controls_and_invisible_format_characters() {
        assert_eq!(control("plain ünïcode"), "plain ünïcode");
        assert!(matches!(control("plain"), Cow::Borrowed(_)));
        assert_eq!(
            control("a\nb\r\tc\x1b[31md\x7f"),
            "a\\nb\\r\\tc\\x1b[31md\\x7f"
        );
        assert_eq!(
            control("x\u{202e}y\u{200b}z\u{9b}\u{feff}\u{2028}"),
            "x\\u{202e}y\\u{200b}z\\u{9b}\\u{feff}\\u{2028}"
        );
        let once = control("\n::error file=x::pwned\x1b]0;t\x07");
        assert_eq!(control(&once), once);
        assert!(!once.chars().any(is_unsafe));
    }

    #[test]
    fn json_keeps_the_data_and_writes_no_unsafe_character() {
        let v = serde_json::json!({"k\u{202e}": ["a\nb\x1b\x7f\u{85}\u{2066}\u{ffff}", 1]});
        let mut out = Vec::new();
        write_json(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        // Only the pretty printer's own newlines and indentation remain.
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text:?}");
        assert!(
            text.contains("\\u007f") && text.contains("\\u202e"),
            "{text}"
        );
        let back: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(back, v);
        let mut pretty = Vec::new();
        serde_json::to_writer_pretty(&mut pretty, &serde_json::json!({"a": [1, {"b": 2}]}))
            .unwrap();
        let mut ours = Vec::new();
        write_json(&mut ours, &serde_json::json!({"a": [1, {"b": 2}]})).unwrap();
        assert_eq!(ours, pretty);
    }
}

#[cfg(test)]
mod quote_tests {
    use super::*;

    #[test]
    fn short_text_is_quoted_whole() {
        assert_eq!(quote("addons_path"), "\"addons_path\"");
        assert_eq!(quote("é ü"), "\"é ü\"");
        assert_eq!(quote(""), "\"\"");
    }

    #[test]
    fn controls_and_invisible_characters_are_escaped() {
        assert_eq!(
            quote("a\u{1b}[31mb\0\r\n\t\"\\\u{202e}\u{7f}"),
            "\"a\\u{1b}[31mb\\0\\r\\n\\t\\\"\\\\\\u{202e}\\u{7f}\""
        );
        for c in (0u32..0x110000).filter_map(char::from_u32) {
            let q = quote(&c.to_string());
            assert!(
                !q.chars().any(|c| c.is_control() || is_invisible(c)),
                "{:x} leaks through: {q:?}",
                c as u32
            );
        }
    }

    #[test]
    fn long_text_is_cut_and_its_length_given() {
        let nul = "\0".repeat(1 << 20);
        let q = quote(&nul);
        assert_eq!(
            q,
            format!("\"{}\"… (1048576 bytes in all)", "\\0".repeat(MAX_CHARS))
        );
        let exact = "x".repeat(MAX_CHARS);
        assert_eq!(quote(&exact), format!("\"{exact}\""));
        // Multi-byte characters are never split.
        let wide = "é".repeat(MAX_CHARS + 1);
        assert!(quote(&wide).starts_with(&format!("\"{}\"…", "é".repeat(MAX_CHARS))));
        assert_eq!(escape("ab\ncd", 3), "ab\\n…");
        assert_eq!(escape("ab", 3), "ab");
    }
}
