//! Odoo's configuration file (`odoo.conf`, `~/.odoorc`), read exactly the way Odoo reads it.
//!
//! Odoo hands its file to Python's `configparser.RawConfigParser()` with the default settings and
//! then uses the `[options]` section. That parser accepts many files that do not mean what they
//! seem to (`; note` after a value is part of the value, an indented line continues the previous
//! value, `%(x)s` is not expanded) and refuses others that look harmless (a repeated option, a
//! line without `=`/`:`), in which case Odoo does not start. An audit must see the file as Odoo
//! does, so this module reimplements that parser's behaviour (checked against CPython 3.11; the
//! parser of later versions behaves the same with these settings) and the conversions
//! Odoo applies to the values, without any Python.
//!
//! What the parser does, with Odoo's settings (delimiters `=` and `:`, comment prefixes `#` and
//! `;`, no inline comments, `strict=True`, `empty_lines_in_values=True`, `allow_no_value=False`,
//! no interpolation, default section `DEFAULT`):
//!
//! * Lines end at `\n`, `\r\n` or `\r`. "White space" is Python's (`str.isspace()`).
//! * A line whose first non-blank character is `#` or `;` is a comment, indented or not, even in
//!   the middle of a multi-line value (it is skipped, it does not end the value). `#`/`;`
//!   anywhere else is plain text and stays in the value.
//! * `[name]` starts a section: the name runs to the last `]` of the line and what follows that
//!   `]` is ignored. Section names are case-sensitive and may appear once (`DEFAULT` may be
//!   repeated, its options may not).
//! * Anything before the first section header is an error (comments and blank lines aside).
//! * `key = value` or `key: value`: the first `=` or `:` separates them, both sides are stripped,
//!   the key is lower-cased. `key =` gives an empty value; a line without a delimiter is an
//!   error; so is an empty key; a key repeated in its section is an error.
//! * A line indented deeper than the line of the current option continues its value (joined
//!   with `\n`); blank lines inside a value are kept, trailing ones are dropped. The indentation
//!   that counts is that of the option line, and blank lines do not reset it.
//! * The options of `[DEFAULT]` show through in every section (a section's own value wins).
//! * Errors: a missing section header, a duplicate section or option stop the parse at once;
//!   lines that cannot be parsed are collected and reported at the end of the file (the first
//!   one is returned here).
//!
//! On top of the raw values: [`OdooConf::odoo_value`] gives what Odoo 18.0 makes of a value,
//! [`OdooConf::odoo_bool`] what a boolean option means in a given series, and
//! [`OdooConf::with_env_overrides`] applies the environment variables that Odoo 19.0 reads
//! (they win over the file).

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use crate::escape::quote;
use crate::load::fsread;
use crate::load::version::Series;

/// One `key = value` of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    /// Lower-cased key.
    name: String,
    /// Final value (continuation lines joined).
    value: String,
    /// 1-based line of the key; 0 for a value that comes from the environment.
    line: usize,
    /// Environment variable the value comes from ([`OdooConf::with_env_overrides`]).
    env: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Section {
    name: String,
    line: usize,
    entries: Vec<Entry>,
}

/// A parsed Odoo configuration file.
///
/// The options of `[options]` keep the order of the file (after those of `[DEFAULT]`, as
/// `RawConfigParser.items()` lists them), their keys are lower-cased and each remembers its
/// 1-based line.
#[derive(Debug, Clone, Default)]
pub struct OdooConf {
    /// The file this was read from, if any.
    pub path: Option<PathBuf>,
    defaults: Vec<Entry>,
    sections: Vec<Section>,
}

/// A file Odoo cannot read (or this tool could not): where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfError {
    pub path: String,
    /// 1-based line; 0 when the file as a whole is the problem (unreadable, not UTF-8).
    pub line: usize,
    pub message: String,
}

impl fmt::Display for ConfError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.path, self.line, self.message)
    }
}

impl std::error::Error for ConfError {}

/// A value as Odoo holds it after loading the file (see [`OdooConf::odoo_value`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OdooValue {
    /// Python `None`.
    None,
    /// Python `True` / `False`.
    Bool(bool),
    /// Any other value, as the raw string.
    Str(String),
}

/// Where the parser is writing options.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Defaults,
    Section(usize),
}

/// An option being read: its value lines are joined at the end of the file.
struct Draft {
    name: String,
    lines: Vec<String>,
    line: usize,
}

/// The first line that could not be parsed, and how many there were.
struct ParseErrors {
    first: Option<(usize, String)>,
    count: usize,
}

impl OdooConf {
    /// Parses the text of a configuration file; `path` is only used in error messages (and kept
    /// in [`OdooConf::path`] when not empty).
    pub fn parse(text: &str, path: &str) -> Result<OdooConf, ConfError> {
        let error = |line: usize, message: String| ConfError {
            path: path.to_owned(),
            line,
            message,
        };
        let mut defaults: Vec<Draft> = Vec::new();
        let mut sections: Vec<(String, usize, Vec<Draft>)> = Vec::new();
        let mut target: Option<Target> = None;
        // the option that continuation and blank lines extend (Python's truthy `optname`)
        let mut current: Option<usize> = None;
        let mut indent_level = 0usize;
        let mut bad = ParseErrors {
            first: None,
            count: 0,
        };
        // first line of each section, and of each (section, option); `None` is DEFAULT
        let mut section_lines: HashMap<String, usize> = HashMap::new();
        let mut option_lines: HashMap<(Option<usize>, String), usize> = HashMap::new();

        for (index, line) in python_lines(text).enumerate() {
            let lineno = index + 1;
            let stripped = py_strip(line);
            let is_comment = stripped.starts_with('#') || stripped.starts_with(';');
            let value = if is_comment { "" } else { stripped };
            if value.is_empty() {
                // a blank line (not a comment) is part of the current value
                if !is_comment {
                    if let Some(draft) = draft_mut(&mut defaults, &mut sections, target, current) {
                        draft.lines.push(String::new());
                    }
                }
                continue;
            }
            let indent = line.chars().take_while(|c| is_py_space(*c)).count();
            if target.is_some() && current.is_some() && indent > indent_level {
                if let Some(draft) = draft_mut(&mut defaults, &mut sections, target, current) {
                    draft.lines.push(value.to_owned());
                }
                continue;
            }
            indent_level = indent;

            if let Some(header) = section_header(value) {
                if header == "DEFAULT" {
                    target = Some(Target::Defaults);
                } else if let Some(first) = section_lines.get(header) {
                    return Err(error(
                        lineno,
                        format!(
                            "section {} already exists (first on line {first}): Odoo does not start (DuplicateSectionError)",
                            quote(header)
                        ),
                    ));
                } else {
                    section_lines.insert(header.to_owned(), lineno);
                    sections.push((header.to_owned(), lineno, Vec::new()));
                    target = Some(Target::Section(sections.len() - 1));
                }
                current = None;
                continue;
            }

            let Some(tgt) = target else {
                return Err(error(
                    lineno,
                    // An option's value may be a password: name the option, never its value.
                    match value.find(['=', ':']) {
                        Some(pos) => format!(
                            "option {} comes before any section header; the file must start with a section such as [options] (MissingSectionHeaderError)",
                            quote(py_rstrip(value.get(..pos).unwrap_or_default()))
                        ),
                        None => format!(
                            "{} comes before any section header; the file must start with a section such as [options] (MissingSectionHeaderError)",
                            quote(line)
                        ),
                    },
                ));
            };

            let Some(pos) = value.find(['=', ':']) else {
                bad.count += 1;
                if bad.first.is_none() {
                    bad.first = Some((
                        lineno,
                        format!(
                            "{} is not `key = value`, `key: value`, a [section], a comment or an indented continuation",
                            quote(line)
                        ),
                    ));
                }
                continue;
            };
            let key = py_rstrip(value.get(..pos).unwrap_or_default());
            let val = py_strip(value.get(pos + 1..).unwrap_or_default());
            if key.is_empty() {
                // Python notes the error but still stores the option, under an empty name
                bad.count += 1;
                if bad.first.is_none() {
                    bad.first = Some((
                        lineno,
                        "an option has an empty name (its value is not shown)".to_owned(),
                    ));
                }
            }
            let name = key.to_lowercase();
            let (section_key, section_name, drafts) = match tgt {
                Target::Defaults => (None, "DEFAULT", &mut defaults),
                Target::Section(i) => match sections.get_mut(i) {
                    Some((n, _, d)) => (Some(i), n.as_str(), d),
                    None => continue,
                },
            };
            if let Some(first) = option_lines.get(&(section_key, name.clone())) {
                return Err(error(
                    lineno,
                    format!(
                        "option {} in section {} already exists (first on line {first}): Odoo does not start (DuplicateOptionError)",
                        quote(&name),
                        quote(section_name)
                    ),
                ));
            }
            option_lines.insert((section_key, name.clone()), lineno);
            drafts.push(Draft {
                name,
                lines: vec![val.to_owned()],
                line: lineno,
            });
            current = if key.is_empty() {
                None
            } else {
                Some(drafts.len() - 1)
            };
        }

        if let Some((line, message)) = bad.first {
            let more = match bad.count {
                0 | 1 => String::new(),
                n => format!("; {n} unparsable lines in all"),
            };
            return Err(error(
                line,
                format!("{message}: Odoo does not start (ParsingError{more})"),
            ));
        }

        Ok(OdooConf {
            path: (!path.is_empty()).then(|| PathBuf::from(path)),
            defaults: defaults.into_iter().map(finish).collect(),
            sections: sections
                .into_iter()
                .map(|(name, line, drafts)| Section {
                    name,
                    line,
                    entries: drafts.into_iter().map(finish).collect(),
                })
                .collect(),
        })
    }

