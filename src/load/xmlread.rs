//! The one XML reader: every XML document the tool parses goes through [`parse`], which refuses
//! what Odoo's own parser (lxml over libxml2, default options) refuses before it can cost a
//! stack overflow or minutes of entity expansion.
//!
//! - Nesting: more than [`MAX_DEPTH`] elements deep is refused, found by a linear pre-scan that
//!   needs no stack (libxml2 stops at the same depth: "Excessive depth in document: 256").
//! - Entities: the internal DTD subset is read; a document whose entity references would expand
//!   to more than [`MAX_ENTITY_EXPANSION`] bytes, or whose entities refer to themselves, is
//!   refused before parsing (libxml2 refuses such amplification too).
//! - Nodes: at most [`MAX_NODES`].
//!
//! The tree walks over the parsed document are the iterators of roxmltree (`descendants`,
//! `ancestors`, `children`): none of them recurses.

use std::collections::HashMap;
use std::fmt;

/// Deepest element nesting accepted (the root element is at depth 1).
pub const MAX_DEPTH: usize = 256;
/// Most bytes the entity references of a document may expand to, in all.
pub const MAX_ENTITY_EXPANSION: usize = 1 << 20;
/// Most nodes (elements, text, comments…) of a parsed document.
pub const MAX_NODES: u32 = 4_000_000;

/// Why a document was not parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum XmlError {
    /// Elements nested deeper than [`MAX_DEPTH`]; the line of the first element too deep.
    TooDeep { line: usize },
    /// Entity references that expand past [`MAX_ENTITY_EXPANSION`] bytes, or a cycle.
    Entities { reason: String },
    /// More than [`MAX_NODES`] nodes.
    TooManyNodes,
    /// Not well-formed (roxmltree's message, with its position).
    Malformed(String),
}

impl XmlError {
    /// True for the refusals of a limit (as opposed to a syntax error).
    pub fn is_limit(&self) -> bool {
        !matches!(self, XmlError::Malformed(_))
    }
}

impl fmt::Display for XmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            XmlError::TooDeep { line } => write!(
                f,
                "elements nested more than {MAX_DEPTH} deep (from line {line}); Odoo's XML parser (libxml2) refuses such a document too"
            ),
            XmlError::Entities { reason } => write!(f, "entity expansion refused: {reason}"),
            XmlError::TooManyNodes => write!(f, "more than {MAX_NODES} XML nodes"),
            XmlError::Malformed(m) => write!(f, "not well-formed XML: {m}"),
        }
    }
}

/// Parses a document within the limits above.
pub fn parse(text: &str) -> Result<roxmltree::Document<'_>, XmlError> {
    prescan(text)?;
    roxmltree::Document::parse_with_options(
        text,
        roxmltree::ParsingOptions {
            allow_dtd: true,
            nodes_limit: MAX_NODES,
        },
    )
    .map_err(|e| match e {
        roxmltree::Error::NodesLimitReached => XmlError::TooManyNodes,
        e => XmlError::Malformed(e.to_string()),
    })
}

/// Checks the limits above (depth, entities) without parsing: for documents another parser
/// (libxml2, in `load::views::xml2`) reads.
pub fn check_limits(text: &str) -> Result<(), XmlError> {
    prescan(text)
}

/// 1-based line of a byte offset.
fn line_at(b: &[u8], pos: usize) -> usize {
    memchr::memchr_iter(b'\n', &b[..pos.min(b.len())]).count() + 1
}

/// Position just after the first `end` at or after `from` (the end of the text if none).
fn after(b: &[u8], from: usize, end: &[u8]) -> usize {
    let from = from.min(b.len());
    memchr::memmem::find(&b[from..], end).map_or(b.len(), |k| from + k + end.len())
}

