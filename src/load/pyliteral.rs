//! Reading Python literals without running Python.
//!
//! Odoo add-ons describe themselves in `__manifest__.py`, a Python file that
//! Odoo loads with `ast.literal_eval(open(path).read())`. An auditor has to
//! read thousands of these files without executing any of them, and it has to
//! agree with Odoo about them: a manifest that Odoo rejects is a broken add-on,
//! and one that Odoo accepts must be read to exactly the value Odoo sees.
//!
//! This module is a self-contained tokenizer, parser and evaluator for exactly
//! the subset of Python 3.11 that `ast.literal_eval` accepts: `None`, `True`,
//! `False`, numbers (with one unary sign, and `real ± imaginary` sums), `str`
//! and `bytes` literals with every prefix and escape Python knows, implicit
//! string concatenation, tuples, lists, sets, dicts and the empty call `set()`.
//! It reproduces the tokenizer's rules on comments, blank lines, indentation,
//! backslash continuations and nesting depth (200 brackets), and Python's dict
//! and set semantics (`1 == 1.0 == True` as keys, first key kept with the last
//! value, unhashable keys rejected). Anything else is a [`ParseError`] that
//! points at the offending character.
//!
//! Python 3.11 is the reference, including where it is stricter than one might
//! guess: a single unary sign only (`--1` is rejected), no indentation before
//! the expression, no line of only spaces at the very end, no byte order mark
//! (U+FEFF) at the start, `\N{...}` limited to Unicode 14.0 names, and `set`
//! recognized after NFKC normalization (`ｓｅｔ()`). The behaviour is checked
//! against CPython by `tests/integration/pyliteral_diff.rs` (through
//! `scripts/py_literal_json.py`) and fuzzed by `fuzz/`.
//!
//! Known, deliberate differences from CPython 3.11:
//! * `...` (Ellipsis) is rejected: [`PyValue`] has no variant for it.
//! * Lone surrogates from `\ud800`-style escapes become U+FFFD, since a Rust
//!   `String` cannot hold them.
//! * Non-decimal integer literals above 131072 bits are rejected to keep the
//!   (quadratic) conversion to decimal cheap; Python accepts them.
//! * Error messages are our own; only *whether* input is rejected matches.

use std::collections::HashMap;
use std::fmt;
use std::hash::{DefaultHasher, Hash, Hasher};

use serde_json::{Map, Value};

/// A Python value produced by a literal.
#[derive(Debug, Clone, PartialEq)]
pub enum PyValue {
    None,
    Bool(bool),
    Int(i64),
    /// An integer outside the `i64` range, as decimal digits with an optional
    /// leading `-`. Never holds a value that fits in `i64`.
    BigInt(String),
    Float(f64),
    /// Real and imaginary parts.
    Complex(f64, f64),
    Str(String),
    Bytes(Vec<u8>),
    List(Vec<PyValue>),
    Tuple(Vec<PyValue>),
    /// Elements in insertion order, deduplicated with Python equality.
    Set(Vec<PyValue>),
    /// Pairs in insertion order; a repeated key keeps its first position and
    /// its last value, as in Python.
    Dict(Vec<(PyValue, PyValue)>),
}

/// Why a text is not a Python literal, with a 1-based position in characters.
#[derive(Debug, Clone, PartialEq)]
pub struct ParseError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for ParseError {}

/// Evaluates `src` the way Python 3.11's `ast.literal_eval(src)` does.
///
/// Leading spaces and tabs are ignored, then the text must hold exactly one
/// expression (a bare tuple `1, 2` counts), optionally followed by blank
/// lines and comments. Windows and old Mac line endings are accepted, as
/// Python translates them to `\n` before tokenizing.
pub fn literal_eval(src: &str) -> Result<PyValue, ParseError> {
    literal_eval_located(src).map(|(value, _)| value)
}

/// Where the entries of a dict literal are written: for each key that is a string, the line of
/// the key and the lines of the items of its value when that is a list, tuple or set literal.
/// Lines are 1-based, counted as Python does (after its newline translation).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyLines {
    /// In source order; a repeated key appears once, at its last occurrence (the one whose
    /// value Python keeps).
    keys: Vec<KeyLine>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct KeyLine {
    key: String,
    line: usize,
    items: Vec<usize>,
}

impl KeyLines {
    /// The line of `key`.
    pub fn line(&self, key: &str) -> Option<usize> {
        self.get(key).map(|k| k.line)
    }

    /// The line of the item at `index` of the list (tuple, set) under `key`.
    pub fn item_line(&self, key: &str, index: usize) -> Option<usize> {
        self.get(key).and_then(|k| k.items.get(index).copied())
    }

    fn get(&self, key: &str) -> Option<&KeyLine> {
        self.keys.iter().find(|k| k.key == key)
    }
}

/// [`literal_eval`], with the lines of the keys of a top-level dict and of the items of their
/// values ([`KeyLines`]; empty when the value is not a dict).
pub fn literal_eval_located(src: &str) -> Result<(PyValue, KeyLines), ParseError> {
    let chars = normalize_newlines(src);
    eval_chars(&chars).map_err(|e| e.locate(&chars))
}

fn key_lines(chars: &[char], node: &Node) -> KeyLines {
    let mut out = KeyLines::default();
    if let NodeKind::Dict(pairs) = &node.kind {
        for (key, value) in pairs {
            let NodeKind::Const(PyValue::Str(name)) = &key.kind else {
                continue;
            };
            let items = match &value.kind {
                NodeKind::List(items) | NodeKind::Tuple(items) | NodeKind::Set(items) => items
                    .iter()
                    .map(|item| line_col(chars, item.pos).0)
                    .collect(),
                _ => Vec::new(),
            };
            out.keys.retain(|k| k.key != *name);
            out.keys.push(KeyLine {
                key: name.clone(),
                line: line_col(chars, key.pos).0,
                items,
            });
        }
    }
    out
}

