//! Finds the registrations into the web client's `actions`, `fields` and `views` registries in
//! JavaScript source, with their exact keys.
//!
//! A small tokenizer skips comments, strings, template literals and regular expression literals
//! (a `/` after an operand divides, elsewhere it starts a regex), so that text in comments or
//! strings never counts. Over the tokens it recognises:
//! - `….category("actions").add("tag", …)`, chained `.add(…).add(…)`, in any quoting and layout;
//! - aliases: `const r = registry.category("actions"); r.add(…)` (`let`/`var`/plain assignment,
//!   exported and imported under another name);
//! - the legacy API: `core.action_registry.add(…)`, `require("web.field_registry")`,
//!   `require("web.view_registry")`;
//! - helper functions whose body calls `….add(param, …)` on a registry with one of their
//!   parameters: each call of the helper with a literal at that position registers the literal;
//! - a registration whose key is computed is kept as dynamic (key `None`).
//!
//! Scanning a file gives a [`FileScan`]; [`resolve`] joins the scans of all files (imports of
//! exported aliases and helpers) into [`Registration`]s.

use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

/// The registries whose keys the web client looks up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Registry {
    Actions,
    Fields,
    Views,
}

impl Registry {
    pub fn from_category(name: &str) -> Option<Registry> {
        match name {
            "actions" => Some(Registry::Actions),
            "fields" => Some(Registry::Fields),
            "views" => Some(Registry::Views),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Registry::Actions => "actions",
            Registry::Fields => "fields",
            Registry::Views => "views",
        }
    }
}

/// One registration found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    pub registry: Registry,
    /// The key, or `None` when it is computed at run time.
    pub key: Option<String>,
    /// The source text of a computed key.
    pub expr: String,
    pub line: usize,
    /// How it was found: `category`, `alias`, `legacy`, `helper NAME`.
    pub via: String,
}

/// `name.add(arg…)` where `name` was imported: resolved against exported aliases.
#[derive(Debug, Clone)]
pub struct AliasCall {
    pub imported: String,
    pub key: Option<String>,
    pub expr: String,
    pub line: usize,
}

/// A function that registers one of its parameters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Helper {
    pub name: String,
    pub param: usize,
    pub registry: Registry,
}

/// A call `name(…)` with some literal string arguments (index → value).
#[derive(Debug, Clone)]
pub struct Call {
    /// The name the helper has where it is defined (the imported name when imported).
    pub callee: String,
    pub args: Vec<Option<String>>,
    pub line: usize,
}

/// What one file contributes.
#[derive(Debug, Clone, Default)]
pub struct FileScan {
    pub registrations: Vec<Registration>,
    pub alias_calls: Vec<AliasCall>,
    pub exported_aliases: Vec<(String, Registry)>,
    pub helpers: Vec<Helper>,
    pub calls: Vec<Call>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ident,
    /// A string literal (quotes or a template literal without substitutions), closed.
    Str,
    /// A string literal cut short by a line break or the end of the file.
    StrOpen,
    /// The head of a template literal with `${…}` substitutions.
    DynTemplate,
    /// The rest of a template literal after a substitution (no token of its own).
    TemplateRest,
    Num,
    Punct,
    Regex,
    Comment,
}

/// A token: its kind and byte range. For strings the range includes the quotes.
#[derive(Debug, Clone, Copy)]
struct Tok {
    start: u32,
    end: u32,
    kind: Kind,
}

impl Tok {
    fn new(kind: Kind, start: usize, end: usize) -> Tok {
        Tok {
            start: start as u32,
            end: end as u32,
            kind,
        }
    }
}

/// A stretch of the source that is not plain code: a string, a template part, a regular
/// expression literal or a comment. Everything between spans is code.
type Span = Tok;

const REGEX_AFTER_KEYWORDS: &[&[u8]] = &[
    b"return",
    b"typeof",
    b"case",
    b"do",
    b"else",
    b"in",
    b"instanceof",
    b"new",
    b"delete",
    b"void",
    b"throw",
    b"yield",
    b"await",
    b"of",
];

fn is_ident_byte(c: u8) -> bool {
    c == b'_' || c == b'$' || c.is_ascii_alphanumeric() || c >= 0x80
}

fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// What precedes a `/` in code, to tell a division from a regular expression literal.
#[derive(Clone, Copy)]
enum Prev {
    /// Start of the file, or just after a `${`.
    Nothing,
    /// A string, template or regular expression literal.
    Operand,
    /// The last non-blank code byte.
    Code(usize),
}

fn regex_allowed(b: &[u8], prev: Prev) -> bool {
    match prev {
        Prev::Nothing => true,
        Prev::Operand => false,
        Prev::Code(q) => {
            let c = b[q];
            if is_ident_byte(c) {
                let mut s = q;
                while s > 0 && is_ident_byte(b[s - 1]) {
                    s -= 1;
                }
                // A number (digit first) is an operand; so is any identifier but a keyword
                // that takes an expression.
                !b[s].is_ascii_digit() && REGEX_AFTER_KEYWORDS.contains(&&b[s..=q])
            } else {
                !matches!(c, b')' | b']' | b'}')
            }
        }
    }
}

/// Next position at or after `from` of a byte that can open a string, template, comment or
/// regular expression, found with vectorised searches whose results are kept between calls.
struct Specials<'b> {
    b: &'b [u8],
    quote: usize,
    slash: usize,
}

impl<'b> Specials<'b> {
    fn new(b: &'b [u8]) -> Self {
        let n = b.len();
        Specials {
            b,
            quote: memchr::memchr3(b'\'', b'"', b'`', b).unwrap_or(n),
            slash: memchr::memchr(b'/', b).unwrap_or(n),
        }
    }

    fn next(&mut self, from: usize) -> usize {
        let n = self.b.len();
        if self.quote < from {
            self.quote =
                memchr::memchr3(b'\'', b'"', b'`', &self.b[from..]).map_or(n, |k| from + k);
        }
        if self.slash < from {
            self.slash = memchr::memchr(b'/', &self.b[from..]).map_or(n, |k| from + k);
        }
        self.quote.min(self.slash)
    }
}

thread_local! {
    static WORK: Cell<u64> = const { Cell::new(0) };
}

/// Adds `n` to this thread's work counter (see [`work_units`]).
fn work(n: usize) {
    WORK.with(|w| w.set(w.get() + n as u64));
}