/// Position just after the `>` that closes a tag or declaration opened before `from`, skipping
/// quoted values (and, with `brackets`, a `[…]` internal subset); the end of the text if none.
fn tag_end(b: &[u8], mut i: usize, brackets: bool) -> usize {
    let mut depth = 0usize;
    while i < b.len() {
        match b[i] {
            q @ (b'"' | b'\'') => {
                i = memchr::memchr(q, &b[i + 1..]).map_or(b.len(), |k| i + 1 + k);
            }
            b'[' if brackets => depth += 1,
            b']' if brackets => depth = depth.saturating_sub(1),
            b'<' if brackets && depth > 0 => {
                // A declaration or comment inside the internal subset.
                i = if b[i..].starts_with(b"<!--") {
                    after(b, i + 4, b"-->") - 1
                } else {
                    tag_end(b, i + 1, false) - 1
                };
            }
            b'>' if depth == 0 => return i + 1,
            _ => {}
        }
        i += 1;
    }
    b.len()
}

/// The linear checks done before parsing: element depth and entity expansion.
fn prescan(text: &str) -> Result<(), XmlError> {
    let b = text.as_bytes();
    let mut depth = 0usize;
    let mut entities: HashMap<&str, (&str, bool)> = HashMap::new();
    let mut body_start = 0;
    let mut i = 0;
    while let Some(k) = memchr::memchr(b'<', &b[i..]) {
        let p = i + k;
        let rest = &b[p..];
        i = if rest.starts_with(b"<!--") {
            after(b, p + 4, b"-->")
        } else if rest.starts_with(b"<![CDATA[") {
            after(b, p + 9, b"]]>")
        } else if rest.starts_with(b"<?") {
            after(b, p + 2, b"?>")
        } else if rest.starts_with(b"<!") {
            let end = tag_end(b, p + 2, true);
            if rest.starts_with(b"<!DOCTYPE") {
                read_entities(&text[p..end], &mut entities);
                body_start = end;
            }
            end
        } else if rest.starts_with(b"</") {
            depth = depth.saturating_sub(1);
            tag_end(b, p + 2, false)
        } else {
            let end = tag_end(b, p + 1, false);
            let self_closing = end >= 2 && b[end - 1] == b'>' && b[end - 2] == b'/';
            if !self_closing {
                depth += 1;
                if depth > MAX_DEPTH {
                    return Err(XmlError::TooDeep {
                        line: line_at(b, p),
                    });
                }
            }
            end
        };
    }
    if !entities.is_empty() {
        check_expansion(&text[body_start..], &entities)?;
    }
    Ok(())
}

/// `<!ENTITY name "value">` declarations of an internal subset (general entities only; the
/// bool is true for external ones, which expand to nothing here).
fn read_entities<'t>(doctype: &'t str, out: &mut HashMap<&'t str, (&'t str, bool)>) {
    let mut rest = doctype;
    while let Some(k) = rest.find("<!ENTITY") {
        rest = &rest[k + 8..];
        let decl = rest.trim_start();
        if decl.starts_with('%') {
            continue;
        }
        let name_len = decl
            .find(|c: char| c.is_whitespace() || c == '"' || c == '\'')
            .unwrap_or(decl.len());
        let name = &decl[..name_len];
        let after_name = decl[name_len..].trim_start();
        match after_name.chars().next() {
            Some(q @ ('"' | '\'')) => {
                let value = &after_name[1..];
                let end = value.find(q).unwrap_or(value.len());
                out.entry(name).or_insert((&value[..end], false));
            }
            _ => {
                out.entry(name).or_insert(("", true));
            }
        }
    }
}

/// The names of the entity references `&name;` in a text (not character references).
fn references(text: &str) -> impl Iterator<Item = &str> {
    text.match_indices('&').filter_map(move |(k, _)| {
        let r = &text[k + 1..];
        let end = r.find(';')?;
        let name = &r[..end];
        (!name.is_empty() && !name.starts_with('#') && !name.contains(char::is_whitespace))
            .then_some(name)
    })
}

