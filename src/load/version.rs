//! Odoo module versions: how Odoo orders them and how it normalises them for a series.
//!
//! An audit has to answer "is the module on disk newer than the one recorded in the database?"
//! and "will this Odoo accept the `version` of that manifest?" exactly the way the Odoo server
//! answers them, or it reports problems Odoo does not have and misses the ones it has. This
//! module reimplements (in Rust, without Python) the three pieces of Odoo involved:
//!
//! * [`parse_version`] / [`compare`]: `odoo/tools/parse_version.py`, the ordering key Odoo uses
//!   to decide that an installed module needs an upgrade. Every quirk is kept: the empty string
//!   means `"0.1"`, text is lower-cased, `pre`/`preview`/`rc` become `c`, `dev` becomes `@`,
//!   `saas` and `~` vanish, `-` and `_` become `final-`, numbers are zero-padded to 8 digits
//!   (longer ones are left alone), text that the component pattern does not match stays in the
//!   key as is, trailing zeros and `final-` markers are dropped, and a `*final` sentinel is
//!   appended. Keys compare like Python tuples of `str` (code point order).
//! * [`adapt_version`]: `adapt_version()` of `odoo/modules/module.py`, which changed over time:
//!
//!   | series | rule ([`AdaptRule`]) |
//!   |---|---|
//!   | up to 16.2 (so 16.0 and all older series) | [`AdaptRule::PrefixOnly`]: never fails; the series is prefixed unless the version already starts with `serie.` |
//!   | 16.3 to 18.0 (so 17.0 and 18.0) | [`AdaptRule::Strict`]: `serie.x.y[.z]` is kept, `x.y[.z]` gets `serie.` prefixed, anything else is refused |
//!   | saas-18.1 | [`AdaptRule::LastThreeIntegers`]: 2 to 5 parts, only the last three must be integers, prefixed unless it starts with the series |
//!   | 18.2 and later (19.0 included) | [`AdaptRule::IntegerParts`]: 2 to 5 integer parts; 2–3 parts not starting with the series get it prefixed |
//!
//!   "Integer" means what Python's `int()` accepts (surrounding white space, a sign, `_`
//!   between digits, any Unicode decimal digit), and "starts with" is a plain string prefix
//!   test, exactly as in Odoo.
//! * [`series_of`]: the series a 4- or 5-part (raw or adapted) version starts with.
//!
//! Unicode: `\d` and `int()` use the decimal digits of Python 3.11 (Unicode 14.0), lower-casing
//! uses Rust's [`str::to_lowercase`]; they only differ from CPython for characters added to
//! Unicode after 14.0.

use std::cmp::Ordering;
use std::fmt;
use std::str::FromStr;

/// Odoo's `parse_version` key: a sequence of string parts, compared lexicographically like a
/// Python tuple of `str` (Rust compares `String`s by UTF-8 bytes, which is code point order).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct VersionKey(pub Vec<String>);

impl VersionKey {
    /// The parts of the key, e.g. `["00000018", "*final"]` for `"18.0"`.
    pub fn parts(&self) -> &[String] {
        &self.0
    }
}

/// Sentinel appended to every key (alpha/beta/candidate tags sort before it).
const FINAL: &str = "*final";
/// What `-` and `_` become; removed before a pre-release tag.
const FINAL_DASH: &str = "*final-";
/// A zero padded to 8 digits; trailing ones are removed before any text part.
const ZERO: &str = "00000000";

/// Odoo's `parse_version(s)` (`odoo/tools/parse_version.py`), part for part.
///
/// For instance `18.0.1.2.3` < `18.0.1.10.0`, `2.4.0` == `2.4`, `""` == `0.1`,
/// `5.0.0-rc1` < `5.0.0` < `5.0.0-1` < `5.0.1`.
pub fn parse_version(s: &str) -> VersionKey {
    let text = if s.is_empty() {
        "0.1".to_owned()
    } else {
        s.to_lowercase()
    };
    let tokens = split_components(&text)
        .into_iter()
        .filter_map(token)
        .chain(std::iter::once(FINAL.to_owned()));
    let mut parts: Vec<String> = Vec::new();
    for part in tokens {
        if part.starts_with('*') {
            if part.as_str() < FINAL {
                // a pre-release tag: drop the `-` before it
                while parts.last().map(String::as_str) == Some(FINAL_DASH) {
                    parts.pop();
                }
            }
            // trailing zeros of a run of numbers do not count
            while parts.last().map(String::as_str) == Some(ZERO) {
                parts.pop();
            }
        }
        parts.push(part);
    }
    VersionKey(parts)
}

/// `parse_version(a).cmp(&parse_version(b))`: how Odoo orders two module versions.
pub fn compare(a: &str, b: &str) -> Ordering {
    parse_version(a).cmp(&parse_version(b))
}

/// What a character is for the component pattern `\d+ | [a-z]+ | \. | -`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Digit,
    Letter,
    Dot,
    Dash,
    Unmatched,
}

fn char_class(c: char) -> CharClass {
    match c {
        'a'..='z' => CharClass::Letter,
        '.' => CharClass::Dot,
        '-' => CharClass::Dash,
        c if is_py_decimal(c) => CharClass::Digit,
        _ => CharClass::Unmatched,
    }
}