    /// Reads and parses a file. A file that cannot be read or is not UTF-8 gives an error on
    /// line 0 (Odoo silently ignores a missing/unreadable file and fails on an undecodable one).
    pub fn load(path: &Path) -> Result<OdooConf, ConfError> {
        let shown = path.display().to_string();
        let bytes = fsread::read(path, fsread::CONFIG_MAX).map_err(|e| ConfError {
            path: shown.clone(),
            line: 0,
            message: e.about_file(),
        })?;
        let text = String::from_utf8(bytes).map_err(|e| ConfError {
            path: shown.clone(),
            line: 0,
            message: format!(
                "not valid UTF-8 (invalid byte at offset {}); Odoo would fail to decode it",
                e.utf8_error().valid_up_to()
            ),
        })?;
        let mut conf = OdooConf::parse(&text, &shown)?;
        conf.path = Some(path.to_path_buf());
        Ok(conf)
    }

    /// The raw value of `option` in `[options]`, as `RawConfigParser.get('options', option)`
    /// gives it (the name is lower-cased; `[DEFAULT]` is the fallback). `None` when the option
    /// is absent or the file has no `[options]` section (Odoo then reads no option at all, even
    /// from `[DEFAULT]`).
    pub fn get(&self, option: &str) -> Option<&str> {
        self.get_in("options", option)
    }

    /// [`OdooConf::get`] for any section (`"DEFAULT"` included).
    pub fn get_in(&self, section: &str, option: &str) -> Option<&str> {
        self.entry(section, option).map(|e| e.value.as_str())
    }

    /// The 1-based line where the value of `option` (in `[options]`, or `[DEFAULT]`) is set;
    /// `None` when absent or when the value comes from the environment.
    pub fn line_of(&self, option: &str) -> Option<usize> {
        self.entry("options", option)
            .filter(|e| e.env.is_none())
            .map(|e| e.line)
    }

    /// The environment variable the value of `option` comes from, after
    /// [`OdooConf::with_env_overrides`].
    pub fn env_source(&self, option: &str) -> Option<&str> {
        self.entry("options", option).and_then(|e| e.env.as_deref())
    }

    /// `RawConfigParser.getboolean('options', option)`: `1`/`yes`/`true`/`on` and
    /// `0`/`no`/`false`/`off`, case-insensitive, anything else is an error.
    ///
    /// This is *not* how Odoo reads its booleans, see [`OdooConf::odoo_bool`]: Odoo 18.0 only
    /// knows `True`/`true`/`False`/`false` and takes any other non-empty string as true (so
    /// `list_db = 0` leaves the database manager enabled), 19.0 accepts the words above for
    /// boolean options and fails to start on anything else.
    pub fn get_bool(&self, option: &str) -> Option<Result<bool, String>> {
        let value = self.get(option)?;
        Some(parse_config_bool(value).ok_or_else(|| format!("Not a boolean: {}", quote(value))))
    }

    /// All options of `[options]` with their raw values, in `RawConfigParser.items('options')`
    /// order: the `[DEFAULT]` keys first (with the `[options]` value when it has one), then the
    /// other keys of `[options]` in file order. Empty when there is no `[options]` section.
    pub fn options(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.items("options").unwrap_or_default().into_iter()
    }

    /// `RawConfigParser.items(section)`: the options of any section, `[DEFAULT]` ones first;
    /// `None` when the section does not exist (`"DEFAULT"` always exists).
    pub fn items(&self, section: &str) -> Option<Vec<(&str, &str)>> {
        let defaults = self
            .defaults
            .iter()
            .map(|d| (d.name.as_str(), d.value.as_str()));
        if section == "DEFAULT" {
            return Some(defaults.collect());
        }
        let section = self.section(section)?;
        let mut out: Vec<(&str, &str)> = Vec::new();
        for (name, default_value) in defaults {
            let value = section
                .entries
                .iter()
                .find(|e| e.name == name)
                .map_or(default_value, |e| e.value.as_str());
            out.push((name, value));
        }
        for entry in &section.entries {
            if !self.defaults.iter().any(|d| d.name == entry.name) {
                out.push((entry.name.as_str(), entry.value.as_str()));
            }
        }
        Some(out)
    }

    /// The section names in file order, without `DEFAULT` (`RawConfigParser.sections()`).
    pub fn sections(&self) -> Vec<&str> {
        self.sections.iter().map(|s| s.name.as_str()).collect()
    }

    /// The 1-based line of a section header.
    pub fn section_line(&self, section: &str) -> Option<usize> {
        self.section(section).map(|s| s.line)
    }

    /// `addons_path` split on `,`, each entry stripped, empty entries dropped (what 19.0 does
    /// before checking the directories). Empty when the option is absent or is `None`.
    ///
    /// Odoo 18.0 differs on two points: an empty or `None` value means "Odoo's own addons
    /// directories", and an empty entry (`a,,b` or a trailing comma) is kept and becomes the
    /// current working directory of the server.
    pub fn addons_path(&self) -> Vec<String> {
        match self.get("addons_path") {
            None | Some("None") => Vec::new(),
            Some(raw) => split_comma(raw),
        }
    }