/// Work done by the scanners on this thread so far: bytes split into spans, bytes lexed into
/// tokens, bytes searched for alias uses and steps taken to find line numbers. Tests compare it
/// between inputs of different sizes to check that scanning stays linear.
pub fn work_units() -> u64 {
    WORK.with(Cell::get)
}

/// Splits a source into spans (strings, template parts, regular expressions, comments); the
/// gaps between them are code. Never fails: unterminated constructs end at the end of the text.
fn skeleton(src: &str, spans: &mut Vec<Span>) {
    let b = src.as_bytes();
    let n = b.len();
    spans.clear();
    work(n);
    let mut specials = Specials::new(b);
    let mut prev = Prev::Nothing;
    // One entry per open `${…}` substitution: the depth of plain braces inside it.
    let mut substitutions: Vec<usize> = Vec::new();
    let mut i = 0;
    let push = |spans: &mut Vec<Tok>, kind, start: usize, end: usize| {
        spans.push(Tok::new(kind, start, end))
    };
    while i < n {
        let p = if substitutions.is_empty() {
            specials.next(i)
        } else {
            (i..n)
                .find(|&k| matches!(b[k], b'\'' | b'"' | b'`' | b'/' | b'{' | b'}'))
                .unwrap_or(n)
        };
        if let Some(q) = (i..p).rev().find(|&k| !is_space(b[k])) {
            prev = Prev::Code(q);
        }
        if p >= n {
            break;
        }
        let c = b[p];
        match c {
            b'/' if b.get(p + 1) == Some(&b'/') => {
                let end = memchr::memchr(b'\n', &b[p..]).map_or(n, |k| p + k);
                push(spans, Kind::Comment, p, end);
                i = end;
            }
            b'/' if b.get(p + 1) == Some(&b'*') => {
                let end = memchr::memmem::find(&b[p + 2..], b"*/").map_or(n, |k| p + 2 + k + 2);
                push(spans, Kind::Comment, p, end);
                i = end;
            }
            b'/' if regex_allowed(b, prev) => {
                let mut k = p + 1;
                let mut in_class = false;
                while k < n {
                    match b[k] {
                        b'\\' => k += 1,
                        b'[' => in_class = true,
                        b']' => in_class = false,
                        b'/' if !in_class => break,
                        b'\n' => break,
                        _ => {}
                    }
                    k += 1;
                }
                k = (k + 1).min(n);
                while k < n && b[k].is_ascii_alphanumeric() {
                    k += 1;
                }
                push(spans, Kind::Regex, p, k);
                prev = Prev::Operand;
                i = k;
            }
            b'\'' | b'"' => {
                let mut k = p + 1;
                let closed = loop {
                    match memchr::memchr3(c, b'\\', b'\n', &b[k.min(n)..]) {
                        None => {
                            k = n;
                            break false;
                        }
                        Some(d) => {
                            k += d;
                            match b[k] {
                                b'\\' => k += 2,
                                b'\n' => break false,
                                _ => {
                                    k += 1;
                                    break true;
                                }
                            }
                        }
                    }
                };
                let k = k.min(n);
                push(spans, if closed { Kind::Str } else { Kind::StrOpen }, p, k);
                prev = Prev::Operand;
                i = k;
            }
            b'`' | b'}' if c == b'`' || substitutions.last() == Some(&0) => {
                if c == b'}' {
                    substitutions.pop();
                }
                // Up to the closing backquote or the next `${`.
                let mut k = p + 1;
                let opened = loop {
                    match memchr::memchr3(b'`', b'\\', b'$', &b[k.min(n)..]) {
                        None => {
                            k = n;
                            break None;
                        }
                        Some(d) => {
                            k += d;
                            match b[k] {
                                b'\\' => k += 2,
                                b'`' => {
                                    k += 1;
                                    break Some(false);
                                }
                                _ if b.get(k + 1) == Some(&b'{') => {
                                    k += 2;
                                    break Some(true);
                                }
                                _ => k += 1,
                            }
                        }
                    }
                };
                let k = k.min(n);
                let kind = match (c, opened) {
                    (b'`', Some(false)) => Kind::Str,
                    (b'`', None) => Kind::StrOpen,
                    (b'`', Some(true)) => Kind::DynTemplate,
                    _ => Kind::TemplateRest,
                };
                push(spans, kind, p, k);
                if opened == Some(true) {
                    substitutions.push(0);
                    prev = Prev::Nothing;
                } else {
                    prev = Prev::Operand;
                }
                i = k;
            }
            b'{' => {
                if let Some(d) = substitutions.last_mut() {
                    *d += 1;
                }
                prev = Prev::Code(p);
                i = p + 1;
            }
            b'}' => {
                if let Some(d) = substitutions.last_mut() {
                    *d -= 1;
                }
                prev = Prev::Code(p);
                i = p + 1;
            }
            _ => {
                // A division sign.
                prev = Prev::Code(p);
                i = p + 1;
            }
        }
    }
}

/// The index of the first span that ends after `pos`.
fn span_after(spans: &[Span], pos: usize) -> usize {
    spans.partition_point(|s| (s.end as usize) <= pos)
}

/// True when `pos` lies inside a span (not in code).
fn in_span(spans: &[Span], pos: usize) -> bool {
    spans
        .get(span_after(spans, pos))
        .is_some_and(|s| (s.start as usize) <= pos)
}

/// Appends the tokens that start in `from..to` (`from` at a token boundary) to `out`: code
/// is cut into identifiers, numbers and punctuation, spans become one token each (comments
/// and template rests none).
fn lex_range(src: &str, spans: &[Span], from: usize, to: usize, out: &mut Vec<Tok>) {
    let b = src.as_bytes();
    work(to.saturating_sub(from));
    let mut si = span_after(spans, from);
    let mut i = from;
    let push =
        |out: &mut Vec<Tok>, kind, start: usize, end: usize| out.push(Tok::new(kind, start, end));
    while i < to {
        let next_span = spans.get(si).map_or(b.len(), |s| s.start as usize);
        if i >= next_span {
            let s = spans[si];
            if !matches!(s.kind, Kind::Comment | Kind::TemplateRest) {
                out.push(s);
            }
            i = s.end as usize;
            si += 1;
            continue;
        }
        let c = b[i];
        if is_space(c) {
            i += 1;
            continue;
        }
        let start = i;
        if is_ident_byte(c) && !c.is_ascii_digit() {
            while i < next_span && is_ident_byte(b[i]) {
                i += 1;
            }
            push(out, Kind::Ident, start, i);
        } else if c.is_ascii_digit() {
            while i < next_span && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_') {
                i += 1;
            }
            push(out, Kind::Num, start, i);
        } else {
            // `=>` and `...` matter to the pattern matcher; other operators are single bytes.
            let rest = &b[i..next_span];
            i += if rest.starts_with(b"=>") {
                2
            } else if rest.starts_with(b"...") {
                3
            } else {
                1
            };
            push(out, Kind::Punct, start, i);
        }
    }
}

