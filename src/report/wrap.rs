//! Text to a width: the width of the terminal the report goes to (or `COLUMNS`), and lines of
//! prose or table cells wrapped at word boundaries to fit it.

use std::io::IsTerminal;

use unicode_width::UnicodeWidthStr;

/// The narrowest width honoured: below it tables and prose are laid out for this width.
pub const MIN_WIDTH: usize = 20;

/// The width the report is laid out for: `COLUMNS` when it is set to a number (on a terminal or
/// not), else the width of the terminal stdout is, else `None` (no limit: a pipe or a file).
pub fn stdout_width() -> Option<usize> {
    let stdout = std::io::stdout();
    width_from(
        std::env::var("COLUMNS").ok().as_deref(),
        stdout.is_terminal(),
        || terminal_size::terminal_size_of(&stdout).map(|(w, _)| w.0 as usize),
    )
}

/// [`stdout_width`] from its inputs: the value of `COLUMNS`, whether stdout is a terminal, and
/// how to measure the terminal.
pub fn width_from(
    columns: Option<&str>,
    terminal: bool,
    measure: impl FnOnce() -> Option<usize>,
) -> Option<usize> {
    if let Some(n) = columns
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&n| n > 0)
    {
        return Some(n.max(MIN_WIDTH));
    }
    if !terminal {
        return None;
    }
    measure().filter(|&n| n > 0).map(|n| n.max(MIN_WIDTH))
}

/// The width of `s` on a terminal (East Asian wide characters count two).
pub fn width(s: &str) -> usize {
    UnicodeWidthStr::width(s)
}

/// The widest word of `s` (words are separated by spaces).
pub fn widest_word(s: &str) -> usize {
    s.split(' ').map(width).max().unwrap_or(0)
}

/// Characters after which a word too long for its line is preferably broken (paths, lists,
/// dotted and snake_case names).
const BREAK_AFTER: &[char] = &['/', ',', '.', '_', '-', ':', ';', '=', '&', '?'];

/// Splits `text` into lines of at most `max` columns, breaking at spaces. A word longer than
/// a line is broken after a `/`, `.`, `_`, `-` (or similar) where it can be, else where it must.
/// Line breaks already in the text are kept; trailing spaces are dropped.
pub fn wrap(text: &str, max: usize) -> Vec<String> {
    let max = max.max(1);
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_width = 0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let w = width(word);
            if line_width > 0 && line_width + 1 + w <= max {
                line.push(' ');
                line.push_str(word);
                line_width += 1 + w;
                continue;
            }
            if line_width > 0 {
                lines.push(std::mem::take(&mut line));
            }
            if w <= max {
                line.push_str(word);
                line_width = w;
                continue;
            }
            let mut rest = word;
            while width(rest) > max {
                let (head, tail) = split_long_word(rest, max);
                if tail.is_empty() {
                    // One character wider than the line.
                    break;
                }
                lines.push(head.to_string());
                rest = tail;
            }
            line.push_str(rest);
            line_width = width(rest);
        }
        lines.push(line);
    }
    lines
}

/// The longest head of `word` that fits in `max` columns, ending after a `/` in its second
/// half when there is one, else after another [`BREAK_AFTER`] character there (not inside a run
/// of them), else where it must; and the rest.
fn split_long_word(word: &str, max: usize) -> (&str, &str) {
    let mut fit = 0;
    let mut used = 0;
    let mut slash = None;
    let mut other = None;
    let mut chars = word.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w > max {
            break;
        }
        used += w;
        fit = i + c.len_utf8();
        let run = chars.peek().is_some_and(|(_, n)| BREAK_AFTER.contains(n));
        if used * 2 >= max {
            if c == '/' {
                slash = Some(fit);
            } else if BREAK_AFTER.contains(&c) && !run {
                other = Some(fit);
            }
        }
    }
    // A character wider than the whole line still has to go somewhere.
    if fit == 0 {
        fit = word.chars().next().map_or(word.len(), char::len_utf8);
    }
    word.split_at(slash.or(other).unwrap_or(fit))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_wins_then_the_terminal_then_no_limit() {
        assert_eq!(width_from(Some("100"), false, || Some(80)), Some(100));
        assert_eq!(width_from(Some("100"), true, || Some(80)), Some(100));
        assert_eq!(width_from(Some(" 90 "), true, || Some(80)), Some(90));
        assert_eq!(width_from(None, true, || Some(80)), Some(80));
        assert_eq!(width_from(Some("wide"), true, || Some(80)), Some(80));
        assert_eq!(width_from(Some("0"), true, || Some(80)), Some(80));
        assert_eq!(width_from(None, false, || Some(80)), None);
        assert_eq!(width_from(Some(""), false, || Some(80)), None);
        assert_eq!(width_from(None, true, || None), None);
        assert_eq!(width_from(Some("5"), false, || None), Some(MIN_WIDTH));
    }

    #[test]
    fn words_stay_whole_when_they_fit() {
        let text = "Odoo cannot install or load a module whose dependency is not available.";
        let lines = wrap(text, 20);
        assert!(lines.iter().all(|l| width(l) <= 20), "{lines:?}");
        assert_eq!(lines.join(" "), text);
        assert_eq!(lines[0], "Odoo cannot install");
        // Line breaks of the text are kept, runs of spaces collapse at a break.
        assert_eq!(wrap("a b\nc", 10), ["a b", "c"]);
        assert_eq!(wrap("", 10), [""]);
    }

    #[test]
    fn long_words_break_after_a_separator() {
        let lines = wrap(
            "see addons/account_financial_report/__manifest__.py now",
            24,
        );
        assert_eq!(
            lines,
            [
                "see",
                "addons/account_",
                "financial_report/",
                "__manifest__.py now"
            ]
        );
        // No separator: where it must.
        assert_eq!(wrap("abcdefghij", 4), ["abcd", "efgh", "ij"]);
        // Wide characters count two columns.
        assert_eq!(wrap("日本語の", 4), ["日本", "語の"]);
        assert_eq!(wrap("日", 1), ["日"]);
    }
}