/// The pieces Python's `re.split` returns for the capturing component pattern: the text before
/// the first match, the match, the text up to the next match, and so on, ending with the text
/// after the last match (the unmatched pieces may be empty).
fn split_components(s: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let mut unmatched_start = 0;
    let mut chars = s.char_indices().peekable();
    while let Some((start, c)) = chars.next() {
        let class = char_class(c);
        if class == CharClass::Unmatched {
            continue;
        }
        let mut end = start + c.len_utf8();
        if matches!(class, CharClass::Digit | CharClass::Letter) {
            while let Some(&(i, next)) = chars.peek() {
                if char_class(next) != class {
                    break;
                }
                end = i + next.len_utf8();
                chars.next();
            }
        }
        pieces.push(s.get(unmatched_start..start).unwrap_or_default());
        pieces.push(s.get(start..end).unwrap_or_default());
        unmatched_start = end;
    }
    pieces.push(s.get(unmatched_start..).unwrap_or_default());
    pieces
}

/// One piece turned into a key part (`None` for pieces that are dropped).
fn token(piece: &str) -> Option<String> {
    let replaced = match piece {
        "pre" | "preview" | "rc" => "c",
        "-" | "_" => "final-",
        "dev" => "@",
        "saas" | "~" => "",
        other => other,
    };
    if replaced.is_empty() || replaced == "." {
        None
    } else if replaced.starts_with(|c: char| c.is_ascii_digit()) {
        Some(zfill8(replaced))
    } else {
        Some(format!("*{replaced}"))
    }
}

/// Python's `str.zfill(8)` for a string that starts with a digit: left-pads with `0` up to
/// 8 characters (not bytes); a longer string is returned unchanged.
fn zfill8(s: &str) -> String {
    let len = s.chars().count();
    let mut out = String::with_capacity(s.len() + 8);
    for _ in len..8 {
        out.push('0');
    }
    out.push_str(s);
    out
}

/// An Odoo series such as `18.0`, or a SaaS one such as `17.2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Series {
    pub major: u32,
    pub minor: u32,
}

impl Series {
    /// `Series { major, minor }`.
    pub const fn new(major: u32, minor: u32) -> Series {
        Series { major, minor }
    }

    /// Parses `"18.0"`, `"18"` (minor 0), `"17.2"`, `"saas~17.2"` or `"saas-17.2"`; surrounding
    /// white space is ignored, both numbers must be plain ASCII digits.
    pub fn parse(s: &str) -> Option<Series> {
        let t = s.trim();
        let t = t
            .strip_prefix("saas~")
            .or_else(|| t.strip_prefix("saas-"))
            .unwrap_or(t);
        let (major, minor) = match t.split_once('.') {
            Some((major, minor)) => (major, Some(minor)),
            None => (t, None),
        };
        let major = parse_ascii_u32(major)?;
        let minor = match minor {
            Some(m) => parse_ascii_u32(m)?,
            None => 0,
        };
        Some(Series { major, minor })
    }

    /// Odoo's `release.major_version` for a SaaS build of this series: `"saas~17.2"`.
    /// (On-premise builds, and master, use the plain `"17.2"` that [`fmt::Display`] gives.)
    pub fn saas_label(self) -> String {
        format!("saas~{}.{}", self.major, self.minor)
    }

    /// The `adapt_version` rule Odoo applies in this series.
    pub fn adapt_rule(self) -> AdaptRule {
        AdaptRule::for_series(self)
    }
}

impl fmt::Display for Series {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl FromStr for Series {
    type Err = String;

    fn from_str(s: &str) -> Result<Series, String> {
        Series::parse(s).ok_or_else(|| {
            format!(
                "invalid Odoo series {}: expected MAJOR.MINOR such as 18.0 (or 17.2, saas~17.2)",
                crate::escape::quote(s)
            )
        })
    }
}

fn parse_ascii_u32(s: &str) -> Option<u32> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// The successive versions of Odoo's `adapt_version()` (see the module documentation).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AdaptRule {
    /// Series up to 16.2: no validation at all; `serie.` is prefixed unless the version starts
    /// with `serie.` (a version equal to the series is prefixed too: `16.0` → `16.0.16.0`).
    PrefixOnly,
    /// Series 16.3 to 18.0: the part after an optional `serie.` prefix must match
    /// `^[0-9]+\.[0-9]+(?:\.[0-9]+)?$` (Python's `$` also accepts one final `\n`).
    Strict,
    /// saas-18.1: 2 to 5 parts, the last three must be Python integers; any version that does
    /// not start with the series string is prefixed, even one of 4 or 5 parts.
    LastThreeIntegers,
    /// 18.2 and later (19.0's rule): 2 to 5 parts, all Python integers; versions of 2 or 3 parts
    /// that do not start with the series string get `serie.` prefixed, others are kept.
    IntegerParts,
}

impl AdaptRule {
    /// The rule of a series.
    pub fn for_series(series: Series) -> AdaptRule {
        match (series.major, series.minor) {
            s if s < (16, 3) => AdaptRule::PrefixOnly,
            s if s < (18, 1) => AdaptRule::Strict,
            (18, 1) => AdaptRule::LastThreeIntegers,
            _ => AdaptRule::IntegerParts,
        }
    }