/// Tokenizes a whole source.
fn tokenize(src: &str) -> Vec<Tok> {
    let mut spans = Vec::new();
    skeleton(src, &mut spans);
    let mut toks = Vec::with_capacity(src.len() / 6);
    lex_range(src, &spans, 0, src.len(), &mut toks);
    toks
}

/// The value of a string token's raw content (simple escapes decoded).
fn unescape(raw: &str) -> String {
    if !raw.contains('\\') {
        return raw.to_string();
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('\n') | None => {}
            Some(other) => out.push(other),
        }
    }
    out
}

/// A function scope being read: its name and parameters, and the brace depth of its body.
struct Scope {
    name: Option<String>,
    params: Vec<String>,
    depth: usize,
}

struct Scanner<'a> {
    src: &'a str,
    toks: Vec<Tok>,
    /// Per token, the closing bracket of an opening one ([`closers`]).
    close: Vec<u32>,
    out: FileScan,
    aliases: HashMap<&'a str, Registry>,
    imports: HashMap<&'a str, &'a str>,
    local_functions: HashSet<&'a str>,
    scopes: Vec<Scope>,
    candidate_calls: Vec<usize>,
    /// Byte offsets of the file's line breaks.
    lines: &'a [u32],
    /// Lowest and highest token index looked at (a window must be widened when they touch
    /// its edges).
    lo: Cell<usize>,
    hi: Cell<usize>,
    /// Reading a window of the file: function scopes are unknown there, so a registration whose
    /// key is a bare identifier (maybe a helper's parameter) needs the whole file.
    window: bool,
    needs_whole_file: bool,
}

/// True when a file can register a key, define a registry alias or a helper: it names a
/// registry category or a legacy registry. Files that do not may still use an imported alias or
/// helper; callers scan those when they mention one.
pub fn may_register(src: &str) -> bool {
    CATEGORY.find(src.as_bytes()).is_some() || REGISTRY.find(src.as_bytes()).is_some()
}

/// Searchers for `category` and `_registry` (in `action_registry`, `web.field_registry`,
/// `web.view_registry`), built once.
static CATEGORY: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("category"));
static REGISTRY: LazyLock<memchr::memmem::Finder<'static>> =
    LazyLock::new(|| memchr::memmem::Finder::new("_registry"));

/// No closing bracket, in [`Scanner::close`].
const NO_CLOSE: u32 = u32::MAX;

/// For each opening bracket token, the index of the closing bracket that closes it (any of
/// `)`, `]`, `}` closes the innermost open bracket; a closer with none open is ignored).
fn closers(src: &str, toks: &[Tok]) -> Vec<u32> {
    let mut close = vec![NO_CLOSE; toks.len()];
    let mut open: Vec<usize> = Vec::new();
    for (k, t) in toks.iter().enumerate() {
        if t.kind != Kind::Punct {
            continue;
        }
        match &src.as_bytes()[t.start as usize..t.end as usize] {
            b"(" | b"[" | b"{" => open.push(k),
            b")" | b"]" | b"}" => {
                if let Some(o) = open.pop() {
                    close[o] = k as u32;
                }
            }
            _ => {}
        }
    }
    close
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str, lines: &'a [u32], toks: Vec<Tok>, window: bool) -> Self {
        Scanner {
            src,
            close: closers(src, &toks),
            toks,
            out: FileScan::default(),
            aliases: HashMap::new(),
            imports: HashMap::new(),
            local_functions: HashSet::new(),
            scopes: Vec::new(),
            candidate_calls: Vec::new(),
            lines,
            lo: Cell::new(usize::MAX),
            hi: Cell::new(0),
            window,
            needs_whole_file: false,
        }
    }
}

/// Scans one file's text, token by token.
pub fn scan(src: &str) -> FileScan {
    // Token offsets are 32-bit; no JavaScript source is anywhere near 4 GiB.
    if src.len() > u32::MAX as usize {
        return FileScan::default();
    }
    let lines = line_breaks(src);
    let mut s = Scanner::new(src, &lines, tokenize(src), false);
    s.run();
    // Helper calls are only kept for names this file imports or defines.
    let keep: Vec<Call> = std::mem::take(&mut s.candidate_calls)
        .into_iter()
        .filter(|&i| {
            let name = s.text_at(i);
            s.imports.contains_key(name) || s.local_functions.contains(name)
        })
        .filter_map(|i| s.call_at(i))
        .collect();
    s.out.calls = keep;
    s.out
}

/// The byte offsets of the line breaks of a source (at most 4 GiB long).
fn line_breaks(src: &str) -> Vec<u32> {
    memchr::memchr_iter(b'\n', src.as_bytes())
        .map(|p| p as u32)
        .collect()
}

/// True when `word` at `pos` is a whole identifier (no identifier byte on either side).
fn word_at(b: &[u8], pos: usize, len: usize) -> bool {
    (pos == 0 || !is_ident_byte(b[pos - 1])) && b.get(pos + len).is_none_or(|&c| !is_ident_byte(c))
}

/// The nearest token boundary at or before `pos`: the start of the span `pos` is in, or a code
/// position after a blank, after a span, or at the start of the file.
fn boundary_before(b: &[u8], spans: &[Span], mut pos: usize) -> usize {
    loop {
        if pos == 0 {
            return 0;
        }
        let si = span_after(spans, pos);
        if let Some(sp) = spans.get(si) {
            if (sp.start as usize) <= pos {
                return sp.start as usize;
            }
        }
        if is_space(b[pos - 1]) || (si > 0 && spans[si - 1].end as usize == pos) {
            return pos;
        }
        pos -= 1;
    }
}

/// A file being read window by window, with what the windows may still lex in all.
struct Windows<'a> {
    src: &'a str,
    spans: Vec<Span>,
    lines: Vec<u32>,
    /// Bytes the windows may still lex before the whole scan is cheaper.
    budget: Cell<usize>,
}

