//! The values the history store writes and reads, the same for SQLite and PostgreSQL.

use postgres::types::{to_sql_checked, IsNull, ToSql, Type};

#[derive(Debug, Clone, PartialEq)]
pub enum Val {
    Null,
    Int(i64),
    Text(String),
    Bool(bool),
}

impl Val {
    pub fn opt_text(s: Option<&str>) -> Val {
        s.map_or(Val::Null, |s| Val::Text(s.to_string()))
    }

    pub fn text(&self) -> Option<String> {
        match self {
            Val::Text(s) => Some(s.clone()),
            _ => None,
        }
    }

    pub fn int(&self) -> Option<i64> {
        match self {
            Val::Int(n) => Some(*n),
            _ => None,
        }
    }

    pub fn refs(vals: &[Val]) -> Vec<&(dyn ToSql + Sync)> {
        vals.iter().map(|v| v as &(dyn ToSql + Sync)).collect()
    }

    pub fn from_sqlite(v: rusqlite::types::ValueRef<'_>) -> Val {
        use rusqlite::types::ValueRef;
        match v {
            ValueRef::Null => Val::Null,
            ValueRef::Integer(n) => Val::Int(n),
            ValueRef::Real(f) => Val::Int(f as i64),
            ValueRef::Text(t) | ValueRef::Blob(t) => {
                Val::Text(String::from_utf8_lossy(t).into_owned())
            }
        }
    }

    pub fn row_of_pg(row: &postgres::Row) -> Vec<Val> {
        (0..row.len())
            .map(|i| {
                let ty = row.columns()[i].type_().clone();
                let v = if ty == Type::INT8 {
                    row.try_get::<_, Option<i64>>(i)
                        .ok()
                        .flatten()
                        .map(Val::Int)
                } else if ty == Type::INT4 {
                    row.try_get::<_, Option<i32>>(i)
                        .ok()
                        .flatten()
                        .map(|n| Val::Int(n.into()))
                } else if ty == Type::BOOL {
                    row.try_get::<_, Option<bool>>(i)
                        .ok()
                        .flatten()
                        .map(Val::Bool)
                } else {
                    row.try_get::<_, Option<String>>(i)
                        .ok()
                        .flatten()
                        .map(Val::Text)
                };
                v.unwrap_or(Val::Null)
            })
            .collect()
    }
}

impl rusqlite::ToSql for Val {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        use rusqlite::types::{ToSqlOutput, Value, ValueRef};
        Ok(match self {
            Val::Null => ToSqlOutput::Owned(Value::Null),
            Val::Int(n) => ToSqlOutput::Owned(Value::Integer(*n)),
            Val::Bool(b) => ToSqlOutput::Owned(Value::Integer((*b).into())),
            Val::Text(s) => ToSqlOutput::Borrowed(ValueRef::Text(s.as_bytes())),
        })
    }
}

impl ToSql for Val {
    fn to_sql(
        &self,
        ty: &Type,
        out: &mut postgres::types::private::BytesMut,
    ) -> Result<IsNull, Box<dyn std::error::Error + Sync + Send>> {
        match self {
            Val::Null => Ok(IsNull::Yes),
            Val::Int(n) if *ty == Type::INT4 => i32::try_from(*n)?.to_sql(ty, out),
            Val::Int(n) => n.to_sql(ty, out),
            Val::Bool(b) => b.to_sql(ty, out),
            Val::Text(s) => s.as_str().to_sql(ty, out),
        }
    }

    fn accepts(ty: &Type) -> bool {
        <i64 as ToSql>::accepts(ty)
            || <i32 as ToSql>::accepts(ty)
            || <bool as ToSql>::accepts(ty)
            || <&str as ToSql>::accepts(ty)
    }

    to_sql_checked!();
}