    /// What a version has to look like under this rule, for the series string `serie`.
    fn expected(self, serie: &str) -> String {
        match self {
            AdaptRule::PrefixOnly => format!("Odoo {serie} accepts any version"),
            AdaptRule::Strict => format!(
                "Odoo {serie} expects x.y, x.y.z, {serie}.x.y or {serie}.x.y.z made of ASCII digits"
            ),
            AdaptRule::LastThreeIntegers | AdaptRule::IntegerParts => format!(
                "Odoo {serie} expects 2 to 5 dot-separated integers such as x.y, x.y.z, {serie}.x.y or {serie}.x.y.z"
            ),
        }
    }
}

/// Why Odoo refuses a manifest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AdaptError {
    /// `version` is the manifest version as written, `reason` says what is wrong with it and
    /// which forms the series accepts.
    Malformed { version: String, reason: String },
}

impl fmt::Display for AdaptError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AdaptError::Malformed { version, reason } => {
                let version = crate::escape::quote(version);
                write!(f, "module version {version} is not valid: {reason}")
            }
        }
    }
}

impl std::error::Error for AdaptError {}

/// Odoo's `adapt_version(version)` in the given series, with the series string Odoo uses for
/// on-premise builds (`"18.0"`). Returns the normalised version (`"1.0"` → `"18.0.1.0"`) or why
/// Odoo refuses it. See [`AdaptRule`] for the rule of each series.
pub fn adapt_version(version: &str, series: Series) -> Result<String, AdaptError> {
    adapt_with_serie(version, series.adapt_rule(), &series.to_string())
}

/// [`adapt_version`] as a SaaS build does it, whose series string is `"saas~17.2"`: that is the
/// prefix it adds and the one it recognises.
pub fn adapt_version_saas(version: &str, series: Series) -> Result<String, AdaptError> {
    adapt_with_serie(version, series.adapt_rule(), &series.saas_label())
}

fn adapt_with_serie(version: &str, rule: AdaptRule, serie: &str) -> Result<String, AdaptError> {
    let prefixed = || format!("{serie}.{version}");
    let malformed = |problem: Option<String>| {
        let expected = rule.expected(serie);
        AdaptError::Malformed {
            version: version.to_owned(),
            reason: match problem {
                Some(p) => format!("{p}; {expected}"),
                None => expected,
            },
        }
    };
    // `version.startswith(serie + '.')` gives the rest after the prefix
    let after_prefix = version
        .strip_prefix(serie)
        .and_then(|rest| rest.strip_prefix('.'));
    match rule {
        AdaptRule::PrefixOnly => Ok(match after_prefix {
            Some(_) => version.to_owned(),
            None => prefixed(),
        }),
        AdaptRule::Strict => {
            let (adapted, base) = match after_prefix {
                Some(rest) => (version.to_owned(), rest),
                None => (prefixed(), version),
            };
            if strict_base_matches(base) {
                Ok(adapted)
            } else {
                Err(malformed(None))
            }
        }
        AdaptRule::LastThreeIntegers | AdaptRule::IntegerParts => {
            let parts: Vec<&str> = version.split('.').collect();
            if !(2..=5).contains(&parts.len()) {
                return Err(malformed(Some(format!(
                    "it has {} dot-separated part{}",
                    parts.len(),
                    if parts.len() == 1 { "" } else { "s" }
                ))));
            }
            let starts_with_serie = version.starts_with(serie);
            let checked = if rule == AdaptRule::LastThreeIntegers {
                parts.len().saturating_sub(3)
            } else {
                0
            };
            for (i, part) in parts.iter().enumerate().skip(checked) {
                // 19.0 keeps only the digits of a non-numeric first part when the version
                // starts with the series string (`saas~19.2.1.0` → `19`). That first part is
                // then the series' own first part, which is ASCII, so ASCII digits suffice.
                let part: String = if i == 0
                    && rule == AdaptRule::IntegerParts
                    && starts_with_serie
                    && !is_ascii_digits(part)
                {
                    part.chars().filter(char::is_ascii_digit).collect()
                } else {
                    (*part).to_owned()
                };
                if !python_int_accepts(&part) {
                    return Err(malformed(Some(format!(
                        "{} is not an integer",
                        crate::escape::quote(&part)
                    ))));
                }
            }
            // saas-18.1 counted the parsed parts, which are at most three: every version that
            // does not start with the series string was prefixed there, whatever its length
            let counted = if rule == AdaptRule::LastThreeIntegers {
                parts.len().min(3)
            } else {
                parts.len()
            };
            Ok(if counted <= 3 && !starts_with_serie {
                prefixed()
            } else {
                version.to_owned()
            })
        }
    }
}

fn is_ascii_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// `re.match(r"^[0-9]+\.[0-9]+(?:\.[0-9]+)?$", base)`; `$` also matches before a final `\n`.
fn strict_base_matches(base: &str) -> bool {
    let base = base.strip_suffix('\n').unwrap_or(base);
    let parts: Vec<&str> = base.split('.').collect();
    (2..=3).contains(&parts.len()) && parts.iter().all(|p| is_ascii_digits(p))
}

/// Whether Python's `int(s)` succeeds: optional white space around, an optional sign, then
/// decimal digits (any script) with single `_` between digits.
fn python_int_accepts(s: &str) -> bool {
    let t = s.trim_matches(is_python_int_space);
    let t = t.strip_prefix(['+', '-']).unwrap_or(t);
    let mut after_digit = false;
    for c in t.chars() {
        if c == '_' {
            if !after_digit {
                return false;
            }
            after_digit = false;
        } else if is_py_decimal(c) {
            after_digit = true;
        } else {
            return false;
        }
    }
    after_digit
}