impl PyValue {
    /// The name of the Python type of this value (`"NoneType"`, `"int"`, …).
    pub fn type_name(&self) -> &'static str {
        match self {
            PyValue::None => "NoneType",
            PyValue::Bool(_) => "bool",
            PyValue::Int(_) | PyValue::BigInt(_) => "int",
            PyValue::Float(_) => "float",
            PyValue::Complex(..) => "complex",
            PyValue::Str(_) => "str",
            PyValue::Bytes(_) => "bytes",
            PyValue::List(_) => "list",
            PyValue::Tuple(_) => "tuple",
            PyValue::Set(_) => "set",
            PyValue::Dict(_) => "dict",
        }
    }

    /// The text of a `str` value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            PyValue::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The value of a `bool`; `None` for every other type (even `0`/`1`).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            PyValue::Bool(b) => Some(*b),
            _ => None,
        }
    }

    /// Python truthiness: `bool(value)`.
    pub fn truthy(&self) -> bool {
        match self {
            PyValue::None => false,
            PyValue::Bool(b) => *b,
            PyValue::Int(i) => *i != 0,
            PyValue::BigInt(_) => true,
            PyValue::Float(f) => *f != 0.0,
            PyValue::Complex(re, im) => *re != 0.0 || *im != 0.0,
            PyValue::Str(s) => !s.is_empty(),
            PyValue::Bytes(b) => !b.is_empty(),
            PyValue::List(v) | PyValue::Tuple(v) | PyValue::Set(v) => !v.is_empty(),
            PyValue::Dict(pairs) => !pairs.is_empty(),
        }
    }

    /// Looks up a `str` key in a dict. Keys are unique (duplicates were merged
    /// while evaluating, the last value winning), so this is Python's `d[key]`.
    pub fn get(&self, key: &str) -> Option<&PyValue> {
        match self {
            PyValue::Dict(pairs) => pairs
                .iter()
                .find(|(k, _)| k.as_str() == Some(key))
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// A JSON encoding that keeps every Python distinction, shared with
    /// `scripts/py_literal_json.py` for differential tests:
    /// `None`, `bool`, `str`, `list` and `int` within `i64` map to plain JSON;
    /// other values become one-key objects: `{"$int": "digits"}`,
    /// `{"$float": repr}`, `{"$complex": [repr, repr]}`, `{"$bytes": hex}`,
    /// `{"$tuple": [...]}`, `{"$set": [...]}` (sorted by compact JSON text)
    /// and `{"$dict": [[k, v], ...]}` unless every key is a `str`, in which
    /// case a dict is a JSON object in insertion order.
    pub fn to_canonical_json(&self) -> Value {
        match self {
            PyValue::None => Value::Null,
            PyValue::Bool(b) => Value::Bool(*b),
            PyValue::Int(i) => Value::from(*i),
            PyValue::BigInt(digits) => tagged("$int", Value::String(digits.clone())),
            PyValue::Float(f) => tagged("$float", Value::String(float_repr(*f))),
            PyValue::Complex(re, im) => tagged(
                "$complex",
                Value::Array(vec![
                    Value::String(float_repr(*re)),
                    Value::String(float_repr(*im)),
                ]),
            ),
            PyValue::Str(s) => Value::String(s.clone()),
            PyValue::Bytes(bytes) => {
                let hex = bytes.iter().map(|b| format!("{b:02x}")).collect();
                tagged("$bytes", Value::String(hex))
            }
            PyValue::List(items) => canonical_array(items),
            PyValue::Tuple(items) => tagged("$tuple", canonical_array(items)),
            PyValue::Set(items) => {
                let mut keyed: Vec<(String, Value)> = items
                    .iter()
                    .map(|item| {
                        let json = item.to_canonical_json();
                        (json.to_string(), json)
                    })
                    .collect();
                keyed.sort_by(|a, b| a.0.cmp(&b.0));
                tagged(
                    "$set",
                    Value::Array(keyed.into_iter().map(|(_, json)| json).collect()),
                )
            }
            PyValue::Dict(pairs) => {
                if pairs.iter().all(|(k, _)| matches!(k, PyValue::Str(_))) {
                    let mut map = Map::new();
                    for (k, v) in pairs {
                        if let PyValue::Str(key) = k {
                            map.insert(key.clone(), v.to_canonical_json());
                        }
                    }
                    Value::Object(map)
                } else {
                    let items = pairs
                        .iter()
                        .map(|(k, v)| {
                            Value::Array(vec![k.to_canonical_json(), v.to_canonical_json()])
                        })
                        .collect();
                    tagged("$dict", Value::Array(items))
                }
            }
        }
    }
}

fn tagged(tag: &str, value: Value) -> Value {
    let mut map = Map::new();
    map.insert(tag.to_string(), value);
    Value::Object(map)
}

fn canonical_array(items: &[PyValue]) -> Value {
    Value::Array(items.iter().map(PyValue::to_canonical_json).collect())
}

/// Python's `repr(float)`: the shortest text that reads back as the same
/// float, in positional notation for decimal exponents in `-4..16` and in
/// scientific notation (`1e+16`, `1.5e-05`) otherwise.
fn float_repr(f: f64) -> String {
    if f.is_nan() {
        return "nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "inf" } else { "-inf" }.into();
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    let sci = shortest_scientific(f.abs());
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((&sci, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let mut out = String::new();
    if f < 0.0 {
        out.push('-');
    }
    if (-4..16).contains(&exponent) {
        let point = exponent + 1; // digits before the decimal point
        if point <= 0 {
            out.push_str("0.");
            out.push_str(&"0".repeat(point.unsigned_abs() as usize));
            out.push_str(&digits);
        } else {
            let point = point as usize;
            if point >= digits.len() {
                out.push_str(&digits);
                out.push_str(&"0".repeat(point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        out.push('e');
        out.push(if exponent < 0 { '-' } else { '+' });
        out.push_str(&format!("{:02}", exponent.unsigned_abs()));
    }
    out
}

/// The shortest digits that read back as `f`, in `{:e}` form. When several
/// strings of that length round-trip, Python picks the one nearest to the
/// exact value of `f`; Rust's `{:e}` does not always, so prefer the correctly
/// rounded string of the same length whenever it round-trips.
fn shortest_scientific(f: f64) -> String {
    let shortest = format!("{f:e}");
    let digit_count = shortest
        .split('e')
        .next()
        .map_or(1, |m| m.chars().filter(char::is_ascii_digit).count());
    let nearest = format!("{:.*e}", digit_count.saturating_sub(1), f);
    if nearest.parse::<f64>() == Ok(f) {
        nearest
    } else {
        shortest
    }
}

// ---------------------------------------------------------------------------
// Errors and positions
// ---------------------------------------------------------------------------

/// Python's tokenizer refuses to open a 201st nested bracket.
const MAX_NESTING: usize = 200;
/// Python 3.11 refuses decimal integer literals longer than this
/// (`sys.get_int_max_str_digits()`).
const MAX_DECIMAL_INT_DIGITS: usize = 4300;
/// Our own cap on hexadecimal, octal and binary literals (see module docs).
const MAX_INT_BITS: usize = 131_072;
/// Python's tab stops, used for indentation.
const TAB_SIZE: usize = 8;

/// An error located by index into the normalized character array.
#[derive(Debug)]
struct Error {
    pos: usize,
    message: String,
}

type Res<T> = Result<T, Error>;

fn fail<T>(pos: usize, message: impl Into<String>) -> Res<T> {
    Err(Error {
        pos,
        message: message.into(),
    })
}

impl Error {
    fn locate(self, chars: &[char]) -> ParseError {
        let (line, column) = line_col(chars, self.pos);
        ParseError {
            line,
            column,
            message: self.message,
        }
    }
}

/// The 1-based line and column (in characters) of index `pos`.
fn line_col(chars: &[char], pos: usize) -> (usize, usize) {
    let before = &chars[..pos.min(chars.len())];
    let line = 1 + before.iter().filter(|c| **c == '\n').count();
    let line_start = before.iter().rposition(|c| *c == '\n').map_or(0, |i| i + 1);
    (line, before.len() - line_start + 1)
}

/// Python reads `\r\n` and a lone `\r` as `\n`, both when Odoo opens the file
/// in text mode and when the tokenizer gets a string.
fn normalize_newlines(src: &str) -> Vec<char> {
    let mut out = Vec::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            if chars.peek() == Some(&'\n') {
                chars.next();
            }
            out.push('\n');
        } else {
            out.push(c);
        }
    }
    out
}

fn eval_chars(chars: &[char]) -> Res<(PyValue, KeyLines)> {
    if let Some(pos) = chars.iter().position(|c| *c == '\0') {
        return fail(pos, "source text cannot contain NUL characters");
    }
    // `ast.literal_eval` calls `.lstrip(" \t")` before parsing.
    let start = chars.iter().take_while(|c| matches!(c, ' ' | '\t')).count();
    let tokens = Lexer::new(chars, start).run()?;
    let node = Parser::new(&tokens).parse_eval_input()?;
    let value = convert(&node)?;
    Ok((value, key_lines(chars, &node)))
}

fn describe_char(c: char) -> String {
    if c == '\u{feff}' {
        "invalid character U+FEFF (byte order mark): Python rejects it too; save the file as UTF-8 without BOM".into()
    } else if c.is_control() || c.is_whitespace() || is_format_char(c) {
        format!("invalid non-printable character U+{:04X}", c as u32)
    } else {
        format!("invalid character '{c}' (U+{:04X})", c as u32)
    }
}

/// Source text quoted in a message, cut short when long.
fn excerpt(text: &str) -> String {
    const MAX_CHARS: usize = 40;
    match text.char_indices().nth(MAX_CHARS) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

fn is_format_char(c: char) -> bool {
    matches!(c, '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{2064}')
}

// ---------------------------------------------------------------------------
// Tokenizer
// ---------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum TokKind {
    /// An `int`, `float` or imaginary (`Complex(0.0, x)`) literal.
    Number(PyValue),
    Str(StrLit),
    Name(String),
    Op(Op),
    /// End of a logical line outside brackets.
    Newline,
    End,
}

#[derive(Debug, Clone)]
struct StrLit {
    value: PyValue,
    /// An f-string: a `JoinedStr`, never a literal.
    formatted: bool,
}

#[derive(Debug, Clone)]
struct Token {
    kind: TokKind,
    pos: usize,
}

/// An operator or delimiter. Those a literal can contain have a variant of
/// their own; the others only ever appear in error messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    LParen,
    RParen,
    LBracket,
    RBracket,
    LBrace,
    RBrace,
    Comma,
    Colon,
    Plus,
    Minus,
    Dot,
    DoubleStar,
    Other(&'static str),
}

impl Op {
    fn from_text(text: &'static str) -> Op {
        match text {
            "(" => Op::LParen,
            ")" => Op::RParen,
            "[" => Op::LBracket,
            "]" => Op::RBracket,
            "{" => Op::LBrace,
            "}" => Op::RBrace,
            "," => Op::Comma,
            ":" => Op::Colon,
            "+" => Op::Plus,
            "-" => Op::Minus,
            "." => Op::Dot,
            "**" => Op::DoubleStar,
            other => Op::Other(other),
        }
    }

    fn text(self) -> &'static str {
        match self {
            Op::LParen => "(",
            Op::RParen => ")",
            Op::LBracket => "[",
            Op::RBracket => "]",
            Op::LBrace => "{",
            Op::RBrace => "}",
            Op::Comma => ",",
            Op::Colon => ":",
            Op::Plus => "+",
            Op::Minus => "-",
            Op::Dot => ".",
            Op::DoubleStar => "**",
            Op::Other(text) => text,
        }
    }
}

/// Python's operators and delimiters. An operator comes before the shorter
/// ones it starts with, so the first match is the longest.
const OPERATORS: &[&str] = &[
    "(", ")", "[", "]", "{", "}", ",", "**=", "//=", ">>=", "<<=", "...", "!=", "%=", "&=", "**",
    "*=", "+=", "-=", "->", "//", "/=", ":=", "<<", "<=", "==", ">=", ">>", "@=", "^=", "|=", "%",
    "&", "*", "+", "-", ".", "/", ":", ";", "<", "=", ">", "@", "^", "|", "~",
];

struct Lexer<'a> {
    chars: &'a [char],
    pos: usize,
    /// Open brackets with their positions.
    brackets: Vec<(char, usize)>,
    tokens: Vec<Token>,
}

impl<'a> Lexer<'a> {
    fn new(chars: &'a [char], start: usize) -> Self {
        Lexer {
            chars,
            pos: start,
            brackets: Vec::new(),
            tokens: Vec::new(),
        }
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<char> {
        self.chars.get(self.pos + offset).copied()
    }

    fn push(&mut self, kind: TokKind, pos: usize) {
        self.tokens.push(Token { kind, pos });
    }

    fn run(mut self) -> Res<Vec<Token>> {
        let mut at_line_start = true;
        loop {
            if at_line_start {
                at_line_start = self.line_start()?;
                if at_line_start {
                    continue;
                }
            }
            while matches!(self.peek(), Some(' ' | '\t' | '\x0c')) {
                self.pos += 1;
            }
            let start = self.pos;
            let Some(c) = self.peek() else {
                if let Some(&(open, at)) = self.brackets.last() {
                    let (line, column) = line_col(self.chars, at);
                    return fail(
                        start,
                        format!("unexpected end of input, `{open}` opened at line {line} column {column} is not closed"),
                    );
                }
                self.push(TokKind::End, start);
                return Ok(self.tokens);
            };
            match c {
                '#' => self.skip_comment(),
                '\n' => {
                    self.pos += 1;
                    at_line_start = true;
                    if self.brackets.is_empty() {
                        self.push(TokKind::Newline, start);
                    }
                }
                '\\' => self.continuation()?,
                '0'..='9' => self.number()?,
                '.' if self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) => self.number()?,
                '\'' | '"' => self.string(start, "")?,
                c if is_ident_start(c) => self.name_or_string()?,
                _ => self.operator(c)?,
            }
        }
    }

    /// Handles the start of a physical line like Python's tokenizer: measures
    /// indentation (following backslash continuations), skips blank and
    /// comment-only lines, and rejects indentation outside brackets. Returns
    /// `true` when the whole line was blank and has been consumed.
    fn line_start(&mut self) -> Res<bool> {
        let mut col = 0;
        // Indentation cannot be split over lines with backslashes: the column
        // of the first backslash counts, unless that column is 0.
        let mut continuation_col = 0;
        loop {
            match self.peek() {
                Some(' ') => col += 1,
                Some('\t') => col = (col / TAB_SIZE + 1) * TAB_SIZE,
                Some('\x0c') => col = 0,
                Some('\\') => {
                    if continuation_col == 0 {
                        continuation_col = col;
                    }
                    self.continuation()?;
                    continue;
                }
                _ => break,
            }
            self.pos += 1;
        }
        match self.peek() {
            Some('#') => {
                self.skip_comment();
                if self.peek() == Some('\n') {
                    self.pos += 1;
                }
                Ok(true)
            }
            Some('\n') => {
                self.pos += 1;
                Ok(true)
            }
            _ => {
                let indent = if continuation_col != 0 {
                    continuation_col
                } else {
                    col
                };
                if self.brackets.is_empty() && indent != 0 {
                    let what = if self.peek().is_none() {
                        "unexpected indentation: the last line holds only spaces or tabs (Python rejects this)"
                    } else {
                        "unexpected indentation: the expression must start at the beginning of its line"
                    };
                    return fail(self.pos, what);
                }
                Ok(false)
            }
        }
    }

    fn skip_comment(&mut self) {
        while self.peek().is_some_and(|c| c != '\n') {
            self.pos += 1;
        }
    }

    /// A backslash must end its line, and another line must follow.
    fn continuation(&mut self) -> Res<()> {
        let at = self.pos;
        self.pos += 1;
        if self.peek() != Some('\n') {
            return fail(
                at,
                "unexpected character after line continuation character `\\` (it must end the line)",
            );
        }
        self.pos += 1;
        if self.peek().is_none() {
            return fail(
                at,
                "unexpected end of input after line continuation character `\\`",
            );
        }
        Ok(())
    }

    fn operator(&mut self, c: char) -> Res<()> {
        let start = self.pos;
        let Some(text) = OPERATORS.iter().copied().find(|op| {
            op.bytes()
                .enumerate()
                .all(|(i, b)| self.peek_at(i) == Some(char::from(b)))
        }) else {
            return fail(start, describe_char(c));
        };
        let op = Op::from_text(text);
        match op {
            Op::LParen | Op::LBracket | Op::LBrace => {
                if self.brackets.len() >= MAX_NESTING {
                    return fail(
                        start,
                        format!("too many nested brackets (Python allows at most {MAX_NESTING})"),
                    );
                }
                self.brackets.push((c, start));
            }
            Op::RParen | Op::RBracket | Op::RBrace => {
                let expected = match c {
                    ')' => '(',
                    ']' => '[',
                    _ => '{',
                };
                match self.brackets.pop() {
                    None => return fail(start, format!("unmatched `{c}`")),
                    Some((open, at)) if open != expected => {
                        let (line, column) = line_col(self.chars, at);
                        return fail(
                            start,
                            format!(
                                "closing `{c}` does not match `{open}` opened at line {line} column {column}"
                            ),
                        );
                    }
                    Some(_) => {}
                }
            }
            _ => {}
        }
        self.pos += text.len(); // operators are ASCII
        self.push(TokKind::Op(op), start);
        Ok(())
    }

    fn name_or_string(&mut self) -> Res<()> {
        let start = self.pos;
        while self.peek().is_some_and(is_ident_char) {
            self.pos += 1;
        }
        let name: String = self.chars[start..self.pos].iter().collect();
        if matches!(self.peek(), Some('\'' | '"')) && is_string_prefix(&name) {
            return self.string(start, &name);
        }
        self.push(TokKind::Name(name), start);
        Ok(())
    }

    /// Scans a number with Python's rules for digits, underscores, prefixes,
    /// fractions, exponents and the imaginary suffix.
    fn number(&mut self) -> Res<()> {
        let start = self.pos;
        if self.peek() == Some('0') {
            let radix = match self.peek_at(1) {
                Some('x' | 'X') => Some((16, "hexadecimal")),
                Some('o' | 'O') => Some((8, "octal")),
                Some('b' | 'B') => Some((2, "binary")),
                _ => None,
            };
            if let Some((radix, kind)) = radix {
                self.pos += 2;
                return self.radix_number(start, radix, kind);
            }
        }
        let mut text = String::new();
        let int_digits = self.digit_part(&mut text)?;
        let mut is_float = false;
        if self.peek() == Some('.') {
            is_float = true;
            text.push('.');
            self.pos += 1;
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.digit_part(&mut text)?;
            }
        }
        if matches!(self.peek(), Some('e' | 'E')) {
            let sign = matches!(self.peek_at(1), Some('+' | '-'));
            let digit_at = if sign { 2 } else { 1 };
            if !self.peek_at(digit_at).is_some_and(|c| c.is_ascii_digit()) {
                return fail(start, "invalid decimal literal (incomplete exponent)");
            }
            is_float = true;
            text.push('e');
            if sign {
                text.push(self.peek_at(1).unwrap_or('+'));
            }
            self.pos += digit_at;
            self.digit_part(&mut text)?;
        }
        if matches!(self.peek(), Some('j' | 'J')) {
            self.pos += 1;
            self.end_of_number(start, "imaginary")?;
            let imag = text.parse::<f64>().unwrap_or(f64::INFINITY);
            self.push(TokKind::Number(PyValue::Complex(0.0, imag)), start);
            return Ok(());
        }
        self.end_of_number(start, "decimal")?;
        let value = if is_float {
            PyValue::Float(text.parse::<f64>().unwrap_or(f64::INFINITY))
        } else {
            let significant = int_digits.trim_start_matches('0');
            if significant.len() < int_digits.len() && !significant.is_empty() {
                return fail(
                    start,
                    "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                );
            }
            if significant.len() > MAX_DECIMAL_INT_DIGITS {
                return fail(
                    start,
                    format!(
                        "integer literal has {} digits, more than Python's limit of {MAX_DECIMAL_INT_DIGITS}",
                        significant.len()
                    ),
                );
            }
            int_from_decimal(false, significant)
        };
        self.push(TokKind::Number(value), start);
        Ok(())
    }

    /// Reads `digit ('_'? digit)*` into `text` (without underscores) and
    /// returns the digits read. The caller has checked for a first digit,
    /// except after a number's start where a missing digit means `.5`.
    fn digit_part(&mut self, text: &mut String) -> Res<String> {
        let mut digits = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_digit() {
                digits.push(c);
                self.pos += 1;
            } else if c == '_' && !digits.is_empty() {
                if !self.peek_at(1).is_some_and(|d| d.is_ascii_digit()) {
                    return fail(
                        self.pos,
                        "invalid decimal literal (`_` must separate digits)",
                    );
                }
                self.pos += 1;
            } else {
                break;
            }
        }
        text.push_str(&digits);
        Ok(digits)
    }

    fn radix_number(&mut self, start: usize, radix: u32, kind: &str) -> Res<()> {
        let mut digits = Vec::new();
        loop {
            if self.peek() == Some('_') {
                self.pos += 1;
            }
            match self.peek().and_then(|c| c.to_digit(radix)) {
                Some(_) => {}
                None => return Err(self.bad_radix_digit(start, radix, kind)),
            }
            while let Some(d) = self.peek().and_then(|c| c.to_digit(radix)) {
                digits.push(d);
                self.pos += 1;
            }
            if self.peek() != Some('_') {
                break;
            }
        }
        if radix < 10 && self.peek().is_some_and(|c| c.is_ascii_digit()) {
            return Err(self.bad_radix_digit(start, radix, kind));
        }
        self.end_of_number(start, kind)?;
        let value = int_from_radix(&digits, radix).ok_or_else(|| Error {
            pos: start,
            message: format!("integer literal too large (more than {MAX_INT_BITS} bits)"),
        })?;
        self.push(TokKind::Number(value), start);
        Ok(())
    }

    fn bad_radix_digit(&self, start: usize, radix: u32, kind: &str) -> Error {
        match self.peek() {
            Some(c) if radix < 10 && c.is_ascii_digit() => Error {
                pos: self.pos,
                message: format!("invalid digit '{c}' in {kind} literal"),
            },
            _ => Error {
                pos: start,
                message: format!("invalid {kind} literal"),
            },
        }
    }

    /// A number may not run into a letter, digit or `_` (`1if`, `0x1j`, `1_`).
    fn end_of_number(&self, start: usize, kind: &str) -> Res<()> {
        match self.peek() {
            Some(c)
                if c == '_' || c.is_ascii_alphanumeric() || (!c.is_ascii() && is_ident_char(c)) =>
            {
                fail(start, format!("invalid {kind} literal"))
            }
            _ => Ok(()),
        }
    }

    /// Scans a string literal whose prefix starts at `start`; `self.pos` is at
    /// the opening quote.
    fn string(&mut self, start: usize, prefix: &str) -> Res<()> {
        let prefix = prefix.to_ascii_lowercase();
        let raw = prefix.contains('r');
        let bytes = prefix.contains('b');
        let formatted = prefix.contains('f');
        let quote = self.peek().unwrap_or('\'');
        let triple = self.peek_at(1) == Some(quote) && self.peek_at(2) == Some(quote);
        let quote_len = if triple { 3 } else { 1 };
        self.pos += quote_len;
        let content_start = self.pos;
        let mut closing = 0;
        while closing < quote_len {
            let Some(c) = self.peek() else {
                let what = if triple {
                    "triple-quoted string"
                } else {
                    "string"
                };
                return fail(
                    start,
                    format!("unterminated {what} literal (the closing quote is missing)"),
                );
            };
            if c == '\n' && !triple {
                return fail(start, "unterminated string literal (a newline inside `'...'` or `\"...\"` needs `\\n` or triple quotes)");
            }
            self.pos += 1;
            if c == quote {
                closing += 1;
            } else {
                closing = 0;
                if c == '\\' && self.peek().is_some() {
                    self.pos += 1; // an escaped character never ends the string
                }
            }
        }
        let content = content_start..self.pos - quote_len;
        let value = if formatted {
            PyValue::Str(String::new())
        } else if bytes {
            if let Some(offset) = self.chars[content.clone()]
                .iter()
                .position(|c| !c.is_ascii())
            {
                return fail(
                    content.start + offset,
                    "bytes can only contain ASCII literal characters (use `\\x..` escapes)",
                );
            }
            if raw {
                PyValue::Bytes(self.chars[content].iter().map(|c| *c as u8).collect())
            } else {
                PyValue::Bytes(decode_bytes_escapes(self.chars, content)?)
            }
        } else if raw {
            PyValue::Str(self.chars[content].iter().collect())
        } else {
            PyValue::Str(decode_str_escapes(self.chars, content)?)
        };
        self.push(TokKind::Str(StrLit { value, formatted }), start);
        Ok(())
    }
}

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_' || (!c.is_ascii() && c.is_alphabetic())
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || (!c.is_ascii() && c.is_alphanumeric())
}

fn is_string_prefix(name: &str) -> bool {
    matches!(
        name.to_ascii_lowercase().as_str(),
        "r" | "u" | "b" | "f" | "br" | "rb" | "fr" | "rf"
    )
}

fn hex_value(chars: &[char], at: usize, count: usize) -> Option<u32> {
    let digits = chars.get(at..at + count)?;
    digits
        .iter()
        .try_fold(0u32, |acc, c| Some(acc * 16 + c.to_digit(16)?))
}

/// Reads up to three octal digits starting with `first`; returns the value
/// and the index after them.
fn octal_escape(chars: &[char], first: char, mut i: usize, end: usize) -> (u32, usize) {
    let mut value = first.to_digit(8).unwrap_or(0);
    for _ in 0..2 {
        match chars.get(i).filter(|_| i < end).and_then(|c| c.to_digit(8)) {
            Some(d) => {
                value = value * 8 + d;
                i += 1;
            }
            None => break,
        }
    }
    (value, i)
}

/// Decodes the escapes of a non-raw `str` literal.
fn decode_str_escapes(chars: &[char], range: std::ops::Range<usize>) -> Res<String> {
    let end = range.end;
    let mut out = String::with_capacity(range.len());
    let mut i = range.start;
    while i < end {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= end {
            out.push(c);
            continue;
        }
        let at = i - 1;
        let e = chars[i];
        i += 1;
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e),
            'a' => out.push('\x07'),
            'b' => out.push('\x08'),
            'f' => out.push('\x0c'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'v' => out.push('\x0b'),
            '0'..='7' => {
                let (value, next) = octal_escape(chars, e, i, end);
                i = next;
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'x' | 'u' | 'U' => {
                let (count, form) = match e {
                    'x' => (2, "\\xXX"),
                    'u' => (4, "\\uXXXX"),
                    _ => (8, "\\UXXXXXXXX"),
                };
                let value = hex_value(&chars[..end], i, count).ok_or_else(|| Error {
                    pos: at,
                    message: format!("truncated `{form}` escape: expected {count} hex digits"),
                })?;
                i += count;
                if value > 0x10FFFF {
                    return fail(at, format!("illegal Unicode character in `{form}` escape"));
                }
                // Surrogates cannot live in a Rust string.
                out.push(char::from_u32(value).unwrap_or('\u{fffd}'));
            }
            'N' => {
                let malformed = || Error {
                    pos: at,
                    message: "malformed `\\N{...}` character escape".into(),
                };
                if chars.get(i) != Some(&'{') || i >= end {
                    return Err(malformed());
                }
                let name_start = i + 1;
                let close = chars[name_start..end]
                    .iter()
                    .position(|c| *c == '}')
                    .map(|offset| name_start + offset)
                    .ok_or_else(malformed)?;
                if close == name_start {
                    return Err(malformed());
                }
                let name: String = chars[name_start..close].iter().collect();
                let Some(ch) = lookup_unicode_name(&name) else {
                    return fail(
                        at,
                        format!(
                            "unknown Unicode character name `{}` in `\\N{{...}}` escape",
                            excerpt(&name)
                        ),
                    );
                };
                out.push(ch);
                i = close + 1;
            }
            _ => {
                // Python keeps unknown escapes (`\d`) as they are, with a warning.
                out.push('\\');
                i -= 1;
            }
        }
    }
    Ok(out)
}

/// Decodes the escapes of a non-raw `bytes` literal whose characters are all
/// ASCII. `\N`, `\u` and `\U` are not escapes in bytes.
fn decode_bytes_escapes(chars: &[char], range: std::ops::Range<usize>) -> Res<Vec<u8>> {
    let end = range.end;
    let mut out = Vec::with_capacity(range.len());
    let mut i = range.start;
    while i < end {
        let c = chars[i];
        i += 1;
        if c != '\\' || i >= end {
            out.push(c as u8);
            continue;
        }
        let at = i - 1;
        let e = chars[i];
        i += 1;
        match e {
            '\n' => {}
            '\\' | '\'' | '"' => out.push(e as u8),
            'a' => out.push(0x07),
            'b' => out.push(0x08),
            'f' => out.push(0x0c),
            'n' => out.push(b'\n'),
            'r' => out.push(b'\r'),
            't' => out.push(b'\t'),
            'v' => out.push(0x0b),
            '0'..='7' => {
                let (value, next) = octal_escape(chars, e, i, end);
                i = next;
                out.push((value & 0xff) as u8); // Python truncates `\777`
            }
            'x' => {
                let value = hex_value(&chars[..end], i, 2).ok_or_else(|| Error {
                    pos: at,
                    message: "invalid `\\x` escape in bytes: expected 2 hex digits".into(),
                })?;
                i += 2;
                out.push(value as u8);
            }
            _ => {
                out.push(b'\\');
                i -= 1;
            }
        }
    }
    Ok(out)
}

/// Code points named in the Unicode version of `unicode_names2` but not in
/// Unicode 14.0, the version of Python 3.11's `unicodedata`.
const NAMES_NEWER_THAN_PYTHON: &[(u32, u32)] = &[
    (0x897, 0x897),
    (0xCF3, 0xCF3),
    (0xECE, 0xECE),
    (0x1B4E, 0x1B4F),
    (0x1B7F, 0x1B7F),
    (0x1C89, 0x1C8A),
    (0x2427, 0x2429),
    (0x2FFC, 0x2FFF),
    (0x31E4, 0x31E5),
    (0x31EF, 0x31EF),
    (0xA7CB, 0xA7CD),
    (0xA7DA, 0xA7DC),
    (0x105C0, 0x105F3),
    (0x10D40, 0x10D65),
    (0x10D69, 0x10D85),
    (0x10D8E, 0x10D8F),
    (0x10EC2, 0x10EC4),
    (0x10EFC, 0x10EFF),
    (0x1123F, 0x11241),
    (0x11380, 0x11389),
    (0x1138B, 0x1138B),
    (0x1138E, 0x1138E),
    (0x11390, 0x113B5),
    (0x113B7, 0x113C0),
    (0x113C2, 0x113C2),
    (0x113C5, 0x113C5),
    (0x113C7, 0x113CA),
    (0x113CC, 0x113D5),
    (0x113D7, 0x113D8),
    (0x113E1, 0x113E2),
    (0x116D0, 0x116E3),
    (0x11B00, 0x11B09),
    (0x11BC0, 0x11BE1),
    (0x11BF0, 0x11BF9),
    (0x11F00, 0x11F10),
    (0x11F12, 0x11F3A),
    (0x11F3E, 0x11F5A),
    (0x1342F, 0x1342F),
    (0x13439, 0x13455),
    (0x13460, 0x143FA),
    (0x16100, 0x16139),
    (0x16D40, 0x16D79),
    (0x18CFF, 0x18CFF),
    (0x1B132, 0x1B132),
    (0x1B155, 0x1B155),
    (0x1CC00, 0x1CCF9),
    (0x1CD00, 0x1CEB3),
    (0x1D2C0, 0x1D2D3),
    (0x1DF25, 0x1DF2A),
    (0x1E030, 0x1E06D),
    (0x1E08F, 0x1E08F),
    (0x1E4D0, 0x1E4F9),
    (0x1E5D0, 0x1E5FA),
    (0x1E5FF, 0x1E5FF),
    (0x1F6DC, 0x1F6DC),
    (0x1F774, 0x1F776),
    (0x1F77B, 0x1F77F),
    (0x1F7D9, 0x1F7D9),
    (0x1F8B2, 0x1F8BB),
    (0x1F8C0, 0x1F8C1),
    (0x1FA75, 0x1FA77),
    (0x1FA87, 0x1FA89),
    (0x1FA8F, 0x1FA8F),
    (0x1FAAD, 0x1FAAF),
    (0x1FABB, 0x1FABF),
    (0x1FAC6, 0x1FAC6),
    (0x1FACE, 0x1FACF),
    (0x1FADA, 0x1FADC),
    (0x1FADF, 0x1FADF),
    (0x1FAE8, 0x1FAE9),
    (0x1FAF7, 0x1FAF8),
    (0x1FBCB, 0x1FBEF),
    (0x2B739, 0x2B739),
    (0x2EBF0, 0x2EE5D),
    (0x31350, 0x323AF),
];

/// Name aliases known to `unicode_names2` that Python 3.11 does not accept.
const ALIASES_NEWER_THAN_PYTHON: &[&str] = &[
    "EM",
    "ARABIC SMALL HIGH LIGATURE ALEF WITH YEH BARREE",
    "SUNDANESE LETTER ARCHAIC I",
    "CUNEIFORM SIGN KALAM",
    "BAMUM LETTER PHASE-A MAEMGBIEE",
    "MENDE KIKAKUI SYLLABLE M172 MBO",
    "MENDE KIKAKUI SYLLABLE M174 MBOO",
];

/// Resolves `\N{name}` like Python 3.11: case-insensitive names and aliases
/// of Unicode 14.0, except that the algorithmic names (`HANGUL SYLLABLE GA`,
/// `CJK UNIFIED IDEOGRAPH-4E00`) must be written in upper case.
fn lookup_unicode_name(name: &str) -> Option<char> {
    if !name.is_ascii() {
        return None;
    }
    let upper = name.to_ascii_uppercase();
    let algorithmic = ["CJK UNIFIED IDEOGRAPH-", "HANGUL SYLLABLE "]
        .iter()
        .find(|prefix| upper.starts_with(*prefix));
    if let Some(prefix) = algorithmic {
        if name != upper {
            return None;
        }
        let code = &name[prefix.len()..];
        if prefix.starts_with("CJK") && !matches!(code.len(), 4 | 5) {
            return None;
        }
    }
    if ALIASES_NEWER_THAN_PYTHON.contains(&upper.as_str()) {
        return None;
    }
    let c = unicode_names2::character(name)?;
    let code = c as u32;
    if NAMES_NEWER_THAN_PYTHON
        .iter()
        .any(|&(lo, hi)| (lo..=hi).contains(&code))
    {
        return None;
    }
    Some(c)
}

// ---------------------------------------------------------------------------
// Numbers
// ---------------------------------------------------------------------------

/// Builds an int from a sign and decimal digits without leading zeros.
fn int_from_decimal(negative: bool, digits: &str) -> PyValue {
    if digits.is_empty() {
        return PyValue::Int(0);
    }
    let text = if negative {
        format!("-{digits}")
    } else {
        digits.to_string()
    };
    match text.parse::<i64>() {
        Ok(i) => PyValue::Int(i),
        Err(_) => PyValue::BigInt(text),
    }
}

/// Converts digits in base 2, 8 or 16 to an int; `None` if over the size cap.
fn int_from_radix(digits: &[u32], radix: u32) -> Option<PyValue> {
    let bits_per_digit = radix.trailing_zeros() as usize;
    let first = digits.iter().position(|d| *d != 0).unwrap_or(digits.len());
    let digits = &digits[first..];
    if digits.len() * bits_per_digit > MAX_INT_BITS + bits_per_digit {
        return None;
    }
    if digits.len() * bits_per_digit <= 64 {
        let value = digits
            .iter()
            .fold(0u64, |acc, d| (acc << bits_per_digit) | u64::from(*d));
        return Some(match i64::try_from(value) {
            Ok(i) => PyValue::Int(i),
            Err(_) => PyValue::BigInt(value.to_string()),
        });
    }
    // Little-endian limbs in base 10^9, fed several digits at a time.
    const LIMB: u64 = 1_000_000_000;
    let chunk = 28 / bits_per_digit;
    let mut limbs: Vec<u64> = Vec::new();
    for group in digits.chunks(chunk) {
        let factor = 1u64 << (bits_per_digit * group.len());
        let mut carry = group
            .iter()
            .fold(0u64, |acc, d| (acc << bits_per_digit) | u64::from(*d));
        for limb in &mut limbs {
            let t = *limb * factor + carry;
            *limb = t % LIMB;
            carry = t / LIMB;
        }
        while carry > 0 {
            limbs.push(carry % LIMB);
            carry /= LIMB;
        }
    }
    let mut text = String::new();
    for (i, limb) in limbs.iter().rev().enumerate() {
        if i == 0 {
            text.push_str(&limb.to_string());
        } else {
            text.push_str(&format!("{limb:09}"));
        }
    }
    Some(PyValue::BigInt(text))
}

fn negate(value: PyValue) -> PyValue {
    match value {
        PyValue::Int(i) => match i.checked_neg() {
            Some(n) => PyValue::Int(n),
            None => PyValue::BigInt(i.unsigned_abs().to_string()),
        },
        PyValue::BigInt(text) => match text.strip_prefix('-') {
            Some(digits) => int_from_decimal(false, digits),
            None => int_from_decimal(true, &text),
        },
        PyValue::Float(f) => PyValue::Float(-f),
        PyValue::Complex(re, im) => PyValue::Complex(-re, -im),
        other => other,
    }
}

/// Python's `float(int)`: correctly rounded, an error when out of range.
fn real_to_f64(value: &PyValue, pos: usize) -> Res<f64> {
    match value {
        PyValue::Int(i) => Ok(*i as f64),
        PyValue::Float(f) => Ok(*f),
        PyValue::BigInt(text) => match text.parse::<f64>() {
            Ok(f) if f.is_finite() => Ok(f),
            _ => fail(pos, "int too large to convert to float"),
        },
        _ => fail(pos, "expected a real number"),
    }
}

// ---------------------------------------------------------------------------
// Parser
// ---------------------------------------------------------------------------

#[derive(Debug)]
enum NodeKind {
    Const(PyValue),
    Name(String),
    /// The call `set()`.
    EmptySet,
    Unary {
        negative: bool,
        operand: Box<Node>,
    },
    BinOp {
        subtract: bool,
        left: Box<Node>,
        right: Box<Node>,
    },
    Tuple(Vec<Node>),
    List(Vec<Node>),
    Set(Vec<Node>),
    Dict(Vec<(Node, Node)>),
}

#[derive(Debug)]
struct Node {
    kind: NodeKind,
    pos: usize,
}

impl Node {
    fn new(kind: NodeKind, pos: usize) -> Self {
        Node { kind, pos }
    }
}

const KEYWORDS: &[&str] = &[
    "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
    "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda",
    "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield",
];

/// Characters whose NFKC normalization is `s`, `e` or `t`: Python normalizes
/// identifiers, so `ｓｅｔ()` is a call of `set`. Generated from Python 3.11's
/// `unicodedata` (all of these are valid identifier characters).
const NFKC_S: &[u32] = &[
    0x17F, 0x2E2, 0x209B, 0xFF53, 0x1D42C, 0x1D460, 0x1D494, 0x1D4C8, 0x1D4FC, 0x1D530, 0x1D564,
    0x1D598, 0x1D5CC, 0x1D600, 0x1D634, 0x1D668, 0x1D69C,
];
const NFKC_E: &[u32] = &[
    0x1D49, 0x2091, 0x212F, 0x2147, 0xFF45, 0x1D41E, 0x1D452, 0x1D486, 0x1D4EE, 0x1D522, 0x1D556,
    0x1D58A, 0x1D5BE, 0x1D5F2, 0x1D626, 0x1D65A, 0x1D68E,
];
const NFKC_T: &[u32] = &[
    0x1D57, 0x209C, 0xFF54, 0x1D42D, 0x1D461, 0x1D495, 0x1D4C9, 0x1D4FD, 0x1D531, 0x1D565, 0x1D599,
    0x1D5CD, 0x1D601, 0x1D635, 0x1D669, 0x1D69D,
];

/// Whether a name is `set` after Python's NFKC normalization of identifiers.
fn is_set_name(name: &str) -> bool {
    let mut chars = name.chars();
    let mut next_is = |ascii: char, table: &[u32]| {
        chars
            .next()
            .is_some_and(|c| c == ascii || table.contains(&(c as u32)))
    };
    next_is('s', NFKC_S) && next_is('e', NFKC_E) && next_is('t', NFKC_T) && chars.next().is_none()
}

struct Parser<'a> {
    tokens: &'a [Token],
    pos: usize,
}

impl<'a> Parser<'a> {
    fn new(tokens: &'a [Token]) -> Self {
        Parser { tokens, pos: 0 }
    }

    fn peek(&self) -> &'a Token {
        // The lexer always ends the stream with `End`, which is never consumed.
        &self.tokens[self.pos.min(self.tokens.len() - 1)]
    }

    fn is_op(&self, op: Op) -> bool {
        matches!(self.peek().kind, TokKind::Op(o) if o == op)
    }

    fn sign(&self) -> Option<bool> {
        match self.peek().kind {
            TokKind::Op(Op::Plus) => Some(false),
            TokKind::Op(Op::Minus) => Some(true),
            _ => None,
        }
    }

    fn bump(&mut self) -> usize {
        let pos = self.peek().pos;
        self.pos += 1;
        pos
    }

    fn expect_op(&mut self, op: Op, expected: &str) -> Res<()> {
        if self.is_op(op) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.unexpected(expected))
        }
    }

    /// An error for the current token, explaining why it cannot be there.
    fn unexpected(&self, expected: &str) -> Error {
        let token = self.peek();
        let message = match &token.kind {
            TokKind::End => format!("unexpected end of input, expected {expected}"),
            TokKind::Newline => format!("unexpected end of line, expected {expected}"),
            TokKind::Op(op) => operator_message(op.text())
                .unwrap_or_else(|| format!("unexpected `{}`, expected {expected}", op.text())),
            TokKind::Name(name) if KEYWORDS.contains(&name.as_str()) => keyword_message(name),
            TokKind::Name(name) => {
                format!("unexpected name `{}`, expected {expected}", excerpt(name))
            }
            TokKind::Number(_) => {
                format!("unexpected number, expected {expected} (missing comma?)")
            }
            TokKind::Str(_) => format!("unexpected string, expected {expected} (missing comma?)"),
        };
        Error {
            pos: token.pos,
            message,
        }
    }

    /// `expressions NEWLINE* ENDMARKER`, as in Python's eval mode.
    fn parse_eval_input(&mut self) -> Res<Node> {
        let first = self.parse_expr()?;
        let node = if self.is_op(Op::Comma) {
            let pos = first.pos;
            let mut items = vec![first];
            while self.is_op(Op::Comma) {
                self.pos += 1;
                if matches!(self.peek().kind, TokKind::Newline | TokKind::End) {
                    break;
                }
                items.push(self.parse_expr()?);
            }
            Node::new(NodeKind::Tuple(items), pos)
        } else {
            first
        };
        while matches!(self.peek().kind, TokKind::Newline) {
            self.pos += 1;
        }
        match self.peek().kind {
            TokKind::End => Ok(node),
            _ => Err(self.unexpected("the end of input after the expression")),
        }
    }

    /// A sum: `unary (('+' | '-') unary)?`. Longer chains can never be literals.
    fn parse_expr(&mut self) -> Res<Node> {
        let left = self.parse_unary()?;
        let Some(subtract) = self.sign() else {
            return Ok(left);
        };
        self.pos += 1;
        let right = self.parse_unary()?;
        if self.sign().is_some() {
            return fail(
                self.peek().pos,
                "only one `+` or `-` between a real and an imaginary number is allowed (as in `1+2j`)",
            );
        }
        let pos = left.pos;
        Ok(Node::new(
            NodeKind::BinOp {
                subtract,
                left: Box::new(left),
                right: Box::new(right),
            },
            pos,
        ))
    }

    fn parse_unary(&mut self) -> Res<Node> {
        let Some(negative) = self.sign() else {
            return self.parse_primary();
        };
        let pos = self.bump();
        if self.sign().is_some() {
            return fail(
                self.peek().pos,
                "only one unary sign is allowed: Python's literal_eval rejects `--1` and `+-1`",
            );
        }
        let operand = self.parse_primary()?;
        Ok(Node::new(
            NodeKind::Unary {
                negative,
                operand: Box::new(operand),
            },
            pos,
        ))
    }

    /// An atom followed by trailers; only `set()` survives.
    fn parse_primary(&mut self) -> Res<Node> {
        let mut node = self.parse_atom()?;
        loop {
            let token = self.peek();
            match token.kind {
                TokKind::Op(Op::LParen) => {
                    let name = match &node.kind {
                        NodeKind::Name(name) => name,
                        _ => return fail(token.pos, "function calls are not allowed in a literal"),
                    };
                    if !is_set_name(name) {
                        return fail(
                            node.pos,
                            format!("function calls are not allowed: `{}(`", excerpt(name)),
                        );
                    }
                    self.pos += 1;
                    if !self.is_op(Op::RParen) {
                        return fail(
                            self.peek().pos,
                            "`set()` is the only call allowed, and only without arguments",
                        );
                    }
                    self.pos += 1;
                    node = Node::new(NodeKind::EmptySet, node.pos);
                }
                TokKind::Op(Op::LBracket) => {
                    return fail(
                        token.pos,
                        "subscripts (`x[...]`) are not allowed in a literal",
                    )
                }
                TokKind::Op(Op::Dot) => {
                    return fail(
                        token.pos,
                        "attribute access (`x.y`) is not allowed in a literal",
                    )
                }
                _ => return Ok(node),
            }
        }
    }

    fn parse_atom(&mut self) -> Res<Node> {
        let token = self.peek();
        let pos = token.pos;
        match &token.kind {
            TokKind::Number(value) => {
                self.pos += 1;
                Ok(Node::new(NodeKind::Const(value.clone()), pos))
            }
            TokKind::Str(_) => self.parse_strings(),
            TokKind::Name(name) => {
                let value = match name.as_str() {
                    "True" => PyValue::Bool(true),
                    "False" => PyValue::Bool(false),
                    "None" => PyValue::None,
                    n if KEYWORDS.contains(&n) => return fail(pos, keyword_message(n)),
                    _ => {
                        self.pos += 1;
                        return Ok(Node::new(NodeKind::Name(name.clone()), pos));
                    }
                };
                self.pos += 1;
                Ok(Node::new(NodeKind::Const(value), pos))
            }
            TokKind::Op(Op::LParen) => self.parse_parenthesized(),
            TokKind::Op(Op::LBracket) => {
                self.pos += 1;
                let items = self.parse_elements(Op::RBracket, "list")?;
                Ok(Node::new(NodeKind::List(items), pos))
            }
            TokKind::Op(Op::LBrace) => self.parse_braces(),
            _ => Err(self.unexpected("a value")),
        }
    }

    /// Adjacent string literals concatenate; bytes and str cannot mix.
    fn parse_strings(&mut self) -> Res<Node> {
        let pos = self.peek().pos;
        let mut text: Option<String> = None;
        let mut bytes: Option<Vec<u8>> = None;
        while let TokKind::Str(lit) = &self.peek().kind {
            let at = self.bump();
            if lit.formatted {
                return fail(
                    at,
                    "f-strings are not literals (they are evaluated at run time)",
                );
            }
            match &lit.value {
                PyValue::Bytes(b) if text.is_none() => bytes.get_or_insert_with(Vec::new).extend(b),
                PyValue::Str(s) if bytes.is_none() => {
                    text.get_or_insert_with(String::new).push_str(s)
                }
                _ => {
                    return fail(
                        at,
                        "cannot mix bytes and str literals in an implicit concatenation",
                    )
                }
            }
        }
        let value = match bytes {
            Some(b) => PyValue::Bytes(b),
            None => PyValue::Str(text.unwrap_or_default()),
        };
        Ok(Node::new(NodeKind::Const(value), pos))
    }

    /// `()`, `(x)` or a tuple.
    fn parse_parenthesized(&mut self) -> Res<Node> {
        let pos = self.bump();
        if self.is_op(Op::RParen) {
            self.pos += 1;
            return Ok(Node::new(NodeKind::Tuple(Vec::new()), pos));
        }
        let first = self.parse_expr()?;
        if self.is_op(Op::RParen) {
            self.pos += 1;
            return Ok(first);
        }
        if !self.is_op(Op::Comma) {
            return Err(self.unexpected("`,` or `)`"));
        }
        self.pos += 1;
        let mut items = vec![first];
        items.extend(self.parse_elements(Op::RParen, "tuple")?);
        Ok(Node::new(NodeKind::Tuple(items), pos))
    }

    /// Comma-separated expressions up to and including `close`, with an
    /// optional trailing comma; the opening bracket is already consumed.
    fn parse_elements(&mut self, close: Op, what: &str) -> Res<Vec<Node>> {
        let mut items = Vec::new();
        while !self.is_op(close) {
            items.push(self.parse_expr()?);
            if self.is_op(Op::Comma) {
                self.pos += 1;
            } else if !self.is_op(close) {
                return Err(self.unexpected(&format!("`,` or `{}` in {what}", close.text())));
            }
        }
        self.pos += 1;
        Ok(items)
    }

    /// `{}`, a dict display or a set display.
    fn parse_braces(&mut self) -> Res<Node> {
        let pos = self.bump();
        if self.is_op(Op::RBrace) {
            self.pos += 1;
            return Ok(Node::new(NodeKind::Dict(Vec::new()), pos));
        }
        let first = self.parse_dict_key()?;
        if !self.is_op(Op::Colon) {
            let mut items = vec![first];
            if self.is_op(Op::Comma) {
                self.pos += 1;
            } else if !self.is_op(Op::RBrace) {
                return Err(self.unexpected("`,`, `:` or `}`"));
            }
            items.extend(self.parse_elements(Op::RBrace, "set")?);
            return Ok(Node::new(NodeKind::Set(items), pos));
        }
        self.pos += 1;
        let value = self.parse_expr()?;
        let mut pairs = vec![(first, value)];
        loop {
            if self.is_op(Op::RBrace) {
                self.pos += 1;
                return Ok(Node::new(NodeKind::Dict(pairs), pos));
            }
            self.expect_op(Op::Comma, "`,` or `}` in dict")?;
            if self.is_op(Op::RBrace) {
                continue;
            }
            let key = self.parse_dict_key()?;
            self.expect_op(Op::Colon, "`:` after dictionary key")?;
            let value = self.parse_expr()?;
            pairs.push((key, value));
        }
    }

    fn parse_dict_key(&mut self) -> Res<Node> {
        if self.is_op(Op::DoubleStar) {
            return fail(
                self.peek().pos,
                "dict unpacking (`**`) is not allowed in a literal",
            );
        }
        self.parse_expr()
    }
}