/// Runs `f` on a scanner over a window of tokens around the token that starts at `pos`,
/// widening the window until `f` did not look at its edges. `None` when `f` needs the whole
/// file (function scopes) or when the windows have lexed several times the file (constructs
/// left open to the end of the file), `Some(None)` when no token starts at `pos`.
fn in_window<'a>(
    w: &'a Windows<'a>,
    pos: usize,
    f: impl Fn(&mut Scanner<'a>, usize),
) -> Option<Option<Scanner<'a>>> {
    let (src, spans) = (w.src, &w.spans[..]);
    let b = src.as_bytes();
    let (mut back, mut ahead) = (64usize, 256usize);
    loop {
        let from = boundary_before(b, spans, pos.saturating_sub(back));
        let to = (pos + ahead).min(b.len());
        w.budget.set(w.budget.get().checked_sub(to - from)?);
        let mut toks = Vec::with_capacity((to - from) / 4);
        lex_range(src, spans, from, to, &mut toks);
        let k = toks.partition_point(|t| (t.start as usize) < pos);
        if toks.get(k).is_none_or(|t| t.start as usize != pos) {
            return Some(None);
        }
        let mut sc = Scanner::new(src, &w.lines, toks, true);
        f(&mut sc, k);
        if sc.needs_whole_file {
            return None;
        }
        let low = from > 0 && sc.lo.get().min(k) <= 4;
        let high = to < b.len() && sc.hi.get() + 1 >= sc.toks.len();
        if !low && !high {
            return Some(Some(sc));
        }
        if low {
            back *= 4;
        }
        if high {
            ahead *= 4;
        }
    }
}

/// Scans one file by looking only around the words that can register a key (`category`, the
/// legacy `action_registry`, `require("web.…_registry")`) and around the uses of the aliases
/// they define. Gives the same registrations and exported aliases as [`scan`], much faster on
/// large files, but no helper calls or imported-alias calls: callers run [`scan`] on files that
/// mention an exported alias or a helper. `None` when the file needs [`scan`] (a registration
/// whose key is a bare name may be a helper's parameter).
pub fn scan_sparse(src: &str) -> Option<FileScan> {
    if src.len() > u32::MAX as usize {
        return Some(FileScan::default());
    }
    let b = src.as_bytes();
    // (position, length) of the words `category` and `action_registry` (and `require` when
    // the file names a legacy registry module).
    let mut hits: Vec<(usize, usize)> = CATEGORY.find_iter(b).map(|h| (h, 8)).collect();
    let mut legacy_modules = false;
    let mut any_registry = false;
    for h in REGISTRY.find_iter(b) {
        any_registry = true;
        let before = &b[..h];
        if before.ends_with(b"action") {
            hits.push((h - 6, 15));
        } else if before.ends_with(b"web.field") || before.ends_with(b"web.view") {
            legacy_modules = true;
        }
    }
    if hits.is_empty() && !any_registry {
        return Some(FileScan::default());
    }
    if legacy_modules {
        hits.extend(memchr::memmem::find_iter(b, b"require").map(|h| (h, 7)));
    }
    hits.sort_unstable();
    let mut spans = Vec::new();
    skeleton(src, &mut spans);
    let w = Windows {
        src,
        spans,
        lines: line_breaks(src),
        // Windows overlap where hits are dense; past a few times the file, the whole scan
        // (linear) is the cheaper one.
        budget: Cell::new(4 * src.len() + (64 << 10)),
    };
    let hits = hits
        .into_iter()
        .filter(|&(h, len)| word_at(b, h, len) && !in_span(&w.spans, h))
        .map(|(h, _)| h);
    // (position of the token that found it, registration), in the order `scan` finds them.
    let mut found: Vec<(usize, Registration)> = Vec::new();
    let mut exported: Vec<(usize, (String, Registry))> = Vec::new();
    // Per alias, (position of the defining `category` token, registry), in file order.
    let mut aliases: HashMap<&str, Vec<(usize, Registry)>> = HashMap::new();
    for h in hits {
        let Some(sc) = in_window(&w, h, |sc, k| {
            sc.category_hit(k);
        })?
        else {
            continue;
        };
        found.extend(sc.out.registrations.into_iter().map(|r| (h, r)));
        exported.extend(sc.out.exported_aliases.into_iter().map(|e| (h, e)));
        for (n, r) in sc.aliases {
            aliases.entry(n).or_default().push((h, r));
        }
    }
    if !aliases.is_empty() {
        // Every use of every alias, in one pass over the file. Aliases are identifiers, so a
        // whole-word use is never hidden inside another, longer match.
        let names: Vec<&str> = aliases.keys().copied().collect();
        let finder = aho_corasick::AhoCorasick::builder()
            .match_kind(aho_corasick::MatchKind::LeftmostLongest)
            .build(&names)
            .ok()?;
        work(b.len());
        for m in finder.find_iter(b) {
            let (u, name) = (m.start(), names[m.pattern().as_usize()]);
            if !word_at(b, u, name.len()) || in_span(&w.spans, u) {
                continue;
            }
            // The alias as defined last before this use.
            let defs = &aliases[name];
            let Some(&(_, registry)) = defs[..defs.partition_point(|d| d.0 < u)].last() else {
                continue;
            };
            let Some(sc) = in_window(&w, u, |sc, k| sc.alias_add(k, registry))? else {
                continue;
            };
            found.extend(sc.out.registrations.into_iter().map(|r| (u, r)));
        }
    }
    found.sort_by_key(|f| f.0);
    exported.sort_by_key(|e| e.0);
    Some(FileScan {
        registrations: found.into_iter().map(|f| f.1).collect(),
        exported_aliases: exported.into_iter().map(|e| e.1).collect(),
        ..FileScan::default()
    })
}

impl<'a> Scanner<'a> {
    fn tok(&self, i: usize) -> Option<Tok> {
        if i < self.lo.get() {
            self.lo.set(i);
        }
        if i > self.hi.get() {
            self.hi.set(i);
        }
        self.toks.get(i).copied()
    }