/// The white space `int()` skips: `str.isspace()` minus U+001C..U+001F (which CPython leaves
/// to its ASCII number parser, where they are not white space).
fn is_python_int_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | ' '
            | '\u{85}'
            | '\u{A0}'
            | '\u{1680}'
            | '\u{2000}'..='\u{200A}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{202F}'
            | '\u{205F}'
            | '\u{3000}'
    )
}

/// The series a raw or adapted version starts with, if it has the 4- or 5-part form that
/// [`adapt_version`] keeps as is (`"18.0.1.2.3"` or `"18.0.1.2"` → 18.0; also
/// `"saas~17.2.1.0"` → 17.2). Shorter versions (`"1.0"`, `"1.0.0"`) carry no series and give
/// `None`; longer ones (what the pre-16.3 rule produces, like `"16.0.17.0.1.0.0"`) give the
/// series they start with. The first two parts must be ASCII numbers.
pub fn series_of(adapted_version: &str) -> Option<Series> {
    let mut parts = adapted_version.split('.');
    let major = parts.next()?;
    let minor = parts.next()?;
    if parts.count() < 2 {
        return None;
    }
    let major = parse_ascii_u32(major.strip_prefix("saas~").unwrap_or(major))?;
    let minor = parse_ascii_u32(minor)?;
    Some(Series { major, minor })
}

/// Whether `c` is a decimal digit for Python (`\d` in a `str` pattern, `str.isdecimal()`,
/// a digit for `int()`): Unicode category Nd, as of Unicode 14.0 (Python 3.11).
fn is_py_decimal(c: char) -> bool {
    if c.is_ascii() {
        return c.is_ascii_digit();
    }
    let cp = u32::from(c);
    PY_DECIMAL_RANGES
        .binary_search_by(|&(lo, hi)| {
            if hi < cp {
                Ordering::Less
            } else if lo > cp {
                Ordering::Greater
            } else {
                Ordering::Equal
            }
        })
        .is_ok()
}

/// Inclusive ranges of Unicode 14.0 decimal digits (generated from Python 3.11's `re` `\d`).
const PY_DECIMAL_RANGES: [(u32, u32); 62] = [
    (0x0030, 0x0039),
    (0x0660, 0x0669),
    (0x06F0, 0x06F9),
    (0x07C0, 0x07C9),
    (0x0966, 0x096F),
    (0x09E6, 0x09EF),
    (0x0A66, 0x0A6F),
    (0x0AE6, 0x0AEF),
    (0x0B66, 0x0B6F),
    (0x0BE6, 0x0BEF),
    (0x0C66, 0x0C6F),
    (0x0CE6, 0x0CEF),
    (0x0D66, 0x0D6F),
    (0x0DE6, 0x0DEF),
    (0x0E50, 0x0E59),
    (0x0ED0, 0x0ED9),
    (0x0F20, 0x0F29),
    (0x1040, 0x1049),
    (0x1090, 0x1099),
    (0x17E0, 0x17E9),
    (0x1810, 0x1819),
    (0x1946, 0x194F),
    (0x19D0, 0x19D9),
    (0x1A80, 0x1A89),
    (0x1A90, 0x1A99),
    (0x1B50, 0x1B59),
    (0x1BB0, 0x1BB9),
    (0x1C40, 0x1C49),
    (0x1C50, 0x1C59),
    (0xA620, 0xA629),
    (0xA8D0, 0xA8D9),
    (0xA900, 0xA909),
    (0xA9D0, 0xA9D9),
    (0xA9F0, 0xA9F9),
    (0xAA50, 0xAA59),
    (0xABF0, 0xABF9),
    (0xFF10, 0xFF19),
    (0x104A0, 0x104A9),
    (0x10D30, 0x10D39),
    (0x11066, 0x1106F),
    (0x110F0, 0x110F9),
    (0x11136, 0x1113F),
    (0x111D0, 0x111D9),
    (0x112F0, 0x112F9),
    (0x11450, 0x11459),
    (0x114D0, 0x114D9),
    (0x11650, 0x11659),
    (0x116C0, 0x116C9),
    (0x11730, 0x11739),
    (0x118E0, 0x118E9),
    (0x11950, 0x11959),
    (0x11C50, 0x11C59),
    (0x11D50, 0x11D59),
    (0x11DA0, 0x11DA9),
    (0x16A60, 0x16A69),
    (0x16AC0, 0x16AC9),
    (0x16B50, 0x16B59),
    (0x1D7CE, 0x1D7FF),
    (0x1E140, 0x1E149),
    (0x1E2F0, 0x1E2F9),
    (0x1E950, 0x1E959),
    (0x1FBF0, 0x1FBF9),
];

#[cfg(test)]
mod tests {
    use super::*;

    fn key(parts: &[&str]) -> VersionKey {
        VersionKey(parts.iter().map(|p| (*p).to_owned()).collect())
    }

    fn assert_increasing(versions: &[&str]) {
        for pair in versions.windows(2) {
            if let [a, b] = pair {
                assert_eq!(compare(a, b), Ordering::Less, "{a:?} < {b:?}");
                assert!(parse_version(a) < parse_version(b), "{a:?} < {b:?}");
            }
        }
    }