fn operator_message(op: &str) -> Option<String> {
    Some(match op {
        "..." => "`...` (Ellipsis) is not supported".into(),
        "." => "attribute access (`x.y`) is not allowed in a literal".into(),
        ":=" => "assignment expressions (`:=`) are not allowed in a literal".into(),
        "=" => "`=` is not allowed in a literal (no assignments or keyword arguments)".into(),
        ";" => "`;` is not allowed: the text must be a single expression".into(),
        "*" => "`*` (multiplication or unpacking) is not allowed in a literal".into(),
        "**" => "`**` (power or dict unpacking) is not allowed in a literal".into(),
        "->" => "`->` is not allowed in a literal".into(),
        op if op.ends_with('=') && !matches!(op, "==" | "!=" | "<=" | ">=") => {
            format!("augmented assignment `{op}` is not allowed in a literal")
        }
        "/" | "//" | "%" | "@" | "<<" | ">>" | "&" | "|" | "^" | "~" | "<" | ">" | "==" | "!="
        | "<=" | ">=" => format!(
            "operator `{op}` is not allowed in a literal (only `+`/`-` between a real and an imaginary number)"
        ),
        _ => return None,
    })
}

fn keyword_message(keyword: &str) -> String {
    match keyword {
        "for" | "async" => "comprehensions are not allowed in a literal".into(),
        "if" | "else" => "conditional expressions are not allowed in a literal".into(),
        "lambda" => "lambda expressions are not allowed in a literal".into(),
        "and" | "or" | "not" | "in" | "is" => {
            format!("boolean and comparison operators (`{keyword}`) are not allowed in a literal")
        }
        _ => format!("keyword `{keyword}` cannot appear in a literal"),
    }
}