    /// The text of a token; for strings, the raw content between the quotes.
    fn text_of(&self, t: Tok) -> &'a str {
        let (s, e) = (t.start as usize, t.end as usize);
        match t.kind {
            Kind::Ident | Kind::Punct | Kind::Num => &self.src[s..e],
            Kind::Str => &self.src[s + 1..e.saturating_sub(1).max(s + 1)],
            Kind::StrOpen => &self.src[(s + 1).min(e)..e],
            _ => "",
        }
    }

    fn text_at(&self, i: usize) -> &'a str {
        self.tok(i).map_or("", |t| self.text_of(t))
    }

    /// 1-based line of a token.
    fn line(&self, t: Tok) -> usize {
        work(self.lines.len().max(1).ilog2() as usize + 1);
        self.lines.partition_point(|&nl| nl < t.start) + 1
    }

    fn is(&self, i: usize, p: &str) -> bool {
        self.tok(i)
            .is_some_and(|t| matches!(t.kind, Kind::Punct | Kind::Ident) && self.text_of(t) == p)
    }

    fn ident(&self, i: usize) -> Option<&'a str> {
        self.tok(i)
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| self.text_of(t))
    }

    fn literal(&self, i: usize) -> Option<String> {
        self.tok(i)
            .filter(|t| t.kind == Kind::Str)
            .map(|t| unescape(self.text_of(t)))
    }

    /// The arguments of a call whose `(` is at `open`: per argument, its token range.
    /// Nested brackets are skipped to their closer (any closing bracket closes the innermost
    /// open one), so that nested calls cost their own arguments only; a `]` or `}` of the
    /// argument list itself is ignored.
    fn args(&self, open: usize) -> (Vec<(usize, usize)>, usize) {
        let mut args = Vec::new();
        let mut i = open + 1;
        let mut start = i;
        while let Some(t) = self.tok(i) {
            work(1);
            if t.kind == Kind::Punct {
                match self.text_of(t) {
                    "(" | "[" | "{" => match self.close[i] {
                        NO_CLOSE => {
                            // Open to the end of the tokens.
                            let end = self.toks.len();
                            self.tok(end - 1);
                            return (args, end);
                        }
                        c => {
                            self.tok(c as usize);
                            i = c as usize + 1;
                            continue;
                        }
                    },
                    ")" => {
                        if i > start {
                            args.push((start, i));
                        }
                        return (args, i + 1);
                    }
                    "," => {
                        args.push((start, i));
                        start = i + 1;
                    }
                    _ => {}
                }
            }
            i += 1;
        }
        (args, i)
    }

    fn text(&self, from: usize, to: usize) -> String {
        match (self.tok(from), to.checked_sub(1).and_then(|j| self.tok(j))) {
            (Some(a), Some(b)) if b.end >= a.start => self.src[a.start as usize..b.end as usize]
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            _ => String::new(),
        }
    }

    /// The category expression starting at `i`: `category ( "x" )` → (registry, next index);
    /// legacy `action_registry` (after a `.`) and `require("web.field_registry")`.
    fn category_at(&self, i: usize) -> Option<(Registry, usize)> {
        let t = self.tok(i)?;
        if t.kind != Kind::Ident {
            return None;
        }
        match self.text_of(t) {
            "category" if self.is(i + 1, "(") && self.is(i + 3, ")") => {
                let name = self.literal(i + 2)?;
                Registry::from_category(&name).map(|r| (r, i + 4))
            }
            "action_registry" if i > 0 && self.is(i - 1, ".") => Some((Registry::Actions, i + 1)),
            "require" if self.is(i + 1, "(") && self.is(i + 3, ")") => {
                let name = self.literal(i + 2)?;
                match name.as_str() {
                    "web.field_registry" => Some((Registry::Fields, i + 4)),
                    "web.view_registry" => Some((Registry::Views, i + 4)),
                    _ => None,
                }
            }
            _ => None,
        }
    }

    /// Registers the `.add(` calls chained from index `j` (just after a registry expression).
    fn adds_from(&mut self, mut j: usize, registry: Registry, via: &str) {
        while self.is(j, ".") && self.ident(j + 1) == Some("add") && self.is(j + 2, "(") {
            let (args, next) = self.args(j + 2);
            let line = self.tok(j + 1).map(|t| self.line(t)).unwrap_or(0);
            if let Some(&(a, b)) = args.first() {
                self.register(registry, a, b, line, via);
            }
            j = next;
        }
    }

    fn register(&mut self, registry: Registry, a: usize, b: usize, line: usize, via: &str) {
        let key = if b == a + 1 { self.literal(a) } else { None };
        let expr = if key.is_some() {
            String::new()
        } else {
            self.text(a, b)
        };
        if key.is_none() && b == a + 1 {
            // A parameter of an enclosing named function: that function is a helper.
            if let Some(name) = self.ident(a) {
                if self.window {
                    self.needs_whole_file = true;
                    return;
                }
                for sc in self.scopes.iter().rev() {
                    if let Some(p) = sc.params.iter().position(|p| p == name) {
                        if let Some(fname) = &sc.name {
                            self.out.helpers.push(Helper {
                                name: fname.clone(),
                                param: p,
                                registry,
                            });
                            return;
                        }
                        break;
                    }
                }
            }
        }
        self.out.registrations.push(Registration {
            registry,
            key,
            expr,
            line,
            via: via.to_string(),
        });
    }

    /// Parameter names of a parameter list whose `(` is at `open` (simple identifiers, with
    /// defaults; destructured parameters count as one unnamed slot).
    fn params(&self, open: usize) -> (Vec<String>, usize) {
        let (args, next) = self.args(open);
        let names = args
            .iter()
            .map(|&(a, _)| self.ident(a).unwrap_or("").to_string())
            .collect();
        (names, next)
    }

    /// A function starting at `i`, if any: (name, params, index of its body's `{`).
    fn function_at(&self, i: usize) -> Option<(Option<String>, Vec<String>, usize)> {
        let t = self.tok(i)?;
        if t.kind == Kind::Ident && self.text_of(t) == "function" {
            let mut j = i + 1;
            if self.is(j, "*") {
                j += 1;
            }
            let mut name = self.ident(j).map(str::to_string);
            if name.is_some() {
                j += 1;
            } else if i >= 2 && self.is(i - 1, "=") {
                name = self.ident(i - 2).map(str::to_string);
            }
            if !self.is(j, "(") {
                return None;
            }
            let (params, next) = self.params(j);
            return self.is(next, "{").then_some((name, params, next));
        }
        // `name = (a, b) => {`, `name = async (a) => {`, `name = a => {`
        if t.kind == Kind::Ident && self.is(i + 1, "=") {
            let mut j = i + 2;
            if self.ident(j) == Some("async") {
                j += 1;
            }
            let (params, next) = if self.is(j, "(") {
                self.params(j)
            } else if let Some(p) = self.ident(j) {
                (vec![p.to_string()], j + 1)
            } else {
                return None;
            };
            if self.is(next, "=>") && self.is(next + 1, "{") {
                return Some((Some(self.text_of(t).to_string()), params, next + 1));
            }
        }
        None
    }

    fn run(&mut self) {
        let mut depth = 0usize;
        let mut pending: Option<(Option<String>, Vec<String>, usize)> = None;
        let mut i = 0;
        while i < self.toks.len() {
            let t = self.toks[i];
            if pending.is_none() {
                if let Some(f) = self.function_at(i) {
                    if let Some(n) = &f.0 {
                        self.local_functions.insert(
                            self.toks[i..f.2]
                                .iter()
                                .find(|t| t.kind == Kind::Ident && self.text_of(**t) == n)
                                .map(|t| self.text_of(*t))
                                .unwrap_or(""),
                        );
                    }
                    pending = Some(f);
                }
            }
            match t.kind {
                Kind::Punct if self.text_of(t) == "{" => {
                    depth += 1;
                    if let Some((name, params, at)) = pending.take() {
                        if at == i {
                            self.scopes.push(Scope {
                                name,
                                params,
                                depth,
                            });
                        } else {
                            pending = Some((name, params, at));
                        }
                    }
                }
                Kind::Punct if self.text_of(t) == "}" => {
                    if self.scopes.last().is_some_and(|s| s.depth == depth) {
                        self.scopes.pop();
                    }
                    depth = depth.saturating_sub(1);
                }
                Kind::Ident => self.ident_token(i),
                _ => {}
            }
            i += 1;
        }
    }

    /// At a `category` (or legacy registry) token: the registration chain it starts, and the
    /// alias it defines. False when the token does not name a registry.
    fn category_hit(&mut self, i: usize) -> bool {
        if let Some((registry, next)) = self.category_at(i) {
            let t = self.toks[i];
            let via = if self.text_of(t) == "category" {
                "category"
            } else {
                "legacy"
            };
            // `X = <registry>`: an alias.
            let mut start = i;
            // Walk back over `registry.` / `core.` receivers.
            while start >= 2 && self.is(start - 1, ".") && self.ident(start - 2).is_some() {
                start -= 2;
            }
            if start >= 2 && self.is(start - 1, "=") && !self.is(next, ".") {
                if let Some(name) = self.ident(start - 2) {
                    self.aliases.insert(name, registry);
                    let exported = (start >= 3 && self.ident(start - 3) == Some("export"))
                        || (start >= 4
                            && matches!(self.ident(start - 3), Some("const" | "let" | "var"))
                            && self.ident(start - 4) == Some("export"));
                    if exported {
                        self.out.exported_aliases.push((name.to_string(), registry));
                    }
                }
            }
            self.adds_from(next, registry, via);
            return true;
        }
        false
    }

    /// At an alias token known to stand for `registry`: `alias.add(…)` chains.
    fn alias_add(&mut self, i: usize, registry: Registry) {
        if self.is(i + 1, ".")
            && self.ident(i + 2) == Some("add")
            && self.is(i + 3, "(")
            && !(i > 0 && self.is(i - 1, "."))
        {
            self.adds_from(i + 1, registry, "alias");
        }
    }

    fn ident_token(&mut self, i: usize) {
        let t = self.toks[i];
        if self.text_of(t) == "import" {
            self.import_at(i);
            return;
        }
        if self.category_hit(i) {
            return;
        }
        // `alias.add(`
        if self.is(i + 1, ".")
            && self.ident(i + 2) == Some("add")
            && self.is(i + 3, "(")
            && !(i > 0 && self.is(i - 1, "."))
        {
            if let Some(&registry) = self.aliases.get(self.text_of(t)) {
                self.adds_from(i + 1, registry, "alias");
                return;
            }
            if let Some(&imported) = self.imports.get(self.text_of(t)) {
                let (args, _) = self.args(i + 3);
                if let Some(&(a, b)) = args.first() {
                    let key = if b == a + 1 { self.literal(a) } else { None };
                    let expr = if key.is_some() {
                        String::new()
                    } else {
                        self.text(a, b)
                    };
                    self.out.alias_calls.push(AliasCall {
                        imported: imported.to_string(),
                        key,
                        expr,
                        line: self.line(t),
                    });
                }
                return;
            }
        }
        // A call: a candidate helper call, materialised after the pass for the names this
        // file imports or defines.
        if self.is(i + 1, "(")
            && !(i > 0 && (self.is(i - 1, ".") || self.ident(i - 1) == Some("function")))
        {
            self.candidate_calls.push(i);
        }
    }

    /// The call at `i` (`name (`), if it has literal string arguments.
    fn call_at(&self, i: usize) -> Option<Call> {
        let t = self.toks[i];
        let (args, _) = self.args(i + 1);
        if args.is_empty() || args.len() > 8 {
            return None;
        }
        let lits: Vec<Option<String>> = args
            .iter()
            .map(|&(a, b)| if b == a + 1 { self.literal(a) } else { None })
            .collect();
        if !lits.iter().any(Option::is_some) {
            return None;
        }
        let callee = self
            .imports
            .get(self.text_of(t))
            .copied()
            .unwrap_or(self.text_of(t));
        Some(Call {
            callee: callee.to_string(),
            args: lits,
            line: self.line(t),
        })
    }

    /// `import { a, b as c } from "…"` and `import d from "…"`.
    fn import_at(&mut self, i: usize) {
        let mut j = i + 1;
        if let Some(name) = self.ident(j) {
            if name != "from" {
                self.imports.insert(name, name);
                j += 1;
                if self.is(j, ",") {
                    j += 1;
                }
            }
        }
        if !self.is(j, "{") {
            return;
        }
        j += 1;
        // The specifiers: names, `as`, string names and commas, up to the `}` (or any other
        // punctuation, when the list is left open).
        while let Some(t) = self.tok(j) {
            work(1);
            if t.kind == Kind::Punct && self.text_of(t) != "," {
                break;
            }
            if let Some(name) = self.ident(j) {
                if self.ident(j + 1) == Some("as") {
                    if let Some(local) = self.ident(j + 2) {
                        self.imports.insert(local, name);
                        j += 3;
                        continue;
                    }
                }
                self.imports.insert(name, name);
            }
            j += 1;
        }
    }
}

