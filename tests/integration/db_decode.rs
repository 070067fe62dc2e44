//! The defensive column readers of the database layer on a real row of odd values (NULLs,
//! every integer width, text-like and array types) read from the test server.

use odoo_audit::load::db::decode::*;
use postgres::Row;

/// One row of odd values, read from the test server of `scripts/pg-test.sh`.
fn odd_row() -> Row {
    let conn = crate::common::pg().superuser;
    let mut c = postgres::Client::connect(&format!("{conn} dbname=postgres"), postgres::NoTls)
        .expect("connect to the test server");
    c.query_one(
        "SELECT NULL::text AS null_text, 7::int2 AS small, 8::int4 AS mid, 9::int8 AS big, \
         ' 10 '::text AS digits, 'x'::varchar AS word, 1.5::numeric AS num, \
         '{\"a\": 1}'::jsonb AS doc, true AS yes, 'f'::bpchar AS no_text, \
         'abc'::name AS ident, ARRAY['a', NULL]::text[] AS list, NULL::text[] AS no_list, \
         NULL::bool AS no_flag",
        &[],
    )
    .expect("query")
}

#[test]
fn every_integer_width_and_numeric_text() {
    let r = odd_row();
    assert_eq!(int(&r, "small"), Ok(Some(7)));
    assert_eq!(int(&r, "mid"), Ok(Some(8)));
    assert_eq!(int(&r, "big"), Ok(Some(9)));
    assert_eq!(int(&r, "digits"), Ok(Some(10)));
    assert_eq!(int(&r, "null_text"), Ok(None));
    assert_eq!(
        required_int(&r, "null_text").unwrap_err().kind,
        ProblemKind::Null
    );
    assert_eq!(int(&r, "word").unwrap_err().kind, ProblemKind::Value);
    assert_eq!(
        int(&r, "num").unwrap_err().kind,
        ProblemKind::Type("numeric".into())
    );
    assert_eq!(int(&r, "nope").unwrap_err().kind, ProblemKind::Missing);
}

#[test]
fn text_of_text_like_and_scalar_columns() {
    let r = odd_row();
    assert_eq!(text(&r, "word"), Ok(Some("x".into())));
    assert_eq!(text(&r, "ident"), Ok(Some("abc".into())));
    assert_eq!(text(&r, "big"), Ok(Some("9".into())));
    assert_eq!(text(&r, "yes"), Ok(Some("true".into())));
    assert_eq!(text(&r, "null_text"), Ok(None));
    let p = required_text(&r, "null_text").unwrap_err();
    assert_eq!(p.describe(), "is NULL");
    let p = text(&r, "doc").unwrap_err();
    assert_eq!(p.describe(), "has type jsonb");
}

#[test]
fn flags_and_lists() {
    let r = odd_row();
    assert_eq!(flag(&r, "yes", false), Ok(true));
    assert_eq!(flag(&r, "no_text", true), Ok(false));
    assert_eq!(flag(&r, "no_flag", true), Ok(true));
    assert_eq!(opt_flag(&r, "no_flag"), Ok(None));
    assert_eq!(opt_flag(&r, "no_text"), Ok(Some(false)));
    assert_eq!(opt_flag(&r, "yes"), Ok(Some(true)));
    assert_eq!(opt_flag(&r, "word").unwrap_err().kind, ProblemKind::Value);
    assert_eq!(
        flag(&r, "small", false).unwrap_err().kind,
        ProblemKind::Type("int2".into())
    );
    assert_eq!(text_list(&r, "list"), Ok(vec!["a".to_string()]));
    assert_eq!(text_list(&r, "no_list"), Ok(vec![]));
    assert!(text_list(&r, "word").is_err());
}