// ---------------------------------------------------------------------------
// Evaluation (the rules of `ast.literal_eval`'s `_convert`)
// ---------------------------------------------------------------------------

fn convert(node: &Node) -> Res<PyValue> {
    match &node.kind {
        NodeKind::Const(value) => Ok(value.clone()),
        NodeKind::Tuple(items) => Ok(PyValue::Tuple(convert_all(items)?)),
        NodeKind::List(items) => Ok(PyValue::List(convert_all(items)?)),
        NodeKind::EmptySet => Ok(PyValue::Set(Vec::new())),
        NodeKind::Set(items) => {
            let mut set = Dedup::default();
            for item in items {
                let value = convert(item)?;
                set.insert(value, item.pos, "set element")?;
            }
            Ok(PyValue::Set(set.values))
        }
        NodeKind::Dict(pairs) => {
            let mut keys = Dedup::default();
            let mut values = Vec::new();
            for (key_node, value_node) in pairs {
                let key = convert(key_node)?;
                let value = convert(value_node)?;
                match keys.insert(key, key_node.pos, "dict key")? {
                    Some(existing) => values[existing] = value,
                    None => values.push(value),
                }
            }
            Ok(PyValue::Dict(keys.values.into_iter().zip(values).collect()))
        }
        NodeKind::BinOp {
            subtract,
            left,
            right,
        } => {
            let real = convert_signed_number(left)?;
            let imaginary = convert_number(right, "the right operand of `+`/`-`")?;
            match (&real, imaginary) {
                (PyValue::Int(_) | PyValue::BigInt(_) | PyValue::Float(_), PyValue::Complex(re, im)) => {
                    let x = real_to_f64(&real, left.pos)?;
                    Ok(if *subtract {
                        PyValue::Complex(x - re, 0.0 - im)
                    } else {
                        PyValue::Complex(x + re, 0.0 + im)
                    })
                }
                _ => fail(
                    node.pos,
                    "`+` and `-` are only allowed between a real and an imaginary number (as in `1+2j`)",
                ),
            }
        }
        _ => convert_signed_number(node),
    }
}