    /// The two `chk()` calls of `parse_version.py`'s `__main__`.
    #[test]
    fn odoo_own_chk_cases() {
        assert_increasing(&[
            "0",
            "4.2",
            "4.2.3.4",
            "5.0.0-alpha",
            "5.0.0-rc1",
            "5.0.0-rc1.1",
            "5.0.0_rc2",
            "5.0.0_rc3",
            "5.0.0",
        ]);
        assert_increasing(&["5.0.0-0_rc3", "5.0.0-1dev", "5.0.0-1"]);
    }

    /// Versions in the order CPython 3.11 sorts them with Odoo's algorithm; equal ranks mean
    /// equal keys. Every ordered pair is checked (6889 comparisons).
    const PYTHON_ORDER: &[(&str, usize)] = &[
        (" 1.0", 0),
        ("a", 1),
        ("0", 2),
        ("saas-17.2", 3),
        ("V18.0", 4),
        ("z", 5),
        ("\u{661}\u{662}.\u{663}", 6),
        ("0.0.1", 7),
        ("", 8),
        ("0.1", 8),
        ("1.0\n", 9),
        ("1.0 ", 10),
        ("1.0RC1", 11),
        ("1", 12),
        ("1.0", 12),
        ("1.0.0", 12),
        ("1.0.0.0", 12),
        ("1..0", 12),
        ("1.", 12),
        (".1", 12),
        ("1.0.1", 13),
        ("1.1", 14),
        ("1.01", 14),
        ("1.2", 15),
        ("1.9", 16),
        ("1.10", 17),
        ("2.4+1", 18),
        ("2.4dev", 19),
        ("2.4-dev", 19),
        ("2.4.dev1", 20),
        ("2.4a1", 21),
        ("2.4b", 22),
        ("2.4c", 23),
        ("2.4rc1", 24),
        ("2.4pre1", 24),
        ("2.4preview1", 24),
        ("2.4", 25),
        ("2.4.0", 25),
        ("2.4final", 26),
        ("2.4-final", 27),
        ("2.4-1", 28),
        ("2.4_1", 28),
        ("2.4post", 29),
        ("2.4.post1", 30),
        ("2.4.1", 31),
        ("2.4~1", 31),
        ("4.2", 32),
        ("4.2.3.4", 33),
        ("5.0.0-alpha", 34),
        ("5.0.0-rc1", 35),
        ("5.0.0-rc1.1", 36),
        ("5.0.0_rc2", 37),
        ("5.0.0_rc3", 38),
        ("5.0.0-0_rc3", 38),
        ("5.0.0", 39),
        ("5.0.0-1dev", 40),
        ("5.0.0-1", 41),
        ("12.3", 42),
        ("16.0", 43),
        ("16.0.1.0.0-rc1", 44),
        ("16.0.1.0.0", 45),
        ("16.0.1.0.1", 46),
        ("17.0.1.0.0", 47),
        ("saas~17.2", 48),
        ("saas~17.2.1.0", 49),
        ("17.2.1.0", 49),
        ("18.0", 50),
        ("18.0.0", 50),
        ("18.0.1", 51),
        ("18.0.1.0", 51),
        ("18.0.1.0.0", 51),
        ("18.0.1.2.3", 52),
        ("18.0.1.2.10", 53),
        ("18.0.1.10.0", 54),
        ("18.0.2.0.0", 55),
        ("18.0.10.0.0", 56),
        ("18.1.1.0", 57),
        ("19.0", 58),
        ("19.0.1.0.0", 59),
        ("19.01", 60),
        ("100000000", 61),
        ("123456789.0", 62),
        ("99999999", 63),
    ];

    #[test]
    fn every_pair_orders_as_python_does() {
        let mut pairs = 0;
        for (a, rank_a) in PYTHON_ORDER {
            for (b, rank_b) in PYTHON_ORDER {
                assert_eq!(compare(a, b), rank_a.cmp(rank_b), "compare({a:?}, {b:?})");
                pairs += 1;
            }
        }
        assert!(pairs > 500);
    }

    /// Keys printed by CPython 3.11 running Odoo's algorithm.
    #[test]
    fn keys_match_python() {
        let cases: &[(&str, &[&str])] = &[
            ("", &["00000000", "00000001", "*final"]),
            ("0.1", &["00000000", "00000001", "*final"]),
            (
                "18.0.1.2.3",
                &[
                    "00000018", "00000000", "00000001", "00000002", "00000003", "*final",
                ],
            ),
            ("1.0", &["00000001", "*final"]),
            ("1.0.0", &["00000001", "*final"]),
            (
                "2.4-1",
                &["00000002", "00000004", "*final-", "00000001", "*final"],
            ),
            ("5.0.0-rc1", &["00000005", "*c", "00000001", "*final"]),
            ("saas~17.2", &["00000017", "00000002", "*final"]),
            (
                "16.0.1.0.0-rc1",
                &[
                    "00000016", "00000000", "00000001", "*c", "00000001", "*final",
                ],
            ),
            ("123456789.0", &["123456789", "*final"]),
            ("1.0dev", &["00000001", "*@", "*final"]),
            (
                "2.4+1",
                &["00000002", "00000004", "*+", "00000001", "*final"],
            ),
            (
                "\u{661}\u{662}.\u{663}",
                &["*\u{661}\u{662}", "*\u{663}", "*final"],
            ),
            ("1..0", &["00000001", "*final"]),
            ("V18.0", &["*v", "00000018", "*final"]),
            ("1.0RC1", &["00000001", "*c", "00000001", "*final"]),
            ("1_~2", &["00000001", "*_~", "00000002", "*final"]),
            ("1_2", &["00000001", "*final-", "00000002", "*final"]),
            ("1~2", &["00000001", "00000002", "*final"]),
        ];
        for (version, parts) in cases {
            assert_eq!(parse_version(version), key(parts), "{version:?}");
        }
    }

