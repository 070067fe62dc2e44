//! Differential tests of `odoo_audit::load::pyliteral` against CPython's own
//! `ast.literal_eval`, run through `scripts/py_literal_json.py`.
//!
//! Both sides encode what they read with the same canonical JSON, so any
//! difference in what is accepted, or in the value read, fails a test.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use odoo_audit::load::pyliteral::literal_eval;
use serde_json::Value;

/// A corpus with fewer manifests than this is treated as missing.
const MIN_CORPUS_MANIFESTS: usize = 90;

fn project_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// What one side made of one file.
#[derive(Debug)]
enum Outcome {
    Value(Value),
    Rejected(String),
}

impl Outcome {
    fn is_value(&self) -> bool {
        matches!(self, Outcome::Value(_))
    }
}

fn python_version() -> String {
    Command::new("python3")
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).trim().to_string())
        .unwrap_or_else(|e| format!("python3 not runnable: {e}"))
}

/// Runs the reference script once over all `files`, in order.
fn python_outcomes(files: &[PathBuf]) -> Vec<Outcome> {
    let script = project_dir().join("scripts").join("py_literal_json.py");
    let output = Command::new("python3")
        .arg(&script)
        .args(files)
        .output()
        .unwrap_or_else(|e| panic!("cannot run `python3 {}`: {e}", script.display()));
    assert!(
        output.status.success(),
        "`python3 {}` failed:\n{}",
        script.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8(output.stdout).expect("the script prints UTF-8");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(
        lines.len(),
        files.len(),
        "expected one output line per file:\n{stdout}"
    );
    files
        .iter()
        .zip(lines)
        .map(|(file, line)| {
            let record: Value = serde_json::from_str(line)
                .unwrap_or_else(|e| panic!("bad output line for {}: {e}\n{line}", file.display()));
            assert_eq!(
                record["file"].as_str(),
                file.to_str(),
                "output lines out of order"
            );
            match (record.get("ok"), record.get("error")) {
                (Some(value), _) => Outcome::Value(value.clone()),
                (None, Some(error)) => Outcome::Rejected(error.as_str().unwrap_or("").to_string()),
                _ => panic!("output line has neither `ok` nor `error`: {line}"),
            }
        })
        .collect()
}

/// What the Rust side makes of a file; a file that is not UTF-8 is rejected,
/// as Odoo's `open(path).read()` would fail on it.
fn rust_outcome(file: &Path) -> Outcome {
    let bytes = fs::read(file).unwrap_or_else(|e| panic!("cannot read {}: {e}", file.display()));
    let Ok(text) = String::from_utf8(bytes) else {
        return Outcome::Rejected("not UTF-8".into());
    };
    match literal_eval(&text) {
        Ok(value) => Outcome::Value(value.to_canonical_json()),
        Err(e) => Outcome::Rejected(e.to_string()),
    }
}

/// Compares both sides on every file. Returns Python's outcomes and one
/// description per disagreement.
fn compare(files: &[PathBuf]) -> (Vec<Outcome>, Vec<String>) {
    let python = python_outcomes(files);
    let mut mismatches = Vec::new();
    for (file, expected) in files.iter().zip(&python) {
        let name = file.display();
        match (rust_outcome(file), expected) {
            (Outcome::Value(got), Outcome::Value(want)) if &got != want => mismatches.push(
                format!("{name}: different values\n    rust:   {got}\n    python: {want}"),
            ),
            (Outcome::Value(got), Outcome::Rejected(why)) => mismatches.push(format!(
                "{name}: Rust accepts it ({got}) but Python rejects it: {why}"
            )),
            (Outcome::Rejected(why), Outcome::Value(_)) => mismatches.push(format!(
                "{name}: Python accepts it but Rust rejects it: {why}"
            )),
            _ => {}
        }
    }
    (python, mismatches)
}

/// The manifests of a corpus (the corpus helpers check it is complete).
fn corpus_manifests(root: &Path) -> Vec<PathBuf> {
    let mut manifests: Vec<PathBuf> = fs::read_dir(root)
        .unwrap_or_else(|e| panic!("read {}: {e}", root.display()))
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("__manifest__.py"))
        .filter(|path| path.is_file())
        .collect();
    manifests.sort();
    manifests
}

