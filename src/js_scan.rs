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

use std::collections::{HashMap, HashSet};

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
    Str,
    /// A template literal with `${…}` substitutions.
    DynTemplate,
    Num,
    Punct,
    Regex,
}

#[derive(Debug, Clone, Copy)]
struct Tok<'a> {
    kind: Kind,
    /// Identifier or punctuation text; for strings the raw content between the quotes.
    text: &'a str,
    line: u32,
    start: u32,
    end: u32,
}

impl<'a> Tok<'a> {
    fn new(kind: Kind, text: &'a str, line: usize, start: usize, end: usize) -> Tok<'a> {
        Tok {
            kind,
            text,
            line: line as u32,
            start: start as u32,
            end: end as u32,
        }
    }

    fn line(&self) -> usize {
        self.line as usize
    }

    fn is(&self, p: &str) -> bool {
        matches!(self.kind, Kind::Punct | Kind::Ident) && self.text == p
    }
}

const REGEX_AFTER_KEYWORDS: &[&str] = &[
    "return",
    "typeof",
    "case",
    "do",
    "else",
    "in",
    "instanceof",
    "new",
    "delete",
    "void",
    "throw",
    "yield",
    "await",
    "of",
];

/// Tokenizes JavaScript. Never fails: unterminated constructs end at the end of the text.
fn tokenize(src: &str) -> Vec<Tok<'_>> {
    let b = src.as_bytes();
    let mut toks: Vec<Tok> = Vec::with_capacity(b.len() / 6);
    let mut i = 0;
    let mut line = 1;
    // Template literal nesting: each entry is the brace depth at which a `${` was opened.
    let mut tmpl_stack: Vec<usize> = Vec::new();
    let mut brace_depth = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                i += 1;
            }
            b' ' | b'\t' | b'\r' | 0x0b | 0x0c => i += 1,
            b'/' if b.get(i + 1) == Some(&b'/') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i < b.len() && !(b[i] == b'*' && b.get(i + 1) == Some(&b'/')) {
                    if b[i] == b'\n' {
                        line += 1;
                    }
                    i += 1;
                }
                i = (i + 2).min(b.len());
            }
            b'/' if regex_allowed(toks.last()) => {
                let start = i;
                let l = line;
                i += 1;
                let mut in_class = false;
                while i < b.len() {
                    match b[i] {
                        b'\\' => i += 1,
                        b'[' => in_class = true,
                        b']' => in_class = false,
                        b'/' if !in_class => break,
                        b'\n' => break,
                        _ => {}
                    }
                    i += 1;
                }
                i = (i + 1).min(b.len());
                while i < b.len() && (b[i].is_ascii_alphanumeric()) {
                    i += 1;
                }
                toks.push(Tok::new(Kind::Regex, "", l, start, i));
            }
            b'\'' | b'"' => {
                let start = i;
                let l = line;
                i += 1;
                while i < b.len() && b[i] != c {
                    match b[i] {
                        b'\\' => {
                            if b.get(i + 1) == Some(&b'\n') {
                                line += 1;
                            }
                            i += 1;
                        }
                        b'\n' => break,
                        _ => {}
                    }
                    i += 1;
                }
                let end = i.min(b.len());
                i = (i + 1).min(b.len());
                toks.push(Tok::new(Kind::Str, &src[start + 1..end], l, start, i));
            }
            b'`' => {
                let (tok, ni, nl, opened) = template_part(src, i + 1, line, i);
                toks.push(tok);
                i = ni;
                line = nl;
                if opened {
                    tmpl_stack.push(brace_depth);
                    brace_depth += 1;
                }
            }
            b'}' if tmpl_stack.last() == Some(&(brace_depth.wrapping_sub(1))) => {
                // End of a `${…}` substitution: the template goes on.
                tmpl_stack.pop();
                brace_depth -= 1;
                let (_tok, ni, nl, opened) = template_part(src, i + 1, line, i);
                i = ni;
                line = nl;
                if opened {
                    tmpl_stack.push(brace_depth);
                    brace_depth += 1;
                }
            }
            _ if c == b'_' || c == b'$' || c.is_ascii_alphabetic() || c >= 0x80 => {
                let start = i;
                while i < b.len()
                    && (b[i] == b'_'
                        || b[i] == b'$'
                        || b[i].is_ascii_alphanumeric()
                        || b[i] >= 0x80)
                {
                    i += 1;
                }
                // Stay on a char boundary for non-ASCII identifiers.
                while !src.is_char_boundary(i) {
                    i += 1;
                }
                toks.push(Tok::new(Kind::Ident, &src[start..i], line, start, i));
            }
            _ if c.is_ascii_digit() => {
                let start = i;
                while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'.' || b[i] == b'_')
                {
                    i += 1;
                }
                toks.push(Tok::new(Kind::Num, &src[start..i], line, start, i));
            }
            _ => {
                let start = i;
                // `=>` and `...` matter to the pattern matcher; other operators are single chars.
                let len = if src[i..].starts_with("=>") {
                    2
                } else if src[i..].starts_with("...") {
                    3
                } else {
                    let mut n = 1;
                    while !src.is_char_boundary(i + n) {
                        n += 1;
                    }
                    n
                };
                i += len;
                match c {
                    b'{' => brace_depth += 1,
                    b'}' => brace_depth = brace_depth.saturating_sub(1),
                    _ => {}
                }
                toks.push(Tok::new(Kind::Punct, &src[start..i], line, start, i));
            }
        }
    }
    toks
}