    /// The value Odoo 18.0 (and 16.0, 17.0) holds for `option` after loading the file:
    ///
    /// * `True`/`true` → `Bool(true)`, `False`/`false` → `Bool(false)` (exactly these
    ///   spellings; `TRUE`, `yes`, `1`, `0`… stay strings), for every option;
    /// * `None` is not converted in general: it stays the string `"None"`, except for
    ///   `test_tags` (→ `None`) and `logfile`/`pidfile` (→ `False`), which `_parse_config`
    ///   fixes after loading (it also replaces `None`/empty `addons_path` and
    ///   `server_wide_modules` with Odoo's defaults, left as `Str` here);
    /// * the old names `xmlrpc_port`, `xmlrpc_interface` and `xmlrpc` are read as `http_port`,
    ///   `http_interface` and `http_enable` (the last one in the file wins); asking for an old
    ///   name gives `None`.
    ///
    /// Odoo 19.0 differs: `None` means `None` for every known option, `False`/`false` on a
    /// non-boolean option is ignored (the default applies), values are converted to the
    /// option's type, and unknown options keep their raw string.
    pub fn odoo_value(&self, option: &str) -> Option<OdooValue> {
        let name = option.to_lowercase();
        let raw = self.odoo18_raw(&name)?;
        Some(match raw {
            "True" | "true" => OdooValue::Bool(true),
            "False" | "false" => OdooValue::Bool(false),
            "None" if name == "test_tags" => OdooValue::None,
            "None" if name == "logfile" || name == "pidfile" => OdooValue::Bool(false),
            other => OdooValue::Str(other.to_owned()),
        })
    }

    /// Whether Odoo of `series` takes the boolean `option` as true, from the file (and the
    /// environment after [`OdooConf::with_env_overrides`]); `None` when the file does not set
    /// it (or, in 19.0, sets it in a way Odoo ignores, so that the default applies). Meant for
    /// boolean options (`list_db`, `proxy_mode`, `http_enable`…).
    ///
    /// * Before 19.0: [`OdooConf::odoo_value`], then Python truthiness: `Bool(b)` is `b`,
    ///   `None` is false, a number option (`workers`, `http_port`…) is true unless zero, any
    ///   other string is true unless empty. So `list_db = 0`, `= no` or `= off` are **true**.
    /// * 19.0 and later: `None` is false; boolean options accept `1/yes/true/on` and
    ///   `0/no/false/off` in any case and anything else is an error (Odoo does not start);
    ///   `False`/`false` on a non-boolean option is ignored; `without_demo` sets the inverse of
    ///   `with_demo`; options Odoo does not read from the file (`init`, `test_enable`…) give
    ///   `None`; unknown options are true unless empty.
    pub fn odoo_bool(&self, option: &str, series: Series) -> Option<Result<bool, String>> {
        let name = option.to_lowercase();
        if !env_overrides_apply(series) {
            return Some(match self.odoo_value(&name)? {
                OdooValue::Bool(b) => Ok(b),
                OdooValue::None => Ok(false),
                OdooValue::Str(s) if ODOO18_NUMBER_OPTIONS.contains(&name.as_str()) => {
                    number_truthiness(&name, &s)
                }
                OdooValue::Str(s) => Ok(!s.is_empty()),
            });
        }
        let (raw, from_env) = self.odoo19_raw(&name)?;
        let Some(known) = known_option(&name) else {
            return Some(Ok(!raw.is_empty()));
        };
        if !known.file_loadable {
            return None;
        }
        // only the file loader skips `False` on options that are not store_true/store_false
        if !from_env && matches!(raw.as_str(), "False" | "false") && known.kind != Kind::Flag {
            return None;
        }
        if raw == "None" {
            return Some(Ok(false));
        }
        Some(match known.kind {
            Kind::Flag | Kind::BoolTyped => parse_config_bool(&raw)
                .ok_or_else(|| format!("option {name}: invalid boolean value: {}", quote(&raw))),
            Kind::Number => number_truthiness(&name, &raw),
            Kind::List => Ok(!split_comma(&raw).is_empty()),
            Kind::Text => Ok(!raw.is_empty()),
        })
    }

    /// A copy where the environment variables Odoo 19.0 reads replace the values of the file
    /// (in 19.0 the environment wins over the file; the command line, not modelled here, wins
    /// over both). `env` looks a variable up (e.g. `|k| std::env::var(k).ok()`).
    ///
    /// The variables are those of [`odoo19_env_var`]: `PGDATABASE`, `PGUSER`, `PGPASSWORD`,
    /// `PGPATH`, `PGHOST`, `PGHOST_REPLICA`, `PGPORT`, `PGPORT_REPLICA`, `PGSSLMODE`,
    /// `PGAPPNAME`, `PGDATABASE_TEMPLATE`, `ODOO_DEV` (for `dev_mode`) and `ODOO_<OPTION>` for
    /// every other option Odoo reads from the file (`ODOO_ADMIN_PASSWD`, `ODOO_WORKERS`…).
    /// A variable that is set, even to an empty string, counts; the value `None` means `None`.
    /// `ODOO_LOG_HANDLER` does not replace `log_handler` but is appended to it, and handlers
    /// of the same logger are merged (the later level wins), as Odoo does. `ODOO_RC` selects
    /// the file itself and is not applied here. Overridden options are put in `[options]`
    /// (created if needed); [`OdooConf::env_source`] names their variable and
    /// [`OdooConf::line_of`] gives `None` for them.
    pub fn with_env_overrides(&self, env: &dyn Fn(&str) -> Option<String>) -> OdooConf {
        let mut out = self.clone();
        for known in ODOO19_OPTIONS {
            if !known.file_loadable {
                continue;
            }
            let var = known.env_var();
            let Some(value) = env(&var) else {
                continue;
            };
            let value = if known.name == "log_handler" {
                match self.get("log_handler") {
                    Some(file_value) => merge_log_handlers(file_value, &value),
                    None => value,
                }
            } else {
                value
            };
            out.set_from_env(known.name, value, var);
        }
        out
    }

    fn section(&self, name: &str) -> Option<&Section> {
        self.sections.iter().find(|s| s.name == name)
    }

    /// `RawConfigParser.get(section, option)`: the section's own value, else `[DEFAULT]`'s.
    fn entry(&self, section: &str, option: &str) -> Option<&Entry> {
        let name = option.to_lowercase();
        let in_defaults = || self.defaults.iter().find(|e| e.name == name);
        if section == "DEFAULT" {
            return in_defaults();
        }
        self.section(section)?
            .entries
            .iter()
            .find(|e| e.name == name)
            .or_else(in_defaults)
    }

    /// The raw string Odoo 18.0 ends up with for `name`, old `xmlrpc*` names included.
    fn odoo18_raw(&self, name: &str) -> Option<&str> {
        let mut found = None;
        for (key, value) in self.options() {
            let key = match key {
                "xmlrpc_port" => "http_port",
                "xmlrpc_interface" => "http_interface",
                "xmlrpc" => "http_enable",
                other => other,
            };
            if key == name {
                found = Some(value);
            }
        }
        found
    }