#[test]
fn corpus_manifests_match_python() {
    // Both real corpora: the 93 addons of the Odoo 18 fixture and the 41 of the Odoo 19 one.
    let mut manifests = corpus_manifests(&crate::common::corpus());
    let n18 = manifests.len();
    manifests.extend(corpus_manifests(&crate::common::corpus19()));
    assert!(
        n18 >= MIN_CORPUS_MANIFESTS && manifests.len() >= n18 + 41,
        "the OCA corpora have {n18} and {} addons with a __manifest__.py: the download step of \
         the test script did not complete",
        manifests.len() - n18
    );
    let (python, mismatches) = compare(&manifests);
    assert!(
        mismatches.is_empty(),
        "{} of {} manifests differ between odoo_audit::load::pyliteral and {}:\n{}",
        mismatches.len(),
        manifests.len(),
        python_version(),
        mismatches.join("\n")
    );
    // Guard against a reference that rejects everything (a broken Python).
    let accepted = python.iter().filter(|o| o.is_value()).count();
    assert!(
        accepted * 10 >= manifests.len() * 9,
        "{} rejected {} of {} corpus manifests; is the Python environment broken?",
        python_version(),
        manifests.len() - accepted,
        manifests.len()
    );
}

/// Hand-written manifests: name, text, and whether Python 3.11 accepts it.
const TRICKY_MANIFESTS: &[(&str, &str, bool)] = &[
    (
        "plain",
        "# -*- coding: utf-8 -*-\n# Copyright 2024 ACME\n{\n    'name': 'Tricky',\n    \
         'version': '18.0.1.0.0',\n    'depends': ['base', 'web',],\n    'data': [\n        \
         # 'views/old.xml',\n        'views/new.xml',\n    ],\n    'installable': True,\n}\n",
        true,
    ),
    (
        "crlf_line_endings",
        "{\r\n    'name': 'CRLF',\r\n    'description': '''Line one\r\nline two''',\r\n    \
         'summary': 'joined \\\r\nline',\r\n}\r\n",
        true,
    ),
    (
        "escapes",
        r#"{'s': 'tab\there\nnl \x41\u00e9\U0001F600 \N{SNOWMAN} \N{latin small letter a} \101 \d \\ \'',
 'b': b'\x00\xff\777 \u1234 \N{X}', 'r': r'\d+\.\n', 'oct': '\400\0\08'}"#,
        true,
    ),
    (
        "concatenation_across_lines",
        "{'summary': ('Part one, '\n  # a comment between the parts\n  \"part two, \"\n  \
         '''part three''' u'.'), 'other': 'a' \\\n 'b'}",
        true,
    ),
    (
        "comments_in_odd_places",
        "{ # opening\n    'name' # between the key and the colon\n    : # after the colon\n    \
         'x' # after the value\n    , # after the comma\n# at column zero\n} # closing\n# trailer",
        true,
    ),
    (
        "tuples_sets_nested",
        "{'t': (1, (2, 3), ()), 's': {'b', 'a', 'b'}, 'e': set(), 'p': (set)(),\n \
         'n': {'x': {'y': [{'z': None}]}}, 'single': ('x',), 'group': ('x')}",
        true,
    ),
    (
        "numbers",
        "{'ints': [0, 00, 0_0, 1_000, 0x1F, 0o17, 0b101, -0x8000000000000000,\n  \
         18446744073709551616, -9223372036854775809, +7],\n 'floats': [1., .5, 1e3, 1_000.5, \
         1e-5, 1e16, 1e999, -0.0, 0.1, 01.5, 1238491795884836.2],\n 'complex': [1j, 1+2j, \
         -1.5-2.5j, -1j, 0x10+1J]}",
        true,
    ),
    (
        "duplicate_keys",
        "{'a': 1, 'b': 2, 'a': 3, 1: 'int', True: 'bool', 1.0: 'float', (1, 2): 'x',\n \
         (1.0, 2.0): 'y', None: 0, 0: 'zero', -0.0: 'negative zero', 1+0j: 'complex'}",
        true,
    ),
    (
        "sets_keep_first",
        "{True, 1, 1.0, 'a', b'a', (1,), (1.0,)}",
        true,
    ),
    (
        "tabs_and_form_feed",
        "\x0c{\n\t'a':\t1,\n\t\t'b': [\n\t2\x0c]\n}\n",
        true,
    ),
    (
        "backslash_continuation",
        "\\\n{\n  'a': \\\n    1,\n} \\\n\n",
        true,
    ),
    ("leading_whitespace", "  \t{'a': 1}", true),
    ("top_level_tuple", "'a', 'b',\n", true),
    ("fullwidth_set_call", "{'tags': ｓｅｔ()}", true),
    (
        "bytes_and_raw",
        r#"[b'abc', rb'\x', Rb"\n", br'\'', B'\x41' b"B"]"#,
        true,
    ),
    // Deep enough to matter, shallow enough for serde_json's parser (128).
    ("nested_120_deep", "", true), // filled in by the test
    // Rejected by Python:
    ("bom_prefixed", "\u{feff}{'name': 'x'}\n", false),
    ("unicode_identifier", "{'name': nombre_ñ}\n", false),
    ("f_string", "{'name': f'x{1}'}\n", false),
    ("function_call", "{'name': dict(a=1)}\n", false),
    ("set_with_arguments", "{'tags': set(['a'])}\n", false),
    ("double_sign", "{'sequence': --1}\n", false),
    ("real_plus_real", "{'sequence': 1 + 2}\n", false),
    ("unterminated_string", "{'name': 'x}\n", false),
    (
        "unclosed_brace",
        "{'name': 'x',\n'depends': ['base',\n",
        false,
    ),
    ("non_ascii_bytes", "{'b': b'café'}\n", false),
    ("bytes_str_mix", "{'s': 'a' b'b'}\n", false),
    ("two_expressions", "{'a': 1}\n{'b': 2}\n", false),
    ("indented_after_comment", "# header\n    {'a': 1}\n", false),
    ("trailing_spaces_line", "{'a': 1}\n    ", false),
    ("leading_zero", "{'v': 0777}\n", false),
    ("unhashable_key", "{['a']: 1}\n", false),
    ("comprehension", "{'data': [x for x in 'ab']}\n", false),
    (
        "unknown_character_name",
        r"{'s': '\N{NOT A REAL NAME}'}",
        false,
    ),
    ("truncated_hex_escape", r"{'s': '\x4'}", false),
    ("semicolon", "{'a': 1};\n", false),
    ("nested_201_deep", "", false), // filled in by the test
];

#[test]
fn tricky_manifests_match_python() {
    let dir = tempfile::tempdir().expect("temporary directory");
    let mut files = Vec::new();
    for (index, (name, text, _)) in TRICKY_MANIFESTS.iter().enumerate() {
        let text = match *name {
            "nested_120_deep" => format!("{}{}", "([".repeat(60), "])".repeat(60)),
            "nested_201_deep" => format!("{}{}", "[".repeat(201), "]".repeat(201)),
            _ => text.to_string(),
        };
        let path = dir.path().join(format!("{index:02}_{name}.py"));
        fs::write(&path, text).expect("write test manifest");
        files.push(path);
    }
    let (python, mut mismatches) = compare(&files);
    for ((name, _, valid), outcome) in TRICKY_MANIFESTS.iter().zip(&python) {
        if outcome.is_value() != *valid {
            mismatches.push(format!(
                "{name}: expected Python to {} it, but got {outcome:?}",
                if *valid { "accept" } else { "reject" }
            ));
        }
    }
    assert!(
        mismatches.is_empty(),
        "tricky manifests disagree ({}):\n{}",
        python_version(),
        mismatches.join("\n")
    );
}