/// Reads a template literal part from `i` (just after "`" or "}") to the closing "`" or the
/// next "${". Returns the token, the next index, the line, and whether a `${` was opened.
fn template_part(
    src: &str,
    mut i: usize,
    mut line: usize,
    start: usize,
) -> (Tok<'_>, usize, usize, bool) {
    let b = src.as_bytes();
    let l = line;
    let content_start = i;
    while i < b.len() {
        match b[i] {
            b'\\' => {
                if b.get(i + 1) == Some(&b'\n') {
                    line += 1;
                }
                i += 2;
                continue;
            }
            b'\n' => line += 1,
            b'`' => {
                let whole = b[start] == b'`';
                let tok = Tok::new(
                    if whole { Kind::Str } else { Kind::DynTemplate },
                    &src[content_start..i],
                    l,
                    start,
                    i + 1,
                );
                return (tok, i + 1, line, false);
            }
            b'$' if b.get(i + 1) == Some(&b'{') => {
                let tok = Tok::new(Kind::DynTemplate, "", l, start, i + 2);
                return (tok, i + 2, line, true);
            }
            _ => {}
        }
        i += 1;
    }
    let end = b.len();
    (
        Tok::new(Kind::DynTemplate, "", l, start, end),
        end,
        line,
        false,
    )
}

fn regex_allowed(prev: Option<&Tok>) -> bool {
    match prev {
        None => true,
        Some(t) => match t.kind {
            Kind::Num | Kind::Str | Kind::DynTemplate | Kind::Regex => false,
            Kind::Ident => REGEX_AFTER_KEYWORDS.contains(&t.text),
            Kind::Punct => !matches!(t.text, ")" | "]" | "}"),
        },
    }
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
    toks: Vec<Tok<'a>>,
    out: FileScan,
    aliases: HashMap<&'a str, Registry>,
    imports: HashMap<&'a str, &'a str>,
    local_functions: HashSet<&'a str>,
    scopes: Vec<Scope>,
    candidate_calls: Vec<usize>,
}

/// True when a file can register a key, define a registry alias or a helper: it names a
/// registry category or a legacy registry. Files that do not may still use an imported alias or
/// helper; callers scan those when they mention one.
pub fn may_register(src: &str) -> bool {
    src.contains("category") || src.contains("_registry")
}

