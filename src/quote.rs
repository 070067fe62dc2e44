//! Input text quoted in messages. A line of a config file, a value of a manifest or a setting can
//! be anything: a gigabyte of NUL bytes, terminal escape sequences, right-to-left overrides. Every
//! message that quotes input goes through [`quote`], which escapes what a terminal or a CI log
//! would interpret and keeps at most [`MAX_CHARS`] characters.

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

/// Characters that change how a terminal shows the text around them, or show nothing.
fn is_invisible(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00ad}' | '\u{061c}' | '\u{180e}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}' | '\u{feff}' | '\u{fff9}'..='\u{fffb}')
}

#[cfg(test)]
mod tests {
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