    /// The raw string Odoo 19.0 ends up with for `name` (`without_demo` turned into
    /// `with_demo`), and whether it comes from the environment.
    fn odoo19_raw(&self, name: &str) -> Option<(String, bool)> {
        if let Some(env_entry) = self.entry("options", name).filter(|e| e.env.is_some()) {
            return Some((env_entry.value.clone(), true));
        }
        let mut found = None;
        for (key, value) in self.options() {
            if key == "without_demo" && name == "with_demo" {
                // with_demo = not bool(without_demo); an invalid word gives `value == 'None'`
                let with_demo = match parse_config_bool(value) {
                    Some(without) => !without,
                    None => value == "None",
                };
                found = Some((if with_demo { "True" } else { "False" }.to_owned(), false));
            } else if key == name {
                found = Some((value.to_owned(), false));
            }
        }
        found
    }

    fn set_from_env(&mut self, name: &str, value: String, var: String) {
        let index = match self.sections.iter().position(|s| s.name == "options") {
            Some(i) => i,
            None => {
                self.sections.push(Section {
                    name: "options".to_owned(),
                    line: 0,
                    entries: Vec::new(),
                });
                self.sections.len() - 1
            }
        };
        let Some(section) = self.sections.get_mut(index) else {
            return;
        };
        let entry = Entry {
            name: name.to_owned(),
            value,
            line: 0,
            env: Some(var),
        };
        match section.entries.iter_mut().find(|e| e.name == name) {
            Some(existing) => *existing = entry,
            None => section.entries.push(entry),
        }
    }
}

/// Odoo's default config file, as odoo-bin's configmanager chooses it when neither `-c` nor
/// `ODOO_RC` is given: `~/.odoorc`, else `~/.openerp_serverrc` when only that one exists;
/// `None` when neither exists. Both existing is an error, as in odoo-bin.
pub fn default_rc(home: Option<&Path>) -> Result<Option<PathBuf>, String> {
    let Some(home) = home.filter(|h| !h.as_os_str().is_empty()) else {
        return Ok(None);
    };
    let rc = home.join(".odoorc");
    let old = home.join(".openerp_serverrc");
    match (rc.is_file(), old.is_file()) {
        (true, true) => Err(format!(
            "Found '.odoorc' and '.openerp_serverrc' in {}. Please keep only one of them, preferably '.odoorc' (or pass -c)",
            quote(&home.display().to_string())
        )),
        (true, false) => Ok(Some(rc)),
        (false, true) => Ok(Some(old)),
        (false, false) => Ok(None),
    }
}

/// Whether the Odoo series reads options from environment variables (19.0 and later).
pub fn env_overrides_apply(series: Series) -> bool {
    series.major >= 19
}

/// The environment variable Odoo 19.0 reads for `option`, if any: `PGHOST` for `db_host`,
/// `ODOO_RC` for the configuration file itself (`config`), `ODOO_WORKERS` for `workers`…
/// `None` for options it does not read from the environment (`init`, `test_enable`…) and for
/// unknown ones.
pub fn odoo19_env_var(option: &str) -> Option<String> {
    let name = option.to_lowercase();
    let known = known_option(&name)?;
    if known.name == "config" || known.file_loadable {
        Some(known.env_var())
    } else {
        None
    }
}

/// The type of an Odoo 19.0 option, as far as its truth value is concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// `action='store_true'` / `'store_false'`.
    Flag,
    /// `type='bool'` with a plain `store` action (`False` in the file is ignored).
    BoolTyped,
    /// `type='int'` / `'float'`.
    Number,
    /// Comma-separated lists.
    List,
    /// Strings, paths, choices.
    Text,
}

/// An option of Odoo 19.0's `odoo/tools/config.py`.
struct Known {
    name: &'static str,
    kind: Kind,
    /// Read from the configuration file (the others get no `ODOO_*` variable either).
    file_loadable: bool,
    /// Explicit `env_name`; otherwise `ODOO_<NAME>` when file-loadable.
    env: Option<&'static str>,
}

impl Known {
    fn env_var(&self) -> String {
        match self.env {
            Some(var) => var.to_owned(),
            None => format!("ODOO_{}", self.name.to_uppercase()),
        }
    }
}

const fn opt(name: &'static str, kind: Kind) -> Known {
    Known {
        name,
        kind,
        file_loadable: true,
        env: None,
    }
}

const fn opt_env(name: &'static str, kind: Kind, env: &'static str) -> Known {
    Known {
        name,
        kind,
        file_loadable: true,
        env: Some(env),
    }
}

const fn cli_only(name: &'static str, kind: Kind) -> Known {
    Known {
        name,
        kind,
        file_loadable: false,
        env: None,
    }
}

/// Every option of Odoo 19.0 (POSIX build), in the order `config.py` declares them.
const ODOO19_OPTIONS: &[Known] = &[
    opt("admin_passwd", Kind::Text),
    opt("bin_path", Kind::Text),
    opt("csv_internal_sep", Kind::Text),
    opt("default_productivity_apps", Kind::BoolTyped),
    opt("import_file_maxbytes", Kind::Number),
    opt("import_file_timeout", Kind::Number),
    opt("import_url_regex", Kind::Text),
    opt("proxy_access_token", Kind::Text),
    opt("publisher_warranty_url", Kind::Text),
    opt("reportgz", Kind::Flag),
    opt("websocket_keep_alive_timeout", Kind::Number),
    opt("websocket_rate_limit_burst", Kind::Number),
    opt("websocket_rate_limit_delay", Kind::Number),
    Known {
        name: "config",
        kind: Kind::Text,
        file_loadable: false,
        env: Some("ODOO_RC"),
    },
    cli_only("save", Kind::Flag),
    cli_only("init", Kind::List),
    cli_only("update", Kind::List),
    cli_only("reinit", Kind::List),
    opt("with_demo", Kind::Flag),
    cli_only("import_partial", Kind::Text),
    opt("pidfile", Kind::Text),
    opt("addons_path", Kind::List),
    opt("upgrade_path", Kind::List),
    opt("pre_upgrade_scripts", Kind::List),
    opt("server_wide_modules", Kind::List),
    opt("data_dir", Kind::Text),
    opt("http_interface", Kind::Text),
    opt("http_port", Kind::Number),
    opt("gevent_port", Kind::Number),
    opt("http_enable", Kind::Flag),
    opt("proxy_mode", Kind::Flag),
    opt("x_sendfile", Kind::Flag),
    opt("dbfilter", Kind::Text),
    cli_only("test_file", Kind::Text),
    cli_only("test_enable", Kind::Flag),
    cli_only("test_tags", Kind::Text),
    opt("screencasts", Kind::Text),
    opt("screenshots", Kind::Text),
    opt("logfile", Kind::Text),
    opt("syslog", Kind::Flag),
    opt("log_handler", Kind::List),
    opt("log_db", Kind::Text),
    opt("log_db_level", Kind::Text),
    opt("log_level", Kind::Text),
    opt("email_from", Kind::Text),
    opt("from_filter", Kind::Text),
    opt("smtp_server", Kind::Text),
    opt("smtp_port", Kind::Number),
    opt("smtp_ssl", Kind::Flag),
    opt("smtp_user", Kind::Text),
    opt("smtp_password", Kind::Text),
    opt("smtp_ssl_certificate_filename", Kind::Text),
    opt("smtp_ssl_private_key_filename", Kind::Text),
    opt_env("db_name", Kind::List, "PGDATABASE"),
    opt_env("db_user", Kind::Text, "PGUSER"),
    opt_env("db_password", Kind::Text, "PGPASSWORD"),
    opt_env("pg_path", Kind::Text, "PGPATH"),
    opt_env("db_host", Kind::Text, "PGHOST"),
    opt_env("db_replica_host", Kind::Text, "PGHOST_REPLICA"),
    opt_env("db_port", Kind::Number, "PGPORT"),
    opt_env("db_replica_port", Kind::Number, "PGPORT_REPLICA"),
    opt_env("db_sslmode", Kind::Text, "PGSSLMODE"),
    opt_env("db_app_name", Kind::Text, "PGAPPNAME"),
    opt("db_maxconn", Kind::Number),
    opt("db_maxconn_gevent", Kind::Number),
    opt_env("db_template", Kind::Text, "PGDATABASE_TEMPLATE"),
    opt("load_language", Kind::Text),
    opt("overwrite_existing_translations", Kind::Flag),
    opt("list_db", Kind::Flag),
    opt_env("dev_mode", Kind::List, "ODOO_DEV"),
    cli_only("stop_after_init", Kind::Flag),
    opt("osv_memory_count_limit", Kind::Number),
    opt("transient_age_limit", Kind::Number),
    opt("max_cron_threads", Kind::Number),
    opt("limit_time_worker_cron", Kind::Number),
    opt("unaccent", Kind::Flag),
    opt("geoip_city_db", Kind::Text),
    opt("geoip_country_db", Kind::Text),
    opt("workers", Kind::Number),
    opt("limit_memory_soft", Kind::Number),
    opt("limit_memory_soft_gevent", Kind::Number),
    opt("limit_memory_hard", Kind::Number),
    opt("limit_memory_hard_gevent", Kind::Number),
    opt("limit_time_cpu", Kind::Number),
    opt("limit_time_real", Kind::Number),
    opt("limit_time_real_cron", Kind::Number),
    opt("limit_request", Kind::Number),
];

