//! The human format: the context as `key: value` lines, each table drawn with its title and row
//! count, the findings table and a summary line; `--quiet` prints one line per finding instead.
//! With a width (a terminal, `COLUMNS`) everything is laid out to fit it ([`lay_out`]); without
//! one, cells stay on one line.

use std::io::{self, Write};

use comfy_table::{presets, Cell, Color, ContentArrangement, Table as ComfyTable};

use super::{cell_text, escaped_finding, summary_line, wrap, Report};
use crate::finding::{Finding, Severity};

fn paint(text: &str, severity: Severity, color: bool) -> String {
    if !color {
        return text.to_string();
    }
    let code = match severity {
        Severity::Error => "31",
        Severity::Warning => "33",
        Severity::Info => "36",
    };
    format!("\x1b[{code}m{text}\x1b[0m")
}

/// One line per finding: `location: severity[CODE] module: message (hint: …)`, its control
/// characters escaped.
pub fn finding_line(f: &Finding, color: bool) -> String {
    let f = &escaped_finding(f);
    let mut line = f.instance_prefix();
    let loc = f.location();
    if !loc.is_empty() {
        line.push_str(&loc);
        line.push_str(": ");
    }
    line.push_str(&paint(
        &format!("{}[{}]", f.severity, f.code),
        f.severity,
        color,
    ));
    line.push(' ');
    if let Some(m) = &f.module {
        line.push_str(m);
        line.push_str(": ");
    }
    line.push_str(&f.message);
    if !f.hint.is_empty() {
        line.push_str(" (hint: ");
        line.push_str(&f.hint);
        line.push(')');
    }
    line
}

pub(super) fn render_lines(report: &Report, color: bool, out: &mut dyn Write) -> io::Result<()> {
    for f in &report.findings {
        writeln!(out, "{}", finding_line(f, color))?;
    }
    Ok(())
}

