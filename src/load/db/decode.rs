//! Defensive reads of result columns. The queries cast what they can (`::text`, `::bigint`),
//! but an odd schema can still hand back NULLs, other integer widths, or types the queries
//! did not expect; these readers accept every reasonable form and report the rest as a
//! [`Problem`] instead of panicking.

use postgres::types::FromSql;
use postgres::Row;

/// A column that could not be read as expected.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Problem {
    pub column: String,
    pub kind: ProblemKind,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum ProblemKind {
    /// NULL where a value is required.
    Null,
    /// A value of this PostgreSQL type, which the reader does not accept.
    Type(String),
    /// A value of the right type that does not parse (text that is not a number, …).
    Value,
    /// The query returned no such column.
    Missing,
}

impl Problem {
    fn new(row: &Row, column: &str, null: bool) -> Problem {
        let kind = if null {
            ProblemKind::Null
        } else {
            match row.columns().iter().find(|c| c.name() == column) {
                None => ProblemKind::Missing,
                Some(c) if <String as FromSql>::accepts(c.type_()) => ProblemKind::Value,
                Some(c) => ProblemKind::Type(c.type_().name().to_string()),
            }
        };
        Problem {
            column: column.to_string(),
            kind,
        }
    }

    /// `is NULL`, `has type numeric`, … (follows the column name in messages).
    pub fn describe(&self) -> String {
        match &self.kind {
            ProblemKind::Null => "is NULL".into(),
            ProblemKind::Type(t) => format!("has type {t}"),
            ProblemKind::Value => "holds a value of the wrong form".into(),
            ProblemKind::Missing => "is missing from the result".into(),
        }
    }
}

fn try_as<'a, T: FromSql<'a>>(row: &'a Row, column: &str) -> Option<Option<T>> {
    row.try_get::<_, Option<T>>(column).ok()
}

/// Text, or `None` for NULL. Integers and booleans are accepted and formatted.
pub fn text(row: &Row, column: &str) -> Result<Option<String>, Problem> {
    if let Some(v) = try_as::<String>(row, column) {
        return Ok(v);
    }
    if let Some(v) = try_as::<i64>(row, column) {
        return Ok(v.map(|v| v.to_string()));
    }
    if let Some(v) = try_as::<i32>(row, column) {
        return Ok(v.map(|v| v.to_string()));
    }
    if let Some(v) = try_as::<i16>(row, column) {
        return Ok(v.map(|v| v.to_string()));
    }
    if let Some(v) = try_as::<bool>(row, column) {
        return Ok(v.map(|v| v.to_string()));
    }
    Err(Problem::new(row, column, false))
}

/// Text that must be present.
pub fn required_text(row: &Row, column: &str) -> Result<String, Problem> {
    text(row, column)?.ok_or_else(|| Problem::new(row, column, true))
}

/// An integer of any width (or decimal text), or `None` for NULL.
pub fn int(row: &Row, column: &str) -> Result<Option<i64>, Problem> {
    if let Some(v) = try_as::<i64>(row, column) {
        return Ok(v);
    }
    if let Some(v) = try_as::<i32>(row, column) {
        return Ok(v.map(i64::from));
    }
    if let Some(v) = try_as::<i16>(row, column) {
        return Ok(v.map(i64::from));
    }
    if let Some(v) = try_as::<String>(row, column) {
        return match v {
            None => Ok(None),
            Some(s) => s
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| Problem::new(row, column, false)),
        };
    }
    Err(Problem::new(row, column, false))
}

/// An integer that must be present.
pub fn required_int(row: &Row, column: &str) -> Result<i64, Problem> {
    int(row, column)?.ok_or_else(|| Problem::new(row, column, true))
}

/// A boolean; NULL reads as `default`. Accepts PostgreSQL's text forms too.
pub fn flag(row: &Row, column: &str, default: bool) -> Result<bool, Problem> {
    opt_flag(row, column).map(|v| v.unwrap_or(default))
}

/// A boolean, or `None` for NULL. Accepts PostgreSQL's text forms too.
pub fn opt_flag(row: &Row, column: &str) -> Result<Option<bool>, Problem> {
    if let Some(v) = try_as::<bool>(row, column) {
        return Ok(v);
    }
    match text(row, column)? {
        None => Ok(None),
        Some(s) => match s.trim().to_ascii_lowercase().as_str() {
            "t" | "true" | "on" | "yes" | "1" => Ok(Some(true)),
            "f" | "false" | "off" | "no" | "0" | "" => Ok(Some(false)),
            _ => Err(Problem::new(row, column, false)),
        },
    }
}

/// A text array; NULL (and NULL elements) read as empty.
pub fn text_list(row: &Row, column: &str) -> Result<Vec<String>, Problem> {
    if let Some(v) = try_as::<Vec<Option<String>>>(row, column) {
        return Ok(v.unwrap_or_default().into_iter().flatten().collect());
    }
    Err(Problem::new(row, column, false))
}