fn convert_all(items: &[Node]) -> Res<Vec<PyValue>> {
    items.iter().map(convert).collect()
}

fn convert_signed_number(node: &Node) -> Res<PyValue> {
    match &node.kind {
        NodeKind::Unary { negative, operand } => {
            let value = convert_number(operand, "a unary `+`/`-`")?;
            Ok(if *negative { negate(value) } else { value })
        }
        _ => convert_number(node, "this position"),
    }
}

fn convert_number(node: &Node, context: &str) -> Res<PyValue> {
    match &node.kind {
        NodeKind::Const(
            value @ (PyValue::Int(_)
            | PyValue::BigInt(_)
            | PyValue::Float(_)
            | PyValue::Complex(..)),
        ) => Ok(value.clone()),
        NodeKind::Name(name) => fail(
            node.pos,
            format!("name `{}` is not a literal", excerpt(name)),
        ),
        NodeKind::Unary { .. } => fail(
            node.pos,
            "only one unary sign is allowed, and not in front of `(...)` holding another sign",
        ),
        NodeKind::BinOp { .. } => fail(
            node.pos,
            "a complex sum `a+bj` cannot be signed or combined further",
        ),
        NodeKind::Const(value) => fail(
            node.pos,
            format!("{context} needs a number, not a {}", value.type_name()),
        ),
        _ => fail(node.pos, format!("{context} needs a number")),
    }
}

/// Values compared with Python's `==` and hashed consistently with it, for
/// dict keys and set elements.
#[derive(Default)]
struct Dedup {
    values: Vec<PyValue>,
    index: HashMap<u64, Vec<usize>>,
}

impl Dedup {
    /// Adds `value` unless an equal one is present; returns the index of the
    /// equal value already there. Errors on unhashable values.
    fn insert(&mut self, value: PyValue, pos: usize, what: &str) -> Res<Option<usize>> {
        if let Some(kind) = unhashable_type(&value) {
            return fail(pos, format!("unhashable type: '{kind}' cannot be a {what}"));
        }
        let mut hasher = DefaultHasher::new();
        hash_value(&value, &mut hasher);
        let bucket = self.index.entry(hasher.finish()).or_default();
        if let Some(&existing) = bucket.iter().find(|&&i| py_eq(&self.values[i], &value)) {
            return Ok(Some(existing));
        }
        bucket.push(self.values.len());
        self.values.push(value);
        Ok(None)
    }
}

fn unhashable_type(value: &PyValue) -> Option<&'static str> {
    match value {
        PyValue::List(_) | PyValue::Dict(_) | PyValue::Set(_) => Some(value.type_name()),
        PyValue::Tuple(items) => items.iter().find_map(unhashable_type),
        _ => None,
    }
}

/// A numeric value reduced so that Python-equal numbers are equal keys:
/// `True == 1 == 1.0 == (1+0j)`, `0.0 == -0.0`, exact int/float comparison.
#[derive(PartialEq, Eq, Hash)]
enum NumKey {
    Int(i64),
    Big(String),
    Real(u64),
    Complex(u64, u64),
}

fn real_key(f: f64) -> NumKey {
    const LIMIT: f64 = 9_223_372_036_854_775_808.0; // 2^63
    if f.is_finite() && f.fract() == 0.0 {
        if (-LIMIT..LIMIT).contains(&f) {
            NumKey::Int(f as i64)
        } else {
            NumKey::Big(format!("{f:.0}"))
        }
    } else {
        NumKey::Real(f.to_bits())
    }
}