/// The number options Odoo 18.0 converts with `int()`/`float()` after loading the file (the
/// others stay strings).
const ODOO18_NUMBER_OPTIONS: &[&str] = &[
    "gevent_port",
    "http_port",
    "db_port",
    "db_replica_port",
    "smtp_port",
    "db_maxconn",
    "db_maxconn_gevent",
    "osv_memory_count_limit",
    "transient_age_limit",
    "max_cron_threads",
    "workers",
    "limit_memory_hard",
    "limit_memory_hard_gevent",
    "limit_memory_soft",
    "limit_memory_soft_gevent",
    "limit_time_cpu",
    "limit_time_real",
    "limit_request",
    "limit_time_real_cron",
];

fn known_option(name: &str) -> Option<&'static Known> {
    ODOO19_OPTIONS.iter().find(|k| k.name == name)
}

/// configparser's boolean words (`value.lower()` against `BOOLEAN_STATES`).
fn parse_config_bool(value: &str) -> Option<bool> {
    match value.to_lowercase().as_str() {
        "1" | "yes" | "true" | "on" => Some(true),
        "0" | "no" | "false" | "off" => Some(false),
        _ => None,
    }
}

/// Truth value of a number option (Odoo converts it with `int()`/`float()`).
fn number_truthiness(name: &str, raw: &str) -> Result<bool, String> {
    let cleaned: String = py_strip(raw).chars().filter(|c| *c != '_').collect();
    cleaned
        .parse::<f64>()
        .map(|n| n != 0.0)
        .map_err(|_| format!("option {name}: invalid number: {}", quote(raw)))
}

/// Odoo's comma lists: split on `,`, strip, drop empty items.
fn split_comma(raw: &str) -> Vec<String> {
    raw.split(',')
        .map(py_strip)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// File handlers followed by environment handlers, one per logger (the last level wins, the
/// first position stays), as 19.0's `_deduplicate_loggers` does. If an item is not exactly
/// `logger:LEVEL` (Odoo would crash on it), the lists are just concatenated.
fn merge_log_handlers(file_value: &str, env_value: &str) -> String {
    let items: Vec<String> = split_comma(file_value)
        .into_iter()
        .chain(split_comma(env_value))
        .collect();
    let mut merged: Vec<(&str, &str)> = Vec::new();
    for item in &items {
        let mut parts = item.split(':');
        let (Some(logger), Some(level), None) = (parts.next(), parts.next(), parts.next()) else {
            return items.join(",");
        };
        match merged.iter_mut().find(|(l, _)| *l == logger) {
            Some(slot) => slot.1 = level,
            None => merged.push((logger, level)),
        }
    }
    merged
        .iter()
        .map(|(logger, level)| format!("{logger}:{level}"))
        .collect::<Vec<_>>()
        .join(",")
}

fn finish(draft: Draft) -> Entry {
    let joined = draft.lines.join("\n");
    Entry {
        name: draft.name,
        value: py_rstrip(&joined).to_owned(),
        line: draft.line,
        env: None,
    }
}

/// The draft that blank and continuation lines extend.
fn draft_mut<'a>(
    defaults: &'a mut [Draft],
    sections: &'a mut [(String, usize, Vec<Draft>)],
    target: Option<Target>,
    current: Option<usize>,
) -> Option<&'a mut Draft> {
    let index = current?;
    match target? {
        Target::Defaults => defaults.get_mut(index),
        Target::Section(i) => sections.get_mut(i)?.2.get_mut(index),
    }
}

/// `\[(?P<header>.+)\]` matched at the start: the text up to the last `]`, not empty.
fn section_header(value: &str) -> Option<&str> {
    let rest = value.strip_prefix('[')?;
    let end = rest.rfind(']')?;
    rest.get(..end).filter(|h| !h.is_empty())
}

/// The lines of a text file read in Python's text mode (universal newlines): split on `\n`,
/// `\r\n` and `\r`, terminators removed; no line after a final terminator.
fn python_lines(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        match rest.find(['\n', '\r']) {
            Some(pos) => {
                let line = rest.get(..pos).unwrap_or_default();
                let after = rest.get(pos..).unwrap_or_default();
                let skip = if after.starts_with("\r\n") { 2 } else { 1 };
                rest = after.get(skip..).unwrap_or_default();
                Some(line)
            }
            None => {
                let line = rest;
                rest = "";
                Some(line)
            }
        }
    })
}