    #[test]
    fn empty_string_is_zero_point_one() {
        assert_eq!(parse_version(""), parse_version("0.1"));
        assert_eq!(compare("", "0.1"), Ordering::Equal);
        assert_eq!(compare("", "0.0.1"), Ordering::Greater);
    }

    #[test]
    fn numbers_compare_numerically_but_long_ones_stay_unpadded() {
        assert_eq!(compare("18.0.1.2.3", "18.0.1.10.0"), Ordering::Less);
        assert_eq!(compare("1.0", "1.0.0"), Ordering::Equal);
        assert_eq!(compare("1.01", "1.1"), Ordering::Equal);
        assert_eq!(parse_version("123456789").parts()[0], "123456789");
        // 9 digits are not padded, so they compare as text with padded 8-digit numbers
        assert_eq!(compare("123456789", "99999999"), Ordering::Less);
    }

    #[test]
    fn tags_and_separators() {
        assert_increasing(&["2.4a1", "2.4b", "2.4c", "2.4", "2.4-1", "2.4.1"]);
        assert_eq!(compare("2.4rc1", "2.4c1"), Ordering::Equal);
        assert_eq!(compare("2.4pre1", "2.4c1"), Ordering::Equal);
        assert_eq!(compare("2.4preview1", "2.4c1"), Ordering::Equal);
        assert_eq!(compare("1.0dev", "1.0"), Ordering::Less);
        assert_eq!(compare("saas~17.2", "17.2"), Ordering::Equal);
        assert_eq!(compare("16.0.1.0.0-rc1", "16.0.1.0.0"), Ordering::Less);
        assert_eq!(compare("1.0final", "1.0"), Ordering::Greater);
        assert_eq!(compare("1.0_1", "1.0-1"), Ordering::Equal);
    }

    /// (series, version, expected) computed by CPython 3.11 with the `adapt_version()` of each
    /// series (16.0 and older, 16.3–18.0, saas-18.1, 18.2+/19.0), using the plain series string.
    const ADAPT_ROWS: &[(&str, &str, Option<&str>)] = &[
        ("16.0", "1.0", Some("16.0.1.0")),
        ("16.0", "1.0.0", Some("16.0.1.0.0")),
        ("16.0", "16.0", Some("16.0.16.0")),
        ("16.0", "16.0.1.0", Some("16.0.1.0")),
        ("16.0", "16.0.1.0.0", Some("16.0.1.0.0")),
        ("16.0", "16.0.1.0.0.0", Some("16.0.1.0.0.0")),
        ("16.0", "15.0.1.0.0", Some("16.0.15.0.1.0.0")),
        ("16.0", "17.0.1.0.0", Some("16.0.17.0.1.0.0")),
        ("16.0", "1.0.0.0", Some("16.0.1.0.0.0")),
        ("16.0", "abc", Some("16.0.abc")),
        ("16.0", "", Some("16.0.")),
        ("16.0", "16.0.", Some("16.0.")),
        ("16.0", "16.01", Some("16.0.16.01")),
        ("17.0", "1.0", Some("17.0.1.0")),
        ("17.0", "1.0.0", Some("17.0.1.0.0")),
        ("17.0", "17.0.1.0", Some("17.0.1.0")),
        ("17.0", "17.0.1.0.0", Some("17.0.1.0.0")),
        ("17.0", "17.0", Some("17.0.17.0")),
        ("17.0", "1.0.0.0", None),
        ("17.0", "17.0.1.0.0.0", None),
        ("17.0", "16.0.1.0.0", None),
        ("17.0", "1", None),
        ("17.0", "1.a", None),
        ("17.0", "1.0\n", Some("17.0.1.0\n")),
        ("17.0", "1.0\n\n", None),
        ("17.0", "17.0.1.0\n", Some("17.0.1.0\n")),
        ("17.0", " 1.0", None),
        ("17.0", "1.0 ", None),
        ("17.0", "\u{661}.\u{660}", None),
        ("17.0", "+1.0", None),
        ("17.0", "1_0.0", None),
        ("17.0", "", None),
        ("17.0", "17.0.", None),
        ("17.0", "17.01.0", Some("17.0.17.01.0")),
        ("17.0", "1..0", None),
        ("18.0", "1.0", Some("18.0.1.0")),
        ("18.0", "1.0.0", Some("18.0.1.0.0")),
        ("18.0", "18.0.1.0", Some("18.0.1.0")),
        ("18.0", "18.0.1.0.0", Some("18.0.1.0.0")),
        ("18.0", "18.0", Some("18.0.18.0")),
        ("18.0", "1.0.0.0", None),
        ("18.0", "18.0.1.0.0.0", None),
        ("18.0", "17.0.1.0.0", None),
        ("18.0", "19.0.1.0.0", None),
        ("18.0", "2.4-1", None),
        ("18.0", "1.0rc1", None),
        ("18.0", "1.0.0.0.0", None),
        ("19.0", "1.0", Some("19.0.1.0")),
        ("19.0", "1.0.0", Some("19.0.1.0.0")),
        ("19.0", "19.0.1.0", Some("19.0.1.0")),
        ("19.0", "19.0.1.0.0", Some("19.0.1.0.0")),
        ("19.0", "19.0", Some("19.0")),
        ("19.0", "19.0.1", Some("19.0.1")),
        ("19.0", "19.01", Some("19.01")),
        ("19.0", "19.05.1", Some("19.05.1")),
        ("19.0", "1.0.0.0", Some("1.0.0.0")),
        ("19.0", "1.0.0.0.0", Some("1.0.0.0.0")),
        ("19.0", "1.0.0.0.0.0", None),
        ("19.0", "1", None),
        ("19.0", "18.0.1.0.0", Some("18.0.1.0.0")),
        ("19.0", "17.0.1.0", Some("17.0.1.0")),
        ("19.0", "1.a", None),
        ("19.0", " 1.0", Some("19.0. 1.0")),
        ("19.0", "+1.-2", Some("19.0.+1.-2")),
        ("19.0", "1_000.0", Some("19.0.1_000.0")),
        ("19.0", "\u{661}.\u{660}", Some("19.0.\u{661}.\u{660}")),
        ("19.0", "1.0\n", Some("19.0.1.0\n")),
        ("19.0", "1..0", None),
        ("19.0", "", None),
        ("19.0", "1.0.0.1", Some("1.0.0.1")),
        ("19.0", "19.0.1.0.0.0", None),
        ("19.0", "1.2_", None),
        ("19.0", "saas~19.0.1.0", None),
        ("16.3", "1.0", Some("16.3.1.0")),
        ("16.3", "16.3.1.0.0", Some("16.3.1.0.0")),
        ("16.3", "16.0.1.0.0", None),
        ("16.3", "1.0.0.0", None),
        ("18.1", "1.0", Some("18.1.1.0")),
        ("18.1", "1.0.0.0", Some("18.1.1.0.0.0")),
        ("18.1", "18.1.1.0.0", Some("18.1.1.0.0")),
        ("18.1", "a.b.1.0.0", Some("18.1.a.b.1.0.0")),
        ("18.1", "1.0.x", None),
        ("18.1", "18.1", Some("18.1")),
    ];