fn num_key(value: &PyValue) -> Option<NumKey> {
    Some(match value {
        PyValue::Bool(b) => NumKey::Int(i64::from(*b)),
        PyValue::Int(i) => NumKey::Int(*i),
        PyValue::BigInt(text) => NumKey::Big(text.clone()),
        PyValue::Float(f) => real_key(*f),
        PyValue::Complex(re, im) if *im == 0.0 => real_key(*re),
        PyValue::Complex(re, im) => NumKey::Complex((re + 0.0).to_bits(), im.to_bits()),
        _ => return None,
    })
}

fn has_nan(value: &PyValue) -> bool {
    match value {
        PyValue::Float(f) => f.is_nan(),
        PyValue::Complex(re, im) => re.is_nan() || im.is_nan(),
        _ => false,
    }
}

fn py_eq(a: &PyValue, b: &PyValue) -> bool {
    match (a, b) {
        (PyValue::None, PyValue::None) => true,
        (PyValue::Str(x), PyValue::Str(y)) => x == y,
        (PyValue::Bytes(x), PyValue::Bytes(y)) => x == y,
        (PyValue::Tuple(x), PyValue::Tuple(y)) | (PyValue::List(x), PyValue::List(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| py_eq(p, q))
        }
        _ => match (num_key(a), num_key(b)) {
            (Some(x), Some(y)) => x == y && !has_nan(a) && !has_nan(b),
            _ => false,
        },
    }
}