/// Python's `str.isspace()`.
fn is_py_space(c: char) -> bool {
    matches!(
        c,
        '\t'..='\r'
            | '\u{1C}'..='\u{20}'
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

/// Python's `str.strip()`.
fn py_strip(s: &str) -> &str {
    s.trim_matches(is_py_space)
}

/// Python's `str.rstrip()`.
fn py_rstrip(s: &str) -> &str {
    s.trim_end_matches(is_py_space)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn conf(text: &str) -> OdooConf {
        match OdooConf::parse(text, "odoo.conf") {
            Ok(c) => c,
            Err(e) => panic!("unexpected error: {e}"),
        }
    }

    fn error(text: &str) -> ConfError {
        match OdooConf::parse(text, "odoo.conf") {
            Ok(c) => panic!("expected an error, got {c:?}"),
            Err(e) => e,
        }
    }

    fn opts(c: &OdooConf) -> Vec<(String, String)> {
        c.options()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    // Every expectation below was checked against CPython 3.11's RawConfigParser reading the
    // same text from a file.

    #[test]
    fn equals_and_colon_delimiters_first_one_wins() {
        let c = conf("[options]\na = 1\nb: 2\nc=3\nd:4\ne = x = y\nf: a:b\ng = a:b\n");
        assert_eq!(
            opts(&c),
            pairs(&[
                ("a", "1"),
                ("b", "2"),
                ("c", "3"),
                ("d", "4"),
                ("e", "x = y"),
                ("f", "a:b"),
                ("g", "a:b")
            ])
        );
    }

    #[test]
    fn whitespace_around_keys_and_values_is_stripped() {
        let c = conf("[options]\n   spaced   =   value with  spaces   \n\tt\t=\tv\t\nu = \u{3000}w\u{3000}\n");
        assert_eq!(c.get("spaced"), Some("value with  spaces"));
        assert_eq!(c.get("t"), Some("v"));
        assert_eq!(c.get("u"), Some("w"));
    }

    #[test]
    fn option_names_are_lower_cased_section_names_are_not() {
        let c = conf("[Options]\nDB_Host = x\n[options]\nDB_HOST = y\n");
        assert_eq!(c.sections(), vec!["Options", "options"]);
        assert_eq!(c.get("db_host"), Some("y"));
        assert_eq!(c.get("DB_HOST"), Some("y")); // lookups lower-case too, like get()
        assert_eq!(c.get_in("Options", "db_host"), Some("x"));
        assert_eq!(opts(&c), pairs(&[("db_host", "y")]));
    }

    #[test]
    fn no_interpolation() {
        let c = conf("[options]\ndb_name = %(env:DB)s\np = 100%\n");
        assert_eq!(c.get("db_name"), Some("%(env:DB)s"));
        assert_eq!(c.get("p"), Some("100%"));
    }

    #[test]
    fn inline_comment_characters_stay_in_the_value() {
        let c = conf("[options]\na = value ; not a comment\nb = value # nor this\nc = ;x\n");
        assert_eq!(c.get("a"), Some("value ; not a comment"));
        assert_eq!(c.get("b"), Some("value # nor this"));
        assert_eq!(c.get("c"), Some(";x"));
    }

    #[test]
    fn full_line_comments_are_skipped_even_when_indented() {
        let c = conf("# top\n; top\n[options]\n  # indented comment\n\t; tab comment\na = 1\n");
        assert_eq!(opts(&c), pairs(&[("a", "1")]));
        assert_eq!(c.line_of("a"), Some(6));
    }

    #[test]
    fn multi_line_values_keep_inner_blank_lines() {
        let c = conf("[options]\naddons_path = /a,\n    /b,\n\n    /c\n\nnext = 1\n");
        assert_eq!(c.get("addons_path"), Some("/a,\n/b,\n\n/c"));
        assert_eq!(c.get("next"), Some("1"));
        assert_eq!(c.addons_path(), vec!["/a", "/b", "/c"]);
    }

    #[test]
    fn a_comment_inside_a_multi_line_value_is_skipped() {
        assert_eq!(
            conf("[options]\na = 1\n  # c\n  2\n").get("a"),
            Some("1\n2")
        );
    }

    #[test]
    fn continuation_is_relative_to_the_option_line_and_blank_lines_do_not_reset_it() {
        let c = conf("[options]\n  a = 1\n  b = 2\n   c\n");
        assert_eq!(opts(&c), pairs(&[("a", "1"), ("b", "2\nc")]));
        let c = conf("[options]\na = 1\n\n  b = 2\n");
        assert_eq!(opts(&c), pairs(&[("a", "1\n\nb = 2")]));
    }

    #[test]
    fn a_key_without_value_is_an_error_an_empty_value_is_not() {
        let e = error("[options]\nkey\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("ParsingError"), "{e}");
        assert_eq!(conf("[options]\nkey =\n").get("key"), Some(""));
        let e = error("[options]\nbad\nworse\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("2 unparsable lines"), "{e}");
    }

    #[test]
    fn an_empty_key_is_an_error() {
        let e = error("[options]\n= 1\n");
        assert_eq!(e.line, 2);
        assert!(e.message.contains("an option has an empty name"), "{e}");
        let e = error("[options]\n = Secret_Pw_4242\n");
        assert!(!e.message.contains("Secret_Pw"), "{e}");
    }

    #[test]
    fn duplicate_option_is_an_error_on_its_line() {
        let e = error("[options]\na = 1\nA = 2\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("DuplicateOptionError"), "{e}");
        assert!(e.message.contains("first on line 2"), "{e}");
        // raised at once, before an earlier unparsable line is reported
        let e = error("[options]\nbad\na=1\na=2\n");
        assert_eq!(e.line, 4);
        assert!(e.message.contains("DuplicateOptionError"), "{e}");
    }

    #[test]
    fn duplicate_section_is_an_error() {
        let e = error("[options]\na = 1\n[options]\nb = 2\n");
        assert_eq!(e.line, 3);
        assert!(e.message.contains("DuplicateSectionError"), "{e}");
    }

    #[test]
    fn a_line_before_any_section_is_an_error() {
        let e = error("a = 1\n[options]\n");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("MissingSectionHeaderError"), "{e}");
        assert_eq!(e.to_string(), format!("odoo.conf:1: {}", e.message));
        // a UTF-8 BOM is not white space for Python either
        assert_eq!(error("\u{feff}[options]\na = 1\n").line, 1);
    }

    #[test]
    fn default_section_shows_through() {
        let c = conf("[DEFAULT]\nx = 1\ny = 2\n[options]\ny = 3\nz = 4\n[misc]\n");
        assert_eq!(c.sections(), vec!["options", "misc"]);
        assert_eq!(opts(&c), pairs(&[("x", "1"), ("y", "3"), ("z", "4")]));
        assert_eq!(c.line_of("x"), Some(2));
        assert_eq!(c.line_of("y"), Some(5));
        assert_eq!(c.get_in("misc", "y"), Some("2"));
        assert_eq!(c.get_in("DEFAULT", "y"), Some("2"));
        assert_eq!(c.items("nope"), None);
        // DEFAULT may be repeated, its options may not
        let c = conf("[DEFAULT]\nx = 1\n[DEFAULT]\ny = 2\n");
        assert_eq!(c.items("DEFAULT"), Some(vec![("x", "1"), ("y", "2")]));
        assert_eq!(error("[DEFAULT]\nx = 1\n[DEFAULT]\nx = 2\n").line, 4);
        // without [options], Odoo reads nothing, not even DEFAULT
        let c = conf("[DEFAULT]\nx = 1\n");
        assert_eq!(c.get("x"), None);
        assert_eq!(c.options().count(), 0);
    }

    #[test]
    fn section_header_runs_to_the_last_bracket() {
        let c = conf("[options] trailing\na = 1\n[a]b]\n[]]\n");
        assert_eq!(c.sections(), vec!["options", "a]b", "]"]);
        assert_eq!(c.section_line("a]b"), Some(3));
        assert_eq!(c.get("a"), Some("1"));
        // `[]` is no header, and then not an option either
        assert_eq!(error("[options]\n[]\n").line, 2);
    }

    #[test]
    fn universal_newlines_and_line_numbers() {
        let c = conf("[options]\r\na = 1\r\n  b\rc = 2");
        assert_eq!(opts(&c), pairs(&[("a", "1\nb"), ("c", "2")]));
        assert_eq!(c.line_of("c"), Some(4));
        assert_eq!(c.line_of("missing"), None);
    }

    #[test]
    fn getboolean_words() {
        let c = conf("[options]\na=On\nb=0\nc=maybe\nd=TRUE\ne=\n");
        assert_eq!(c.get_bool("a"), Some(Ok(true)));
        assert_eq!(c.get_bool("b"), Some(Ok(false)));
        assert_eq!(
            c.get_bool("c"),
            Some(Err("Not a boolean: \"maybe\"".to_owned()))
        );
        assert_eq!(c.get_bool("d"), Some(Ok(true)));
        assert_eq!(c.get_bool("e"), Some(Err("Not a boolean: \"\"".to_owned())));
        assert_eq!(c.get_bool("f"), None);
    }

    #[test]
    fn odoo_18_value_conversion() {
        let c = conf(
            "[options]\na = True\nb = true\nc = False\nd = false\ne = TRUE\nf = None\ng = 1\n\
             test_tags = None\nlogfile = None\npidfile = None\nxmlrpc_port = 8070\n",
        );
        let s = |v: &str| Some(OdooValue::Str(v.to_owned()));
        assert_eq!(c.odoo_value("a"), Some(OdooValue::Bool(true)));
        assert_eq!(c.odoo_value("b"), Some(OdooValue::Bool(true)));
        assert_eq!(c.odoo_value("c"), Some(OdooValue::Bool(false)));
        assert_eq!(c.odoo_value("d"), Some(OdooValue::Bool(false)));
        assert_eq!(c.odoo_value("e"), s("TRUE"));
        assert_eq!(c.odoo_value("f"), s("None"));
        assert_eq!(c.odoo_value("g"), s("1"));
        assert_eq!(c.odoo_value("test_tags"), Some(OdooValue::None));
        assert_eq!(c.odoo_value("logfile"), Some(OdooValue::Bool(false)));
        assert_eq!(c.odoo_value("pidfile"), Some(OdooValue::Bool(false)));
        assert_eq!(c.odoo_value("http_port"), s("8070"));
        assert_eq!(c.odoo_value("xmlrpc_port"), None);
        assert_eq!(c.odoo_value("absent"), None);
        // the last of the old and new name wins
        let c = conf("[options]\nhttp_port = 1\nxmlrpc_port = 2\n");
        assert_eq!(c.odoo_value("http_port"), s("2"));
    }

    #[test]
    fn odoo_booleans_per_series() {
        let c = conf(
            "[options]\nlist_db = 0\nproxy_mode = no\nhttp_enable = False\nunaccent = True\n\
             workers = 0\nsmtp_ssl = None\nwithout_demo = True\ntest_enable = True\n\
             x_sendfile = maybe\ncustom = \ndb_maxconn = False\nsyslog = off\n",
        );
        let v18 = Series::new(18, 0);
        assert_eq!(c.odoo_bool("list_db", v18), Some(Ok(true)));
        assert_eq!(c.odoo_bool("proxy_mode", v18), Some(Ok(true)));
        assert_eq!(c.odoo_bool("http_enable", v18), Some(Ok(false)));
        assert_eq!(c.odoo_bool("unaccent", v18), Some(Ok(true)));
        assert_eq!(c.odoo_bool("workers", v18), Some(Ok(false)));
        assert_eq!(c.odoo_bool("smtp_ssl", v18), Some(Ok(true))); // the string "None"
        assert_eq!(c.odoo_bool("x_sendfile", v18), Some(Ok(true)));
        assert_eq!(c.odoo_bool("custom", v18), Some(Ok(false)));
        assert_eq!(c.odoo_bool("absent", v18), None);
        let v19 = Series::new(19, 0);
        assert_eq!(c.odoo_bool("list_db", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("proxy_mode", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("syslog", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("http_enable", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("smtp_ssl", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("with_demo", v19), Some(Ok(false)));
        assert_eq!(c.odoo_bool("test_enable", v19), None);
        assert_eq!(c.odoo_bool("db_maxconn", v19), None);
        assert_eq!(c.odoo_bool("workers", v19), Some(Ok(false)));
        assert_eq!(
            c.odoo_bool("x_sendfile", v19),
            Some(Err(
                "option x_sendfile: invalid boolean value: \"maybe\"".to_owned()
            ))
        );
        assert_eq!(c.odoo_bool("custom", v19), Some(Ok(false)));
    }

    #[test]
    fn addons_path_entries() {
        let c = conf("[options]\naddons_path = /opt/odoo/addons , ,/srv/custom,\n");
        assert_eq!(c.addons_path(), vec!["/opt/odoo/addons", "/srv/custom"]);
        assert!(conf("[options]\naddons_path = None\n")
            .addons_path()
            .is_empty());
        assert!(conf("[options]\n").addons_path().is_empty());
    }

    fn env_of(vars: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn odoo_19_environment_wins_over_the_file() {
        let c = conf(
            "[options]\ndb_host = filehost\ndb_port = 5432\nworkers = 4\nadmin_passwd = file\n\
             log_handler = odoo:INFO,werkzeug:WARNING\n",
        );
        let env = env_of(&[
            ("PGHOST", "envhost"),
            ("PGPASSWORD", ""),
            ("ODOO_WORKERS", "None"),
            ("ODOO_ADMIN_PASSWD", "secret"),
            ("ODOO_DEV", "all"),
            ("ODOO_DEV_MODE", "ignored"),
            ("ODOO_LOG_HANDLER", "odoo:DEBUG,odoo.sql_db:DEBUG"),
            ("ODOO_RC", "/etc/other.conf"),
            ("ODOO_INIT", "base"),
        ]);
        let o = c.with_env_overrides(&env);
        assert_eq!(o.get("db_host"), Some("envhost"));
        assert_eq!(o.env_source("db_host"), Some("PGHOST"));
        assert_eq!(o.line_of("db_host"), None);
        assert_eq!(o.get("db_port"), Some("5432"));
        assert_eq!(o.line_of("db_port"), Some(3));
        assert_eq!(o.get("db_password"), Some(""));
        assert_eq!(o.get("workers"), Some("None"));
        assert_eq!(o.odoo_bool("workers", Series::new(19, 0)), Some(Ok(false)));
        assert_eq!(o.get("admin_passwd"), Some("secret"));
        assert_eq!(o.get("dev_mode"), Some("all"));
        assert_eq!(
            o.get("log_handler"),
            Some("odoo:DEBUG,werkzeug:WARNING,odoo.sql_db:DEBUG")
        );
        assert_eq!(o.get("config"), None);
        assert_eq!(o.get("init"), None);
        assert_eq!(o.get("dev_mode_x"), None);
        // the file itself is untouched
        assert_eq!(c.get("db_host"), Some("filehost"));
    }

    #[test]
    fn environment_without_options_section() {
        let c = conf("[misc]\na = 1\n");
        let env = env_of(&[("PGDATABASE", "prod")]);
        let o = c.with_env_overrides(&env);
        assert_eq!(o.get("db_name"), Some("prod"));
        assert_eq!(o.sections(), vec!["misc", "options"]);
        let none = OdooConf::default().with_env_overrides(&|_| None);
        assert_eq!(none.options().count(), 0);
    }

    #[test]
    fn environment_variable_names() {
        assert!(!env_overrides_apply(Series::new(18, 0)));
        assert!(env_overrides_apply(Series::new(19, 0)));
        assert!(env_overrides_apply(Series::new(20, 0)));
        let var = |o: &str| odoo19_env_var(o);
        assert_eq!(var("db_host").as_deref(), Some("PGHOST"));
        assert_eq!(var("db_port").as_deref(), Some("PGPORT"));
        assert_eq!(var("db_user").as_deref(), Some("PGUSER"));
        assert_eq!(var("db_password").as_deref(), Some("PGPASSWORD"));
        assert_eq!(var("db_name").as_deref(), Some("PGDATABASE"));
        assert_eq!(var("db_sslmode").as_deref(), Some("PGSSLMODE"));
        assert_eq!(var("db_app_name").as_deref(), Some("PGAPPNAME"));
        assert_eq!(var("db_template").as_deref(), Some("PGDATABASE_TEMPLATE"));
        assert_eq!(var("pg_path").as_deref(), Some("PGPATH"));
        assert_eq!(var("db_replica_host").as_deref(), Some("PGHOST_REPLICA"));
        assert_eq!(var("db_replica_port").as_deref(), Some("PGPORT_REPLICA"));
        assert_eq!(var("dev_mode").as_deref(), Some("ODOO_DEV"));
        assert_eq!(var("config").as_deref(), Some("ODOO_RC"));
        assert_eq!(var("db_maxconn").as_deref(), Some("ODOO_DB_MAXCONN"));
        assert_eq!(var("Admin_Passwd").as_deref(), Some("ODOO_ADMIN_PASSWD"));
        assert_eq!(var("with_demo").as_deref(), Some("ODOO_WITH_DEMO"));
        assert_eq!(var("init"), None);
        assert_eq!(var("test_enable"), None);
        assert_eq!(var("custom_option"), None);
    }

    #[test]
    fn default_rc_is_odoorc_else_openerp_serverrc() {
        let home = tempfile::tempdir().unwrap();
        let h = home.path();
        assert_eq!(default_rc(Some(h)), Ok(None));
        assert_eq!(default_rc(None), Ok(None));
        std::fs::write(h.join(".openerp_serverrc"), "[options]\n").unwrap();
        assert_eq!(default_rc(Some(h)), Ok(Some(h.join(".openerp_serverrc"))));
        std::fs::write(h.join(".odoorc"), "[options]\n").unwrap();
        assert!(default_rc(Some(h)).unwrap_err().contains("keep only one"));
        std::fs::remove_file(h.join(".openerp_serverrc")).unwrap();
        assert_eq!(default_rc(Some(h)), Ok(Some(h.join(".odoorc"))));
        // A directory is not a config file.
        std::fs::remove_file(h.join(".odoorc")).unwrap();
        std::fs::create_dir(h.join(".odoorc")).unwrap();
        assert_eq!(default_rc(Some(h)), Ok(None));
    }

    #[test]
    fn load_reads_files_and_reports_unreadable_ones_on_line_0() {
        let dir = std::env::temp_dir().join(format!("odoo_conf_test_{}", std::process::id()));
        let _ = std::fs::create_dir_all(&dir);
        let good = dir.join("good.conf");
        let bad = dir.join("latin1.conf");
        let _ = std::fs::write(&good, "[options]\r\ndb_host = h\r\n");
        let _ = std::fs::write(&bad, b"[options]\nadmin_passwd = caf\xe9\n");
        let c = OdooConf::load(&good).expect("good.conf");
        assert_eq!(c.get("db_host"), Some("h"));
        assert_eq!(c.path.as_deref(), Some(good.as_path()));
        let e = OdooConf::load(&bad).expect_err("latin1.conf");
        assert_eq!(e.line, 0);
        assert!(e.message.contains("UTF-8"), "{e}");
        let e = OdooConf::load(&dir.join("missing.conf")).expect_err("missing");
        assert_eq!(e.line, 0);
        assert!(e.to_string().contains("missing.conf:0: cannot read"), "{e}");
        let big = dir.join("big.conf");
        let _ = std::fs::write(&big, vec![b'#'; (fsread::CONFIG_MAX + 1) as usize]);
        let e = OdooConf::load(&big).expect_err("big.conf");
        assert!(e.message.contains("larger than 1 MiB"), "{e}");
        let e = OdooConf::load(Path::new("/dev/zero")).expect_err("/dev/zero");
        assert!(e.message.contains("a character device"), "{e}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn errors_quote_lines_short_and_escaped() {
        let nul = "\0".repeat(500_000);
        for text in [
            format!("{nul}\n[options]\n"),
            format!("[options]\n{nul}\n"),
            format!("[options]\n{nul}=1\n{nul}=2\n"),
            format!("[{nul}]\n[{nul}]\n"),
            "[options]\n\u{1b}[2J\u{202e}\n".to_string(),
        ] {
            let e = OdooConf::parse(&text, "odoo.conf").expect_err("an error");
            let shown = e.to_string();
            assert!(
                shown.len() < 400,
                "{} bytes: {}",
                shown.len(),
                &shown[..400]
            );
            assert!(!shown.chars().any(char::is_control), "{shown:?}");
            assert!(!shown.contains('\u{202e}'), "{shown:?}");
        }
    }

    #[test]
    fn errors_never_quote_an_option_value() {
        let e = OdooConf::parse("db_password = Secret_Pw/4242\n[options]\n", "odoo.conf")
            .expect_err("an error");
        assert_eq!(e.line, 1);
        assert!(e.message.contains("option \"db_password\""), "{e}");
        assert!(!e.to_string().contains("Secret_Pw"), "{e}");
    }

    #[test]
    fn parse_keeps_the_path() {
        assert_eq!(conf("[options]\n").path, Some(PathBuf::from("odoo.conf")));
        assert_eq!(OdooConf::parse("", "").map(|c| c.path), Ok(None));
        assert_eq!(OdooConf::parse("", "x").map(|c| c.sections().len()), Ok(0));
    }

    /// Arbitrary input never panics (deterministic pseudo-random texts).
    #[test]
    fn no_panic_on_odd_input() {
        let pieces = [
            "[options]",
            "[DEFAULT]",
            "[",
            "]",
            "[]",
            "=",
            ":",
            "a",
            "B",
            " ",
            "\t",
            "\n",
            "\r",
            "\r\n",
            "#",
            ";",
            "\u{3000}",
            "\u{1c}",
            "é",
            "😀",
            "None",
            "False",
            "\u{feff}",
        ];
        let mut state: u64 = 0x9e37_79b9_7f4a_7c15;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        for _ in 0..3000 {
            let len = (next() % 30) as usize;
            let text: String = (0..len)
                .filter_map(|_| pieces.get((next() % pieces.len() as u64) as usize).copied())
                .collect();
            if let Ok(c) = OdooConf::parse(&text, "fuzz.conf") {
                let env = |name: &str| (name.len() % 3 == 0).then(|| "None".to_owned());
                let o = c.with_env_overrides(&env);
                for (name, _) in o.options().collect::<Vec<_>>() {
                    let _ = o.odoo_value(name);
                    let _ = o.odoo_bool(name, Series::new(18, 0));
                    let _ = o.odoo_bool(name, Series::new(19, 0));
                    let _ = o.get_bool(name);
                    let _ = o.line_of(name);
                }
                let _ = o.addons_path();
            }
        }
    }
}