/// Where a file's resolved registration came from, for [`resolve`].
#[derive(Debug, Clone)]
pub struct Resolved {
    pub file: usize,
    pub registration: Registration,
}

/// Joins the scans of many files: imported aliases and helper calls become registrations.
/// Returns (file index, registration) pairs, in file order.
pub fn resolve(scans: &[FileScan]) -> Vec<Resolved> {
    let mut exported: HashMap<&str, Registry> = HashMap::new();
    let mut helpers: HashMap<&str, Vec<&Helper>> = HashMap::new();
    for s in scans {
        for (name, r) in &s.exported_aliases {
            exported.insert(name, *r);
        }
        for h in &s.helpers {
            helpers.entry(h.name.as_str()).or_default().push(h);
        }
    }
    let mut out = Vec::new();
    for (fi, s) in scans.iter().enumerate() {
        for r in &s.registrations {
            out.push(Resolved {
                file: fi,
                registration: r.clone(),
            });
        }
        for c in &s.alias_calls {
            if let Some(&registry) = exported.get(c.imported.as_str()) {
                out.push(Resolved {
                    file: fi,
                    registration: Registration {
                        registry,
                        key: c.key.clone(),
                        expr: c.expr.clone(),
                        line: c.line,
                        via: "alias".into(),
                    },
                });
            }
        }
        for c in &s.calls {
            if let Some(hs) = helpers.get(c.callee.as_str()) {
                for h in hs {
                    let key = c.args.get(h.param).cloned().flatten();
                    out.push(Resolved {
                        file: fi,
                        registration: Registration {
                            registry: h.registry,
                            expr: if key.is_some() {
                                String::new()
                            } else {
                                format!("{}(…)", h.name)
                            },
                            key,
                            line: c.line,
                            via: format!("helper {}", h.name),
                        },
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `scan_sparse` agrees with `scan` on registrations and exported aliases (or defers to it).
    fn check_sparse(src: &str) -> FileScan {
        let whole = scan(src);
        if let Some(sparse) = scan_sparse(src) {
            assert_eq!(sparse.registrations, whole.registrations, "{src}");
            assert_eq!(sparse.exported_aliases, whole.exported_aliases, "{src}");
            assert!(whole.helpers.is_empty(), "{src}");
        }
        whole
    }

    /// Work done by `f` on this thread, in [`work_units`].
    fn work_of(f: impl FnOnce()) -> u64 {
        let before = work_units();
        f();
        work_units() - before
    }

    #[test]
    fn scanning_work_grows_linearly_with_the_number_of_registrations() {
        // Each shape repeated n and 4n times: linear work grows 4 times, quadratic 16 times.
        type Shape = fn(usize) -> String;
        let shapes: [(&str, Shape); 6] = [
            ("registrations", |i| {
                format!("registry.category(\"actions\").add(\"tag_{i}\", X);\n")
            }),
            ("aliases", |i| {
                format!("const r{i} = registry.category(\"fields\");\nr{i}.add(\"w_{i}\", W);\n")
            }),
            ("helpers", |i| {
                format!("function h{i}(t) {{ registry.category(\"actions\").add(t, X); }}\nh{i}(\"t{i}\");\n")
            }),
            ("nested helper calls", |i| {
                let head = if i == 0 {
                    "function h(t, x) { registry.category(\"actions\").add(t, X); }\n"
                } else {
                    ""
                };
                format!("{head}h(\"n{i}\", ")
            }),
            ("unclosed imports", |i| {
                format!("import {{ a{i}, b{i}\nregistry.category(\"actions\").add(\"i{i}\", X);\n")
            }),
            ("unclosed calls", |i| {
                format!("registry.category(\"actions\").add(\"u{i}\", (\n")
            }),
        ];
        for (name, shape) in shapes {
            let build = |n: usize| (0..n).map(shape).collect::<String>();
            let (small, large) = (build(2_000), build(8_000));
            let mut found = (0, 0);
            let w_small = work_of(|| found.0 = registrations_of(&small));
            let w_large = work_of(|| found.1 = registrations_of(&large));
            assert!(found.1 >= 8_000, "{name}: {found:?}");
            assert!(
                w_large <= 5 * w_small,
                "{name}: {w_small} work units for 2,000, {w_large} for 8,000"
            );
        }
    }

    /// Registrations the sparse scan (or the whole scan it defers to) and `resolve` find.
    fn registrations_of(src: &str) -> usize {
        let s = scan_sparse(src).unwrap_or_else(|| scan(src));
        resolve(&[s]).len()
    }

    fn keys(src: &str) -> Vec<(Registry, Option<String>)> {
        let s = check_sparse(src);
        resolve(&[s])
            .into_iter()
            .map(|r| (r.registration.registry, r.registration.key))
            .collect()
    }

    fn act(k: &str) -> (Registry, Option<String>) {
        (Registry::Actions, Some(k.to_string()))
    }

    #[test]
    fn quoting_styles_and_layout() {
        let src = "registry.category('actions').add('a', A);\n\
                   registry.category(\"actions\").add(\"b\", B, { force: true });\n\
                   registry\n  .category(`actions`)\n  .add(\n    `c`,\n    C,\n    {sequence: 3}\n  );\n";
        assert_eq!(keys(src), vec![act("a"), act("b"), act("c")]);
    }

    #[test]
    fn line_numbers_point_at_add() {
        let s = check_sparse("// x\nregistry\n  .category('actions')\n  .add('a', A);\n");
        assert_eq!(s.registrations[0].line, 4);
    }

    #[test]
    fn comments_strings_templates_and_regexes_are_skipped() {
        let src = r#"
// registry.category("actions").add("c1", X);
/* registry.category("actions").add("c2", X); */
const s = 'registry.category("actions").add("c3", X)';
const t = `registry.category("actions").add("c4", ${ x + `registry.category("actions").add("c5")` })`;
const r = /registry.category\("actions"\).add\("c6"/g;
const d = a / b; registry.category("actions").add("real", R); const e = c / 2;
"#;
        assert_eq!(keys(src), vec![act("real")]);
    }

    #[test]
    fn aliases_local_exported_and_imported() {
        let a = check_sparse(
            "export const actionRegistry = registry.category(\"actions\");\n\
             let fields = registry.category('fields'); var v; v = registry.category('views');\n\
             actionRegistry.add('x1', X); fields.add('f1', F); v.add('v1', V);",
        );
        let b = scan("import { actionRegistry as ar } from './a';\nar.add('x2', X);\n");
        let all: Vec<_> = resolve(&[a, b])
            .into_iter()
            .map(|r| (r.file, r.registration.registry, r.registration.key.unwrap()))
            .collect();
        assert_eq!(
            all,
            vec![
                (0, Registry::Actions, "x1".into()),
                (0, Registry::Fields, "f1".into()),
                (0, Registry::Views, "v1".into()),
                (1, Registry::Actions, "x2".into()),
            ]
        );
    }

    #[test]
    fn legacy_api() {
        let src = "var core = require('web.core');\ncore.action_registry.add('legacy_tag', W);\n\
                   var fr = require('web.field_registry'); fr.add('legacy_widget', W);";
        assert_eq!(
            keys(src),
            vec![
                act("legacy_tag"),
                (Registry::Fields, Some("legacy_widget".into()))
            ]
        );
    }

    #[test]
    fn helper_functions_register_their_literal_argument() {
        let a = scan(
            "const actionRegistry = registry.category('actions');\n\
             export function addLazy(actionName, path) {\n  actionRegistry.add(actionName, async () => load(path));\n}\n\
             addLazy('lazy_one', '/x');\n",
        );
        let b = scan("import { addLazy } from '@x/helpers';\naddLazy(\"lazy_two\");\n");
        let got: Vec<_> = resolve(&[a, b])
            .into_iter()
            .map(|r| r.registration.key)
            .collect();
        assert_eq!(got, vec![Some("lazy_one".into()), Some("lazy_two".into())]);
    }

    #[test]
    fn dynamic_keys_are_kept_as_dynamic() {
        let s = scan("const name = 'x' + y;\nregistry.category('actions').add(name + '_z', X);\nregistry.category('actions').add(`t_${n}`, X);");
        let r = resolve(&[s]);
        assert_eq!(r.len(), 2);
        assert!(r.iter().all(|r| r.registration.key.is_none()));
        assert_eq!(r[0].registration.expr, "name + '_z'");
    }

    #[test]
    fn chained_adds_and_other_categories() {
        let src = "registry.category('actions').add('a', A).add('b', B);\nregistry.category('services').add('s', S);";
        assert_eq!(keys(src), vec![act("a"), act("b")]);
    }

    #[test]
    fn sparse_scan_widens_its_window_and_matches_the_whole_scan() {
        let long_object = format!("{{ {} }}", "k: 1, ".repeat(200));
        let sources = [
            // An argument list much longer than the first window.
            format!("registry.category('actions').add('big', {long_object}).add('after', A);"),
            // A receiver chain and an exported alias far behind the word `category`.
            format!(
                "export const far ={}registry\n.sub\n.more\n.category('views');\nfar.add('v', V);",
                " ".repeat(500)
            ),
            // Aliases redefined to another registry; a use before any definition.
            "r.add('early', X); let r = registry.category('actions'); r.add('a1', A);\n\
             r = registry.category('fields'); r.add('f1', F); x.r.add('no', N);"
                .to_string(),
            // Legacy alias named like the registry.
            "var action_registry = core.action_registry; action_registry.add('t1', T);\n\
             core.action_registry.add('t2', T);"
                .to_string(),
            // Strings, templates and regexes around the words.
            "const a = `${ {b: `x${ registry.category('fields').add('w1', W) }`} }`;\n\
             if (x) /category/.test(y); y = z / category / 2;\n\
             const c = 'category(\"actions\")'; // category\n\
             registry.category(\"actions\").add(\"t\\u0041\", T, { sequence: 1 });"
                .to_string(),
            // Unterminated constructs, CRLF and non-ASCII text.
            "const é = 'unterminated\r\nregistry.category('actions').add('ok', X);\r\n`never closed registry.category('actions').add('no', X)"
                .to_string(),
            "registry.category('actions').add(key, X); registry.category('actions').add(`a${b}`, Y);"
                .to_string(),
            "function reg(tag) { registry.category('actions').add(tag, X); }\nreg('t');".to_string(),
        ];
        for src in &sources {
            check_sparse(src);
            // Every prefix too: constructs cut anywhere.
            for cut in (0..src.len())
                .filter(|&c| src.is_char_boundary(c))
                .step_by(7)
            {
                check_sparse(&src[..cut]);
            }
        }
        assert_eq!(scan_sparse(&sources[0]).unwrap().registrations.len(), 2);
        assert_eq!(
            scan_sparse(&sources[1]).unwrap().exported_aliases,
            vec![("far".to_string(), Registry::Views)]
        );
        let keys: Vec<_> = scan_sparse(&sources[2])
            .unwrap()
            .registrations
            .into_iter()
            .map(|r| (r.registry, r.key.unwrap()))
            .collect();
        assert_eq!(
            keys,
            vec![
                (Registry::Actions, "a1".to_string()),
                (Registry::Fields, "f1".to_string())
            ]
        );
        assert!(
            scan_sparse(&sources[7]).is_none(),
            "a helper needs the whole file"
        );
    }

    #[test]
    fn sparse_and_whole_scans_agree_on_random_sources() {
        // Pieces of JavaScript syntax glued in a pseudo-random order (fixed seed): unbalanced
        // quotes, templates, comments, regexes, escapes and multi-byte text everywhere.
        let pieces = [
            "registry",
            ".",
            "category",
            "(",
            ")",
            "'actions'",
            "\"fields\"",
            "`views`",
            ".add",
            "'k'",
            ",",
            " ",
            "\n",
            "=",
            "r",
            "const ",
            "export ",
            "/",
            "*",
            "\\",
            "'",
            "\"",
            "`",
            "${",
            "}",
            "{",
            "é",
            "return ",
            "action_registry",
            "core.",
            ";",
            "x",
            "1",
            "registry.category('actions').add('a', A);",
            "\nconst r = registry.category(\"fields\");\n",
            "r.add('w', W);",
        ];
        let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut registering = 0;
        for _ in 0..3000 {
            let mut src = String::new();
            for _ in 0..(seed % 40) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                src.push_str(pieces[(seed % pieces.len() as u64) as usize]);
            }
            seed = seed.wrapping_add(1);
            if !check_sparse(&src).registrations.is_empty() {
                registering += 1;
            }
        }
        assert!(registering > 0, "no generated source registered anything");
    }
}