fn hash_value(value: &PyValue, hasher: &mut DefaultHasher) {
    match value {
        PyValue::None => 0u8.hash(hasher),
        PyValue::Str(s) => {
            1u8.hash(hasher);
            s.hash(hasher);
        }
        PyValue::Bytes(b) => {
            2u8.hash(hasher);
            b.hash(hasher);
        }
        PyValue::Tuple(items) => {
            3u8.hash(hasher);
            items.len().hash(hasher);
            for item in items {
                hash_value(item, hasher);
            }
        }
        _ => match num_key(value) {
            Some(key) => {
                4u8.hash(hasher);
                key.hash(hasher);
            }
            None => 5u8.hash(hasher),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(src: &str) -> PyValue {
        literal_eval(src).unwrap_or_else(|e| panic!("{src:?} should be accepted, got: {e}"))
    }

    fn err(src: &str) -> ParseError {
        match literal_eval(src) {
            Ok(value) => panic!("{src:?} should be rejected, got {value:?}"),
            Err(e) => e,
        }
    }

    fn err_msg(src: &str) -> String {
        err(src).message
    }

    fn canon(src: &str) -> String {
        ok(src).to_canonical_json().to_string()
    }

    fn s(text: &str) -> PyValue {
        PyValue::Str(text.into())
    }

    fn int(i: i64) -> PyValue {
        PyValue::Int(i)
    }

    // --- constants and names ---------------------------------------------

    #[test]
    fn keywords_constants() {
        assert_eq!(ok("None"), PyValue::None);
        assert_eq!(ok("True"), PyValue::Bool(true));
        assert_eq!(ok("False"), PyValue::Bool(false));
    }

    #[test]
    fn names_are_rejected_with_position() {
        let e = err("{'a': foo}");
        assert_eq!((e.line, e.column), (1, 7));
        assert_eq!(e.message, "name `foo` is not a literal");
        assert!(err_msg("true").contains("`true`"));
        assert!(err_msg("NotImplemented").contains("not a literal"));
        assert!(err_msg("set").contains("not a literal"));
        let long = "x".repeat(10_000);
        assert_eq!(
            err_msg(&long),
            format!("name `{}…` is not a literal", "x".repeat(40))
        );
    }

    #[test]
    fn unicode_identifiers_are_rejected() {
        let e = err("{\n  'name': nombre_ñ,\n}");
        assert_eq!((e.line, e.column), (2, 11));
        assert!(e.message.contains("nombre_ñ"), "{}", e.message);
        // NFKC-normalized `True` is a name, not the constant.
        err("Ｔｒｕｅ");
        assert!(err_msg("{'a': €}").contains("U+20AC"));
    }

    #[test]
    fn keywords_other_than_constants_are_rejected() {
        assert!(err_msg("lambda: 1").contains("lambda"));
        assert!(err_msg("[x for x in ()]").contains("comprehensions"));
        assert!(err_msg("1 if True else 2").contains("conditional"));
        assert!(err_msg("not 1").contains("`not`"));
        assert!(err_msg("1 and 2").contains("`and`"));
        err("yield");
        err("await x");
    }

    // --- numbers ---------------------------------------------------------------

    #[test]
    fn decimal_integers() {
        assert_eq!(ok("0"), int(0));
        assert_eq!(ok("00"), int(0));
        assert_eq!(ok("0_0"), int(0));
        assert_eq!(ok("1_000_000"), int(1_000_000));
        assert_eq!(ok("9223372036854775807"), int(i64::MAX));
        assert_eq!(
            ok("9223372036854775808"),
            PyValue::BigInt("9223372036854775808".into())
        );
        assert_eq!(ok("-9223372036854775808"), int(i64::MIN));
        assert_eq!(
            ok("-9223372036854775809"),
            PyValue::BigInt("-9223372036854775809".into())
        );
        assert_eq!(ok(&"0".repeat(5000)), int(0));
    }

    #[test]
    fn invalid_decimal_integers() {
        assert!(err_msg("01").contains("leading zeros"));
        assert!(err_msg("0_1").contains("leading zeros"));
        assert!(err_msg("00_1").contains("leading zeros"));
        for src in [
            "1_", "1__0", "0_", "1a", "1if", "1_.5", "1._5", "1e", "1e+", "1e_5", "1.5_",
        ] {
            assert!(err_msg(src).contains("invalid"), "{src}");
        }
    }

    #[test]
    fn python_int_digit_limit() {
        assert!(matches!(ok(&"1".repeat(4300)), PyValue::BigInt(_)));
        assert!(err_msg(&"1".repeat(4301)).contains("4300"));
        err(&format!("1{}", "_1".repeat(4300)));
    }

    #[test]
    fn radix_integers() {
        assert_eq!(ok("0x1F"), int(31));
        assert_eq!(ok("0X_f_F"), int(255));
        assert_eq!(ok("0o17"), int(15));
        assert_eq!(ok("0O7"), int(7));
        assert_eq!(ok("0b101"), int(5));
        assert_eq!(ok("0b_1_1"), int(3));
        assert_eq!(ok("0x7fffffffffffffff"), int(i64::MAX));
        assert_eq!(
            ok("0x8000000000000000"),
            PyValue::BigInt("9223372036854775808".into())
        );
        assert_eq!(ok("-0x8000000000000000"), int(i64::MIN));
        assert_eq!(
            ok("0xffffffffffffffffffff"),
            PyValue::BigInt("1208925819614629174706175".into())
        );
        assert_eq!(
            ok("0o777777777777777777777777"),
            PyValue::BigInt("4722366482869645213695".into())
        );
        assert_eq!(
            ok(&format!("0b1{}", "0".repeat(100))),
            PyValue::BigInt("1267650600228229401496703205376".into())
        );
    }

    #[test]
    fn invalid_radix_integers() {
        assert!(err_msg("0b12").contains("invalid digit '2' in binary literal"));
        assert!(err_msg("0o8").contains("invalid digit '8' in octal literal"));
        for src in [
            "0x", "0x_", "0x1_", "0x1__2", "0xg", "0x1j", "0b", "0o_", "0xj",
        ] {
            assert!(err_msg(src).contains("invalid"), "{src}");
        }
        assert!(err_msg(&format!("0x{}", "f".repeat(40_000))).contains("too large"));
    }

    #[test]
    fn floats() {
        assert_eq!(ok("1.5"), PyValue::Float(1.5));
        assert_eq!(ok("1."), PyValue::Float(1.0));
        assert_eq!(ok(".5"), PyValue::Float(0.5));
        assert_eq!(ok("1e3"), PyValue::Float(1000.0));
        assert_eq!(ok("1E-2"), PyValue::Float(0.01));
        assert_eq!(ok("1.e5"), PyValue::Float(1e5));
        assert_eq!(ok("1_000.5"), PyValue::Float(1000.5));
        assert_eq!(ok("1e1_0"), PyValue::Float(1e10));
        assert_eq!(ok("01.5"), PyValue::Float(1.5));
        assert_eq!(ok("0_9.5"), PyValue::Float(9.5));
        assert_eq!(ok("00e5"), PyValue::Float(0.0));
        assert_eq!(ok("1e999"), PyValue::Float(f64::INFINITY));
        assert_eq!(
            ok(&format!("{}.0", "1".repeat(5000))),
            PyValue::Float(f64::INFINITY)
        );
        err("1.5.5");
        err("1..");
        err("0x1.5");
        err("._5");
    }

    #[test]
    fn imaginary_and_complex() {
        assert_eq!(ok("1j"), PyValue::Complex(0.0, 1.0));
        assert_eq!(ok("1.5J"), PyValue::Complex(0.0, 1.5));
        assert_eq!(ok("09j"), PyValue::Complex(0.0, 9.0));
        assert_eq!(ok("1+2j"), PyValue::Complex(1.0, 2.0));
        assert_eq!(ok("1.5 - 2j"), PyValue::Complex(1.5, -2.0));
        assert_eq!(ok("-1-2j"), PyValue::Complex(-1.0, -2.0));
        assert_eq!(ok("(1)+(2j)"), PyValue::Complex(1.0, 2.0));
        assert_eq!(ok("(1+2j)"), PyValue::Complex(1.0, 2.0));
        assert_eq!(canon("-1j"), r#"{"$complex":["-0.0","-1.0"]}"#);
        assert_eq!(canon("1e999-1e999j"), r#"{"$complex":["inf","-inf"]}"#);
        for src in [
            "1+2", "1j+2j", "1+2j+3j", "1+-2j", "-(1+2j)", "True+1j", "'a'+1j", "1*2j", "2**3",
        ] {
            err(src);
        }
        assert!(err_msg(&format!("{}+1j", "1".repeat(400))).contains("too large to convert"));
        err("1jj");
        err("1j5");
    }

    #[test]
    fn unary_signs() {
        assert_eq!(ok("-1"), int(-1));
        assert_eq!(ok("+1"), int(1));
        assert_eq!(ok("- 1"), int(-1));
        assert_eq!(ok("-\\\n1"), int(-1));
        assert_eq!(ok("-(1)"), int(-1));
        assert_eq!(ok("-(1j)"), PyValue::Complex(-0.0, -1.0));
        assert_eq!(canon("-0.0"), r#"{"$float":"-0.0"}"#);
        // Python 3.11 accepts exactly one sign.
        for src in ["--1", "+-1", "-+1", "- - 1", "-(-(1))", "+(+1)", "--1+2j"] {
            assert!(literal_eval(src).is_err(), "{src}");
        }
        assert!(err_msg("--1").contains("one unary sign"));
        err("-True");
        err("-'a'");
        err("-[1]");
        err("-set()");
        err("~1");
    }

    // --- strings ---------------------------------------------------------------

    #[test]
    fn quotes_and_prefixes() {
        assert_eq!(ok("'a'"), s("a"));
        assert_eq!(ok("\"a\""), s("a"));
        assert_eq!(ok("'''a'b\"c'''"), s("a'b\"c"));
        assert_eq!(ok(r#""""a""b""""#), s("a\"\"b"));
        assert_eq!(ok("''"), s(""));
        assert_eq!(ok("''''''"), s(""));
        assert_eq!(ok("u'x'"), s("x"));
        assert_eq!(ok("U'x'"), s("x"));
        assert_eq!(ok("R'\\d'"), s("\\d"));
        for prefix in ["b", "B", "br", "bR", "Br", "BR", "rb", "rB", "Rb", "RB"] {
            assert_eq!(
                ok(&format!("{prefix}'x'")),
                PyValue::Bytes(b"x".to_vec()),
                "{prefix}"
            );
        }
        for src in ["ur'x'", "bu'x'", "ub'x'", "bf'x'", "x'a'"] {
            err(src);
        }
    }

    #[test]
    fn f_strings_are_rejected() {
        for src in ["f'x'", "F'x'", "rf'x'", "fR'{a}'", "'a' f'b'", "f'{1}'"] {
            assert!(err_msg(src).contains("f-strings"), "{src}");
        }
    }

    #[test]
    fn simple_escapes() {
        assert_eq!(
            ok(r#"'\\ \' \" \a \b \f \n \r \t \v'"#),
            s("\\ ' \" \x07 \x08 \x0c \n \r \t \x0b")
        );
        assert_eq!(ok("'a\\\nb'"), s("ab"));
        assert_eq!(ok("'''a\\\nb'''"), s("ab"));
    }

    #[test]
    fn numeric_escapes() {
        assert_eq!(ok(r"'\101\0\08\7777'"), s("A\0\x008\u{1ff}7"));
        assert_eq!(ok(r"'\400'"), s("\u{100}"));
        assert_eq!(ok(r"'\x41\xe9'"), s("Aé"));
        assert_eq!(ok(r"'\u00e9\U0001F600'"), s("é😀"));
        assert_eq!(ok(r"'\U0010ffff'"), s("\u{10ffff}"));
        assert!(err_msg(r"'\x4'").contains("truncated"));
        assert!(err_msg(r"'\xzz'").contains("truncated"));
        assert!(err_msg(r"'\u12'").contains("truncated"));
        assert!(err_msg(r"'\U0001F60'").contains("truncated"));
        assert!(err_msg(r"'\U00110000'").contains("illegal Unicode character"));
        // Lone surrogates cannot be represented and become U+FFFD.
        assert_eq!(ok(r"'\ud800'"), s("\u{fffd}"));
    }

    #[test]
    fn named_escapes() {
        assert_eq!(ok(r"'\N{SNOWMAN}'"), s("☃"));
        assert_eq!(ok(r"'\N{latin small letter a}'"), s("a"));
        assert_eq!(ok(r"'\N{LF}\N{BOM}'"), s("\n\u{feff}"));
        assert_eq!(ok(r"'\N{LATIN CAPITAL LETTER GHA}'"), s("Ƣ"));
        assert_eq!(ok(r"'\N{CJK UNIFIED IDEOGRAPH-4E00}'"), s("一"));
        assert_eq!(ok(r"'\N{HANGUL SYLLABLE GA}'"), s("가"));
        // Python 3.11 does not know these.
        for name in [
            "cjk unified ideograph-4e00",
            "CJK UNIFIED IDEOGRAPH-4e00",
            "hangul syllable GA",
            "EM",
            "CJK UNIFIED IDEOGRAPH-31350",
            "NOPE",
            " SNOWMAN",
        ] {
            let e = err(&format!(r"'\N{{{name}}}'"));
            assert!(
                e.message.contains("unknown Unicode character name"),
                "{name}: {e}"
            );
        }
        for src in [r"'\N'", r"'\N{}'", r"'\N{SNOWMAN'", r"'\Nx'"] {
            assert!(err_msg(src).contains("malformed"), "{src}");
        }
    }

    #[test]
    fn unknown_escapes_are_kept() {
        assert_eq!(ok(r"'\d+\.\8\q'"), s("\\d+\\.\\8\\q"));
        assert_eq!(ok("'\\é'"), s("\\é"));
    }

    #[test]
    fn raw_strings_keep_backslashes() {
        assert_eq!(ok(r"r'\n\x\N'"), s(r"\n\x\N"));
        assert_eq!(ok(r"r'\''"), s(r"\'"));
        assert_eq!(ok("r'a\\\nb'"), s("a\\\nb"));
        assert!(err_msg(r"r'\'").contains("unterminated"));
    }

    #[test]
    fn bytes_literals() {
        assert_eq!(
            ok(r"b'\x00\xff\n\777'"),
            PyValue::Bytes(vec![0, 0xff, b'\n', 0xff])
        );
        assert_eq!(ok(r"b'\400'"), PyValue::Bytes(vec![0]));
        assert_eq!(
            ok(r"b'\u1234\N{X}\d'"),
            PyValue::Bytes(br"\u1234\N{X}\d".to_vec())
        );
        assert_eq!(ok(r"rb'\n'"), PyValue::Bytes(br"\n".to_vec()));
        let e = err("b'caf\u{e9}'");
        assert!(e.message.contains("ASCII"));
        assert_eq!(e.column, 6);
        assert!(err_msg("rb'\\é'").contains("ASCII"));
        assert!(err_msg(r"b'\x4'").contains("\\x"));
    }

    #[test]
    fn unterminated_strings() {
        let e = err("{'a': 'b\n}");
        assert_eq!((e.line, e.column), (1, 7));
        assert!(e.message.contains("unterminated string"));
        assert!(err_msg("'abc\\'").contains("unterminated"));
        assert!(err_msg("'''abc\n").contains("unterminated triple-quoted"));
        assert!(err_msg("''''a''''").contains("unterminated"));
        assert!(err_msg("'a\rb'").contains("unterminated"));
    }

    #[test]
    fn implicit_concatenation() {
        assert_eq!(ok("'a' 'b'"), s("ab"));
        assert_eq!(ok("'a''b'"), s("ab"));
        assert_eq!(ok("u'a' r'\\b' \"c\""), s("a\\bc"));
        assert_eq!(ok("('a'\n  # comment\n 'b')"), s("ab"));
        assert_eq!(ok("'a' \\\n 'b'"), s("ab"));
        assert_eq!(ok("b'a' B'b'"), PyValue::Bytes(b"ab".to_vec()));
        assert!(err_msg("'a' b'b'").contains("cannot mix"));
        assert!(err_msg("b'a' 'b'").contains("cannot mix"));
        err("'a'\n'b'");
    }

    // --- containers ------------------------------------------------------------

    #[test]
    fn tuples() {
        assert_eq!(ok("()"), PyValue::Tuple(vec![]));
        assert_eq!(ok("(1,)"), PyValue::Tuple(vec![int(1)]));
        assert_eq!(ok("(1)"), int(1));
        assert_eq!(
            ok("((1, 2), 3,)"),
            PyValue::Tuple(vec![PyValue::Tuple(vec![int(1), int(2)]), int(3)])
        );
        assert_eq!(ok("1,"), PyValue::Tuple(vec![int(1)]));
        assert_eq!(ok("1, 2"), PyValue::Tuple(vec![int(1), int(2)]));
        assert_eq!(ok("1, 2,\n"), PyValue::Tuple(vec![int(1), int(2)]));
        for src in ["(,)", "1,,", "(1,,)", "(1 2)", ","] {
            err(src);
        }
    }

    #[test]
    fn lists_sets_dicts() {
        assert_eq!(ok("[]"), PyValue::List(vec![]));
        assert_eq!(ok("[1, 'a',]"), PyValue::List(vec![int(1), s("a")]));
        assert_eq!(ok("{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("{1}"), PyValue::Set(vec![int(1)]));
        assert_eq!(ok("{1, 2,}"), PyValue::Set(vec![int(1), int(2)]));
        assert_eq!(ok("{'a': 1,}"), PyValue::Dict(vec![(s("a"), int(1))]));
        assert_eq!(
            ok("{'a': {'b': [(1, {2})]}}"),
            PyValue::Dict(vec![(
                s("a"),
                PyValue::Dict(vec![(
                    s("b"),
                    PyValue::List(vec![PyValue::Tuple(vec![
                        int(1),
                        PyValue::Set(vec![int(2)])
                    ])])
                )])
            )])
        );
        for src in [
            "[,]", "{,}", "{1:}", "{:1}", "{1:2:3}", "{1:2,3}", "{1,2:3}", "[1 2]", "{1 2}",
            "[1,,]",
        ] {
            err(src);
        }
    }

    #[test]
    fn empty_set_call() {
        assert_eq!(ok("set()"), PyValue::Set(vec![]));
        assert_eq!(ok("set ( )"), PyValue::Set(vec![]));
        assert_eq!(ok("(set)()"), PyValue::Set(vec![]));
        assert_eq!(ok("((set))(\n)"), PyValue::Set(vec![]));
        // Python normalizes identifiers with NFKC.
        assert_eq!(ok("ｓｅｔ()"), PyValue::Set(vec![]));
        assert_eq!(ok("ſet()"), PyValue::Set(vec![]));
        assert_eq!(ok("\u{1d42c}\u{1d41e}\u{1d42d}()"), PyValue::Set(vec![]));
        assert!(err_msg("set(1)").contains("without arguments"));
        err("set([])");
        err("set()()");
        err("set()[0]");
        err("frozenset()");
    }

    #[test]
    fn other_calls_are_rejected() {
        let e = err("{\n  'a': dict(b=1),\n}");
        assert_eq!(e.message, "function calls are not allowed: `dict(`");
        assert_eq!((e.line, e.column), (2, 8));
        assert!(err_msg("'a'.upper()").contains("attribute"));
        assert!(err_msg("[1][0]").contains("subscripts"));
        assert!(err_msg("(1)(2)").contains("calls"));
    }

    #[test]
    fn other_expressions_are_rejected() {
        assert!(err_msg("(x := 1)").contains(":="));
        assert!(err_msg("[*a]").contains("`*`"));
        assert!(err_msg("{**a}").contains("unpacking"));
        assert!(err_msg("{'a': 1, **b}").contains("unpacking"));
        assert!(err_msg("1 < 2").contains("`<`"));
        assert!(err_msg("1 * 2").contains("`*`"));
        assert!(err_msg("...").contains("Ellipsis"));
        assert!(err_msg("{} ; {}").contains("`;`"));
        err("a = 1");
    }

    // --- Python dict and set semantics ---------------------------------------

    #[test]
    fn duplicate_keys_keep_first_position_and_last_value() {
        assert_eq!(
            ok("{'a': 1, 'b': 2, 'a': 3}"),
            PyValue::Dict(vec![(s("a"), int(3)), (s("b"), int(2))])
        );
        assert_eq!(
            ok("{1: 'a', True: 'b', 1.0: 'c'}"),
            PyValue::Dict(vec![(int(1), s("c"))])
        );
        assert_eq!(
            ok("{0: 1, False: 2, 0.0: 3, -0.0: 4, 0j: 5}"),
            PyValue::Dict(vec![(int(0), int(5))])
        );
        assert_eq!(
            ok("{(1, 2): 1, (1.0, 2.0): 2}"),
            PyValue::Dict(vec![(PyValue::Tuple(vec![int(1), int(2)]), int(2))])
        );
        assert_eq!(
            ok("{1+0j: 'c', 1: 'i'}"),
            PyValue::Dict(vec![(PyValue::Complex(1.0, 0.0), s("i"))])
        );
        assert_eq!(
            ok("{b'a': 1, 'a': 2}").to_canonical_json().to_string(),
            r#"{"$dict":[[{"$bytes":"61"},1],["a",2]]}"#
        );
        // Exact int/float comparison, as in Python.
        assert_eq!(
            canon("{18446744073709551616: 1, 18446744073709551616.0: 2}"),
            r#"{"$dict":[[{"$int":"18446744073709551616"},2]]}"#
        );
        assert_eq!(
            canon("{9007199254740993: 1, 9007199254740992.0: 2}"),
            r#"{"$dict":[[9007199254740993,1],[{"$float":"9007199254740992.0"},2]]}"#
        );
        assert_eq!(
            ok("{None: 1, None: 2}"),
            PyValue::Dict(vec![(PyValue::None, int(2))])
        );
    }

    #[test]
    fn sets_keep_the_first_equal_element() {
        assert_eq!(
            ok("{True, 1, 1.0}"),
            PyValue::Set(vec![PyValue::Bool(true)])
        );
        assert_eq!(ok("{-0.0, 0}"), PyValue::Set(vec![PyValue::Float(-0.0)]));
        assert_eq!(ok("{'a', 'b', 'a'}"), PyValue::Set(vec![s("a"), s("b")]));
    }

    #[test]
    fn unhashable_keys_are_rejected() {
        let e = err("{['a']: 1}");
        assert!(e.message.contains("unhashable type: 'list'"), "{e}");
        assert_eq!(e.column, 2);
        assert!(err_msg("{{}: 1}").contains("'dict'"));
        assert!(err_msg("{(1, [2]): 3}").contains("'list'"));
        assert!(err_msg("{set()}").contains("'set'"));
        assert!(err_msg("{{1: 2}}").contains("'dict'"));
    }

    // --- layout: whitespace, comments, lines ---------------------------------

    #[test]
    fn comments_in_odd_places() {
        let src = "# header\n{ # open\n  'a' # before colon\n  : # after colon\n  1 # value\n  , # comma\n  # full line\n} # close\n# trailer";
        assert_eq!(ok(src), PyValue::Dict(vec![(s("a"), int(1))]));
        assert_eq!(ok("1 #"), int(1));
        assert_eq!(ok("1\n#"), int(1));
    }

    #[test]
    fn blank_lines_and_leading_whitespace() {
        assert_eq!(ok("\n\n{}\n\n"), PyValue::Dict(vec![]));
        assert_eq!(ok("  \t {}"), PyValue::Dict(vec![]));
        assert_eq!(ok("  \n{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("{}   "), PyValue::Dict(vec![]));
        assert_eq!(ok("{}\n   # indented comment\n"), PyValue::Dict(vec![]));
        assert_eq!(ok("{}\n   \n"), PyValue::Dict(vec![]));
    }

    #[test]
    fn indentation_rules() {
        let e = err("# comment\n    {}");
        assert_eq!((e.line, e.column), (2, 5));
        assert!(e.message.contains("indentation"));
        err("\n  {}");
        err("\n\t{}");
        // A last line of spaces without a newline is an INDENT in Python.
        assert!(err_msg("{}\n   ").contains("indentation"));
        err("{}\n\t");
        // Form feed resets the column.
        assert_eq!(ok("\x0c{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("\n\x0c{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("{}\n \x0c"), PyValue::Dict(vec![]));
        err("\x0c  {}");
    }

    #[test]
    fn backslash_continuations() {
        assert_eq!(ok("1 \\\n + 2j"), PyValue::Complex(1.0, 2.0));
        assert_eq!(ok("[1, \\\n2]"), PyValue::List(vec![int(1), int(2)]));
        assert_eq!(ok("\\\n{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("\\\n\n{}"), PyValue::Dict(vec![]));
        assert_eq!(ok("{} \\\n "), PyValue::Dict(vec![]));
        assert_eq!(ok("{} \\\n# c"), PyValue::Dict(vec![]));
        assert_eq!(ok("{}\n\\\n\n"), PyValue::Dict(vec![]));
        // Indentation is measured across a leading continuation.
        err("\\\n  {}");
        err("\n \\\n{}");
        assert!(err_msg("[1, \\ \n2]").contains("continuation"));
        assert!(err_msg("1\\").contains("continuation"));
        assert!(err_msg("{} \\\n").contains("end of input"));
        err("\\\n");
    }

    #[test]
    fn line_endings() {
        let crlf = "{\r\n    'a': '''x\r\ny''',\r\n    'b': 'c\\\r\nd',\r\n}\r\n";
        assert_eq!(
            ok(crlf),
            PyValue::Dict(vec![(s("a"), s("x\ny")), (s("b"), s("cd"))])
        );
        let cr = "{\r    'a': 1,\r}";
        assert_eq!(ok(cr), PyValue::Dict(vec![(s("a"), int(1))]));
        let e = err("{\r\n'a': foo}");
        assert_eq!((e.line, e.column), (2, 6));
    }

    #[test]
    fn tabs_and_form_feeds_inside_lines() {
        assert_eq!(
            ok("{\n\t'a':\t1,\n\t\t'b':\x0c2\n}"),
            PyValue::Dict(vec![(s("a"), int(1)), (s("b"), int(2))])
        );
        assert_eq!(ok("1\x0c+\x0c2j"), PyValue::Complex(1.0, 2.0));
    }

    #[test]
    fn byte_order_mark_is_rejected_like_python() {
        // Python's `open(path, encoding="utf-8").read()` keeps the BOM, and
        // `ast.literal_eval` rejects U+FEFF as a non-printable character.
        let e = err("\u{feff}{'name': 'x'}");
        assert_eq!((e.line, e.column), (1, 1));
        assert!(e.message.contains("U+FEFF"));
        // Inside a string it is just a character.
        assert_eq!(ok("'\u{feff}'"), s("\u{feff}"));
    }

    #[test]
    fn invalid_characters() {
        assert!(err_msg("1\0").contains("NUL"));
        assert!(err_msg("# \0\n1").contains("NUL"));
        assert!(err_msg("{\x0b}").contains("U+000B"));
        assert!(err_msg("{\u{a0}}").contains("U+00A0"));
        assert!(err_msg("$").contains("'$'"));
        assert_eq!(ok("1 # \u{2028} ok in a comment"), int(1));
    }

    #[test]
    fn single_expression_only() {
        assert!(err_msg("{}\n{}").contains("after the expression"));
        err("1 2");
        err("1;");
        err("'a' 1");
        assert!(err_msg("").contains("end of input"));
        err(" ");
        err("\n");
        err("# only a comment");
    }

    #[test]
    fn brackets_must_balance() {
        let e = err("{\n  'a': [\n    1,\n");
        assert_eq!(
            e.message,
            "unexpected end of input, `[` opened at line 2 column 8 is not closed"
        );
        assert!(err_msg("[(])").contains("does not match `(` opened at line 1 column 2"));
        assert!(err_msg("]").contains("unmatched"));
        assert!(err_msg("(1))").contains("unmatched"));
    }

    #[test]
    fn nesting_limit_matches_python() {
        let depth = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        assert!(literal_eval(&depth(200)).is_ok());
        assert!(err_msg(&depth(201)).contains("too many nested"));
        assert!(literal_eval(&format!("{}1{}", "(".repeat(200), ")".repeat(200))).is_ok());
        // Far deeper input fails cleanly instead of overflowing the stack.
        assert!(literal_eval(&"[".repeat(1_000_000)).is_err());
        assert!(literal_eval(&"-".repeat(100_000)).is_err());
        assert!(literal_eval(&"1+".repeat(100_000)).is_err());
    }

    // --- API -------------------------------------------------------------------

    #[test]
    fn type_names() {
        let cases = [
            ("None", "NoneType"),
            ("True", "bool"),
            ("1", "int"),
            ("99999999999999999999", "int"),
            ("1.0", "float"),
            ("1j", "complex"),
            ("'a'", "str"),
            ("b'a'", "bytes"),
            ("[]", "list"),
            ("()", "tuple"),
            ("set()", "set"),
            ("{}", "dict"),
        ];
        for (src, name) in cases {
            assert_eq!(ok(src).type_name(), name, "{src}");
        }
    }

    #[test]
    fn accessors() {
        let manifest = ok("{'name': 'Sale', 'installable': True, 'name': 'Sales'}");
        assert_eq!(
            manifest.get("name").and_then(PyValue::as_str),
            Some("Sales")
        );
        assert_eq!(
            manifest.get("installable").and_then(PyValue::as_bool),
            Some(true)
        );
        assert_eq!(manifest.get("missing"), None);
        assert_eq!(ok("1").as_bool(), None);
        assert_eq!(ok("'x'").get("x"), None);
        assert_eq!(ok("b'x'").as_str(), None);
    }

    #[test]
    fn truthiness() {
        for src in [
            "True",
            "1",
            "-1",
            "99999999999999999999",
            "0.1",
            "1j",
            "'a'",
            "b'a'",
            "[0]",
            "(0,)",
            "{0}",
            "{0: 0}",
        ] {
            assert!(ok(src).truthy(), "{src}");
        }
        for src in [
            "None", "False", "0", "0.0", "-0.0", "0j", "''", "b''", "[]", "()", "set()", "{}",
        ] {
            assert!(!ok(src).truthy(), "{src}");
        }
    }

    #[test]
    fn error_display() {
        let e = err("[1,\n  2 3]");
        assert_eq!((e.line, e.column), (2, 5));
        assert_eq!(e.to_string(), format!("line 2, column 5: {}", e.message));
        let boxed: Box<dyn std::error::Error> = Box::new(e);
        assert!(boxed.to_string().starts_with("line 2, column 5: "));
    }

    #[test]
    fn columns_count_characters() {
        let e = err("{'é€😀': foo}");
        assert_eq!(e.column, 9);
    }

    // --- canonical JSON --------------------------------------------------------

    #[test]
    fn canonical_scalars() {
        assert_eq!(canon("None"), "null");
        assert_eq!(canon("True"), "true");
        assert_eq!(canon("-5"), "-5");
        assert_eq!(
            canon("123456789012345678901234567890"),
            r#"{"$int":"123456789012345678901234567890"}"#
        );
        assert_eq!(canon("'a\"\\n'"), r#""a\"\n""#);
        assert_eq!(canon("b'\\x00ab'"), r#"{"$bytes":"006162"}"#);
        assert_eq!(canon("1+2.5j"), r#"{"$complex":["1.0","2.5"]}"#);
    }

    #[test]
    fn float_repr_matches_python() {
        let cases = [
            ("1.0", "1.0"),
            ("0.1", "0.1"),
            ("1e16", "1e+16"),
            ("1e15", "1000000000000000.0"),
            ("1.5e16", "1.5e+16"),
            ("0.0001", "0.0001"),
            ("0.00001", "1e-05"),
            ("1.5e-7", "1.5e-07"),
            ("1e300", "1e+300"),
            ("5e-324", "5e-324"),
            ("1.7976931348623157e308", "1.7976931348623157e+308"),
            ("123456789012345678", "1.2345678901234568e+17"),
            ("1e22", "1e+22"),
            ("0.3", "0.3"),
            ("2.675", "2.675"),
            ("1e999", "inf"),
            ("-1e999", "-inf"),
            ("-0.0", "-0.0"),
            // Several 17-digit strings round-trip; Python takes the nearest.
            ("1238491795884836.2", "1238491795884836.2"),
            ("815630837219697.2", "815630837219697.2"),
        ];
        for (src, repr) in cases {
            let src = if src.contains(['.', 'e']) {
                src.to_string()
            } else {
                format!("{src}.0")
            };
            assert_eq!(
                ok(&src).to_canonical_json(),
                serde_json::json!({ "$float": repr }),
                "{src}"
            );
        }
        assert_eq!(float_repr(f64::NAN), "nan");
    }

    #[test]
    fn canonical_containers() {
        assert_eq!(
            canon("[1, (2,), {'b': 1, 'a': 2}]"),
            r#"[1,{"$tuple":[2]},{"b":1,"a":2}]"#
        );
        assert_eq!(canon("{1: 'a'}"), r#"{"$dict":[[1,"a"]]}"#);
        assert_eq!(canon("{}"), "{}");
        assert_eq!(canon("set()"), r#"{"$set":[]}"#);
        // Sorted by compact JSON text: `"a"` < `"b"` < `1` < `{...}` in bytes.
        assert_eq!(
            canon("{(1,), 1, 'b', 'a', None}"),
            r#"{"$set":["a","b",1,null,{"$tuple":[1]}]}"#
        );
    }

    // --- realistic manifests ---------------------------------------------------

    #[test]
    fn typical_manifest() {
        let src = r#"# Copyright 2024 Someone
# License AGPL-3.0 or later (https://www.gnu.org/licenses/agpl).
{
    "name": "Sale Thing",
    "summary": "Does "
               "things",  # implicit concatenation
    "version": "18.0.1.0.0",
    "author": "Odoo Community Association (OCA)",
    "license": "AGPL-3",
    "depends": ["sale", 'stock',],
    "data": [
        "security/ir.model.access.csv",
        # "views/disabled.xml",
    ],
    "assets": {"web.assets_backend": ["x/static/src/**/*"]},
    "external_dependencies": {"python": ("openupgradelib",)},
    "installable": True,
    "auto_install": False,
    "sequence": -1,
}
"#;
        let value = ok(src);
        assert_eq!(value.get("summary"), Some(&s("Does things")));
        assert_eq!(value.get("sequence"), Some(&int(-1)));
        assert_eq!(
            value.get("depends"),
            Some(&PyValue::List(vec![s("sale"), s("stock")]))
        );
        assert_eq!(
            value
                .get("external_dependencies")
                .and_then(|d| d.get("python")),
            Some(&PyValue::Tuple(vec![s("openupgradelib")]))
        );
        assert_eq!(value.get("installable").map(PyValue::truthy), Some(true));
    }

    #[test]
    fn tricky_manifest() {
        let src = "\t  # leading tab and spaces are stripped\n{\n\t'name'  # key\n\t: u'Caf\\xe9 \\N{EM DASH} ' \\\n\t  r'\\d'\n\t  '''multi\nline''',\n\t'tags': {'a', 'b', 'a'}, 'v': (1,), 'e': set(), 'n': -0x10,\n}\r\n\n# end";
        let value = ok(src);
        assert_eq!(value.get("name"), Some(&s("Café — \\dmulti\nline")));
        assert_eq!(value.get("tags"), Some(&PyValue::Set(vec![s("a"), s("b")])));
        assert_eq!(value.get("e"), Some(&PyValue::Set(vec![])));
        assert_eq!(value.get("n"), Some(&int(-16)));
    }

    /// Mutated inputs must never panic (the fuzz target covers this at scale).
    #[test]
    fn mutations_never_panic() {
        let seeds = [
            "{'name': 'x', 'depends': ['a', \"b\"], 'v': (1, 2.5, -3j), 's': {1, 2}, 'e': set()}",
            "r'\\'' b'\\x00' '\\N{SNOWMAN}' '''a\nb''' 0x_1F 1_0.5e-3 1+2j",
            "\\\n# c\n[\n\t1, \\\n 2]\r\n",
        ];
        let alphabet: Vec<char> = " \t\n\r\\#'\"()[]{},:+-j_0.xbrfuNe\x0c\u{feff}é{}}"
            .chars()
            .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = |bound: usize| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state % bound as u64) as usize
        };
        for round in 0..20_000 {
            let mut chars: Vec<char> = seeds[round % seeds.len()].chars().collect();
            for _ in 0..1 + next(4) {
                let at = next(chars.len() + 1);
                match next(3) {
                    0 if at < chars.len() => {
                        chars.remove(at);
                    }
                    1 => chars.insert(at, alphabet[next(alphabet.len())]),
                    _ => chars.truncate(at),
                }
            }
            let text: String = chars.into_iter().collect();
            if let Ok(value) = literal_eval(&text) {
                let _ = value.to_canonical_json();
            }
        }
    }
}