/// Scans one file's text.
pub fn scan(src: &str) -> FileScan {
    // Token offsets are 32-bit; no JavaScript source is anywhere near 4 GiB.
    if src.len() > u32::MAX as usize {
        return FileScan::default();
    }
    // Helper calls are only kept for names this file imports or defines.
    let toks = tokenize(src);
    let mut s = Scanner {
        src,
        toks,
        out: FileScan::default(),
        aliases: HashMap::new(),
        imports: HashMap::new(),
        local_functions: HashSet::new(),
        scopes: Vec::new(),
        candidate_calls: Vec::new(),
    };
    s.run();
    let keep: Vec<Call> = std::mem::take(&mut s.candidate_calls)
        .into_iter()
        .filter(|&i| {
            let name = s.toks[i].text;
            s.imports.contains_key(name) || s.local_functions.contains(name)
        })
        .filter_map(|i| s.call_at(i))
        .collect();
    s.out.calls = keep;
    s.out
}

impl<'a> Scanner<'a> {
    fn tok(&self, i: usize) -> Option<&Tok<'a>> {
        self.toks.get(i)
    }

    fn is(&self, i: usize, p: &str) -> bool {
        self.tok(i).is_some_and(|t| t.is(p))
    }

    fn ident(&self, i: usize) -> Option<&'a str> {
        self.tok(i)
            .filter(|t| t.kind == Kind::Ident)
            .map(|t| t.text)
    }

    fn literal(&self, i: usize) -> Option<String> {
        self.tok(i)
            .filter(|t| t.kind == Kind::Str)
            .map(|t| unescape(t.text))
    }

    /// The arguments of a call whose `(` is at `open`: per argument, its token range.
    fn args(&self, open: usize) -> (Vec<(usize, usize)>, usize) {
        let mut args = Vec::new();
        let mut depth = 0usize;
        let mut i = open + 1;
        let mut start = i;
        while let Some(t) = self.tok(i) {
            if t.kind == Kind::Punct {
                match t.text {
                    "(" | "[" | "{" => depth += 1,
                    ")" | "]" | "}" if depth > 0 => depth -= 1,
                    ")" => {
                        if i > start {
                            args.push((start, i));
                        }
                        return (args, i + 1);
                    }
                    "," if depth == 0 => {
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
        match t.text {
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
            let line = self.tok(j + 1).map(|t| t.line()).unwrap_or(0);
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
        if t.kind == Kind::Ident && t.text == "function" {
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
                return Some((Some(t.text.to_string()), params, next + 1));
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
                                .find(|t| t.kind == Kind::Ident && t.text == n)
                                .map(|t| t.text)
                                .unwrap_or(""),
                        );
                    }
                    pending = Some(f);
                }
            }
            match t.kind {
                Kind::Punct if t.text == "{" => {
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
                Kind::Punct if t.text == "}" => {
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

    fn ident_token(&mut self, i: usize) {
        let t = self.toks[i];
        if t.text == "import" {
            self.import_at(i);
            return;
        }
        if let Some((registry, next)) = self.category_at(i) {
            let via = if t.text == "category" {
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
            return;
        }
        // `alias.add(`
        if self.is(i + 1, ".")
            && self.ident(i + 2) == Some("add")
            && self.is(i + 3, "(")
            && !(i > 0 && self.is(i - 1, "."))
        {
            if let Some(&registry) = self.aliases.get(t.text) {
                self.adds_from(i + 1, registry, "alias");
                return;
            }
            if let Some(&imported) = self.imports.get(t.text) {
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
                        line: t.line(),
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
        let callee = self.imports.get(t.text).copied().unwrap_or(t.text);
        Some(Call {
            callee: callee.to_string(),
            args: lits,
            line: t.line(),
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
        while let Some(t) = self.tok(j) {
            if t.is("}") {
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

    fn keys(src: &str) -> Vec<(Registry, Option<String>)> {
        let s = scan(src);
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
        let s = scan("// x\nregistry\n  .category('actions')\n  .add('a', A);\n");
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
        let a = scan(
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
}