/// Fails when the references of `body` would expand past the limit.
fn check_expansion(body: &str, entities: &HashMap<&str, (&str, bool)>) -> Result<(), XmlError> {
    // The declared entities each value refers to, listed once.
    let refs: HashMap<&str, Vec<&str>> = entities
        .iter()
        .map(|(&n, &(v, _))| {
            (
                n,
                references(v).filter(|r| entities.contains_key(r)).collect(),
            )
        })
        .collect();
    // Expanded size of each entity, computed without recursion: an explicit stack of (entity,
    // how many of its references are summed so far, sum so far).
    let cap = MAX_ENTITY_EXPANSION + 1;
    let mut size: HashMap<&str, usize> = HashMap::new();
    let mut on_stack: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for &start in entities.keys() {
        if size.contains_key(start) {
            continue;
        }
        let mut stack: Vec<(&str, usize, usize)> = vec![(start, 0, entities[start].0.len())];
        on_stack.insert(start);
        while let Some(top) = stack.last_mut() {
            let (name, next, sum) = *top;
            match refs[name].get(next) {
                Some(&r) => {
                    top.1 += 1;
                    if let Some(&n) = size.get(r) {
                        top.2 = sum.saturating_add(n).min(cap);
                    } else if on_stack.contains(r) {
                        return Err(XmlError::Entities {
                            reason: format!("entity `{}` refers to itself", r.escape_debug()),
                        });
                    } else {
                        on_stack.insert(r);
                        stack.push((r, 0, entities[r].0.len()));
                    }
                }
                None => {
                    size.insert(name, sum.min(cap));
                    on_stack.remove(name);
                    stack.pop();
                    if let Some(parent) = stack.last_mut() {
                        parent.2 = parent.2.saturating_add(sum).min(cap);
                    }
                }
            }
        }
    }
    let mut total = 0usize;
    for r in references(body) {
        total = total.saturating_add(size.get(r).copied().unwrap_or(0));
        if total > MAX_ENTITY_EXPANSION {
            return Err(XmlError::Entities {
                reason: format!(
                    "the entity references expand to more than {} KiB",
                    MAX_ENTITY_EXPANSION >> 10
                ),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(levels: usize) -> String {
        format!("{}{}", "<a>".repeat(levels), "</a>".repeat(levels))
    }

    #[test]
    fn depth_limit_matches_libxml2() {
        // lxml 6.0 / libxml2 2.14 (default parser): 256 nested elements parse, 257 do not.
        assert!(parse(&nested(MAX_DEPTH)).is_ok());
        let deep = format!("<odoo>\n{}</odoo>", nested(3100));
        assert_eq!(parse(&deep).unwrap_err(), XmlError::TooDeep { line: 2 });
        // Self-closing elements, comments, CDATA, quoted `>` and `/>` do not nest.
        let flat = format!(
            "<?xml version=\"1.0\"?><r>{}<!-- <a> --><![CDATA[<a><a>]]><b x=\"/>\" y='>'/></r>",
            "<c/><d a=\"1\" />".repeat(10_000)
        );
        assert!(parse(&flat).is_ok());
    }

    #[test]
    fn entity_expansion_is_capped() {
        let mut dtd = String::from("<!DOCTYPE odoo [<!ENTITY a \"aaaaaaaaaa\">");
        let mut prev = 'a';
        for name in ['b', 'c', 'd', 'e', 'f', 'g', 'h'] {
            dtd.push_str(&format!(
                "<!ENTITY {name} \"{}\">",
                format!("&{prev};").repeat(10)
            ));
            prev = name;
        }
        dtd.push_str("]>");
        let laughs = format!("<?xml version=\"1.0\"?>{dtd}<odoo>&h;</odoo>");
        assert!(matches!(parse(&laughs), Err(XmlError::Entities { .. })));
        // A small internal entity is expanded as usual.
        let doc = format!("{dtd}<odoo>&c;</odoo>");
        let parsed = parse(&doc).unwrap();
        assert_eq!(parsed.root_element().text().map(str::len), Some(1000));
        let cycle = "<!DOCTYPE r [<!ENTITY x \"&y;\"><!ENTITY y \"&x;\">]><r>&x;</r>";
        assert!(matches!(parse(cycle), Err(XmlError::Entities { .. })));
    }

    #[test]
    fn malformed_documents_are_errors_not_panics() {
        for text in [
            "",
            "<",
            "<a",
            "<a></b>",
            "<!DOCTYPE [",
            "<a x='>",
            "</a></a>",
            "<!--",
        ] {
            assert!(
                matches!(parse(text), Err(XmlError::Malformed(_))),
                "{text:?}"
            );
        }
    }
}