    #[test]
    fn adapt_version_matches_python_for_16_17_18_19() {
        for (series, version, expected) in ADAPT_ROWS {
            let series = Series::parse(series).expect("series");
            let got = adapt_version(version, series);
            assert_eq!(
                got.as_deref().ok(),
                *expected,
                "{series} {version:?}: {got:?}"
            );
        }
    }

    /// Same, for SaaS builds whose series string is `saas~X.Y`.
    #[test]
    fn adapt_version_saas_matches_python() {
        let rows: &[(&str, &str, Option<&str>)] = &[
            ("19.2", "saas~19.2.1.0", Some("saas~19.2.1.0")),
            ("19.2", "1.0", Some("saas~19.2.1.0")),
            ("19.2", "19.2.1.0", Some("19.2.1.0")),
            ("19.2", "saas~19.2", Some("saas~19.2")),
            ("19.2", "saas~19.2.1.0.0.0", None),
            ("17.2", "saas~17.2.1.0", Some("saas~17.2.1.0")),
            ("17.2", "17.2.1.0", None),
            ("17.2", "1.0", Some("saas~17.2.1.0")),
            ("16.2", "1.0", Some("saas~16.2.1.0")),
            ("18.1", "saas~18.1.1.0.0", Some("saas~18.1.1.0.0")),
            ("18.1", "1.0", Some("saas~18.1.1.0")),
        ];
        for (series, version, expected) in rows {
            let series = Series::parse(series).expect("series");
            let got = adapt_version_saas(version, series);
            assert_eq!(
                got.as_deref().ok(),
                *expected,
                "{series} {version:?}: {got:?}"
            );
        }
    }

    #[test]
    fn adapt_rule_per_series() {
        let rule = |s: &str| Series::parse(s).map(AdaptRule::for_series);
        assert_eq!(rule("8.0"), Some(AdaptRule::PrefixOnly));
        assert_eq!(rule("15.0"), Some(AdaptRule::PrefixOnly));
        assert_eq!(rule("16.0"), Some(AdaptRule::PrefixOnly));
        assert_eq!(rule("16.2"), Some(AdaptRule::PrefixOnly));
        assert_eq!(rule("16.3"), Some(AdaptRule::Strict));
        assert_eq!(rule("17.0"), Some(AdaptRule::Strict));
        assert_eq!(rule("18.0"), Some(AdaptRule::Strict));
        assert_eq!(rule("18.1"), Some(AdaptRule::LastThreeIntegers));
        assert_eq!(rule("18.2"), Some(AdaptRule::IntegerParts));
        assert_eq!(rule("19.0"), Some(AdaptRule::IntegerParts));
        assert_eq!(rule("20.0"), Some(AdaptRule::IntegerParts));
    }