/// A line of text, wrapped to `width` when there is one, its continuations indented.
fn write_wrapped(out: &mut dyn Write, text: &str, width: Option<usize>) -> io::Result<()> {
    let Some(width) = width else {
        return writeln!(out, "{text}");
    };
    let mut lines = wrap::wrap(text, width).into_iter();
    if let Some(first) = lines.next() {
        writeln!(out, "{first}")?;
    }
    let rest: Vec<String> = lines.collect();
    for line in wrap::wrap(&rest.join(" "), width - 2) {
        if !line.is_empty() {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

/// `lead` and the parts of `text` separated by `sep`, as many parts a line as fit in `width`
/// (a part is wrapped only when it alone is too wide), the continuations indented.
fn write_packed(
    out: &mut dyn Write,
    lead: &str,
    text: &str,
    sep: &str,
    width: Option<usize>,
) -> io::Result<()> {
    let Some(width) = width else {
        return writeln!(out, "{lead}{text}");
    };
    let mut line = lead.to_string();
    let parts: Vec<&str> = text.split(sep).collect();
    for (n, part) in parts.iter().enumerate() {
        let part = if n + 1 < parts.len() {
            format!("{part}{}", sep.trim_end())
        } else {
            part.to_string()
        };
        let fresh = line.trim().is_empty() || line == lead;
        if !fresh && wrap::width(&line) + 1 + wrap::width(&part) > width {
            write_indented(out, &line, width)?;
            line = "  ".to_string();
        } else if !fresh {
            line.push(' ');
        }
        line.push_str(&part);
    }
    write_indented(out, &line, width)
}

/// A line that starts with its indentation: as it is when it fits, else wrapped after it.
fn write_indented(out: &mut dyn Write, line: &str, width: usize) -> io::Result<()> {
    if wrap::width(line) <= width {
        return writeln!(out, "{line}");
    }
    if !line.starts_with(' ') {
        return write_wrapped(out, line, Some(width));
    }
    for l in wrap::wrap(line.trim_start(), width - 2) {
        writeln!(out, "  {l}")?;
    }
    Ok(())
}

fn new_table(color: bool) -> ComfyTable {
    let mut t = ComfyTable::new();
    t.load_preset(presets::UTF8_FULL_CONDENSED);
    // The cells arrive wrapped to the columns' widths ([`lay_out`]).
    t.set_content_arrangement(ContentArrangement::Disabled);
    if color {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    t
}

/// How a column gives way when its table is wider than the terminal: whether its cells are
/// kept whole (codes, module names, paths: never broken) or wrapped at
/// spaces, and how early it is left out (0: never; the highest first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Give {
    whole: bool,
    /// Wrapped, but its words (module names in a list) never broken.
    whole_words: bool,
    drop: u8,
}

/// The [`Give`] of a column, by its name: what a row is about stays (codes, module names and
/// numbers whole), its prose wraps; links, authors, hints and paths go first, then labels and
/// flags; columns of no known kind wrap and go last.
fn give(column: &str) -> Give {
    let (whole, drop) = match column.to_ascii_lowercase().as_str() {
        "#" | "code" | "severity" | "name" | "module" | "instance" | "id" | "order" | "series" => {
            (true, 0)
        }
        "message" | "summary" | "evidence" | "description" | "explanation" | "note" | "depends"
        | "modules" | "measured" | "threshold" | "status" | "check" | "step" | "key" | "result"
        | "change" | "count" | "old_state" | "new_state" | "version" | "disk_version"
        | "db_version" | "installed_version" | "code_version" | "old_version" | "new_version" => {
            (false, 0)
        }
        "kind" => (false, 2),
        // (Next to a status that says what it means.)
        "state" => (false, 3),
        "website" => (true, 9),
        "author" => (false, 8),
        "hint" => (false, 7),
        "location" | "path" | "file" | "source" | "found_in" | "stored" | "checksum" => (true, 6),
        "display_name" | "category" | "command" | "menus" | "handler" => (false, 5),
        "license" | "installable" | "auto_install" | "application" | "adapted_version"
        | "package" => (true, 4),
        "not_installed" => (false, 4),
        _ => (false, 1),
    };
    // Lists of module names.
    let whole_words = matches!(
        column,
        "depends" | "modules" | "not_installed" | "installed"
    );
    Give {
        whole,
        whole_words,
        drop,
    }
}

/// The columns of a table as drawn within a width: the indexes of those shown with their
/// widths (of content, without padding and borders), and the names of those left out.
#[derive(Debug, PartialEq, Eq)]
struct Laid {
    shown: Vec<(usize, usize)>,
    left_out: Vec<String>,
}

/// What a column costs besides its content: a space each side and its right border.
const COLUMN_COST: usize = 3;

/// The narrowest a wrapped column is made before columns are left out (unless its widest word
/// is wider).
const COMFORTABLE: usize = 16;

/// Lays a table out within `width` columns (borders included). Every column is as wide as its
/// widest cell when they all fit. Otherwise columns are left out, the most expendable first
/// ([`give`]), until the shown ones fit with their whole cells kept whole, no word broken and
/// each wrapped column [`COMFORTABLE`]; the room left goes to the wrapped columns evenly. When even the columns that stay cannot
/// fit, the longest words of wrapped columns are broken (never a cell kept whole, so a table
/// of whole cells may stay too wide).
fn lay_out(header: &[String], rows: &[Vec<String>], width: usize) -> Laid {
    let gives: Vec<Give> = header.iter().map(|h| give(h)).collect();
    let widest = |i: usize, measure: fn(&str) -> usize| {
        rows.iter()
            .map(|r| measure(&r[i]))
            .chain([if gives[i].whole {
                wrap::width(&header[i])
            } else {
                wrap::widest_word(&header[i])
            }])
            .max()
            .unwrap_or(0)
            .max(1)
    };
    let max: Vec<usize> = (0..header.len()).map(|i| widest(i, wrap::width)).collect();
    let mut min: Vec<usize> = (0..header.len())
        .map(|i| {
            if gives[i].whole {
                max[i]
            } else {
                widest(i, wrap::widest_word)
            }
        })
        .collect();
    let cost =
        |shown: &[usize], w: &[usize]| 1 + shown.iter().map(|&i| w[i] + COLUMN_COST).sum::<usize>();
    let mut shown: Vec<usize> = (0..header.len()).collect();
    let mut left_out = Vec::new();
    // A column is left out rather than have its prose squeezed into fewer than 16 columns.
    let comfortable: Vec<usize> = (0..header.len())
        .map(|i| {
            if gives[i].whole {
                min[i]
            } else {
                min[i].max(max[i].min(COMFORTABLE))
            }
        })
        .collect();
    if cost(&shown, &max) > width {
        while cost(&shown, &comfortable) > width {
            // The most expendable, the rightmost of equals.
            let Some(pos) = (0..shown.len())
                .filter(|&p| gives[shown[p]].drop > 0)
                .max_by_key(|&p| (gives[shown[p]].drop, p))
            else {
                break;
            };
            left_out.push(shown.remove(pos));
        }
        // Long words give way (headers too), the longest first, down to 8 columns.
        while cost(&shown, &min) > width {
            let Some(&i) = shown
                .iter()
                .filter(|&&i| !gives[i].whole && !gives[i].whole_words && min[i] > 8)
                .max_by_key(|&&i| min[i])
            else {
                break;
            };
            min[i] -= 1;
        }
        // Still too wide: the wrapped columns that stay go too, the rightmost first, rather
        // than break a module name.
        while cost(&shown, &min) > width {
            let Some(pos) = (0..shown.len()).rev().find(|&p| !gives[shown[p]].whole) else {
                break;
            };
            left_out.push(shown.remove(pos));
        }
    }
    let mut widths: Vec<usize> = shown.iter().map(|&i| min[i].max(1)).collect();
    if cost(&shown, &max) <= width {
        widths = shown.iter().map(|&i| max[i]).collect();
    } else {
        let mut room = width.saturating_sub(cost(&shown, &min));
        // Evenly, a column at a time, up to each column's widest cell.
        while room > 0 {
            let growing: Vec<usize> = (0..shown.len())
                .filter(|&p| widths[p] < max[shown[p]])
                .collect();
            if growing.is_empty() {
                break;
            }
            let share = (room / growing.len()).max(1);
            for p in growing {
                let add = share.min(max[shown[p]] - widths[p]).min(room);
                widths[p] += add;
                room -= add;
                if room == 0 {
                    break;
                }
            }
        }
    }
    left_out.sort_unstable();
    Laid {
        shown: shown.into_iter().zip(widths).collect(),
        left_out: left_out.into_iter().map(|i| header[i].clone()).collect(),
    }
}

/// Draws a table: within `width` when there is one ([`lay_out`]), else every column as wide as
/// its cells. A cell may carry a colour. Lines have no trailing spaces; a line under the table
/// names the columns left out.
fn draw(
    header: &[String],
    rows: &[Vec<(String, Option<Color>)>],
    width: Option<usize>,
    color: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    let texts: Vec<Vec<String>> = rows
        .iter()
        .map(|r| r.iter().map(|(t, _)| t.clone()).collect())
        .collect();
    let laid = match width {
        Some(w) => lay_out(header, &texts, w),
        None => Laid {
            shown: header.iter().map(|h| wrap::width(h)).enumerate().collect(),
            left_out: Vec::new(),
        },
    };
    let mut t = new_table(color);
    t.set_header(laid.shown.iter().map(|&(i, w)| {
        if width.is_some() && !give(&header[i]).whole {
            wrap::wrap(&header[i], w).join("\n")
        } else {
            header[i].clone()
        }
    }));
    for row in rows {
        t.add_row(laid.shown.iter().map(|&(i, w)| {
            let (text, paint) = &row[i];
            let text = if width.is_some() && !give(&header[i]).whole {
                wrap::wrap(text, w).join("\n")
            } else {
                text.clone()
            };
            match paint {
                Some(c) if color => Cell::new(text).fg(*c),
                _ => Cell::new(text),
            }
        }));
    }
    for line in t.lines() {
        writeln!(out, "{}", line.trim_end())?;
    }
    if !laid.left_out.is_empty() {
        let note = format!(
            "(left out to fit {} columns: {})",
            width.unwrap_or_default(),
            laid.left_out.join(", ")
        );
        write_wrapped(out, &note, width)?;
    }
    Ok(())
}

pub(super) fn render_table(
    report: &Report,
    color: bool,
    width: Option<usize>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut header = false;
    for (k, v) in report.shown_context() {
        write_wrapped(out, &format!("{k}: {v}"), width)?;
        header = true;
    }
    if header {
        writeln!(out)?;
    }
    for table in &report.tables {
        if !table.title.is_empty() {
            writeln!(out, "{} ({})", table.title, table.rows.len())?;
        }
        if table.rows.is_empty() {
            writeln!(out, "  (none)\n")?;
            continue;
        }
        let rows: Vec<Vec<(String, Option<Color>)>> = table
            .rows
            .iter()
            .map(|r| r.iter().map(|v| (cell_text(v), None)).collect())
            .collect();
        draw(&table.columns, &rows, width, color, out)?;
        writeln!(out)?;
    }
    // Data that is also a text block (a tree drawn for the table and kept for JSON) is shown
    // once, as the block.
    let shown: Vec<_> = report
        .data
        .iter()
        .filter(|(_, v)| {
            // (Both were escaped: the data on one line, the block line by line.)
            !v.as_str().is_some_and(|s| {
                report
                    .text
                    .iter()
                    .any(|(_, body)| crate::escape::control(body) == s)
            })
        })
        .collect();
    for (k, v) in &shown {
        write_wrapped(out, &format!("{k}: {}", cell_text(v)), width)?;
    }
    if !shown.is_empty() {
        writeln!(out)?;
    }
    for (title, body) in &report.text {
        writeln!(out, "{title}\n{body}")?;
    }
    if !report.findings.is_empty() {
        writeln!(out, "Findings ({})", report.findings.len())?;
        // A fleet's findings say which instance they belong to.
        let instances = report.findings.iter().any(|f| f.instance.is_some());
        let mut header = vec!["Severity", "Code", "Module", "Location", "Message", "Hint"];
        if instances {
            header.insert(0, "Instance");
        }
        let header: Vec<String> = header.into_iter().map(String::from).collect();
        let rows: Vec<Vec<(String, Option<Color>)>> = report
            .findings
            .iter()
            .map(|f| {
                let paint = match f.severity {
                    Severity::Error => Color::Red,
                    Severity::Warning => Color::Yellow,
                    Severity::Info => Color::Cyan,
                };
                let mut row = vec![
                    (f.severity.as_str().to_string(), Some(paint)),
                    (f.code.to_string(), None),
                    (f.module.clone().unwrap_or_default(), None),
                    (f.location(), None),
                    (f.message.clone(), None),
                    (f.hint.clone(), None),
                ];
                if instances {
                    row.insert(0, (f.instance.clone().unwrap_or_default(), None));
                }
                row
            })
            .collect();
        draw(&header, &rows, width, color, out)?;
    }
    if report.audits() {
        write_packed(out, "summary: ", &summary_line(report), "; ", width)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn cost(laid: &Laid) -> usize {
        1 + laid
            .shown
            .iter()
            .map(|(_, w)| w + COLUMN_COST)
            .sum::<usize>()
    }

    #[test]
    fn the_hint_goes_first_then_the_location_and_names_stay_whole() {
        let header = strings(&["Severity", "Code", "Module", "Location", "Message", "Hint"]);
        let rows = vec![strings(&[
            "error",
            "D001",
            "account_financial_report",
            "addons/account_financial_report/__manifest__.py:3",
            "depends on `x`, which is on no addons path",
            "add the addon that provides `x` to the addons path",
        ])];
        let wide = lay_out(&header, &rows, 300);
        assert!(wide.left_out.is_empty());
        assert_eq!(wide.shown[2], (2, 24));
        assert_eq!(wide.shown[5], (5, 50));
        let at_120 = lay_out(&header, &rows, 120);
        assert_eq!(at_120.left_out, ["Hint"]);
        assert!(cost(&at_120) <= 120, "{at_120:?}");
        // The location whole, the message given the rest.
        assert_eq!(at_120.shown[3], (3, 49));
        assert_eq!(at_120.shown[4], (4, 19));
        let at_80 = lay_out(&header, &rows, 80);
        assert_eq!(at_80.left_out, ["Location", "Hint"]);
        assert!(cost(&at_80) <= 80, "{at_80:?}");
        assert_eq!(at_80.shown[2], (2, 24));
        assert_eq!(at_80.shown[3], (4, 31));
        // The message wraps at its words.
        let (_, w) = at_80.shown[3];
        assert!(w < rows[0][4].len());
        assert!(wrap::wrap(&rows[0][4], w)
            .iter()
            .all(|l| rows[0][4].contains(l.as_str())));
    }

    #[test]
    fn whole_columns_that_cannot_fit_stay_whole() {
        let header = strings(&["code", "name"]);
        let rows = vec![strings(&["D001", "a_module_name_longer_than_the_terminal"])];
        let laid = lay_out(&header, &rows, 20);
        assert!(laid.left_out.is_empty());
        assert_eq!(laid.shown, [(0, 4), (1, 38)]);
    }
}