    #[test]
    fn errors_name_the_version_and_the_expected_form() {
        let e = adapt_version("1.0.0.0", Series::new(18, 0)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "module version \"1.0.0.0\" is not valid: Odoo 18.0 expects x.y, x.y.z, 18.0.x.y or 18.0.x.y.z made of ASCII digits"
        );
        let AdaptError::Malformed { version, .. } = &e;
        assert_eq!(version, "1.0.0.0");
        let e = adapt_version("1.0.0.0.0.0", Series::new(19, 0)).unwrap_err();
        assert_eq!(
            e.to_string(),
            "module version \"1.0.0.0.0.0\" is not valid: it has 6 dot-separated parts; Odoo 19.0 expects 2 to 5 dot-separated integers such as x.y, x.y.z, 19.0.x.y or 19.0.x.y.z"
        );
        let e = adapt_version("1.a", Series::new(19, 0)).unwrap_err();
        assert!(e.to_string().contains("\"a\" is not an integer"), "{e}");
        assert!(adapt_version("1", Series::new(19, 0))
            .unwrap_err()
            .to_string()
            .contains("it has 1 dot-separated part;"));
    }

    #[test]
    fn python_int_rules() {
        for ok in [
            "0",
            "007",
            "+1",
            "-1",
            " 1 ",
            "1_000",
            "\u{661}\u{662}",
            "\u{3000}-1",
            "1\n",
            "\u{661}_2",
        ] {
            assert!(python_int_accepts(ok), "{ok:?}");
        }
        for bad in [
            "",
            "+",
            "-",
            "_1",
            "1_",
            "1__0",
            "+ 1",
            "-\u{3000}1",
            "1.0",
            "1e3",
            "0x1",
            "\u{b2}",
            "1\u{1c}",
            "a",
        ] {
            assert!(!python_int_accepts(bad), "{bad:?}");
        }
    }

    #[test]
    fn series_parse_and_display() {
        assert_eq!(Series::parse("18.0"), Some(Series::new(18, 0)));
        assert_eq!(Series::parse("18"), Some(Series::new(18, 0)));
        assert_eq!(Series::parse(" 17.2 "), Some(Series::new(17, 2)));
        assert_eq!(Series::parse("saas~17.2"), Some(Series::new(17, 2)));
        assert_eq!(Series::parse("saas-17.2"), Some(Series::new(17, 2)));
        for bad in [
            "",
            "18.",
            ".0",
            "18.0.1",
            "x",
            "18.x",
            "+18",
            "-1.0",
            "18.0+e",
            "99999999999.0",
        ] {
            assert_eq!(Series::parse(bad), None, "{bad:?}");
        }
        assert_eq!(Series::new(18, 0).to_string(), "18.0");
        assert_eq!(Series::new(17, 2).saas_label(), "saas~17.2");
        assert_eq!("19.0".parse::<Series>(), Ok(Series::new(19, 0)));
        let err = "nineteen".parse::<Series>().unwrap_err();
        assert!(
            err.contains("\"nineteen\"") && err.contains("18.0"),
            "{err}"
        );
        assert!(Series::new(17, 2) < Series::new(18, 0));
        assert!(Series::new(18, 0) < Series::new(18, 1));
    }

    #[test]
    fn series_of_versions() {
        assert_eq!(series_of("18.0.1.2.3"), Some(Series::new(18, 0)));
        assert_eq!(series_of("18.0.1.2"), Some(Series::new(18, 0)));
        assert_eq!(series_of("saas~17.2.1.0"), Some(Series::new(17, 2)));
        assert_eq!(series_of("16.0.17.0.1.0.0"), Some(Series::new(16, 0)));
        assert_eq!(series_of("1.0"), None);
        assert_eq!(series_of("1.0.0"), None);
        assert_eq!(series_of("18.0.1"), None);
        assert_eq!(series_of(""), None);
        assert_eq!(series_of("a.b.1.0"), None);
        assert_eq!(series_of("18.x.1.0"), None);
        // what adapt_version keeps or produces
        for (raw, series) in [
            ("1.0", "18.0"),
            ("18.0.1.0.0", "18.0"),
            ("1.0", "19.0"),
            ("17.0.1.0.0", "16.0"),
        ] {
            let series = Series::parse(series).expect("series");
            let adapted = adapt_version(raw, series).unwrap_or_default();
            assert_eq!(series_of(&adapted), Some(series), "{raw} in {series}");
        }
        assert_eq!(
            series_of(&adapt_version("18.0.1.0.0", Series::new(19, 0)).unwrap_or_default()),
            Some(Series::new(18, 0))
        );
    }

    /// Arbitrary input never panics (deterministic pseudo-random strings).
    #[test]
    fn no_panic_on_odd_input() {
        let alphabet: Vec<char> =
            "0123456789.-_~+ aZrcpdevsİΣ\u{661}\u{ff10}\u{b2}\n\t\u{3000}\u{1c}é😀"
                .chars()
                .collect();
        let mut state: u64 = 0x2545_f491_4f6c_dd1d;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let series = [
            Series::new(8, 0),
            Series::new(16, 0),
            Series::new(17, 0),
            Series::new(18, 1),
            Series::new(19, 0),
        ];
        for _ in 0..3000 {
            let len = (next() % 12) as usize;
            let s: String = (0..len)
                .filter_map(|_| alphabet.get((next() % alphabet.len() as u64) as usize))
                .collect();
            let _ = parse_version(&s);
            let _ = compare(&s, "18.0.1.0.0");
            let _ = series_of(&s);
            let _ = Series::parse(&s);
            for se in series {
                let _ = adapt_version(&s, se);
                let _ = adapt_version_saas(&s, se);
            }
        }
    }
}
